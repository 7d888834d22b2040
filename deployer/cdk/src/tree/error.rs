//! Why a construct could not be added, or a stack not synthesized.

use super::aspects::Finding;
use crate::error::DeployError;

/// Why a construct could not be added, or a stack not synthesized.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// A construct id that cannot be a path component.
    #[error("construct id {id:?} under {scope:?}: {why}")]
    InvalidId {
        /// The parent's path.
        scope: String,
        /// The id given.
        id: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A second construct with the same id under one parent.
    #[error("{path} is already in the stack: a construct id is unique among its siblings")]
    DuplicatePath {
        /// The construct path both have.
        path: String,
    },
    /// Two paths that join to the same logical ID.
    #[error(
        "{path} and {other} both have the logical ID {logical_id}: rename one, or pin one with Stack::pin_logical_id"
    )]
    DuplicateLogicalId {
        /// The logical ID both would have.
        logical_id: String,
        /// The construct added last.
        path: String,
        /// The construct that has the ID.
        other: String,
    },
    /// A logical ID CloudFormation would refuse.
    #[error("the logical ID {logical_id:?} for {path} is not 1-255 letters and digits")]
    InvalidLogicalId {
        /// The ID.
        logical_id: String,
        /// The construct it is for.
        path: String,
    },
    /// A construct used in a way its resource does not allow.
    #[error("{path}: {why}")]
    Invalid {
        /// The construct.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// [`Stack::pin_logical_id`](super::Stack::pin_logical_id) for a path no construct has.
    #[error("pinned logical ID {logical_id} for {path}, but no construct has that path")]
    UnusedPin {
        /// The pinned path.
        path: String,
        /// The ID it was given.
        logical_id: String,
    },
    /// Properties that do not render (a timeout out of range, a value that is no JSON).
    #[error("{path}: the properties do not serialize: {why}")]
    Serialize {
        /// The resource's construct path.
        path: String,
        /// Why.
        why: String,
    },
    /// Code that builds itself could not be built or, with `--no-build`, found.
    #[error("asset {path}: {why}")]
    Bundling {
        /// The asset's construct path.
        path: String,
        /// Why, with the command that builds it.
        why: String,
    },
    /// An asset's file is missing or not a file.
    #[error("asset {path}: {file} is not a readable file: {why}")]
    AssetFile {
        /// The asset's construct path.
        path: String,
        /// The file, as read.
        file: std::path::PathBuf,
        /// The operating system's answer.
        why: String,
    },
    /// A value of another stack that cannot be imported.
    #[error("stack {stack} uses {value} of stack {owner}: {why}")]
    CrossStack {
        /// The stack that uses the value.
        stack: String,
        /// The stack that has it.
        owner: String,
        /// The value (`LOGICALID.Attribute`).
        value: String,
        /// Why it cannot be imported.
        why: String,
    },
    /// What the aspects found, every error of the stack, one line each.
    #[error("stack {stack}: {}", aspect_errors(findings))]
    Aspects {
        /// The stack's name.
        stack: String,
        /// Every error, with its construct path.
        findings: Vec<Finding>,
    },
    /// An App that cannot be synthesized: a cycle of imports, errors of several stacks.
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
