//! The router end to end: real aws-sdk-lambda client, fake Invoke API over HTTP.

mod support;

use axum::body::Body;
use http::{Method, Request, StatusCode};
use serde_json::Value;
use support::fake_lambda::{ACCOUNT, FakeLambda};
use support::{get, lambda_client, post, retrying, router, send};

async fn setup(args: &[&str]) -> (FakeLambda, axum::Router) {
    let (fake, endpoint) = FakeLambda::start().await;
    (fake, router(args, lambda_client(&endpoint, 1)))
}

#[tokio::test]
async fn wildcard_host_invokes_function_at_alias() {
    let (fake, router) = setup(&[]).await;
    let response = send(&router, get("live-echo.localdomain:8080", "/p/a%20th?q=1&q=2")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-qualifier"], "live");
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].function.as_str(), calls[0].qualifier.as_str()), ("echo", "live"));
    let event = calls[0].event();
    assert_eq!(event["rawPath"], "/p/a%20th");
    assert_eq!(event["rawQueryString"], "q=1&q=2");
    assert_eq!(event["queryStringParameters"]["q"], "1,2");
    assert_eq!(event["requestContext"]["domainName"], "live-echo.localdomain");
    assert_eq!(event["requestContext"]["http"]["sourceIp"], "198.51.100.9");
    // The function's body is what lamux sent it: the same event.
    let echoed: Value = serde_json::from_slice(response.body()).expect("JSON body");
    assert_eq!(echoed, event);
}

#[tokio::test]
async fn fixed_function_takes_alias_from_host() {
    let (fake, router) = setup(&["--function-name", "echo", "--domain-suffix", "example.com"]).await;
    let response = send(&router, get("v1.EXAMPLE.com", "/")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-qualifier"], "v1");
    assert_eq!(fake.calls_to("echo"), 1);
}

#[tokio::test]
async fn fixed_function_as_arn() {
    let arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:echo");
    let (fake, router) = setup(&["--function-name", &arn]).await;
    let response = send(&router, get("live.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(fake.calls()[0].qualifier, "live");
}

#[tokio::test]
async fn x_forwarded_host_wins_over_host() {
    let (fake, router) = setup(&[]).await;
    let request = Request::get("/")
        .header("host", "abc.lambda-url.us-east-1.on.aws")
        .header("x-forwarded-host", "v1-echo.localdomain")
        .body(Body::empty())
        .expect("request");
    let response = send(&router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(fake.calls()[0].qualifier, "v1");
}

#[tokio::test]
async fn unroutable_hosts_are_400_without_a_call() {
    let (fake, router) = setup(&["--domain-suffix", "example.com"]).await;
    for host in [
        "example.com",
        "liveexample.com",
        "a.live-echo.example.com",
        "live.example.com",
        "li_ve-echo.example.com",
        "live-echo.example.org",
    ] {
        let response = send(&router, get(host, "/")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "host {host}");
    }
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn unknown_function_or_alias_is_404() {
    let (_fake, router) = setup(&[]).await;
    // `untyped` answers 404 without an error type, as cargo-lambda's emulator does.
    for host in ["live-nosuch.localdomain", "v9-echo.localdomain", "live-untyped.localdomain"] {
        let response = send(&router, get(host, "/")).await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "host {host}: {}",
            String::from_utf8_lossy(response.body())
        );
    }
}

#[tokio::test]
async fn throttling_is_429_with_retry_after() {
    let (_fake, router) = setup(&[]).await;
    let response = send(&router, get("live-throttled.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
}

#[tokio::test]
async fn request_too_large_is_413() {
    let (fake, router) = setup(&[]).await;
    let response = send(&router, get("live-toolarge.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(fake.calls_to("toolarge"), 1);

    let big = Request::post("/")
        .header("host", "live-echo.localdomain")
        .body(Body::from(vec![b'x'; 6 * 1024 * 1024 + 1]))
        .expect("request");
    assert_eq!(send(&router, big).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A body under the limit whose base64 event is over it is refused before the call too.
    let inflated = Request::post("/")
        .header("host", "live-echo.localdomain")
        .body(Body::from(vec![0u8; 5 * 1024 * 1024]))
        .expect("request");
    assert_eq!(send(&router, inflated).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(fake.calls_to("echo"), 0);
}

#[tokio::test]
async fn function_errors_are_502_and_not_retried() {
    let (fake, endpoint) = FakeLambda::start().await;
    let router = router(&[], lambda_client(&endpoint, 3));
    for function in ["crash", "handled"] {
        let response = send(&router, get(&format!("live-{function}.localdomain"), "/")).await;
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "{function}");
        let body = String::from_utf8_lossy(response.body()).into_owned();
        assert!(body.contains("Runtime.ExitError") && body.contains("boom"), "{body}");
        assert_eq!(fake.calls_to(function), 1, "{function} was retried");
    }
}

#[tokio::test]
async fn undecodable_function_response_is_502() {
    let (_fake, router) = setup(&[]).await;
    for answer in [
        &b"not json"[..],
        br#"{"statusCode": "200"}"#,
        br#"{"statusCode": 200, "headers": {"x": "a\r\nb: c"}}"#,
        br#"{"statusCode": 200, "body": "%%%", "isBase64Encoded": true}"#,
    ] {
        let request = Request::post("/")
            .header("host", "live-raw.localdomain")
            .header("content-type", "application/octet-stream")
            .body(Body::from(answer.to_vec()))
            .expect("request");
        let response = send(&router, request).await;
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "{}", String::from_utf8_lossy(answer));
    }
}

#[tokio::test]
async fn inferred_response_for_json_without_status_code() {
    let (_fake, router) = setup(&[]).await;
    let request = Request::post("/")
        .header("host", "live-raw.localdomain")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"hello":"world"}"#))
        .expect("request");
    let response = send(&router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.body().as_ref(), br#"{"hello":"world"}"#);
}

#[tokio::test]
async fn binary_bodies_and_cookies_survive_the_round_trip() {
    let (_fake, router) = setup(&[]).await;
    let bytes: Vec<u8> = (0..=255u8).collect();
    let request = Request::post("/")
        .header("host", "live-mirror.localdomain")
        .header("content-type", "image/png")
        .header("cookie", "a=1; b=2")
        .body(Body::from(bytes.clone()))
        .expect("request");
    let response = send(&router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers().get_all("set-cookie").iter().collect::<Vec<_>>(), ["a=1", "b=2"]);
    assert_eq!(response.body().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn other_invoke_errors_are_502() {
    let (_fake, router) = setup(&[]).await;
    assert_eq!(send(&router, get("live-broken.localdomain", "/")).await.status(), StatusCode::BAD_GATEWAY);

    // Nothing listens on the endpoint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let router = support::router(&[], lambda_client(&format!("http://{closed}"), 1));
    let response = send(&router, get("live-echo.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body = String::from_utf8_lossy(response.body()).into_owned();
    assert!(body.contains("cannot reach the Lambda endpoint") && body.contains("Connection refused"), "{body}");
}

/// Throttling, 5xx and broken connections are retried up to AWS_MAX_ATTEMPTS, as the SDK's
/// standard mode does; a refusal that will not change (413) is not.
#[tokio::test]
async fn transient_errors_are_retried_up_to_max_attempts() {
    use aws_config::retry::RetryConfig;
    let (fake, endpoint) = FakeLambda::start().await;
    let retry = RetryConfig::standard().with_max_attempts(3).with_initial_backoff(std::time::Duration::from_millis(5));
    let router = router(&[], lambda_client(&endpoint, 3).into_builder().retry_config(retry).build());
    for (function, status, calls) in [
        ("broken", StatusCode::BAD_GATEWAY, 3),
        ("throttled", StatusCode::TOO_MANY_REQUESTS, 3),
        ("reset", StatusCode::BAD_GATEWAY, 3),
        ("toolarge", StatusCode::PAYLOAD_TOO_LARGE, 1),
        ("nosuch", StatusCode::NOT_FOUND, 1),
    ] {
        let response = send(&router, get(&format!("live-{function}.localdomain"), "/")).await;
        assert_eq!(response.status(), status, "{function}");
        assert_eq!(fake.calls_to(function), calls, "{function}");
    }
}

#[tokio::test]
async fn slow_function_is_504() {
    let (_fake, router) = setup(&["--upstream-timeout", "300ms"]).await;
    let started = std::time::Instant::now();
    let response = send(&router, get("live-slow.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() < std::time::Duration::from_millis(1500), "took {:?}", started.elapsed());
}

/// Retries (with backoff) must not stretch a request past --upstream-timeout: a backoff
/// that would end after it is not slept, and the last error is the answer.
#[tokio::test]
async fn retries_stay_inside_the_upstream_timeout() {
    let (fake, endpoint) = FakeLambda::start().await;
    let router = router(&["--upstream-timeout", "700ms"], lambda_client(&endpoint, 20));
    let started = std::time::Instant::now();
    let response = send(&router, get("live-broken.localdomain", "/")).await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "the last error, not a timeout");
    assert!(elapsed < std::time::Duration::from_millis(1500), "took {elapsed:?}");
    assert!(fake.calls_to("broken") >= 1);
}

/// Issue 13: a throttled function behind --upstream-timeout 2s answered 429 or 504
/// depending on the backoff's jitter. It is 429 with Retry-After every time now.
#[tokio::test]
async fn a_throttle_is_429_whatever_the_jitter() {
    use aws_config::retry::RetryConfig;
    let (_fake, endpoint) = FakeLambda::start().await;
    let retry = RetryConfig::standard().with_max_attempts(10).with_initial_backoff(std::time::Duration::from_secs(1));
    let router =
        router(&["--upstream-timeout", "2s"], lambda_client(&endpoint, 10).into_builder().retry_config(retry).build());
    for round in 0..4 {
        let response = send(&router, get("live-throttled.localdomain", "/")).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "round {round}");
        assert_eq!(response.headers()["retry-after"], "7", "round {round}");
    }
}

#[tokio::test]
async fn own_function_is_508_without_a_call() {
    let (fake, router) = setup(&["--own-function", "lamux"]).await;
    let response = send(&router, get("live-lamux.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::LOOP_DETECTED);
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn allow_lists_answer_403_without_a_call() {
    let (fake, router) = setup(&["--allow-function", "ec*,mirror", "--allow-alias", "live,v?"]).await;
    for host in ["live-crash.localdomain", "dev-echo.localdomain", "v10-echo.localdomain"] {
        assert_eq!(send(&router, get(host, "/")).await.status(), StatusCode::FORBIDDEN, "{host}");
    }
    assert!(fake.calls().is_empty());
    assert_eq!(send(&router, get("v1-echo.localdomain", "/")).await.status(), StatusCode::OK);
    assert_eq!(fake.calls_to("echo"), 1);
}

#[tokio::test]
async fn no_error_details_hides_names_and_arns() {
    let (_fake, router) = setup(&["--no-error-details"]).await;
    let response = send(&router, get("live-nosuch.localdomain", "/")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.body().as_ref(), b"Not Found\n");

    let (_fake, router) = setup(&[]).await;
    let response = send(&router, get("live-nosuch.localdomain", "/")).await;
    let body = String::from_utf8_lossy(response.body()).into_owned();
    assert!(body.contains("function:nosuch:live"), "details on: {body}");
}

#[tokio::test]
async fn health_check_answers_only_on_hosts_that_name_no_function() {
    let (fake, router) = setup(&[]).await;
    let response = send(&router, get("10.0.0.5:8080", "/healthz")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(fake.calls().is_empty());
    // On a function's host the same path belongs to the function.
    let response = send(&router, get("live-echo.localdomain", "/healthz")).await;
    assert_eq!(response.headers()["x-qualifier"], "live");
    assert_eq!(fake.calls_to("echo"), 1);

    let (_fake, router) = setup(&["--health-check-path", ""]).await;
    assert_eq!(send(&router, get("10.0.0.5", "/healthz")).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_request_input_is_400_without_a_call() {
    let (fake, router) = setup(&[]).await;
    let bad_header = Request::get("/")
        .header("host", "live-echo.localdomain")
        .header("x-bin", http::HeaderValue::from_bytes(b"\xff\xfe").expect("opaque"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&router, bad_header).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(send(&router, get("live-echo.localdomain", "/?a=%ff")).await.status(), StatusCode::BAD_REQUEST);
    assert!(fake.calls().is_empty());
}

/// Issue 12: a request that bypasses CloudFront (no origin secret, or a wrong one) gets 403
/// and no Invoke; one that carries it reaches the function without the secret, and the
/// viewer's address CloudFront vouches for becomes the event's sourceIp.
#[tokio::test]
async fn origin_secret_guards_the_function_url() {
    let (fake, router) = setup(&["--origin-secret", "s3cret-value"]).await;
    let request = |secret: Option<&str>| {
        let mut builder = Request::get("/")
            .header("host", "abc.lambda-url.us-east-1.on.aws")
            .header("x-forwarded-host", "live-echo.localdomain")
            .header("cloudfront-viewer-address", "203.0.113.50:51234");
        if let Some(secret) = secret {
            builder = builder.header("x-lamux-origin-secret", secret);
        }
        builder.body(Body::empty()).expect("request")
    };
    for secret in [None, Some("wrong"), Some("s3cret-valu"), Some("")] {
        let response = send(&router, request(secret)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{secret:?}");
    }
    assert!(fake.calls().is_empty(), "no Invoke without the secret");

    let response = send(&router, request(Some("s3cret-value"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let event = fake.calls()[0].event();
    assert!(event["headers"].get("x-lamux-origin-secret").is_none(), "the function never sees the secret");
    assert!(!event.to_string().contains("s3cret-value"));
    assert_eq!(event["requestContext"]["http"]["sourceIp"], "203.0.113.50");
}

/// Without a configured secret, forwarding headers are the client's word and are not believed.
#[tokio::test]
async fn forwarding_headers_are_not_trusted_without_the_secret() {
    let (fake, router) = setup(&[]).await;
    let mut request = get("live-echo.localdomain", "/");
    request.headers_mut().insert("cloudfront-viewer-address", "203.0.113.50:1".parse().expect("value"));
    request.headers_mut().insert("x-forwarded-for", "203.0.113.51".parse().expect("value"));
    assert_eq!(send(&router, request).await.status(), StatusCode::OK);
    assert_eq!(fake.calls()[0].event()["requestContext"]["http"]["sourceIp"], "198.51.100.9");
}

/// Issue 13: the SDK's buffered Invoke (FIPS, dual-stack, other partitions) was reached by
/// no test. Each case answers the same through it as through the direct path.
#[tokio::test]
async fn the_sdk_path_answers_as_the_direct_path_does() {
    use std::sync::Arc;
    use std::time::Duration;

    use clap::Parser as _;
    use lamux::invoke::Invoker;

    let (fake, endpoint) = FakeLambda::start().await;
    let sdk = lambda_client(&endpoint, 1);
    let cli = lamux::config::Cli::try_parse_from(["lamux"]).expect("flags");
    let direct = lamux::proxy::router(Arc::new(lamux::app(&cli, &sdk).expect("a valid app")));
    let mut app = lamux::app(&cli, &sdk).expect("a valid app");
    app.invoker = Invoker::through_sdk(&sdk, Duration::from_secs(30), Duration::from_secs(30));
    let through_sdk = lamux::proxy::router(Arc::new(app));
    for (function, status) in [
        ("echo", StatusCode::OK),
        ("nosuch", StatusCode::NOT_FOUND),
        ("untyped", StatusCode::NOT_FOUND),
        ("throttled", StatusCode::TOO_MANY_REQUESTS),
        ("toolarge", StatusCode::PAYLOAD_TOO_LARGE),
        ("broken", StatusCode::BAD_GATEWAY),
        ("crash", StatusCode::BAD_GATEWAY),
        ("huge", StatusCode::BAD_GATEWAY),
    ] {
        let before = fake.calls_to(function);
        let by_sdk = send(&through_sdk, get(&format!("live-{function}.localdomain"), "/p?q=1")).await;
        assert_eq!(by_sdk.status(), status, "{function} through the SDK");
        assert_eq!(fake.calls_to(function), before + 1, "{function}: one call through the SDK");
        let by_direct = send(&direct, get(&format!("live-{function}.localdomain"), "/p?q=1")).await;
        assert_eq!(by_direct.status(), status, "{function} direct");
        if function == "echo" {
            assert_eq!(by_sdk.headers()["x-qualifier"], "live");
            let (a, b): (serde_json::Value, serde_json::Value) = (
                serde_json::from_slice(by_sdk.body()).expect("JSON"),
                serde_json::from_slice(by_direct.body()).expect("JSON"),
            );
            assert_eq!(a["rawPath"], b["rawPath"]);
            assert_eq!(a["queryStringParameters"], b["queryStringParameters"]);
        }
        if function == "throttled" {
            assert_eq!(by_sdk.headers()["retry-after"], by_direct.headers()["retry-after"]);
        }
    }
}

/// Issues 20 and 29: Lambda read the whole Invoke, the function may have run, and the
/// answer was lost: the connection closed without one, or a 200 broke off after 14 of its
/// 1,000 bytes. A POST, PUT, PATCH or DELETE is not sent again (a 502, one request seen); a
/// GET, which the client could repeat itself, is retried. Direct and through the SDK alike:
/// the SDK's transient classifier retried the broken 200 three times (issue 29).
#[tokio::test]
async fn a_request_that_may_have_run_is_replayed_only_for_safe_methods() {
    use support::hang_up::{HangUp, Loss};
    for loss in [Loss::Silence, Loss::BrokenAnswer] {
        let (hang_up, endpoint) = HangUp::losing(loss).await;
        for through_sdk in [false, true] {
            let router = retrying(&endpoint, through_sdk);
            let methods = [
                (Method::POST, 1),
                (Method::PUT, 1),
                (Method::PATCH, 1),
                (Method::DELETE, 1),
                (Method::GET, 3),
                (Method::HEAD, 3),
            ];
            for (method, attempts) in methods {
                let before = hang_up.requests();
                let request = Request::builder()
                    .method(method.clone())
                    .uri("/orders")
                    .header("host", "live-echo.localdomain")
                    .body(Body::from(if method == Method::POST { "order=1" } else { "" }))
                    .expect("valid request");
                let response = send(&router, request).await;
                let case = format!("{method} after {loss:?}, through the SDK: {through_sdk}");
                assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "{case}");
                assert_eq!(hang_up.requests() - before, attempts, "{case}");
            }
        }
    }
}

/// Issue 20: a throttle proves the function did not run, so a throttled POST is retried and
/// succeeds; a 500 ServiceException may come after the function ran, so a POST is not.
#[tokio::test]
async fn a_throttled_post_is_retried_and_a_failed_one_is_not() {
    let (fake, endpoint) = FakeLambda::start().await;
    for through_sdk in [false, true] {
        let router = retrying(&endpoint, through_sdk);
        let (busy, broken) = (fake.calls_to("busy"), fake.calls_to("broken"));
        let response = send(&router, post("live-busy.localdomain", "order=2")).await;
        assert_eq!(response.status(), StatusCode::OK, "through the SDK: {through_sdk}");
        assert_eq!(fake.calls_to("busy") - busy, 2, "throttled once, then served; through the SDK: {through_sdk}");
        let response = send(&router, post("live-broken.localdomain", "order=3")).await;
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(fake.calls_to("broken") - broken, 1, "through the SDK: {through_sdk}");
        let response = send(&router, get("live-broken.localdomain", "/")).await;
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(fake.calls_to("broken") - broken, 4, "a GET is retried; through the SDK: {through_sdk}");
    }
}

/// Issue 29: SnapStart's errors (a 408 and a 409) come before the function runs, so a POST
/// is retried and served, direct and through the SDK, whose own classifiers retry neither.
#[tokio::test]
async fn a_snapstart_timeout_is_retried_whatever_its_status() {
    let (fake, endpoint) = FakeLambda::start().await;
    for through_sdk in [false, true] {
        let router = retrying(&endpoint, through_sdk);
        let before = fake.calls_to("snapstart");
        let response = send(&router, post("live-snapstart.localdomain", "order=4")).await;
        assert_eq!(response.status(), StatusCode::OK, "through the SDK: {through_sdk}");
        assert_eq!(fake.calls_to("snapstart") - before, 2, "a 408, then served; through the SDK: {through_sdk}");
    }
}

/// Issue 20: during a rotation CloudFront's edges send the new or the previous secret; both
/// pass, and the function sees neither.
#[tokio::test]
async fn the_previous_origin_secret_passes_during_a_rotation() {
    let (fake, router) = setup(&["--origin-secret", "new-value", "--origin-secret-previous", "old-value"]).await;
    for (secret, status) in
        [("new-value", StatusCode::OK), ("old-value", StatusCode::OK), ("older-value", StatusCode::FORBIDDEN)]
    {
        let mut request = get("live-echo.localdomain", "/");
        request.headers_mut().insert("x-lamux-origin-secret", secret.parse().expect("value"));
        assert_eq!(send(&router, request).await.status(), status, "{secret}");
    }
    assert_eq!(fake.calls().len(), 2);
    assert!(fake.calls().iter().all(|call| !call.event().to_string().contains("-value")), "no secret reaches it");
}
