//! The one network call: a synchronous Invoke of `function` at qualifier `alias`.

use std::time::Duration;

use aws_sdk_lambda::error::{DisplayErrorContext, SdkError};
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
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

fn classify(target: &Target, err: SdkError<InvokeError, impl std::fmt::Debug>, timeout: Duration) -> ProxyError {
    let target = target.clone();
    let message = DisplayErrorContext(&err).to_string();
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
            _ => ProxyError::Invoke { target, message },
        },
        _ => ProxyError::Invoke { target, message },
    }
}
