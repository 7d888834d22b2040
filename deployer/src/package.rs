//! lamux's own zips beyond a function's: the extension layer (`extensions/lamux`), and the
//! architecture its binary was built for.

use anyhow::bail;
use lamux_cdk::archive::{Archive, single_file_zip};
use lamux_cdk::constructs::lambda::Architecture;

/// The layer zip: Lambda runs every executable in `/opt/extensions` as an extension.
pub fn layer_zip(binary: &[u8]) -> anyhow::Result<Archive> {
    Ok(single_file_zip("extensions/lamux", binary)?)
}

/// The architecture an ELF executable was built for, from its header's `e_machine`.
pub fn elf_arch(binary: &[u8]) -> anyhow::Result<Architecture> {
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
        0x3e => Ok(Architecture::X86_64),
        0xb7 => Ok(Architecture::Arm64),
        other => bail!("the binary is built for ELF machine {other:#x}; Lambda runs x86_64 and arm64"),
    }
}

#[cfg(test)]
mod tests {
    use lamux_cdk::archive::function_zip;

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
    fn the_layer_zip_differs_from_the_function_zip() {
        let binary = elf(0x3e);
        let layer = layer_zip(&binary).expect("zips");
        assert_eq!(layer, layer_zip(&binary).expect("zips"));
        assert_ne!(layer.sha256, function_zip(&binary).expect("zips").sha256);
    }

    #[test]
    fn architecture_from_the_elf_header() {
        assert_eq!(elf_arch(&elf(0x3e)).expect("x86_64"), Architecture::X86_64);
        assert_eq!(elf_arch(&elf(0xb7)).expect("arm64"), Architecture::Arm64);
        assert!(elf_arch(&elf(0x28)).is_err());
        assert!(elf_arch(b"#!/bin/sh\n").is_err());
        assert!(elf_arch(b"").is_err());
    }

    #[test]
    fn the_real_lamux_binary_is_read_as_this_machine() {
        let binary = std::fs::read(std::env::current_exe().expect("test binary")).expect("readable");
        let want = if cfg!(target_arch = "aarch64") { Architecture::Arm64 } else { Architecture::X86_64 };
        assert_eq!(elf_arch(&binary).expect("ELF"), want);
    }
}
