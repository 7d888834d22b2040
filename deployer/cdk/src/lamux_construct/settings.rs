//! What the [`Lamux`](super::Lamux) construct works out from its props and checks with
//! lamux's own parsers before it adds a resource: the timeouts, the invoke scope, the
//! environment the function gets.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum as _;
use lamux::config::InvokeMode;

use super::props::{InvokeScope, LamuxProps, OriginAuth};
use crate::constructs::logs::RetentionDays;
use crate::constructs::secret::RotatingSecret;
use crate::template::Expr;
use crate::tree::Error;

/// The Function URL's `InvokeMode` for lamux's own `--invoke-mode`: the two must agree, so
/// there is one enum, lamux's.
pub fn url_invoke_mode(mode: InvokeMode) -> crate::constructs::lambda::InvokeMode {
    match mode {
        InvokeMode::Buffered => crate::constructs::lambda::InvokeMode::Buffered,
        InvokeMode::ResponseStream => crate::constructs::lambda::InvokeMode::ResponseStream,
    }
}

/// lamux's `LAMUX_INVOKE_MODE` value: the name its flag parser accepts.
pub fn lamux_invoke_mode(mode: InvokeMode) -> String {
    mode.to_possible_value().map(|value| value.get_name().to_owned()).unwrap_or_default()
}

/// CloudFront's origin read timeout without a quota increase (AWS docs, "Quotas").
pub const ORIGIN_READ_DEFAULT_LIMIT: u32 = 60;

/// What [`LamuxProps`] leave to defaults, worked out and checked with lamux's own parsers.
pub(super) struct Settings {
    pub(super) domain_suffix: String,
    pub(super) timeout_secs: u32,
    pub(super) origin_read_timeout_secs: u32,
}

impl Settings {
    pub(super) fn check(props: &LamuxProps) -> anyhow::Result<Self> {
        let domain_suffix = lamux::config::parse_domain_suffix(props.domain_suffix.trim_end_matches('.'))
            .map_err(anyhow::Error::msg)
            .context("domain suffix")?;
        lamux::config::parse_function_name(&props.function_name)
            .map_err(anyhow::Error::msg)
            .context("function name")?;
        let upstream = props.upstream_timeout;
        ensure!(!upstream.is_zero(), "the upstream timeout must be longer than zero");
        let timeout_secs = match props.timeout {
            Some(timeout) => exact_seconds("timeout", timeout)?,
            None => whole_seconds(upstream + Duration::from_secs(5)),
        };
        ensure!(
            u64::from(timeout_secs) > upstream.as_secs() && timeout_secs <= 900,
            "the function timeout ({timeout_secs} s) must be longer than the upstream timeout ({upstream:?}) and at \
             most 900 s"
        );
        let given_read_timeout =
            props.origin_read_timeout.map(|t| exact_seconds("origin_read_timeout", t)).transpose()?;
        let origin_read_timeout_secs = read_timeout(upstream, given_read_timeout)?;
        ensure!(
            (128..=10_240).contains(&props.memory_size),
            "memory_size must be from 128 to 10240 MB, got {}",
            props.memory_size
        );
        ensure!(
            RetentionDays::from_days(props.log_retention_days).is_some(),
            "log_retention_days must be one of {:?} (CloudWatch Logs' periods), got {}",
            RetentionDays::ALL.map(RetentionDays::days),
            props.log_retention_days
        );
        if let Some(arn) = props.certificate_arn.as_ref().and_then(Expr::as_literal) {
            ensure!(
                arn.split(':').nth(3) == Some("us-east-1"),
                "certificate_arn must be an ACM certificate in us-east-1 (CloudFront's region), got {arn}"
            );
        }
        for pattern in &props.allow_aliases {
            crate::routable::alias_pattern(pattern)
                .map_err(|why| anyhow::anyhow!("allow_aliases entry {pattern:?} {why}"))?;
        }
        for pattern in &props.allow_functions {
            let name = bare_function_name(pattern);
            ensure!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_*?".contains(&b)),
                "allow_functions entry {pattern:?} is not a function name, ARN or glob"
            );
        }
        let settings = Self { domain_suffix, timeout_secs, origin_read_timeout_secs };
        // The environment the function will get must be one lamux starts with. A value
        // taken from a parameter (the origin secret) stands in as a placeholder.
        let variables = environment(props, &settings, None);
        let literal = variables.iter().map(|(name, value)| (name.as_str(), value.as_literal().unwrap_or("parameter")));
        let secret = (props.origin_auth == OriginAuth::Secret).then_some(("LAMUX_ORIGIN_SECRET", "parameter"));
        // The canary as given (a kept one was checked when `preview canary` set it).
        let canary = props.canary.as_ref().map(|entries| entries.join(",")).unwrap_or_default();
        let cli =
            lamux::config::Cli::from_environment(literal.chain(secret).chain([("LAMUX_CANARY", canary.as_str())]))
                .map_err(|err| anyhow::anyhow!("{}", err.to_string().trim_end()))
                .context("lamux would not start with this configuration")?;
        // What lamux checks at start beyond each flag: a canary within the allow-lists.
        cli.chooser().map_err(anyhow::Error::msg).context("lamux would not start with this configuration")?;
        Ok(settings)
    }
}

/// lamux's configuration in the function, as the variables lamux reads.
pub(super) fn environment(
    props: &LamuxProps,
    settings: &Settings,
    secret: Option<&RotatingSecret>,
) -> BTreeMap<String, Expr> {
    let mut variables = BTreeMap::from([
        ("LAMUX_MODE", Expr::str("function")),
        ("LAMUX_DOMAIN_SUFFIX", Expr::str(&settings.domain_suffix)),
        ("LAMUX_FUNCTION_NAME", Expr::str(&props.function_name)),
        ("LAMUX_UPSTREAM_TIMEOUT", Expr::str(humantime::format_duration(props.upstream_timeout).to_string())),
        ("LAMUX_INVOKE_MODE", Expr::str(lamux_invoke_mode(props.invoke_mode))),
        // lamux's own default is true (for local use); a public endpoint says nothing.
        ("LAMUX_ERROR_DETAILS", Expr::str(props.error_details.to_string())),
    ]);
    if !props.allow_functions.is_empty() {
        // lamux matches its allow-list against bare function names: an ARN's name goes
        // there, while the role's policy keeps the ARN.
        let names: Vec<&str> = props.allow_functions.iter().map(|f| bare_function_name(f)).collect();
        variables.insert("LAMUX_ALLOW_FUNCTION", Expr::str(names.join(",")));
    }
    if !props.allow_aliases.is_empty() {
        variables.insert("LAMUX_ALLOW_ALIAS", Expr::str(props.allow_aliases.join(",")));
    }
    let over = &props.alias_override;
    for (name, value) in [
        ("LAMUX_ALIAS_COOKIE", &over.cookie),
        ("LAMUX_ALIAS_HEADER", &over.header),
        ("LAMUX_ALIAS_COOKIE_PATH", &over.cookie_path),
    ] {
        if let Some(value) = value {
            variables.insert(name, Expr::str(value));
        }
    }
    if !over.allow.is_empty() {
        variables.insert("LAMUX_ALIAS_OVERRIDE_ALLOW", Expr::str(over.allow.join(",")));
    }
    if let Some(secret) = secret {
        variables.insert("LAMUX_ORIGIN_SECRET", secret.current());
        // Empty unless a rotation is in progress: lamux then accepts both values.
        variables.insert("LAMUX_ORIGIN_SECRET_PREVIOUS", secret.previous());
    }
    variables.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// `duration` in whole seconds, rounded up.
pub fn whole_seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs() + u64::from(duration.subsec_nanos() > 0)).unwrap_or(u32::MAX)
}

/// CloudFront must wait for lamux's own answer, a 504 included, which comes at most the
/// upstream timeout after the request: a second more. Past CloudFront's default limit the
/// user must say that the account's quota allows it.
pub fn origin_read_timeout(upstream: Duration, flag: Option<u32>) -> Result<u32, Error> {
    read_timeout(upstream, flag).map_err(|err| Error::Settings(format!("{err:#}")))
}

/// A timeout CloudFormation writes in whole seconds: refused when it is not.
fn exact_seconds(what: &str, timeout: Duration) -> anyhow::Result<u32> {
    ensure!(timeout.subsec_nanos() == 0, "{what} must be whole seconds, got {timeout:?}");
    u32::try_from(timeout.as_secs()).map_err(|_| anyhow::anyhow!("{what} {timeout:?} is too long"))
}

fn read_timeout(upstream: Duration, flag: Option<u32>) -> anyhow::Result<u32> {
    let needed = whole_seconds(upstream).saturating_add(1);
    match flag {
        Some(given) => {
            ensure!(
                given >= needed,
                "--origin-read-timeout {given} is shorter than --upstream-timeout needs ({needed} s): \
                 viewers would get CloudFront's 504 while lamux and the function still run"
            );
            Ok(given)
        }
        None => {
            ensure!(
                needed <= ORIGIN_READ_DEFAULT_LIMIT,
                "--upstream-timeout {} needs CloudFront to wait {needed} s for lamux, and CloudFront waits at \
                 most {ORIGIN_READ_DEFAULT_LIMIT} s unless the account's quota was raised: lower \
                 --upstream-timeout to {} s or less, or pass --origin-read-timeout {needed} (at most 180) \
                 after a quota increase",
                humantime::format_duration(upstream),
                ORIGIN_READ_DEFAULT_LIMIT - 1
            );
            Ok(needed)
        }
    }
}

impl LamuxProps {
    /// Which functions the role may invoke, before [`Lamux::serve`](crate::Lamux::serve).
    pub fn scope(&self) -> InvokeScope {
        InvokeScope::of(self.allow_all_functions, &self.allow_functions, &self.function_name)
    }

    /// What [`Lamux::new`](crate::Lamux::new) refuses, without adding anything to a stack: the suffix, the
    /// function name, the timeouts and memory, and the environment, with lamux's own parser.
    pub fn check(&self) -> Result<(), Error> {
        Settings::check(self).map(drop).map_err(|err| Error::Settings(format!("{err:#}")))
    }
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` and `ACCOUNT:function:NAME`
/// -> `NAME`; a name or glob as it is.
pub(super) fn bare_function_name(function: &str) -> &str {
    match function.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => function,
    }
}
