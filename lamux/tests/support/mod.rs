#![allow(dead_code)]
// Test support: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod fake_lambda;
pub mod fake_stream;
pub mod otlp;
pub mod process;

use std::net::SocketAddr;
use std::sync::Arc;

use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use axum::body::Body;
use axum::extract::ConnectInfo;
use clap::Parser as _;
use http::{Request, Response};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// A real aws-sdk-lambda client aimed at a local endpoint, configured explicitly (no env).
pub fn lambda_client(endpoint: &str, max_attempts: u32) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("AKIDLAMUXTEST", "lamux-test-secret", None, None, "test"))
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts))
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// The lamux router for these flags, invoking through `client`.
pub fn router(args: &[&str], client: aws_sdk_lambda::Client) -> axum::Router {
    let cli =
        lamux::config::Cli::try_parse_from(std::iter::once("lamux").chain(args.iter().copied())).expect("valid flags");
    lamux::proxy::router(Arc::new(lamux::app(&cli, client)))
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
