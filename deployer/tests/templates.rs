//! `templates/` holds the rendered templates for people who deploy by hand: they must be what
//! `lamux-deploy synth` renders now, and lint-clean, as must every snapshot variant of the
//! stack. This test only checks; `scripts/update-templates` is the one way to rewrite them.

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// templates/variants.txt: a file name and its `synth` flags per line.
fn variants() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root().join("templates/variants.txt")).expect("templates/variants.txt");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut words = line.split_whitespace().map(str::to_owned);
            (words.next().expect("a file name"), words.collect())
        })
        .collect()
}

fn synth(args: &[String]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lamux-deploy"))
        .args(["--config", "/dev/null", "synth"])
        .args(args)
        .env_remove("LAMUX_DOMAIN_SUFFIX")
        .output()
        .expect("runs");
    assert!(output.status.success(), "synth failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 template")
}

#[test]
fn committed_templates_are_current() {
    let variants = variants();
    assert_eq!(variants.len(), 3, "templates/variants.txt lists the three committed templates");
    for (file, args) in variants {
        let committed = std::fs::read_to_string(root().join("templates").join(&file)).unwrap_or_default();
        assert!(
            committed == synth(&args),
            "templates/{file} differs from `lamux-deploy synth {}`; refresh it with scripts/update-templates",
            args.join(" ")
        );
    }
}

/// The JSON of every snapshot of the stack (deployer/src/stack/snapshots), written out for cfn-lint.
fn snapshot_templates(dir: &Path) -> Vec<PathBuf> {
    let snapshots = root().join("deployer/src/stack/snapshots");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&snapshots).expect("snapshots") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("snapshot");
        // insta's header is a `---` block; the template follows it.
        let Some((_, json)) = text.split_once("\n---\n") else { continue };
        let out = dir.join(path.file_stem().expect("name")).with_extension("json");
        std::fs::write(&out, json).expect("write");
        files.push(out);
    }
    files
}

/// cfn-lint's exit code is a bitmask: 2 means errors (4 warnings, 8 informational).
#[test]
#[ignore = "needs cfn-lint: scripts/test installs it"]
fn committed_templates_and_every_snapshot_variant_pass_cfn_lint() {
    let dir = std::env::temp_dir().join(format!("lamux-cfn-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files: Vec<PathBuf> = variants().into_iter().map(|(file, _)| root().join("templates").join(file)).collect();
    let snapshots = snapshot_templates(&dir);
    assert!(snapshots.len() >= 8, "every variant of stack.rs's snapshot test: {snapshots:?}");
    files.extend(snapshots);
    let output = Command::new("cfn-lint")
        .arg("--")
        .args(&files)
        .output()
        .expect("cfn-lint runs (pip install cfn-lint; scripts/test installs it)");
    let code = output.status.code().expect("exit code");
    assert_eq!(code & 2, 0, "cfn-lint found errors:\n{}", String::from_utf8_lossy(&output.stdout));
    std::fs::remove_dir_all(&dir).ok();
}
