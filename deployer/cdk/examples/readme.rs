use std::process::ExitCode;

use lamux_cdk::app::{App, Environment};
use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
use lamux_cdk::template::Expr;
use lamux_cdk::tree::{AssetSource, Error, Output, OutputProps};
use lamux_cdk::{Lamux, LamuxProps};

fn app() -> Result<App, Error> {
    let mut app = App::new();
    let api_stack = app.stack("api", "my API", Environment::default())?;
    let edge = app.stack("api-lamux", "lamux in front of it", Environment::default())?;
    // The package `api` of this workspace, built by cargo-lambda at synth for the function's
    // architecture. lamux routes ALIAS-api.example.com: it needs a lower-case name of its own.
    let api = Function::new(
        &api_stack,
        "Api",
        FunctionProps::builder().function_name(Expr::str("api")).code(Code::cargo_lambda("api")).build(),
    )?;
    api.add_alias("live", &api.current_version()?)?; // new code: a new version, and live moves
    let lamux = Lamux::new(
        &edge,
        "Lamux",
        LamuxProps::builder()
            .domain_suffix("example.com")
            // A release's lamux-bootstrap-x86_64.zip, beside this Cargo.toml.
            .code(AssetSource::ZipFile("lamux-bootstrap-x86_64.zip".into()))
            .allow_aliases(vec!["live".to_owned()])
            .build(),
    )?;
    lamux.serve(&api)?; // api's ARN and name, imported from the api stack
    Output::new(&edge, "Domain", OutputProps::builder().value(lamux.distribution().domain_name()).build())?;
    Ok(app)
}

fn main() -> ExitCode {
    match app() {
        Ok(app) => app.run(),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
