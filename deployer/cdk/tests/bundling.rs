//! Code that builds itself (issue 30): a package of a scratch workspace built with the real
//! cargo-lambda at synth, reused while its sources are unchanged, built again when a path
//! dependency changes, and found without building (`--no-build`) or refused with the command
//! that builds it.

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lamux_cdk::app::{App, Environment};
use lamux_cdk::bundling::{Bundling, CargoLambda};
use lamux_cdk::constructs::lambda::{Architecture, Code, Function, FunctionProps};
use lamux_cdk::tree::AssetSource;

/// A workspace of two packages: the binary `tiny`, and `helper`, which it depends on by path.
fn workspace(dir: &Path) {
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("Cargo.toml", "[workspace]\nresolver = \"3\"\nmembers = [\"tiny\", \"helper\"]\n");
    write(
        "tiny/Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nhelper = { path = \"../helper\" }\n",
    );
    write("tiny/src/main.rs", "fn main() {\n    println!(\"{}\", helper::greeting());\n}\n");
    write("helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2024\"\n");
    write("helper/src/lib.rs", "pub fn greeting() -> &'static str {\n    \"one\"\n}\n");
    // A lock file from the start: a build that writes one leaves no stamp (its sources changed).
    let status = std::process::Command::new(env!("CARGO"))
        .args(["generate-lockfile", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .status()
        .expect("cargo runs");
    assert!(status.success());
}

/// An App whose function is `tiny`, built for `architecture`, with a version that follows
/// its code. Returns the version's logical ID and the bootstrap synth used.
fn synth(dir: &Path, architecture: Architecture, bundling: Bundling) -> Result<(String, PathBuf), String> {
    let mut app = App::new();
    let stack = app.stack("tiny", "a bundled function", Environment::default()).expect("stack");
    let build = CargoLambda::package("tiny").manifest_path(dir.join("Cargo.toml")).profile("dev");
    let props = FunctionProps::builder()
        .code(Code::from_source(AssetSource::CargoLambda(build)))
        .architectures(vec![architecture])
        .build();
    let function = Function::new(&stack, "Tiny", props).expect("function");
    function.current_version().expect("version");
    let stacks = app.synth_with(bundling).map_err(|err| err.to_string())?;
    let synthesized = &stacks[0].synthesized;
    let version = synthesized
        .template
        .resources()
        .find(|(_, kind)| *kind == "AWS::Lambda::Version")
        .map(|(id, _)| id.to_owned())
        .expect("a version");
    let file = synthesized.assets[0].source.file().expect("built");
    Ok((version, file))
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).expect("mtime")
}

#[test]
fn a_package_builds_at_synth_once_per_change_of_its_sources() {
    let dir = tempfile::tempdir().expect("temp dir");
    workspace(dir.path());

    let unbuilt = synth(dir.path(), Architecture::X86_64, Bundling::Prebuilt).expect_err("nothing built yet");
    assert!(
        unbuilt.contains("is not built, and --no-build uses what is there")
            && unbuilt.contains("cargo lambda build --profile dev --package tiny --bin tiny --x86-64"),
        "{unbuilt}"
    );
    let arm = synth(dir.path(), Architecture::Arm64, Bundling::Prebuilt).expect_err("nothing built yet");
    assert!(arm.contains("--arm64"), "built for the function's architecture: {arm}");

    let (version, bootstrap) = synth(dir.path(), Architecture::X86_64, Bundling::Build).expect("built");
    let expected = dir.path().join("target/lamux-cdk/dev/x86_64/tiny/bootstrap");
    assert_eq!(bootstrap, expected);
    let elf = std::fs::read(&bootstrap).expect("bootstrap");
    assert_eq!(&elf[..4], b"\x7fELF", "an executable");
    let built_at = modified(&bootstrap);

    let again = synth(dir.path(), Architecture::X86_64, Bundling::Build).expect("reused");
    assert_eq!(again, (version.clone(), bootstrap.clone()));
    assert_eq!(modified(&bootstrap), built_at, "the same sources: no build");
    let prebuilt = synth(dir.path(), Architecture::X86_64, Bundling::Prebuilt).expect("found");
    assert_eq!(prebuilt, (version.clone(), bootstrap.clone()));

    // A change in the path dependency: built again, and the version follows the new code.
    std::fs::write(dir.path().join("helper/src/lib.rs"), "pub fn greeting() -> &'static str {\n    \"two\"\n}\n")
        .expect("write");
    let (changed, rebuilt) = synth(dir.path(), Architecture::X86_64, Bundling::Build).expect("rebuilt");
    assert_eq!(rebuilt, bootstrap);
    assert_ne!(modified(&bootstrap), built_at, "a dependency changed: built again");
    assert_ne!(changed, version, "new code, new version");
}

#[test]
fn an_unknown_package_or_binary_names_what_there_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    workspace(dir.path());
    let mut app = App::new();
    let stack = app.stack("wrong", "a package that is not there", Environment::default()).expect("stack");
    let build = CargoLambda::package("nope").manifest_path(dir.path().join("Cargo.toml"));
    let props = FunctionProps::builder().code(Code::from_source(AssetSource::CargoLambda(build))).build();
    Function::new(&stack, "Nope", props).expect("function");
    let err = app.synth().expect_err("no such package").to_string();
    assert!(err.starts_with("asset Nope/Code: no package nope in the workspace at"), "{err}");
    assert!(err.contains("helper, tiny") || err.contains("tiny, helper"), "{err}");

    let mut app = App::new();
    let stack = app.stack("wrong-bin", "a binary that is not there", Environment::default()).expect("stack");
    let build = CargoLambda::package("tiny").bin("huge").manifest_path(dir.path().join("Cargo.toml"));
    let props = FunctionProps::builder().code(Code::from_source(AssetSource::CargoLambda(build))).build();
    Function::new(&stack, "Huge", props).expect("function");
    let err = app.synth().expect_err("no such binary").to_string();
    assert_eq!(err, "asset Huge/Code: package tiny has no binary huge");
}
