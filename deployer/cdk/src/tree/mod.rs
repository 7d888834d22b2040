//! The construct tree: a [`Stack`] owns every construct added under it, names each by its
//! path (`Lamux/Function`), derives the logical ID from that path, and synthesizes the
//! template and its asset manifest.
//!
//! Logical IDs are the path's components joined (`Lamux/Function` → `LamuxFunction`), so
//! they are stable as long as the path is. CDK appends a hash of the path to make two paths
//! that join to the same ID impossible; here such a pair is refused with
//! [`Error::DuplicateLogicalId`] instead, which keeps IDs readable and lets a stack keep the
//! IDs it was first deployed with ([`Stack::pin_logical_id`]): a changed logical ID makes
//! CloudFormation replace the resource.
//!
//! Where things are: `scope` (a construct's place, the tree a stack keeps), `resource`
//! ([`CfnResource`], with `overrides`), `sections` (parameters, conditions, mappings,
//! outputs), `asset` and `asset_source` (files deployed beside the template), `tags`,
//! `aspects` and `scopes` ([`Tags::of`], [`Aspects::of`]), `stack` (synthesis, in the order
//! props, tags, aspects, overrides), `hashed` (IDs named at synth), `refs` (typed values),
//! `error`.

mod aspects;
mod asset;
mod asset_source;
mod error;
pub(crate) mod hashed;
mod overrides;
mod refs;
mod resource;
mod rotating;
mod scope;
mod scopes;
mod sections;
mod stack;
mod tags;

pub use aspects::{Aspect, Finding, Referenced, Visit};
pub use asset::Asset;
pub use asset_source::{AssetEntry, AssetSource};
pub use error::Error;
pub use refs::*;
pub use resource::CfnResource;
pub use rotating::RotatingSecretEntry;
pub use scope::{Construct, Scope, check_same_stack};
pub use scopes::{Aspects, Scopes, Tags};
pub use sections::{Condition, Mapping, Output, OutputProps, Parameter};
pub(crate) use stack::Reading;
pub use stack::{Stack, Synthesized};
pub use tags::{TagRule, taggable};

#[cfg(test)]
mod tests;
