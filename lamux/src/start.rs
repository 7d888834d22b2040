//! Start-up: from the parsed flags to a serving router, in the mode they choose.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::BehaviorVersion;

use crate::config::{Cli, InvokeMode};
use crate::invoke::Invoker;
use crate::mode::Mode;
use crate::proxy::App;
use crate::telemetry::{Settings, Telemetry};

/// The `target` of start-up lines: `lamux`, as before they moved here from the crate root, so
/// that log filters and queries on it keep matching.
const TARGET: &str = "lamux";
use crate::{extension, function_url, mode, server, tls};

/// Load the AWS configuration from the standard chain (region, profile, credentials,
/// `AWS_ENDPOINT_URL[_LAMBDA]`, `AWS_MAX_ATTEMPTS`).
pub async fn aws_config() -> aws_config::SdkConfig {
    let sdk = aws_config::defaults(BehaviorVersion::latest()).http_client(tls::SdkHttpClient::default()).load().await;
    if sdk.region().is_none() {
        tracing::warn!(target: TARGET, "no AWS region configured (AWS_REGION or a profile); every invoke will fail");
    }
    sdk
}

/// Everything the router needs, from the command line and a Lambda client; an error names
/// settings that contradict each other.
pub fn app(cli: &Cli, sdk: &aws_config::SdkConfig) -> anyhow::Result<App> {
    Ok(App {
        chooser: cli.chooser().map_err(anyhow::Error::msg)?,
        alias_cookie_path: cli.alias_cookie_path.clone(),
        routes: cli.routes(),
        allow: crate::access::AllowList::new(&cli.allow_function, &cli.allow_alias),
        origin: crate::origin::OriginGuard::new(
            cli.origin_secret.as_ref().map(crate::origin::Secret::expose),
            cli.origin_secret_previous.as_ref().map(crate::origin::Secret::expose),
        ),
        invoker: Invoker::new(sdk, cli.upstream_timeout, cli.stream_idle_timeout),
        invoke_mode: cli.invoke_mode,
        own_function: cli.own_function.clone(),
        error_details: cli.error_details(),
        health_path: cli.health_path(),
        off_the_wire: cli.mode() != Mode::Function,
        telemetry: None,
    })
}

/// Serve in the mode the flags and the Lambda environment choose.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mode = cli.mode();
    tracing::info!(target: TARGET, mode = %mode, function_name = %cli.function_name, domain_suffix = %cli.domain_suffix, "lamux starting");
    // Settings that contradict each other stop lamux before it asks AWS for anything.
    cli.chooser().map_err(anyhow::Error::msg)?;
    if let Some(name) = cli.alias_cookie.as_deref().filter(|name| !has_host_prefix(name)) {
        tracing::warn!(
            target: TARGET,
            cookie = name,
            "--alias-cookie has no __Host- prefix: any host under the parent domain can set it for this one \
             (README \"Alias override\"); the default, __Host-lamux-alias, cannot be"
        );
    }
    let telemetry = match Settings::from_cli(&cli, mode)? {
        Some(settings) => Some(Telemetry::start(&settings)?),
        None => None,
    };
    let mut app = app(&cli, &aws_config().await)?;
    app.telemetry = telemetry.clone();
    let router = crate::proxy::router(Arc::new(app));
    let served = match mode {
        Mode::Server => serve_locally(&cli, router).await,
        Mode::Function => serve_function_url(&cli, router).await,
        Mode::Extension => serve_as_extension(&cli, router).await,
    };
    // What is still batched is exported before exit (for an extension: on SHUTDOWN).
    if let Some(telemetry) = telemetry {
        telemetry.shutdown().await;
    }
    served?;
    tracing::info!(target: TARGET, "lamux stopped");
    Ok(())
}

/// Browsers match the prefix without case (RFC 6265bis §4.1.3).
fn has_host_prefix(name: &str) -> bool {
    name.get(..7).is_some_and(|prefix| prefix.eq_ignore_ascii_case("__Host-"))
}

async fn bind(cli: &Cli, mode: Mode) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = std::net::SocketAddr::new(cli.listen_address(mode), cli.port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(target: TARGET, listen = %listener.local_addr().context("no local address")?, "lamux listening");
    Ok(listener)
}

fn runtime_api(cli: &Cli) -> anyhow::Result<http::Uri> {
    let value = cli.runtime_api.as_deref().context("--mode function and extension need AWS_LAMBDA_RUNTIME_API")?;
    mode::runtime_api_uri(value).with_context(|| format!("AWS_LAMBDA_RUNTIME_API {value:?} is not a URI"))
}

async fn serve_locally(cli: &Cli, router: axum::Router) -> anyhow::Result<()> {
    let listener = bind(cli, Mode::Server).await?;
    // In-flight requests get as long as an invoke may take, and a second to write it out.
    let drain = cli.upstream_timeout + Duration::from_secs(1);
    let stop = async move {
        server::shutdown_signal().await;
        drain
    };
    server::serve(listener, router, cli.limits(Mode::Server), stop).await.context("server failed")
}

async fn serve_function_url(cli: &Cli, router: axum::Router) -> anyhow::Result<()> {
    // lambda_http reads AWS_LAMBDA_RUNTIME_API itself; checking it here gives a clear error.
    runtime_api(cli)?;
    let streaming = cli.invoke_mode == InvokeMode::ResponseStream;
    function_url::run(router, streaming).await.map_err(anyhow::Error::from_boxed)
}

async fn serve_as_extension(cli: &Cli, router: axum::Router) -> anyhow::Result<()> {
    let api = extension::ExtensionsApi::new(runtime_api(cli)?);
    // Bound before registering, so the function's handler never finds the port closed.
    let listener = bind(cli, Mode::Extension).await?;
    extension::run(
        api,
        &extension::extension_name(),
        listener,
        router,
        cli.limits(Mode::Extension),
        server::shutdown_signal(),
    )
    .await
}
