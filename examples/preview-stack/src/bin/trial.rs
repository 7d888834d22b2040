//! `trial list|synth|diff|deploy|destroy|status`: the App an aws-cdk-lib user wrote to try
//! lamux-cdk (issue 30), kept as a test of what a CDK user expects (tests/trial.rs):
//! - `NAME-shared` holds a stage parameter and a log group;
//! - `NAME-app` holds `echo`, built from this workspace by cargo-lambda at synth, which
//!   imports both: the stage into its environment, the group into its `LoggingConfig`;
//! - a property override before `current_version` and one after, both in the version's hash;
//! - `Tags::of(&app)`, an aspect of its own, and `RequireLogRetention` across the stacks.
//!
//! `TRIAL_NAME` names the stacks (default `trial`); `TRIAL_PROFILE` is echo's cargo profile
//! (default `release`).

use std::process::ExitCode;
use std::time::Duration;

use lamux_cdk::app::{App, Environment};
use lamux_cdk::bundling::CargoLambda;
use lamux_cdk::constructs::lambda::{Code, Function, FunctionEnvironment, FunctionProps, LogFormat, LoggingConfig};
use lamux_cdk::constructs::logs::{LogGroup, LogGroupProps, RequireLogRetention, RetentionDays};
use lamux_cdk::template::{self, Expr};
use lamux_cdk::tree::{Aspect, Aspects, AssetSource, Error, Output, OutputProps, Parameter, Tags, Visit};

/// An aspect of the user's own: every function gets `MemorySize` where it has none.
struct DefaultMemory(u32);

impl Aspect for DefaultMemory {
    fn visit(&self, visit: &mut Visit<'_>) {
        if visit.resource_type == "AWS::Lambda::Function" && visit.properties.get("MemorySize").is_none() {
            visit.properties["MemorySize"] = self.0.into();
        }
    }
}

fn app(name: &str, profile: &str) -> Result<App, Error> {
    let mut app = App::new();
    let shared = app.stack(&format!("{name}-shared"), "Trial: what the service shares", Environment::default())?;
    let service = app.stack(&format!("{name}-app"), "Trial: the service", Environment::default())?;
    Tags::of(&app).add("team", "payments");
    Aspects::of(&app).add(DefaultMemory(256)).add(RequireLogRetention);

    let mut stage = template::Parameter::string("the stage this deployment serves");
    stage.default = Some("trial".into());
    let stage = Parameter::new(&shared, "Stage", stage)?;
    let logs = LogGroup::new(
        &shared,
        "EchoLogs",
        LogGroupProps::builder()
            .log_group_name(format!("/trial/{name}/echo"))
            .retention_in_days(RetentionDays::OneWeek)
            .build(),
    )?;

    let build = CargoLambda::package("echo").profile(profile);
    let echo = Function::new(
        &service,
        "Echo",
        FunctionProps::builder()
            .code(Code::from_source(AssetSource::CargoLambda(build)))
            .function_name(Expr::str(format!("{name}-echo")))
            .timeout(Duration::from_secs(10))
            .environment(FunctionEnvironment { variables: [("STAGE".to_owned(), stage.value())].into() })
            .logging_config(LoggingConfig { log_group: logs.name(), log_format: LogFormat::Json })
            .build(),
    )?;
    let resource = echo.resource().ok_or_else(|| Error::App("echo is defined here".into()))?;
    resource.add_property_override("TracingConfig.Mode", "Active");
    let version = echo.current_version()?;
    // After current_version, and still part of its hash: it follows the final resource.
    resource.add_property_override("MemorySize", 512);
    echo.add_alias("live", &version)?;
    Output::new(&service, "EchoVersion", OutputProps::builder().value(version.version()).build())?;
    Ok(app)
}

fn main() -> ExitCode {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    match app(&var("TRIAL_NAME", "trial"), &var("TRIAL_PROFILE", "release")) {
        Ok(app) => app.run(),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
