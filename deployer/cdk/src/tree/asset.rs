//! Assets: files a stack deploys that are not in the template (a function's zip). The template
//! takes each through two parameters, the bucket and the key; the deploy engine packages and
//! uploads the asset and passes both.

use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;

use crate::archive::{self, Archive};
use crate::error::Result;

/// Where an asset's zip comes from.
#[derive(Debug, Clone)]
pub enum AssetSource {
    /// An executable to run as a `provided.al2023` function: zipped as `bootstrap`
    /// (`cargo lambda build` writes `target/lambda/NAME/bootstrap`).
    Bootstrap(PathBuf),
    /// A zip file as it is (`cargo lambda build --output-format zip`).
    ZipFile(PathBuf),
    /// A zip already in memory.
    Archive(Archive),
}

impl AssetSource {
    /// A stand-in for code that is not built yet, to render a template alone: a template
    /// names an asset only through its bucket and key parameters, so the content does not
    /// change it. Deploying it would upload an empty file.
    pub fn placeholder() -> Self {
        Self::Archive(Archive::new(Vec::new()))
    }
    /// The file this asset is read from at deploy time, if any.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            Self::Bootstrap(path) | Self::ZipFile(path) => Some(path),
            Self::Archive(_) => None,
        }
    }

    /// The SHA-256 of the code's own bytes (the executable, the zip file), hex: what a
    /// version's logical ID takes, without building the zip.
    pub fn content_sha256(&self) -> Result<String> {
        let read =
            |path: &std::path::Path| std::fs::read(path).with_context(|| format!("cannot read {}", path.display()));
        Ok(match self {
            Self::Bootstrap(path) | Self::ZipFile(path) => {
                archive::hex(&<sha2::Sha256 as sha2::Digest>::digest(read(path)?))
            }
            Self::Archive(archive) => archive.sha256.clone(),
        })
    }

    /// The deterministic zip: the same input gives the same bytes and the same S3 key.
    pub fn archive(&self) -> Result<Archive> {
        match self {
            Self::Bootstrap(path) => {
                let binary = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                archive::function_zip(&binary)
            }
            Self::ZipFile(path) => {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                Ok(Archive::new(bytes))
            }
            Self::Archive(archive) => Ok(archive.clone()),
        }
    }
}

/// One asset of a synthesized stack: what to upload, and the parameters that take its place.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetEntry {
    /// The construct path of the asset.
    pub path: String,
    /// The file name in the S3 key: `lamux/NAME-SHA256.zip`.
    pub name: String,
    pub bucket_parameter: String,
    pub key_parameter: String,
    #[serde(skip)]
    pub source: AssetSource,
}
