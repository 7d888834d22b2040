//! The second half: deploying what the first half synthesized (feature `deploy`, on by
//! default). Without it the crate renders templates only, with no AWS SDK and no async
//! runtime.
//!
//! ```text
//! App::run (app_cli) -> select         which stacks a command reaches (pure)
//!                    -> toolkit        show, ask, deploy, diff, destroy
//!                    -> engine         assets, secrets, change set, outputs
//!                       -> review      property diff, what needs approval (pure)
//!                       -> deploy      change sets, stack events, outputs (CloudFormation)
//!                       -> assets      the asset bucket and uploads (S3)
//!                       -> secrets     NoEcho parameters generated once and kept
//! aws: the clients; progress: the engine's events, rendered
//! ```

pub(crate) mod app_cli;
pub mod assets;
pub mod aws;
pub mod deploy;
pub mod engine;
pub mod progress;
pub mod review;
pub mod secrets;
pub mod select;
pub mod toolkit;
