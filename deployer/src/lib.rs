//! lamux-deploy: puts lamux on AWS, CDK-style.
//!
//! ```text
//! flags + lamux-deploy.toml -> options (checked with lamux's own parser)
//!   -> stack::template (typed constructs, pure) -> JSON template
//!   -> package (deterministic zips) -> assets (S3)
//!   -> deploy (change set) -> review (property diff, approval) -> events -> outputs
//! ```

pub mod assets;
pub mod aws;
pub mod binary;
pub mod cli;
pub mod config_file;
pub mod constructs;
pub mod deploy;
pub mod engine;
pub mod lamux_construct;
pub mod local;
pub mod options;
pub mod package;
pub mod remote;
pub mod review;
pub mod stack;
pub mod template;
pub mod tree;
pub mod urls;

pub use lamux_construct::{Lamux, LamuxProps};
pub use tree::{Construct, Stack};

use cli::{Cli, Command, LayerCommand};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let aws = &cli.aws;
    match cli.command {
        Command::Init { force } => config_file::init(&cli.config, force),
        Command::Synth { stack, out } => local::synth(&stack, out.as_deref()),
        Command::Package { binary, out } => local::package(binary.binary.as_deref(), binary.arch, &out),
        Command::Diff { stack } => remote::diff(aws, &stack).await,
        Command::Up { stack, deploy, confirm } => remote::up(aws, &stack, &deploy, confirm).await,
        Command::Down { stack_name, confirm } => remote::down(aws, &stack_name, confirm).await,
        Command::Status { stack_name, binary, json } => remote::status(aws, &stack_name, binary.as_deref(), json).await,
        Command::Urls { stack_name, json } => remote::urls(aws, &stack_name, json).await,
        Command::Layer { command: LayerCommand::Publish { binary, layer_name, share_with } } => {
            remote::layer_publish(aws, &binary, &layer_name, share_with.as_deref()).await
        }
    }
}
