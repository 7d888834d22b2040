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
    #[error("forbidden: {0}")]
    NotFromOrigin(#[from] NotFromOrigin),
    #[error("{target} is lamux's own function; refusing to invoke it (a routing loop)")]
    Recursion { target: Target },
    #[error("function or alias not found: {message}")]
    NotFound { message: String },
    #[error("Lambda throttled the invocation of {target}")]
    Throttled { target: Target, retry_after: Option<String> },
    #[error("Lambda refused the request as too large: {message}")]
    UpstreamTooLarge { message: String },
    #[error("function {target} failed ({kind}): {error_type}: {error_message}")]
    FunctionError { target: Target, kind: String, error_type: String, error_message: String },
    #[error("function {target} returned an invalid response: {source}")]
    BadResponse { target: Target, source: DecodeError },
    #[error("invoking {target} failed: {message}")]
    Invoke { target: Target, message: String },
    #[error("no answer from {target} within {timeout:?}")]
    Timeout { target: Target, timeout: Duration },
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
            Self::Route(_) | Self::Encode(_) | Self::BodyRead(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge | Self::UpstreamTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Recursion { .. } => StatusCode::LOOP_DETECTED,
            Self::Denied(_) | Self::NotFromOrigin(_) => StatusCode::FORBIDDEN,
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
            (ProxyError::UpstreamTooLarge { message: String::new() }, 413),
            (ProxyError::Recursion { target: target() }, 508),
            (ProxyError::Denied(Denied::Alias("dev".into())), 403),
            (ProxyError::NotFromOrigin(NotFromOrigin::Missing), 403),
            (ProxyError::NotFound { message: String::new() }, 404),
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
            (ProxyError::Invoke { target: target(), message: String::new() }, 502),
            (ProxyError::Timeout { target: target(), timeout: Duration::from_secs(1) }, 504),
        ];
        for (err, status) in cases {
            assert_eq!(err.status().as_u16(), status, "{err}");
        }
    }

    #[test]
    fn retry_after_is_passed_on() {
        let response =
            ProxyError::Throttled { target: target(), retry_after: Some("7".into()) }.into_response(false, "");
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
