//! lamux-deploy: puts lamux on AWS, CDK-style, and is a construct library for stacks of
//! your own.
//!
//! - [`tree`]: a [`Stack`] owns constructs by path (`Lamux/Function`), derives each logical
//!   ID from its path, refuses duplicates, and synthesizes the template and the assets.
//! - [`constructs`]: Lambda (function, version, alias, URL, permission), IAM roles, log
//!   groups, CloudFront and Route 53, each with builders and typed references
//!   ([`tree::Ref`]: `function.arn()` is a `Ref<FunctionArn>`).
//! - [`Lamux`]: lamux's function, URL, role, CloudFront and records as one construct;
//!   [`Lamux::serve`] lets it invoke a function of your stack.
//! - [`engine`]: what `lamux-deploy up` runs: upload the assets, create and review the
//!   change set, execute it, return the outputs.
//!
//! ```
//! use lamux_deploy::constructs::lambda::{Code, Function, FunctionProps};
//! use lamux_deploy::template::Expr;
//! use lamux_deploy::tree::{Asset, AssetSource, Stack};
//! use lamux_deploy::{Lamux, LamuxProps};
//!
//! # // `cargo lambda build` writes target/lambda/NAME/bootstrap; synth checks that the file is there.
//! # let dir = tempfile::tempdir()?;
//! # let build = dir.path();
//! # for app in ["api", "lamux"] { std::fs::create_dir_all(build.join(app))?; std::fs::write(build.join(app).join("bootstrap"), b"")?; }
//! let stack = Stack::new("my app behind lamux");
//! let code = Asset::new(&stack, "ApiCode", "api", AssetSource::Bootstrap(build.join("api/bootstrap")))?;
//! // lamux routes `ALIAS-api.example.com`: the function needs a lower-case name of its own.
//! let api = Function::new(&stack, "Api", FunctionProps::builder().code(Code::from_asset(&code)).function_name(Expr::str("api")).build())?;
//! api.add_alias("live", &api.add_version("V1")?)?;
//! let lamux = Lamux::new(&stack, "Lamux", LamuxProps::builder()
//!     .domain_suffix("example.com")
//!     .code(AssetSource::Bootstrap(build.join("lamux/bootstrap")))
//!     .build())?;
//! lamux.serve(&api)?;
//! let synthesized = stack.synth()?;
//! assert_eq!(synthesized.assets.len(), 2, "api's zip and lamux's");
//! assert!(synthesized.template.to_json().contains("\"ApiAliaslive\""));
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! The command line is the same pieces:
//!
//! ```text
//! flags + lamux-deploy.toml -> options (checked with lamux's own parser)
//!   -> stack (the Lamux construct, pure) -> Synthesized { template, assets }
//!   -> engine: package (deterministic zips) -> assets (S3)
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
pub mod names;
pub mod options;
pub mod package;
pub mod preview;
pub mod preview_command;
pub mod remote;
pub mod review;
pub mod routable;
pub mod secrets;
pub mod stack;
pub mod template;
pub mod tree;
pub mod urls;

pub use lamux_construct::{AliasOverride, Lamux, LamuxProps};
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
        Command::Preview { command } => preview_command::run(aws, command).await,
        Command::Layer { command: LayerCommand::Publish { binary, layer_name, share_with } } => {
            remote::layer_publish(aws, &binary, &layer_name, share_with.as_deref()).await
        }
    }
}
