//! Response streaming: InvokeWithResponseStream, for functions that stream their HTTP
//! response (AWS docs, "Response streaming for Lambda functions").
//!
//! A streaming HTTP function's stream has the content type
//! `application/vnd.awslambda.http-integration-response`: a JSON prelude (statusCode,
//! headers, cookies), 8 NUL bytes, then the body as the function writes it. lamux turns the
//! prelude into the response head and passes the body on chunk by chunk, pulling the next
//! chunk from Lambda only when the client has taken the last (so memory stays flat). Any
//! other stream is an ordinary buffered answer and is decoded as in buffered mode.

use std::time::Duration;

use aws_sdk_lambda::operation::RequestId as _;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::primitives::event_stream::EventReceiver;
use aws_sdk_lambda::types::InvokeWithResponseStreamResponseEvent as Event;
use aws_sdk_lambda::types::error::InvokeWithResponseStreamResponseEventError as EventError;
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http::Response;
use tokio::time::{Instant, timeout_at};

use crate::error::{BoxError, InvokeFailure, ProxyError, chain};
use crate::event::MAX_PAYLOAD;
use crate::invoke::{CallRecord, Invoker};
use crate::response;
use crate::retry::Replay;
use crate::route::Target;

pub const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
const DELIMITER: [u8; 8] = [0; 8];
/// A prelude is a few headers; anything longer before the delimiter is not a prelude.
const MAX_PRELUDE: usize = 1024 * 1024;

type Events = EventReceiver<Event, EventError>;

/// Why a stream stopped before its end: the client's connection is cut, so that it cannot
/// take a truncated body for a whole one.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// InvokeComplete's ErrorCode and ErrorDetails: what the function reported.
    #[error("the function failed mid-stream: {code}: {}", details.as_deref().unwrap_or(""))]
    Function { code: String, details: Option<String> },
    #[error("no chunk from the function for {0:?}")]
    Idle(Duration),
    #[error("the stream from Lambda ended without InvokeComplete")]
    Unfinished,
    #[error("the stream from Lambda broke")]
    Broken(#[source] BoxError),
}

impl Invoker {
    /// Invoke `target` with InvokeWithResponseStream. `timeout` bounds the time to the
    /// response head (or to the whole answer of a function that does not stream).
    pub async fn invoke_stream(
        &self,
        target: &Target,
        payload: Vec<u8>,
        replay: Replay,
        record: &mut CallRecord,
    ) -> Result<Response<Body>, ProxyError> {
        let deadline = Instant::now() + self.timeout;
        let timed_out = || ProxyError::Timeout { target: target.clone(), timeout: self.timeout };
        let call = self
            .client
            .invoke_with_response_stream()
            .function_name(&target.function)
            .qualifier(&target.alias)
            .payload(Blob::new(payload))
            .customize()
            .config_override(crate::invoke::retry_rule(replay))
            .send();
        let output = timeout_at(deadline, call)
            .await
            .map_err(|_| timed_out())?
            .map_err(|err| record.failed(target, err, self.timeout))?;
        record.answered(output.status_code, output.request_id(), output.executed_version.clone());
        let streams_http = output.response_stream_content_type.as_deref() == Some(HTTP_INTEGRATION);
        let mut events = output.event_stream;
        if !streams_http {
            let answer = timeout_at(deadline, collect(&mut events, target)).await.map_err(|_| timed_out())??;
            let decoded = response::decode(&answer)
                .map_err(|source| ProxyError::BadResponse { target: target.clone(), source })?;
            return Ok(decoded.map(Body::from));
        }
        let (prelude, rest) =
            timeout_at(deadline, read_prelude(&mut events, target)).await.map_err(|_| timed_out())??;
        let head = response::decode_prelude(&prelude)
            .map_err(|source| ProxyError::BadResponse { target: target.clone(), source })?;
        let body = Body::from_stream(body_stream(events, rest, self.idle_timeout, target.clone()));
        Ok(head.map(|()| body))
    }
}

/// A function's failure, as the InvokeComplete event reports it.
fn function_error(target: &Target, code: String, details: Option<String>) -> ProxyError {
    ProxyError::FunctionError {
        target: target.clone(),
        kind: "InvokeComplete".to_owned(),
        error_type: code,
        error_message: details.unwrap_or_default(),
    }
}

fn broken(target: &Target, err: impl Into<BoxError>) -> ProxyError {
    ProxyError::Invoke { target: target.clone(), source: InvokeFailure::StreamBroke(err.into()) }
}

/// A non-streaming function's whole answer, which Lambda delivers over the stream.
async fn collect(events: &mut Events, target: &Target) -> Result<Bytes, ProxyError> {
    let mut answer = BytesMut::new();
    loop {
        match events.recv().await.map_err(|err| broken(target, err))? {
            Some(Event::PayloadChunk(chunk)) => {
                answer.extend_from_slice(chunk.payload.as_ref().map_or(&[][..], Blob::as_ref));
                if answer.len() > MAX_PAYLOAD {
                    return Err(ProxyError::Invoke { target: target.clone(), source: InvokeFailure::TooLarge });
                }
            }
            Some(Event::InvokeComplete(done)) => {
                return match done.error_code {
                    Some(code) => Err(function_error(target, code, done.error_details)),
                    None => Ok(answer.freeze()),
                };
            }
            Some(_) => {}
            // Cut before InvokeComplete: what came may still parse (a number is valid JSON),
            // but it is not the whole answer.
            None => return Err(bad_stream(target, "the stream ended without InvokeComplete")),
        }
    }
}

/// Read until the 8-NUL delimiter: the prelude, and whatever body bytes came with it.
async fn read_prelude(events: &mut Events, target: &Target) -> Result<(Bytes, Bytes), ProxyError> {
    let mut head = BytesMut::new();
    loop {
        match events.recv().await.map_err(|err| broken(target, err))? {
            Some(Event::PayloadChunk(chunk)) => {
                let searched_from = head.len().saturating_sub(DELIMITER.len() - 1);
                head.extend_from_slice(chunk.payload.as_ref().map_or(&[][..], Blob::as_ref));
                if let Some(at) = head[searched_from..].windows(DELIMITER.len()).position(|w| w == DELIMITER) {
                    let at = searched_from + at;
                    let mut head = head.freeze();
                    let rest = head.split_off(at + DELIMITER.len());
                    head.truncate(at);
                    return Ok((head, rest));
                }
                if head.len() > MAX_PRELUDE {
                    return Err(bad_stream(target, "no 8-NUL delimiter after the prelude"));
                }
            }
            Some(Event::InvokeComplete(done)) => {
                return Err(match done.error_code {
                    Some(code) => function_error(target, code, done.error_details),
                    None => bad_stream(target, "the stream ended before the prelude's delimiter"),
                });
            }
            Some(_) => {}
            None => return Err(bad_stream(target, "the stream ended before the prelude's delimiter")),
        }
    }
}

fn bad_stream(target: &Target, what: &'static str) -> ProxyError {
    ProxyError::Invoke { target: target.clone(), source: InvokeFailure::BadStream(what) }
}

/// The body after the delimiter: chunks as Lambda sends them, each awaited only when the
/// client has taken the last. A failure ends the stream with an error, which cuts the
/// client's connection.
fn body_stream(
    events: Events,
    first: Bytes,
    idle: Duration,
    target: Target,
) -> impl futures_util::Stream<Item = Result<Bytes, StreamError>> + Send {
    let state = (events, Some(first).filter(|bytes| !bytes.is_empty()), false);
    futures_util::stream::unfold(state, move |(mut events, mut pending, done)| {
        let target = target.clone();
        async move {
            if let Some(bytes) = pending.take() {
                return Some((Ok(bytes), (events, None, false)));
            }
            if done {
                return None;
            }
            loop {
                let failure = match tokio::time::timeout(idle, events.recv()).await {
                    Ok(Ok(Some(Event::PayloadChunk(chunk)))) => match chunk.payload.map(Blob::into_inner) {
                        Some(bytes) if !bytes.is_empty() => {
                            return Some((Ok(Bytes::from(bytes)), (events, None, false)));
                        }
                        _ => continue,
                    },
                    Ok(Ok(Some(Event::InvokeComplete(done)))) => match done.error_code {
                        None => return None,
                        Some(code) => StreamError::Function { code, details: done.error_details },
                    },
                    Ok(Ok(Some(_))) => continue,
                    Ok(Ok(None)) => StreamError::Unfinished,
                    Ok(Err(err)) => StreamError::Broken(err.into()),
                    Err(_) => StreamError::Idle(idle),
                };
                tracing::warn!(
                    target: "lamux::access",
                    function_name = %target.function,
                    alias = %target.alias,
                    error = %chain(&failure),
                    "response stream cut"
                );
                return Some((Err(failure), (events, None, true)));
            }
        }
    })
}
