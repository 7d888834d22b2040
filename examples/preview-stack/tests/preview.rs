//! The preview stack: its template (snapshot, cfn-lint) and a deploy against moto, after
//! which the function and both aliases exist.

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use preview_stack::Settings;

fn settings(dir: &Path) -> Settings {
    Settings { domain_suffix: "preview.example.com".into(), echo: dir.join("echo"), lamux: dir.join("lamux") }
}

/// Stand-in bootstraps in a scratch directory: synth checks that the files are there.
fn built(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("echo"), b"echo stand-in").expect("write");
    std::fs::write(dir.join("lamux"), b"lamux stand-in").expect("write");
    dir
}

fn template() -> String {
    let dir = built("template");
    let template = preview_stack::stack(&settings(&dir)).expect("stack").synth().expect("synth").template.to_json();
    std::fs::remove_dir_all(&dir).ok();
    template
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preview-stack-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn template_snapshot() {
    insta::assert_snapshot!("template", template());
}

#[test]
fn synth_prints_the_same_template() {
    let dir = built("synth");
    let output = Command::new(env!("CARGO_BIN_EXE_preview-stack"))
        .arg("synth")
        .arg("--echo")
        .arg(dir.join("echo"))
        .arg("--lamux")
        .arg(dir.join("lamux"))
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).expect("UTF-8"), template());
}

/// cfn-lint's exit code is a bitmask: 2 means errors.
#[test]
#[ignore = "needs cfn-lint: scripts/test installs it"]
fn template_passes_cfn_lint() {
    let dir = scratch("lint");
    let file = dir.join("preview.json");
    std::fs::write(&file, template()).expect("write");
    let output = Command::new("cfn-lint").arg("--").arg(&file).output().expect("cfn-lint runs");
    std::fs::remove_dir_all(&dir).ok();
    let code = output.status.code().expect("exit code");
    assert_eq!(code & 2, 0, "cfn-lint found errors:\n{}", String::from_utf8_lossy(&output.stdout));
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn deploys_echo_with_both_aliases_against_moto() {
    let moto = std::env::var("LAMUX_E2E_MOTO").expect("LAMUX_E2E_MOTO: run with scripts/test, which starts moto");
    let dir = scratch("deploy");
    // moto never runs the code: any bytes make a zip.
    std::fs::write(dir.join("echo"), b"echo stand-in").expect("write");
    std::fs::write(dir.join("lamux"), b"lamux stand-in").expect("write");
    let endpoint = format!("http://{moto}");
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let output = Command::new(env!("CARGO_BIN_EXE_preview-stack"))
        .arg("deploy")
        .args(["--stack-name", "preview-pr42"])
        .arg("--echo")
        .arg(dir.join("echo"))
        .arg("--lamux")
        .arg(dir.join("lamux"))
        .envs(env)
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).ok();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "deploy failed:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let function = stdout
        .lines()
        .find_map(|line| line.strip_prefix("EchoFunctionName: "))
        .expect("the outputs name the function")
        .to_owned();
    assert_eq!(function, "preview-pr42-echo");

    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint.as_str())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::for_tests())
        .load()
        .await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let got = lambda.get_function().function_name(&function).send().await.expect("the function exists");
    assert_eq!(got.configuration().and_then(|c| c.runtime()).map(|r| r.as_str()), Some("provided.al2023"));
    for alias in ["live", "pr42"] {
        let got = lambda.get_alias().function_name(&function).name(alias).send().await.expect("the alias exists");
        assert_eq!(got.function_version(), Some("1"), "{alias} points at the published version");
    }
    // lamux.serve(&echo) resolved to echo's name in lamux's allow-list.
    let functions = lambda.list_functions().send().await.expect("list");
    let allowed: Vec<&str> = functions
        .functions()
        .iter()
        .filter_map(|f| f.environment()?.variables()?.get("LAMUX_ALLOW_FUNCTION"))
        .map(String::as_str)
        .collect();
    assert_eq!(allowed, ["preview-pr42-echo"]);
}
