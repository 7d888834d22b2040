//! Aspects: code that visits every resource under a scope at synth, after tags and before
//! property overrides, to add to it or to check it (CDK's `Aspects.of(scope).add(aspect)`).

use serde_json::Value;

use super::tags::under;
use crate::template::Template;

/// What an aspect sees of one resource, and where it reports.
pub struct Visit<'a> {
    pub path: &'a str,
    pub logical_id: &'a str,
    pub resource_type: &'a str,
    /// The rendered properties, to read or change.
    pub properties: &'a mut Value,
    /// The whole template as it was before the aspects ran, to look up other resources.
    pub template: &'a Template,
    findings: &'a mut Vec<Finding>,
}

impl Visit<'_> {
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
    pub path: String,
    pub error: bool,
    pub message: String,
}

/// Code run on every resource under the scope it is added to.
pub trait Aspect {
    fn visit(&self, visit: &mut Visit<'_>);
}

/// Run `aspects` (scope path, aspect) over the resources of `template`, whose paths `paths`
/// gives by logical ID. Returns what they reported.
pub fn run(
    aspects: &[(String, std::rc::Rc<dyn Aspect>)],
    paths: &std::collections::BTreeMap<String, String>,
    template: &mut Template,
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
                findings: &mut findings,
            };
            aspect.visit(&mut visit);
        }
    }
    findings
}
