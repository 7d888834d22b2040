//! `preview-stack list|synth|diff|deploy|destroy|status`: the App's command line (AWS
//! credentials and region from the usual chain, or `--region` and `--profile`). The stack
//! names and the code come from the environment: `PREVIEW_NAME` (default `preview-pr42`),
//! `PREVIEW_DOMAIN_SUFFIX`, `PREVIEW_ECHO` and `PREVIEW_LAMUX` (the two bootstraps).

use std::process::ExitCode;

use preview_stack::Settings;

fn main() -> ExitCode {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let settings = Settings {
        name: var("PREVIEW_NAME", "preview-pr42"),
        domain_suffix: var("PREVIEW_DOMAIN_SUFFIX", "preview.example.com"),
        echo: var("PREVIEW_ECHO", "target/lambda/echo/bootstrap").into(),
        lamux: var("PREVIEW_LAMUX", "target/lambda/lamux/bootstrap").into(),
    };
    match preview_stack::app(&settings) {
        Ok(app) => app.run(),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
