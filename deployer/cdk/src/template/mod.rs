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
    /// `ResourceType`
    pub resource_type: String,
    /// `Properties`
    pub properties: serde_json::Value,
}

impl RawProperties {
    /// A resource of `resource_type` with these properties.
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

/// A CloudFormation template.
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
    /// `String`
    String,
    /// `Number`
    Number,
    /// `List<Number>`
    NumberList,
    /// `CommaDelimitedList`
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
    /// `Type`
    #[serde(rename = "Type")]
    pub kind: ParameterType,
    /// `Description`
    pub description: String,
    /// CloudFormation shows the value as `****` in every answer (describe, events).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
    /// `MinLength`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// `MaxLength`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// `Default`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// `AllowedValues`
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<serde_json::Value>,
    /// `AllowedPattern`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
}

impl Parameter {
    /// A parameter of `kind`, with no default or constraint.
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
pub enum RemovalPolicy {
    /// `Delete`
    Delete,
    /// `Retain`
    Retain,
    /// `RetainExceptOnCreate`
    RetainExceptOnCreate,
    /// `Snapshot`
    Snapshot,
}

impl RemovalPolicy {
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
    /// `Type`
    #[serde(rename = "Type")]
    pub kind: String,
    /// `Condition`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// `DependsOn`
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// `DeletionPolicy`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<RemovalPolicy>,
    /// `UpdateReplacePolicy`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_replace_policy: Option<RemovalPolicy>,
    /// `Properties`
    pub properties: serde_json::Value,
}

/// An output of the template.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// `Description`
    pub description: String,
    /// `Condition`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// `Value`
    pub value: Expr,
    /// `Export`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

/// `Export`: the name other stacks import the output by (`Fn::ImportValue`), unique in the
/// account and region.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    /// `Name`
    pub name: Expr,
}

impl Template {
    /// An empty template.
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

    /// The resource `id`.
    pub fn resource(&self, id: &str) -> Option<&ResourceEntry> {
        self.resources.get(id)
    }

    /// The properties of resource `id`.
    pub fn properties(&self, id: &str) -> Option<&serde_json::Value> {
        self.resources.get(id).map(|entry| &entry.properties)
    }

    /// The parameter `id`.
    pub fn parameter(&self, id: &str) -> Option<&Parameter> {
        self.parameters.get(id)
    }

    /// The output `id`.
    pub fn output(&self, id: &str) -> Option<&Output> {
        self.outputs.get(id)
    }

    /// Give resource `from` the logical ID `to`, and every reference to it with it: in the
    /// properties, `DependsOn`, the outputs and the conditions.
    pub(crate) fn rename_resource(&mut self, from: &str, to: &str) {
        if let Some(entry) = self.resources.remove(from) {
            self.resources.insert(to.to_owned(), entry);
        }
        for entry in self.resources.values_mut() {
            rename_in_json(&mut entry.properties, from, to);
            entry.depends_on.iter_mut().filter(|id| *id == from).for_each(|id| *id = to.to_owned());
        }
        for output in self.outputs.values_mut() {
            output.value.rename_resource(from, to);
        }
        for condition in self.conditions.values_mut() {
            condition.rename_resource(from, to);
        }
    }

    /// Pretty JSON with a trailing newline: what `synth` prints and `templates/` holds.
    pub fn to_json(&self) -> String {
        // Plain structs of strings, numbers, JSON values and Exprs: serializing cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Every reference to resource `from` in rendered JSON made a reference to `to`.
fn rename_in_json(value: &mut serde_json::Value, from: &str, to: &str) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get_mut("Ref")
                && id == from
            {
                *id = to.to_owned();
            }
            if let Some(Value::Array(parts)) = map.get_mut("Fn::GetAtt")
                && let Some(Value::String(id)) = parts.first_mut()
                && id == from
            {
                *id = to.to_owned();
            }
            if let Some(Value::String(id)) = map.get_mut("Fn::GetAtt")
                && let Some(rest) = id.strip_prefix(from).filter(|rest| rest.starts_with('.'))
            {
                *id = format!("{to}{rest}");
            }
            match map.get_mut("Fn::Sub") {
                Some(Value::String(template)) => *template = expr::rename_in_sub(template, from, to),
                Some(Value::Array(parts)) => {
                    if let Some(Value::String(template)) = parts.first_mut() {
                        *template = expr::rename_in_sub(template, from, to);
                    }
                }
                _ => {}
            }
            map.values_mut().for_each(|inner| rename_in_json(inner, from, to));
        }
        Value::Array(items) => items.iter_mut().for_each(|inner| rename_in_json(inner, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_renamed_resource_is_renamed_wherever_it_is_referenced() {
        let mut properties = json!({
            "A": {"Ref": "Old"},
            "B": {"Fn::GetAtt": ["Old", "Version"]},
            "C": {"Fn::GetAtt": "Old.Version"},
            "D": {"Fn::Sub": "arn:${Old}:${Old.Version}:${OldOther}"},
            "E": {"Fn::Sub": ["${Old}-${X}", {"X": {"Ref": "Old"}}]},
            "F": [{"Ref": "OldOther"}, "Old"],
        });
        rename_in_json(&mut properties, "Old", "New");
        assert_eq!(
            properties,
            json!({
                "A": {"Ref": "New"},
                "B": {"Fn::GetAtt": ["New", "Version"]},
                "C": {"Fn::GetAtt": "New.Version"},
                "D": {"Fn::Sub": "arn:${New}:${New.Version}:${OldOther}"},
                "E": {"Fn::Sub": ["${New}-${X}", {"X": {"Ref": "New"}}]},
                "F": [{"Ref": "OldOther"}, "Old"],
            }),
            "another resource whose ID starts alike, and a plain string, stay"
        );
        let mut output =
            Expr::join(",", vec![Expr::get_att("Old", "Arn"), Expr::sub("${Old}"), Expr::reference("Other")]);
        output.rename_resource("Old", "New");
        assert_eq!(
            output,
            Expr::join(",", vec![Expr::get_att("New", "Arn"), Expr::sub("${New}"), Expr::reference("Other")])
        );
    }
}
