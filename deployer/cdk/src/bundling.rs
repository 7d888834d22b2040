//! Code that builds itself: a Rust package built with cargo-lambda at synth, for the
//! architecture of the function that runs it (what cargo-lambda-cdk's `RustFunction` gives
//! CDK users), and built again only when its sources or `Cargo.lock` change.
//!
//! The build goes to `TARGET/lamux-cdk/PROFILE/ARCH/BIN/bootstrap` (TARGET is the
//! workspace's target directory), with a stamp beside it: the SHA-256 of the package's
//! files, of the files of the workspace packages it depends on by path, and of `Cargo.lock`.
//! A synth whose stamp matches reuses the build without running cargo.
//!
//! Relative paths (a manifest here, a bootstrap in [`AssetSource`](crate::tree::AssetSource))
//! are read against [`base_dir`]: the program's own manifest directory, which `cargo run`
//! and `cargo test` pass it as `CARGO_MANIFEST_DIR`, else the current directory.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::architecture::Architecture;

/// What a synth does with code that builds itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bundling {
    /// Build it with cargo-lambda unless the last build's stamp matches its sources.
    #[default]
    Build,
    /// Use the last build as it is, without running cargo (`--no-build`); an error if
    /// there is none.
    Prebuilt,
}

/// The directory relative paths are read against: `CARGO_MANIFEST_DIR` when set (`cargo
/// run` and `cargo test` set it to the program's package), else the current directory.
pub fn base_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// `path` as given when absolute, else under [`base_dir`].
pub fn resolve(path: &Path) -> PathBuf {
    if path.is_absolute() { path.to_owned() } else { base_dir().join(path) }
}

/// A binary of a Rust package, built with `cargo lambda build`.
///
/// ```
/// use lamux_cdk::bundling::CargoLambda;
/// use lamux_cdk::constructs::lambda::Architecture;
///
/// let api = CargoLambda::package("api").bin("api-server").architecture(Architecture::Arm64);
/// assert_eq!(api.name(), "api-server");
/// assert!(api.built().is_none(), "built at synth, not before");
/// ```
#[derive(Debug, Clone)]
pub struct CargoLambda {
    package: String,
    bin: Option<String>,
    manifest_path: Option<PathBuf>,
    profile: String,
    architecture: Option<Architecture>,
    /// The bootstrap, once a synth has built or found it: shared by every clone.
    built: Rc<OnceCell<PathBuf>>,
}

impl CargoLambda {
    /// The package `name` of the workspace around [`base_dir`], in the release profile.
    pub fn package(name: impl Into<String>) -> Self {
        Self {
            package: name.into(),
            bin: None,
            manifest_path: None,
            profile: "release".to_owned(),
            architecture: None,
            built: Rc::default(),
        }
    }

    /// The binary to build, when the package has more than one.
    pub fn bin(mut self, name: impl Into<String>) -> Self {
        self.bin = Some(name.into());
        self
    }

    /// The `Cargo.toml` of the package or of its workspace, when it is not the workspace
    /// around [`base_dir`]; a relative path is read against that directory.
    pub fn manifest_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.manifest_path = Some(path.into());
        self
    }

    /// The cargo profile (`release` unless set; `dev` builds faster and runs slower).
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = profile.into();
        self
    }

    /// The instruction set to build for. [`Function::new`](crate::constructs::lambda::Function::new)
    /// sets it to the function's when unset; x86_64 otherwise, as Lambda's default.
    pub fn architecture(mut self, architecture: Architecture) -> Self {
        self.architecture = Some(architecture);
        self
    }

    /// This build for `architecture`, unless one is set already.
    pub(crate) fn or_architecture(mut self, architecture: Architecture) -> Self {
        self.architecture.get_or_insert(architecture);
        self
    }

    /// The name of the asset: the binary's, or the package's when no binary is named.
    pub fn name(&self) -> &str {
        self.bin.as_deref().unwrap_or(&self.package)
    }

    /// The bootstrap a synth built or found.
    pub fn built(&self) -> Option<&Path> {
        self.built.get().map(PathBuf::as_path)
    }

    /// Build it (or, with [`Bundling::Prebuilt`], find the last build) and return the
    /// bootstrap's path. Once per value and its clones; an error says what to run.
    pub(crate) fn bootstrap(&self, bundling: Bundling) -> Result<PathBuf, String> {
        if let Some(path) = self.built.get() {
            return Ok(path.clone());
        }
        let workspace = Workspace::read(self.manifest_path.as_deref())?;
        let package = workspace.package(&self.package)?;
        let bin = match &self.bin {
            Some(bin) if package.bins().any(|name| name == bin) => bin.clone(),
            Some(bin) => return Err(format!("package {} has no binary {bin}", self.package)),
            None => package.only_bin()?,
        };
        let architecture = self.architecture.unwrap_or(Architecture::X86_64);
        let lambda_dir =
            workspace.target_directory.join("lamux-cdk").join(&self.profile).join(architecture.lambda_name());
        let bootstrap = lambda_dir.join(&bin).join("bootstrap");
        let stamp = lambda_dir.join(&bin).join("sources.sha256");
        let command = self.command(&bin, architecture, &lambda_dir);
        let shown = format!("cargo {}", command.join(" "));
        match bundling {
            Bundling::Prebuilt if bootstrap.is_file() => {}
            Bundling::Prebuilt => {
                return Err(format!(
                    "{} is not built, and --no-build uses what is there: build it with `{shown}` in {}, or drop \
                     --no-build",
                    bootstrap.display(),
                    workspace.workspace_root.display()
                ));
            }
            Bundling::Build => {
                let digest = || workspace.sources_sha256(package, &shown);
                let before = digest()?;
                let current = std::fs::read_to_string(&stamp).is_ok_and(|text| text.trim() == before);
                if !(current && bootstrap.is_file()) {
                    eprintln!(
                        "building {bin} for {} with cargo-lambda ({})...",
                        architecture.lambda_name(),
                        self.profile
                    );
                    std::fs::remove_file(&stamp).ok();
                    run(&command, &workspace.workspace_root, &shown)?;
                    if !bootstrap.is_file() {
                        return Err(format!("`{shown}` succeeded but wrote no {}", bootstrap.display()));
                    }
                    // Sources that changed during the build (or a Cargo.lock it wrote) leave no
                    // stamp: the next synth builds again rather than trust this build.
                    if digest()? == before {
                        std::fs::write(&stamp, format!("{before}\n"))
                            .map_err(|err| format!("cannot write {}: {err}", stamp.display()))?;
                    }
                }
            }
        }
        Ok(self.built.get_or_init(|| bootstrap).clone())
    }

    /// `cargo`'s arguments for the build.
    fn command(&self, bin: &str, architecture: Architecture, lambda_dir: &Path) -> Vec<String> {
        let target = match architecture {
            Architecture::X86_64 => "--x86-64",
            Architecture::Arm64 => "--arm64",
        };
        let mut args =
            ["lambda", "build", "--profile", &self.profile, "--package", &self.package, "--bin", bin, target]
                .map(str::to_owned)
                .to_vec();
        if let Some(manifest) = &self.manifest_path {
            args.extend(["--manifest-path".to_owned(), resolve(manifest).display().to_string()]);
        }
        args.extend(["--lambda-dir".to_owned(), lambda_dir.display().to_string()]);
        args
    }
}

/// The cargo to run: the one that runs this program (`CARGO`), else `cargo` on the PATH.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Run `cargo ARGS` in `dir`, its output on stderr (stdout may be carrying a template).
fn run(args: &[String], dir: &Path, shown: &str) -> Result<(), String> {
    let status =
        cargo().args(args).current_dir(dir).stdout(Stdio::from(std::io::stderr())).status().map_err(|err| {
            format!("cannot run `{shown}` ({err}): is cargo-lambda installed (pip install cargo-lambda)?")
        })?;
    if status.success() { Ok(()) } else { Err(format!("`{shown}` failed ({status})")) }
}

/// What `cargo metadata --no-deps` says of a workspace.
#[derive(Debug, Deserialize)]
struct Workspace {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
    dependencies: Vec<Dependency>,
}

#[derive(Debug, Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Dependency {
    /// The directory of a path dependency.
    path: Option<PathBuf>,
}

impl Workspace {
    fn read(manifest_path: Option<&Path>) -> Result<Self, String> {
        let mut command = cargo();
        command.args(["metadata", "--no-deps", "--format-version", "1"]).current_dir(base_dir());
        if let Some(manifest) = manifest_path {
            command.arg("--manifest-path").arg(resolve(manifest));
        }
        let output = command.output().map_err(|err| format!("cannot run cargo metadata: {err}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!("cargo metadata failed in {}: {}", base_dir().display(), stderr.trim()));
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|err| format!("cargo metadata printed what it should not: {err}"))
    }

    fn package(&self, name: &str) -> Result<&Package, String> {
        self.packages.iter().find(|package| package.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.packages.iter().map(|package| package.name.as_str()).collect();
            format!("no package {name} in the workspace at {} ({})", self.workspace_root.display(), names.join(", "))
        })
    }

    /// The SHA-256 of `package`'s files, of the workspace packages it depends on by path
    /// (and theirs), of `Cargo.lock`, and of `settings`, hex.
    fn sources_sha256(&self, package: &Package, settings: &str) -> Result<String, String> {
        let mut dirs: Vec<PathBuf> = vec![package.dir().to_owned()];
        let mut next = 0;
        while let Some(dir) = dirs.get(next) {
            let reached = self.packages.iter().find(|package| package.dir() == dir);
            for path in
                reached.into_iter().flat_map(|package| package.dependencies.iter().filter_map(|d| d.path.clone()))
            {
                if !dirs.contains(&path) {
                    dirs.push(path);
                }
            }
            next += 1;
        }
        let mut files = Vec::new();
        for dir in &dirs {
            list_files(dir, &mut files).map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        }
        files.push(self.workspace_root.join("Cargo.lock"));
        files.sort();
        files.dedup();
        let mut hasher = Sha256::new();
        hasher.update(settings.as_bytes());
        for file in files {
            // A workspace without a Cargo.lock yet: cargo writes one in the build.
            let Ok(bytes) = std::fs::read(&file) else { continue };
            hasher.update(file.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(Sha256::digest(&bytes));
        }
        Ok(crate::archive::hex(&hasher.finalize()))
    }
}

impl Package {
    fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    fn bins(&self) -> impl Iterator<Item = &str> {
        self.targets.iter().filter(|target| target.kind.iter().any(|kind| kind == "bin")).map(|t| t.name.as_str())
    }

    fn only_bin(&self) -> Result<String, String> {
        let bins: Vec<&str> = self.bins().collect();
        match bins.as_slice() {
            [bin] => Ok((*bin).to_owned()),
            [] => Err(format!("package {} has no binary to build", self.name)),
            _ => Err(format!("package {} has the binaries {}: name one with .bin(NAME)", self.name, bins.join(", "))),
        }
    }
}

/// Every file under `dir`, but `target` and hidden directories (`.git`).
fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type()?.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                list_files(&path, files)?;
            }
        } else {
            files.push(path);
        }
    }
    Ok(())
}
