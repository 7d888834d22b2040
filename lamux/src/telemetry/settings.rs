//! The tracing flags, checked and normalized once at start. Pure.

use crate::config::{Cli, TraceProtocol};
use crate::mode::Mode;

/// A tracing flag lamux cannot use; lamux stops at start with it.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("--trace-stdout and --trace-endpoint exclude each other")]
    TwoDestinations,
    #[error("--trace-endpoint {0:?} is not a URL")]
    NotAUrl(String, #[source] http::uri::InvalidUri),
    #[error("--trace-endpoint {0:?} must be host:port or an http(s) URL")]
    NotHttp(String),
    #[error("--trace-endpoint {0:?}: a gRPC endpoint has no path")]
    GrpcPath(String),
    #[error("trace header {0:?} is not k=v")]
    HeaderNotPair(String),
    #[error("trace header {0:?} is not UTF-8 once decoded")]
    HeaderNotUtf8(String, #[source] std::str::Utf8Error),
    #[error("{0:?} is not a header name")]
    HeaderName(String, #[source] http::header::InvalidHeaderName),
    // The value is secret (an API key, say): never repeated in an error, its source's
    // message included (http's says only "failed to parse header value").
    #[error("the value of trace header {0:?} is not valid")]
    HeaderValue(String, #[source] http::header::InvalidHeaderValue),
}

/// Where spans (and metrics) go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// OTLP JSON lines on stdout; spans only.
    Stdout,
    /// An OTLP endpoint: spans and metrics.
    Otlp { protocol: TraceProtocol, url: String, headers: http::HeaderMap },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub destination: Destination,
    pub service: String,
    /// Export a request's spans (and metrics) before answering it: with `--trace-batch=false`,
    /// and always as a Function URL's function, whose sandbox may freeze right after.
    pub flush_each_request: bool,
}

impl Settings {
    /// `None` when tracing is off (neither `--trace-stdout` nor `--trace-endpoint`).
    pub fn from_cli(cli: &Cli, mode: Mode) -> Result<Option<Self>, SettingsError> {
        let destination = match (cli.trace_stdout, cli.trace_endpoint.as_deref().filter(|e| !e.is_empty())) {
            (true, Some(_)) => return Err(SettingsError::TwoDestinations),
            (false, None) => return Ok(None),
            (true, None) => Destination::Stdout,
            (false, Some(endpoint)) => Destination::Otlp {
                protocol: cli.trace_protocol,
                url: endpoint_url(endpoint, cli.trace_insecure, cli.trace_protocol)?,
                headers: parse_headers(cli.trace_headers.as_deref().unwrap_or(""))?,
            },
        };
        Ok(Some(Self {
            destination,
            service: cli.trace_service.clone(),
            flush_each_request: !cli.trace_batch || mode == Mode::Function,
        }))
    }
}

/// `host:port` (the original lamux's form) becomes a URL, `http` with `--trace-insecure`,
/// else `https`; a URL is kept. For http/protobuf the result is the base that `/v1/traces`
/// and `/v1/metrics` are appended to, as the OTel spec says for OTEL_EXPORTER_OTLP_ENDPOINT.
pub fn endpoint_url(endpoint: &str, insecure: bool, protocol: TraceProtocol) -> Result<String, SettingsError> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    let url = if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("{}://{endpoint}", if insecure { "http" } else { "https" })
    };
    let uri: http::Uri = url.parse().map_err(|err| SettingsError::NotAUrl(endpoint.to_owned(), err))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(SettingsError::NotHttp(endpoint.to_owned()));
    }
    if protocol == TraceProtocol::Grpc && !matches!(uri.path(), "" | "/") {
        return Err(SettingsError::GrpcPath(endpoint.to_owned()));
    }
    Ok(url)
}

/// `k=v;k2=v2` (the original lamux's form) or `k=v,k2=v2` (the OTel spec's, with values
/// percent-decoded).
pub fn parse_headers(input: &str) -> Result<http::HeaderMap, SettingsError> {
    input
        .split([';', ','])
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            // The name only: the pair may hold a secret value.
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| SettingsError::HeaderNotPair(pair.split(':').next().unwrap_or("").to_owned()))?;
            let name = name.trim().to_ascii_lowercase();
            let value = percent_encoding::percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|err| SettingsError::HeaderNotUtf8(name.clone(), err))?;
            let header = http::HeaderName::try_from(name.as_str())
                .map_err(|err| SettingsError::HeaderName(name.clone(), err))?;
            let value = http::HeaderValue::try_from(value.as_ref())
                .map_err(|err| SettingsError::HeaderValue(name.clone(), err))?;
            Ok((header, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_take_both_forms() {
        let http = TraceProtocol::HttpProtobuf;
        let url = |endpoint, insecure, protocol| endpoint_url(endpoint, insecure, protocol).expect("valid");
        assert_eq!(url("collector:4318", true, http), "http://collector:4318");
        assert_eq!(url("collector:4318", false, http), "https://collector:4318");
        assert_eq!(url("http://c:4318/", false, http), "http://c:4318");
        assert_eq!(url("https://api.example/otlp", true, http), "https://api.example/otlp");
        assert_eq!(url("http://c:4317", false, TraceProtocol::Grpc), "http://c:4317");
        assert!(endpoint_url("http://c:4317/v1", false, TraceProtocol::Grpc).is_err());
        assert!(endpoint_url("ftp://c", false, http).is_err());
        let err = endpoint_url("not a host", false, http).expect_err("refused");
        assert!(matches!(err, SettingsError::NotAUrl(_, _)), "the parser's error is kept as the source: {err:?}");
    }

    fn settings(args: &[&str], mode: Mode) -> Result<Option<Settings>, SettingsError> {
        use clap::Parser as _;
        let cli = Cli::try_parse_from(std::iter::once("lamux").chain(args.iter().copied())).expect("valid flags");
        Settings::from_cli(&cli, mode)
    }

    #[test]
    fn a_function_url_function_exports_each_request_before_answering() {
        let flush = |args: &[&str], mode| settings(args, mode).expect("valid").expect("on").flush_each_request;
        assert!(flush(&["--trace-endpoint", "c:4318"], Mode::Function), "a frozen sandbox loses batches");
        assert!(!flush(&["--trace-endpoint", "c:4318"], Mode::Server));
        assert!(!flush(&["--trace-endpoint", "c:4318"], Mode::Extension), "flushed on SHUTDOWN instead");
        assert!(flush(&["--trace-stdout", "--trace-batch=false"], Mode::Server));
        assert_eq!(settings(&[], Mode::Server).expect("valid"), None, "off without a destination");
        assert!(settings(&["--trace-stdout", "--trace-endpoint", "c:4318"], Mode::Server).is_err());
    }

    #[test]
    fn headers_take_both_forms() {
        let pairs = |list: &[(&'static str, &'static str)]| {
            list.iter()
                .map(|(k, v)| (http::HeaderName::from_static(k), http::HeaderValue::from_static(v)))
                .collect::<http::HeaderMap>()
        };
        let parsed = |input| parse_headers(input).expect("valid");
        assert_eq!(parsed("a=1;B=2"), pairs(&[("a", "1"), ("b", "2")]));
        assert_eq!(parsed("a=1, b=x%20y"), pairs(&[("a", "1"), ("b", "x y")]));
        assert_eq!(parsed(""), http::HeaderMap::new());
        assert_eq!(parsed("key=a=b"), pairs(&[("key", "a=b")]));
        let err = parse_headers("x-api-key=sec\nret").expect_err("bad value");
        let said = crate::error::chain(&err);
        assert!(!said.contains("sec"), "{said}");
        assert!(parse_headers("novalue").is_err());
    }
}
