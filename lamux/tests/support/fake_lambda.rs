//! A fake of the Lambda Invoke API, for what no emulator here does: aliases.
//!
//! It checks that requests are SigV4-signed, honours FunctionName in its three forms (name,
//! `name:alias`, ARN) and `?Qualifier=`, and answers as AWS does: typed errors in
//! `x-amzn-ErrorType`, `X-Amz-Function-Error` for function errors, `X-Amz-Executed-Version`.
//!
//! Functions, by name (each has aliases `live`, `v1`, `$LATEST`, `pr42` and `next`):
//! - `echo`: 200, JSON body = the event it received, header `x-qualifier`.
//! - `mirror`: answers with the request's body, content type and cookies, as a function would.
//! - `raw`: the request body *is* the function's answer, byte for byte (for decode tests).
//! - `slow`: waits 2 s, then as `echo`.
//! - `crash` / `handled`: a function error (Unhandled / Handled).
//! - `throttled`: 429 TooManyRequestsException, Retry-After 7.
//! - `busy`: throttled on its 1st, 3rd, ... call, and `echo` on the others.
//! - `snapstart`: 408 SnapStartTimeoutException on its 1st, 3rd, ... call, and `echo` on the
//!   others.
//! - `toolarge`: 413 RequestTooLargeException.
//! - `broken`: 500 ServiceException.
//! - `reset`: 200 that promises 1,000 bytes, sends 10, and cuts the connection.
//! - `huge`: a valid Function URL response of 7 MB, over Lambda's 6 MB limit.
//! - `cut`: answers `7` (valid JSON); over InvokeWithResponseStream, its stream ends
//!   without InvokeComplete.
//! - `untyped`: 404 without `x-amzn-ErrorType`, as cargo-lambda's emulator answers.
//! - `stream` (InvokeWithResponseStream only): a streaming HTTP function that plays the script
//!   in the request body; see fake_stream.rs.
//! - anything else: 404 ResourceNotFoundException.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";
/// Added to each call's headers: the client address of the connection that carried it.
pub const PEER: &str = "x-fake-peer";
const ALIASES: [&str; 5] = ["live", "v1", "$LATEST", "pr42", "next"];

/// One Invoke the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub function: String,
    pub qualifier: String,
    pub payload: Bytes,
    pub headers: HeaderMap,
}

impl Call {
    pub fn event(&self) -> Value {
        serde_json::from_slice(&self.payload).expect("the payload is JSON")
    }
}

#[derive(Clone, Default)]
pub struct FakeLambda {
    pub(crate) calls: Arc<Mutex<Vec<Call>>>,
    /// Body bytes the `stream` function has handed to its response so far.
    pub(crate) streamed: Arc<std::sync::atomic::AtomicU64>,
}

impl FakeLambda {
    /// Start on 127.0.0.1 at a free port; returns the fake and its endpoint URL.
    pub async fn start() -> (Self, String) {
        let fake = Self::default();
        let app = axum::Router::new()
            .route("/2015-03-31/functions/{name}/invocations", axum::routing::post(invoke))
            .route(
                "/2021-11-15/functions/{name}/response-streaming-invocations",
                axum::routing::post(super::fake_stream::invoke),
            )
            .layer(axum::middleware::map_request(note_peer))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake lambda");
        let addr: SocketAddr = listener.local_addr().expect("local addr");
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake lambda serves") });
        (fake, format!("http://{addr}"))
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls lock").clone()
    }

    pub fn streamed_bytes(&self) -> u64 {
        self.streamed.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn calls_to(&self, function: &str) -> usize {
        self.calls().iter().filter(|call| call.function == function).count()
    }
}

async fn note_peer(
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    mut request: axum::extract::Request,
) -> axum::extract::Request {
    request.headers_mut().insert(PEER, peer.to_string().parse().expect("an address is a header value"));
    request
}

pub(crate) fn aws_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [("x-amzn-ErrorType", kind), ("content-type", "application/json")],
        json!({"Type": "User", "message": message}).to_string(),
    )
        .into_response()
}

/// `name`, `name:alias`, `arn:aws:lambda:REGION:ACCOUNT:function:name[:alias]`.
fn split_function_name(name: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => ((*name).to_owned(), None),
        ["arn", _, "lambda", _, _, "function", name, alias] => ((*name).to_owned(), Some((*alias).to_owned())),
        [name, alias] => ((*name).to_owned(), Some((*alias).to_owned())),
        _ => (name.to_owned(), None),
    }
}

/// What every Invoke route checks first: a SigV4 signature, the function and qualifier.
/// Records the call; answers with AWS's error when the target does not exist.
fn rejected(status: StatusCode, kind: &str, message: &str) -> Box<Response> {
    Box::new(aws_error(status, kind, message))
}

pub(crate) fn admit(
    fake: &FakeLambda,
    name: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    payload: &Bytes,
) -> Result<(String, String), Box<Response>> {
    let signed = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|auth| auth.starts_with("AWS4-HMAC-SHA256 Credential=") && auth.contains("Signature="));
    if !signed || !headers.contains_key("x-amz-date") {
        return Err(rejected(
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            "The request is not signed with SigV4.",
        ));
    }
    let (function, embedded) = split_function_name(name);
    let qualifier = match (embedded, query.get("Qualifier")) {
        (Some(a), Some(b)) if &a != b => {
            return Err(Box::new(aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified qualifier.",
            )));
        }
        (Some(alias), _) => alias,
        (None, Some(alias)) => alias.clone(),
        (None, None) => "$LATEST".to_owned(),
    };
    fake.calls.lock().expect("calls lock").push(Call {
        function: function.clone(),
        qualifier: qualifier.clone(),
        payload: payload.clone(),
        headers: headers.clone(),
    });
    let arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}:{qualifier}");
    if !KNOWN.contains(&function.as_str()) || !ALIASES.contains(&qualifier.as_str()) {
        return Err(rejected(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {arn}"),
        ));
    }
    Ok((function, qualifier))
}

const KNOWN: [&str; 16] = [
    "cut",
    "echo",
    "busy",
    "snapstart",
    "mirror",
    "raw",
    "slow",
    "crash",
    "handled",
    "throttled",
    "toolarge",
    "broken",
    "untyped",
    "stream",
    "reset",
    "huge",
];

pub(crate) async fn invoke(
    State(fake): State<FakeLambda>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    payload: Bytes,
) -> Response {
    match admit(&fake, &name, &query, &headers, &payload) {
        Ok((function, _)) if function == "busy" && fake.calls_to("busy") % 2 == 1 => {
            respond("throttled", "", &payload).await
        }
        Ok((function, _)) if function == "snapstart" && fake.calls_to("snapstart") % 2 == 1 => aws_error(
            StatusCode::REQUEST_TIMEOUT,
            "SnapStartTimeoutException",
            "Lambda couldn't restore the snapshot within the timeout limit.",
        ),
        Ok((function, qualifier)) => respond(&function, &qualifier, &payload).await,
        Err(response) => *response,
    }
}

/// How each function answers an Invoke.
pub(crate) async fn respond(function: &str, qualifier: &str, payload: &Bytes) -> Response {
    let ok = |body: Vec<u8>| {
        (StatusCode::OK, [("X-Amz-Executed-Version", "3"), ("x-amzn-RequestId", "fake-request-1")], body)
            .into_response()
    };
    let event: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    match function {
        "echo" | "busy" | "snapstart" => ok(echo(&event, qualifier)),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            ok(echo(&event, qualifier))
        }
        "mirror" => {
            let content_type = event["headers"]["content-type"].as_str().unwrap_or("application/octet-stream");
            ok(json!({
                "statusCode": 200,
                "headers": {"content-type": content_type},
                "cookies": event["cookies"],
                "body": event["body"],
                "isBase64Encoded": event["isBase64Encoded"],
            })
            .to_string()
            .into_bytes())
        }
        "raw" => {
            use base64::Engine as _;
            let body = event["body"].as_str().unwrap_or_default();
            let bytes = if event["isBase64Encoded"] == true {
                base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default()
            } else {
                body.as_bytes().to_vec()
            };
            ok(bytes)
        }
        "crash" | "handled" => {
            let kind = if function == "crash" { "Unhandled" } else { "Handled" };
            let body = json!({"errorType": "Runtime.ExitError", "errorMessage": "boom", "stackTrace": []});
            (StatusCode::OK, [("X-Amz-Function-Error", kind), ("X-Amz-Executed-Version", "3")], body.to_string())
                .into_response()
        }
        "throttled" => {
            let body = json!({"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"});
            (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    ("x-amzn-ErrorType", "TooManyRequestsException"),
                    ("Retry-After", "7"),
                    ("content-type", "application/json"),
                ],
                body.to_string(),
            )
                .into_response()
        }
        "toolarge" => aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
        ),
        "reset" => {
            let chunks: [Result<Bytes, std::io::Error>; 2] =
                [Ok(Bytes::from_static(br#"{"statusCo"#)), Err(std::io::Error::other("cut"))];
            let body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
            (StatusCode::OK, [("content-length", "1000")], body).into_response()
        }
        "huge" => ok(json!({"statusCode": 200, "body": "x".repeat(7 * 1024 * 1024)}).to_string().into_bytes()),
        "cut" => ok(b"7".to_vec()),
        "untyped" => (StatusCode::NOT_FOUND, r#"{"title":"Missing function"}"#).into_response(),
        _ => aws_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "Lambda was unable to process the request.",
        ),
    }
}

pub(crate) fn echo(event: &Value, qualifier: &str) -> Vec<u8> {
    json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-qualifier": qualifier},
        "body": event.to_string(),
    })
    .to_string()
    .into_bytes()
}
