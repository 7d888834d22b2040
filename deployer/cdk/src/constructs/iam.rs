//! IAM: [`Role`] with inline policies of [`Statement`]s (`AWS::IAM::Role`), and roles
//! outside the stack ([`Role::from_arn`]) given statements through `AWS::IAM::Policy`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use bon::Builder;
use serde::Serialize;
use serde_json::{Value, json};

use crate::template::{Expr, Resource};
use crate::tree::{CfnResource, Construct, Error, Ref, RoleArn, Scope};

/// The inline policy [`Role::add_to_policy`] writes to.
pub const DEFAULT_POLICY: &str = "default";

/// `AWS::IAM::Role` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[builder(on(Expr, into))]
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
    /// `PolicyName`
    pub policy_name: String,
    /// `PolicyDocument`
    pub policy_document: PolicyDocument,
}

/// An IAM policy document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// `Version`
    pub version: String,
    /// `Statement`
    pub statement: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// `Allow`
    Allow,
    /// `Deny`
    Deny,
}

/// A policy statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// `Sid`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Effect`
    pub effect: Effect,
    /// `Action`
    pub action: Vec<String>,
    /// `Resource`
    pub resource: Vec<Expr>,
    /// `Condition`: operator, key, values (`{"StringEquals": {"aws:SourceAccount": "1"}}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
}

impl Statement {
    /// Allow `actions` on `resources`.
    ///
    /// ```
    /// use lamux_cdk::constructs::iam::Statement;
    /// use lamux_cdk::template::Expr;
    ///
    /// let read = Statement::allow(["s3:GetObject"], [Expr::str("arn:aws:s3:::bucket/*")]).with_sid("Read");
    /// assert_eq!(serde_json::to_value(&read)?["Effect"], "Allow");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn allow<A: Into<String>, R: Into<Expr>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Self {
            sid: None,
            effect: Effect::Allow,
            action: actions.into_iter().map(Into::into).collect(),
            resource: resources.into_iter().map(Into::into).collect(),
            condition: None,
        }
    }

    /// Deny `actions` on `resources`: an explicit `Deny` wins over every `Allow`, also one
    /// another policy adds later.
    pub fn deny<A: Into<String>, R: Into<Expr>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Self { effect: Effect::Deny, ..Self::allow(actions, resources) }
    }

    /// The statement applies only under `condition` (IAM's `Condition` block).
    #[must_use]
    pub fn with_condition(mut self, condition: Value) -> Self {
        self.condition = Some(condition);
        self
    }

    /// This statement with the `Sid` `sid`: statements of one `Sid` in a policy merge their resources.
    #[must_use]
    pub fn with_sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }
}

impl Resource for RoleProps {
    const TYPE: &'static str = "AWS::IAM::Role";
}

/// `AWS::IAM::Policy` properties: an inline policy of its own, attached to roles by name
/// (how a role outside the stack gets statements).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyProps {
    /// The inline policy's name on each role: one per role, so two stacks that grant on the
    /// same imported role each need their own (`STACK-LOGICALID`).
    pub policy_name: Expr,
    /// `PolicyDocument`
    pub policy_document: PolicyDocument,
    /// `Roles`
    pub roles: Vec<Expr>,
}

impl Resource for PolicyProps {
    const TYPE: &'static str = "AWS::IAM::Policy";
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
    body: Body,
}

#[derive(Clone)]
enum Body {
    Defined(CfnResource<RoleProps>),
    /// A role outside the stack: its ARN, its name, and the `AWS::IAM::Policy` resources that
    /// carry the statements added to it, by policy name.
    Imported {
        scope: Scope,
        arn: Expr,
        name: Expr,
        policies: Rc<RefCell<BTreeMap<String, CfnResource<PolicyProps>>>>,
    },
}

impl Construct for Role {
    fn scope(&self) -> &Scope {
        match &self.body {
            Body::Defined(resource) => resource.scope(),
            Body::Imported { scope, .. } => scope,
        }
    }
}

impl Role {
    /// An `AWS::IAM::Role` as the child `id` of `scope` (the example is on [`Role`]).
    pub fn new(scope: &impl Construct, id: &str, props: RoleProps) -> Result<Self, Error> {
        Ok(Self { body: Body::Defined(CfnResource::new(scope, id, props)?) })
    }

    /// A role outside the stack, by its ARN (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`),
    /// a literal or any value (a parameter, an import), as
    /// [`Function::from_arn`](super::lambda::Function::from_arn) takes it:
    /// [`Function::grant_invoke`](super::lambda::Function::grant_invoke) and
    /// [`Role::add_to_policy`] give it statements through an `AWS::IAM::Policy` of the stack
    /// (the child `Policy`, or `Policy{NAME}` for a named policy). A literal ARN is checked
    /// here; the name of any other is its last `/` part, read by CloudFormation.
    pub fn from_arn(scope: &impl Construct, id: &str, arn: impl Into<Expr>) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let arn = arn.into();
        let name = match arn.as_literal() {
            Some(text) => {
                let name = text
                    .strip_prefix("arn:")
                    .and_then(|rest| rest.split_once(":iam::"))
                    .and_then(|(_, rest)| rest.split_once(":role/"))
                    .and_then(|(_, path)| path.rsplit('/').next())
                    .filter(|name| !name.is_empty())
                    .ok_or_else(|| Error::Invalid {
                        path: scope.path().to_owned(),
                        why: format!("{text:?} is not a role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"),
                    })?;
                Expr::str(name)
            }
            // A role's path may hold `/`: the name is the last part. CloudFormation has no
            // "last element", so a path is taken as absent: role/NAME.
            None => Expr::select(1, Expr::split("/", arn.clone())),
        };
        let body = Body::Imported { scope, arn, name, policies: Rc::default() };
        Ok(Self { body })
    }

    /// `Fn::GetAtt Arn`, or the imported ARN.
    pub fn arn(&self) -> Ref<RoleArn> {
        match &self.body {
            Body::Defined(resource) => Ref::unchecked(resource.get_att("Arn")),
            Body::Imported { arn, .. } => Ref::unchecked(arn.clone()),
        }
    }

    /// The `AWS::IAM::Role`; `None` for an imported role.
    pub fn resource(&self) -> Option<&CfnResource<RoleProps>> {
        match &self.body {
            Body::Defined(resource) => Some(resource),
            Body::Imported { .. } => None,
        }
    }

    /// Add `statement` to the inline policy [`DEFAULT_POLICY`].
    pub fn add_to_policy(&self, statement: Statement) -> Result<(), Error> {
        self.add_to_named_policy(DEFAULT_POLICY, statement)
    }

    /// Add `statement` to the inline policy `policy_name`, made if missing. A statement with
    /// the `Sid` of one already there adds its resources to that one.
    pub fn add_to_named_policy(&self, policy_name: &str, statement: Statement) -> Result<(), Error> {
        match &self.body {
            Body::Defined(resource) => {
                resource.update(|props| {
                    let index = match props.policies.iter().position(|p| p.policy_name == policy_name) {
                        Some(index) => index,
                        None => {
                            props.policies.push(Policy {
                                policy_name: policy_name.to_owned(),
                                policy_document: PolicyDocument::new(),
                            });
                            props.policies.len() - 1
                        }
                    };
                    props.policies[index].policy_document.add(statement);
                });
                Ok(())
            }
            Body::Imported { scope, name, policies, .. } => {
                let mut policies = policies.borrow_mut();
                let policy = match policies.get(policy_name) {
                    Some(policy) => policy.clone(),
                    None => {
                        let id = if policy_name == DEFAULT_POLICY {
                            "Policy".to_owned()
                        } else {
                            format!("Policy{policy_name}")
                        };
                        let props = PolicyProps {
                            policy_name: Expr::str(policy_name),
                            policy_document: PolicyDocument::new(),
                            roles: vec![name.clone()],
                        };
                        let policy = CfnResource::new(scope, &id, props)?;
                        // A name of this stack's alone: a second stack's grant on the same
                        // role would otherwise replace this one, and its delete remove it.
                        let unique = Expr::sub(format!("${{AWS::StackName}}-{}", policy.logical_id()));
                        policy.update(|props| props.policy_name = unique);
                        policies.insert(policy_name.to_owned(), policy.clone());
                        policy
                    }
                };
                policy.update(|props| props.policy_document.add(statement));
                Ok(())
            }
        }
    }

    /// Attach a managed policy. An imported role's managed policies are not the stack's to
    /// change: an error.
    pub fn add_managed_policy(&self, arn: impl Into<Expr>) -> Result<(), Error> {
        let arn = arn.into();
        match &self.body {
            Body::Defined(resource) => {
                resource.update(|props| {
                    if !props.managed_policy_arns.contains(&arn) {
                        props.managed_policy_arns.push(arn);
                    }
                });
                Ok(())
            }
            Body::Imported { scope, .. } => Err(Error::Invalid {
                path: scope.path().to_owned(),
                why: "an imported role's managed policies are not the stack's to change".into(),
            }),
        }
    }
}

impl PolicyDocument {
    fn new() -> Self {
        Self { version: "2012-10-17".to_owned(), statement: Vec::new() }
    }

    /// Add `statement`; one with the `Sid`, effect and actions of a statement already there
    /// adds its resources to that one, and a duplicate is dropped.
    fn add(&mut self, statement: Statement) {
        let statements = &mut self.statement;
        let same = statements.iter().position(|s| {
            s.sid.is_some()
                && s.sid == statement.sid
                && s.effect == statement.effect
                && s.action == statement.action
                && s.condition == statement.condition
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
    }
}
