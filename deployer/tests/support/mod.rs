//! What the moto suites share: lamux-deploy run against moto, a stand-in binary, SDK clients.

#![allow(dead_code)]
#![allow(clippy::expect_used)]

pub mod recorder;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};

/// moto's address, from scripts/test.
pub fn moto() -> String {
    std::env::var("LAMUX_E2E_MOTO")
        .expect("LAMUX_E2E_MOTO is unset: run the tests with scripts/test, which starts moto")
}

/// The account moto answers STS with.
pub const ACCOUNT: &str = "123456789012";

/// A stand-in lamux binary: a valid x86_64 ELF header and a payload that makes it unique.
pub fn binary(dir: &Path, payload: &str) -> PathBuf {
    let mut bytes = vec![0u8; 64];
    bytes[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    bytes[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
    bytes.extend_from_slice(payload.as_bytes());
    let path = dir.join(format!("lamux-{payload}"));
    std::fs::write(&path, bytes).expect("write binary");
    path
}

/// lamux-deploy against moto, run in `dir` (where a lamux-deploy.toml may be), with more
/// environment variables; an empty value removes the variable.
pub fn deploy_with(args: &[&str], dir: Option<&Path>, env: &[(&str, String)]) -> Output {
    let output = command(args, dir, env).output().expect("lamux-deploy runs");
    log(args, &output);
    output
}

/// The command `deploy_with` runs, for a test that runs several at once.
pub fn command(args: &[&str], dir: Option<&Path>, env: &[(&str, String)]) -> Command {
    command_of(Path::new(env!("CARGO_BIN_EXE_lamux-deploy")), args, dir, env)
}

/// [`command`] with the executable at `exe` (a copy of lamux-deploy elsewhere).
pub fn command_of(exe: &Path, args: &[&str], dir: Option<&Path>, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(exe);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command
        .args(args)
        .env_remove("LAMUX_DOMAIN_SUFFIX")
        .env_remove("GITHUB_OUTPUT")
        .env("AWS_ENDPOINT_URL", format!("http://{}", moto()))
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())));
    for (name, _) in env.iter().filter(|(_, v)| v.is_empty()) {
        command.env_remove(name);
    }
    command
}

/// Print what a run said, for a failing test's log.
pub fn log(args: &[&str], output: &Output) {
    eprintln!(
        "lamux-deploy {}:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn deploy(args: &[&str]) -> Output {
    deploy_with(args, None, &[])
}

/// `up` of `stack` under example.com with `binary`, and these flags between.
pub fn up_args<'a>(stack: &'a str, binary: &'a str, flags: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["up", "--stack-name", stack, "--domain-suffix", "example.com"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--binary", binary]);
    args
}

pub fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a failed run said on stderr.
pub fn failure(output: &Output) -> String {
    assert!(!output.status.success(), "should have failed: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn sdk_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(format!("http://{}", moto()))
        .credentials_provider(aws_sdk_cloudformation::config::SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .build()
}

pub fn s3() -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk_config()).force_path_style(true).build())
}

pub fn output_value(outputs: &str, key: &str) -> Option<String> {
    outputs.lines().find_map(|line| line.strip_prefix(&format!("{key}: ")).map(str::to_owned))
}

/// A scratch directory, removed when the test ends (pass or fail).
pub struct TestDir(tempfile::TempDir);

impl std::ops::Deref for TestDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

pub fn tempdir(name: &str) -> TestDir {
    let dir = tempfile::Builder::new().prefix(&format!("lamux-deploy-test-{name}-")).tempdir().expect("temp dir");
    TestDir(dir)
}

/// The function a stack runs, by its FunctionName output.
pub async fn function_environment(function: &str) -> std::collections::HashMap<String, String> {
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let configuration = lambda.get_function_configuration().function_name(function).send().await.expect("function");
    configuration.environment().and_then(|e| e.variables()).cloned().expect("environment")
}

/// A function of moto's running as `role`, whose version 1 (its name, zipped) these aliases
/// point at.
pub async fn function_with_aliases(role: &str, name: &str, aliases: &[&str]) {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let zip = lamux_cdk::archive::function_zip(name.as_bytes()).expect("zip");
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role)
        .code(FunctionCode::builder().zip_file(Blob::new(zip.bytes)).build())
        .send()
        .await
        .expect("function");
    let version = lambda.publish_version().function_name(name).send().await.expect("version");
    let version = version.version().expect("a version number");
    for alias in aliases {
        lambda.create_alias().function_name(name).name(*alias).function_version(version).send().await.expect("alias");
    }
}
