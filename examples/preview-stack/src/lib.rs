//! A preview environment as an [`App`] of two stacks: `NAME-app` holds the example `echo`
//! function with a version and the aliases `live` and `pr42`; `NAME-lamux` holds lamux in
//! front of it, allowed to call only `echo`. lamux's stack imports echo's ARN and name from
//! the app's stack, so it deploys second and is destroyed first.

use lamux_cdk::app::{App, Environment};
use lamux_cdk::bundling::CargoLambda;
use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
use lamux_cdk::template::Expr;
use lamux_cdk::tree::{AssetSource, Error, Output, OutputProps};
use lamux_cdk::{Lamux, LamuxProps};

/// What the stacks are built from.
pub struct Settings {
    /// The stacks are `NAME-app` and `NAME-lamux`.
    pub name: String,
    /// lamux routes `ALIAS-FUNCTION.SUFFIX` under this suffix.
    pub domain_suffix: String,
    /// `echo`'s code: by default the workspace's package `echo`, built at synth.
    pub echo: AssetSource,
    /// lamux's code: by default the workspace's package `lamux`, built at synth.
    pub lamux: AssetSource,
}

impl Settings {
    /// The stacks `NAME-app` and `NAME-lamux`, with both functions built from this workspace
    /// by cargo-lambda when the App synthesizes.
    pub fn built_here(name: impl Into<String>, domain_suffix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            domain_suffix: domain_suffix.into(),
            echo: AssetSource::CargoLambda(CargoLambda::package("echo")),
            lamux: AssetSource::CargoLambda(CargoLambda::package("lamux")),
        }
    }
}

pub fn app(settings: &Settings) -> Result<App, Error> {
    let mut app = App::new();
    let functions =
        app.stack(&format!("{}-app", settings.name), "Preview environment: echo", Environment::default())?;
    let edge = app.stack(&format!("{}-lamux", settings.name), "Preview environment: lamux", Environment::default())?;

    let echo = Function::new(
        &functions,
        "Echo",
        FunctionProps::builder()
            .description("lamux's example function")
            // Host names are case-insensitive and Lambda's function names are not: a function
            // behind lamux needs a lower-case name, not one CloudFormation makes up.
            .function_name(Expr::sub("${AWS::StackName}-echo"))
            .code(Code::from_source(settings.echo.clone()))
            .build(),
    )?;
    // A version per code: its logical ID hashes the code and configuration, so new code
    // publishes a new version and both aliases move to it.
    let version = echo.current_version()?;
    echo.add_alias("live", &version)?;
    echo.add_alias("pr42", &version)?;
    Output::new(
        &functions,
        "EchoFunctionName",
        OutputProps::builder().description("the echo function").value(echo.name()).build(),
    )?;

    let lamux = Lamux::new(
        &edge,
        "Lamux",
        LamuxProps::builder()
            .domain_suffix(settings.domain_suffix.clone())
            .code(settings.lamux.clone())
            .allow_aliases(vec!["live".to_owned(), "pr42".to_owned()])
            .build(),
    )?;
    lamux.serve(&echo)?;
    Output::new(
        &edge,
        "DistributionDomainName",
        OutputProps::builder()
            .description("lamux's CloudFront domain")
            .value(lamux.distribution().domain_name())
            .build(),
    )?;
    Ok(app)
}
