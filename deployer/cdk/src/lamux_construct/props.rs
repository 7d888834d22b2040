//! [`LamuxProps`]: what the [`Lamux`](super::Lamux) construct is deployed with.

use std::time::Duration;

use bon::Builder;
use lamux::config::InvokeMode;

use crate::constructs::lambda::Architecture;
use crate::template::Expr;
use crate::tree::AssetSource;

/// What lamux is deployed with. The defaults are `lamux-deploy`'s.
#[derive(Debug, Clone, Builder)]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct LamuxProps {
    /// The suffix lamux routes under: `ALIAS-FUNCTION.SUFFIX`.
    pub domain_suffix: String,
    /// A fixed function (name or ARN), or `*` to take it from the host.
    #[builder(default = "*".to_owned())]
    pub function_name: String,
    /// lamux's `bootstrap`.
    pub code: AssetSource,
    /// Functions lamux may invoke (names, globs, ARNs): the role's policy and lamux's own
    /// allow-list. [`Lamux::serve`](crate::Lamux::serve) adds functions of the stack.
    #[builder(default)]
    pub allow_functions: Vec<String>,
    /// Every function in the account and region.
    #[builder(default)]
    pub allow_all_functions: bool,
    /// Alias globs lamux may invoke (`live`, `pr*`); empty: any alias or version.
    #[builder(default)]
    pub allow_aliases: Vec<String>,
    /// The instruction set lamux's function runs on (default x86_64).
    #[builder(default = Architecture::X86_64)]
    pub arch: Architecture,
    /// MB; CPU comes in proportion.
    #[builder(default = 128)]
    pub memory_size: u32,
    /// lamux's upstream timeout (`LAMUX_UPSTREAM_TIMEOUT`).
    #[builder(default = Duration::from_secs(30))]
    pub upstream_timeout: Duration,
    /// The function's timeout, whole seconds; the upstream timeout plus 5 s unless given.
    pub timeout: Option<Duration>,
    /// CloudFront's origin read timeout, whole seconds; the upstream timeout plus 1 s unless
    /// given.
    pub origin_read_timeout: Option<Duration>,
    /// Days CloudWatch keeps lamux's logs.
    #[builder(default = 14)]
    pub log_retention_days: u32,
    /// An ACM certificate for `*.SUFFIX` in us-east-1: the distribution answers for it. A
    /// literal ARN is checked to be in us-east-1; a reference (a parameter, an import) is
    /// taken as it is.
    pub certificate_arn: Option<Expr>,
    /// A Route 53 zone for SUFFIX: `*.SUFFIX` A and AAAA records to the distribution.
    pub hosted_zone_id: Option<Expr>,
    /// How lamux's URL knows a request came through CloudFront.
    #[builder(default = OriginAuth::Secret)]
    pub origin_auth: OriginAuth,
    /// Buffered, or response streaming.
    #[builder(default = InvokeMode::Buffered)]
    pub invoke_mode: InvokeMode,
    /// Error bodies that name functions and AWS messages: off for a public endpoint.
    #[builder(default)]
    pub error_details: bool,
    /// The alias override: a cookie or header that names another alias (README "Alias
    /// override"). Off unless a cookie or header is given.
    #[builder(default)]
    pub alias_override: AliasOverride,
    /// Sticky canaries, `ALIAS=TARGET:PERCENT`, in the `Canary` parameter. `None` keeps what
    /// is deployed (`lamux-deploy preview canary` sets it); `Some` sets it, empty ends it.
    pub canary: Option<Vec<String>>,
    /// Roles for a GitHub repository's preview and release workflows (README "CI that
    /// cannot touch production").
    pub github: Option<super::ci::GithubCi>,
}

/// lamux's `--alias-cookie`, `--alias-header`, `--alias-override-allow` and
/// `--alias-cookie-path`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasOverride {
    /// The cookie that names the alias (lamux's `--alias-cookie`).
    pub cookie: Option<String>,
    /// The header that names the alias (`--alias-header`).
    pub header: Option<String>,
    /// The aliases an override may name (`--override-allow`).
    pub allow: Vec<String>,
    /// The cookie's `Path`.
    pub cookie_path: Option<String>,
}

/// How lamux's Function URL tells CloudFront's requests from others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

/// Which functions the role may invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeScope {
    /// No invoke permission yet: every request would be denied by IAM.
    Nothing,
    /// These functions, by name.
    Functions(Vec<String>),
    /// Every function of the account and region.
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
