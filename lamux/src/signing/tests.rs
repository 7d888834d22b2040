use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_runtime_api::client::identity::Identity;
use percent_encoding::utf8_percent_encode;

use super::*;
use crate::direct_invoke::LABEL;

/// The headers aws-sigv4's general signer gives the same request.
fn reference(
    region: &str,
    credentials: &Credentials,
    now: SystemTime,
    uri: &str,
    host: &str,
    payload: &[u8],
) -> Signature {
    let identity: Identity = credentials.clone().into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("lambda")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let headers = [("content-type", CONTENT_TYPE), ("host", host), ("user-agent", "lamux/test")];
    let signable =
        SignableRequest::new("POST", uri, headers.into_iter(), SignableBody::Bytes(payload)).expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    let header = |name: &str| instructions.headers().find(|(n, _)| *n == name).map(|(_, v)| v.to_owned());
    Signature {
        amz_date: header("x-amz-date").expect("x-amz-date"),
        authorization: header("authorization").expect("authorization"),
        security_token: header("x-amz-security-token"),
    }
}

#[test]
fn signs_as_aws_sigv4_does() {
    let functions = [
        "my-func",
        "arn:aws:lambda:eu-west-1:123456789012:function:my-func",
        "123456789012:function:f_1.x",
        "with space+plus/slash~tilde*star!bang'quote(paren)",
        "ünïcödé-函数",
    ];
    let aliases = ["live", "$LATEST", "7", "a b", "%41", "x=y&z"];
    let credentials = [
        Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "test"),
        Credentials::new("ASIAEXAMPLE", "secret", Some("IQoJb3JpZ2luX2VjEJr//////////token=".into()), None, "test"),
        Credentials::new("ASIAEXAMPLE", "secret", Some("  spaced   token ".into()), None, "test"),
    ];
    // Scheme, authority and base path.
    let endpoints = [
        ("https", "lambda.eu-west-1.amazonaws.com", ""),
        ("http", "127.0.0.1:9001", ""),
        ("http", "localhost:4566", "/base"),
    ];
    let payloads: [&[u8]; 3] = [b"", b"{\"version\":\"2.0\"}", &[0xff; 3000]];
    let signer = InvokeSigner::new("eu-west-1");
    let mut checked = 0;
    for (i, function) in functions.iter().enumerate() {
        for (j, alias) in aliases.iter().enumerate() {
            let (scheme, host, base) = endpoints[(i + j) % endpoints.len()];
            let path = format!("{base}/2015-03-31/functions/{}/invocations", utf8_percent_encode(function, LABEL));
            let query = format!("Qualifier={}", utf8_percent_encode(alias, LABEL));
            let uri = format!("{scheme}://{host}{path}?{query}");
            for (k, credentials) in credentials.iter().enumerate() {
                // Days apart, so the cached key must follow the date.
                let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000 + 86_399 * (i * 7 + j + k) as u64);
                let payload = payloads[(i + j + k) % payloads.len()];
                let ours = signer.sign(credentials, now, &InvokeRequest { host, path: &path, query: &query, payload });
                assert_eq!(ours, reference("eu-west-1", credentials, now, &uri, host, payload), "{uri} {k}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 90);
}

#[test]
fn the_signing_key_is_derived_again_for_a_new_day_or_secret() {
    let signer = InvokeSigner::new("us-east-1");
    let request = InvokeRequest { host: "h", path: "/p", query: "Qualifier=live", payload: b"{}" };
    let day = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let first = Credentials::new("AKID", "first", None, None, "test");
    let second = Credentials::new("AKID", "second", None, None, "test");
    let key =
        |signer: &InvokeSigner| signer.key.read().expect("lock").as_ref().map(|k| (k.date.clone(), k.secret.clone()));

    signer.sign(&first, day, &request);
    assert_eq!(key(&signer), Some(("20251124".into(), "first".into())));
    let again = signer.sign(&first, day + Duration::from_secs(60), &request);
    assert_ne!(again, signer.sign(&second, day + Duration::from_secs(60), &request), "the secret is in the key");
    assert_eq!(key(&signer), Some(("20251124".into(), "second".into())));
    signer.sign(&second, day + Duration::from_secs(86_400), &request);
    assert_eq!(key(&signer), Some(("20251125".into(), "second".into())));
    let debug = format!("{signer:?}");
    assert!(debug.contains("20251125") && !debug.contains("second"), "{debug}");
}
