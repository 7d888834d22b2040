//! The lamux binary to deploy, looked for in this order, the first that is there winning:
//!
//! 1. `--binary PATH`: an executable;
//! 2. `--bundle PATH`: a function zip (`lamux-bootstrap-ARCH.zip`, `bootstrap` at its root);
//! 3. `lamux-bootstrap-ARCH.zip` beside the `lamux-deploy` executable, as the release
//!    archive lays it out;
//! 4. inside a clone of lamux's source: built with cargo-lambda;
//! 5. the release asset of this version, downloaded over HTTPS and checked against the
//!    release's `checksums.txt` ([`crate::release`]), kept in a cache directory.
//!
//! It says on stderr which it used. When none is there, one error lists what it tried and
//! the command that fixes it.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use lamux_cdk::constructs::lambda::Architecture as Arch;

use crate::{package, release};

/// Where `cargo lambda build` puts lamux's bootstrap.
pub const DEFAULT_BUILD: &str = "target/lambda/lamux/bootstrap";

/// A binary's bytes and the architecture its ELF header names.
pub struct Binary {
    pub bytes: Vec<u8>,
    pub arch: Arch,
}

/// What the command line says of the code: `--binary`, `--bundle`, `--arch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choice<'a> {
    pub binary: Option<&'a Path>,
    pub bundle: Option<&'a Path>,
    pub arch: Option<Arch>,
}

/// The release zip of lamux's function for `arch`.
pub fn bundle_name(arch: Arch) -> String {
    format!("lamux-bootstrap-{}.zip", arch.lambda_name())
}

/// Find lamux's binary as the module says, and say which was used.
pub fn locate(choice: Choice<'_>) -> anyhow::Result<Binary> {
    if let Some(path) = choice.binary {
        let binary = read(path, choice.arch)?;
        eprintln!("lamux: {} (--binary)", path.display());
        return Ok(binary);
    }
    if let Some(path) = choice.bundle {
        let binary = from_bundle(path, choice.arch)?;
        eprintln!("lamux: {} (--bundle)", path.display());
        return Ok(binary);
    }
    let arch = choice.arch.unwrap_or(Arch::X86_64);
    let mut tried = Vec::new();
    match beside_executable(arch) {
        Some(path) if path.is_file() => {
            let binary = from_bundle(&path, Some(arch))?;
            eprintln!("lamux: {} (beside lamux-deploy)", path.display());
            return Ok(binary);
        }
        Some(path) => tried.push(format!("{} (beside lamux-deploy): not there", path.display())),
        None => tried.push("beside lamux-deploy: its own path is unknown".to_owned()),
    }
    match source_tree(&std::env::current_dir().context("cannot read the current directory")?) {
        Some(root) => return build(&root, arch, choice.arch),
        None => tried.push("a lamux source tree around the current directory: none".to_owned()),
    }
    match release::fetch(&bundle_name(arch)) {
        Ok(fetched) => {
            let binary = from_bundle(&fetched.path, Some(arch))?;
            eprintln!("lamux: {} ({})", fetched.path.display(), fetched.how);
            Ok(binary)
        }
        Err(err) => {
            tried.push(format!("the release asset: {err:#}"));
            bail!(
                "no lamux binary for {arch} to deploy; tried:\n  - {}\nPass --bundle with a release's {bundle} \
                 (https://github.com/lamux/lamux/releases/tag/v{version}), or --binary with a build of lamux \
                 (`cargo lambda build --release --bin lamux` in lamux's source writes {DEFAULT_BUILD})",
                tried.join("\n  - "),
                arch = arch.lambda_name(),
                bundle = bundle_name(arch),
                version = env!("CARGO_PKG_VERSION"),
            )
        }
    }
}

/// Read an executable; a given `arch` that disagrees with it is an error.
pub fn read(path: &Path, arch: Option<Arch>) -> anyhow::Result<Binary> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the binary {}", path.display()))?;
    checked(bytes, arch, &path.display().to_string())
}

fn checked(bytes: Vec<u8>, arch: Option<Arch>, what: &str) -> anyhow::Result<Binary> {
    let binary_arch = package::elf_arch(&bytes).with_context(|| format!("{what} is not a lamux binary"))?;
    if let Some(arch) = arch
        && arch != binary_arch
    {
        bail!("--arch {} does not match {what}, which is built for {}", arch.lambda_name(), binary_arch.lambda_name());
    }
    Ok(Binary { bytes, arch: binary_arch })
}

/// The `bootstrap` of a function zip.
pub fn from_bundle(path: &Path, arch: Option<Arch>) -> anyhow::Result<Binary> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read the bundle {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(file).with_context(|| format!("{} is not a zip", path.display()))?;
    let mut entry = zip
        .by_name("bootstrap")
        .with_context(|| format!("{} has no bootstrap at its root: not a lamux bundle", path.display()))?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).with_context(|| format!("cannot unzip {}", path.display()))?;
    checked(bytes, arch, &format!("{}'s bootstrap", path.display()))
}

/// Where the release archive puts the bundle: beside the executable.
fn beside_executable(arch: Arch) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(bundle_name(arch)))
}

/// The root of the lamux source tree `dir` is in: a workspace whose `lamux/Cargo.toml` is
/// the package `lamux`.
pub fn source_tree(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|dir| {
            dir.join("Cargo.toml").is_file()
                && std::fs::read_to_string(dir.join("lamux/Cargo.toml"))
                    .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "name = \"lamux\""))
        })
        .map(Path::to_owned)
}

/// `cargo lambda build --release` in the lamux workspace at `root`; zig gives a glibc floor
/// that runs on provided.al2 and provided.al2023.
fn build(root: &Path, arch: Arch, asked: Option<Arch>) -> anyhow::Result<Binary> {
    eprintln!(
        "lamux: building it for {} with cargo-lambda in {} (pass --binary or --bundle to skip)...",
        arch.lambda_name(),
        root.display()
    );
    let mut command = Command::new("cargo");
    command.args(["lambda", "build", "--release", "--package", "lamux", "--bin", "lamux"]).current_dir(root);
    if arch == Arch::Arm64 {
        command.arg("--arm64");
    }
    let status = command.status().context("cannot run cargo lambda (pip install cargo-lambda)")?;
    if !status.success() {
        bail!(
            "cargo lambda build failed in {} ({status}); or pass --bundle with a release's {}",
            root.display(),
            bundle_name(arch)
        );
    }
    read(&root.join(DEFAULT_BUILD), asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_tree_is_found_from_below_it_and_not_elsewhere() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("lamux/src")).expect("mkdir");
        std::fs::write(root.join("Cargo.toml"), "[workspace]\n").expect("write");
        std::fs::write(root.join("lamux/Cargo.toml"), "[package]\nname = \"lamux\"\n").expect("write");
        assert_eq!(source_tree(&root.join("lamux/src")).as_deref(), Some(root));
        std::fs::write(root.join("lamux/Cargo.toml"), "[package]\nname = \"lamux-fork\"\n").expect("write");
        assert_eq!(source_tree(&root.join("lamux/src")), None, "another package");
    }

    #[test]
    fn a_bundle_gives_its_bootstrap_and_refuses_another_zip() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[5] = 1;
        elf[18] = 0xb7;
        let bundle = dir.path().join("lamux-bootstrap-arm64.zip");
        std::fs::write(&bundle, lamux_cdk::archive::function_zip(&elf).expect("zip").bytes).expect("write");
        let binary = from_bundle(&bundle, None).expect("a bundle");
        assert_eq!((binary.bytes, binary.arch), (elf.clone(), Arch::Arm64));
        let err = from_bundle(&bundle, Some(Arch::X86_64)).err().expect("the wrong architecture").to_string();
        assert!(err.contains("--arch x86_64 does not match"), "{err}");

        let layer = dir.path().join("layer.zip");
        std::fs::write(&layer, crate::package::layer_zip(&elf).expect("zip").bytes).expect("write");
        let err = format!("{:#}", from_bundle(&layer, None).err().expect("no bootstrap"));
        assert!(err.contains("has no bootstrap at its root"), "{err}");
    }
}
