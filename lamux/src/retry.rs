//! When an Invoke may be sent again: a function runs at most once per request. Pure.
//!
//! lamux follows nginx's `proxy_next_upstream` default and envoy's `reset-before-request`:
//! - a failure that proves the function did not run is retried whatever the method: no
//!   connection, a connection closed before any byte of the request was written, a throttle
//!   (429 `TooManyRequestsException`), and Lambda's errors that come before the function
//!   starts (an ENI, subnet, KMS or SnapStart error, a function that is not ready yet);
//! - once the request was written, a failure may have come after the function ran (a 500
//!   `ServiceException`, a connection that broke before or during the answer). Such a
//!   failure is retried only for GET, HEAD, OPTIONS and TRACE, the methods a client may
//!   repeat itself (RFC 9110 §9.2.2 lists PUT and DELETE too, but a function's PUT may well
//!   append, as nginx assumes for POST and PATCH).

use std::error::Error;

use aws_sdk_lambda::error::ProvideErrorMetadata as _;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction, RetryClassifierPriority};
use http::Method;

/// Whether a request may reach its function twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// GET, HEAD, OPTIONS, TRACE: retried after any transient failure.
    Allowed,
    /// Every other method: retried only when the function provably did not run.
    OnlyUnsent,
}

impl Replay {
    pub fn for_method(method: &Method) -> Self {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
            Self::Allowed
        } else {
            Self::OnlyUnsent
        }
    }
}

/// What a failed attempt says about the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transient, and the function did not run: retried for every method.
    NotRun,
    /// Transient, but the function may have run: retried only when the method allows.
    MayHaveRun,
    /// Another attempt would fail the same way.
    Final,
}

impl Verdict {
    pub fn retry(self, replay: Replay) -> bool {
        match self {
            Self::NotRun => true,
            Self::MayHaveRun => replay == Replay::Allowed,
            Self::Final => false,
        }
    }

    /// Lambda answered with an error status (and, usually, an error type).
    pub fn of_answer(status: u16, code: Option<&str>) -> Self {
        let transient = matches!(status, 429 | 500 | 502 | 503 | 504);
        match code {
            Some(code) if is_throttling(code) => Self::NotRun,
            _ if status == 429 => Self::NotRun,
            Some(code) if transient && BEFORE_FUNCTION.contains(&code) => Self::NotRun,
            _ if transient => Self::MayHaveRun,
            _ => Self::Final,
        }
    }

    /// The connection failed: whether any byte of the request was written is read from the
    /// typed errors of hyper-util (a failed connect) and hyper (a request canceled before it
    /// started, which hyper pairs with handing the unsent request back).
    pub fn of_transport(err: &(dyn Error + 'static)) -> Self {
        if never_written(err) { Self::NotRun } else { Self::MayHaveRun }
    }
}

/// The error types of the Invoke API that Lambda returns before the function's code runs
/// (AWS Lambda API reference, Invoke, Errors): the execution environment could not be set
/// up or the function is not ready yet.
const BEFORE_FUNCTION: &[&str] = &[
    "ResourceNotReadyException",
    "EC2ThrottledException",
    "EC2UnexpectedException",
    "EC2AccessDeniedException",
    "ENILimitReachedException",
    "SubnetIPAddressLimitReachedException",
    "InvalidSubnetIDException",
    "InvalidSecurityGroupIDException",
    "InvalidZipFileException",
    "InvalidRuntimeException",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "SnapStartNotReadyException",
    "SnapStartTimeoutException",
];

/// The error codes the SDK's standard retry mode treats as throttling.
fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "ProvisionedThroughputExceededException"
            | "TransactionInProgressException"
            | "RequestLimitExceeded"
            | "BandwidthLimitExceeded"
            | "LimitExceededException"
            | "RequestThrottled"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "EC2ThrottledException"
    )
}

fn never_written(err: &(dyn Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(cause) = next {
        if cause.downcast_ref::<hyper_util::client::legacy::Error>().is_some_and(|e| e.is_connect())
            || cause.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_canceled)
        {
            return true;
        }
        next = cause.source();
    }
    false
}

/// The same rule for the SDK's calls (the fallback Invoke and InvokeWithResponseStream),
/// added to a request whose method does not allow a replay. It runs after the SDK's own
/// classifiers and forbids what they would retry when the function may have run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForbidReplay;

impl ClassifyRetry for ForbidReplay {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(err)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let verdict = if let Some(connector) = err.as_connector_error() {
            Verdict::of_transport(connector)
        } else if let Some(status) = ctx.response().map(|response| response.status().as_u16()) {
            let code = err.as_operation_error().and_then(|err| {
                use aws_sdk_lambda::operation::{invoke::InvokeError, invoke_with_response_stream as stream};
                err.downcast_ref::<InvokeError>()
                    .and_then(|e| e.code())
                    .or_else(|| err.downcast_ref::<stream::InvokeWithResponseStreamError>().and_then(|e| e.code()))
            });
            Verdict::of_answer(status, code)
        } else {
            // A response that could not be read, or a timeout: the request was sent.
            Verdict::MayHaveRun
        };
        if verdict == Verdict::MayHaveRun { RetryAction::RetryForbidden } else { RetryAction::NoActionIndicated }
    }

    fn name(&self) -> &'static str {
        "lamux: no replay of a request that may have run its function"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_methods_replay() {
        for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
            assert_eq!(Replay::for_method(&method), Replay::Allowed, "{method}");
        }
        for method in
            [Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::from_bytes(b"LOCK").expect("a method")]
        {
            assert_eq!(Replay::for_method(&method), Replay::OnlyUnsent, "{method}");
        }
    }

    #[test]
    fn lambdas_answers_say_whether_the_function_ran() {
        let cases = [
            (429, Some("TooManyRequestsException"), Verdict::NotRun),
            (429, None, Verdict::NotRun),
            (502, Some("EC2ThrottledException"), Verdict::NotRun),
            (502, Some("ResourceNotReadyException"), Verdict::NotRun),
            (502, Some("ENILimitReachedException"), Verdict::NotRun),
            (500, Some("ServiceException"), Verdict::MayHaveRun),
            (503, None, Verdict::MayHaveRun),
            (504, Some("SomethingNew"), Verdict::MayHaveRun),
            (404, Some("ResourceNotFoundException"), Verdict::Final),
            (413, Some("RequestTooLargeException"), Verdict::Final),
            (400, Some("InvalidRequestContentException"), Verdict::Final),
        ];
        for (status, code, verdict) in cases {
            assert_eq!(Verdict::of_answer(status, code), verdict, "{status} {code:?}");
        }
    }

    #[test]
    fn the_verdict_and_the_method_decide_together() {
        assert!(Verdict::NotRun.retry(Replay::OnlyUnsent));
        assert!(Verdict::NotRun.retry(Replay::Allowed));
        assert!(!Verdict::MayHaveRun.retry(Replay::OnlyUnsent));
        assert!(Verdict::MayHaveRun.retry(Replay::Allowed));
        assert!(!Verdict::Final.retry(Replay::Allowed));
    }

    #[test]
    fn an_error_without_proof_of_an_unsent_request_may_have_run() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(Verdict::of_transport(&io), Verdict::MayHaveRun);
    }

    /// A refused connection is a connect error of hyper-util's: nothing was written.
    #[tokio::test]
    async fn a_refused_connection_never_wrote_the_request() {
        use hyper_util::client::legacy::Client;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let client: Client<_, http_body_util::Empty<bytes::Bytes>> =
            Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        let err = client.get(format!("http://{closed}/").parse().expect("a URI")).await.expect_err("nothing listens");
        assert_eq!(Verdict::of_transport(&err), Verdict::NotRun);
    }
}
