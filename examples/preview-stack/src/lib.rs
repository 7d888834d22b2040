//! A preview environment: the example `echo` function with a version and the aliases `live`
//! and `pr42`, and lamux in front of it, allowed to call only `echo`.

use std::path::PathBuf;

use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
use lamux_cdk::template::Expr;
use lamux_cdk::tree::{Asset, AssetSource, Output, OutputProps, Stack};
use lamux_cdk::{Lamux, LamuxProps};

/// What the stack is built from.
pub struct Settings {
    /// lamux routes `ALIAS-FUNCTION.SUFFIX` under this suffix.
    pub domain_suffix: String,
    /// `echo`'s bootstrap (`cargo lambda build -p echo`).
    pub echo: PathBuf,
    /// lamux's bootstrap (`cargo lambda build -p lamux`).
    pub lamux: PathBuf,
}

pub fn stack(settings: &Settings) -> anyhow::Result<Stack> {
    let stack = Stack::new("Preview environment: echo behind lamux");
    let code = Asset::new(&stack, "EchoCode", "echo", AssetSource::Bootstrap(settings.echo.clone()))?;
    let echo = Function::new(
        &stack,
        "Echo",
        FunctionProps::builder()
            .description("lamux's example function")
            // Host names are case-insensitive and Lambda's function names are not: a function
            // behind lamux needs a lower-case name, not one CloudFormation makes up.
            .function_name(Expr::sub("${AWS::StackName}-echo"))
            .code(Code::from_asset(&code))
            .build(),
    )?;
    // `lamux-deploy preview up pr42` publishes each commit and moves `pr42` to it.
    let version = echo.add_version("Version1")?;
    echo.add_alias("live", &version)?;
    echo.add_alias("pr42", &version)?;

    let lamux = Lamux::new(
        &stack,
        "Lamux",
        LamuxProps::builder()
            .domain_suffix(settings.domain_suffix.clone())
            .code(AssetSource::Bootstrap(settings.lamux.clone()))
            .allow_aliases(vec!["live".to_owned(), "pr42".to_owned()])
            .build(),
    )?;
    lamux.serve(&echo)?;

    let outputs = [
        ("EchoFunctionName", "the echo function", Expr::from(echo.name())),
        ("DistributionDomainName", "lamux's CloudFront domain", lamux.distribution().domain_name().into()),
    ];
    for (id, description, value) in outputs {
        Output::new(&stack, id, OutputProps::builder().description(description).value(value).build())?;
    }
    Ok(stack)
}
