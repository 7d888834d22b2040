//! A CloudFormation template as typed Rust values: the model a stack synthesizes into. Maps are ordered (logical IDs sort), so the same stack always renders to
//! the same bytes.

mod context;
mod expr;

use std::collections::BTreeMap;

use serde::Serialize;

pub(crate) use context::render;
pub use context::{Import, StackId};
pub use expr::Expr;

/// A resource type: a struct of the resource's documented properties.
pub trait Resource: Serialize {
    /// The CloudFormation type name, e.g. `AWS::Lambda::Function`.
    const TYPE: &'static str;

    /// The type name of this value: [`Resource::TYPE`], except for [`RawProperties`], whose
    /// type is data.
    fn resource_type(&self) -> &str {
        Self::TYPE
    }
}

/// Any resource type, with its properties as JSON: for a type no construct models
/// (`CfnResource::new(&stack, "Topic", RawProperties::new("AWS::SNS::Topic", json!({…})))`).
/// A value that refers to another resource goes in with
/// [`add_property_override`](crate::tree::CfnResource::add_property_override), which renders
/// it for the stack it ends up in.
#[derive(Debug, Clone)]
pub struct RawProperties {
    pub resource_type: String,
    pub properties: serde_json::Value,
}

impl RawProperties {
    pub fn new(resource_type: impl Into<String>, properties: serde_json::Value) -> Self {
        Self { resource_type: resource_type.into(), properties }
    }
}

impl Serialize for RawProperties {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.properties.serialize(serializer)
    }
}

impl Resource for RawProperties {
    /// Never read: [`Resource::resource_type`] gives the type.
    const TYPE: &'static str = "";

    fn resource_type(&self) -> &str {
        &self.resource_type
    }
}

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) parameters: BTreeMap<String, Parameter>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) mappings: BTreeMap<String, Mapping>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) conditions: BTreeMap<String, Expr>,
    pub(crate) resources: BTreeMap<String, ResourceEntry>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) outputs: BTreeMap<String, Output>,
}

/// `Mappings`: top-level key -> second-level key -> value, read with `Fn::FindInMap`.
pub type Mapping = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// A parameter's `Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterType {
    String,
    Number,
    /// `List<Number>`
    NumberList,
    CommaDelimitedList,
    /// An AWS-specific type such as `AWS::EC2::VPC::Id` or
    /// `AWS::SSM::Parameter::Value<String>`, named as CloudFormation names it.
    Aws(String),
}

impl Serialize for ParameterType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::String => "String",
            Self::Number => "Number",
            Self::NumberList => "List<Number>",
            Self::CommaDelimitedList => "CommaDelimitedList",
            Self::Aws(name) => name,
        })
    }
}

/// A template parameter, with the property names of the template's `Parameters` section.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: ParameterType,
    pub description: String,
    /// CloudFormation shows the value as `****` in every answer (describe, events).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
}

impl Parameter {
    pub fn new(kind: ParameterType, description: impl Into<String>) -> Self {
        Self {
            kind,
            description: description.into(),
            no_echo: false,
            min_length: None,
            max_length: None,
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
        }
    }

    /// A String parameter.
    pub fn string(description: impl Into<String>) -> Self {
        Self::new(ParameterType::String, description)
    }
}

/// What happens to a resource's physical resource when it leaves the stack or is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Policy {
    Delete,
    Retain,
    RetainExceptOnCreate,
    Snapshot,
}

impl Policy {
    /// The `UpdateReplacePolicy` for this `DeletionPolicy`: CloudFormation takes
    /// `RetainExceptOnCreate` for deletion only, and a replaced resource was created earlier,
    /// so it is retained.
    pub fn on_replace(self) -> Self {
        match self {
            Self::RetainExceptOnCreate => Self::Retain,
            other => other,
        }
    }
}

/// One entry of `Resources`: the type, the resource attributes, and the properties.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceEntry {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<Policy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_replace_policy: Option<Policy>,
    pub properties: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub value: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

/// `Export`: the name other stacks import the output by (`Fn::ImportValue`), unique in the
/// account and region.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    pub name: Expr,
}

impl Template {
    pub fn new(description: impl Into<String>) -> Self {
        Self { format_version: "2010-09-09", description: description.into(), ..Self::default() }
    }

    /// The parameters that take no value from an answer (NoEcho).
    pub fn no_echo_parameters(&self) -> impl Iterator<Item = &str> {
        self.parameters.iter().filter(|(_, p)| p.no_echo).map(|(id, _)| id.as_str())
    }

    /// The logical IDs and types of the resources, in template order.
    pub fn resources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.resources.iter().map(|(id, entry)| (id.as_str(), entry.kind.as_str()))
    }

    pub fn resource(&self, id: &str) -> Option<&ResourceEntry> {
        self.resources.get(id)
    }

    pub fn properties(&self, id: &str) -> Option<&serde_json::Value> {
        self.resources.get(id).map(|entry| &entry.properties)
    }

    pub fn parameter(&self, id: &str) -> Option<&Parameter> {
        self.parameters.get(id)
    }

    pub fn output(&self, id: &str) -> Option<&Output> {
        self.outputs.get(id)
    }

    /// Pretty JSON with a trailing newline: what `synth` prints and `templates/` holds.
    pub fn to_json(&self) -> String {
        // Plain structs of strings, numbers, JSON values and Exprs: serializing cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
