//! Response streaming against the fake's InvokeWithResponseStream (event-stream framing).

#![allow(clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use support::fake_lambda::FakeLambda;
use support::process::{Lamux, client};
use support::{get, lambda_client, router};
use tower::ServiceExt as _;

async fn stream_router(extra: &[&str]) -> (FakeLambda, axum::Router) {
    let (fake, endpoint) = FakeLambda::start().await;
    let args: Vec<&str> = ["--invoke-mode", "response-stream"].iter().copied().chain(extra.iter().copied()).collect();
    (fake, router(&args, lambda_client(&endpoint, 1)))
}

fn script(script: Value) -> Request<Body> {
    Request::post("/")
        .header("host", "live-stream.localdomain")
        .header("content-type", "application/json")
        .body(Body::from(script.to_string()))
        .expect("request")
}

/// Each body frame with the time it arrived, until the end or an error.
async fn frames(response: http::Response<Body>) -> (Vec<(Duration, Vec<u8>)>, Option<String>) {
    let started = Instant::now();
    let mut body = response.into_body();
    let mut frames = Vec::new();
    loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    frames.push((started.elapsed(), data.to_vec()));
                }
            }
            Some(Err(err)) => return (frames, Some(err.to_string())),
            None => return (frames, None),
        }
    }
}

#[tokio::test]
async fn first_bytes_arrive_before_the_function_finishes() {
    let (_fake, router) = stream_router(&[]).await;
    let started = Instant::now();
    let response =
        router.oneshot(script(json!({"chunks": ["first", "second"], "pauseMs": 1500}))).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert!(started.elapsed() < Duration::from_millis(1000), "the head waited for the whole stream");
    let (frames, error) = frames(response).await;
    assert_eq!(error, None);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0].1, b"first");
    assert!(frames[0].0 < Duration::from_millis(1000), "first chunk after {:?}", frames[0].0);
    assert_eq!(frames[1].1, b"second");
    assert!(frames[1].0 >= Duration::from_millis(1400), "second chunk after {:?}", frames[1].0);
}

#[tokio::test]
async fn sse_arrives_event_by_event() {
    let (_fake, router) = stream_router(&[]).await;
    let events = ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"];
    let prelude = json!({"statusCode": 200, "headers": {"content-type": "text/event-stream", "cache-control": "no-cache"},
        "cookies": ["s=1"]});
    let response =
        router.oneshot(script(json!({"prelude": prelude, "chunks": events, "pauseMs": 300}))).await.expect("response");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["set-cookie"], "s=1");
    let (frames, error) = frames(response).await;
    assert_eq!(error, None);
    let bodies: Vec<&[u8]> = frames.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    assert_eq!(bodies, events.map(str::as_bytes));
    for pair in frames.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= Duration::from_millis(250), "events were batched: {frames:?}");
    }
}

#[tokio::test]
async fn a_delimiter_split_across_chunks_is_found() {
    let (_fake, router) = stream_router(&[]).await;
    let response = router
        .oneshot(script(json!({"prelude": {"statusCode": 201}, "chunks": ["body"], "splitDelimiter": true})))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Vec<u8> = frames(response).await.0.into_iter().flat_map(|(_, bytes)| bytes).collect();
    assert_eq!(body, b"body");
}

#[tokio::test]
async fn a_mid_stream_error_ends_the_body_with_an_error() {
    let (_fake, router) = stream_router(&[]).await;
    let response =
        router.oneshot(script(json!({"chunks": ["partial"], "fail": "Runtime.ExitError"}))).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let (frames, error) = frames(response).await;
    assert_eq!(frames.len(), 1);
    assert!(error.is_some_and(|e| e.contains("Runtime.ExitError")), "the body must not end cleanly");
}

#[tokio::test]
async fn errors_before_the_first_byte_map_like_buffered_mode() {
    let (_fake, router) = stream_router(&["--upstream-timeout", "500ms"]).await;
    assert_eq!(router.clone().oneshot(get("live-nosuch.localdomain", "/")).await.expect("response").status(), 404);
    let throttled = router.clone().oneshot(get("live-throttled.localdomain", "/")).await.expect("response");
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "7");
    assert_eq!(router.clone().oneshot(get("live-crash.localdomain", "/")).await.expect("response").status(), 502);
    let stream_failed = router.clone().oneshot(script(json!({"fail": "Boom"}))).await.expect("response");
    assert_eq!(stream_failed.status(), 200, "a prelude was sent: the failure is mid-stream");
    let slow_prelude = router.clone().oneshot(script(json!({"delayPreludeMs": 2000}))).await.expect("response");
    assert_eq!(slow_prelude.status(), StatusCode::GATEWAY_TIMEOUT);
    let bad_prelude =
        router.oneshot(script(json!({"prelude": {"statusCode": "two hundred"}}))).await.expect("response");
    assert_eq!(bad_prelude.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn a_function_that_does_not_stream_answers_normally() {
    let (fake, router) = stream_router(&[]).await;
    let response = router.oneshot(get("v1-echo.localdomain", "/x")).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-qualifier"], "v1");
    let body = response.into_body().collect().await.expect("body").to_bytes();
    let event: Value = serde_json::from_slice(&body).expect("the echoed event");
    assert_eq!(event["rawPath"], "/x");
    assert_eq!(fake.calls()[0].qualifier, "v1");
}

/// Issue 29: a buffered answer whose stream ended without InvokeComplete was taken whole,
/// and `7` (valid JSON) became a 200. Over Invoke the same answer is whole, and a 200.
#[tokio::test]
async fn a_buffered_answer_cut_before_invoke_complete_is_502() {
    let (_fake, router) = stream_router(&[]).await;
    let response = router.oneshot(get("live-cut.localdomain", "/")).await.expect("response");
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("without InvokeComplete"), "{body:?}");
    let (_fake, endpoint) = FakeLambda::start().await;
    let buffered = router_for(&endpoint).oneshot(get("live-cut.localdomain", "/")).await.expect("response");
    assert_eq!(buffered.status(), StatusCode::OK);
}

fn router_for(endpoint: &str) -> axum::Router {
    router(&[], lambda_client(endpoint, 1))
}

#[tokio::test]
async fn the_idle_timeout_cuts_a_silent_stream() {
    let (_fake, router) = stream_router(&["--stream-idle-timeout", "300ms"]).await;
    let response = router.oneshot(script(json!({"chunks": ["a", "b"], "pauseMs": 1500}))).await.expect("response");
    let (frames, error) = frames(response).await;
    assert_eq!(frames.len(), 1);
    assert!(error.is_some_and(|e| e.contains("no chunk")));
}

/// Over a real connection: the client must see a broken body, not a short one that ends
/// cleanly, and lamux logs why.
#[tokio::test]
async fn a_mid_stream_error_cuts_the_client_connection() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint).await;
    let response = client()
        .post(lamux.url("/"))
        .header("host", "live-stream.example.com")
        .header("content-type", "application/json")
        .body(json!({"chunks": ["partial"], "fail": "Runtime.ExitError"}).to_string())
        .send()
        .await
        .expect("head");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err(), "the client must not take a truncated body for a whole one");
    assert!(lamux.wait_for_line("response stream cut", Duration::from_secs(2)).await);
}

async fn start(endpoint: &str) -> Lamux {
    Lamux::in_front_of(endpoint, &[("LAMUX_INVOKE_MODE", "response-stream")], &[]).await
}

/// Peak RSS (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// A client that stops reading stops lamux reading from Lambda: while it pauses, the
/// function gets only as far as the buffers on the way (sockets, a chunk or two) allow.
#[tokio::test]
async fn a_slow_client_slows_the_function() {
    const SIZE: u64 = 200 * 1024 * 1024;
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint).await;
    let mut response = client()
        .post(lamux.url("/"))
        .header("host", "live-stream.example.com")
        .header("content-type", "application/json")
        .body(json!({"bulkBytes": SIZE, "bulkChunk": 64 * 1024}).to_string())
        .send()
        .await
        .expect("head");
    let mut received = response.chunk().await.expect("chunk").map_or(0, |c| c.len() as u64);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let produced_while_paused = fake.streamed_bytes();
    eprintln!("the function produced {produced_while_paused} of {SIZE} bytes while the client paused");
    assert!(produced_while_paused < SIZE / 4, "lamux kept reading: {produced_while_paused} bytes");
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        received += chunk.len() as u64;
    }
    assert_eq!(received, SIZE);
}

/// Stream `size` bytes through lamux and read them all; returns the count.
async fn stream_through(lamux: &Lamux, size: u64) -> u64 {
    let mut response = client()
        .post(lamux.url("/"))
        .header("host", "live-stream.example.com")
        .header("content-type", "application/json")
        .body(
            json!({"prelude": {"statusCode": 200, "headers": {"content-type": "application/octet-stream"}},
            "bulkBytes": size, "bulkChunk": 64 * 1024})
            .to_string(),
        )
        .send()
        .await
        .expect("head");
    assert_eq!(response.status(), 200);
    let mut received = 0u64;
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        received += chunk.len() as u64;
    }
    received
}

/// 50 MB through lamux with flat memory: the peak RSS grows by far less than the body.
#[tokio::test]
async fn fifty_megabytes_pass_with_flat_memory() {
    const SIZE: u64 = 50 * 1024 * 1024;
    // Measured on a debug build: about 26 MiB after a 1 MiB stream, and about 1.2 MiB more after
    // 50 MiB. Buffering the body would add 50 MiB or more.
    const GROWTH_BOUND_KIB: u64 = 16 * 1024;
    let (_fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint).await;
    let pid = lamux.child.id().expect("pid");
    assert_eq!(stream_through(&lamux, 1024 * 1024).await, 1024 * 1024);
    let warm = peak_rss_kib(pid);
    assert_eq!(stream_through(&lamux, SIZE).await, SIZE);
    let peak = peak_rss_kib(pid);
    eprintln!("lamux peak RSS: {warm} KiB after 1 MiB, {peak} KiB after {SIZE} bytes");
    assert!(peak - warm < GROWTH_BOUND_KIB, "peak RSS grew from {warm} to {peak} KiB");
}
