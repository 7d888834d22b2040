//! `preview-stack list|synth|diff|deploy|destroy|status`: the App's command line (AWS
//! credentials and region from the usual chain, or `--region` and `--profile`). The stack
//! names come from the environment: `PREVIEW_NAME` (default `preview-pr42`) and
//! `PREVIEW_DOMAIN_SUFFIX`. `echo` and `lamux` are built with cargo-lambda at synth, unless
//! `PREVIEW_ECHO` and `PREVIEW_LAMUX` name bootstraps already built.

use std::process::ExitCode;

use lamux_cdk::tree::AssetSource;
use preview_stack::Settings;

fn main() -> ExitCode {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let mut settings =
        Settings::built_here(var("PREVIEW_NAME", "preview-pr42"), var("PREVIEW_DOMAIN_SUFFIX", "preview.example.com"));
    // A path given here is the user's, read against the current directory.
    let given = |name: &str| std::env::var_os(name).and_then(|path| std::path::absolute(path).ok());
    if let Some(path) = given("PREVIEW_ECHO") {
        settings.echo = AssetSource::Bootstrap(path);
    }
    if let Some(path) = given("PREVIEW_LAMUX") {
        settings.lamux = AssetSource::Bootstrap(path);
    }
    match preview_stack::app(&settings) {
        Ok(app) => app.run(),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
