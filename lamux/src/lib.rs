//! lamux: an HTTP multiplexer for AWS Lambda function aliases.
//!
//! A request for `live-my-func.example.com` becomes a synchronous Invoke of `my-func` at
//! qualifier `live`, sent as a Function URL event (payload 2.0); the function's Function URL
//! response becomes the HTTP response. One request takes one path:
//!
//! ```text
//! request -> hygiene::check                           (pure)
//! request -> origin::OriginGuard::check                (pure: the CloudFront secret)
//! host    -> route::Routes::resolve -> Target          (pure)
//! Target  -> access::AllowList::check                  (pure)
//! request -> event::encode          -> event payload   (pure)
//! payload -> invoke::Invoker::invoke -> Lambda output  (the only network I/O)
//! output  -> response::decode       -> HTTP response   (pure)
//! ```
//!
//! Without the `runtime` feature (on by default) the crate is lamux's contract alone: the
//! flags and environment ([`config`]), routing ([`route`]), the allow-list ([`access`]), alias
//! overrides and the canary ([`choose`]), the response's marks ([`marks`]) and the origin
//! secret ([`origin`]). `lamux-cdk` checks a deployment's settings with these, without
//! building the proxy; the mutation tests (`scripts/mutants`) build them alone, in a second.
//!
//! `proxy` is where the stages meet. The three ways to serve are thin adapters around its
//! router: `server` (local or container), `function_url` (a function behind a Function
//! URL) and `extension` (a Lambda extension serving its function on a local port).

pub mod access;
pub mod backoff;
pub mod choose;
pub mod config;
pub mod marks;
pub mod mode;
pub mod origin;
pub mod probe;
pub mod route;

#[cfg(test)]
mod test_headers;

#[cfg(feature = "runtime")]
pub mod direct_invoke;
#[cfg(feature = "runtime")]
pub mod error;
#[cfg(feature = "runtime")]
pub mod event;
#[cfg(feature = "runtime")]
pub mod extension;
#[cfg(feature = "runtime")]
pub mod function_url;
#[cfg(feature = "runtime")]
pub mod hygiene;
#[cfg(feature = "runtime")]
pub mod invoke;
#[cfg(feature = "runtime")]
pub mod link;
#[cfg(feature = "runtime")]
pub mod logging;
#[cfg(feature = "runtime")]
pub mod proxy;
#[cfg(feature = "runtime")]
pub mod response;
#[cfg(feature = "runtime")]
pub mod retry;
#[cfg(feature = "runtime")]
pub mod server;
#[cfg(feature = "runtime")]
pub mod signing;
#[cfg(feature = "runtime")]
pub mod stream;
#[cfg(feature = "runtime")]
pub mod telemetry;
#[cfg(feature = "runtime")]
pub mod tls;
#[cfg(feature = "runtime")]
pub mod upstream;

#[cfg(feature = "runtime")]
mod start;
#[cfg(feature = "runtime")]
pub use start::{app, aws_config, run};
