//! The user's choices, from flags and `lamux-deploy.toml` to a validated [`StackOptions`],
//! checked once. What lamux itself validates (the domain suffix, function names, the
//! environment the function gets) is checked with lamux's own code.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use clap::{Args, ValueEnum};
use lamux::config::InvokeMode;

use crate::binary;
use crate::lamux_construct::LamuxProps;
use crate::tree::AssetSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Arch {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "arm64")]
    Arm64,
}

impl Arch {
    /// The name Lambda uses in `Architectures` and layer compatibility.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }
}

/// The Function URL's `InvokeMode` for lamux's own `--invoke-mode`: the two must agree, so
/// there is one enum, lamux's.
pub fn url_invoke_mode(mode: InvokeMode) -> &'static str {
    match mode {
        InvokeMode::Buffered => "BUFFERED",
        InvokeMode::ResponseStream => "RESPONSE_STREAM",
    }
}

/// lamux's `LAMUX_INVOKE_MODE` value: the name its flag parser accepts.
pub fn lamux_invoke_mode(mode: InvokeMode) -> String {
    mode.to_possible_value().map(|value| value.get_name().to_owned()).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OriginAuth {
    /// A public Function URL (AuthType NONE) that refuses requests without a secret header
    /// only CloudFront sends.
    Secret,
    /// A public Function URL that anyone may call directly, bypassing CloudFront.
    None,
    /// CloudFront signs origin requests (origin access control, AuthType AWS_IAM). Breaks
    /// request bodies without x-amz-content-sha256, and overwrites Authorization.
    Oac,
}

/// Flags every command that renders the stack shares.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// Domain suffix that lamux routes under (`ALIAS-FUNCTION.SUFFIX`).
    #[arg(long, env = "LAMUX_DOMAIN_SUFFIX")]
    pub domain_suffix: String,

    /// Function lamux invokes (a name or ARN), or `*` to take it from the host.
    #[arg(long, default_value = "*")]
    pub function_name: String,

    /// Functions lamux may invoke, comma-separated globs: scopes the IAM policy and lamux's
    /// own allow-list (LAMUX_ALLOW_FUNCTION), so others get lamux's 403.
    #[arg(long, value_delimiter = ',')]
    pub allow_function: Vec<String>,

    /// Aliases lamux may invoke, comma-separated globs (`live,pr*`): scopes the IAM policy and
    /// LAMUX_ALLOW_ALIAS. Without it any alias or version number is reachable.
    #[arg(long, value_delimiter = ',')]
    pub allow_alias: Vec<String>,

    /// Let lamux invoke every function in the account and region (IAM `function:*`).
    #[arg(long)]
    pub allow_all_functions: bool,

    /// CloudFormation stack name.
    #[arg(long, default_value = "lamux")]
    pub stack_name: String,

    /// Lambda architecture [default: read from the binary, else x86_64].
    #[arg(long, value_enum)]
    pub arch: Option<Arch>,

    /// Function memory in MB.
    #[arg(long, default_value_t = 128)]
    pub memory: u32,

    /// Function timeout [default: the upstream timeout plus 5 s].
    #[arg(long, value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,

    /// lamux's upstream timeout (LAMUX_UPSTREAM_TIMEOUT in the function). CloudFront's
    /// origin read timeout follows it.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub upstream_timeout: Duration,

    /// CloudFront's origin read timeout in seconds, when it must exceed CloudFront's default
    /// limit of 60 (at most 180, after a quota increase) [default: the upstream timeout + 1 s].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=180))]
    pub origin_read_timeout: Option<u32>,

    /// Days to keep lamux's logs.
    #[arg(long, default_value_t = 14)]
    pub log_retention_days: u32,

    /// ACM certificate for `*.SUFFIX`, in us-east-1 (CloudFront's region).
    #[arg(long)]
    pub certificate_arn: Option<String>,

    /// Route 53 hosted zone for SUFFIX: adds `*.SUFFIX` A and AAAA alias records.
    #[arg(long, requires = "certificate_arn")]
    pub hosted_zone_id: Option<String>,

    /// Buffered or streamed responses: lamux's Function URL InvokeMode and its own mode.
    #[arg(long, value_enum, default_value = "buffered")]
    pub invoke_mode: InvokeMode,

    /// How the Function URL knows a request came through CloudFront.
    #[arg(long, value_enum, default_value = "secret")]
    pub origin_auth: OriginAuth,

    /// Let error bodies name functions, ARNs and AWS messages (LAMUX_ERROR_DETAILS). Off by
    /// default: the endpoint is public.
    #[arg(long)]
    pub error_details: bool,

    /// A cookie that names another alias of the host's function (lamux's --alias-cookie):
    /// README "Alias override". Off unless given.
    #[arg(long)]
    pub alias_cookie: Option<String>,

    /// A request header that names another alias of the host's function (--alias-header).
    #[arg(long)]
    pub alias_header: Option<String>,

    /// Globs an overriding alias must match besides --allow-alias (--alias-override-allow).
    #[arg(long, value_delimiter = ',')]
    pub alias_override_allow: Vec<String>,

    /// A path whose link sets the override cookie (--alias-cookie-path).
    #[arg(long)]
    pub alias_cookie_path: Option<String>,

    /// Sticky canaries `ALIAS=TARGET:PERCENT` (LAMUX_CANARY). Unless given, `up` keeps the
    /// deployed canary (`preview canary` sets it); an empty value ends every canary.
    #[arg(long, value_delimiter = ',')]
    pub canary: Option<Vec<String>>,

    /// The lamux binary to deploy [default: built with cargo-lambda].
    #[arg(long)]
    pub binary: Option<PathBuf>,
}

/// Which functions the role may invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeScope {
    /// No invoke permission yet: every request would be denied by IAM.
    Nothing,
    Functions(Vec<String>),
    All,
}

impl InvokeScope {
    /// Every function with `allow_all`, else the allow-list, else the fixed function.
    pub fn of(allow_all: bool, allow_function: &[String], function_name: &str) -> Self {
        if allow_all {
            Self::All
        } else if !allow_function.is_empty() {
            Self::Functions(allow_function.to_vec())
        } else if function_name != "*" {
            Self::Functions(vec![function_name.to_owned()])
        } else {
            Self::Nothing
        }
    }

    /// What the user should hear about this scope before deploying it.
    pub fn warning(&self) -> Option<&'static str> {
        match self {
            Self::Nothing => Some(
                "lamux may invoke no function: pass --function-name NAME, --allow-function NAME[,NAME…] \
                 or --allow-all-functions",
            ),
            Self::All => Some("--allow-all-functions lets lamux invoke every function in the account and region"),
            Self::Functions(_) => None,
        }
    }
}

/// The checked options: the stack's name, and what the [`Lamux`](crate::Lamux) construct
/// gets (its `code` is the default build until `synth` or `up` names the binary).
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub stack_name: String,
    pub lamux: LamuxProps,
}

/// Retention values CloudWatch Logs accepts.
pub(crate) const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// CloudFront's origin read timeout without a quota increase (AWS docs, "Quotas").
pub const ORIGIN_READ_DEFAULT_LIMIT: u32 = 60;

/// Names of CloudFront Functions and origin access controls are unique per account, so the
/// stack's include its region: `STACK-REGION-fwd-host`. Both kinds allow 64 characters, and
/// the longest region names have 14 (`ap-southeast-7`), which leaves 40 for the stack name.
pub const MAX_STACK_NAME: usize = 64 - "-ap-southeast-7-fwd-host".len();

/// CloudFormation's rule for stack names: a letter, then letters, digits and hyphens, at
/// most 128 characters.
pub fn check_stack_name(name: &str) -> anyhow::Result<()> {
    crate::names::check_stack_name(name).context("--stack-name")?;
    ensure!(
        name.len() <= MAX_STACK_NAME,
        "--stack-name {name:?} is {} characters; lamux's CloudFront names (STACK-REGION-fwd-host) must \
         fit CloudFront's 64, which leaves {MAX_STACK_NAME} for the stack name",
        name.len()
    );
    Ok(())
}

impl StackArgs {
    /// Check the flags against each other and against AWS's limits. `binary_arch` is the
    /// architecture of the binary being deployed, when there is one.
    pub fn validate(&self, binary_arch: Option<Arch>) -> anyhow::Result<StackOptions> {
        let arch = match (self.arch, binary_arch) {
            (Some(flag), Some(binary)) if flag != binary => bail!(
                "--arch {} does not match the binary, which is built for {}",
                flag.lambda_name(),
                binary.lambda_name()
            ),
            (flag, binary) => flag.or(binary).unwrap_or(Arch::X86_64),
        };
        check_stack_name(&self.stack_name)?;
        let suffix = lamux::config::parse_domain_suffix(self.domain_suffix.trim_end_matches('.'))
            .map_err(anyhow::Error::msg)
            .context("--domain-suffix")?;
        lamux::config::parse_function_name(&self.function_name)
            .map_err(anyhow::Error::msg)
            .context("--function-name")?;
        for name in &self.allow_function {
            ensure!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_*?".contains(&b)),
                "--allow-function {name:?} is not a function name or glob (letters, digits, '-', '_', '*', '?')"
            );
        }
        for alias in &self.allow_alias {
            ensure!(
                !alias.is_empty() && alias.bytes().all(|b| b.is_ascii_alphanumeric() || b"*?".contains(&b)),
                "--allow-alias {alias:?} is not an alias or glob (lamux routes aliases of letters and digits)"
            );
        }
        let upstream = self.upstream_timeout;
        ensure!(!upstream.is_zero(), "--upstream-timeout must be longer than zero");
        let timeout = self.timeout.unwrap_or(upstream + Duration::from_secs(5));
        ensure!(timeout > upstream, "--timeout ({timeout:?}) must be longer than --upstream-timeout ({upstream:?})");
        let timeout_secs = whole_seconds(timeout);
        ensure!(timeout_secs <= 900, "--timeout must be at most 900 s, Lambda's limit");
        let origin_read_timeout_secs = origin_read_timeout(upstream, self.origin_read_timeout)?;
        let lamux = LamuxProps {
            domain_suffix: suffix,
            function_name: self.function_name.clone(),
            code: AssetSource::Bootstrap(binary::DEFAULT_BUILD.into()),
            allow_functions: self.allow_function.clone(),
            allow_all_functions: self.allow_all_functions,
            allow_aliases: self.allow_alias.clone(),
            arch,
            memory_size: self.memory,
            upstream_timeout: upstream,
            timeout_secs: Some(timeout_secs),
            origin_read_timeout_secs: Some(origin_read_timeout_secs),
            log_retention_days: self.log_retention_days,
            certificate_arn: self.certificate_arn.clone(),
            hosted_zone_id: self.hosted_zone_id.clone(),
            origin_auth: self.origin_auth,
            invoke_mode: self.invoke_mode,
            error_details: self.error_details,
            alias_override: crate::AliasOverride {
                cookie: self.alias_cookie.clone(),
                header: self.alias_header.clone(),
                allow: self.alias_override_allow.clone(),
                cookie_path: self.alias_cookie_path.clone(),
            },
            canary: self.canary.as_ref().map(|entries| entries.iter().filter(|e| !e.is_empty()).cloned().collect()),
        };
        // The environment the function will get must be one lamux starts with: the check
        // the construct makes, without synthesizing the stack.
        lamux.check()?;
        let options = StackOptions { stack_name: self.stack_name.clone(), lamux };
        Ok(options)
    }
}

pub(crate) fn whole_seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs() + u64::from(duration.subsec_nanos() > 0)).unwrap_or(u32::MAX)
}

/// CloudFront must wait for lamux's own answer, a 504 included, which comes at most the
/// upstream timeout after the request: a second more. Past CloudFront's default limit the
/// user must say that the account's quota allows it.
pub(crate) fn origin_read_timeout(upstream: Duration, flag: Option<u32>) -> anyhow::Result<u32> {
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
