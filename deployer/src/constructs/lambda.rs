use std::collections::BTreeMap;

use serde::Serialize;

use crate::template::{Expr, Resource};

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    pub description: String,
    pub runtime: &'static str,
    pub handler: &'static str,
    pub architectures: Vec<&'static str>,
    pub code: Code,
    pub role: Expr,
    pub memory_size: u32,
    pub timeout: u32,
    pub environment: Environment,
    pub logging_config: LoggingConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    pub s3_bucket: Expr,
    pub s3_key: Expr,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub variables: BTreeMap<String, Expr>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    pub log_group: Expr,
    pub log_format: &'static str,
}

impl Resource for Function {
    const TYPE: &'static str = "AWS::Lambda::Function";
}

/// `AWS::Lambda::Url`: the function's HTTPS endpoint.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Url {
    pub target_function_arn: Expr,
    pub auth_type: &'static str,
    pub invoke_mode: &'static str,
}

impl Resource for Url {
    const TYPE: &'static str = "AWS::Lambda::Url";
}

/// `AWS::Lambda::Permission`: a resource-based policy statement on the function.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    pub action: &'static str,
    pub function_name: Expr,
    pub principal: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_url_auth_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_via_function_url: Option<bool>,
}

impl Resource for Permission {
    const TYPE: &'static str = "AWS::Lambda::Permission";
}
