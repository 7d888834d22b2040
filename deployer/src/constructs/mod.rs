//! One construct per AWS resource type the stack uses, with the property names of the
//! CloudFormation resource reference. Optional properties are skipped when unset.

pub mod cloudfront;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod route53;
