use serde::Serialize;
use serde_json::{Value, json};

use crate::template::{Expr, Resource};

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub assume_role_policy_document: Value,
    pub policies: Vec<Policy>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub sid: String,
    pub effect: &'static str,
    pub action: Vec<&'static str>,
    pub resource: Vec<Expr>,
}

impl Role {
    /// A role that only the Lambda service can assume.
    pub fn for_lambda(policies: Vec<Policy>) -> Self {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]
        });
        Self { assume_role_policy_document: trust, policies }
    }
}

impl Resource for Role {
    const TYPE: &'static str = "AWS::IAM::Role";
}
