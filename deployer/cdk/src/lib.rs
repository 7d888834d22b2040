//! lamux-cdk: CloudFormation stacks as typed Rust constructs, lamux as one of them, and the
//! engine that deploys them.
//!
//! - [`app`]: an [`App`] of named stacks, with the exports and imports between them and,
//!   with the `deploy` feature, `app.run()`: the command line of any program that builds one.
//! - [`tree`]: a [`Stack`] owns constructs by path (`Lamux/Function`), derives each logical
//!   ID from its path, refuses duplicates, and synthesizes the template and the assets.
//! - [`constructs`]: Lambda (function, version, alias, URL, permission), IAM roles, log
//!   groups, CloudFront and Route 53, each with builders and typed references
//!   ([`tree::Ref`]: `function.arn()` is a `Ref<FunctionArn>`).
//! - [`Lamux`]: lamux's function, URL, role, CloudFront and records as one construct;
//!   [`Lamux::serve`] lets it invoke a function of your stack.
//! - `engine` (feature `deploy`, on by default): upload the assets, create and review the
//!   change set, execute it, return the outputs. It reports progress as `tracing` events
//!   (`progress::PROGRESS`) for the caller to render.
//!
//! Without the `deploy` feature the crate synthesizes templates only: no AWS SDK, no async
//! runtime, and lamux's contract (its flag parser and routing rules) without its proxy.
//!
//! ```
//! use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
//! use lamux_cdk::template::Expr;
//! use lamux_cdk::tree::{Asset, AssetSource, Stack};
//! use lamux_cdk::{Lamux, LamuxProps};
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
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Every public item has a doc comment: clippy's `-D warnings` and scripts/test's `cargo doc`
// hold it.
#![warn(missing_docs)]

/// `bail!` for a function that returns either `anyhow::Result` or [`DeployError`].
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(anyhow::anyhow!($($arg)*).into())
    };
}

/// `ensure!` likewise.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            bail!($($arg)*);
        }
    };
}

pub mod error;

pub mod app;
pub mod architecture;
pub mod archive;
pub mod bundling;
pub mod constructs;
#[cfg(feature = "deploy")]
pub mod deploying;
pub mod lamux_construct;
pub mod names;
pub mod routable;
pub mod template;
pub mod tree;

// The deploy half's modules keep their paths (`lamux_cdk::engine`, `lamux_cdk::review`, …).
#[cfg(feature = "deploy")]
pub use deploying::{assets, aws, deploy, engine, progress, review, secrets, select, toolkit};

// The crate's front door. Modules inside import from the module that defines a name, never
// from here, so that the root imports them and not the other way round.
pub use app::App;
#[cfg(feature = "deploy")]
pub use deploying::progress::PROGRESS;
pub use error::{DeployError, Result};
pub use lamux_construct::{AliasOverride, Lamux, LamuxProps};
pub use tree::{Construct, Stack};
