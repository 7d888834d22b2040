//! The command line: one subcommand per step a user takes. Every flag can also be a key of
//! `lamux-deploy.toml` (`config_file` reads it).

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand};
use lamux_cdk::constructs::lambda::Architecture as Arch;

use crate::options::StackArgs;
pub use lamux_cdk::aws::AwsArgs;
pub use lamux_cdk::review::RequireApproval;
pub use lamux_cdk::toolkit::{Confirm, parse_tag};

/// The settings file read unless `--config` names another.
pub const DEFAULT_FILE: &str = "lamux-deploy.toml";

#[derive(Debug, Parser)]
#[command(name = "lamux-deploy", version, about = "Deploy lamux to AWS: Lambda, Function URL, CloudFront")]
pub struct Cli {
    /// Settings file; its keys are the long flag names, and flags override it.
    #[arg(long, global = true, default_value = DEFAULT_FILE)]
    pub config: PathBuf,

    /// Use the `[env.NAME]` table of the settings file over its top-level keys.
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub environment: Option<String>,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented lamux-deploy.toml to start from.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the CloudFormation template; with --out, write it, the asset manifest and the zips.
    Synth {
        #[command(flatten)]
        stack: StackArgs,
        /// Directory for template.json, assets.json and the zips.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write the function and layer zips, with their sha256 files.
    Package {
        #[command(flatten)]
        binary: BinaryArgs,
        /// Directory for the zips.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
    },
    /// Show what `up` would change, property by property. Changes nothing in the stack.
    Diff {
        #[command(flatten)]
        stack: StackArgs,
    },
    /// Upload the code and create or update the stack through a change set.
    Up {
        #[command(flatten)]
        stack: StackArgs,
        #[command(flatten)]
        deploy: DeployArgs,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Delete the stack.
    Down {
        #[arg(long, default_value = "lamux")]
        stack_name: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Stack status, outputs, and whether the deployed code matches the local binary. Read-only.
    Status {
        #[arg(long, default_value = "lamux")]
        stack_name: String,
        /// The lamux binary to compare with the deployed code.
        #[arg(long)]
        binary: Option<PathBuf>,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// The URL of every alias the deployed lamux may invoke. Read-only.
    Urls {
        #[arg(long, default_value = "lamux")]
        stack_name: String,
        /// Print a JSON array, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Preview environments on aliases: publish, list, retire, promote, roll back (README
    /// "Preview environments").
    Preview {
        #[command(subcommand)]
        command: PreviewCommand,
    },
    /// The extension layer.
    Layer {
        #[command(subcommand)]
        command: LayerCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum LayerCommand {
    /// Publish a new version of the lamux extension layer.
    Publish {
        #[command(flatten)]
        binary: BinaryArgs,
        /// Layer name.
        #[arg(long, default_value = "lamux")]
        layer_name: String,
        /// Share the version with an AWS account id, or `public` for everyone.
        #[arg(long)]
        share_with: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PreviewCommand {
    /// Publish code and point alias NAME at it; prints the preview's URL.
    Up {
        #[command(flatten)]
        name: PreviewName,
        #[command(flatten)]
        target: PreviewTarget,
        /// A zip, or a `bootstrap` executable (zipped as lamux's own) [default: publish the
        /// function's current $LATEST].
        #[arg(long, conflicts_with = "version")]
        code: Option<PathBuf>,
        /// Point the alias at this existing version instead of publishing.
        #[arg(long)]
        version: Option<u64>,
        /// How long the preview lives before `prune --expired` removes it (`12h`, `7d`, at
        /// most 10 years).
        #[arg(long, default_value = "7d", value_parser = crate::preview::name::parse_ttl)]
        ttl: Duration,
        /// The commit the preview runs, recorded in the alias.
        #[arg(long)]
        commit: Option<String>,
        /// The branch the preview runs, recorded in the alias.
        #[arg(long)]
        branch: Option<String>,
        /// Take over an existing alias that no preview made.
        #[arg(long)]
        include_unmarked: bool,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Every alias: version, times, commit and branch, URL, whether lamux routes it. Read-only.
    List {
        #[command(flatten)]
        target: PreviewTarget,
        /// Print a JSON array, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Delete alias NAME, then the versions nothing may still use (README "What down and
    /// prune keep").
    Down {
        #[command(flatten)]
        name: PreviewName,
        #[command(flatten)]
        target: PreviewTarget,
        #[command(flatten)]
        keep: Keeping,
        /// Delete the alias even though no preview made it (never a protected one).
        #[arg(long)]
        include_unmarked: bool,
        /// Print what would be deleted and what is kept, and delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Every version of the function, what keeps it (which rule), and what `down` and
    /// `prune` would delete. Read-only.
    Versions {
        #[command(flatten)]
        target: PreviewTarget,
        #[command(flatten)]
        keep: Keeping,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Start, move or end a sticky canary: PERCENT of the base alias's clients get preview
    /// NAME, each kept on its side by a cookie (README "Sticky canary").
    Canary {
        #[command(flatten)]
        name: PreviewName,
        #[command(flatten)]
        target: PreviewTarget,
        /// The share of the base alias's clients that get the preview, 0 to 100.
        #[arg(long, required_unless_present = "end", conflicts_with = "end", value_parser = clap::value_parser!(u8).range(0..=100))]
        percent: Option<u8>,
        /// End the base alias's canary: every client gets the base alias again.
        #[arg(long)]
        end: bool,
        /// The alias whose clients are split.
        #[arg(long, default_value = "live")]
        base: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Point a production alias (`--to`, default live) at the version preview NAME runs, and
    /// record the version it had as its rollback target. Not for the preview role.
    Promote {
        #[command(flatten)]
        name: PreviewName,
        #[command(flatten)]
        target: PreviewTarget,
        /// The alias to point at NAME's version.
        #[arg(long, default_value = "live")]
        to: String,
        /// End a running canary of that alias first (through the lamux stack, asked like any
        /// change unless --yes); without it, a running canary refuses the promotion.
        #[arg(long)]
        end_canary: bool,
        #[command(flatten)]
        confirm: Confirm,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Point an alias (`--alias`, default live) back at the version it had before its last
    /// promote or rollback; again for the one before. Not for the preview role.
    Rollback {
        #[command(flatten)]
        target: PreviewTarget,
        /// The alias to move back.
        #[arg(long, default_value = "live")]
        alias: String,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Remove expired or old previews, then the versions nothing may still use. Never a
    /// protected alias, nor one a running canary names. Give --expired, --older-than, or both.
    #[command(group(ArgGroup::new("stale").args(["expired", "older_than"]).required(true).multiple(true)))]
    Prune {
        #[command(flatten)]
        target: PreviewTarget,
        #[command(flatten)]
        keep: Keeping,
        /// Previews past the expiry their `up` recorded (--ttl).
        #[arg(long)]
        expired: bool,
        /// Previews created longer ago than this (`14d`, `36h`, `90min`).
        #[arg(long, value_parser = crate::preview::name::parse_age)]
        older_than: Option<Duration>,
        /// Aliases that no preview made too (their age is their version's); never protected ones.
        #[arg(long)]
        include_unmarked: bool,
        /// Print what would be deleted, and delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
}

/// The preview's alias: given, or derived from a branch.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct PreviewName {
    /// The alias: lower-case letters and digits, e.g. pr42.
    pub name: Option<String>,
    /// Derive the alias from a branch name (deterministic; printed).
    #[arg(long, value_name = "BRANCH")]
    pub name_from_branch: Option<String>,
}

/// Which function, and where lamux serves it.
#[derive(Debug, Clone, Args)]
pub struct PreviewTarget {
    /// The function whose aliases previews are [default: the stack's function-name].
    #[arg(long)]
    pub function: Option<String>,
    /// The deployed lamux stack: its routing and allow-lists decide whether a preview is reachable.
    #[arg(long, default_value = "lamux")]
    pub stack_name: String,
    /// lamux runs some other way: read no stack, check only the name.
    #[arg(long)]
    pub no_stack: bool,
    /// With --no-stack: the hosts' domain suffix, for the URL.
    #[arg(long)]
    pub domain_suffix: Option<String>,
    /// Aliases previews never create, move or delete (globs, comma-separated), besides
    /// `live` (see --protect-default).
    #[arg(long, value_delimiter = ',')]
    pub protect: Vec<String>,
    /// Whether `live` is protected besides --protect; `false` only when no alias of that
    /// name serves production.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub protect_default: bool,
    /// What --name-from-branch puts before a branch's name, so that one glob (`br*`) admits
    /// every derived name.
    #[arg(long, default_value = "br")]
    pub branch_prefix: String,
}

impl PreviewTarget {
    /// The protected aliases: `live` unless --protect-default=false, and --protect.
    pub fn protect(&self) -> crate::preview::Protect {
        let default = self.protect_default.then(|| "live".to_owned());
        let patterns: Vec<String> = default.into_iter().chain(self.protect.iter().cloned()).collect();
        crate::preview::Protect::new(&patterns)
    }
}

/// What `down` and `prune` keep besides what references a version.
#[derive(Debug, Clone, Copy, Args)]
pub struct Keeping {
    /// Unreferenced versions to keep, newest first.
    #[arg(long, default_value_t = 3)]
    pub keep_versions: usize,
    /// The versions each protected alias pointed at before, kept as its rollback targets.
    #[arg(long, default_value_t = 3)]
    pub keep_live: usize,
    /// Versions published more recently than this are kept: an `up` in flight has published
    /// one and not yet pointed its alias at it.
    #[arg(long, default_value = "15min", value_parser = crate::preview::name::parse_age)]
    pub min_age: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct BinaryArgs {
    /// The lamux binary (an executable) [default: see --bundle].
    #[arg(long, conflicts_with = "bundle")]
    pub binary: Option<PathBuf>,
    /// A release's lamux-bootstrap-ARCH.zip [default: the one beside lamux-deploy, else a
    /// build in lamux's source tree, else this version's release asset, downloaded].
    #[arg(long)]
    pub bundle: Option<PathBuf>,
    /// Architecture [default: read from the binary, else x86_64].
    #[arg(long, value_enum)]
    pub arch: Option<Arch>,
}

impl BinaryArgs {
    /// Where the code comes from.
    pub fn choice(&self) -> crate::binary::Choice<'_> {
        crate::binary::Choice { binary: self.binary.as_deref(), bundle: self.bundle.as_deref(), arch: self.arch }
    }
}

/// What `up` does beyond the template.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// Stack tags, `key=value` comma-separated; CloudFormation passes them to every resource.
    #[arg(long, value_delimiter = ',', value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,

    /// Turn termination protection on (`true`) or off (`false`); unchanged when not given.
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub termination_protection: Option<bool>,

    /// Start a rotation of the origin secret: CloudFront sends a new one, and lamux accepts
    /// the new and the previous one until the next `up` (README "Rotating the origin secret").
    #[arg(long, conflicts_with = "finish_rotation")]
    pub rotate_origin_secret: bool,

    /// Finish a rotation of the origin secret: lamux stops accepting the previous one. The
    /// next `up` does this anyway; this flag fails when no rotation is in progress.
    #[arg(long)]
    pub finish_rotation: bool,

    /// When to ask before deploying: never, before changes that widen IAM permissions or a
    /// resource policy or replace a resource (broadening), or before any change.
    #[arg(long, value_enum, default_value = "broadening")]
    pub require_approval: RequireApproval,

    /// Write the stack's outputs as JSON to this file after deploying.
    #[arg(long)]
    pub outputs_file: Option<PathBuf>,
}
