//! Assets: files a stack deploys that are not in the template (a function's zip). The template
//! takes each through two parameters, the bucket and the key; the deploy engine packages and
//! uploads the asset and passes both.

use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;

use crate::archive::{self, Archive};
use crate::bundling::{self, CargoLambda};
use crate::error::Result;

/// Where an asset's zip comes from. A relative path is read against the program's manifest
/// directory ([`bundling::base_dir`]), not the current directory.
#[derive(Debug, Clone)]
pub enum AssetSource {
    /// An executable to run as a `provided.al2023` function: zipped as `bootstrap`
    /// (`cargo lambda build` writes `target/lambda/NAME/bootstrap`).
    Bootstrap(PathBuf),
    /// A zip file as it is (`cargo lambda build --output-format zip`).
    ZipFile(PathBuf),
    /// A zip already in memory.
    Archive(Archive),
    /// A package built with cargo-lambda at synth, zipped as `bootstrap`.
    CargoLambda(CargoLambda),
}

impl AssetSource {
    /// A stand-in for code that is not built yet, to render a template alone: a template
    /// names an asset only through its bucket and key parameters, so the content does not
    /// change it. Deploying it would upload an empty file.
    pub fn placeholder() -> Self {
        Self::Archive(Archive::new(Vec::new()))
    }
    /// A bundled build for `architecture`, unless it names one already; any other source as
    /// it is.
    pub fn for_architecture(self, architecture: crate::architecture::Architecture) -> Self {
        match self {
            Self::CargoLambda(build) => Self::CargoLambda(build.or_architecture(architecture)),
            source => source,
        }
    }

    /// The name in the asset's S3 key: the built binary's, the file's stem, or `fallback`.
    pub fn name(&self, fallback: &str) -> String {
        let stem = |path: &std::path::Path| path.file_stem().map(|stem| stem.to_string_lossy().into_owned());
        match self {
            Self::CargoLambda(build) => build.name().to_owned(),
            Self::ZipFile(path) => stem(path).unwrap_or_else(|| fallback.to_owned()),
            Self::Bootstrap(_) | Self::Archive(_) => fallback.to_lowercase(),
        }
    }

    /// The file this asset is read from at deploy time, if any: for code that builds
    /// itself, once a synth has built it.
    pub fn file(&self) -> Option<PathBuf> {
        match self {
            Self::Bootstrap(path) | Self::ZipFile(path) => Some(bundling::resolve(path)),
            Self::Archive(_) => None,
            Self::CargoLambda(build) => build.built().map(ToOwned::to_owned),
        }
    }

    /// The file, or why there is none to read.
    fn read(&self) -> Result<Vec<u8>> {
        let path = match (self, self.file()) {
            (_, Some(path)) => path,
            (Self::CargoLambda(build), None) => bail!("{} is not built yet: synth builds it", build.name()),
            (_, None) => bail!("the asset is in memory, not in a file"),
        };
        Ok(std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?)
    }

    /// The SHA-256 of the code's own bytes (the executable, the zip file), hex: what a
    /// version's logical ID takes, without building the zip.
    pub fn content_sha256(&self) -> Result<String> {
        Ok(match self {
            Self::Archive(archive) => archive.sha256.clone(),
            _ => archive::hex(&<sha2::Sha256 as sha2::Digest>::digest(self.read()?)),
        })
    }

    /// The deterministic zip: the same input gives the same bytes and the same S3 key.
    pub fn archive(&self) -> Result<Archive> {
        match self {
            Self::Bootstrap(_) | Self::CargoLambda(_) => archive::function_zip(&self.read()?),
            Self::ZipFile(_) => Ok(Archive::new(self.read()?)),
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
    /// The logical ID of the bucket parameter.
    pub bucket_parameter: String,
    /// The logical ID of the key parameter.
    pub key_parameter: String,
    /// Where the zip comes from.
    #[serde(skip)]
    pub source: AssetSource,
}
