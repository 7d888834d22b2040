//! What a deployment changes, property by property, and which of its changes deserve a
//! human's yes: wider IAM permissions, a resource policy added or changed, a replaced
//! resource. Pure: it compares the deployed template with the new one.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::deploying::deploy::ResourceChange;

/// One property that differs between the deployed template and the new one.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyChange {
    /// The resource's logical ID.
    pub logical_id: String,
    /// Dotted path under the resource (`Properties.Environment.Variables.LAMUX_ALLOW_ALIAS`).
    pub path: String,
    /// The value deployed, if any.
    pub before: Option<Value>,
    /// The value the template gives, if any.
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
    /// What must be deleted before the deployment can start (a stack that failed to be
    /// created): asked about under every policy but `never`.
    pub deletions: Vec<String>,
}

impl Risks {
    /// The risks of going from the `old` template (none: a new stack) to `new`, with the change set's `changes`.
    pub fn assess(old: Option<&Value>, new: &Value, changes: &[ResourceChange]) -> Self {
        let empty = Value::Null;
        let old = old.unwrap_or(&empty);
        let show = |(id, action, resource, extra): &Grant| {
            // A trust policy names no resource: the role itself is what it grants.
            let on = if resource.is_empty() { String::new() } else { format!(" on {resource}") };
            let extra = if extra.is_empty() { String::new() } else { format!(" ({extra})") };
            format!("{id} allows {action}{on}{extra}")
        };
        let mut broadening: Vec<String> =
            statements(new, "Allow").difference(&statements(old, "Allow")).map(show).collect();
        broadening.extend(
            statements(old, "Deny")
                .difference(&statements(new, "Deny"))
                .map(|grant| format!("no longer denied: {}", show(grant).replacen(" allows ", " denied ", 1))),
        );
        for (id, resource) in resources(new) {
            let before = resources(old).find(|(old_id, _)| *old_id == id).map(|(_, r)| r);
            broadening.extend(widened(id, before, resource));
        }
        let replacements = changes.iter().filter(|c| c.replaces()).map(|c| c.to_string().trim().to_owned()).collect();
        Self { broadening, replacements, deletions: Vec::new() }
    }

    /// Whether there is nothing to approve.
    pub fn is_empty(&self) -> bool {
        self.broadening.is_empty() && self.replacements.is_empty() && self.deletions.is_empty()
    }
}

/// What one resource widens beyond its policy statements: a new identity, an attached
/// managed policy, a loosened permissions boundary, a resource policy that is not a
/// statement list, a Function URL open to anyone.
fn widened(id: &str, before: Option<&Value>, after: &Value) -> Vec<String> {
    let kind = after.get("Type").and_then(Value::as_str).unwrap_or_default();
    let property = |resource: Option<&Value>, key: &str| resource.and_then(|r| r["Properties"].get(key)).cloned();
    let mut out = Vec::new();
    if before.is_none() && matches!(kind, "AWS::IAM::User" | "AWS::IAM::Group" | "AWS::IAM::ManagedPolicy") {
        out.push(format!("{id}: a new {kind}"));
    }
    if matches!(kind, "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group") {
        let attached = |resource: Option<&Value>| -> BTreeSet<String> {
            let arns = property(resource, "ManagedPolicyArns").unwrap_or(Value::Null);
            arns.as_array()
                .into_iter()
                .flatten()
                .map(|arn| arn.as_str().map_or(arn.to_string(), str::to_owned))
                .collect()
        };
        for arn in attached(Some(after)).difference(&attached(before)) {
            out.push(format!("{id} attaches the managed policy {arn}"));
        }
        let (old_boundary, new_boundary) =
            (property(before, "PermissionsBoundary"), property(Some(after), "PermissionsBoundary"));
        if old_boundary.is_some() && old_boundary != new_boundary {
            let now = new_boundary.map_or_else(|| "removed".to_owned(), |b| format!("now {b}"));
            out.push(format!("{id}: its permissions boundary changes ({now})"));
        }
    }
    if matches!(kind, "AWS::Lambda::Permission" | "AWS::Lambda::LayerVersionPermission") && before != Some(after) {
        let properties = &after["Properties"];
        let what = if kind == "AWS::Lambda::Permission" { "the function's" } else { "the layer's" };
        out.push(format!(
            "{id}: {what} resource policy lets {} call {}",
            properties["Principal"], properties["Action"]
        ));
    }
    if kind == "AWS::Lambda::Url"
        && property(Some(after), "AuthType").as_ref().and_then(Value::as_str) == Some("NONE")
        && property(before, "AuthType").as_ref().and_then(Value::as_str) != Some("NONE")
    {
        out.push(format!("{id}: the Function URL takes requests from anyone (AuthType NONE)"));
    }
    out
}

fn resources(template: &Value) -> impl Iterator<Item = (&String, &Value)> {
    template.get("Resources").and_then(Value::as_object).into_iter().flatten()
}

/// (resource, action, resource ARN, principal and condition): one action on one ARN.
type Grant = (String, String, String, String);

/// The policy documents a resource carries: identity policies (roles, users, groups,
/// policies) and resource policies (buckets, queues, topics, KMS keys).
fn documents(resource: &Value) -> Vec<&Value> {
    let properties = &resource["Properties"];
    let inline = || properties["Policies"].as_array().into_iter().flatten().map(|policy| &policy["PolicyDocument"]);
    match resource.get("Type").and_then(Value::as_str) {
        Some("AWS::IAM::Role") => inline().chain([&properties["AssumeRolePolicyDocument"]]).collect(),
        Some("AWS::IAM::User" | "AWS::IAM::Group") => inline().collect(),
        Some(
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::S3::BucketPolicy"
            | "AWS::SQS::QueuePolicy"
            | "AWS::SNS::TopicPolicy",
        ) => vec![&properties["PolicyDocument"]],
        Some("AWS::KMS::Key") => vec![&properties["KeyPolicy"]],
        _ => Vec::new(),
    }
}

/// Every grant the statements with `effect` (`Allow` or `Deny`) make, one per action and
/// ARN, across the template's policy documents.
fn statements(template: &Value, effect: &str) -> BTreeSet<Grant> {
    let mut out = BTreeSet::new();
    for (id, resource) in resources(template) {
        for statement in documents(resource).into_iter().flat_map(|doc| match &doc["Statement"] {
            Value::Array(statements) => statements.iter().collect(),
            single @ Value::Object(_) => vec![single],
            _ => Vec::new(),
        }) {
            if statement["Effect"] != effect {
                continue;
            }
            let list = |value: &Value| match value {
                Value::Array(items) => items.iter().map(|v| v.as_str().map_or(v.to_string(), str::to_owned)).collect(),
                Value::Null => vec![String::new()],
                other => vec![other.as_str().map_or(other.to_string(), str::to_owned)],
            };
            let mut extra = Vec::new();
            for key in ["Principal", "NotPrincipal", "Condition", "NotAction", "NotResource"] {
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

/// When to ask before deploying (`--require-approval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RequireApproval {
    /// Never ask.
    Never,
    /// Ask before changes that widen IAM permissions or a resource policy, or that replace
    /// or delete a resource.
    Broadening,
    /// Ask before any change.
    AnyChange,
}

/// Why `up` must ask before deploying, under `policy`; empty when it need not.
pub fn approval_reasons(policy: RequireApproval, risks: &Risks, changes: &[ResourceChange]) -> Vec<String> {
    let risky =
        || risks.deletions.iter().chain(&risks.broadening).chain(&risks.replacements).cloned().collect::<Vec<_>>();
    match policy {
        RequireApproval::Never => Vec::new(),
        RequireApproval::Broadening => risky(),
        RequireApproval::AnyChange if changes.is_empty() => risky(),
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
        assert_eq!(
            first.broadening,
            [
                "LamuxRole allows lambda:InvokeFunction on arn:a:live",
                r#"LamuxRole allows sts:AssumeRole (Principal {"Service":"lambda.amazonaws.com"})"#,
            ],
            "a new role's trust and its grant"
        );
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

    /// Issue 20: approval looked only at inline Allow statements. Each row is a change that
    /// widens access some other way: (what, before, after, a phrase the reason says).
    #[test]
    fn every_widening_needs_approval() {
        let base = role(&["arn:a:live"]);
        let with = |id: &str, resource: Value| {
            let mut template = base.clone();
            template["Resources"][id] = resource;
            template
        };
        let role_with = |properties: Value| {
            let mut template = base.clone();
            let role = template["Resources"]["LamuxRole"]["Properties"].as_object_mut().expect("properties");
            for (key, value) in properties.as_object().expect("object") {
                role.insert(key.clone(), value.clone());
            }
            template
        };
        let deny = |resources: &[&str]| {
            let mut template = base.clone();
            template["Resources"]["LamuxRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array_mut()
                .expect("statements")
                .push(json!({"Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": resources}));
            template
        };
        let document = |principal: &str| json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "*", "Resource": "*"}]});
        let policy =
            |kind: &str, key: &str, principal: &str| json!({"Type": kind, "Properties": {key: document(principal)}});
        let url = |auth: &str| json!({"Type": "AWS::Lambda::Url", "Properties": {"AuthType": auth}});
        let single = |action: &str| {
            let statement =
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:me"}, "Action": action, "Resource": "arn:o"});
            json!({"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": statement}}})
        };
        let rows: Vec<(&str, Value, Value, &str)> = vec![
            (
                "a managed policy attached",
                role_with(json!({"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnly"]})),
                role_with(
                    json!({"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnly", "arn:aws:iam::aws:policy/AdministratorAccess"]}),
                ),
                "attaches the managed policy arn:aws:iam::aws:policy/AdministratorAccess",
            ),
            (
                "a permissions boundary removed",
                role_with(json!({"PermissionsBoundary": "arn:b"})),
                base.clone(),
                "permissions boundary changes (removed)",
            ),
            (
                "a permissions boundary changed",
                role_with(json!({"PermissionsBoundary": "arn:b"})),
                role_with(json!({"PermissionsBoundary": "arn:wider"})),
                "permissions boundary changes (now \"arn:wider\")",
            ),
            (
                "a Deny removed",
                deny(&["arn:a:secret"]),
                base.clone(),
                "no longer denied: LamuxRole denied lambda:InvokeFunction on arn:a:secret",
            ),
            (
                "a new user",
                base.clone(),
                with("Robot", json!({"Type": "AWS::IAM::User", "Properties": {}})),
                "Robot: a new AWS::IAM::User",
            ),
            (
                "a group's inline policy",
                base.clone(),
                with(
                    "Admins",
                    json!({"Type": "AWS::IAM::Group", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}}]}}),
                ),
                "Admins allows iam:* on *",
            ),
            (
                "a managed policy",
                base.clone(),
                with("Extra", policy("AWS::IAM::ManagedPolicy", "PolicyDocument", "x")),
                "Extra: a new AWS::IAM::ManagedPolicy",
            ),
            (
                "a bucket policy",
                base.clone(),
                with("BucketPolicy", policy("AWS::S3::BucketPolicy", "PolicyDocument", "arn:o")),
                "BucketPolicy allows * on *",
            ),
            (
                "a queue policy",
                base.clone(),
                with("QueuePolicy", policy("AWS::SQS::QueuePolicy", "PolicyDocument", "arn:o")),
                "QueuePolicy allows * on *",
            ),
            (
                "a topic policy",
                base.clone(),
                with("TopicPolicy", policy("AWS::SNS::TopicPolicy", "PolicyDocument", "arn:o")),
                "TopicPolicy allows * on *",
            ),
            (
                // Issue 33: a policy whose Statement is one object, not a list, went unread.
                "a single-object Statement widened",
                with("One", single("s3:GetObject")),
                with("One", single("s3:*")),
                "One allows s3:* on arn:o",
            ),
            (
                "a key policy's new principal",
                with("Key", policy("AWS::KMS::Key", "KeyPolicy", "arn:me")),
                with("Key", policy("AWS::KMS::Key", "KeyPolicy", "arn:other")),
                "Key allows * on * (Principal {\"AWS\":\"arn:other\"})",
            ),
            (
                "a Lambda permission",
                base.clone(),
                with(
                    "Invoke",
                    json!({"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "Principal": "*"}}),
                ),
                "Invoke: the function's resource policy lets \"*\" call",
            ),
            (
                "a layer permission",
                base.clone(),
                with(
                    "Share",
                    json!({"Type": "AWS::Lambda::LayerVersionPermission", "Properties": {"Action": "lambda:GetLayerVersion", "Principal": "*"}}),
                ),
                "Share: the layer's resource policy lets \"*\" call",
            ),
            (
                "a Function URL made public",
                with("Url", url("AWS_IAM")),
                with("Url", url("NONE")),
                "Url: the Function URL takes requests from anyone",
            ),
            (
                "a new public Function URL",
                base.clone(),
                with("Url", url("NONE")),
                "Url: the Function URL takes requests from anyone",
            ),
        ];
        for (what, before, after, says) in rows {
            let risks = Risks::assess(Some(&before), &after, &[]);
            assert!(risks.broadening.iter().any(|reason| reason.contains(says)), "{what}: {:?}", risks.broadening);
            assert_eq!(
                approval_reasons(RequireApproval::Broadening, &risks, &[]).len(),
                risks.broadening.len(),
                "{what}"
            );
            assert!(Risks::assess(Some(&after), &after, &[]).is_empty(), "{what}: unchanged is not a risk");
        }
        // The other way round narrows: no approval.
        assert!(Risks::assess(Some(&base), &deny(&["arn:a:secret"]), &[]).is_empty(), "an added Deny narrows");
        assert!(Risks::assess(Some(&with("Url", url("NONE"))), &with("Url", url("AWS_IAM")), &[]).is_empty());
    }

    #[test]
    fn any_risk_of_any_kind_is_a_risk() {
        assert!(Risks::default().is_empty());
        let one = |what: &str| vec![what.to_owned()];
        for risks in [
            Risks { broadening: one("Role allows s3:*"), ..Risks::default() },
            Risks { replacements: one("Function replaced"), ..Risks::default() },
            Risks { deletions: one("stack s is in ROLLBACK_COMPLETE"), ..Risks::default() },
        ] {
            assert!(!risks.is_empty(), "{risks:?}");
        }
    }

    /// `--require-approval any-change` asks when something changes, not for an empty change.
    #[test]
    fn nothing_to_change_needs_no_approval() {
        assert!(approval_reasons(RequireApproval::AnyChange, &Risks::default(), &[]).is_empty());
    }

    /// A long value is cut in the review, at 100 characters, marked with an ellipsis.
    #[test]
    fn long_values_are_cut_at_100_characters() {
        let change = |after: &str| PropertyChange {
            logical_id: "Function".into(),
            path: "Properties.Description".into(),
            before: None,
            after: Some(Value::String(after.to_owned())),
        };
        // A JSON string shows with its quotes: 98 letters are 100 characters.
        let fits = "a".repeat(98);
        assert_eq!(change(&fits).to_string(), format!("    Function.Properties.Description: (unset) -> \"{fits}\""));
        let cut = change(&"a".repeat(99)).to_string();
        assert!(cut.ends_with(&format!("-> \"{}…", "a".repeat(99))), "the closing quote is cut: {cut}");
    }

    /// Issue 20: deleting a stack that failed to be created is asked about under every
    /// policy but `never`, even when the change itself needs no approval.
    #[test]
    fn a_deletion_is_asked_about_unless_never() {
        let risks = Risks { deletions: vec!["stack s is in ROLLBACK_COMPLETE".into()], ..Risks::default() };
        for policy in [RequireApproval::Broadening, RequireApproval::AnyChange] {
            assert_eq!(approval_reasons(policy, &risks, &[]), ["stack s is in ROLLBACK_COMPLETE"], "{policy:?}");
        }
        assert!(approval_reasons(RequireApproval::Never, &risks, &[]).is_empty());
    }
}
