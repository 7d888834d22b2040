//! Request → Function URL event: never panics, always valid JSON, and the body comes back
//! byte for byte.
#![no_main]

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use lamux::event::{self, Context, RequestHead};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input<'a> {
    method: &'a str,
    uri: &'a str,
    headers: Vec<(&'a str, &'a [u8])>,
    body: &'a [u8],
    seconds: u32,
}

fuzz_target!(|input: Input<'_>| {
    let (Ok(method), Ok(uri)) = (input.method.parse::<http::Method>(), input.uri.parse::<http::Uri>()) else {
        return;
    };
    let mut headers = http::HeaderMap::new();
    for (name, value) in &input.headers {
        if let (Ok(name), Ok(value)) =
            (http::HeaderName::try_from(*name), http::HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    let head = RequestHead { method: &method, uri: &uri, version: http::Version::HTTP_11, headers: &headers };
    let cx = Context {
        domain_name: "live-app.example.com",
        source_ip: "127.0.0.1",
        request_id: "fuzz",
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(input.seconds.into()),
    };
    let Ok(payload) = event::encode(&head, input.body, &cx) else { return };
    let event: serde_json::Value = serde_json::from_slice(&payload).expect("the event is JSON");
    let body = match (&event["body"], &event["isBase64Encoded"]) {
        (serde_json::Value::Null, _) => Vec::new(),
        (serde_json::Value::String(text), serde_json::Value::Bool(true)) => {
            base64::engine::general_purpose::STANDARD.decode(text).expect("the body is base64")
        }
        (serde_json::Value::String(text), _) => text.clone().into_bytes(),
        (other, _) => panic!("body is {other}"),
    };
    assert_eq!(body, input.body);
    assert_eq!(event["rawPath"], uri.path());
});
