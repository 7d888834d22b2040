//! The real `lamux` binary, configured only through flags and the environment, over real HTTP.

// Test helpers outside #[test] fns: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

mod support;

use std::time::Duration;

use support::fake_lambda::FakeLambda;
use support::process::Lamux;
use tokio::process::Command;

use support::process::client;

/// lamux in server mode in front of the fake, with settings only from the environment.
async fn start(endpoint: &str, args: &[&str]) -> Lamux {
    Lamux::in_front_of(endpoint, &[], args).await
}

#[tokio::test]
async fn serves_over_http_and_logs_one_json_line_per_request() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint, &[]).await;
    let response = client()
        .get(lamux.url("/hello?x=1"))
        .header("host", "live-echo.example.com")
        .header("user-agent", "lamux-test")
        .header("x-forwarded-for", "192.0.2.1")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(fake.calls_to("echo"), 1);
    let start = lamux.lines.lock().expect("lines lock").iter().find(|l| l["message"] == "lamux listening").cloned();
    let start = start.expect("start line");
    assert_eq!(start["listen"], lamux.addr.as_str());
    assert_eq!(start["target"], "lamux", "start-up lines keep the crate's target");
    assert!(lamux.has_line("lamux starting"));
    let event = fake.calls()[0].event();
    assert_eq!(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");

    let lines = lamux.wait_for_access_lines(1).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["remote_addr"], "127.0.0.1");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["url"], "/hello?x=1");
    assert_eq!(line["host"], "live-echo.example.com");
    assert_eq!(line["user_agent"], "lamux-test");
    assert_eq!(line["x_forwarded_for"], "192.0.2.1");
    assert_eq!(line["function_name"], "echo");
    assert_eq!(line["alias"], "live");
    assert_eq!(line["status"], 200);
    assert_eq!(line["upstream_status"], 200);
    assert_eq!(line["executed_version"], "3");
    assert_eq!(line["aws_request_id"], "fake-request-1");
    assert!(line["duration_ms"].as_f64().is_some());
    assert!(line["request_id"].as_str().is_some_and(|id| id.len() == 36));
}

/// Each client connection Invokes on a connection of its own to the endpoint (lamux's
/// upstream slot): two clients taking turns never share one, where a shared pool would hand
/// each request the connection used last.
#[tokio::test]
async fn each_client_connection_invokes_on_its_own_endpoint_connection() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint, &[]).await;
    let (a, b) = (client(), client());
    for client in [&a, &b, &a, &b, &a] {
        let response = client.get(lamux.url("/")).header("host", "live-echo.example.com").send().await;
        assert_eq!(response.expect("lamux answers").status(), 200);
    }
    let peers: Vec<String> = fake
        .calls()
        .iter()
        .map(|call| call.headers[support::fake_lambda::PEER].to_str().expect("ASCII").to_owned())
        .collect();
    assert_eq!(peers.len(), 5);
    assert!(peers[0] == peers[2] && peers[2] == peers[4], "client a's: {peers:?}");
    assert_eq!(peers[1], peers[3], "client b's: {peers:?}");
    assert_ne!(peers[0], peers[1], "{peers:?}");
}

#[tokio::test]
async fn log_level_filters_request_lines() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint, &["--log-level", "WARN"]).await;
    let ok = client().get(lamux.url("/")).header("host", "live-echo.example.com").send().await.expect("request");
    assert_eq!(ok.status(), 200);
    let failed = client().get(lamux.url("/")).header("host", "live-crash.example.com").send().await.expect("request");
    assert_eq!(failed.status(), 502);
    // The 200 came first: had it been logged, its line would precede the 502's.
    let lines = lamux.wait_for_access_lines(1).await;
    assert_eq!(lines.len(), 1, "only the 502 is logged at WARN: {lines:?}");
    assert_eq!(lines[0]["status"], 502);
    assert!(lines[0]["error"].as_str().is_some_and(|e| e.contains("Runtime.ExitError") && e.contains("boom")));
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_then_exits_zero() {
    let (fake, endpoint) = FakeLambda::start().await;
    let mut lamux = start(&endpoint, &[]).await;
    let in_flight = tokio::spawn(client().get(lamux.url("/")).header("host", "live-slow.example.com").send());
    // In flight once the fake has the Invoke (it answers `slow` 2 s later).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while fake.calls_to("slow") == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the request never reached the fake");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    lamux.terminate();
    let response = in_flight.await.expect("joined").expect("in-flight request completes");
    assert_eq!(response.status(), 200);
    let status =
        tokio::time::timeout(Duration::from_secs(10), lamux.child.wait()).await.expect("exits").expect("status");
    assert!(status.success(), "{status:?}");
    // No new connections after shutdown.
    assert!(client().get(lamux.url("/")).header("host", "live-echo.example.com").send().await.is_err());
}

/// After SIGTERM, a request on a kept-alive connection is still answered, with
/// `Connection: close`, rather than cut.
#[tokio::test]
async fn sigterm_answers_what_kept_alive_connections_send_next() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = start(&endpoint, &[]).await;
    let mut stream = tokio::net::TcpStream::connect(&lamux.addr).await.expect("connects");
    let request = b"GET / HTTP/1.1\r\nHost: live-echo.example.com\r\n\r\n";
    stream.write_all(request).await.expect("writes");
    let mut first = vec![0; 64 * 1024];
    let read = stream.read(&mut first).await.expect("reads");
    assert!(first[..read].starts_with(b"HTTP/1.1 200 OK"));
    lamux.terminate();
    // Once lamux says it is shutting down, the signal has been handled.
    assert!(lamux.wait_for_line_starting("shutting down", Duration::from_secs(30)).await, "no shutdown line");
    stream.write_all(request).await.expect("the connection is still open");
    let mut second = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut second))
        .await
        .expect("closed after the answer")
        .expect("reads");
    let second = String::from_utf8_lossy(&second).to_ascii_lowercase();
    assert!(second.starts_with("http/1.1 200 ok"), "{second}");
    assert!(second.contains("\r\nconnection: close\r\n"), "{second}");
    assert_eq!(fake.calls().len(), 2);
}

#[tokio::test]
async fn bad_flag_values_stop_the_program_and_name_the_flag() {
    for (args, flag) in
        [(&["--upstream-timeout", "forever"][..], "--upstream-timeout"), (&["--log-level", "loud"], "--log-level")]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_lamux")).args(args).output().await.expect("runs");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flag), "{stderr}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_lamux")).env("LAMUX_PORT", "eighty").output().await.expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--port"));
    // A canary whose target the allow-lists refuse stops lamux at start, naming both.
    let output = Command::new(env!("CARGO_BIN_EXE_lamux"))
        .args(["--canary", "live=next:10", "--allow-alias", "live"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .await
        .expect("runs");
    assert!(!output.status.success());
    // The error is the last log line, on stdout as every line.
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("--canary live=next:10: alias \\\"next\\\" is not in --allow-alias"), "{said}");
    let output = Command::new(env!("CARGO_BIN_EXE_lamux")).args(["--canary", "live=next:150"]).output().await;
    assert!(String::from_utf8_lossy(&output.expect("runs").stderr).contains("--canary"));
}

/// Issue 31: the container image's HEALTHCHECK is `lamux --healthcheck`, which asks the
/// server on --port for its health path.
#[tokio::test]
async fn healthcheck_asks_the_server_for_its_health_path() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let healthcheck = |port: &str, extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lamux"));
        command.args(["--healthcheck", "--port", port]).args(extra).env_remove("LAMUX_HEALTH_CHECK_PATH");
        command.output()
    };
    let lamux = start(&endpoint, &[]).await;
    let port = lamux.addr.rsplit(':').next().expect("a port").to_owned();
    let healthy = healthcheck(&port, &[]).await.expect("runs");
    assert!(healthy.status.success(), "{}", String::from_utf8_lossy(&healthy.stderr));
    let elsewhere = healthcheck(&port, &["--health-check-path", "/missing"]).await.expect("runs");
    assert!(!elsewhere.status.success(), "no such health path: lamux answers 404");
    drop(lamux);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let gone = healthcheck(&closed.to_string(), &[]).await.expect("runs");
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).starts_with("lamux --healthcheck: 127.0.0.1:"));
}
