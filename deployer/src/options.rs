//! The user's choices, from flags to a validated [`StackOptions`], checked once.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, ensure};
use clap::{Args, ValueEnum};

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

/// The Function URL's InvokeMode, and lamux's `--invoke-mode` to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InvokeMode {
    /// Responses up to 6 MB, sent whole.
    Buffered,
    /// Streamed responses up to 200 MB, first bytes as soon as the function writes them.
    ResponseStream,
}

impl InvokeMode {
    /// The Function URL's `InvokeMode` value.
    pub fn url_value(self) -> &'static str {
        match self {
            Self::Buffered => "BUFFERED",
            Self::ResponseStream => "RESPONSE_STREAM",
        }
    }

    /// lamux's `LAMUX_INVOKE_MODE` value.
    pub fn lamux_value(self) -> &'static str {
        match self {
            Self::Buffered => "buffered",
            Self::ResponseStream => "response-stream",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OriginAuth {
    /// A public Function URL (AuthType NONE) behind CloudFront.
    None,
    /// CloudFront signs origin requests (origin access control, AuthType AWS_IAM).
    Oac,
}

/// Flags every command that renders the stack shares.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// Domain suffix that lamux routes under (`ALIAS-FUNCTION.SUFFIX`).
    #[arg(long, env = "LAMUX_DOMAIN_SUFFIX")]
    pub domain_suffix: String,

    /// Function lamux invokes, or `*` to take it from the host.
    #[arg(long, default_value = "*")]
    pub function_name: String,

    /// Functions lamux may invoke (any alias), comma-separated; scopes the IAM policy.
    #[arg(long, value_delimiter = ',')]
    pub allow_function: Vec<String>,

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

    /// lamux's upstream timeout (LAMUX_UPSTREAM_TIMEOUT in the function).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub upstream_timeout: Duration,

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

    /// How CloudFront authenticates to the Function URL.
    #[arg(long, value_enum, default_value = "none")]
    pub origin_auth: OriginAuth,

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

#[derive(Debug, Clone)]
pub struct StackOptions {
    pub stack_name: String,
    pub domain_suffix: String,
    pub function_name: String,
    pub scope: InvokeScope,
    pub arch: Arch,
    pub memory: u32,
    pub timeout_secs: u32,
    pub upstream_timeout: Duration,
    pub log_retention_days: u32,
    pub certificate_arn: Option<String>,
    pub hosted_zone_id: Option<String>,
    pub origin_auth: OriginAuth,
    pub invoke_mode: InvokeMode,
}

/// Retention values CloudWatch Logs accepts.
const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

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
        let suffix = self.domain_suffix.trim_start_matches('.').trim_end_matches('.').to_ascii_lowercase();
        ensure!(
            !suffix.is_empty() && suffix.split('.').all(|label| !label.is_empty()),
            "--domain-suffix {:?} is not a domain name",
            self.domain_suffix
        );
        let scope = if self.allow_all_functions {
            InvokeScope::All
        } else if !self.allow_function.is_empty() {
            InvokeScope::Functions(self.allow_function.clone())
        } else if self.function_name != "*" {
            InvokeScope::Functions(vec![self.function_name.clone()])
        } else {
            InvokeScope::Nothing
        };
        let upstream = self.upstream_timeout;
        ensure!(!upstream.is_zero(), "--upstream-timeout must be longer than zero");
        let timeout = self.timeout.unwrap_or(upstream + Duration::from_secs(5));
        ensure!(timeout > upstream, "--timeout ({timeout:?}) must be longer than --upstream-timeout ({upstream:?})");
        let timeout_secs = u32::try_from(timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0)).unwrap_or(u32::MAX);
        ensure!(timeout_secs <= 900, "--timeout must be at most 900 s, Lambda's limit");
        ensure!((128..=10_240).contains(&self.memory), "--memory must be from 128 to 10240 MB");
        ensure!(
            RETENTION_DAYS.contains(&self.log_retention_days),
            "--log-retention-days must be one of {RETENTION_DAYS:?}"
        );
        if let Some(arn) = &self.certificate_arn {
            ensure!(
                arn.split(':').nth(3) == Some("us-east-1"),
                "--certificate-arn must be an ACM certificate in us-east-1 (CloudFront's region), got {arn}"
            );
        }
        Ok(StackOptions {
            stack_name: self.stack_name.clone(),
            domain_suffix: suffix,
            function_name: self.function_name.clone(),
            scope,
            arch,
            memory: self.memory,
            timeout_secs,
            upstream_timeout: upstream,
            log_retention_days: self.log_retention_days,
            certificate_arn: self.certificate_arn.clone(),
            hosted_zone_id: self.hosted_zone_id.clone(),
            origin_auth: self.origin_auth,
            invoke_mode: self.invoke_mode,
        })
    }
}
