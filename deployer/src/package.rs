//! Deterministic zips of the lamux binary: the function's (`bootstrap` at the root) and the
//! extension layer's (`extensions/lamux`). Same binary, same bytes, same sha256.

use std::io::{Cursor, Write as _};

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;

use crate::options::Arch;

/// A zip in memory with its content address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

impl Archive {
    /// A zip's bytes, with their digest.
    pub fn new(bytes: Vec<u8>) -> Self {
        let sha256 = hex(&Sha256::digest(&bytes));
        Self { bytes, sha256 }
    }

    /// The S3 key under which this exact content is stored.
    pub fn key(&self, kind: &str) -> String {
        format!("lamux/{kind}-{}.zip", self.sha256)
    }

    /// The digest as Lambda reports a function's `CodeSha256`: base64, not hex.
    pub fn code_sha256(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&self.bytes))
    }
}

/// The function zip: the binary as `bootstrap`, as `provided.al2023` expects.
pub fn function_zip(binary: &[u8]) -> anyhow::Result<Archive> {
    zip_one("bootstrap", binary)
}

/// The layer zip: Lambda runs every executable in `/opt/extensions` as an extension.
pub fn layer_zip(binary: &[u8]) -> anyhow::Result<Archive> {
    zip_one("extensions/lamux", binary)
}

fn zip_one(path: &str, binary: &[u8]) -> anyhow::Result<Archive> {
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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The architecture an ELF executable was built for, from its header's `e_machine`.
pub fn elf_arch(binary: &[u8]) -> anyhow::Result<Arch> {
    if binary.len() < 20 || &binary[..4] != b"\x7fELF" {
        bail!("not an ELF executable; lamux runs on Lambda's Linux");
    }
    // e_machine is a u16 at offset 18, in the byte order EI_DATA (offset 5) names.
    let machine = match binary[5] {
        1 => u16::from_le_bytes([binary[18], binary[19]]),
        2 => u16::from_be_bytes([binary[18], binary[19]]),
        other => bail!("ELF header has an unknown byte order {other}"),
    };
    match machine {
        0x3e => Ok(Arch::X86_64),
        0xb7 => Ok(Arch::Arm64),
        other => bail!("the binary is built for ELF machine {other:#x}; Lambda runs x86_64 and arm64"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(machine: u16) -> Vec<u8> {
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[4] = 2; // 64-bit
        header[5] = 1; // little-endian
        header[18..20].copy_from_slice(&machine.to_le_bytes());
        header
    }

    #[test]
    fn same_binary_same_zip() {
        let binary = elf(0x3e);
        let first = function_zip(&binary).expect("zips");
        let second = function_zip(&binary).expect("zips");
        assert_eq!(first, second);
        assert_ne!(first.sha256, layer_zip(&binary).expect("zips").sha256);
        assert_eq!(first.key("function"), format!("lamux/function-{}.zip", first.sha256));
    }

    #[test]
    fn entries_have_fixed_paths_modes_and_times() {
        let binary = elf(0xb7);
        for (archive, path) in [(function_zip(&binary), "bootstrap"), (layer_zip(&binary), "extensions/lamux")] {
            let archive = archive.expect("zips");
            let mut reader = zip::ZipArchive::new(Cursor::new(archive.bytes)).expect("readable zip");
            assert_eq!(reader.len(), 1);
            let entry = reader.by_index(0).expect("entry");
            assert_eq!(entry.name(), path);
            assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o755));
            assert_eq!(entry.last_modified(), Some(zip::DateTime::default()));
        }
    }

    #[test]
    fn architecture_from_the_elf_header() {
        assert_eq!(elf_arch(&elf(0x3e)).expect("x86_64"), Arch::X86_64);
        assert_eq!(elf_arch(&elf(0xb7)).expect("arm64"), Arch::Arm64);
        assert!(elf_arch(&elf(0x28)).is_err());
        assert!(elf_arch(b"#!/bin/sh\n").is_err());
        assert!(elf_arch(b"").is_err());
    }

    #[test]
    fn the_real_lamux_binary_is_read_as_this_machine() {
        let binary = std::fs::read(std::env::current_exe().expect("test binary")).expect("readable");
        let want = if cfg!(target_arch = "aarch64") { Arch::Arm64 } else { Arch::X86_64 };
        assert_eq!(elf_arch(&binary).expect("ELF"), want);
    }
}
