//! The lamux binary to deploy: given with `--binary`, or built here with cargo-lambda.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use lamux_cdk::constructs::lambda::Architecture as Arch;

use crate::package;

/// Where `cargo lambda build` puts lamux's bootstrap.
pub const DEFAULT_BUILD: &str = "target/lambda/lamux/bootstrap";

/// A binary's bytes and the architecture its ELF header names.
pub struct Binary {
    pub bytes: Vec<u8>,
    pub arch: Arch,
}

/// Read `--binary`, or build lamux with cargo-lambda for `arch` (x86_64 when unset). A given
/// `arch` that disagrees with the binary is an error.
pub fn load(path: Option<&Path>, arch: Option<Arch>) -> anyhow::Result<Binary> {
    let path = match path {
        Some(path) => path.to_owned(),
        None => build(arch.unwrap_or(Arch::X86_64))?,
    };
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read the binary {}", path.display()))?;
    let binary_arch = package::elf_arch(&bytes).with_context(|| format!("{} is not a lamux binary", path.display()))?;
    if let Some(arch) = arch
        && arch != binary_arch
    {
        bail!(
            "--arch {} does not match {}, which is built for {}",
            arch.lambda_name(),
            path.display(),
            binary_arch.lambda_name()
        );
    }
    Ok(Binary { bytes, arch: binary_arch })
}

/// `cargo lambda build --release` in the lamux workspace; zig gives a glibc floor that runs on
/// provided.al2 and provided.al2023.
fn build(arch: Arch) -> anyhow::Result<PathBuf> {
    eprintln!("building lamux for {} with cargo-lambda (pass --binary to skip)...", arch.lambda_name());
    let mut command = Command::new("cargo");
    command.args(["lambda", "build", "--release", "--package", "lamux", "--bin", "lamux"]);
    if arch == Arch::Arm64 {
        command.arg("--arm64");
    }
    let status = command.status().context("cannot run cargo lambda (pip install cargo-lambda)")?;
    if !status.success() {
        bail!(
            "cargo lambda build failed ({status}): it builds lamux only inside a clone of lamux's source. Elsewhere, \
             build it there (`cargo lambda build --release --bin lamux` writes target/lambda/lamux/bootstrap) and pass \
             --binary PATH (README \"Preview environments\", step 2)"
        );
    }
    Ok(PathBuf::from(DEFAULT_BUILD))
}
