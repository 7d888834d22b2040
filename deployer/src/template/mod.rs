//! A CloudFormation template as typed Rust values. Maps are ordered (logical IDs sort), so
//! the same stack always renders to the same bytes.

mod expr;

use std::collections::BTreeMap;

use serde::Serialize;

pub use expr::Expr;

/// A resource type: a struct of the resource's documented properties.
pub trait Resource: Serialize {
    /// The CloudFormation type name, e.g. `AWS::Lambda::Function`.
    const TYPE: &'static str;
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    parameters: BTreeMap<String, Parameter>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    conditions: BTreeMap<String, Expr>,
    resources: BTreeMap<String, ResourceEntry>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    outputs: BTreeMap<String, Output>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub description: String,
    /// CloudFormation shows the value as `****` in every answer (describe, events).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
}

/// What happens to a resource's physical resource when it leaves the stack or is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Policy {
    Delete,
    Retain,
    Snapshot,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceEntry {
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_policy: Option<Policy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_replace_policy: Option<Policy>,
    properties: serde_json::Value,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub description: String,
    pub value: Expr,
}

impl Template {
    pub fn new(description: impl Into<String>) -> Self {
        Self { format_version: "2010-09-09", description: description.into(), ..Self::default() }
    }

    /// Declare a String parameter; returns a `Ref` to it.
    pub fn parameter(&mut self, id: &str, description: &str) -> Expr {
        let parameter =
            Parameter { kind: "String", description: description.to_owned(), no_echo: false, min_length: None };
        self.parameter_with(id, parameter)
    }

    /// Declare a parameter with every setting given; returns a `Ref` to it.
    pub fn parameter_with(&mut self, id: &str, parameter: Parameter) -> Expr {
        self.parameters.insert(id.to_owned(), parameter);
        Expr::reference(id)
    }

    /// The parameters that take no value from an answer (NoEcho).
    pub fn no_echo_parameters(&self) -> impl Iterator<Item = &str> {
        self.parameters.iter().filter(|(_, p)| p.no_echo).map(|(id, _)| id.as_str())
    }

    /// What happens to a resource when it is removed from the stack or replaced: both
    /// `DeletionPolicy` and `UpdateReplacePolicy`, said explicitly.
    pub fn set_policy(&mut self, id: &str, policy: Policy) {
        if let Some(entry) = self.resources.get_mut(id) {
            entry.deletion_policy = Some(policy);
            entry.update_replace_policy = Some(policy);
        }
    }

    /// Declare a condition (for `Fn::If` and a resource's `Condition`); returns its name.
    pub fn condition(&mut self, id: &str, test: Expr) -> String {
        self.conditions.insert(id.to_owned(), test);
        id.to_owned()
    }

    /// Add a resource under a logical ID; returns a `Ref` to it.
    pub fn add<R: Resource>(&mut self, id: &str, resource: &R) -> Expr {
        self.add_after(id, resource, &[])
    }

    /// Add a resource that must be created after others it does not reference.
    pub fn add_after<R: Resource>(&mut self, id: &str, resource: &R, depends_on: &[&str]) -> Expr {
        // Properties are plain structs of strings, numbers and Exprs: serializing cannot fail.
        let properties = serde_json::to_value(resource).unwrap_or_default();
        let depends_on = depends_on.iter().map(|id| (*id).to_owned()).collect();
        let entry = ResourceEntry {
            kind: R::TYPE,
            condition: None,
            depends_on,
            deletion_policy: None,
            update_replace_policy: None,
            properties,
        };
        let previous = self.resources.insert(id.to_owned(), entry);
        debug_assert!(previous.is_none(), "logical ID {id} used twice");
        Expr::reference(id)
    }

    /// Create a resource only when `condition` holds.
    pub fn add_if<R: Resource>(&mut self, condition: &str, id: &str, resource: &R) -> Expr {
        let reference = self.add(id, resource);
        if let Some(entry) = self.resources.get_mut(id) {
            entry.condition = Some(condition.to_owned());
        }
        reference
    }

    pub fn output(&mut self, id: &str, description: &str, value: Expr) {
        self.outputs.insert(id.to_owned(), Output { description: description.to_owned(), value });
    }

    /// The logical IDs and types of the resources, in template order.
    pub fn resources(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.resources.iter().map(|(id, entry)| (id.as_str(), entry.kind))
    }

    pub fn properties(&self, id: &str) -> Option<&serde_json::Value> {
        self.resources.get(id).map(|entry| &entry.properties)
    }

    /// Pretty JSON with a trailing newline: what `synth` prints and `templates/` holds.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Topic {
        topic_name: Expr,
    }

    impl Resource for Topic {
        const TYPE: &'static str = "AWS::SNS::Topic";
    }

    #[test]
    fn parameters_conditions_resources_and_outputs() {
        let mut t = Template::new("test");
        let stage = t.parameter("Stage", "deployment stage");
        let prod = t.condition("IsProd", Expr::equals(stage.clone(), Expr::str("prod")));
        let topic = t.add_if(&prod, "Alerts", &Topic { topic_name: Expr::sub("${AWS::StackName}-alerts") });
        t.add_after("Audit", &Topic { topic_name: Expr::str("audit") }, &["Alerts"]);
        t.output("AlertsArn", "alerts", Expr::If(prod, Box::new(topic), Box::new(Expr::reference("AWS::NoValue"))));
        let value: serde_json::Value = serde_json::from_str(&t.to_json()).expect("JSON");
        assert_eq!(
            value,
            json!({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Description": "test",
                "Parameters": {"Stage": {"Type": "String", "Description": "deployment stage"}},
                "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
                "Resources": {
                    "Alerts": {"Type": "AWS::SNS::Topic", "Condition": "IsProd",
                               "Properties": {"TopicName": {"Fn::Sub": "${AWS::StackName}-alerts"}}},
                    "Audit": {"Type": "AWS::SNS::Topic", "DependsOn": ["Alerts"], "Properties": {"TopicName": "audit"}}
                },
                "Outputs": {"AlertsArn": {"Description": "alerts",
                    "Value": {"Fn::If": ["IsProd", {"Ref": "Alerts"}, {"Ref": "AWS::NoValue"}]}}}
            })
        );
    }
}
