//! The one network call: a synchronous Invoke of `function` at qualifier `alias`.

use std::time::Duration;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::operation::invoke_with_response_stream::InvokeWithResponseStreamError;
use aws_sdk_lambda::primitives::Blob;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use bytes::Bytes;
use serde::Deserialize;

use std::sync::Arc;

use crate::direct_invoke::{DirectInvoke, Failure};
use crate::error::{InvokeFailure, LambdaSaid, ProxyError};
use crate::event::MAX_PAYLOAD;
use crate::retry::{ForbidReplay, Replay};
use crate::route::Target;
use crate::upstream::Slot;

/// Facts about the call for the access log, filled in whether it succeeds or not.
#[derive(Debug, Default)]
pub struct CallRecord {
    pub upstream_status: Option<u16>,
    pub aws_request_id: Option<String>,
    pub executed_version: Option<String>,
}

impl CallRecord {
    /// Note what a successful call's response said.
    pub(crate) fn answered(&mut self, status: i32, request_id: Option<&str>, executed_version: Option<String>) {
        self.upstream_status = u16::try_from(status).ok();
        self.aws_request_id = request_id.map(str::to_owned);
        self.executed_version = executed_version;
    }

    /// Note what a failed call's response said, and classify the failure.
    pub(crate) fn failed<E: Classify>(
        &mut self,
        target: &Target,
        err: SdkError<E, HttpResponse>,
        timeout: Duration,
    ) -> ProxyError {
        self.upstream_status = err.raw_response().map(|raw| raw.status().as_u16());
        self.aws_request_id = err.request_id().map(str::to_owned);
        classify(target, err, timeout)
    }
}

#[derive(Debug, Clone)]
pub struct Invoker {
    pub(crate) client: aws_sdk_lambda::Client,
    /// The buffered Invoke without the SDK's orchestration, when the endpoint allows.
    direct: Option<Arc<DirectInvoke>>,
    /// Bounds a buffered Invoke, or a stream's time to its first byte.
    pub(crate) timeout: Duration,
    /// Bounds the gaps between a stream's chunks.
    pub(crate) idle_timeout: Duration,
}

impl Invoker {
    /// `timeout` bounds the whole call, SDK retries included; `idle_timeout` the silences
    /// within a response stream.
    pub fn new(sdk: &aws_config::SdkConfig, timeout: Duration, idle_timeout: Duration) -> Self {
        let direct = DirectInvoke::new(sdk).map(Arc::new);
        if direct.is_none() {
            tracing::info!("Invoke goes through the AWS SDK (FIPS, dual-stack or a non-aws partition)");
        }
        Self { client: aws_sdk_lambda::Client::new(sdk), direct, timeout, idle_timeout }
    }

    /// An invoker whose buffered Invokes all go through the SDK, as they do for FIPS,
    /// dual-stack and partitions other than `aws`: for tests of that path.
    pub fn through_sdk(sdk: &aws_config::SdkConfig, timeout: Duration, idle_timeout: Duration) -> Self {
        Self { direct: None, ..Self::new(sdk, timeout, idle_timeout) }
    }

    /// Invoke `target` with an event payload; the function's answer on success. `replay`
    /// (from the client's method) says which failures may be retried; see [`crate::retry`].
    /// A direct Invoke goes out on `slot`'s connection, the client connection's own, when
    /// there is one; see [`crate::upstream`].
    pub async fn invoke(
        &self,
        target: &Target,
        payload: Vec<u8>,
        replay: Replay,
        record: &mut CallRecord,
        slot: Option<&Slot>,
    ) -> Result<Bytes, ProxyError> {
        if let Some(direct) = &self.direct {
            return self.invoke_directly(direct, target, payload, replay, record, slot).await;
        }
        let call = self
            .client
            .invoke()
            .function_name(&target.function)
            .qualifier(&target.alias)
            .payload(Blob::new(payload))
            .customize()
            .config_override(retry_rule(replay))
            .send();
        // Dropping the future on timeout also abandons any retry the SDK has scheduled.
        let result = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| ProxyError::Timeout { target: target.clone(), timeout: self.timeout })?;
        let output = result.map_err(|err| record.failed(target, err, self.timeout))?;
        record.answered(output.status_code, output.request_id(), output.executed_version.clone());
        let payload = output.payload.map(Blob::into_inner).map(Bytes::from).unwrap_or_default();
        checked(target, output.function_error, payload)
    }
}

impl Invoker {
    async fn invoke_directly(
        &self,
        direct: &DirectInvoke,
        target: &Target,
        payload: Vec<u8>,
        replay: Replay,
        record: &mut CallRecord,
        slot: Option<&Slot>,
    ) -> Result<Bytes, ProxyError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let call = direct.invoke(target, Bytes::from(payload), replay, deadline, slot);
        let result = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| ProxyError::Timeout { target: target.clone(), timeout: self.timeout })?;
        let (status, answer) = match result {
            Ok(answered) => answered,
            Err(failure) => return Err(record.refused(target, failure)),
        };
        record.answered(i32::from(status), answer.request_id.as_deref(), answer.executed_version);
        checked(target, answer.function_error, answer.payload)
    }
}

/// The SDK's retries held to [`crate::retry`]'s rule: what proves the function did not run
/// is retried, and for a request that must not be replayed, what may have run it is not.
pub(crate) fn retry_rule(replay: Replay) -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::Config::builder().retry_classifier(ForbidReplay { replay })
}

/// The function's answer, unless it reports a function error or is larger than Lambda's.
fn checked(target: &Target, function_error: Option<String>, payload: Bytes) -> Result<Bytes, ProxyError> {
    if let Some(kind) = function_error {
        let FunctionErrorPayload { error_type, error_message } = serde_json::from_slice(&payload).unwrap_or_default();
        return Err(ProxyError::FunctionError { target: target.clone(), kind, error_type, error_message });
    }
    // Lambda never answers more; an endpoint that does is not Lambda's Invoke API.
    if payload.len() > MAX_PAYLOAD {
        return Err(ProxyError::Invoke { target: target.clone(), source: InvokeFailure::TooLarge });
    }
    Ok(payload)
}

impl CallRecord {
    /// Note what a direct Invoke's failure said, and classify it as [`classify`] does the
    /// SDK's errors.
    fn refused(&mut self, target: &Target, failure: Failure) -> ProxyError {
        let target = target.clone();
        match failure {
            Failure::Service { status, code, message, retry_after, request_id } => {
                self.upstream_status = Some(status);
                self.aws_request_id = request_id;
                let cause = match code.as_deref() {
                    Some("ResourceNotFoundException") => Cause::NotFound,
                    Some("TooManyRequestsException") => Cause::Throttled(retry_after.clone()),
                    Some("RequestTooLargeException") => Cause::TooLarge,
                    _ => Cause::Other,
                };
                let said = LambdaSaid { status: Some(status), code, message };
                by_cause(target, cause, said, retry_after)
            }
            Failure::Failed(source) => ProxyError::Invoke { target, source },
        }
    }
}

/// The payload Lambda returns with `X-Amz-Function-Error`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FunctionErrorPayload {
    error_type: String,
    error_message: String,
}

/// What an Invoke error means for the client.
pub(crate) enum Cause {
    NotFound,
    Throttled(Option<String>),
    TooLarge,
    Other,
}

/// The typed errors of Invoke and InvokeWithResponseStream, read the same way.
pub(crate) trait Classify: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static {
    fn cause(self) -> Cause;
}

/// Both operations model the same three errors that have a status of their own.
macro_rules! classify_typed_errors {
    ($($error:ty),+) => {$(
        impl Classify for $error {
            fn cause(self) -> Cause {
                match self {
                    Self::ResourceNotFoundException(_) => Cause::NotFound,
                    Self::TooManyRequestsException(e) => Cause::Throttled(e.retry_after_seconds),
                    Self::RequestTooLargeException(_) => Cause::TooLarge,
                    _ => Cause::Other,
                }
            }
        }
    )+};
}

classify_typed_errors!(InvokeError, InvokeWithResponseStreamError);

/// The SDK's error, classified by [`by_cause`].
pub(crate) fn classify<E: Classify>(target: &Target, err: SdkError<E, HttpResponse>, timeout: Duration) -> ProxyError {
    let target = target.clone();
    let status = err.raw_response().map(|raw| raw.status().as_u16());
    match err {
        SdkError::TimeoutError(_) => ProxyError::Timeout { target, timeout },
        SdkError::ServiceError(service) => {
            let err = service.into_err();
            let said =
                LambdaSaid { status, code: err.code().map(str::to_owned), message: err.message().map(str::to_owned) };
            by_cause(target, err.cause(), said, None)
        }
        SdkError::DispatchFailure(_) => ProxyError::Invoke { target, source: InvokeFailure::Unreachable(err.into()) },
        other => ProxyError::Invoke { target, source: InvokeFailure::Sdk(other.into()) },
    }
}

/// One status per cause, for the SDK's errors and the direct Invoke's alike. An error
/// without a type (an emulator's, say) is classified by its HTTP status, which AWS documents
/// per error; `said` is the one-line account of what Lambda answered.
fn by_cause(target: Target, cause: Cause, said: LambdaSaid, retry_after: Option<String>) -> ProxyError {
    let untyped = said.code.is_none();
    match (cause, said.status) {
        (Cause::NotFound, _) => ProxyError::NotFound { target, said },
        (Cause::Throttled(retry_after), _) => ProxyError::Throttled { target, retry_after },
        (Cause::TooLarge, _) => ProxyError::UpstreamTooLarge { target, said },
        (Cause::Other, Some(404)) if untyped => ProxyError::NotFound { target, said },
        (Cause::Other, Some(413)) if untyped => ProxyError::UpstreamTooLarge { target, said },
        (Cause::Other, Some(429)) if untyped => ProxyError::Throttled { target, retry_after },
        (Cause::Other, _) => ProxyError::Invoke { target, source: InvokeFailure::Refused(said) },
    }
}
