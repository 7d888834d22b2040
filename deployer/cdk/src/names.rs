//! Physical names: the part that keeps two constructs of one stack apart, and the check
//! that every name a template gives fits its service's limit once the stack name and
//! region are known. Pure.

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::error::Result;

/// The path of the construct `lamux-deploy up` deploys: its account-wide names stay as
/// deployed stacks have them (`STACK-REGION-fwd-host`).
pub const DEFAULT_PATH: &str = "Lamux";

/// What a construct at `path` adds to its account-wide names: nothing at [`DEFAULT_PATH`],
/// else `-` and the path in lower-case letters and digits, or, past 8 of them, its first
/// two and 6 hex digits of the path's SHA-256, so that any two paths differ. At most 9
/// characters: `STACK-REGION-TAG-fwd-host` leaves 31 for the stack name in the longest
/// region.
pub fn tag(path: &str) -> String {
    if path == DEFAULT_PATH {
        return String::new();
    }
    let slug: String = path.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    let digest = Sha256::digest(path.as_bytes());
    let hash: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    if slug.len() <= 8 && slug != DEFAULT_PATH.to_ascii_lowercase() {
        format!("-{slug}")
    } else {
        format!("-{}{hash}", &slug[..slug.len().min(2)])
    }
}

/// CloudFormation's rule for stack names: a letter, then letters, digits and hyphens, at
/// most 128 characters.
pub fn check_stack_name(name: &str) -> Result<()> {
    let valid = name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ensure!(
        valid,
        "stack name {name:?} is not a CloudFormation stack name: a letter, then letters, digits and hyphens, \
         at most 128 characters"
    );
    Ok(())
}

/// Where each kind of resource keeps a name of its own, and how long it may be.
const NAMED: [(&str, &[&str], usize); 5] = [
    ("AWS::CloudFront::Function", &["Name"], 64),
    ("AWS::CloudFront::OriginAccessControl", &["OriginAccessControlConfig", "Name"], 64),
    ("AWS::Logs::LogGroup", &["LogGroupName"], 512),
    ("AWS::Lambda::Function", &["FunctionName"], 64),
    ("AWS::IAM::Role", &["RoleName"], 64),
];

/// Every physical name the template sets, as it will be in `stack` and `region`, within its
/// service's limit. A name built from other intrinsics than `${AWS::StackName}`,
/// `${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` is left to CloudFormation.
pub fn check_physical(template: &Value, stack: &str, region: &str) -> Result<()> {
    let resources = template.get("Resources").and_then(Value::as_object).into_iter().flatten();
    for (id, resource) in resources {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
        let Some((_, path, limit)) = NAMED.iter().find(|(named, _, _)| *named == kind) else { continue };
        let name = path.iter().try_fold(&resource["Properties"], |value, key| value.get(key));
        let Some(name) = name.and_then(|name| resolve(name, stack, region)) else { continue };
        if name.len() > *limit {
            bail!(
                "{id} ({kind}) would be named {name:?}, {} characters in stack {stack} and region {region}; \
                 the limit is {limit}: choose a shorter stack name",
                name.len()
            );
        }
    }
    Ok(())
}

fn resolve(name: &Value, stack: &str, region: &str) -> Option<String> {
    let text = match name {
        Value::String(text) => return Some(text.clone()),
        Value::Object(map) if map.len() == 1 => map.get("Fn::Sub")?.as_str()?,
        _ => return None,
    };
    let resolved = text
        .replace("${AWS::StackName}", stack)
        .replace("${AWS::Region}", region)
        .replace("${AWS::AccountId}", "123456789012")
        .replace("${AWS::Partition}", "aws-us-gov");
    (!resolved.contains("${")).then_some(resolved)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tags_keep_constructs_apart_and_leave_the_default_alone() {
        assert_eq!(tag("Lamux"), "");
        assert_eq!(tag("Internal"), "-internal");
        assert_eq!(tag("Apps/Web"), "-appsweb");
        let long = tag("Environments/Production/Lamux");
        assert!(long.starts_with("-en") && long.len() == 9, "{long}");
        assert_ne!(long, tag("Environments/Production/Lamux2"));
        assert_ne!(tag("lamux"), tag("Lamux"), "another path, another tag");
    }

    #[test]
    fn names_are_checked_as_they_will_be() {
        let template = |name: Value| json!({"Resources": {"Fwd": {"Type": "AWS::CloudFront::Function", "Properties": {"Name": name}}}});
        let named = template(json!({"Fn::Sub": "${AWS::StackName}-${AWS::Region}-fwd-host"}));
        assert!(check_physical(&named, &"s".repeat(40), "ap-southeast-7").is_ok());
        let err = check_physical(&named, &"s".repeat(41), "ap-southeast-7").expect_err("65 characters");
        assert!(err.to_string().contains("65 characters") && err.to_string().contains("the limit is 64"), "{err}");
        assert!(check_physical(&template(json!("x".repeat(65))), "s", "us-east-1").is_err());
        assert!(check_physical(&template(json!({"Ref": "Name"})), "s", "us-east-1").is_ok(), "left to CloudFormation");
        for bad in ["1lamux", "la_mux", "", &"s".repeat(129)] {
            assert!(check_stack_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_stack_name("lamux-prod-2").is_ok());
    }
}
