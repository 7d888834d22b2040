//! The user's choices, from flags and `lamux-deploy.toml` to a validated [`StackOptions`],
//! checked once. What lamux itself validates (the domain suffix, function names, the
//! environment the function gets) is checked with lamux's own code.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use clap::Args;
use lamux::config::InvokeMode;
use lamux_cdk::LamuxProps;
use lamux_cdk::constructs::lambda::Architecture as Arch;
use lamux_cdk::lamux_construct::ci::GithubCi;
use lamux_cdk::lamux_construct::{AliasOverride, OriginAuth, origin_read_timeout, whole_seconds};
use lamux_cdk::template::Expr;
use lamux_cdk::tree::AssetSource;

use crate::binary;

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

    /// A GitHub repository (`OWNER/REPO`) whose workflows get a preview role and a release
    /// role through OIDC (README "CI that cannot touch production").
    #[arg(long)]
    pub github_repo: Option<String>,

    /// An IAM OIDC provider for GitHub that the account has already (one per account):
    /// used instead of making one.
    #[arg(long, requires = "github_repo")]
    pub github_oidc_provider_arn: Option<String>,

    /// The functions previews run on, for the CI roles [default: the fixed --function-name,
    /// or the --allow-function entries without globs].
    #[arg(long, value_delimiter = ',', requires = "github_repo")]
    pub preview_function: Vec<String>,

    /// Aliases the preview role may never create, move or delete (globs).
    #[arg(long, value_delimiter = ',', default_value = "live", requires = "github_repo")]
    pub github_protect: Vec<String>,

    /// The only aliases the preview role may create, move or delete (globs).
    #[arg(long, value_delimiter = ',', default_value = "pr*,br*", requires = "github_repo")]
    pub preview_aliases: Vec<String>,

    /// The branch whose workflow runs the nightly prune.
    #[arg(long, default_value = "main", requires = "github_repo")]
    pub github_branch: String,

    /// The GitHub environment of the release job (promote, rollback).
    #[arg(long, default_value = "production", requires = "github_repo")]
    pub release_environment: String,

    /// The lamux binary to deploy (an executable) [default: see --bundle].
    #[arg(long, conflicts_with = "bundle")]
    pub binary: Option<PathBuf>,

    /// A release's lamux-bootstrap-ARCH.zip to deploy [default: the one beside lamux-deploy,
    /// else a build in lamux's source tree, else this version's release asset, downloaded].
    #[arg(long)]
    pub bundle: Option<PathBuf>,
}

/// The checked options: the stack's name, and what the [`Lamux`](crate::Lamux) construct
/// gets (its `code` is the default build until `synth` or `up` names the binary).
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub stack_name: String,
    pub lamux: LamuxProps,
}

/// Names of CloudFront Functions and origin access controls are unique per account, so the
/// stack's include its region: `STACK-REGION-fwd-host`. Both kinds allow 64 characters, and
/// the longest region names have 14 (`ap-southeast-7`), which leaves 40 for the stack name.
pub const MAX_STACK_NAME: usize = 64 - "-ap-southeast-7-fwd-host".len();

/// CloudFormation's rule for stack names: a letter, then letters, digits and hyphens, at
/// most 128 characters.
pub fn check_stack_name(name: &str) -> anyhow::Result<()> {
    lamux_cdk::names::check_stack_name(name).context("--stack-name")?;
    ensure!(
        name.len() <= MAX_STACK_NAME,
        "--stack-name {name:?} is {} characters; lamux's CloudFront names (STACK-REGION-fwd-host) must \
         fit CloudFront's 64, which leaves {MAX_STACK_NAME} for the stack name",
        name.len()
    );
    Ok(())
}

impl StackArgs {
    /// Where the code comes from.
    pub fn choice(&self) -> binary::Choice<'_> {
        binary::Choice { binary: self.binary.as_deref(), bundle: self.bundle.as_deref(), arch: self.arch }
    }

    /// The CI roles' settings, when a repository is given.
    fn github(&self) -> anyhow::Result<Option<GithubCi>> {
        let Some(repo) = &self.github_repo else { return Ok(None) };
        let mut functions = self.preview_function.clone();
        if functions.is_empty() {
            functions = if self.function_name == "*" {
                self.allow_function.iter().filter(|f| !f.contains(['*', '?'])).cloned().collect()
            } else {
                vec![self.function_name.rsplit(':').next().unwrap_or(&self.function_name).to_owned()]
            };
        }
        let ci = GithubCi {
            repo: repo.clone(),
            oidc_provider_arn: self.github_oidc_provider_arn.clone(),
            preview_functions: functions,
            protect: self.github_protect.clone(),
            preview_aliases: self.preview_aliases.clone(),
            branch: self.github_branch.clone(),
            preview_environment_prefix: "pr-".to_owned(),
            release_environment: self.release_environment.clone(),
        };
        ci.check().map_err(anyhow::Error::msg).context("--github-repo")?;
        Ok(Some(ci))
    }

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
            timeout: Some(Duration::from_secs(timeout_secs.into())),
            origin_read_timeout: Some(Duration::from_secs(origin_read_timeout_secs.into())),
            log_retention_days: self.log_retention_days,
            certificate_arn: self.certificate_arn.as_deref().map(Expr::str),
            hosted_zone_id: self.hosted_zone_id.as_deref().map(Expr::str),
            origin_auth: self.origin_auth,
            invoke_mode: self.invoke_mode,
            error_details: self.error_details,
            alias_override: AliasOverride {
                cookie: self.alias_cookie.clone(),
                header: self.alias_header.clone(),
                allow: self.alias_override_allow.clone(),
                cookie_path: self.alias_cookie_path.clone(),
            },
            canary: self.canary.as_ref().map(|entries| entries.iter().filter(|e| !e.is_empty()).cloned().collect()),
            github: self.github()?,
        };
        // The environment the function will get must be one lamux starts with: the check
        // the construct makes, without synthesizing the stack.
        lamux.check()?;
        let options = StackOptions { stack_name: self.stack_name.clone(), lamux };
        Ok(options)
    }
}
