//! The whole deploy loop against moto's server (started by scripts/test with the stand-ins
//! in tests/moto/server.py), through the real binary and the real SDK clients.

#![allow(clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;

use support::{binary, deploy, output_value, sdk_config, stdout, tempdir};

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn up_again_update_status_down() {
    let dir = tempdir("loop");
    let stack = "lamux-loop";
    let first = binary(&dir, "first");
    let args = |binary: &Path| -> Vec<String> {
        ["up", "--stack-name", stack, "--domain-suffix", "example.com", "--function-name", "app", "--yes", "--binary"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([binary.display().to_string()])
            .collect()
    };
    let run = |binary: &Path| deploy(&args(binary).iter().map(String::as_str).collect::<Vec<_>>());
    let config = sdk_config();
    let lambda = aws_sdk_lambda::Client::new(&config);
    let cloudformation = aws_sdk_cloudformation::Client::new(&config);

    // 1. up creates the stack, the function with the uploaded code, its URL, the outputs.
    let created = stdout(&run(&first));
    assert!(created.contains("+ Add      LamuxFunction (AWS::Lambda::Function)"), "{created}");
    let function = output_value(&created, "FunctionName").expect("FunctionName output");
    let url = output_value(&created, "FunctionUrl").expect("FunctionUrl output");
    assert_eq!(output_value(&created, "ExampleUrl").as_deref(), Some("https://live.example.com/"));
    let configuration = lambda.get_function_configuration().function_name(&function).send().await.expect("function");
    assert_eq!(configuration.runtime().map(|r| r.as_str()), Some("provided.al2023"));
    assert_eq!(configuration.handler(), Some("bootstrap"));
    let zip = lamux_cdk::archive::function_zip(&std::fs::read(&first).expect("binary")).expect("zip");
    assert_eq!(
        configuration.code_sha256(),
        Some(zip.code_sha256().as_str()),
        "the uploaded zip is the function's code"
    );
    let url_config = lambda.get_function_url_config().function_name(&function).send().await.expect("URL config");
    assert_eq!(url_config.auth_type().as_str(), "NONE");
    assert_eq!(format!("{}/", url_config.function_url().trim_end_matches('/')), url);
    let environment = configuration.environment().and_then(|e| e.variables()).expect("environment");
    assert_eq!(environment.get("LAMUX_FUNCTION_NAME").map(String::as_str), Some("app"));

    // 2. The same again is no change.
    let again = stdout(&run(&first));
    assert!(again.contains("no changes to stack lamux-loop"), "{again}");

    // 3. Changed code updates the function.
    let second = binary(&dir, "second");
    stdout(&run(&second));
    let updated = lambda.get_function_configuration().function_name(&function).send().await.expect("function");
    let zip = lamux_cdk::archive::function_zip(&std::fs::read(&second).expect("binary")).expect("zip");
    assert_eq!(updated.code_sha256(), Some(zip.code_sha256().as_str()));

    // 4. status reports the stack and that the code matches.
    let status = stdout(&deploy(&["status", "--stack-name", stack, "--binary", &second.display().to_string()]));
    assert!(status.contains("stack lamux-loop: UPDATE_COMPLETE"), "{status}");
    assert!(status.contains("code: up to date"), "{status}");
    let stale = stdout(&deploy(&["status", "--stack-name", stack, "--binary", &first.display().to_string()]));
    assert!(stale.contains("code: differs"), "{stale}");

    // 6. down removes the stack.
    stdout(&deploy(&["down", "--stack-name", stack, "--yes"]));
    let described = cloudformation.describe_stacks().stack_name(stack).send().await;
    assert!(described.is_err(), "the stack is gone");
    assert!(!deploy(&["status", "--stack-name", stack]).status.success());
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn diff_shows_changes_and_leaves_nothing_behind() {
    let dir = tempdir("diff");
    let stack = "lamux-diff";
    let binary = binary(&dir, "diff");
    let output = stdout(&deploy(&[
        "diff",
        "--stack-name",
        stack,
        "--domain-suffix",
        "example.com",
        "--allow-function",
        "a,b",
        "--origin-auth",
        "oac",
        "--binary",
        &binary.display().to_string(),
    ]));
    assert!(output.contains("+ Add      LamuxOriginAccessControl (AWS::CloudFront::OriginAccessControl)"), "{output}");
    let cloudformation = aws_sdk_cloudformation::Client::new(&sdk_config());
    assert!(cloudformation.describe_stacks().stack_name(stack).send().await.is_err(), "diff created no stack");
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn layer_publish_creates_a_shared_version() {
    let dir = tempdir("layer");
    let binary = binary(&dir, "layer");
    let output = stdout(&deploy(&[
        "layer",
        "publish",
        "--layer-name",
        "lamux-test",
        "--share-with",
        "public",
        "--binary",
        &binary.display().to_string(),
    ]));
    let arn = output.lines().last().expect("ARN line").to_owned();
    assert!(arn.starts_with("arn:aws:lambda:us-east-1:") && arn.contains(":layer:lamux-test:"), "{arn}");
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let versions = lambda.list_layer_versions().layer_name("lamux-test").send().await.expect("versions");
    let version = versions.layer_versions().first().expect("a version");
    assert_eq!(version.layer_version_arn(), Some(arn.as_str()));
    let runtimes: Vec<&str> = version.compatible_runtimes().iter().map(|r| r.as_str()).collect();
    assert_eq!(runtimes, ["provided.al2023", "provided.al2"]);
    assert_eq!(version.compatible_architectures().iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["x86_64"]);
}

#[test]
fn a_given_arch_that_disagrees_with_the_binary_is_an_error() {
    let dir = tempdir("arch");
    let binary = binary(&dir, "arch");
    let output = Command::new(env!("CARGO_BIN_EXE_lamux-deploy"))
        .args(["synth", "--domain-suffix", "example.com", "--arch", "arm64", "--binary"])
        .arg(&binary)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--arch arm64 does not match"));
}
