//! Route 53: [`RecordSet`] (`AWS::Route53::RecordSet`), with alias records to a distribution.

use serde::Serialize;

use super::cloudfront::Distribution;
use crate::template::{Expr, Resource};
use crate::tree::{CfnResource, Construct, DomainName, Error, Ref, Scope};

/// The hosted zone of every CloudFront distribution, for alias records (AWS docs,
/// "AliasTarget", HostedZoneId).
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// A DNS record's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordType {
    /// `A`
    A,
    /// `AAAA`
    Aaaa,
    /// `CNAME`
    Cname,
    /// `TXT`
    Txt,
    /// `MX`
    Mx,
    /// `NS`
    Ns,
    /// `CAA`
    Caa,
}

/// `AWS::Route53::RecordSet` properties (alias records).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordSetProps {
    /// `HostedZoneId`
    pub hosted_zone_id: Expr,
    /// `Name`: the fully qualified name, with the trailing dot.
    pub name: String,
    /// `Type`
    #[serde(rename = "Type")]
    pub kind: RecordType,
    /// `AliasTarget`
    pub alias_target: AliasTarget,
}

/// `AliasTarget`: the AWS resource an alias record answers with.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasTarget {
    /// `DNSName`
    #[serde(rename = "DNSName")]
    pub dns_name: Ref<DomainName>,
    /// `HostedZoneId`
    pub hosted_zone_id: String,
    /// `EvaluateTargetHealth`
    pub evaluate_target_health: bool,
}

impl Resource for RecordSetProps {
    const TYPE: &'static str = "AWS::Route53::RecordSet";
}

/// A DNS record set.
#[derive(Clone)]
pub struct RecordSet {
    resource: CfnResource<RecordSetProps>,
}

impl Construct for RecordSet {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl RecordSet {
    /// An `AWS::Route53::RecordSet` as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, props: RecordSetProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// An `A` or `AAAA` alias record for `name` in `zone` that points at `distribution`.
    pub fn alias_to(
        scope: &impl Construct,
        id: &str,
        zone: impl Into<Expr>,
        name: &str,
        kind: RecordType,
        distribution: &Distribution,
    ) -> Result<Self, Error> {
        let props = RecordSetProps {
            hosted_zone_id: zone.into(),
            name: name.to_owned(),
            kind,
            alias_target: AliasTarget {
                dns_name: distribution.domain_name(),
                hosted_zone_id: CLOUDFRONT_HOSTED_ZONE_ID.to_owned(),
                evaluate_target_health: false,
            },
        };
        Self::new(scope, id, props)
    }

    /// The resource, for overrides.
    pub fn resource(&self) -> &CfnResource<RecordSetProps> {
        &self.resource
    }
}
