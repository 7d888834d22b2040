//! CloudFront: a viewer-request [`Function`], an [`OriginAccessControl`], and a
//! [`Distribution`] (`AWS::CloudFront::*`).

use bon::Builder;
use serde::Serialize;

use crate::template::{Expr, Resource};
use crate::tree::{
    CfnResource, CloudFrontFunctionArn, Construct, DistributionId, DomainName, Error, OriginAccessControlId, Ref, Scope,
};

/// Managed cache policy CachingDisabled.
pub const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// Managed origin request policy AllViewerExceptHostHeader: a Function URL routes by Host,
/// so the viewer's Host must not reach it.
pub const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/// A CloudFront Function's runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FunctionRuntime {
    /// `cloudfront-js-1.0`
    #[serde(rename = "cloudfront-js-1.0")]
    Js1,
    /// `cloudfront-js-2.0`
    #[serde(rename = "cloudfront-js-2.0")]
    Js2,
}

/// The HTTP versions a distribution speaks to viewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HttpVersion {
    /// `http1.1`
    #[serde(rename = "http1.1")]
    Http1_1,
    /// `http2`
    #[serde(rename = "http2")]
    Http2,
    /// `http3`
    #[serde(rename = "http3")]
    Http3,
    /// `http2and3`
    #[serde(rename = "http2and3")]
    Http2And3,
}

/// Which edge locations serve the distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PriceClass {
    /// `PriceClass_100`
    #[serde(rename = "PriceClass_100")]
    PriceClass100,
    /// `PriceClass_200`
    #[serde(rename = "PriceClass_200")]
    PriceClass200,
    /// `PriceClass_All`
    #[serde(rename = "PriceClass_All")]
    All,
}

/// How CloudFront connects to a custom origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OriginProtocolPolicy {
    /// `http-only`
    HttpOnly,
    /// `match-viewer`
    MatchViewer,
    /// `https-only`
    HttpsOnly,
}

/// What CloudFront does with a viewer's plain-HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViewerProtocolPolicy {
    /// `allow-all`
    AllowAll,
    /// `redirect-to-https`
    RedirectToHttps,
    /// `https-only`
    HttpsOnly,
}

/// When a CloudFront Function runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventType {
    /// `viewer-request`
    ViewerRequest,
    /// `viewer-response`
    ViewerResponse,
}

/// `AWS::CloudFront::Function` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[builder(on(Expr, into))]
#[serde(rename_all = "PascalCase")]
pub struct FunctionProps {
    /// `Name`: unique in the account (every region).
    pub name: Expr,
    /// `AutoPublish`: publish to LIVE on every change.
    #[builder(default = true)]
    pub auto_publish: bool,
    /// `FunctionCode`: the JavaScript source.
    #[builder(into)]
    pub function_code: String,
    /// `FunctionConfig`
    pub function_config: FunctionConfig,
}

/// `FunctionConfig`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfig {
    /// `Comment`
    pub comment: String,
    /// `Runtime`
    pub runtime: FunctionRuntime,
}

impl Resource for FunctionProps {
    const TYPE: &'static str = "AWS::CloudFront::Function";
}

/// A CloudFront Function.
#[derive(Clone)]
pub struct Function {
    resource: CfnResource<FunctionProps>,
}

impl Construct for Function {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl Function {
    /// An `AWS::CloudFront::Function` as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, props: FunctionProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Fn::GetAtt FunctionARN`
    pub fn arn(&self) -> Ref<CloudFrontFunctionArn> {
        Ref::unchecked(self.resource.get_att("FunctionARN"))
    }

    /// The resource, for overrides.
    pub fn resource(&self) -> &CfnResource<FunctionProps> {
        &self.resource
    }
}

/// `AWS::CloudFront::OriginAccessControl` properties.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControlProps {
    /// `OriginAccessControlConfig`
    pub origin_access_control_config: OriginAccessControlConfig,
}

/// `OriginAccessControlConfig`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControlConfig {
    /// `Name`
    pub name: Expr,
    /// `Description`
    pub description: String,
    /// `lambda`, `s3`, `mediastore` or `mediapackagev2`.
    pub origin_access_control_origin_type: String,
    /// `always`, `never` or `no-override`.
    pub signing_behavior: String,
    /// `SigningProtocol`
    pub signing_protocol: String,
}

impl Resource for OriginAccessControlProps {
    const TYPE: &'static str = "AWS::CloudFront::OriginAccessControl";
}

/// Lets CloudFront sign its requests to an origin (here a Function URL with `AWS_IAM`).
#[derive(Clone)]
pub struct OriginAccessControl {
    resource: CfnResource<OriginAccessControlProps>,
}

impl Construct for OriginAccessControl {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl OriginAccessControl {
    /// An `AWS::CloudFront::OriginAccessControl` as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, props: OriginAccessControlProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Fn::GetAtt Id`
    pub fn id(&self) -> Ref<OriginAccessControlId> {
        Ref::unchecked(self.resource.get_att("Id"))
    }
}

/// `AWS::CloudFront::Distribution` properties.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DistributionProps {
    /// `DistributionConfig`
    pub distribution_config: DistributionConfig,
}

impl Resource for DistributionProps {
    const TYPE: &'static str = "AWS::CloudFront::Distribution";
}

#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
/// `DistributionConfig`: what the distribution serves and how.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct DistributionConfig {
    /// `Comment`
    pub comment: String,
    /// `Enabled` (default `true`)
    #[builder(default = true)]
    pub enabled: bool,
    /// `HttpVersion` (default `HttpVersion::Http2And3`)
    #[builder(default = HttpVersion::Http2And3)]
    pub http_version: HttpVersion,
    /// `IPV6Enabled` (default `true`)
    #[serde(rename = "IPV6Enabled")]
    #[builder(default = true)]
    pub ipv6_enabled: bool,
    /// `PriceClass` (default `PriceClass::All`)
    #[builder(default = PriceClass::All)]
    pub price_class: PriceClass,
    /// `Aliases`: the domain names the distribution answers for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[builder(default)]
    pub aliases: Vec<Expr>,
    /// `ViewerCertificate` (default `ViewerCertificate::default_certificate()`)
    #[builder(default = ViewerCertificate::default_certificate())]
    pub viewer_certificate: ViewerCertificate,
    /// `Origins`
    pub origins: Vec<Origin>,
    /// `DefaultCacheBehavior`
    pub default_cache_behavior: CacheBehavior,
}

/// `ViewerCertificate`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViewerCertificate {
    /// `CloudFrontDefaultCertificate`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_front_default_certificate: Option<bool>,
    /// `AcmCertificateArn`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acm_certificate_arn: Option<Expr>,
    /// `SslSupportMethod`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_support_method: Option<String>,
    /// `MinimumProtocolVersion`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_protocol_version: Option<String>,
}

impl ViewerCertificate {
    /// `*.cloudfront.net`'s certificate: the distribution answers on its own domain only.
    pub fn default_certificate() -> Self {
        Self {
            cloud_front_default_certificate: Some(true),
            acm_certificate_arn: None,
            ssl_support_method: None,
            minimum_protocol_version: None,
        }
    }

    /// An ACM certificate (in us-east-1), SNI only, TLS 1.2 or later.
    pub fn acm(certificate_arn: impl Into<Expr>) -> Self {
        Self {
            cloud_front_default_certificate: None,
            acm_certificate_arn: Some(certificate_arn.into()),
            ssl_support_method: Some("sni-only".to_owned()),
            minimum_protocol_version: Some("TLSv1.2_2021".to_owned()),
        }
    }
}

/// `Origins[]`: where requests go.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Origin {
    /// `Id`
    pub id: String,
    /// `DomainName`
    pub domain_name: Expr,
    /// `CustomOriginConfig`
    pub custom_origin_config: CustomOriginConfig,
    /// Headers CloudFront adds to every origin request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origin_custom_headers: Vec<OriginCustomHeader>,
    /// `OriginAccessControlId`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_access_control_id: Option<Ref<OriginAccessControlId>>,
}

/// `OriginCustomHeaders[]`: a header CloudFront adds to each request to the origin.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginCustomHeader {
    /// `HeaderName`
    pub header_name: String,
    /// `HeaderValue`
    pub header_value: Expr,
}

/// `CustomOriginConfig`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomOriginConfig {
    /// `OriginProtocolPolicy`
    pub origin_protocol_policy: OriginProtocolPolicy,
    /// `OriginSSLProtocols`
    #[serde(rename = "OriginSSLProtocols")]
    pub origin_ssl_protocols: Vec<String>,
    /// Seconds CloudFront waits for the origin's answer (1-60, up to 180 with a quota increase).
    pub origin_read_timeout: u32,
    /// Seconds CloudFront keeps an idle connection to the origin open for reuse (1-60).
    pub origin_keepalive_timeout: u32,
}

/// `DefaultCacheBehavior`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CacheBehavior {
    /// `TargetOriginId`
    pub target_origin_id: String,
    /// `ViewerProtocolPolicy`
    pub viewer_protocol_policy: ViewerProtocolPolicy,
    /// `AllowedMethods`
    pub allowed_methods: Vec<String>,
    /// `CachedMethods`
    pub cached_methods: Vec<String>,
    /// `CachePolicyId`
    pub cache_policy_id: String,
    /// `OriginRequestPolicyId`
    pub origin_request_policy_id: String,
    /// `Compress`
    pub compress: bool,
    /// `FunctionAssociations`
    pub function_associations: Vec<FunctionAssociation>,
}

/// `FunctionAssociations[]`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionAssociation {
    /// `EventType`
    pub event_type: EventType,
    /// `FunctionARN`
    #[serde(rename = "FunctionARN")]
    pub function_arn: Ref<CloudFrontFunctionArn>,
}

/// A CloudFront distribution.
#[derive(Clone)]
pub struct Distribution {
    resource: CfnResource<DistributionProps>,
}

impl Construct for Distribution {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl Distribution {
    /// An `AWS::CloudFront::Distribution` as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, config: DistributionConfig) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, DistributionProps { distribution_config: config })? })
    }

    /// `Ref`: the distribution's id.
    pub fn id(&self) -> Ref<DistributionId> {
        Ref::unchecked(self.resource.reference())
    }

    /// `Fn::GetAtt DomainName`: `dxxxx.cloudfront.net`.
    pub fn domain_name(&self) -> Ref<DomainName> {
        Ref::unchecked(self.resource.get_att("DomainName"))
    }

    /// `arn:…:cloudfront::ACCOUNT:distribution/ID`, as a `SourceArn` takes it.
    pub fn arn(&self) -> Expr {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{}}}",
            self.resource.logical_id()
        ))
    }

    /// The resource, for overrides.
    pub fn resource(&self) -> &CfnResource<DistributionProps> {
        &self.resource
    }
}
