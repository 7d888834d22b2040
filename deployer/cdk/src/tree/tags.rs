//! Tags on every taggable resource under a path, put on at synth (pure, but for the tree's
//! list of them).

use serde_json::{Map, Value, json};

/// The resource types whose `Tags` is a list of `{Key, Value}`. A type not named here is left
/// untagged (CloudFormation refuses a `Tags` a type does not have).
const LIST_TAGGED: &[&str] = &[
    "AWS::CloudFront::Distribution",
    "AWS::DynamoDB::Table",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Subnet",
    "AWS::EC2::VPC",
    "AWS::IAM::Role",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
    "AWS::StepFunctions::StateMachine",
];

/// The resource types whose `Tags` is a map of key to value.
const MAP_TAGGED: &[&str] = &["AWS::SSM::Parameter"];

/// Whether [`Tags`](super::Tags) tags resources of this type.
pub fn taggable(resource_type: &str) -> bool {
    LIST_TAGGED.contains(&resource_type) || MAP_TAGGED.contains(&resource_type)
}

/// One `Tags::of(scope).add` or `.remove`: a tag for the resources under `prefix` of the
/// types it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRule {
    /// The construct path the rule applies under.
    pub prefix: String,
    /// The tag's key.
    pub key: String,
    /// `None` removes the key.
    pub value: Option<String>,
    /// Only these resource types, when not empty.
    pub include: Vec<String>,
    /// Never these resource types.
    pub exclude: Vec<String>,
}

impl TagRule {
    fn reaches(&self, path: &str, resource_type: &str) -> bool {
        under(&self.prefix, path)
            && (self.include.is_empty() || self.include.iter().any(|t| t == resource_type))
            && !self.exclude.iter().any(|t| t == resource_type)
    }
}

/// Put the tags of `rules` on the properties of the resource at `path`.
pub fn apply(rules: &[TagRule], path: &str, resource_type: &str, properties: &mut Value) {
    let mut chosen: Vec<(&str, &str)> = Vec::new();
    let mut ordered: Vec<&TagRule> = rules.iter().filter(|rule| rule.reaches(path, resource_type)).collect();
    // Shorter paths first, so the nearest scope's word is the one kept; then call order.
    ordered.sort_by_key(|rule| rule.prefix.len());
    for rule in ordered {
        chosen.retain(|(k, _)| *k != rule.key);
        if let Some(value) = &rule.value {
            chosen.push((&rule.key, value));
        }
    }
    if chosen.is_empty() || !taggable(resource_type) {
        return;
    }
    let Value::Object(map) = properties else { return };
    if MAP_TAGGED.contains(&resource_type) {
        let tags = map.entry("Tags").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(tags) = tags {
            for (key, value) in chosen {
                tags.entry(key).or_insert_with(|| json!(value));
            }
        }
        return;
    }
    let tags = map.entry("Tags").or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = tags {
        for (key, value) in chosen {
            if !list.iter().any(|tag| tag["Key"] == key) {
                list.push(json!({"Key": key, "Value": value}));
            }
        }
        list.sort_by(|a, b| a["Key"].as_str().cmp(&b["Key"].as_str()));
    }
}

/// Whether `path` is `prefix` or under it (the stack's root, `""`, holds everything).
pub fn under(prefix: &str, path: &str) -> bool {
    prefix.is_empty() || path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(prefix: &str, key: &str, value: &str) -> TagRule {
        TagRule {
            prefix: prefix.to_owned(),
            key: key.to_owned(),
            value: Some(value.to_owned()),
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }

    fn tags_of(rules: &[TagRule], path: &str, resource_type: &str) -> Value {
        let mut properties = json!({});
        apply(rules, path, resource_type, &mut properties);
        properties["Tags"].clone()
    }

    #[test]
    fn types_are_included_or_excluded_and_a_nearer_remove_wins() {
        let only_functions = TagRule { include: vec!["AWS::Lambda::Function".into()], ..tag("", "cost", "api") };
        let not_roles = TagRule { exclude: vec!["AWS::IAM::Role".into()], ..tag("", "team", "api") };
        let rules = [only_functions, not_roles];
        assert_eq!(
            tags_of(&rules, "Api", "AWS::Lambda::Function"),
            json!([{"Key": "cost", "Value": "api"}, {"Key": "team", "Value": "api"}])
        );
        assert_eq!(tags_of(&rules, "Api/Role", "AWS::IAM::Role"), Value::Null);
        assert_eq!(tags_of(&rules, "Logs", "AWS::Logs::LogGroup"), json!([{"Key": "team", "Value": "api"}]));

        let removed = TagRule { value: None, ..tag("Api", "team", "") };
        let rules = [tag("", "team", "all"), removed.clone()];
        assert_eq!(tags_of(&rules, "Api/Function", "AWS::Lambda::Function"), Value::Null, "removed under Api");
        assert_eq!(tags_of(&rules, "Web", "AWS::Lambda::Function"), json!([{"Key": "team", "Value": "all"}]));
        let rules = [removed, tag("Api/Function", "team", "fn")];
        assert_eq!(tags_of(&rules, "Api/Function", "AWS::Lambda::Function"), json!([{"Key": "team", "Value": "fn"}]));
    }

    #[test]
    fn the_nearest_scope_wins_and_the_props_own_tag_stays() {
        let tags = [tag("", "team", "all"), tag("Api", "team", "api"), tag("", "owner", "ops"), tag("Web", "x", "y")];
        let mut properties = json!({"Tags": [{"Key": "owner", "Value": "set-by-props"}]});
        apply(&tags, "Api/Function", "AWS::Lambda::Function", &mut properties);
        assert_eq!(
            properties,
            json!({"Tags": [{"Key": "owner", "Value": "set-by-props"}, {"Key": "team", "Value": "api"}]})
        );
    }

    #[test]
    fn untaggable_types_and_map_tagged_types() {
        let tags = [tag("", "team", "api")];
        let mut alias = json!({"Name": "live"});
        apply(&tags, "Api/Aliaslive", "AWS::Lambda::Alias", &mut alias);
        assert_eq!(alias, json!({"Name": "live"}), "an alias takes no tags");
        let mut parameter = json!({"Type": "String"});
        apply(&tags, "Param", "AWS::SSM::Parameter", &mut parameter);
        assert_eq!(parameter, json!({"Type": "String", "Tags": {"team": "api"}}));
    }

    #[test]
    fn paths_are_under_whole_components() {
        assert!(under("", "A/B"));
        assert!(under("A", "A/B"));
        assert!(under("A/B", "A/B"));
        assert!(!under("A", "AB/C"));
    }
}
