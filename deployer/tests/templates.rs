//! `templates/` holds the rendered templates for people who deploy by hand: they must be what
//! `lamux-deploy synth` renders now, and lint-clean. To refresh them after a change:
//! `LAMUX_UPDATE_TEMPLATES=1 cargo test -p lamux-deploy --test templates`.

#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// The standard variants: file name and `synth` flags.
const VARIANTS: [(&str, &[&str]); 3] = [
    ("lamux.json", &["--domain-suffix", "example.com", "--allow-function", "my-func"]),
    (
        "lamux-custom-domain.json",
        &[
            "--domain-suffix",
            "example.com",
            "--allow-function",
            "my-func",
            "--certificate-arn",
            "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
            "--hosted-zone-id",
            "Z0000000000000000000",
        ],
    ),
    ("lamux-oac.json", &["--domain-suffix", "example.com", "--allow-function", "my-func", "--origin-auth", "oac"]),
];

fn templates_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../templates")
}

fn synth(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lamux-deploy")).arg("synth").args(args).output().expect("runs");
    assert!(output.status.success(), "synth failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 template")
}

#[test]
fn committed_templates_are_current() {
    let update = std::env::var_os("LAMUX_UPDATE_TEMPLATES").is_some();
    for (file, args) in VARIANTS {
        let path = templates_dir().join(file);
        let rendered = synth(args);
        if update {
            std::fs::write(&path, &rendered).expect("write template");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "templates/{file} differs from `lamux-deploy synth {}`; refresh it with \
             LAMUX_UPDATE_TEMPLATES=1 cargo test -p lamux-deploy --test templates",
            args.join(" ")
        );
    }
}

/// cfn-lint's exit code is a bitmask: 2 means errors (4 warnings, 8 informational).
#[test]
fn committed_templates_pass_cfn_lint() {
    for (file, _) in VARIANTS {
        let path = templates_dir().join(file);
        let output = Command::new("cfn-lint")
            .arg("--")
            .arg(&path)
            .output()
            .expect("cfn-lint runs (pip install cfn-lint; scripts/test installs it)");
        let code = output.status.code().expect("exit code");
        assert_eq!(code & 2, 0, "cfn-lint found errors in {file}:\n{}", String::from_utf8_lossy(&output.stdout));
    }
}
