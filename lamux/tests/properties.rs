//! Properties of the pure stages, over generated inputs: bodies survive encode → decode
//! byte for byte, header names normalize the same way every time, and routing follows the
//! README's tables.

// Test helpers outside #[test] fns: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, Version};
use lamux::event::{self, Context, RequestHead};
use lamux::response;
use lamux::route::{FunctionRule, RouteError, Routes, Target};
use proptest::prelude::*;
use serde_json::{Value, json};

fn encode(headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let (method, uri) = (Method::POST, Uri::from_static("/p?q=1"));
    let head = RequestHead { method: &method, uri: &uri, version: Version::HTTP_11, headers };
    let cx = Context {
        domain_name: "live-app.example.com",
        source_ip: "192.0.2.1",
        request_id: "prop",
        now: SystemTime::UNIX_EPOCH,
    };
    event::encode(&head, body, &cx).expect("encodes")
}

/// The same name with each letter's case chosen by `mask`.
fn with_case(name: &str, mask: u64) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| if mask >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("text/plain; charset=utf-8"),
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
        Some("application/octet-stream"),
        Some("image/png"),
    ])
}

/// A header name that is neither hop-by-hop nor Cookie (those are not headers in the event).
fn header_name() -> impl Strategy<Value = String> {
    "x-[a-z0-9]{1,12}(-[a-z0-9]{1,8})?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// What a function echoes back as its body is what the client sent, byte for byte,
    /// text or binary.
    #[test]
    fn bodies_survive_encode_then_decode(body in prop::collection::vec(any::<u8>(), 0..2048), kind in content_type()) {
        let mut headers = HeaderMap::new();
        if let Some(kind) = kind {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(kind));
        }
        let event: Value = serde_json::from_slice(&encode(&headers, &body)).expect("JSON");
        let answer = json!({"statusCode": 200, "body": event["body"], "isBase64Encoded": event["isBase64Encoded"]});
        let decoded = response::decode(answer.to_string().as_bytes()).expect("decodes");
        prop_assert_eq!(decoded.body().as_ref(), &body[..]);
    }

    /// However a client spells a header name, the event has it lowercase; values of one
    /// name join with `,` in order; and encoding is deterministic.
    #[test]
    fn header_names_normalize_the_same_way(
        name in header_name(),
        masks in prop::collection::vec(any::<u64>(), 1..4),
        values in prop::collection::vec("[a-zA-Z0-9 ;=/]{0,16}", 4),
    ) {
        let mut headers = HeaderMap::new();
        for (mask, value) in masks.iter().zip(&values) {
            let spelled = HeaderName::from_bytes(with_case(&name, *mask).as_bytes()).expect("a valid name");
            headers.append(spelled, HeaderValue::from_str(value).expect("a valid value"));
        }
        let payload = encode(&headers, b"");
        prop_assert_eq!(&payload, &encode(&headers, b""));
        let event: Value = serde_json::from_slice(&payload).expect("JSON");
        let sent: Vec<&str> = values.iter().take(masks.len()).map(String::as_str).collect();
        let only = json!({ name.clone(): sent.join(",") });
        prop_assert_eq!(&event["headers"], &only);
    }

    /// `ALIAS-FUNCTION.SUFFIX`, in any case, with a port or a trailing dot, is alias
    /// ALIAS of FUNCTION (split on the first `-`).
    #[test]
    fn wildcard_hosts_route_as_the_readme_says(
        alias in "[a-zA-Z0-9]{1,16}",
        function in "[a-zA-Z0-9][a-zA-Z0-9-]{0,24}",
        mask in any::<u64>(),
        port in prop::option::of(1u16..),
        dot in any::<bool>(),
    ) {
        let routes = Routes::new(FunctionRule::FromHost, "example.com");
        let mut host = format!("{alias}-{function}.{}", with_case("example.com", mask));
        if dot { host.push('.'); }
        if let Some(port) = port { host.push_str(&format!(":{port}")); }
        prop_assert_eq!(routes.resolve(&host), Ok(Target { function, alias }));
    }

    /// With a fixed function the label is the alias; a label that is not `^[a-zA-Z0-9]+$`
    /// is a 400 whatever else it holds.
    #[test]
    fn fixed_function_hosts_route_as_the_readme_says(
        alias in "[a-zA-Z0-9]{1,16}",
        junk in "[-_][a-zA-Z0-9_-]{0,8}",
    ) {
        let routes = Routes::new(FunctionRule::Fixed("app".into()), "example.com");
        prop_assert_eq!(
            routes.resolve(&format!("{alias}.example.com")),
            Ok(Target { function: "app".into(), alias: alias.clone() })
        );
        let bad = format!("{alias}{junk}");
        prop_assert_eq!(routes.resolve(&format!("{bad}.example.com")), Err(RouteError::BadAlias(bad)));
    }

    /// Exactly one label precedes the suffix, and the suffix matches only on a label
    /// boundary.
    #[test]
    fn other_hosts_name_no_function(label in "[a-z0-9]{1,8}-[a-z0-9]{1,8}", extra in "[a-z0-9]{1,8}") {
        let routes = Routes::new(FunctionRule::FromHost, "example.com");
        let deep = routes.resolve(&format!("{extra}.{label}.example.com"));
        let glued = routes.resolve(&format!("{label}example.com"));
        let elsewhere = routes.resolve(&format!("{label}.example.org"));
        let no_function = routes.resolve(&format!("{extra}.example.com"));
        prop_assert!(matches!(deep, Err(RouteError::TooDeep(_))));
        prop_assert!(matches!(glued, Err(RouteError::OutsideSuffix(..))));
        prop_assert!(matches!(elsewhere, Err(RouteError::OutsideSuffix(..))));
        prop_assert!(matches!(no_function, Err(RouteError::MissingFunction(_))));
    }
}
