//! Constructs, one module per AWS service: each resource's properties with the names of the
//! CloudFormation resource reference (optional ones skipped when unset), builders with
//! defaults, and typed references to what the resource returns.

pub mod cloudfront;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod route53;
pub mod secret;
