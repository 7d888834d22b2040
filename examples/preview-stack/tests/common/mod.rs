//! What the tests of the example's command lines share: moto's endpoint and the checks of
//! what a command printed.

#![allow(dead_code, clippy::expect_used)]

pub fn moto_endpoint() -> String {
    let moto = std::env::var("LAMUX_E2E_MOTO").expect("LAMUX_E2E_MOTO: run with scripts/test, which starts moto");
    format!("http://{moto}")
}

/// The environment that points a command at moto, with test credentials.
pub fn against_moto() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", moto_endpoint()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
}

/// What a command printed, stdout then stderr, after checking that it succeeded.
pub fn succeeds(output: std::process::Output, args: &[&str]) -> String {
    let text = printed(&output);
    assert!(output.status.success(), "{args:?} failed:\n{text}");
    text
}

/// What a command printed, after checking that it failed.
pub fn fails(output: std::process::Output, args: &[&str]) -> String {
    let text = printed(&output);
    assert!(!output.status.success(), "{args:?} succeeded:\n{text}");
    text
}

pub fn printed(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub fn position(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap_or_else(|| panic!("{needle:?} in:\n{text}"))
}
