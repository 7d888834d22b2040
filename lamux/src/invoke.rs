//! The one network call: a synchronous Invoke of `function` at qualifier `alias`.

use std::time::Duration;

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use bytes::Bytes;
use serde::Deserialize;

use crate::error::ProxyError;
use crate::route::Target;

/// Facts about the call for the access log, filled in whether it succeeds or not.
#[derive(Debug, Default)]
pub struct CallRecord {
    pub upstream_status: Option<u16>,
    pub aws_request_id: Option<String>,
    pub executed_version: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Invoker {
    client: aws_sdk_lambda::Client,
    timeout: Duration,
}

impl Invoker {
    /// `timeout` bounds the whole call, SDK retries included.
    pub fn new(client: aws_sdk_lambda::Client, timeout: Duration) -> Self {
        Self { client, timeout }
    }

    /// Invoke `target` with an event payload; the function's answer on success.
    pub async fn invoke(
        &self,
        target: &Target,
        payload: Vec<u8>,
        record: &mut CallRecord,
    ) -> Result<Bytes, ProxyError> {
        let call = self
            .client
            .invoke()
            .function_name(&target.function)
            .qualifier(&target.alias)
            .payload(Blob::new(payload))
            .send();
        // Dropping the future on timeout also abandons any retry the SDK has scheduled.
        let result = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| ProxyError::Timeout { target: target.clone(), timeout: self.timeout })?;
        let output = match result {
            Ok(output) => output,
            Err(err) => {
                record.upstream_status = err.raw_response().map(|raw| raw.status().as_u16());
                record.aws_request_id = err.request_id().map(str::to_owned);
                return Err(classify(target, err, self.timeout));
            }
        };
        record.upstream_status = u16::try_from(output.status_code).ok();
        record.aws_request_id = output.request_id().map(str::to_owned);
        record.executed_version = output.executed_version;
        let payload = output.payload.map(Blob::into_inner).map(Bytes::from).unwrap_or_default();
        if let Some(kind) = output.function_error {
            let FunctionErrorPayload { error_type, error_message } =
                serde_json::from_slice(&payload).unwrap_or_default();
            return Err(ProxyError::FunctionError { target: target.clone(), kind, error_type, error_message });
        }
        Ok(payload)
    }
}

/// The payload Lambda returns with `X-Amz-Function-Error`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FunctionErrorPayload {
    error_type: String,
    error_message: String,
}

/// One status per cause, from the SDK's typed errors. An error the SDK model does not know
/// (an emulator's, say) is classified by its HTTP status, which AWS documents per error.
fn classify(target: &Target, err: SdkError<InvokeError, HttpResponse>, timeout: Duration) -> ProxyError {
    let target = target.clone();
    let message = describe(&err);
    let status = err.raw_response().map(|raw| raw.status().as_u16());
    match err {
        SdkError::TimeoutError(_) => ProxyError::Timeout { target, timeout },
        SdkError::ServiceError(service) => match service.into_err() {
            InvokeError::ResourceNotFoundException(e) => {
                ProxyError::NotFound { message: e.message.unwrap_or_else(|| target.to_string()) }
            }
            InvokeError::TooManyRequestsException(e) => {
                ProxyError::Throttled { target, retry_after: e.retry_after_seconds }
            }
            InvokeError::RequestTooLargeException(e) => {
                ProxyError::UpstreamTooLarge { message: e.message.unwrap_or_default() }
            }
            unknown if unknown.meta().code().is_none() => match status {
                Some(404) => ProxyError::NotFound { message },
                Some(413) => ProxyError::UpstreamTooLarge { message },
                Some(429) => ProxyError::Throttled { target, retry_after: None },
                _ => ProxyError::Invoke { target, message },
            },
            _ => ProxyError::Invoke { target, message },
        },
        _ => ProxyError::Invoke { target, message },
    }
}

/// A one-line account of an SDK error: what Lambda said, or why it could not be reached.
fn describe(err: &SdkError<InvokeError, HttpResponse>) -> String {
    match err {
        SdkError::ServiceError(service) => {
            let meta = service.err().meta();
            let status = service.raw().status().as_u16();
            let code = meta.code().unwrap_or("an unknown error");
            match meta.message() {
                Some(message) => format!("Lambda answered HTTP {status}, {code}: {message}"),
                None => format!("Lambda answered HTTP {status}, {code}"),
            }
        }
        SdkError::DispatchFailure(_) => format!("cannot reach the Lambda endpoint: {}", chain(err)),
        _ => chain(err),
    }
}

/// An error and its sources, each once, joined with `: `.
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(err);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}
