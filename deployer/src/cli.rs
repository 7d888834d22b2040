//! The command line: one subcommand per step a user takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::options::{Arch, StackArgs};

#[derive(Debug, Parser)]
#[command(name = "lamux-deploy", version, about = "Deploy lamux to AWS: Lambda, Function URL, CloudFront")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
    /// Show what `up` would change, as a change set that is then deleted.
    Diff {
        #[command(flatten)]
        stack: StackArgs,
    },
    /// Upload the code and create or update the stack through a change set.
    Up {
        #[command(flatten)]
        stack: StackArgs,
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
    /// Stack status, outputs, and whether the deployed code matches the local binary.
    Status {
        #[arg(long, default_value = "lamux")]
        stack_name: String,
        /// The lamux binary to compare with the deployed code.
        #[arg(long)]
        binary: Option<PathBuf>,
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

#[derive(Debug, Clone, Args)]
pub struct BinaryArgs {
    /// The lamux binary [default: built with cargo-lambda].
    #[arg(long)]
    pub binary: Option<PathBuf>,
    /// Architecture [default: read from the binary].
    #[arg(long, value_enum)]
    pub arch: Option<Arch>,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct Confirm {
    /// Do not ask before changing anything.
    #[arg(long, short = 'y')]
    pub yes: bool,
}
