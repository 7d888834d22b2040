//! Which of the three ways to serve: a local server, a Lambda function behind a Function URL,
//! or a Lambda extension beside another function's handler.

use std::fmt;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// A local or container HTTP server.
    Server,
    /// The `bootstrap` of a function behind a Function URL.
    Function,
    /// An external extension in `/opt/extensions`, serving the function on a local port.
    Extension,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Server => "server",
            Self::Function => "function",
            Self::Extension => "extension",
        })
    }
}

impl Mode {
    /// An explicit `--mode` wins. Otherwise, as the original did: outside Lambda (no
    /// `AWS_LAMBDA_RUNTIME_API`) a server; inside Lambda with a handler (`_HANDLER`, set for a
    /// function's runtime) a function; inside Lambda without one, an extension.
    pub fn resolve(explicit: Option<Mode>, runtime_api: Option<&str>, handler: Option<&str>) -> Mode {
        let non_empty = |value: Option<&str>| value.is_some_and(|v| !v.is_empty());
        match explicit {
            Some(mode) => mode,
            None if !non_empty(runtime_api) => Self::Server,
            None if non_empty(handler) => Self::Function,
            None => Self::Extension,
        }
    }
}

/// `AWS_LAMBDA_RUNTIME_API` as a URI: Lambda sets `host:port`; emulators may add a scheme
/// and a base path (`http://127.0.0.1:9000/.rt/echo`).
pub fn runtime_api_uri(value: &str) -> Result<http::Uri, http::uri::InvalidUri> {
    let value = value.trim().trim_end_matches('/');
    if value.contains("://") { value.parse() } else { format!("http://{value}").parse() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_mode_follows_the_lambda_environment() {
        let cases = [
            (None, None, None, Mode::Server),
            (None, Some(""), Some("bootstrap"), Mode::Server),
            (None, Some("127.0.0.1:9001"), Some("bootstrap"), Mode::Function),
            (None, Some("127.0.0.1:9001"), None, Mode::Extension),
            (None, Some("127.0.0.1:9001"), Some(""), Mode::Extension),
            (Some(Mode::Server), Some("127.0.0.1:9001"), Some("bootstrap"), Mode::Server),
            (Some(Mode::Extension), None, None, Mode::Extension),
        ];
        for (explicit, api, handler, want) in cases {
            assert_eq!(Mode::resolve(explicit, api, handler), want, "{explicit:?} {api:?} {handler:?}");
        }
    }

    #[test]
    fn runtime_api_with_and_without_scheme() {
        for (value, want) in [
            ("127.0.0.1:9001", "http://127.0.0.1:9001/"),
            ("http://127.0.0.1:9001", "http://127.0.0.1:9001/"),
            ("127.0.0.1:9000/.rt/echo", "http://127.0.0.1:9000/.rt/echo"),
            ("http://127.0.0.1:9000/.rt/", "http://127.0.0.1:9000/.rt"),
        ] {
            assert_eq!(runtime_api_uri(value).expect(value).to_string(), want);
        }
        assert!(runtime_api_uri("not a uri").is_err());
    }
}
