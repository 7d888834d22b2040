use serde::Serialize;

use crate::template::{Expr, Resource};

/// The hosted zone of every CloudFront distribution, for alias records (AWS docs,
/// "AliasTarget", HostedZoneId).
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordSet {
    pub hosted_zone_id: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub alias_target: AliasTarget,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasTarget {
    #[serde(rename = "DNSName")]
    pub dns_name: Expr,
    pub hosted_zone_id: &'static str,
    pub evaluate_target_health: bool,
}

impl Resource for RecordSet {
    const TYPE: &'static str = "AWS::Route53::RecordSet";
}
