use http::StatusCode;
use serde_json::json;

use super::*;

fn decode_json(value: serde_json::Value) -> Result<Response<Bytes>, DecodeError> {
    decode(&serde_json::to_vec(&value).expect("serializable"))
}

#[test]
fn full_response() {
    let response = decode_json(json!({
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-n": 5, "x-b": true},
        "multiValueHeaders": {"x-multi": ["a", "b"]},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": "created",
        "isBase64Encoded": false
    }))
    .expect("decodes");
    assert_eq!(response.status(), StatusCode::CREATED);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/plain");
    assert_eq!(headers["x-n"], "5");
    assert_eq!(headers["x-b"], "true");
    assert_eq!(headers.get_all("x-multi").iter().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(headers.get_all("set-cookie").iter().collect::<Vec<_>>(), ["a=1; Path=/", "b=2; HttpOnly"]);
    assert_eq!(response.body(), "created");
}

#[test]
fn base64_body_is_exact_bytes() {
    let response =
        decode_json(json!({"statusCode": 200, "body": "AP8BAg==", "isBase64Encoded": true})).expect("decodes");
    assert_eq!(response.body().as_ref(), [0x00, 0xff, 0x01, 0x02]);
}

#[test]
fn json_without_status_code_is_inferred() {
    for payload in [&br#"{"message":"hi"}"#[..], b"[1,2]", b"\"text\"", b"42", b"null", br#"{"body":"x"}"#] {
        let response = decode(payload).expect("inferred");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.body().as_ref(), payload);
    }
}

#[test]
fn null_fields_are_absent_fields() {
    let response = decode_json(json!({"statusCode": 204, "headers": null, "cookies": null, "body": null,
        "multiValueHeaders": null, "isBase64Encoded": null}))
    .expect("decodes");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.body().is_empty());
}

#[test]
fn hop_by_hop_and_length_headers_are_dropped() {
    let response = decode_json(json!({"statusCode": 200, "body": "x",
        "headers": {"connection": "close", "transfer-encoding": "chunked", "content-length": "99", "x-ok": "1"}}))
    .expect("decodes");
    assert_eq!(response.headers().len(), 1);
    assert_eq!(response.headers()["x-ok"], "1");
}

/// Issue 15: the same rule for a function's answer: what its `Connection` names stays
/// between lamux and the function, in `headers` or `multiValueHeaders`.
#[test]
fn headers_named_in_a_functions_connection_are_dropped() {
    let response = decode_json(json!({"statusCode": 200, "body": "x",
        "headers": {"Connection": "close, X-Internal", "x-internal": "1", "x-ok": "1"},
        "multiValueHeaders": {"connection": ["x-debug"], "x-debug": ["a", "b"], "x-also-ok": ["2"]}}))
    .expect("decodes");
    let names: Vec<&str> = response.headers().keys().map(http::HeaderName::as_str).collect();
    assert_eq!(names, ["x-ok", "x-also-ok"]);
}

#[test]
fn malformed_responses_are_errors() {
    let cases = [
        (json!({"statusCode": "200"}), "statusCode"),
        (json!({"statusCode": 99}), "statusCode"),
        (json!({"statusCode": 600}), "statusCode"),
        (json!({"statusCode": -1}), "statusCode"),
        (json!({"statusCode": 200.5}), "statusCode"),
        (json!({"statusCode": 200, "headers": ["a"]}), "headers"),
        (json!({"statusCode": 200, "headers": {"x": {"y": 1}}}), "headers"),
        (json!({"statusCode": 200, "multiValueHeaders": {"x": "y"}}), "multiValueHeaders"),
        (json!({"statusCode": 200, "cookies": "a=1"}), "cookies"),
        (json!({"statusCode": 200, "cookies": [1]}), "cookies"),
        (json!({"statusCode": 200, "body": 5}), "body"),
        (json!({"statusCode": 200, "isBase64Encoded": "yes"}), "isBase64Encoded"),
        (json!({"statusCode": 200, "body": "not base64!", "isBase64Encoded": true}), "base64"),
        (json!({"statusCode": 200, "headers": {"x-evil": "a\r\nset-cookie: b=1"}}), "x-evil"),
        (json!({"statusCode": 200, "headers": {"bad name": "v"}}), "bad name"),
        (json!({"statusCode": 200, "cookies": ["a=1\r\nx: y"]}), "cookie"),
    ];
    for (payload, mentions) in cases {
        let err = decode_json(payload.clone()).expect_err("malformed");
        assert!(err.to_string().contains(mentions), "{payload} gave {err}");
    }
}

#[test]
fn invalid_json_is_an_error() {
    for payload in [&b"not json"[..], b"{\"statusCode\": 200", b""] {
        assert!(matches!(decode(payload), Err(DecodeError::NotJson(_))), "{payload:?}");
    }
}

/// serde can read a struct from a JSON array; an array is a body, never a response shape.
#[test]
fn array_shaped_like_the_fields_is_inferred() {
    let payload = br#"[200, null, null, null, "body", false]"#;
    let response = decode(payload).expect("inferred");
    assert_eq!(response.body().as_ref(), payload);
}

#[test]
fn streaming_prelude_defaults_to_200_and_has_no_body() {
    let head =
        decode_prelude(br#"{"headers": {"content-type": "text/event-stream"}, "cookies": ["s=1"]}"#).expect("decodes");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-type"], "text/event-stream");
    assert_eq!(head.headers()["set-cookie"], "s=1");
    assert_eq!(decode_prelude(br#"{"statusCode": 404}"#).expect("decodes").status(), StatusCode::NOT_FOUND);
    assert!(decode_prelude(br#"{"statusCode": "x"}"#).is_err());
    assert!(decode_prelude(b"{").is_err());
    assert!(decode_prelude(br#"{"headers": {"x": "a\nb"}}"#).is_err());
}

#[test]
fn header_counts_and_sizes_are_bounded() {
    let many: serde_json::Map<String, serde_json::Value> =
        (0..MAX_HEADERS).map(|i| (format!("x-h{i}"), json!("v"))).collect();
    assert!(decode_json(json!({"statusCode": 200, "headers": many})).is_ok(), "the limit itself is allowed");
    let cookies: Vec<String> = (0..=MAX_HEADERS).map(|i| format!("c{i}=1")).collect();
    let err = decode_json(json!({"statusCode": 200, "cookies": cookies})).expect_err("too many");
    assert!(matches!(err, DecodeError::TooManyHeaders(n) if n == MAX_HEADERS + 1), "{err}");
    let big = "v".repeat(MAX_HEADER_BYTES);
    let err = decode_json(json!({"statusCode": 200, "headers": {"x-big": big}})).expect_err("too large");
    assert!(matches!(err, DecodeError::HeadersTooLarge(_)), "{err}");
    let err = decode_prelude(json!({"multiValueHeaders": {"x": vec!["v"; 3000]}}).to_string().as_bytes())
        .expect_err("prelude too");
    assert!(matches!(err, DecodeError::TooManyHeaders(3000)), "{err}");
}
