//! Aspects: code that visits every resource under a scope at synth, after tags and before
//! property overrides, to add to it or to check it (CDK's `Aspects.of(scope).add(aspect)`).
//!
//! Writing one: implement [`Aspect::visit`], read [`Visit::properties`], change them or
//! report with [`Visit::error`] and [`Visit::warn`].
//!
//! ```
//! use lamux_cdk::constructs::logs::{LogGroup, LogGroupProps, RetentionDays};
//! use lamux_cdk::tree::{Aspect, Aspects, Stack, Visit};
//!
//! /// Keeps no log group longer than a year, and fails the synth for one kept forever.
//! struct AtMostAYear;
//!
//! impl Aspect for AtMostAYear {
//!     fn visit(&self, visit: &mut Visit<'_>) {
//!         if visit.resource_type != "AWS::Logs::LogGroup" {
//!             return;
//!         }
//!         match visit.properties["RetentionInDays"].as_u64() {
//!             None => visit.error("its logs would be kept forever"),
//!             Some(days) if days > 365 => visit.properties["RetentionInDays"] = 365.into(),
//!             Some(_) => {}
//!         }
//!     }
//! }
//!
//! let stack = Stack::new("logs");
//! Aspects::of(&stack).add(AtMostAYear);
//! let group = |days| LogGroupProps::builder().retention_in_days(days).build();
//! LogGroup::new(&stack, "Audit", group(RetentionDays::TenYears))?;
//! let template = stack.synth()?.template;
//! assert_eq!(template.properties("Audit").unwrap()["RetentionInDays"], 365);
//!
//! LogGroup::new(&stack, "Debug", LogGroupProps::builder().build())?;
//! let err = stack.synth().unwrap_err().to_string();
//! assert_eq!(err, "stack (unnamed): Debug: its logs would be kept forever");
//! # Ok::<(), lamux_cdk::tree::Error>(())
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use super::tags::under;
use crate::template::Template;

/// What an aspect sees of one resource, and where it reports.
pub struct Visit<'a> {
    /// The resource's construct path.
    pub path: &'a str,
    /// Its logical ID.
    pub logical_id: &'a str,
    /// Its type (`AWS::Lambda::Function`).
    pub resource_type: &'a str,
    /// The rendered properties, to read or change.
    pub properties: &'a mut Value,
    /// The whole template as it was before the aspects ran, to look up other resources.
    pub template: &'a Template,
    /// The other stacks of the App by name, as tags left them (before aspects and overrides).
    others: &'a BTreeMap<String, Template>,
    findings: &'a mut Vec<Finding>,
}

/// A resource a value refers to: in this stack (`Ref`, `Fn::GetAtt`) or in another stack of
/// the App (`Fn::ImportValue` of its export).
#[derive(Debug, Clone, Copy)]
pub struct Referenced<'a> {
    /// The stack's name; `None` for this stack.
    pub stack: Option<&'a str>,
    /// Its logical ID in that stack.
    pub logical_id: &'a str,
    /// The resource's type and properties, when its template has it.
    pub resource_type: Option<&'a str>,
    /// Its properties.
    pub properties: Option<&'a Value>,
}

impl<'a> Visit<'a> {
    /// The template of another stack of the App (before its aspects and overrides).
    pub fn stack(&self, name: &str) -> Option<&'a Template> {
        self.others.get(name)
    }

    /// The other stacks of the App, by name.
    pub fn other_stacks(&self) -> impl Iterator<Item = (&'a str, &'a Template)> {
        self.others.iter().map(|(name, template)| (name.as_str(), template))
    }

    /// The resource `value` refers to: `{"Ref": ID}` or `{"Fn::GetAtt": [ID, …]}` of this
    /// template, or `{"Fn::ImportValue": "STACK:ID"}` (`STACK:ID-ATTRIBUTE`) of another stack
    /// of the App, as the App names its exports.
    pub fn referenced(&self, value: &'a Value) -> Option<Referenced<'a>> {
        let (stack, template, logical_id) = if let Some(id) = value.get("Ref").and_then(Value::as_str) {
            (None, self.template, id)
        } else if let Some(id) = value.pointer("/Fn::GetAtt/0").and_then(Value::as_str) {
            (None, self.template, id)
        } else {
            let export = value.get("Fn::ImportValue")?.as_str()?;
            let (stack, rest) = export.split_once(':')?;
            let logical_id = rest.split_once('-').map_or(rest, |(id, _)| id);
            let (stack, template) = self.others.get_key_value(stack)?;
            (Some(stack.as_str()), template, logical_id)
        };
        let entry = template.resource(logical_id);
        Some(Referenced {
            stack,
            logical_id,
            resource_type: entry.map(|entry| entry.kind.as_str()),
            properties: entry.map(|entry| &entry.properties),
        })
    }

    /// A problem that fails the synth.
    pub fn error(&mut self, message: impl Into<String>) {
        let finding = Finding { path: self.path.to_owned(), error: true, message: message.into() };
        self.findings.push(finding);
    }

    /// A problem to report that does not fail the synth (`Synthesized::warnings`).
    pub fn warn(&mut self, message: impl Into<String>) {
        let finding = Finding { path: self.path.to_owned(), error: false, message: message.into() };
        self.findings.push(finding);
    }
}

/// One thing an aspect reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The construct path of the resource.
    pub path: String,
    /// Whether it fails the synth.
    pub error: bool,
    /// What is wrong.
    pub message: String,
}

/// Code run on every resource under the scope it is added to.
pub trait Aspect {
    /// Look at, change or report on one resource.
    fn visit(&self, visit: &mut Visit<'_>);
}

/// Run `aspects` (scope path, aspect) over the resources of `template`, whose paths `paths`
/// gives by logical ID, with the App's `others` stacks to look up. Returns what they reported.
pub fn run(
    aspects: &[(String, std::rc::Rc<dyn Aspect>)],
    paths: &BTreeMap<String, String>,
    template: &mut Template,
    others: &BTreeMap<String, Template>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if aspects.is_empty() {
        return findings;
    }
    let before = template.clone();
    for (prefix, aspect) in aspects {
        for (logical_id, entry) in template.resources.iter_mut() {
            let Some(path) = paths.get(logical_id) else { continue };
            if !under(prefix, path) {
                continue;
            }
            let mut visit = Visit {
                path,
                logical_id,
                resource_type: &entry.kind,
                properties: &mut entry.properties,
                template: &before,
                others,
                findings: &mut findings,
            };
            aspect.visit(&mut visit);
        }
    }
    findings
}
