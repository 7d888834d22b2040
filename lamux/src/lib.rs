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
//! [`proxy`] is where the stages meet; [`server`] serves the router locally.

pub mod config;
pub mod error;
pub mod event;
pub mod invoke;
pub mod logging;
pub mod proxy;
pub mod response;
pub mod route;
pub mod server;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::BehaviorVersion;

use crate::config::Cli;
use crate::invoke::Invoker;
use crate::proxy::App;

/// Build the Lambda client from the standard AWS chain (region, profile, credentials,
/// `AWS_ENDPOINT_URL[_LAMBDA]`, `AWS_MAX_ATTEMPTS`).
pub async fn lambda_client() -> aws_sdk_lambda::Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    if sdk.region().is_none() {
        tracing::warn!(
            "no AWS region configured (AWS_REGION or a profile); every invoke will fail"
        );
    }
    aws_sdk_lambda::Client::new(&sdk)
}

/// Everything the router needs, from the command line and a Lambda client.
pub fn app(cli: &Cli, client: aws_sdk_lambda::Client) -> App {
    App {
        routes: cli.routes(),
        invoker: Invoker::new(client, cli.upstream_timeout),
        own_function: cli.own_function.clone(),
        error_details: cli.error_details(),
        health_path: cli.health_path(),
    }
}

/// Run the local server until SIGTERM or SIGINT.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let addr = std::net::SocketAddr::new(cli.listen_address, cli.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let app = Arc::new(app(&cli, lambda_client().await));
    tracing::info!(
        mode = "server",
        listen = %listener.local_addr().context("no local address")?,
        function_name = %cli.function_name,
        domain_suffix = %cli.domain_suffix,
        "lamux listening"
    );
    // In-flight requests get as long as an invoke may take, and a second to write it out.
    let drain = cli.upstream_timeout + Duration::from_secs(1);
    server::serve(
        listener,
        proxy::router(app),
        server::shutdown_signal(),
        drain,
    )
    .await
    .context("server failed")?;
    tracing::info!("lamux stopped");
    Ok(())
}
