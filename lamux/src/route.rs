//! Host name → Lambda target. Pure: no I/O, no clock.
//!
//! With a fixed function (`--function-name app`), `live.example.com` is alias `live` of `app`.
//! With `*`, `live-my-func.example.com` is alias `live` of `my-func` (split on the first `-`).

use std::fmt;

/// The function and qualifier one request is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub function: String,
    pub alias: String,
}

impl Target {
    /// The bare function name, also when `--function-name` was given as an ARN.
    pub fn function_name(&self) -> &str {
        let name = self.function.split_once("function:").map_or(self.function.as_str(), |(_, rest)| rest);
        name.split(':').next().unwrap_or(name)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.function, self.alias)
    }
}

/// Why a host names no function. Each variant is a 400 for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("no host in the request")]
    MissingHost,
    #[error("host {0:?} is not under the domain suffix {1:?}")]
    OutsideSuffix(String, String),
    #[error("host {0:?} is the bare domain suffix; it names no function")]
    BareSuffix(String),
    #[error("host {0:?} has more than one label before the domain suffix")]
    TooDeep(String),
    #[error("host {0:?} has no alias: expected ALIAS-FUNCTION before the domain suffix")]
    MissingFunction(String),
    #[error("alias {0:?} must match ^[a-zA-Z0-9]+$")]
    BadAlias(String),
    #[error("function name {0:?} must match ^[a-zA-Z0-9-]+$")]
    BadFunction(String),
}

/// Which function a host's label names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionRule {
    /// `--function-name NAME`: the label is the alias.
    Fixed(String),
    /// `--function-name '*'`: the label is `ALIAS-FUNCTION`.
    FromHost,
}

impl FunctionRule {
    pub fn from_flag(value: &str) -> Self {
        if value == "*" { Self::FromHost } else { Self::Fixed(value.to_owned()) }
    }
}

/// The routing rules, built once from the configuration.
#[derive(Debug, Clone)]
pub struct Routes {
    rule: FunctionRule,
    /// Lowercase, without a leading dot.
    suffix: String,
}

impl Routes {
    pub fn new(rule: FunctionRule, domain_suffix: &str) -> Self {
        let suffix = domain_suffix.trim_start_matches('.').to_ascii_lowercase();
        Self { rule, suffix }
    }

    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Resolve a host (as sent in `Host` or `X-Forwarded-Host`, port allowed) to a target.
    pub fn resolve(&self, host: &str) -> Result<Target, RouteError> {
        let host = strip_port(host.trim());
        if host.is_empty() {
            return Err(RouteError::MissingHost);
        }
        let host = host.strip_suffix('.').unwrap_or(host);
        let label = self.label(host)?;
        if label.contains('.') {
            return Err(RouteError::TooDeep(host.to_owned()));
        }
        let (alias, function) = match &self.rule {
            FunctionRule::Fixed(function) => (label, function.as_str()),
            FunctionRule::FromHost => {
                label.split_once('-').ok_or_else(|| RouteError::MissingFunction(host.to_owned()))?
            }
        };
        if alias.is_empty() || !alias.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(RouteError::BadAlias(alias.to_owned()));
        }
        if matches!(self.rule, FunctionRule::FromHost)
            && (function.is_empty() || !function.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(RouteError::BadFunction(function.to_owned()));
        }
        Ok(Target { function: function.to_owned(), alias: alias.to_owned() })
    }

    /// The part of `host` before `.SUFFIX`, matched case-insensitively on a label boundary.
    fn label<'h>(&self, host: &'h str) -> Result<&'h str, RouteError> {
        let outside = || RouteError::OutsideSuffix(host.to_owned(), self.suffix.clone());
        if host.eq_ignore_ascii_case(&self.suffix) {
            return Err(RouteError::BareSuffix(host.to_owned()));
        }
        let cut = host.len().checked_sub(self.suffix.len() + 1).ok_or_else(outside)?;
        let (label, rest) = (host.get(..cut).ok_or_else(outside)?, &host[cut..]);
        match rest.strip_prefix('.') {
            Some(suffix) if suffix.eq_ignore_ascii_case(&self.suffix) && !label.is_empty() => Ok(label),
            _ => Err(outside()),
        }
    }
}

/// `example.com:8080` → `example.com`; `[::1]:8080` → `[::1]`.
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(function: &str, alias: &str) -> Result<Target, RouteError> {
        Ok(Target { function: function.into(), alias: alias.into() })
    }

    #[test]
    fn wildcard_function_table() {
        let routes = Routes::new(FunctionRule::FromHost, "example.com");
        let cases: &[(&str, Result<Target, RouteError>)] = &[
            ("live-my-func.example.com", target("my-func", "live")),
            ("live-my-func.example.com:8080", target("my-func", "live")),
            ("LIVE-my-func.EXAMPLE.com", target("my-func", "LIVE")),
            ("live-MyFunc.example.com.", target("MyFunc", "live")),
            ("v2-a-b-c.example.com", target("a-b-c", "v2")),
            ("live.example.com", Err(RouteError::MissingFunction("live.example.com".into()))),
            ("live-.example.com", Err(RouteError::BadFunction("".into()))),
            ("-func.example.com", Err(RouteError::BadAlias("".into()))),
            ("li_ve-func.example.com", Err(RouteError::BadAlias("li_ve".into()))),
            ("live-fu_nc.example.com", Err(RouteError::BadFunction("fu_nc".into()))),
            ("x.live-f.example.com", Err(RouteError::TooDeep("x.live-f.example.com".into()))),
            ("example.com", Err(RouteError::BareSuffix("example.com".into()))),
            ("example.com:443", Err(RouteError::BareSuffix("example.com".into()))),
            ("", Err(RouteError::MissingHost)),
            (":80", Err(RouteError::MissingHost)),
        ];
        for (host, want) in cases {
            assert_eq!(&routes.resolve(host), want, "host {host:?}");
        }
    }

    #[test]
    fn suffix_matches_only_on_a_label_boundary() {
        let routes = Routes::new(FunctionRule::FromHost, "example.com");
        for host in ["live-fliveexample.com", "liveexample.com", "live-f.example.org", "com", "[::1]:8080", "127.0.0.1"]
        {
            assert!(
                matches!(routes.resolve(host), Err(RouteError::OutsideSuffix(..))),
                "host {host:?} gave {:?}",
                routes.resolve(host)
            );
        }
    }

    #[test]
    fn fixed_function_table() {
        let routes = Routes::new(FunctionRule::from_flag("app"), ".Example.COM");
        let cases: &[(&str, Result<Target, RouteError>)] = &[
            ("live.example.com", target("app", "live")),
            ("v1.example.com:8443", target("app", "v1")),
            ("live-x.example.com", Err(RouteError::BadAlias("live-x".into()))),
            ("a.b.example.com", Err(RouteError::TooDeep("a.b.example.com".into()))),
            ("example.com", Err(RouteError::BareSuffix("example.com".into()))),
        ];
        for (host, want) in cases {
            assert_eq!(&routes.resolve(host), want, "host {host:?}");
        }
    }

    #[test]
    fn bare_function_name_from_arns() {
        for (function, want) in [
            ("app", "app"),
            ("arn:aws:lambda:us-east-1:123456789012:function:app", "app"),
            ("123456789012:function:app", "app"),
        ] {
            assert_eq!(Target { function: function.into(), alias: "live".into() }.function_name(), want);
        }
    }

    #[test]
    fn multibyte_hosts_do_not_panic() {
        let routes = Routes::new(FunctionRule::FromHost, "example.com");
        for host in ["é.example.com", "éééééééééééé", "live-ü.example.com", "ü"] {
            assert!(routes.resolve(host).is_err(), "host {host:?}");
        }
    }
}
