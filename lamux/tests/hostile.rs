//! Hostile and old clients against the real binary, over raw TCP: each hostile request gets
//! a precise 4xx and no Lambda call; HTTP/1.0 and pipelining still work.

// Test helpers outside #[test] fns: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

mod support;

use std::time::Duration;

use support::fake_lambda::FakeLambda;
use support::process::Lamux;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const HOST: &str = "live-echo.example.com";

/// Write `request` as is, then read until lamux closes the connection (or 10 s pass).
async fn exchange(lamux: &Lamux, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(&lamux.addr).await.expect("connects");
    stream.write_all(request).await.expect("writes");
    read_to_close(&mut stream).await
}

async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "lamux kept the connection open; so far: {}", String::from_utf8_lossy(&answer));
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or_default()
}

/// The statuses of the access lines, once `count` of them have arrived.
async fn access_statuses(lamux: &Lamux, count: usize) -> Vec<u64> {
    lamux.wait_for_access_lines(count).await.iter().filter_map(|line| line["status"].as_u64()).collect()
}

#[tokio::test]
async fn a_slow_head_gets_408_and_an_idle_connection_is_closed() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &["--header-read-timeout", "1s"]).await;

    let started = std::time::Instant::now();
    let answer = exchange(&lamux, format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ").as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    // The 1 s timeout answered, not read_to_close's 10 s cap; generous for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());

    let mut idle = TcpStream::connect(&lamux.addr).await.expect("connects");
    assert_eq!(read_to_close(&mut idle).await, "", "an idle connection is closed without an answer");

    assert_eq!(fake.calls().len(), 0);
    assert_eq!(access_statuses(&lamux, 1).await, [408]);
}

#[tokio::test]
async fn too_many_or_too_large_headers_get_431() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;

    let many: String = (0..101).map(|i| format!("X-H{i}: v\r\n")).collect();
    let answer = exchange(&lamux, format!("GET / HTTP/1.1\r\nHost: {HOST}\r\n{many}\r\n").as_bytes()).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 431 Request Header Fields Too Large");

    let large = "v".repeat(70 * 1024);
    let answer = exchange(&lamux, format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nX-Big: {large}\r\n\r\n").as_bytes()).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 431 Request Header Fields Too Large");

    let fine: String = (0..90).map(|i| format!("X-H{i}: v\r\n")).collect();
    let answer =
        exchange(&lamux, format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n{fine}\r\n").as_bytes()).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 200 OK", "90 headers are fine");

    assert_eq!(fake.calls().len(), 1);
    assert_eq!(access_statuses(&lamux, 3).await, [431, 431, 200]);
}

#[tokio::test]
async fn invalid_utf8_in_path_or_query_is_400() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;
    for target in [&b"/%FF%FE"[..], b"/?q=%C3%28", b"/\xFF"] {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(target);
        request.extend_from_slice(format!(" HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n").as_bytes());
        let answer = exchange(&lamux, &request).await;
        assert_eq!(status_line(&answer), "HTTP/1.1 400 Bad Request", "{}", String::from_utf8_lossy(target));
    }
    assert_eq!(fake.calls().len(), 0);
}

/// hyper lets a chunked Transfer-Encoding override Content-Length, drops the Content-Length
/// and closes the connection after the answer (RFC 9112 §6.3): whatever the order of the two
/// headers, the bytes behind the chunked body never become a request.
#[tokio::test]
async fn conflicting_body_lengths_smuggle_nothing() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;
    let smuggled = format!("GET /smuggled HTTP/1.1\r\nHost: {HOST}\r\n\r\n");
    for lengths in
        ["Content-Length: 50\r\nTransfer-Encoding: chunked", "Transfer-Encoding: chunked\r\nContent-Length: 50"]
    {
        let request = format!("POST / HTTP/1.1\r\nHost: {HOST}\r\n{lengths}\r\n\r\n0\r\n\r\n{smuggled}");
        let answer = exchange(&lamux, request.as_bytes()).await;
        assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{lengths}: {answer}");
    }
    // A Transfer-Encoding other than chunked cannot be framed at all.
    let request = format!("POST / HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: gzip\r\n\r\n{smuggled}");
    assert_eq!(status_line(&exchange(&lamux, request.as_bytes()).await), "HTTP/1.1 400 Bad Request");
    let paths: Vec<_> = fake.calls().iter().map(|call| call.event()["rawPath"].clone()).collect();
    assert_eq!(paths, ["/", "/"], "only the two chunked requests reach the function");
}

#[tokio::test]
async fn absolute_form_and_connect_are_refused() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;

    let answer = exchange(
        &lamux,
        format!("GET http://{HOST}/ HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(status_line(&answer), "HTTP/1.1 400 Bad Request");
    assert!(answer.contains("not a forward proxy"), "{answer}");

    let answer = exchange(
        &lamux,
        format!("CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(status_line(&answer), "HTTP/1.1 405 Method Not Allowed");
    assert!(answer.to_ascii_lowercase().contains("\r\nallow: get, head, post"), "{answer}");

    assert_eq!(fake.calls().len(), 0);
    assert_eq!(access_statuses(&lamux, 2).await, [400, 405]);
}

#[tokio::test]
async fn http_1_0_and_pipelined_requests_work() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;

    let answer = exchange(&lamux, format!("GET /old HTTP/1.0\r\nHost: {HOST}\r\n\r\n").as_bytes()).await;
    assert!(status_line(&answer).ends_with(" 200 OK"), "{answer}");
    assert!(answer.contains("\"rawPath\":\"/old\""), "{answer}");
    assert_eq!(fake.calls()[0].event()["requestContext"]["http"]["protocol"], "HTTP/1.0");

    let pipelined = format!(
        "GET /a HTTP/1.1\r\nHost: {HOST}\r\n\r\nGET /b HTTP/1.1\r\nHost: {HOST}\r\n\r\n\
         GET /c HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
    );
    let answer = exchange(&lamux, pipelined.as_bytes()).await;
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 3, "{answer}");
    let order: Vec<usize> =
        ["/a", "/b", "/c"].iter().map(|path| answer.find(&format!("\"rawPath\":\"{path}\"")).expect(path)).collect();
    assert!(order.is_sorted(), "answers come in request order: {order:?}");
    assert_eq!(fake.calls().len(), 4);
}
