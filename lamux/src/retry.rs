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

    /// Lambda answered with an error status (and, usually, an error type), or an answer
    /// came with a 2xx status and then failed. Lambda's error types decide first, whatever
    /// the status: SnapStart's errors are a 408 and a 409, and the function never ran.
    pub fn of_answer(status: u16, code: Option<&str>) -> Self {
        match code {
            Some(code) if is_throttling(code) || BEFORE_FUNCTION.contains(&code) => Self::NotRun,
            _ if status == 429 => Self::NotRun,
            // A 2xx that still failed (its body broke off, or could not be read): Lambda
            // answered, so the function ran.
            _ if (200..300).contains(&status) => Self::MayHaveRun,
            _ if matches!(status, 500 | 502 | 503 | 504) => Self::MayHaveRun,
            _ => Self::Final,
        }
    }

    /// The connection failed: whether any byte of the request was written is read from the
    /// typed errors of lamux's connections ([`crate::upstream::Unwritten`]: no connection,
    /// or one closed before the request went out), hyper-util's (a failed connect, for the
    /// SDK's calls) and hyper's (a request canceled before it started, which hyper pairs
    /// with handing the unsent request back).
    pub fn of_transport(err: &(dyn Error + 'static)) -> Self {
        if never_written(err) { Self::NotRun } else { Self::MayHaveRun }
    }
}

/// The error types of the Invoke API that Lambda returns before the function's code runs
/// (AWS Lambda API reference, Invoke, Errors): the execution environment could not be set
/// up (its network interface, its file system mount, its keys, its code or runtime), or the
/// function is not ready yet.
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
    "EFSMountConnectivityException",
    "EFSMountTimeoutException",
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
        if cause.is::<crate::upstream::Unwritten>()
            || cause.downcast_ref::<hyper_util::client::legacy::Error>().is_some_and(|e| e.is_connect())
            || cause.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_canceled)
        {
            return true;
        }
        next = cause.source();
    }
    false
}

/// The same rule for the SDK's calls (the fallback Invoke and InvokeWithResponseStream). It
/// runs after the SDK's own classifiers and has the last word: it retries what proves the
/// function did not run (SnapStart's 408 and 409 too, which the SDK would not), and, for a
/// method that must not be replayed, forbids what they would retry when the function may
/// have run.
#[derive(Debug, Clone, Copy)]
pub struct ForbidReplay {
    pub replay: Replay,
}

impl ClassifyRetry for ForbidReplay {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        self.classify_retry_v2(ctx, &RetryAction::NoActionIndicated)
    }

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        match (sdk_verdict(ctx), self.replay) {
            // The SDK's own verdict (a throttle's kind) stands when it already retries.
            (Some(Verdict::NotRun), _) if *previous == RetryAction::NoActionIndicated => RetryAction::transient_error(),
            (Some(Verdict::MayHaveRun), Replay::OnlyUnsent) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "lamux: no replay of a request that may have run its function"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// What a failed SDK attempt says about the function; `None` when it did not fail.
fn sdk_verdict(ctx: &InterceptorContext) -> Option<Verdict> {
    let Some(Err(err)) = ctx.output_or_error() else {
        return None;
    };
    if let Some(connector) = err.as_connector_error() {
        return Some(Verdict::of_transport(connector));
    }
    let status = ctx.response().map(|response| response.status().as_u16());
    Some(match (err.as_operation_error(), status) {
        (Some(err), Some(status)) => {
            use aws_sdk_lambda::operation::{invoke::InvokeError, invoke_with_response_stream as stream};
            let code = err
                .downcast_ref::<InvokeError>()
                .and_then(|e| e.code())
                .or_else(|| err.downcast_ref::<stream::InvokeWithResponseStreamError>().and_then(|e| e.code()));
            Verdict::of_answer(status, code)
        }
        // A response that broke off or could not be read, a timeout, or an error the SDK
        // does not place: the request was sent, and may have run the function.
        _ => Verdict::MayHaveRun,
    })
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

    /// Every error of the Invoke operation, with the status AWS's API reference gives it
    /// (AWS Lambda API reference, Invoke, "Errors"; the same list in aws-sdk-lambda's
    /// `InvokeError`), and what it says about the function.
    #[test]
    fn every_invoke_error_says_whether_the_function_ran() {
        use Verdict::{Final, MayHaveRun, NotRun};
        let cases = [
            // The execution environment could not be set up: the code never started.
            (502, "EC2AccessDeniedException", NotRun),
            (502, "EC2ThrottledException", NotRun),
            (502, "EC2UnexpectedException", NotRun),
            (408, "EFSMountConnectivityException", NotRun),
            (408, "EFSMountTimeoutException", NotRun),
            (502, "ENILimitReachedException", NotRun),
            (502, "InvalidRuntimeException", NotRun),
            (502, "InvalidSecurityGroupIDException", NotRun),
            (502, "InvalidSubnetIDException", NotRun),
            (502, "InvalidZipFileException", NotRun),
            (502, "KMSAccessDeniedException", NotRun),
            (502, "KMSDisabledException", NotRun),
            (502, "KMSInvalidStateException", NotRun),
            (502, "KMSNotFoundException", NotRun),
            (502, "ResourceNotReadyException", NotRun),
            (409, "SnapStartNotReadyException", NotRun),
            (408, "SnapStartTimeoutException", NotRun),
            (502, "SubnetIPAddressLimitReachedException", NotRun),
            (429, "TooManyRequestsException", NotRun),
            // Lambda failed, maybe after the function ran: retried for safe methods only.
            (500, "ServiceException", MayHaveRun),
            // Refusals that another attempt meets again; and EFSIOException, raised while
            // the function ran (a read or write of its file system): never retried.
            (410, "EFSIOException", Final),
            (403, "EFSMountFailureException", Final),
            (400, "InvalidParameterValueException", Final),
            (400, "InvalidRequestContentException", Final),
            (400, "RecursiveInvocationException", Final),
            (413, "RequestTooLargeException", Final),
            (409, "ResourceConflictException", Final),
            (404, "ResourceNotFoundException", Final),
            (413, "SerializedRequestEntityTooLargeException", Final),
            (400, "SnapStartException", Final),
            (415, "UnsupportedMediaTypeException", Final),
        ];
        for (status, code, verdict) in cases {
            assert_eq!(Verdict::of_answer(status, Some(code)), verdict, "{status} {code}");
        }
    }

    #[test]
    fn statuses_decide_when_no_type_does() {
        let cases = [
            (429, None, Verdict::NotRun),
            (400, Some("ThrottlingException"), Verdict::NotRun),
            (503, None, Verdict::MayHaveRun),
            (504, Some("SomethingNew"), Verdict::MayHaveRun),
            // An answer that came with a 2xx and then failed: Lambda ran the function.
            (200, None, Verdict::MayHaveRun),
            (202, None, Verdict::MayHaveRun),
            (404, None, Verdict::Final),
            (408, Some("SomethingNew"), Verdict::Final),
        ];
        for (status, code, verdict) in cases {
            assert_eq!(Verdict::of_answer(status, code), verdict, "{status} {code:?}");
        }
    }

    /// The SDK path's classifier itself (issue 33: only the integration tests caught it being
    /// switched off): what it says for each kind of failed attempt, under each method.
    #[test]
    fn the_sdk_classifier_holds_the_same_rule() {
        use aws_sdk_lambda::error::ErrorMetadata;
        use aws_sdk_lambda::operation::invoke::InvokeError;
        use aws_smithy_runtime_api::client::interceptors::context::{Error as Erased, Input};
        use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
        use aws_smithy_runtime_api::http::{Response, StatusCode};
        use aws_smithy_types::body::SdkBody;

        let context = |status: u16, error: OrchestratorError<Erased>| {
            let mut ctx = InterceptorContext::new(Input::erase(()));
            ctx.set_response(Response::new(StatusCode::try_from(status).expect("a status"), SdkBody::empty()));
            ctx.set_output_or_error(Err(error));
            ctx
        };
        let typed = |code: &str| {
            let error = InvokeError::generic(ErrorMetadata::builder().code(code).build());
            OrchestratorError::operation(Erased::erase(error))
        };
        let broke_off = || OrchestratorError::response("the body ended after 14 of 1000 bytes".into());
        let post = ForbidReplay { replay: Replay::OnlyUnsent };
        let get = ForbidReplay { replay: Replay::Allowed };
        let none = RetryAction::NoActionIndicated;
        let cases = [
            ("a 200 that broke off", context(200, broke_off()), RetryAction::RetryForbidden, none.clone()),
            (
                "a 500 ServiceException",
                context(500, typed("ServiceException")),
                RetryAction::RetryForbidden,
                none.clone(),
            ),
            (
                "SnapStart's 408",
                context(408, typed("SnapStartTimeoutException")),
                RetryAction::transient_error(),
                RetryAction::transient_error(),
            ),
            (
                "a throttle on a 400",
                context(400, typed("ThrottlingException")),
                RetryAction::transient_error(),
                RetryAction::transient_error(),
            ),
            ("a 404", context(404, typed("ResourceNotFoundException")), none.clone(), none.clone()),
        ];
        for (case, ctx, for_post, for_get) in cases {
            assert_eq!(post.classify_retry(&ctx), for_post, "{case}, POST");
            assert_eq!(get.classify_retry(&ctx), for_get, "{case}, GET");
        }
        // The SDK's own verdict on a throttle (its kind, its backoff) stands.
        let throttled = context(429, typed("TooManyRequestsException"));
        assert_eq!(post.classify_retry_v2(&throttled, &RetryAction::throttling_error()), none);
        let answered = InterceptorContext::new(Input::erase(()));
        assert_eq!(post.classify_retry(&answered), none, "no attempt failed");
    }

    /// The SDK sorts its classifiers by priority and the last one's action stands: ours must
    /// come after every one of the SDK's, or a transient-error classifier would retry a POST
    /// that may have run.
    #[test]
    fn the_sdk_classifier_has_the_last_word() {
        let ours = ForbidReplay { replay: Replay::OnlyUnsent }.priority();
        for sdk in [
            RetryClassifierPriority::http_status_code_classifier(),
            RetryClassifierPriority::modeled_as_retryable_classifier(),
            RetryClassifierPriority::transient_error_classifier(),
        ] {
            assert!(ours > sdk, "{ours:?} must run after {sdk:?}");
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
