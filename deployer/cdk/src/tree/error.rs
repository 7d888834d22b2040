//! Why a construct could not be added, or a stack not synthesized.

use super::aspects::Finding;
use crate::error::DeployError;

/// Why a construct could not be added, or a stack not synthesized.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("construct id {id:?} under {scope:?}: {why}")]
    InvalidId { scope: String, id: String, why: &'static str },
    #[error("{path} is already in the stack: a construct id is unique among its siblings")]
    DuplicatePath { path: String },
    #[error(
        "{path} and {other} both have the logical ID {logical_id}: rename one, or pin one with Stack::pin_logical_id"
    )]
    DuplicateLogicalId { logical_id: String, path: String, other: String },
    #[error("the logical ID {logical_id:?} for {path} is not 1-255 letters and digits")]
    InvalidLogicalId { logical_id: String, path: String },
    #[error("{path}: {why}")]
    Invalid { path: String, why: String },
    #[error("pinned logical ID {logical_id} for {path}, but no construct has that path")]
    UnusedPin { path: String, logical_id: String },
    #[error("{path}: the properties do not serialize: {why}")]
    Serialize { path: String, why: String },
    #[error("asset {path}: {why}")]
    Bundling { path: String, why: String },
    #[error("asset {path}: {file} is not a readable file: {why}")]
    AssetFile { path: String, file: std::path::PathBuf, why: String },
    #[error("stack {stack} uses {value} of stack {owner}: {why}")]
    CrossStack { stack: String, owner: String, value: String, why: String },
    /// What the aspects found, every error of the stack, one line each.
    #[error("stack {stack}: {}", aspect_errors(findings))]
    Aspects { stack: String, findings: Vec<Finding> },
    #[error("{0}")]
    App(String),
    /// Settings that contradict each other or AWS's limits (the Lamux construct's).
    #[error("{0}")]
    Settings(String),
}

fn aspect_errors(findings: &[Finding]) -> String {
    let lines: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.path, f.message)).collect();
    match lines.as_slice() {
        [one] => one.clone(),
        _ => format!("{} aspect errors:\n  {}", lines.len(), lines.join("\n  ")),
    }
}

/// A construct that could not be built, met while deploying (a stack synthesized there).
impl From<Error> for DeployError {
    fn from(error: Error) -> Self {
        anyhow::Error::from(error).into()
    }
}
