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
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceEntry {
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
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
        self.parameters.insert(id.to_owned(), Parameter { kind: "String", description: description.to_owned() });
        Expr::reference(id)
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
        let previous = self.resources.insert(id.to_owned(), ResourceEntry { kind: R::TYPE, depends_on, properties });
        debug_assert!(previous.is_none(), "logical ID {id} used twice");
        Expr::reference(id)
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
