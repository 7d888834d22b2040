//! IAM: [`Role`] with inline policies of [`Statement`]s (`AWS::IAM::Role`).

use bon::Builder;
use serde::Serialize;
use serde_json::{Value, json};

use crate::template::{Expr, Resource};
use crate::tree::{CfnResource, Construct, Error, Ref, RoleArn, Scope};

/// The inline policy [`Role::add_to_policy`] writes to.
pub const DEFAULT_POLICY: &str = "default";

/// `AWS::IAM::Role` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
pub struct RoleProps {
    /// `AssumeRolePolicyDocument`: who may assume the role.
    pub assume_role_policy_document: Value,
    /// `Policies`: inline policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[builder(default)]
    pub policies: Vec<Policy>,
    /// `ManagedPolicyArns`
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[builder(default)]
    pub managed_policy_arns: Vec<Expr>,
    /// `PermissionsBoundary`: the ARN of a managed policy that caps the role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Expr>,
}

impl RoleProps {
    /// A role that only the Lambda service can assume, with no permissions yet.
    pub fn for_lambda() -> Self {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]
        });
        Self::builder().assume_role_policy_document(trust).build()
    }
}

/// An inline policy: `PolicyName` and `PolicyDocument`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: String,
    pub statement: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A policy statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: Vec<String>,
    pub resource: Vec<Expr>,
}

impl Statement {
    pub fn allow<A: Into<String>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = Expr>,
    ) -> Self {
        Self {
            sid: None,
            effect: Effect::Allow,
            action: actions.into_iter().map(Into::into).collect(),
            resource: resources.into_iter().collect(),
        }
    }

    #[must_use]
    pub fn with_sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }
}

impl Resource for RoleProps {
    const TYPE: &'static str = "AWS::IAM::Role";
}

/// An IAM role.
///
/// ```
/// use lamux_cdk::constructs::iam::{Role, RoleProps, Statement};
/// use lamux_cdk::template::Expr;
/// use lamux_cdk::tree::Stack;
///
/// let stack = Stack::new("demo");
/// let role = Role::new(&stack, "Worker", RoleProps::for_lambda())?;
/// role.add_to_policy(Statement::allow(["sqs:SendMessage"], [Expr::str("arn:aws:sqs:us-east-1:123456789012:jobs")]));
/// let template = stack.synth()?.template;
/// let policies = &template.properties("Worker").expect("the role")["Policies"];
/// assert_eq!(policies[0]["PolicyDocument"]["Statement"][0]["Action"][0], "sqs:SendMessage");
/// # Ok::<(), lamux_cdk::tree::Error>(())
/// ```
#[derive(Clone)]
pub struct Role {
    resource: CfnResource<RoleProps>,
}

impl Construct for Role {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl Role {
    pub fn new(scope: &impl Construct, id: &str, props: RoleProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Fn::GetAtt Arn`
    pub fn arn(&self) -> Ref<RoleArn> {
        Ref::unchecked(self.resource.get_att("Arn"))
    }

    pub fn resource(&self) -> &CfnResource<RoleProps> {
        &self.resource
    }

    /// Add `statement` to the inline policy [`DEFAULT_POLICY`].
    pub fn add_to_policy(&self, statement: Statement) {
        self.add_to_named_policy(DEFAULT_POLICY, statement);
    }

    /// Add `statement` to the inline policy `policy_name`, made if missing. A statement with
    /// the `Sid` of one already there adds its resources to that one.
    pub fn add_to_named_policy(&self, policy_name: &str, statement: Statement) {
        self.resource.update(|props| {
            let index = match props.policies.iter().position(|p| p.policy_name == policy_name) {
                Some(index) => index,
                None => {
                    props.policies.push(Policy {
                        policy_name: policy_name.to_owned(),
                        policy_document: PolicyDocument { version: "2012-10-17".to_owned(), statement: Vec::new() },
                    });
                    props.policies.len() - 1
                }
            };
            let statements = &mut props.policies[index].policy_document.statement;
            let same = statements.iter().position(|s| {
                s.sid.is_some()
                    && s.sid == statement.sid
                    && s.effect == statement.effect
                    && s.action == statement.action
            });
            match same {
                Some(index) => {
                    let existing = &mut statements[index].resource;
                    for resource in statement.resource {
                        if !existing.contains(&resource) {
                            existing.push(resource);
                        }
                    }
                }
                None if !statements.contains(&statement) => statements.push(statement),
                None => {}
            }
        });
    }

    pub fn add_managed_policy(&self, arn: Expr) {
        self.resource.update(|props| {
            if !props.managed_policy_arns.contains(&arn) {
                props.managed_policy_arns.push(arn);
            }
        });
    }
}
