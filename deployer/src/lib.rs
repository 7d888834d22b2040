//! lamux-deploy: puts lamux on AWS, CDK-style.
//!
//! ```text
//! options -> stack::template (typed constructs, pure) -> JSON template
//!         -> package (deterministic zips) -> assets (S3) -> deploy (change set, events, outputs)
//! ```

pub mod binary;
pub mod cli;
pub mod constructs;
pub mod local;
pub mod options;
pub mod package;
pub mod stack;
pub mod template;

use cli::{Cli, Command, LayerCommand};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Synth { stack, out } => local::synth(&stack, out.as_deref()),
        Command::Package { binary, out } => local::package(binary.binary.as_deref(), binary.arch, &out),
        Command::Diff { .. } | Command::Up { .. } | Command::Down { .. } | Command::Status { .. } => {
            anyhow::bail!("not yet")
        }
        Command::Layer { command: LayerCommand::Publish { .. } } => anyhow::bail!("not yet"),
    }
}
