//! Command line and environment, checked once at start. Flag and variable names follow the
//! original Go lamux so that existing deployments keep working.

use std::net::IpAddr;
use std::time::Duration;

use clap::{ArgAction, CommandFactory as _, FromArgMatches as _, Parser, ValueEnum, builder::BoolishValueParser};

use crate::access::AllowList;
use crate::choose::{Canary, Chooser, Overrides};
use crate::mode::Mode;
use crate::origin::Secret;
use crate::route::{FunctionRule, Routes};

#[derive(Debug, Parser)]
#[command(name = "lamux", version, about = "HTTP multiplexer for AWS Lambda function aliases")]
pub struct Cli {
    /// How to serve; by default chosen from the Lambda environment (see README "Modes").
    #[arg(long, env = "LAMUX_MODE", value_enum, ignore_case = true)]
    pub mode: Option<Mode>,

    /// Port to listen on (server and extension modes; a Function URL has no port).
    #[arg(long, env = "LAMUX_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on [default: 0.0.0.0 for the server, 127.0.0.1 for the extension].
    #[arg(long, env = "LAMUX_LISTEN_ADDRESS")]
    pub listen_address: Option<IpAddr>,

    /// Ask the lamux server on this machine (--port, --listen-address) for its health check
    /// path, exit 0 on a 200 and 1 otherwise, and serve nothing: a container's HEALTHCHECK.
    #[arg(long)]
    pub healthcheck: bool,

    /// Function to invoke; `*` takes it from the host (`ALIAS-FUNCTION.SUFFIX`).
    #[arg(long, env = "LAMUX_FUNCTION_NAME", default_value = "*", value_parser = parse_function_name)]
    pub function_name: String,

    /// Functions lamux may invoke, as comma-separated globs (`app-*`); others get 403.
    #[arg(long, env = "LAMUX_ALLOW_FUNCTION", value_delimiter = ',')]
    pub allow_function: Vec<String>,

    /// Aliases lamux may invoke, as comma-separated globs (`live,v*`); others get 403.
    #[arg(long, env = "LAMUX_ALLOW_ALIAS", value_delimiter = ',')]
    pub allow_alias: Vec<String>,

    /// A cookie whose value replaces the host's alias (the host still names the function);
    /// off unless given, `__Host-lamux-alias` when given without a name. README "Alias
    /// override".
    #[arg(
        long,
        env = "LAMUX_ALIAS_COOKIE",
        value_parser = parse_cookie_name,
        num_args = 0..=1,
        default_missing_value = crate::choose::OVERRIDE_COOKIE
    )]
    pub alias_cookie: Option<String>,

    /// A request header whose value replaces the host's alias, for API clients and tests.
    #[arg(long, env = "LAMUX_ALIAS_HEADER", value_parser = parse_header_name)]
    pub alias_header: Option<http::HeaderName>,

    /// Globs an overriding alias must match, beside --allow-alias (e.g. `pr*`).
    #[arg(long, env = "LAMUX_ALIAS_OVERRIDE_ALLOW", value_delimiter = ',')]
    pub alias_override_allow: Vec<String>,

    /// A path that sets the override cookie from a link: `PATH?alias=pr42&to=/` redirects to
    /// `to` with the cookie set, `PATH?alias=` clears it. No path is shadowed unless given.
    #[arg(long, env = "LAMUX_ALIAS_COOKIE_PATH", requires = "alias_cookie", value_parser = parse_cookie_path)]
    pub alias_cookie_path: Option<String>,

    /// A sticky canary, `ALIAS=TARGET:PERCENT` (e.g. `live=next:10`): that share of ALIAS's
    /// clients, each by a bucket kept in a cookie, get TARGET. Repeatable; 0 or an empty
    /// value ends it.
    #[arg(long, env = "LAMUX_CANARY", value_delimiter = ',', value_parser = parse_canary)]
    pub canary: Vec<Option<Canary>>,

    /// Secret that CloudFront sends as `x-lamux-origin-secret`: requests without it get 403
    /// and no Invoke, and those with it may name the viewer's address (README "Security of
    /// the deployed stack").
    #[arg(long, env = "LAMUX_ORIGIN_SECRET", hide_env_values = true, value_parser = Secret::parse)]
    pub origin_secret: Option<Secret>,

    /// The secret before the last rotation, accepted too until every CloudFront edge sends
    /// the new one (README "Rotating the origin secret"). Needs --origin-secret.
    #[arg(
        long,
        env = "LAMUX_ORIGIN_SECRET_PREVIOUS",
        hide_env_values = true,
        value_parser = Secret::parse,
        requires = "origin_secret"
    )]
    pub origin_secret_previous: Option<Secret>,

    /// Domain suffix that hosts are routed under.
    #[arg(long, env = "LAMUX_DOMAIN_SUFFIX", default_value = "localdomain", value_parser = parse_domain_suffix)]
    pub domain_suffix: String,

    /// Longest wait for a function's answer, SDK retries included (e.g. 500ms, 2s, 1m).
    #[arg(long, env = "LAMUX_UPSTREAM_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
    pub upstream_timeout: Duration,

    /// How to invoke: `buffered` (Invoke, 6 MB) or `response-stream` (InvokeWithResponseStream:
    /// streamed bodies up to 200 MB; functions that do not stream still answer normally).
    #[arg(long, env = "LAMUX_INVOKE_MODE", value_enum, ignore_case = true, default_value = "buffered")]
    pub invoke_mode: InvokeMode,

    /// In response-stream mode, the longest silence between two chunks of a stream.
    #[arg(long, env = "LAMUX_STREAM_IDLE_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
    pub stream_idle_timeout: Duration,

    /// Time a client has to send a request's head (server and extension modes); a partial
    /// head then gets 408, and a kept-alive connection idle this long is closed
    /// [default: 30s in server mode; off in extension mode, whose only client is the
    /// function's own code, and whose sandbox freezes between invocations].
    #[arg(long, env = "LAMUX_HEADER_READ_TIMEOUT", value_parser = parse_timeout)]
    pub header_read_timeout: Option<Duration>,

    /// Say in error bodies what went wrong (function names, AWS messages).
    #[arg(
        long,
        env = "LAMUX_ERROR_DETAILS",
        default_value_t = true,
        action = ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
        overrides_with = "no_error_details"
    )]
    pub error_details: bool,

    /// Error bodies carry only the status text.
    #[arg(long, overrides_with = "error_details")]
    pub no_error_details: bool,

    /// Log level.
    #[arg(long, env = "LAMUX_LOG_LEVEL", default_value = "info", value_enum, ignore_case = true)]
    pub log_level: LogLevel,

    /// Path answered with 200 on hosts that name no function, for load-balancer health checks;
    /// an empty value turns it off.
    #[arg(long, env = "LAMUX_HEALTH_CHECK_PATH", default_value = "/healthz", value_parser = parse_health_path)]
    pub health_check_path: String,

    /// Export spans as OTLP JSON lines on stdout.
    #[arg(
        long,
        env = "OTEL_EXPORTER_STDOUT",
        default_value_t = false,
        action = ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
        help_heading = "Tracing"
    )]
    pub trace_stdout: bool,

    /// OTLP endpoint for spans and metrics: `host:port` or a URL (`http://collector:4318`).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", help_heading = "Tracing")]
    pub trace_endpoint: Option<String>,

    /// Use plain HTTP (no TLS) for a `host:port` endpoint.
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_INSECURE",
        default_value_t = false,
        action = ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
        help_heading = "Tracing"
    )]
    pub trace_insecure: bool,

    /// OTLP protocol.
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_PROTOCOL",
        value_enum,
        default_value = "http/protobuf",
        help_heading = "Tracing"
    )]
    pub trace_protocol: TraceProtocol,

    /// Headers sent to the OTLP endpoint: `k=v;k2=v2` or `k=v,k2=v2`.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_HEADERS", hide_env_values = true, help_heading = "Tracing")]
    pub trace_headers: Option<String>,

    /// service.name of lamux's spans and metrics.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = "lamux", help_heading = "Tracing")]
    pub trace_service: String,

    /// Export spans in batches; `false` exports each request's spans before answering it.
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_BATCH",
        default_value_t = true,
        action = ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
        help_heading = "Tracing"
    )]
    pub trace_batch: bool,

    /// The function lamux itself runs as; set by Lambda. Requests routed to it get 508.
    #[arg(long, env = "AWS_LAMBDA_FUNCTION_NAME", hide = true)]
    pub own_function: Option<String>,

    /// The Lambda Runtime and Extensions API (`host:port`); set by Lambda.
    #[arg(long, env = "AWS_LAMBDA_RUNTIME_API", hide = true)]
    pub runtime_api: Option<String>,

    /// The function's handler; set by Lambda for a function's runtime, not for an extension.
    #[arg(long, env = "_HANDLER", hide = true)]
    pub handler: Option<String>,
}

/// Named like the Function URL setting `InvokeMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InvokeMode {
    Buffered,
    ResponseStream,
}

/// OTLP's transports, named as `OTEL_EXPORTER_OTLP_PROTOCOL` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceProtocol {
    #[value(name = "http/protobuf")]
    HttpProtobuf,
    Grpc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_filter(self) -> tracing::Level {
        match self {
            Self::Debug => tracing::Level::DEBUG,
            Self::Info => tracing::Level::INFO,
            Self::Warn => tracing::Level::WARN,
            Self::Error => tracing::Level::ERROR,
        }
    }
}

impl Cli {
    /// Parse a function's environment (`LAMUX_MODE=function`, ...) exactly as lamux reads
    /// it at start, without the process environment: each variable becomes its flag.
    /// lamux-deploy checks the environment it gives the function with this, so the two
    /// can't disagree on what is valid.
    pub fn from_environment<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, clap::Error> {
        let command = Self::command();
        let mut args = vec!["lamux".to_owned()];
        for (name, value) in vars {
            let flag = command
                .get_arguments()
                .find(|arg| arg.get_env().is_some_and(|env| env == name))
                .and_then(|arg| arg.get_long());
            let Some(flag) = flag else {
                return Err(clap::Error::raw(
                    clap::error::ErrorKind::UnknownArgument,
                    format!("lamux reads no variable {name}\n"),
                ));
            };
            args.push(format!("--{flag}={value}"));
        }
        // Only the given variables count: the caller's own environment is not consulted.
        let mut command = command.mut_args(|arg| arg.env(None::<&str>));
        Self::from_arg_matches_mut(&mut command.try_get_matches_from_mut(args)?)
    }

    pub fn routes(&self) -> Routes {
        Routes::new(FunctionRule::from_flag(&self.function_name), &self.domain_suffix)
    }

    pub fn mode(&self) -> Mode {
        Mode::resolve(self.mode, self.runtime_api.as_deref(), self.handler.as_deref())
    }

    pub fn listen_address(&self, mode: Mode) -> IpAddr {
        let loopback = IpAddr::from([127, 0, 0, 1]);
        let any = IpAddr::from([0, 0, 0, 0]);
        self.listen_address.unwrap_or(if mode == Mode::Extension { loopback } else { any })
    }

    pub fn error_details(&self) -> bool {
        self.error_details && !self.no_error_details
    }

    #[cfg(feature = "runtime")]
    pub fn limits(&self, mode: Mode) -> crate::server::Limits {
        let default = (mode != Mode::Extension).then_some(Duration::from_secs(30));
        crate::server::Limits { header_read_timeout: self.header_read_timeout.or(default), ..Default::default() }
    }

    /// The override and canary rules, checked against the allow-lists: a canary whose
    /// aliases they refuse is a start-up error naming both.
    pub fn chooser(&self) -> Result<Chooser, String> {
        let chooser = Chooser {
            overrides: Overrides {
                cookie: self.alias_cookie.clone(),
                header: self.alias_header.clone(),
                allow: self.alias_override_allow.iter().map(|p| wildmatch::WildMatch::new(p.trim())).collect(),
            },
            canaries: self.canary.iter().flatten().cloned().collect(),
        };
        chooser.check(&AllowList::new(&self.allow_function, &self.allow_alias))?;
        Ok(chooser)
    }

    pub fn health_path(&self) -> Option<String> {
        Some(self.health_check_path.clone()).filter(|path| !path.is_empty())
    }
}

fn parse_timeout(value: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(value).map_err(|err| format!("{err} (use e.g. 500ms, 2s, 1m)"))?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

/// A domain suffix as lamux accepts it, lowercased and without a leading dot.
pub fn parse_domain_suffix(value: &str) -> Result<String, String> {
    let suffix = value.trim_start_matches('.');
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if suffix.is_empty() || !suffix.split('.').all(valid_label) {
        return Err(format!("{value:?} is not a domain name (labels of letters, digits and '-')"));
    }
    Ok(suffix.to_ascii_lowercase())
}

/// `*`, a function name, or a function ARN; without a qualifier, which comes from the host.
pub fn parse_function_name(value: &str) -> Result<String, String> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.');
    // `.` and `..` are path segments an Invoke's URI cannot carry: they would be normalized.
    let dots = matches!(value, "." | "..");
    if value == "*" || (!value.is_empty() && !dots && value.len() <= 170 && value.bytes().all(allowed)) {
        Ok(value.to_owned())
    } else {
        Err(format!("{value:?} is neither '*' nor a Lambda function name or ARN"))
    }
}

/// A cookie name: an RFC 6265 token (no separators, spaces or controls).
fn parse_cookie_name(value: &str) -> Result<String, String> {
    let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
    if value.is_empty() || !value.bytes().all(token) {
        return Err(format!("{value:?} is not a cookie name (letters, digits and !#$%&'*+-.^_`|~)"));
    }
    Ok(value.to_owned())
}

/// A canary, or nothing for an empty value (a deployment that sets the variable empty).
fn parse_canary(value: &str) -> Result<Option<Canary>, String> {
    if value.trim().is_empty() { Ok(None) } else { Canary::parse(value).map(Some) }
}

fn parse_header_name(value: &str) -> Result<http::HeaderName, String> {
    http::HeaderName::from_bytes(value.as_bytes()).map_err(|_| format!("{value:?} is not a header name"))
}

fn parse_cookie_path(value: &str) -> Result<String, String> {
    if value.starts_with('/') && value.len() > 1 {
        Ok(value.to_owned())
    } else {
        Err(format!("{value:?} must be a path such as /_lamux/alias"))
    }
}

fn parse_health_path(value: &str) -> Result<String, String> {
    if value.is_empty() || value.starts_with('/') {
        Ok(value.to_owned())
    } else {
        Err(format!("{value:?} must start with '/' (or be empty to turn health checks off)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("lamux").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_match_the_original() {
        let cli = parse(&[]).expect("defaults parse");
        assert_eq!(cli.port, 8080);
        assert_eq!(cli.function_name, "*");
        assert_eq!(cli.domain_suffix, "localdomain");
        assert_eq!(cli.upstream_timeout, Duration::from_secs(30));
        assert!(cli.error_details());
        assert_eq!(cli.log_level, LogLevel::Info);
        assert_eq!(cli.invoke_mode, InvokeMode::Buffered);
        assert_eq!(cli.stream_idle_timeout, Duration::from_secs(30));
        assert_eq!(
            parse(&["--invoke-mode", "RESPONSE-STREAM"]).expect("parses").invoke_mode,
            InvokeMode::ResponseStream
        );
    }

    /// Issue 29: the override cookie's default name carries `__Host-`, so no other host can
    /// set it; a name of the user's own is kept as given.
    #[test]
    fn the_override_cookie_defaults_to_a_host_only_name() {
        assert_eq!(parse(&[]).expect("parses").alias_cookie, None, "off unless given");
        let bare = parse(&["--alias-cookie", "--alias-header", "x-preview"]).expect("parses");
        assert_eq!(bare.alias_cookie.as_deref(), Some("__Host-lamux-alias"));
        let named = parse(&["--alias-cookie", "preview"]).expect("parses");
        assert_eq!(named.alias_cookie.as_deref(), Some("preview"));
    }

    #[cfg(feature = "runtime")]
    #[test]
    fn the_header_read_timeout_guards_servers_not_extensions() {
        let timeout = |args: &[&str], mode| parse(args).expect("parses").limits(mode).header_read_timeout;
        assert_eq!(timeout(&[], Mode::Server), Some(Duration::from_secs(30)));
        assert_eq!(timeout(&[], Mode::Extension), None, "a frozen sandbox must not find its connections cut");
        assert_eq!(timeout(&["--header-read-timeout", "5s"], Mode::Extension), Some(Duration::from_secs(5)));
        assert_eq!(timeout(&["--header-read-timeout", "5s"], Mode::Server), Some(Duration::from_secs(5)));
    }

    #[test]
    fn durations_in_go_style() {
        for (text, want) in [("500ms", 500), ("2s", 2_000), ("1m", 60_000), ("1m30s", 90_000)] {
            let cli = parse(&["--upstream-timeout", text]).expect(text);
            assert_eq!(cli.upstream_timeout, Duration::from_millis(want), "{text}");
        }
    }

    #[test]
    fn error_details_flags() {
        assert!(!parse(&["--no-error-details"]).expect("parses").error_details());
        assert!(parse(&["--no-error-details", "--error-details"]).expect("parses").error_details());
        assert!(!parse(&["--error-details", "--no-error-details"]).expect("parses").error_details());
        assert!(!parse(&["--error-details", "false"]).expect("parses").error_details());
    }

    #[test]
    fn mode_flag_overrides_the_environment() {
        let cli = parse(&["--mode", "EXTENSION", "--runtime-api", "127.0.0.1:9001", "--handler", "bootstrap"])
            .expect("parses");
        assert_eq!(cli.mode(), Mode::Extension);
        assert_eq!(cli.listen_address(cli.mode()), IpAddr::from([127, 0, 0, 1]));
        let cli = parse(&["--runtime-api", "127.0.0.1:9001", "--handler", "bootstrap"]).expect("parses");
        assert_eq!(cli.mode(), Mode::Function);
        let cli = parse(&["--listen-address", "::1"]).expect("parses");
        assert_eq!(cli.listen_address(Mode::Extension), "::1".parse::<IpAddr>().expect("ip"));
        assert_eq!(parse(&[]).expect("parses").listen_address(Mode::Server), IpAddr::from([0, 0, 0, 0]));
    }

    #[test]
    fn log_level_any_case() {
        for (text, want) in [("DEBUG", LogLevel::Debug), ("Warn", LogLevel::Warn), ("error", LogLevel::Error)] {
            assert_eq!(parse(&["--log-level", text]).expect(text).log_level, want);
        }
    }

    #[test]
    fn an_environment_parses_as_lamux_reads_it() {
        let cli = Cli::from_environment([
            ("LAMUX_MODE", "function"),
            ("LAMUX_DOMAIN_SUFFIX", "Example.com"),
            ("LAMUX_ERROR_DETAILS", "false"),
            ("LAMUX_ALLOW_ALIAS", "live,pr*"),
            ("LAMUX_ORIGIN_SECRET", "s"),
            ("LAMUX_ORIGIN_SECRET_PREVIOUS", "old-s"),
        ])
        .expect("parses");
        assert_eq!(cli.mode, Some(Mode::Function));
        assert_eq!(cli.domain_suffix, "example.com");
        assert!(!cli.error_details());
        assert_eq!(cli.allow_alias, ["live", "pr*"]);
        assert_eq!(cli.origin_secret.as_ref().map(Secret::expose), Some("s"));
        assert_eq!(cli.origin_secret_previous.as_ref().map(Secret::expose), Some("old-s"));
        let shown = format!("{cli:?}");
        assert!(!shown.contains("\"s\"") && !shown.contains("old-s"), "Debug shows no secret: {shown}");
        let alone = Cli::from_environment([("LAMUX_ORIGIN_SECRET_PREVIOUS", "old-s")]).expect_err("refused");
        assert!(alone.to_string().contains("--origin-secret"), "{alone}");
        let bad = Cli::from_environment([("LAMUX_DOMAIN_SUFFIX", "bad_domain.com")]).expect_err("refused");
        assert!(bad.to_string().contains("--domain-suffix"), "{bad}");
        let unknown = Cli::from_environment([("LAMUX_NOPE", "1")]).expect_err("refused");
        assert!(unknown.to_string().contains("LAMUX_NOPE"), "{unknown}");
    }

    #[test]
    fn bad_values_name_their_flag() {
        for (args, flag) in [
            (&["--upstream-timeout", "soon"][..], "--upstream-timeout"),
            (&["--upstream-timeout", "0s"], "--upstream-timeout"),
            (&["--port", "70000"], "--port"),
            (&["--mode", "daemon"], "--mode"),
            (&["--invoke-mode", "stream"], "--invoke-mode"),
            (&["--stream-idle-timeout", "0s"], "--stream-idle-timeout"),
            (&["--log-level", "verbose"], "--log-level"),
            (&["--domain-suffix", "bad_domain.com"], "--domain-suffix"),
            (&["--domain-suffix", "a..b"], "--domain-suffix"),
            (&["--function-name", "has space"], "--function-name"),
            (&["--function-name", ".."], "--function-name"),
            (&["--health-check-path", "healthz"], "--health-check-path"),
        ] {
            let err = parse(args).expect_err("bad value").to_string();
            assert!(err.contains(flag), "{args:?}: {err}");
        }
    }
}
