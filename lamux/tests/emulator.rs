//! End to end under cargo-lambda's emulator, with the real echo function (examples/echo):
//! lamux as a server, as a Function URL function, and as an extension.
//!
//! `scripts/test` starts the shared emulator and sets `LAMUX_E2E_EMULATOR`; the extension test
//! starts a private one, since only stopping an emulator makes it send SHUTDOWN.

#![allow(clippy::expect_used)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::process::{Lamux, client, free_port};

/// First calls compile the functions inside the emulator.
const FIRST_CALL: Duration = Duration::from_secs(600);

fn emulator() -> String {
    std::env::var("LAMUX_E2E_EMULATOR")
        .expect("LAMUX_E2E_EMULATOR is unset: run the tests with scripts/test, which starts cargo-lambda's emulator")
}

fn e2e_env(emulator: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", format!("http://{emulator}")),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "lamux-e2e".into()),
        ("AWS_SECRET_ACCESS_KEY", "lamux-e2e".into()),
        ("LAMUX_DOMAIN_SUFFIX", "localhost".into()),
        ("LAMUX_UPSTREAM_TIMEOUT", "600s".into()),
    ]
}

async fn start_lamux(env: &[(&'static str, String)], args: &[&str]) -> Lamux {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Lamux::start(&env, args).await
}

fn echoed(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("echo answered JSON: {}", String::from_utf8_lossy(body)))
}

/// POST `bytes` to echo's `/bytes`, which answers with the body itself: it must come back
/// byte for byte.
async fn assert_bytes_come_back(request: reqwest::RequestBuilder, bytes: Vec<u8>) {
    let response = request
        .header("content-type", "application/octet-stream")
        .body(bytes.clone())
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.expect("body").as_ref(), bytes.as_slice());
}

#[tokio::test]
#[ignore = "needs cargo-lambda's emulator: scripts/test starts it"]
async fn server_mode_reaches_the_echo_function() {
    let emulator = emulator();
    let lamux = start_lamux(&e2e_env(&emulator), &[]).await;
    let response = client()
        .post(lamux.url("/some/path?q=a+b&q=c"))
        .header("host", "live-echo.localhost")
        .header("x-custom", "kept")
        .header("content-type", "text/plain")
        .body("hello, function")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-echo"], "1");
    assert_eq!(response.headers()["set-cookie"], "echoed=1; Path=/");
    let seen = echoed(&response.bytes().await.expect("body"));
    assert_eq!(seen["function"], "echo");
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/some/path");
    assert_eq!(seen["query"]["q"], serde_json::json!(["a b", "c"]));
    assert_eq!(seen["headers"]["x-custom"], "kept");
    assert_eq!(seen["body"], "hello, function");

    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    assert_bytes_come_back(client().post(lamux.url("/bytes")).header("host", "live-echo.localhost"), bytes).await;
    assert!(
        lamux.lines.lock().expect("lines").iter().any(|l| l["message"] == "lamux starting" && l["mode"] == "server")
    );
}

/// lamux as the function behind the emulator's Function URL, routed by X-Forwarded-Host.
#[tokio::test]
#[ignore = "needs cargo-lambda's emulator: scripts/test starts it"]
async fn function_url_mode_routes_by_x_forwarded_host() {
    let emulator = emulator();
    let url = |path: &str| format!("http://{emulator}/lambda-url/lamux{path}");
    let response = client()
        .get(url("/hello?x=1"))
        .header("x-forwarded-host", "live-echo.localhost")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["set-cookie"], "echoed=1; Path=/");
    let seen = echoed(&response.bytes().await.expect("body"));
    assert_eq!(seen["function"], "echo");
    assert_eq!(seen["path"], "/hello");
    assert_eq!(seen["query"]["x"], serde_json::json!(["1"]));

    // Bytes that are not UTF-8 come back exactly, through two Function URL hops.
    let bytes: Vec<u8> = (0..=255u8).rev().cycle().take(10_000).collect();
    assert_bytes_come_back(client().post(url("/bytes")).header("x-forwarded-host", "live-echo.localhost"), bytes).await;

    // A URL routed back at lamux's own function is refused, not looped.
    let response = client()
        .get(url("/"))
        .header("x-forwarded-host", "live-lamux.localhost")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 508);
}

/// A private emulator: stopping it is what sends SHUTDOWN to the extension.
struct PrivateEmulator {
    child: std::process::Child,
    addr: String,
}

impl PrivateEmulator {
    fn start() -> Self {
        Self::start_with(&["--bin", "echo"])
    }

    fn start_with(args: &[&str]) -> Self {
        use std::os::unix::process::CommandExt as _;
        let port = free_port();
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let child = std::process::Command::new("cargo")
            .args(["lambda", "watch", "--manifest-path", manifest, "-A", "127.0.0.1", "-P", &port.to_string()])
            .arg("--ignore-changes")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("cargo lambda watch starts (pip install cargo-lambda)");
        Self { child, addr: format!("127.0.0.1:{port}") }
    }

    async fn wait_ready(&self) {
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(&self.addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the private emulator did not listen on {}", self.addr);
    }

    /// SIGTERM to the whole process group, as to any emulator we start.
    fn stop(&self) {
        let group = format!("-{}", self.child.id());
        let _ = std::process::Command::new("kill").args(["-TERM", "--", &group]).status();
    }
}

impl Drop for PrivateEmulator {
    fn drop(&mut self) {
        self.stop();
        let _ = self.child.wait();
    }
}

/// cargo-lambda's emulator does not serve InvokeWithResponseStream, so lamux (a streaming
/// Function URL function under the emulator) invokes the test suite's fake, whose `stream`
/// function streams: the stream must survive client -> emulator -> lamux -> function.
#[tokio::test]
#[ignore = "needs cargo-lambda's emulator: scripts/test starts it"]
async fn function_url_mode_streams_through_lamux() {
    let (_fake, fake_endpoint) = support::fake_lambda::FakeLambda::start().await;
    let env = format!(
        "_HANDLER=bootstrap,LAMUX_DOMAIN_SUFFIX=localhost,LAMUX_INVOKE_MODE=response-stream,AWS_ENDPOINT_URL={fake_endpoint},\
         AWS_REGION=us-east-1,AWS_ACCESS_KEY_ID=lamux-e2e,AWS_SECRET_ACCESS_KEY=lamux-e2e,AWS_MAX_ATTEMPTS=1"
    );
    let emulator = PrivateEmulator::start_with(&["--bin", "lamux", "--env-var", &env]);
    emulator.wait_ready().await;
    let started = std::time::Instant::now();
    let mut response = client()
        .post(format!("http://{}/lambda-url/lamux/", emulator.addr))
        .header("x-forwarded-host", "live-stream.localhost")
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"prelude": {"statusCode": 200, "headers": {"content-type": "text/event-stream"}},
            "chunks": ["data: first\n\n", "data: second\n\n"], "pauseMs": 1500})
            .to_string(),
        )
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut chunks = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        chunks.push((started.elapsed(), chunk));
    }
    let body: Vec<u8> = chunks.iter().flat_map(|(_, bytes)| bytes.to_vec()).collect();
    assert_eq!(body, b"data: first\n\ndata: second\n\n");
    let first_at = chunks.first().expect("a chunk").0;
    let last_at = chunks.last().expect("a chunk").0;
    assert!(last_at - first_at >= Duration::from_millis(1000), "the body arrived in one piece: {chunks:?}");
}

/// Batches wait this long (OTEL_BSP_SCHEDULE_DELAY, ms): spans that arrive sooner were
/// exported on purpose, not by the batch timer.
const NEVER: &str = "600000";

#[tokio::test]
#[ignore = "needs cargo-lambda's emulator: scripts/test starts it"]
async fn extension_mode_registers_serves_and_exits_on_shutdown() {
    let emulator = PrivateEmulator::start();
    emulator.wait_ready().await;
    let (receiver, otlp) = support::otlp::Receiver::http().await;
    let mut env = e2e_env(&emulator.addr);
    // As Lambda sets it: host:port, no scheme (the emulator adds a base path).
    env.push(("AWS_LAMBDA_RUNTIME_API", format!("{}/.rt/echo", emulator.addr)));
    env.push(("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{otlp}")));
    env.push(("OTEL_BSP_SCHEDULE_DELAY", NEVER.into()));
    let mut lamux = start_lamux(&env, &["--alias-header", "x-preview"]).await;
    let response = client()
        .get(lamux.url("/from-handler"))
        .header("host", "live-echo.localhost")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(echoed(&response.bytes().await.expect("body"))["path"], "/from-handler");
    // Issue 23: the override in extension mode (the emulator serves any qualifier).
    let overridden = client()
        .get(lamux.url("/"))
        .header("host", "live-echo.localhost")
        .header("x-preview", "pr42")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(
        (overridden.status().as_u16(), overridden.headers().get("x-lamux-alias").cloned()),
        (200, Some("pr42".parse().expect("value")))
    );
    let lines = lamux.wait_for_access_lines(2).await;
    assert_eq!(lines[1]["alias_source"], "header");
    assert!(lamux.has_line("extension registered"));
    assert!(
        lamux.lines.lock().expect("lines").iter().any(|l| l["message"] == "lamux starting" && l["mode"] == "extension")
    );

    assert!(receiver.spans.lock().expect("spans").is_empty(), "spans wait in their batch");

    emulator.stop();
    let status = tokio::time::timeout(Duration::from_secs(30), lamux.child.wait()).await.expect("exits after SHUTDOWN");
    assert!(status.expect("status").success());
    assert!(lamux.wait_for_line("SHUTDOWN received", Duration::from_secs(2)).await);
    assert_eq!(receiver.spans.lock().expect("spans").len(), 4, "both requests' batch was exported on SHUTDOWN");
}

/// A Function URL's sandbox may freeze as soon as it has answered: lamux exports the
/// request's spans before it answers.
#[tokio::test]
#[ignore = "needs cargo-lambda's emulator: scripts/test starts it"]
async fn function_url_mode_exports_spans_before_answering() {
    let (fake, fake_endpoint) = support::fake_lambda::FakeLambda::start().await;
    let (receiver, otlp) = support::otlp::Receiver::http().await;
    let env = format!(
        "_HANDLER=bootstrap,LAMUX_DOMAIN_SUFFIX=localhost,AWS_ENDPOINT_URL={fake_endpoint},AWS_REGION=us-east-1,\
         AWS_ACCESS_KEY_ID=lamux-e2e,AWS_SECRET_ACCESS_KEY=lamux-e2e,AWS_MAX_ATTEMPTS=1,\
         OTEL_EXPORTER_OTLP_ENDPOINT=http://{otlp},OTEL_BSP_SCHEDULE_DELAY={NEVER}"
    );
    let emulator = PrivateEmulator::start_with(&["--bin", "lamux", "--env-var", &env]);
    emulator.wait_ready().await;
    let response = client()
        .get(format!("http://{}/lambda-url/lamux/traced", emulator.addr))
        .header("x-forwarded-host", "live-echo.localhost")
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let spans = receiver.spans.lock().expect("spans").clone();
    assert_eq!(spans.len(), 2, "exported before the answer: {spans:#?}");
    assert!(spans.iter().all(|span| support::otlp::hex(&span.trace_id) == "4bf92f3577b34da6a3ce929d0e0e4736"));
    let event = fake.calls()[0].event();
    assert!(
        event["headers"]["traceparent"]
            .as_str()
            .is_some_and(|tp| tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"))
    );
}

/// Issue 23 in Function URL mode: the override cookie arrives in the event's `cookies` (which
/// lambda_http hands lamux as a `Cookie` header), and the canary's `Set-Cookie` leaves in the
/// response's `cookies`, through the emulator both ways.
#[tokio::test]
#[ignore = "needs cargo-lambda's emulator: scripts/test starts it"]
async fn function_url_mode_overrides_and_canaries() {
    let (fake, fake_endpoint) = support::fake_lambda::FakeLambda::start().await;
    let env = format!(
        "_HANDLER=bootstrap,LAMUX_DOMAIN_SUFFIX=localhost,LAMUX_ALIAS_COOKIE=__Host-lamux-alias,LAMUX_CANARY=live=next:100,\
         AWS_ENDPOINT_URL={fake_endpoint},AWS_REGION=us-east-1,AWS_ACCESS_KEY_ID=lamux-e2e,\
         AWS_SECRET_ACCESS_KEY=lamux-e2e,AWS_MAX_ATTEMPTS=1"
    );
    let emulator = PrivateEmulator::start_with(&["--bin", "lamux", "--env-var", &env]);
    emulator.wait_ready().await;
    let url = format!("http://{}/lambda-url/lamux/", emulator.addr);
    let overridden = client()
        .get(&url)
        .header("x-forwarded-host", "live-echo.localhost")
        .header("cookie", "a=1; __Host-lamux-alias=pr42")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(overridden.status(), 200);
    assert_eq!(overridden.headers()["x-lamux-alias"], "pr42");
    assert_eq!(fake.calls().last().map(|c| c.qualifier.clone()).as_deref(), Some("pr42"));
    let canary = client()
        .get(&url)
        .header("x-forwarded-host", "live-echo.localhost")
        .timeout(FIRST_CALL)
        .send()
        .await
        .expect("request");
    assert_eq!(canary.headers()["x-lamux-alias"], "next");
    let cookies: Vec<&str> = canary.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("__Host-lamux-canary=") && c.contains("HttpOnly")), "{cookies:?}");
    assert_eq!(fake.calls().last().map(|c| c.qualifier.clone()).as_deref(), Some("next"));
}
