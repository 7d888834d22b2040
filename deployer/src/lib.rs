//! lamux-deploy: puts lamux on AWS, CDK-style.
//!
//! ```text
//! options -> stack::template (typed constructs, pure) -> JSON template
//!         -> package (deterministic zips) -> assets (S3) -> deploy (change set, events, outputs)
//! ```

pub mod assets;
pub mod aws;
pub mod binary;
pub mod cli;
pub mod constructs;
pub mod deploy;
pub mod local;
pub mod options;
pub mod package;
pub mod remote;
pub mod stack;
pub mod template;

use cli::{Cli, Command, LayerCommand};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Synth { stack, out } => local::synth(&stack, out.as_deref()),
        Command::Package { binary, out } => local::package(binary.binary.as_deref(), binary.arch, &out),
        Command::Diff { stack } => remote::diff(&stack).await,
        Command::Up { stack, confirm } => remote::up(&stack, confirm).await,
        Command::Down { stack_name, confirm } => remote::down(&stack_name, confirm).await,
        Command::Status { stack_name, binary } => remote::status(&stack_name, binary.as_deref()).await,
        Command::Layer { command: LayerCommand::Publish { binary, layer_name, share_with } } => {
            remote::layer_publish(&binary, &layer_name, share_with.as_deref()).await
        }
    }
}
