//! The tracing flags, checked and normalized once at start. Pure.

use crate::config::{Cli, TraceProtocol};
use crate::mode::Mode;

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
    pub fn from_cli(cli: &Cli, mode: Mode) -> Result<Option<Self>, String> {
        let destination = match (cli.trace_stdout, cli.trace_endpoint.as_deref().filter(|e| !e.is_empty())) {
            (true, Some(_)) => return Err("--trace-stdout and --trace-endpoint exclude each other".into()),
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
pub fn endpoint_url(endpoint: &str, insecure: bool, protocol: TraceProtocol) -> Result<String, String> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    let url = if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("{}://{endpoint}", if insecure { "http" } else { "https" })
    };
    let uri: http::Uri = url.parse().map_err(|err| format!("--trace-endpoint {endpoint:?} is not a URL: {err}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(format!("--trace-endpoint {endpoint:?} must be host:port or an http(s) URL"));
    }
    if protocol == TraceProtocol::Grpc && !matches!(uri.path(), "" | "/") {
        return Err(format!("--trace-endpoint {endpoint:?}: a gRPC endpoint has no path"));
    }
    Ok(url)
}

/// `k=v;k2=v2` (the original lamux's form) or `k=v,k2=v2` (the OTel spec's, with values
/// percent-decoded).
pub fn parse_headers(input: &str) -> Result<http::HeaderMap, String> {
    input
        .split([';', ','])
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').ok_or_else(|| format!("trace header {pair:?} is not k=v"))?;
            let name = name.trim().to_ascii_lowercase();
            let value = percent_encoding::percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|_| format!("trace header {name:?} is not UTF-8 once decoded"))?;
            let header =
                http::HeaderName::try_from(name.as_str()).map_err(|_| format!("{name:?} is not a header name"))?;
            // The value is secret (an API key, say): never repeat it in an error.
            let value = http::HeaderValue::try_from(value.as_ref())
                .map_err(|_| format!("the value of {name:?} is not valid"))?;
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
        assert_eq!(endpoint_url("collector:4318", true, http), Ok("http://collector:4318".into()));
        assert_eq!(endpoint_url("collector:4318", false, http), Ok("https://collector:4318".into()));
        assert_eq!(endpoint_url("http://c:4318/", false, http), Ok("http://c:4318".into()));
        assert_eq!(endpoint_url("https://api.example/otlp", true, http), Ok("https://api.example/otlp".into()));
        assert_eq!(endpoint_url("http://c:4317", false, TraceProtocol::Grpc), Ok("http://c:4317".into()));
        assert!(endpoint_url("http://c:4317/v1", false, TraceProtocol::Grpc).is_err());
        assert!(endpoint_url("ftp://c", false, http).is_err());
        assert!(endpoint_url("not a host", false, http).is_err());
    }

    fn settings(args: &[&str], mode: Mode) -> Result<Option<Settings>, String> {
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
        assert_eq!(settings(&[], Mode::Server), Ok(None), "off without a destination");
        assert!(settings(&["--trace-stdout", "--trace-endpoint", "c:4318"], Mode::Server).is_err());
    }

    #[test]
    fn headers_take_both_forms() {
        let pairs = |list: &[(&'static str, &'static str)]| {
            list.iter()
                .map(|(k, v)| (http::HeaderName::from_static(k), http::HeaderValue::from_static(v)))
                .collect::<http::HeaderMap>()
        };
        assert_eq!(parse_headers("a=1;B=2"), Ok(pairs(&[("a", "1"), ("b", "2")])));
        assert_eq!(parse_headers("a=1, b=x%20y"), Ok(pairs(&[("a", "1"), ("b", "x y")])));
        assert_eq!(parse_headers(""), Ok(http::HeaderMap::new()));
        assert_eq!(parse_headers("key=a=b"), Ok(pairs(&[("key", "a=b")])));
        let err = parse_headers("x-api-key=sec\nret").expect_err("bad value");
        assert!(!err.contains("sec"), "{err}");
        assert!(parse_headers("novalue").is_err());
    }
}
