#![allow(dead_code)]
// Test support: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod fake_lambda;
pub mod fake_stream;
pub mod hang_up;
pub mod otlp;
pub mod process;

use std::net::SocketAddr;
use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use axum::body::Body;
use axum::extract::ConnectInfo;
use clap::Parser as _;
use http::{Request, Response};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// AWS configuration aimed at a local endpoint, set explicitly (no env), as aws-config
/// would load it: lamux builds its direct Invoke and its SDK client from it.
pub fn lambda_client(endpoint: &str, max_attempts: u32) -> SdkConfig {
    let credentials = Credentials::new("AKIDLAMUXTEST", "lamux-test-secret", None, None, "test");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts))
        .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("a tokio sleep"))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        // The SDK's requests go through lamux's own client, as in lamux::aws_config.
        .http_client(lamux::tls::SdkHttpClient::default())
        .build()
}

/// The lamux router for these flags, invoking with `sdk`.
pub fn router(args: &[&str], sdk: SdkConfig) -> axum::Router {
    let cli =
        lamux::config::Cli::try_parse_from(std::iter::once("lamux").chain(args.iter().copied())).expect("valid flags");
    lamux::proxy::router(Arc::new(lamux::app(&cli, &sdk).expect("a valid app")))
}

/// Send one request through the router without a socket, as from 198.51.100.9.
pub async fn send(router: &axum::Router, mut request: Request<Body>) -> Response<bytes::Bytes> {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 9], 40000))));
    let response = router.clone().oneshot(request).await.expect("infallible router");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body collects").to_bytes();
    Response::from_parts(parts, body)
}

pub fn get(host: &str, path: &str) -> Request<Body> {
    Request::get(path).header("host", host).body(Body::empty()).expect("valid request")
}

/// A router whose Invokes make up to 3 attempts 5 ms apart, direct or through the SDK.
pub fn retrying(endpoint: &str, through_sdk: bool) -> axum::Router {
    use std::time::Duration;

    let retry = RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(5));
    let sdk = lambda_client(endpoint, 3).into_builder().retry_config(retry).build();
    let cli = lamux::config::Cli::try_parse_from(["lamux"]).expect("flags");
    let mut app = lamux::app(&cli, &sdk).expect("a valid app");
    if through_sdk {
        app.invoker = lamux::invoke::Invoker::through_sdk(&sdk, Duration::from_secs(30), Duration::from_secs(30));
    }
    lamux::proxy::router(Arc::new(app))
}

pub fn post(host: &str, body: &'static str) -> Request<Body> {
    Request::post("/orders").header("host", host).body(Body::from(body)).expect("valid request")
}
