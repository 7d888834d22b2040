use serde::Serialize;

use crate::template::{Expr, Resource};

/// Managed cache policy CachingDisabled.
pub const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// Managed origin request policy AllViewerExceptHostHeader: a Function URL routes by Host,
/// so the viewer's Host must not reach it.
pub const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/// `AWS::CloudFront::Function`: the viewer-request function that sets X-Forwarded-Host.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    pub name: Expr,
    pub auto_publish: bool,
    pub function_code: String,
    pub function_config: FunctionConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfig {
    pub comment: String,
    pub runtime: &'static str,
}

impl Resource for Function {
    const TYPE: &'static str = "AWS::CloudFront::Function";
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControl {
    pub origin_access_control_config: OriginAccessControlConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControlConfig {
    pub name: Expr,
    pub description: String,
    pub origin_access_control_origin_type: &'static str,
    pub signing_behavior: &'static str,
    pub signing_protocol: &'static str,
}

impl Resource for OriginAccessControl {
    const TYPE: &'static str = "AWS::CloudFront::OriginAccessControl";
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Distribution {
    pub distribution_config: DistributionConfig,
}

impl Resource for Distribution {
    const TYPE: &'static str = "AWS::CloudFront::Distribution";
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DistributionConfig {
    pub comment: String,
    pub enabled: bool,
    pub http_version: &'static str,
    #[serde(rename = "IPV6Enabled")]
    pub ipv6_enabled: bool,
    pub price_class: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub viewer_certificate: ViewerCertificate,
    pub origins: Vec<Origin>,
    pub default_cache_behavior: CacheBehavior,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViewerCertificate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_front_default_certificate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acm_certificate_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_support_method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_protocol_version: Option<&'static str>,
}

impl ViewerCertificate {
    pub fn default_certificate() -> Self {
        Self {
            cloud_front_default_certificate: Some(true),
            acm_certificate_arn: None,
            ssl_support_method: None,
            minimum_protocol_version: None,
        }
    }

    pub fn acm(certificate_arn: &str) -> Self {
        Self {
            cloud_front_default_certificate: None,
            acm_certificate_arn: Some(certificate_arn.to_owned()),
            ssl_support_method: Some("sni-only"),
            minimum_protocol_version: Some("TLSv1.2_2021"),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Origin {
    pub id: &'static str,
    pub domain_name: Expr,
    pub custom_origin_config: CustomOriginConfig,
    /// Headers CloudFront adds to every origin request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origin_custom_headers: Vec<OriginCustomHeader>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_access_control_id: Option<Expr>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginCustomHeader {
    pub header_name: String,
    pub header_value: Expr,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomOriginConfig {
    pub origin_protocol_policy: &'static str,
    #[serde(rename = "OriginSSLProtocols")]
    pub origin_ssl_protocols: Vec<&'static str>,
    /// Seconds CloudFront waits for the origin's answer (1-60, up to 180 with a quota increase).
    pub origin_read_timeout: u32,
    /// Seconds CloudFront keeps an idle connection to the origin open for reuse (1-60).
    pub origin_keepalive_timeout: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CacheBehavior {
    pub target_origin_id: &'static str,
    pub viewer_protocol_policy: &'static str,
    pub allowed_methods: Vec<&'static str>,
    pub cached_methods: Vec<&'static str>,
    pub cache_policy_id: &'static str,
    pub origin_request_policy_id: &'static str,
    pub compress: bool,
    pub function_associations: Vec<FunctionAssociation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionAssociation {
    pub event_type: &'static str,
    #[serde(rename = "FunctionARN")]
    pub function_arn: Expr,
}
