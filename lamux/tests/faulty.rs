//! Faulty functions and endpoints against the real binary: each is a 502 with a WARN line
//! that says what was wrong, and lamux keeps serving. A panic while handling a request is a
//! 500, never a dead process or a hung connection.

// Test helpers outside #[test] fns: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

mod support;

use std::time::Duration;

use axum::routing::get;
use serde_json::{Value, json};
use support::fake_lambda::FakeLambda;
use support::process::{Lamux, client};

/// Send `answer` to the `raw` function, which answers with exactly those bytes.
async fn answer_with(lamux: &Lamux, answer: Vec<u8>) -> reqwest::Response {
    client()
        .post(lamux.url("/"))
        .header("host", "live-raw.example.com")
        .header("content-type", "application/octet-stream")
        .body(answer)
        .send()
        .await
        .expect("lamux answers")
}

async fn last_access_line(lamux: &Lamux) -> Value {
    tokio::time::sleep(Duration::from_millis(100)).await;
    lamux.access_lines().pop().expect("an access line")
}

#[tokio::test]
async fn faulty_answers_are_502_with_a_line_that_says_why() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;
    let headers: serde_json::Map<String, Value> = (0..3000).map(|i| (format!("x-h{i}"), json!("v"))).collect();
    let cookies: Vec<String> = (0..3000).map(|i| format!("c{i}=v")).collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated JSON", br#"{"statusCode": 200, "body": "abc"#.to_vec(), "not valid JSON"),
        (
            "invalid base64",
            json!({"statusCode": 200, "body": "%%%", "isBase64Encoded": true}).to_string().into(),
            "not valid base64",
        ),
        ("status out of range", json!({"statusCode": 700}).to_string().into(), "statusCode must be an integer"),
        ("status as a string", json!({"statusCode": "200"}).to_string().into(), "statusCode must be an integer"),
        (
            "control characters in a header",
            json!({"statusCode": 200, "headers": {"x-evil": "a\u{7}b"}}).to_string().into(),
            "not a valid HTTP header value",
        ),
        (
            "thousands of headers",
            json!({"statusCode": 200, "headers": headers}).to_string().into(),
            "3000 header lines",
        ),
        (
            "thousands of cookies",
            json!({"statusCode": 200, "cookies": cookies}).to_string().into(),
            "3000 header lines",
        ),
    ];
    for (case, answer, says) in cases {
        let response = answer_with(&lamux, answer).await;
        assert_eq!(response.status(), 502, "{case}");
        let line = last_access_line(&lamux).await;
        assert_eq!(line["level"], "WARN", "{case}: {line}");
        assert!(line["error"].as_str().is_some_and(|error| error.contains(says)), "{case}: {line}");
    }

    for (function, says) in [("reset", "invoking reset:live failed"), ("huge", "over Lambda's 6291456-byte limit")] {
        let response = client().get(lamux.url("/")).header("host", format!("live-{function}.example.com")).send().await;
        assert_eq!(response.expect("lamux answers").status(), 502, "{function}");
        let line = last_access_line(&lamux).await;
        assert!(line["error"].as_str().is_some_and(|error| error.contains(says)), "{function}: {line}");
    }

    let still = client().get(lamux.url("/")).header("host", "live-echo.example.com").send().await.expect("answers");
    assert_eq!(still.status(), 200, "lamux keeps serving");
}

async fn bug() -> &'static str {
    panic!("a bug")
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_server_carries_on() {
    let router = lamux::proxy::catch_panics(
        axum::Router::new().route("/panic", get(bug)).route("/fine", get(|| async { "fine" })),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let never = std::future::pending::<Duration>();
    tokio::spawn(lamux::server::serve(listener, router, lamux::server::Limits::default(), never));

    let http = client();
    for _ in 0..3 {
        let response = tokio::time::timeout(Duration::from_secs(5), http.get(format!("http://{addr}/panic")).send())
            .await
            .expect("no hung connection")
            .expect("an answer");
        assert_eq!(response.status(), 500);
    }
    let response = http.get(format!("http://{addr}/fine")).send().await.expect("an answer");
    assert_eq!(response.text().await.expect("body"), "fine");
}
