//! lamux-deploy: the command line that puts lamux on AWS. It parses the flags and
//! `lamux-deploy.toml`, builds lamux's stack with [`lamux_cdk`], and prints what the engine
//! reports. The constructs, the template and the deploy engine are `lamux-cdk`'s.
//!
//! The command line is the same pieces:
//!
//! ```text
//! flags + lamux-deploy.toml -> options (checked with lamux's own parser)
//!   -> stack (the Lamux construct, pure) -> Synthesized { template, assets }
//!   -> engine: package (deterministic zips) -> assets (S3)
//!   -> deploy (change set) -> review (property diff, approval) -> events -> outputs
//! ```

pub mod binary;
pub mod cli;
pub mod config_file;
pub mod local;
pub mod options;
pub mod package;
pub mod preflight;
pub mod preview;
pub mod preview_command;
pub mod release;
pub mod remote;
pub mod stack;
pub mod urls;

use cli::{Cli, Command, LayerCommand};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let aws = &cli.aws;
    match cli.command {
        Command::Init { force } => config_file::init(&cli.config, force),
        Command::Synth { stack, out } => local::synth(&stack, out.as_deref()),
        Command::Package { binary, out } => local::package(binary.choice(), &out),
        Command::Diff { stack } => remote::diff(aws, &stack).await,
        Command::Up { stack, deploy, confirm } => remote::up(aws, &stack, &deploy, confirm).await,
        Command::Down { stack_name, confirm } => remote::down(aws, &stack_name, confirm).await,
        Command::Status { stack_name, binary, json } => remote::status(aws, &stack_name, binary.as_deref(), json).await,
        Command::Urls { stack_name, json } => remote::urls(aws, &stack_name, json).await,
        Command::Preview { command } => preview_command::run(aws, command).await,
        Command::Layer { command: LayerCommand::Publish { binary, layer_name, share_with } } => {
            remote::layer_publish(aws, &binary, &layer_name, share_with.as_deref()).await
        }
    }
}
