//! Every way a request can fail, and the one place each becomes an HTTP status.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::access::Denied;
use crate::event::{EncodeError, MAX_PAYLOAD};
use crate::hygiene::Refused;
use crate::origin::NotFromOrigin;
use crate::response::DecodeError;
use crate::route::{RouteError, Target};

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("refused: {0}")]
    Refused(#[from] Refused),
    #[error("host does not route to a function: {0}")]
    Route(#[from] RouteError),
    #[error("bad request: {0}")]
    Encode(EncodeError),
    #[error("request body is larger than Lambda's {MAX_PAYLOAD}-byte limit")]
    BodyTooLarge,
    #[error("could not read the request body: {0}")]
    BodyRead(#[source] axum::Error),
    #[error("not allowed: {0}")]
    Denied(#[from] Denied),
    #[error("bad alias-cookie link: {0}")]
    BadOverrideLink(BadLink),
    #[error("the alias-cookie link was followed from another site (Sec-Fetch-Site: cross-site)")]
    CrossSiteLink,
    #[error("forbidden: {0}")]
    NotFromOrigin(#[from] NotFromOrigin),
    #[error("{target} is lamux's own function; refusing to invoke it (a routing loop)")]
    Recursion { target: Target },
    #[error("function or alias {target} not found")]
    NotFound {
        target: Target,
        #[source]
        said: LambdaSaid,
    },
    #[error("Lambda throttled the invocation of {target}")]
    Throttled { target: Target, retry_after: Option<String> },
    #[error("Lambda refused the request to {target} as too large")]
    UpstreamTooLarge {
        target: Target,
        #[source]
        said: LambdaSaid,
    },
    #[error("function {target} failed ({kind}): {error_type}: {error_message}")]
    FunctionError { target: Target, kind: String, error_type: String, error_message: String },
    #[error("function {target} returned an invalid response: {source}")]
    BadResponse { target: Target, source: DecodeError },
    #[error("invoking {target} failed")]
    Invoke {
        target: Target,
        #[source]
        source: InvokeFailure,
    },
    #[error("no answer from {target} within {timeout:?}")]
    Timeout { target: Target, timeout: Duration },
}

/// What is wrong with an alias-cookie link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadLink {
    #[error("no `alias` parameter")]
    NoAlias,
    #[error(transparent)]
    Target(#[from] crate::link::BadTarget),
}

/// A boxed error from a library, kept as the source of ours.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What Lambda answered when it refused an Invoke: its status, error type and message.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("Lambda answered{}{}{}", status.map(|s| format!(" HTTP {s}")).unwrap_or_default(),
    code.as_deref().map(|c| format!(", {c}")).unwrap_or_else(|| ", an unknown error".to_owned()),
    message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct LambdaSaid {
    pub status: Option<u16>,
    /// The error type (`ResourceNotFoundException`), when the answer names one.
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Why an Invoke gave no usable answer (a 502), with what caused it.
#[derive(Debug, thiserror::Error)]
pub enum InvokeFailure {
    /// An error of Lambda's that has no status of its own.
    #[error(transparent)]
    Refused(LambdaSaid),
    /// No answer: the endpoint could not be reached, or failed before answering. Retried
    /// as [`crate::retry`] says: whatever the method when nothing was written.
    #[error("cannot reach the Lambda endpoint")]
    Unreachable(#[source] BoxError),
    /// The answer started and broke off: retried for safe methods only.
    #[error("the answer broke off")]
    BrokeOff(#[source] BoxError),
    #[error("the answer is over Lambda's {MAX_PAYLOAD}-byte limit")]
    TooLarge,
    #[error("no AWS credentials")]
    Credentials(#[source] BoxError),
    #[error("cannot build the request")]
    Request(#[source] BoxError),
    #[error(transparent)]
    Tls(#[from] std::sync::Arc<crate::tls::TlsError>),
    /// The SDK's call failed in a way it does not type further.
    #[error("the SDK's call failed")]
    Sdk(#[source] BoxError),
    #[error("the response stream broke")]
    StreamBroke(#[source] BoxError),
    #[error("invalid HTTP response stream: {0}")]
    BadStream(&'static str),
}

/// An error and its sources, each once, joined with `: `: the one line the log and a
/// detailed error body say.
pub fn chain(err: &dyn std::error::Error) -> String {
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

/// What a 405 lists in `Allow`: lamux passes every method but CONNECT on to functions.
const SERVED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE";

impl From<EncodeError> for ProxyError {
    fn from(err: EncodeError) -> Self {
        match err {
            EncodeError::TooLarge { .. } => Self::BodyTooLarge,
            other => Self::Encode(other),
        }
    }
}

impl ProxyError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused(Refused::Connect) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Refused(_) => StatusCode::BAD_REQUEST,
            Self::Route(_) | Self::Encode(_) | Self::BodyRead(_) | Self::BadOverrideLink(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge | Self::UpstreamTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Recursion { .. } => StatusCode::LOOP_DETECTED,
            Self::Denied(_) | Self::NotFromOrigin(_) | Self::CrossSiteLink => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::FunctionError { .. } | Self::BadResponse { .. } | Self::Invoke { .. } => StatusCode::BAD_GATEWAY,
            Self::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The response a client sees. Without details the body is only the status text, so no
    /// function name, ARN or account id leaves lamux. `message` is this error's Display,
    /// already formatted for the log.
    pub fn into_response(self, details: bool, message: &str) -> Response {
        let status = self.status();
        let body = if details {
            format!("{message}\n")
        } else {
            format!("{}\n", status.canonical_reason().unwrap_or("Error"))
        };
        let mut response = (status, body).into_response();
        if let Self::Throttled { retry_after: Some(seconds), .. } = &self
            && let Ok(value) = HeaderValue::from_str(seconds)
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if let Self::Refused(Refused::Connect) = &self {
            // A 405 names the methods that are served (RFC 9110 §15.5.6): all but CONNECT.
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(SERVED_METHODS));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target { function: "f".into(), alias: "live".into() }
    }

    #[test]
    fn one_status_per_cause() {
        let cases = [
            (ProxyError::Refused(Refused::Connect), 405),
            (ProxyError::Refused(Refused::AbsoluteForm("http://x/".into())), 400),
            (ProxyError::Route(RouteError::MissingHost), 400),
            (ProxyError::Encode(EncodeError::QueryNotUtf8), 400),
            (ProxyError::from(EncodeError::TooLarge { size: MAX_PAYLOAD + 1 }), 413),
            (ProxyError::UpstreamTooLarge { target: target(), said: LambdaSaid::default() }, 413),
            (ProxyError::Recursion { target: target() }, 508),
            (ProxyError::Denied(Denied::Alias("dev".into())), 403),
            (ProxyError::NotFromOrigin(NotFromOrigin::Missing), 403),
            (ProxyError::CrossSiteLink, 403),
            (ProxyError::BadOverrideLink(BadLink::NoAlias), 400),
            (ProxyError::NotFound { target: target(), said: LambdaSaid::default() }, 404),
            (ProxyError::Throttled { target: target(), retry_after: None }, 429),
            (
                ProxyError::FunctionError {
                    target: target(),
                    kind: "Unhandled".into(),
                    error_type: "E".into(),
                    error_message: "m".into(),
                },
                502,
            ),
            (ProxyError::Invoke { target: target(), source: InvokeFailure::TooLarge }, 502),
            (ProxyError::Timeout { target: target(), timeout: Duration::from_secs(1) }, 504),
        ];
        for (err, status) in cases {
            assert_eq!(err.status().as_u16(), status, "{err}");
        }
    }

    /// Issue 15: these errors kept only a message; the cause is now their source, and the
    /// log line and detailed body still read as one line.
    #[test]
    fn causes_are_sources_and_read_as_one_line() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = ProxyError::Invoke { target: target(), source: InvokeFailure::Unreachable(Box::new(refused)) };
        let io = std::error::Error::source(&err)
            .and_then(std::error::Error::source)
            .and_then(|cause| cause.downcast_ref::<std::io::Error>())
            .expect("the io error is the root cause");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
        assert_eq!(chain(&err), "invoking f:live failed: cannot reach the Lambda endpoint: connection refused");
        let said = LambdaSaid {
            status: Some(404),
            code: Some("ResourceNotFoundException".into()),
            message: Some("no f".into()),
        };
        let err = ProxyError::NotFound { target: target(), said };
        assert_eq!(
            chain(&err),
            "function or alias f:live not found: Lambda answered HTTP 404, ResourceNotFoundException: no f"
        );
    }

    #[test]
    fn retry_after_is_passed_on() {
        let response =
            ProxyError::Throttled { target: target(), retry_after: Some("7".into()) }.into_response(false, "");
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
