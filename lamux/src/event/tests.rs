use std::time::{Duration, SystemTime};

use aws_lambda_events::lambda_function_urls::LambdaFunctionUrlRequest;
use http::{Request, Version};
use serde_json::{Value, json};

use super::*;

fn encode_request(req: &Request<Vec<u8>>) -> Result<Value, EncodeError> {
    let head = RequestHead { method: req.method(), uri: req.uri(), version: req.version(), headers: req.headers() };
    let cx = Context {
        domain_name: "live-echo.example.com",
        source_ip: "203.0.113.7",
        request_id: "req-1",
        now: SystemTime::UNIX_EPOCH + Duration::from_millis(1_631_055_022_677),
    };
    encode(&head, req.body(), &cx).map(|payload| serde_json::from_slice(&payload).expect("valid JSON"))
}

fn request(builder: http::request::Builder, body: &[u8]) -> Request<Vec<u8>> {
    builder.body(body.to_vec()).expect("valid request")
}

/// The AWS docs' example request (payload format 2.0), reproduced field for field.
#[test]
fn matches_the_documented_event() {
    let req = request(
        Request::post("/my/path?parameter1=value1&parameter1=value2&parameter2=value")
            .header("Host", "live-echo.example.com")
            .header("User-Agent", "agent")
            .header("Cookie", "cookie1=value1; cookie2=value2")
            .header("X-Multi", "a")
            .header("x-multi", "b")
            .header("Content-Type", "application/json; charset=utf-8"),
        br#"{"hello":"world"}"#,
    );
    let want = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/my/path",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["cookie1=value1", "cookie2=value2"],
        "headers": {
            "host": "live-echo.example.com",
            "user-agent": "agent",
            "x-multi": "a,b",
            "content-type": "application/json; charset=utf-8"
        },
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "live-echo",
            "domainName": "live-echo.example.com",
            "domainPrefix": "live-echo",
            "http": {
                "method": "POST",
                "path": "/my/path",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "agent"
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Sep/2021:22:50:22 +0000",
            "timeEpoch": 1_631_055_022_677u64
        },
        "body": "{\"hello\":\"world\"}",
        "isBase64Encoded": false
    });
    assert_eq!(encode_request(&req).expect("encodes"), want);
}

/// The event must parse with the types the Rust runtime (lambda_http) uses.
#[test]
fn parses_as_aws_lambda_events_type() {
    let req = request(Request::get("/a%20b?x=1").header("cookie", "a=1").header("user-agent", "ua"), b"");
    let value = encode_request(&req).expect("encodes");
    let parsed: LambdaFunctionUrlRequest = serde_json::from_value(value).expect("lambda_http can parse it");
    assert_eq!(parsed.raw_path.as_deref(), Some("/a%20b"));
    assert_eq!(parsed.cookies, Some(vec!["a=1".to_owned()]));
    assert_eq!(parsed.query_string_parameters.get("x").map(String::as_str), Some("1"));
    assert_eq!(parsed.request_context.http.user_agent.as_deref(), Some("ua"));
    assert_eq!(parsed.body, None);
    assert!(!parsed.is_base64_encoded);
}

#[test]
fn no_query_means_no_parameters() {
    let value = encode_request(&request(Request::get("/"), b"")).expect("encodes");
    assert_eq!(value["rawQueryString"], "");
    assert!(value.get("queryStringParameters").is_none());
    assert!(value.get("cookies").is_none());
    assert!(value.get("body").is_none());
}

#[test]
fn query_values_are_decoded() {
    let value = encode_request(&request(Request::get("/?q=a+b%2Bc&k%C3%A9=%E2%9C%93&flag"), b"")).expect("encodes");
    assert_eq!(value["rawQueryString"], "q=a+b%2Bc&k%C3%A9=%E2%9C%93&flag");
    assert_eq!(value["queryStringParameters"], json!({"q": "a b+c", "ké": "✓", "flag": ""}));
}

#[test]
fn body_encoding_by_content_type() {
    let cases: &[(Option<&str>, &[u8], Value, bool)] = &[
        (Some("text/plain"), b"hi", json!("hi"), false),
        (Some("application/json"), b"{}", json!("{}"), false),
        (Some("application/vnd.api+json"), b"{}", json!("{}"), false),
        (Some("application/xml"), b"<a/>", json!("<a/>"), false),
        (Some("image/svg+xml"), b"<svg/>", json!("<svg/>"), false),
        (Some("application/javascript"), b"x()", json!("x()"), false),
        (Some("application/x-www-form-urlencoded"), b"a=1", json!("a=1"), false),
        (Some("TEXT/HTML; charset=utf-8"), b"<p>", json!("<p>"), false),
        (Some("application/octet-stream"), b"\x00\xff", json!("AP8="), true),
        (Some("image/png"), b"png", json!("cG5n"), true),
        (None, b"raw", json!("cmF3"), true),
        // Declared text that is not UTF-8 must not be mangled: it goes as base64.
        (Some("text/plain"), b"\xff\xfe", json!("//4="), true),
    ];
    for (content_type, body, want_body, want_base64) in cases {
        let mut builder = Request::post("/");
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", *content_type);
        }
        let value = encode_request(&request(builder, body)).expect("encodes");
        assert_eq!(&value["body"], want_body, "content type {content_type:?}");
        assert_eq!(value["isBase64Encoded"], *want_base64, "content type {content_type:?}");
    }
}

#[test]
fn hop_by_hop_headers_are_not_forwarded() {
    let req = request(
        Request::get("/")
            .header("connection", "keep-alive")
            .header("keep-alive", "timeout=5")
            .header("te", "trailers")
            .header("upgrade", "websocket")
            .header("proxy-authorization", "secret")
            .header("x-kept", "yes"),
        b"",
    );
    let value = encode_request(&req).expect("encodes");
    assert_eq!(value["headers"], json!({"x-kept": "yes"}));
}

/// Issue 15: `Connection: keep-alive, X-Secret` made x-secret hop-by-hop (RFC 9110 §7.6.1),
/// yet it reached the function.
#[test]
fn headers_named_in_connection_are_not_forwarded() {
    let req = request(
        Request::get("/")
            .header("connection", "keep-alive, X-Secret")
            .header("connection", " x-other ,")
            .header("x-secret", "s")
            .header("x-other", "o")
            .header("x-kept", "yes"),
        b"",
    );
    let value = encode_request(&req).expect("encodes");
    assert_eq!(value["headers"], json!({"x-kept": "yes"}));
}

#[test]
fn protocol_follows_the_request_version() {
    let req = request(Request::get("/").version(Version::HTTP_10), b"");
    assert_eq!(encode_request(&req).expect("encodes")["requestContext"]["http"]["protocol"], "HTTP/1.0");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let bad_header =
        request(Request::get("/").header("x-bin", http::HeaderValue::from_bytes(b"\xff").expect("opaque")), b"");
    assert!(matches!(encode_request(&bad_header), Err(EncodeError::HeaderNotUtf8(name)) if name == "x-bin"));
    assert!(matches!(encode_request(&request(Request::get("/?a=%ff"), b"")), Err(EncodeError::QueryNotUtf8)));
    assert!(matches!(encode_request(&request(Request::get("/%c3%28"), b"")), Err(EncodeError::PathNotUtf8)));
}

#[test]
fn payload_over_the_sync_limit_is_refused() {
    let body = vec![b'a'; MAX_PAYLOAD];
    let err = encode_request(&request(Request::post("/").header("content-type", "text/plain"), &body));
    assert!(matches!(err, Err(EncodeError::TooLarge { size }) if size > MAX_PAYLOAD));
}
