//! lamux: an HTTP multiplexer for AWS Lambda function aliases.
//!
//! A request for `live-my-func.example.com` becomes a synchronous Invoke of `my-func` at
//! qualifier `live`, sent as a Function URL event (payload 2.0); the function's Function URL
//! response becomes the HTTP response. One request takes one path:
//!
//! ```text
//! host    -> route::Routes::resolve -> Target          (pure)
//! request -> event::encode          -> event payload   (pure)
//! payload -> invoke::Invoker::invoke -> Lambda output  (the only network I/O)
//! output  -> response::decode       -> HTTP response   (pure)
//! ```
//!
//! [`proxy`] is where the stages meet. The three ways to serve are thin adapters around its
//! router: [`server`] (local or container), [`function_url`] (a function behind a Function
//! URL) and [`extension`] (a Lambda extension serving its function on a local port).

pub mod config;
pub mod error;
pub mod event;
pub mod extension;
pub mod function_url;
pub mod invoke;
pub mod logging;
pub mod mode;
pub mod proxy;
pub mod response;
pub mod route;
pub mod server;
pub mod stream;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::BehaviorVersion;

use crate::config::{Cli, InvokeMode};
use crate::invoke::Invoker;
use crate::mode::Mode;
use crate::proxy::App;

/// Build the Lambda client from the standard AWS chain (region, profile, credentials,
/// `AWS_ENDPOINT_URL[_LAMBDA]`, `AWS_MAX_ATTEMPTS`).
pub async fn lambda_client() -> aws_sdk_lambda::Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    if sdk.region().is_none() {
        tracing::warn!("no AWS region configured (AWS_REGION or a profile); every invoke will fail");
    }
    aws_sdk_lambda::Client::new(&sdk)
}

/// Everything the router needs, from the command line and a Lambda client.
pub fn app(cli: &Cli, client: aws_sdk_lambda::Client) -> App {
    App {
        routes: cli.routes(),
        invoker: Invoker::new(client, cli.upstream_timeout, cli.stream_idle_timeout),
        invoke_mode: cli.invoke_mode,
        own_function: cli.own_function.clone(),
        error_details: cli.error_details(),
        health_path: cli.health_path(),
    }
}

/// Serve in the mode the flags and the Lambda environment choose.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mode = cli.mode();
    tracing::info!(mode = %mode, function_name = %cli.function_name, domain_suffix = %cli.domain_suffix, "lamux starting");
    let runtime_api = match mode {
        Mode::Server => None,
        _ => {
            let value =
                cli.runtime_api.as_deref().context("--mode function and extension need AWS_LAMBDA_RUNTIME_API")?;
            Some(
                mode::runtime_api_uri(value)
                    .with_context(|| format!("AWS_LAMBDA_RUNTIME_API {value:?} is not a URI"))?,
            )
        }
    };
    // Bound before anything else, so that in extension mode the function's handler never
    // finds the port closed.
    let listener = match mode {
        Mode::Function => None,
        _ => {
            let addr = std::net::SocketAddr::new(cli.listen_address(mode), cli.port);
            let listener =
                tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            tracing::info!(listen = %listener.local_addr().context("no local address")?, "lamux listening");
            Some(listener)
        }
    };
    let router = proxy::router(Arc::new(app(&cli, lambda_client().await)));
    match (mode, listener, runtime_api) {
        (Mode::Function, _, _) => {
            let streaming = cli.invoke_mode == InvokeMode::ResponseStream;
            function_url::run(router, streaming).await.map_err(anyhow::Error::from_boxed)?;
        }
        (Mode::Extension, Some(listener), Some(api)) => {
            let api = extension::ExtensionsApi::new(api);
            extension::run(api, &extension::extension_name(), listener, router, server::shutdown_signal()).await?;
        }
        (_, Some(listener), _) => {
            // In-flight requests get as long as an invoke may take, and a second to write it out.
            let drain = cli.upstream_timeout + Duration::from_secs(1);
            let stop = async move {
                server::shutdown_signal().await;
                drain
            };
            server::serve(listener, router, stop).await.context("server failed")?;
        }
        (mode, None, _) => anyhow::bail!("{mode} mode has no listener"),
    }
    tracing::info!("lamux stopped");
    Ok(())
}
