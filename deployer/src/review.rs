//! What a deployment changes, property by property, and which of its changes deserve a
//! human's yes: wider IAM permissions, a resource policy added or changed, a replaced
//! resource. Pure: it compares the deployed template with the new one.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cli::RequireApproval;
use crate::deploy::ResourceChange;

/// One property that differs between the deployed template and the new one.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyChange {
    pub logical_id: String,
    /// Dotted path under the resource (`Properties.Environment.Variables.LAMUX_ALLOW_ALIAS`).
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl std::fmt::Display for PropertyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |value: &Option<Value>| match value {
            None => "(unset)".to_owned(),
            Some(value) => {
                let text = value.to_string();
                if text.chars().count() > 100 {
                    format!("{}…", text.chars().take(100).collect::<String>())
                } else {
                    text
                }
            }
        };
        write!(f, "    {}.{}: {} -> {}", self.logical_id, self.path, show(&self.before), show(&self.after))
    }
}

/// The properties that differ in resources both templates have. Added and removed
/// resources are the change set's to report.
pub fn property_changes(old: &Value, new: &Value) -> Vec<PropertyChange> {
    let mut changes = Vec::new();
    let (Some(old_resources), Some(new_resources)) =
        (old.get("Resources").and_then(Value::as_object), new.get("Resources").and_then(Value::as_object))
    else {
        return changes;
    };
    for (id, new_resource) in new_resources {
        if let Some(old_resource) = old_resources.get(id) {
            compare(id, String::new(), Some(old_resource), Some(new_resource), &mut changes);
        }
    }
    changes
}

fn compare(id: &str, path: String, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<PropertyChange>) {
    if old == new {
        return;
    }
    if let (Some(Value::Object(old)), Some(Value::Object(new))) = (old, new) {
        let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            compare(id, path, old.get(key), new.get(key), out);
        }
        return;
    }
    out.push(PropertyChange { logical_id: id.to_owned(), path, before: old.cloned(), after: new.cloned() });
}

/// Changes that widen who may do what.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Risks {
    /// An IAM statement that allows something new, or a resource policy added or changed.
    pub broadening: Vec<String>,
    /// Resources the change set replaces (or may).
    pub replacements: Vec<String>,
}

impl Risks {
    pub fn assess(old: Option<&Value>, new: &Value, changes: &[ResourceChange]) -> Self {
        let empty = Value::Null;
        let old = old.unwrap_or(&empty);
        let old_grants = grants(old);
        let mut broadening: Vec<String> = grants(new)
            .difference(&old_grants)
            .map(|(id, action, resource, extra)| {
                let extra = if extra.is_empty() { String::new() } else { format!(" ({extra})") };
                format!("{id} allows {action} on {resource}{extra}")
            })
            .collect();
        for (id, resource) in resources(new) {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Lambda::Permission") {
                continue;
            }
            if resources(old).find(|(old_id, _)| *old_id == id).map(|(_, r)| r) != Some(resource) {
                let properties = &resource["Properties"];
                broadening.push(format!(
                    "{id}: the function's resource policy lets {} call {}",
                    properties["Principal"], properties["Action"]
                ));
            }
        }
        let replacements = changes.iter().filter(|c| c.replaces()).map(|c| c.to_string().trim().to_owned()).collect();
        Self { broadening, replacements }
    }

    pub fn is_empty(&self) -> bool {
        self.broadening.is_empty() && self.replacements.is_empty()
    }
}

fn resources(template: &Value) -> impl Iterator<Item = (&String, &Value)> {
    template.get("Resources").and_then(Value::as_object).into_iter().flatten()
}

/// Every (resource, action, resource ARN, principal and condition) an Allow statement in an
/// IAM role or policy grants, one per action and ARN.
fn grants(template: &Value) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for (id, resource) in resources(template) {
        let properties = &resource["Properties"];
        let documents: Vec<&Value> = match resource.get("Type").and_then(Value::as_str) {
            Some("AWS::IAM::Role") => properties["Policies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|policy| &policy["PolicyDocument"])
                .chain([&properties["AssumeRolePolicyDocument"]])
                .collect(),
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") => vec![&properties["PolicyDocument"]],
            _ => continue,
        };
        for statement in documents.into_iter().flat_map(|doc| doc["Statement"].as_array().into_iter().flatten()) {
            if statement["Effect"] != "Allow" {
                continue;
            }
            let list = |value: &Value| match value {
                Value::Array(items) => items.iter().map(|v| v.as_str().map_or(v.to_string(), str::to_owned)).collect(),
                Value::Null => vec![String::new()],
                other => vec![other.as_str().map_or(other.to_string(), str::to_owned)],
            };
            let mut extra = Vec::new();
            for key in ["Principal", "Condition", "NotAction", "NotResource"] {
                if let Some(value) = statement.get(key) {
                    extra.push(format!("{key} {value}"));
                }
            }
            for action in list(&statement["Action"]) {
                for arn in list(&statement["Resource"]) {
                    out.insert((id.clone(), action.clone(), arn, extra.join(", ")));
                }
            }
        }
    }
    out
}

/// Why `up` must ask before deploying, under `policy`; empty when it need not.
pub fn approval_reasons(policy: RequireApproval, risks: &Risks, changes: &[ResourceChange]) -> Vec<String> {
    let risky = || risks.broadening.iter().chain(&risks.replacements).cloned().collect::<Vec<_>>();
    match policy {
        RequireApproval::Never => Vec::new(),
        RequireApproval::Broadening => risky(),
        RequireApproval::AnyChange if changes.is_empty() => Vec::new(),
        RequireApproval::AnyChange => {
            let mut reasons = risky();
            if reasons.is_empty() {
                reasons.push(format!("{} resource change(s)", changes.len()));
            }
            reasons
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudformation::types::{ChangeAction, Replacement};
    use serde_json::json;

    use super::*;

    fn role(resources: &[&str]) -> Value {
        json!({"Resources": {
            "LamuxRole": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "lamux", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": resources}
                ]}}]
            }},
            "LamuxFunction": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128,
                "Environment": {"Variables": {"LAMUX_MODE": "function"}}}}
        }})
    }

    #[test]
    fn properties_that_change_are_listed_by_path() {
        let old = role(&["arn:a:*"]);
        let mut new = role(&["arn:a:*"]);
        new["Resources"]["LamuxFunction"]["Properties"]["MemorySize"] = json!(256);
        new["Resources"]["LamuxFunction"]["Properties"]["Environment"]["Variables"]["LAMUX_ALLOW_ALIAS"] =
            json!("live");
        let changes = property_changes(&old, &new);
        let paths: Vec<String> = changes.iter().map(|c| format!("{}.{}", c.logical_id, c.path)).collect();
        assert_eq!(
            paths,
            ["LamuxFunction.Properties.Environment.Variables.LAMUX_ALLOW_ALIAS", "LamuxFunction.Properties.MemorySize"]
        );
        assert_eq!(changes[1].to_string(), "    LamuxFunction.Properties.MemorySize: 128 -> 256");
        assert_eq!(
            changes[0].to_string(),
            r#"    LamuxFunction.Properties.Environment.Variables.LAMUX_ALLOW_ALIAS: (unset) -> "live""#
        );
    }

    #[test]
    fn wider_iam_is_broadening_and_narrower_is_not() {
        let narrow = role(&["arn:a:live"]);
        let wide = role(&["arn:a:live", "arn:a:*"]);
        let widened = Risks::assess(Some(&narrow), &wide, &[]);
        assert_eq!(widened.broadening, ["LamuxRole allows lambda:InvokeFunction on arn:a:*"]);
        assert!(Risks::assess(Some(&wide), &narrow, &[]).is_empty(), "narrowing needs no approval");
        assert!(Risks::assess(Some(&wide), &wide, &[]).is_empty());
        let first = Risks::assess(None, &narrow, &[]);
        assert_eq!(first.broadening.len(), 2, "a new role's trust and its grant: {:?}", first.broadening);
    }

    #[test]
    fn resource_policies_and_replacements_need_approval() {
        let base = role(&["arn:a:*"]);
        let mut with_permission = base.clone();
        with_permission["Resources"]["UrlPermission"] = json!({"Type": "AWS::Lambda::Permission",
            "Properties": {"Action": "lambda:InvokeFunctionUrl", "Principal": "*"}});
        let risks = Risks::assess(Some(&base), &with_permission, &[]);
        assert_eq!(risks.broadening.len(), 1);
        assert!(risks.broadening[0].starts_with("UrlPermission:"), "{risks:?}");
        assert!(Risks::assess(Some(&with_permission), &with_permission, &[]).is_empty());

        let replaced = ResourceChange {
            action: ChangeAction::Modify,
            logical_id: "ForwardedHostFunction".into(),
            resource_type: "AWS::CloudFront::Function".into(),
            replacement: Some(Replacement::True),
        };
        let memory = ResourceChange { replacement: Some(Replacement::False), ..replaced.clone() };
        let risks = Risks::assess(Some(&base), &base, std::slice::from_ref(&replaced));
        assert_eq!(risks.replacements.len(), 1);
        assert_eq!(approval_reasons(RequireApproval::Broadening, &risks, &[replaced]).len(), 1);
        let quiet = Risks::assess(Some(&base), &base, std::slice::from_ref(&memory));
        assert!(approval_reasons(RequireApproval::Broadening, &quiet, std::slice::from_ref(&memory)).is_empty());
        assert_eq!(approval_reasons(RequireApproval::AnyChange, &quiet, std::slice::from_ref(&memory)).len(), 1);
        assert!(approval_reasons(RequireApproval::Never, &risks, &[memory]).is_empty());
    }
}
