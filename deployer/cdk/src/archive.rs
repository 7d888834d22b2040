//! Deterministic zips: a function's executable as `bootstrap` at the root, or any one file.
//! Same input, same bytes, same sha256, so an unchanged asset is not uploaded again.

use std::io::{Cursor, Write as _};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;

use crate::error::Result;

/// A zip in memory with its content address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// The zip.
    pub bytes: Vec<u8>,
    /// Its SHA-256, hex: the content address in the S3 key.
    pub sha256: String,
}

impl Archive {
    /// A zip's bytes, with their digest.
    pub fn new(bytes: Vec<u8>) -> Self {
        let sha256 = hex(&Sha256::digest(&bytes));
        Self { bytes, sha256 }
    }

    /// The object name under which this exact content is stored: `NAME-SHA256.zip`. The
    /// deploy engine puts it under its prefix in the asset bucket.
    pub fn key(&self, name: &str) -> String {
        format!("{name}-{}.zip", self.sha256)
    }

    /// The digest as Lambda reports a function's `CodeSha256`: base64, not hex.
    pub fn code_sha256(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&self.bytes))
    }
}

/// The function zip: the binary as `bootstrap`, as `provided.al2023` expects.
pub fn function_zip(binary: &[u8]) -> Result<Archive> {
    single_file_zip("bootstrap", binary)
}

/// A zip of one file, `path`, executable: deterministic, so the same bytes give the same
/// archive and the same S3 key.
pub fn single_file_zip(path: &str, binary: &[u8]) -> Result<Archive> {
    // Fixed timestamp (the zip epoch, 1980-01-01) and mode: nothing of the build machine or
    // the time of day goes into the archive.
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(path, options).context("zip entry")?;
    writer.write_all(binary).context("zip write")?;
    Ok(Archive::new(writer.finish().context("zip finish")?.into_inner()))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_binary_same_zip() {
        let binary = b"\x7fELF not really";
        let first = function_zip(binary).expect("zips");
        let second = function_zip(binary).expect("zips");
        assert_eq!(first, second);
        assert_ne!(first.sha256, single_file_zip("other", binary).expect("zips").sha256);
        assert_eq!(first.key("function"), format!("function-{}.zip", first.sha256));
    }

    #[test]
    fn entries_have_fixed_paths_modes_and_times() {
        for (archive, path) in [(function_zip(b"x"), "bootstrap"), (single_file_zip("bin/tool", b"x"), "bin/tool")] {
            let archive = archive.expect("zips");
            let mut reader = zip::ZipArchive::new(Cursor::new(archive.bytes)).expect("readable zip");
            assert_eq!(reader.len(), 1);
            let entry = reader.by_index(0).expect("entry");
            assert_eq!(entry.name(), path);
            assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o755));
            assert_eq!(entry.last_modified(), Some(zip::DateTime::default()));
        }
    }
}
