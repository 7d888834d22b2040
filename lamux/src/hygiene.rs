//! Requests a reverse proxy must refuse before routing them anywhere. Pure.
//!
//! lamux is a reverse proxy: it never tunnels (CONNECT) nor acts as a forward proxy
//! (absolute-form targets). hyper has already refused malformed heads (400), too many or
//! too large headers (431) and a Transfer-Encoding other than chunked; a request with both
//! Content-Length and chunked Transfer-Encoding reaches lamux without the Content-Length,
//! and hyper closes its connection after the answer (RFC 9112 §6.3), so bytes behind the
//! chunked body never become a request.

use http::Method;
use http::request::Parts;

/// Why a request was refused before routing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("CONNECT is not served: lamux is not a tunnel")]
    Connect,
    #[error("absolute-form request target {0:?}: lamux is not a forward proxy")]
    AbsoluteForm(String),
}

/// Check a request as it came off a client connection. `off_the_wire` is false in Function
/// URL mode, where the request was rebuilt from an event and carries an absolute URI.
pub fn check(parts: &Parts, off_the_wire: bool) -> Result<(), Refused> {
    if parts.method == Method::CONNECT {
        return Err(Refused::Connect);
    }
    if off_the_wire && parts.uri.scheme().is_some() {
        return Err(Refused::AbsoluteForm(parts.uri.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str) -> Parts {
        http::Request::builder().method(method).uri(uri).body(()).expect("request").into_parts().0
    }

    #[test]
    fn refuses_tunnels_and_forward_proxying() {
        let cases = [
            (parts("CONNECT", "example.com:443"), true, Err(Refused::Connect)),
            (parts("CONNECT", "example.com:443"), false, Err(Refused::Connect)),
            (
                parts("GET", "http://live-app.example.com/x"),
                true,
                Err(Refused::AbsoluteForm("http://live-app.example.com/x".into())),
            ),
            (parts("GET", "https://live-app.example.com/x"), false, Ok(())),
            (parts("POST", "/x?y=1"), true, Ok(())),
            (parts("OPTIONS", "*"), true, Ok(())),
        ];
        for (parts, off_the_wire, expected) in cases {
            assert_eq!(check(&parts, off_the_wire), expected, "{} {}", parts.method, parts.uri);
        }
    }
}
