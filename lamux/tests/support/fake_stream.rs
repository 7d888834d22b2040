//! The fake's InvokeWithResponseStream: AWS event-stream framing (encoded with
//! aws-smithy-eventstream), `PayloadChunk` events and a closing `InvokeComplete`.
//!
//! `stream` is a streaming HTTP function that plays the [`Script`] in the request body;
//! every other function answers as it does on Invoke, its whole answer in the stream.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::fake_lambda::{FakeLambda, admit, respond};

pub const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// What the `stream` function does, in order.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Script {
    /// The JSON prelude; `{"statusCode":200,"headers":{"content-type":"text/plain"}}` if absent.
    pub prelude: Option<Value>,
    /// Wait before the prelude.
    pub delay_prelude_ms: u64,
    /// Body chunks, each its own PayloadChunk.
    pub chunks: Vec<String>,
    /// Wait before every chunk after the first.
    pub pause_ms: u64,
    /// Then this many bytes of body, in chunks of `bulk_chunk` bytes.
    pub bulk_bytes: u64,
    pub bulk_chunk: usize,
    /// End with an InvokeComplete carrying this ErrorCode.
    pub fail: Option<String>,
    /// Split the 8-NUL delimiter across two PayloadChunks.
    pub split_delimiter: bool,
}

fn frame(event_type: &str, content_type: &str, payload: Bytes) -> Bytes {
    let message = Message::new_from_parts(
        vec![
            Header::new(":message-type", HeaderValue::String("event".into())),
            Header::new(":event-type", HeaderValue::String(event_type.to_owned().into())),
            Header::new(":content-type", HeaderValue::String(content_type.to_owned().into())),
        ],
        payload,
    );
    let mut buffer = Vec::new();
    write_message_to(&message, &mut buffer).expect("frame encodes");
    Bytes::from(buffer)
}

fn chunk(bytes: impl Into<Bytes>) -> Bytes {
    frame("PayloadChunk", "application/octet-stream", bytes.into())
}

fn complete(error: Option<(&str, &str)>) -> Bytes {
    let payload = match error {
        Some((code, details)) => json!({"ErrorCode": code, "ErrorDetails": details, "LogResult": ""}),
        None => json!({"LogResult": ""}),
    };
    frame("InvokeComplete", "application/json", Bytes::from(payload.to_string()))
}

/// A streamed response whose frames a task produces one at a time: a bounded channel, so
/// the fake itself never holds a large body.
fn streamed(content_type: &str, produce: impl FnOnce(mpsc::Sender<Bytes>) -> tokio::task::JoinHandle<()>) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    produce(tx);
    let frames =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|f| (Ok::<_, Infallible>(f), rx)) });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type)
        .header("X-Amz-Executed-Version", "7")
        .body(Body::from_stream(frames))
        .expect("response")
}

pub async fn invoke(
    State(fake): State<FakeLambda>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    payload: Bytes,
) -> Response {
    let (function, qualifier) = match admit(&fake, &name, &query, &headers, &payload) {
        Ok(target) => target,
        Err(response) => return *response,
    };
    if function != "stream" {
        return buffered_over_stream(&function, &qualifier, &payload).await;
    }
    let event: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
    let script: Script = event["body"].as_str().and_then(|body| serde_json::from_str(body).ok()).unwrap_or_default();
    let progress = fake.streamed.clone();
    streamed(HTTP_INTEGRATION, move |tx| tokio::spawn(play(script, tx, progress)))
}

async fn play(script: Script, tx: mpsc::Sender<Bytes>, progress: std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let prelude =
        script.prelude.unwrap_or_else(|| json!({"statusCode": 200, "headers": {"content-type": "text/plain"}}));
    tokio::time::sleep(Duration::from_millis(script.delay_prelude_ms)).await;
    let mut head = prelude.to_string().into_bytes();
    let mut chunks = script.chunks.into_iter();
    if script.split_delimiter {
        head.extend_from_slice(&[0; 4]);
        let mut second = vec![0u8; 4];
        second.extend(chunks.next().unwrap_or_default().into_bytes());
        if tx.send(chunk(head)).await.is_err() || tx.send(chunk(second)).await.is_err() {
            return;
        }
    } else {
        head.extend_from_slice(&[0; 8]);
        head.extend(chunks.next().unwrap_or_default().into_bytes());
        if tx.send(chunk(head)).await.is_err() {
            return;
        }
    }
    for body in chunks {
        tokio::time::sleep(Duration::from_millis(script.pause_ms)).await;
        if tx.send(chunk(body.into_bytes())).await.is_err() {
            return;
        }
    }
    let piece = Bytes::from(vec![b'x'; script.bulk_chunk.max(1)]);
    let mut left = script.bulk_bytes;
    while left > 0 {
        let size = left.min(piece.len() as u64) as usize;
        if tx.send(chunk(piece.slice(..size))).await.is_err() {
            return;
        }
        progress.fetch_add(size as u64, std::sync::atomic::Ordering::SeqCst);
        left -= size as u64;
    }
    let _ = tx.send(complete(script.fail.as_deref().map(|code| (code, "the function failed mid-stream")))).await;
}

/// A function that does not stream: its Invoke answer, as one chunk of a JSON stream; a
/// function error is an InvokeComplete with an ErrorCode; AWS errors stay HTTP errors.
async fn buffered_over_stream(function: &str, qualifier: &str, payload: &Bytes) -> Response {
    let answer = respond(function, qualifier, payload).await;
    if answer.status() != StatusCode::OK {
        return answer.into_response();
    }
    let function_error = answer.headers().contains_key("X-Amz-Function-Error");
    let cut = function == "cut";
    let body = answer.into_body().collect().await.expect("buffered body").to_bytes();
    streamed("application/json", move |tx| {
        tokio::spawn(async move {
            if function_error {
                let _ = tx.send(complete(Some(("Unhandled", &String::from_utf8_lossy(&body))))).await;
                return;
            }
            if tx.send(chunk(body)).await.is_ok() && !cut {
                let _ = tx.send(complete(None)).await;
            }
        })
    })
}
