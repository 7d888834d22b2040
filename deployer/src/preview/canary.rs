//! `preview canary`: start, move or end a sticky canary from an alias to a preview, through
//! the lamux stack's `LamuxCanary` parameter (LAMUX_CANARY), with the deployed template as
//! it is. The edit of the setting is pure; the change set is the engine's.

use anyhow::{Context as _, bail};
use aws_sdk_cloudformation::types::Parameter;
use lamux::choose::Canary;
use lamux_cdk::deploy::{self, Plan};

use crate::stack::CANARY_PARAMETER;

/// The canary setting with `base`'s canary sent to `target` at `percent`, or, with `None`,
/// ended. Other aliases' canaries stay.
pub fn edit(current: &str, base: &str, change: Option<(&str, u8)>) -> Result<String, String> {
    let mut canaries = parse(current)?;
    canaries.retain(|canary| canary.alias != base);
    if let Some((target, percent)) = change {
        let entry = format!("{base}={target}:{percent}");
        canaries.push(Canary::parse(&entry)?);
    }
    canaries.sort_by(|a, b| a.alias.cmp(&b.alias));
    Ok(canaries.iter().map(|c| format!("{}={}:{}", c.alias, c.target, c.percent)).collect::<Vec<_>>().join(","))
}

/// The canaries of a setting (`LAMUX_CANARY`, the `LamuxCanary` parameter): comma-separated
/// `ALIAS=TARGET:PERCENT`, empty entries skipped.
pub fn parse(setting: &str) -> Result<Vec<Canary>, String> {
    setting.split(',').map(str::trim).filter(|entry| !entry.is_empty()).map(Canary::parse).collect()
}

/// The stack's canary setting as deployed; empty when none (or the stack predates it).
pub fn deployed(stack: &aws_sdk_cloudformation::types::Stack) -> Option<String> {
    stack
        .parameters()
        .iter()
        .find(|p| p.parameter_key() == Some(CANARY_PARAMETER))
        .map(|p| p.parameter_value().unwrap_or_default().to_owned())
}

/// A change set of `stack` (as `described`, running `template`) that sets the canary to
/// `value`: the deployed template, every other parameter as it is. The caller shows it,
/// asks, and executes or discards it.
pub async fn plan(
    cf: &aws_sdk_cloudformation::Client,
    described: &aws_sdk_cloudformation::types::Stack,
    template: &serde_json::Value,
    value: &str,
) -> anyhow::Result<Plan> {
    let stack = described.stack_name().unwrap_or_default();
    if deployed(described).is_none() {
        bail!("stack {stack} has no {CANARY_PARAMETER} parameter: run `lamux-deploy up` with this version first");
    }
    let body = serde_json::to_string(template).context("the deployed template")?;
    let request = deploy::Request {
        template: deploy::TemplateSource::Body(&body),
        parameters: parameters(described, value),
        tags: Vec::new(),
        capabilities: deploy::capabilities(template),
        creates_stack: false,
    };
    Ok(deploy::plan(cf, stack, request).await?)
}

/// The stack's parameters with the canary set to `value` and every other one as it is.
fn parameters(described: &aws_sdk_cloudformation::types::Stack, value: &str) -> Vec<Parameter> {
    described
        .parameters()
        .iter()
        .filter_map(|p| p.parameter_key())
        .map(|key| {
            let parameter = Parameter::builder().parameter_key(key);
            if key == CANARY_PARAMETER {
                parameter.parameter_value(value).build()
            } else {
                parameter.use_previous_value(true).build()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudformation::types::{Parameter, Stack};

    use super::{CANARY_PARAMETER, deployed, edit, parameters};

    fn stack(parameters: &[(&str, Option<&str>)]) -> Stack {
        let parameter = |(key, value): &(&str, Option<&str>)| {
            Parameter::builder().parameter_key(*key).set_parameter_value(value.map(str::to_owned)).build()
        };
        Stack::builder().stack_name("lamux").set_parameters(Some(parameters.iter().map(parameter).collect())).build()
    }

    #[test]
    fn the_deployed_canary_is_read_from_its_parameter_alone() {
        let running = stack(&[("LamuxDomainSuffix", Some("example.com")), (CANARY_PARAMETER, Some("live=pr42:10"))]);
        assert_eq!(deployed(&running).as_deref(), Some("live=pr42:10"));
        assert_eq!(deployed(&stack(&[(CANARY_PARAMETER, None)])).as_deref(), Some(""), "set, to nothing");
        assert_eq!(deployed(&stack(&[("LamuxDomainSuffix", Some("example.com"))])), None, "a stack before canaries");
    }

    /// Moving a canary changes the canary and nothing else the stack was deployed with.
    #[test]
    fn a_canary_change_keeps_every_other_parameter() {
        let running = stack(&[("LamuxDomainSuffix", Some("example.com")), (CANARY_PARAMETER, Some("live=pr42:10"))]);
        let sent = parameters(&running, "live=pr42:50");
        let shown: Vec<_> =
            sent.iter().map(|p| (p.parameter_key(), p.parameter_value(), p.use_previous_value())).collect();
        assert_eq!(
            shown,
            [(Some("LamuxDomainSuffix"), None, Some(true)), (Some(CANARY_PARAMETER), Some("live=pr42:50"), None)]
        );
    }

    #[test]
    fn a_canary_is_started_moved_and_ended_alone() {
        assert_eq!(edit("", "live", Some(("pr42", 10))).as_deref(), Ok("live=pr42:10"));
        assert_eq!(
            edit("live=pr42:10,beta=pr1:5", "live", Some(("pr42", 20))).as_deref(),
            Ok("beta=pr1:5,live=pr42:20")
        );
        assert_eq!(edit("live=pr42:10,beta=pr1:5", "live", None).as_deref(), Ok("beta=pr1:5"));
        assert_eq!(edit("live=pr42:10", "live", None).as_deref(), Ok(""));
        assert!(edit("", "live", Some(("pr42", 101))).is_err());
        assert!(edit("", "live", Some(("live", 10))).is_err(), "a canary to itself");
    }
}
