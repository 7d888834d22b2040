//! The Lambda calls of a preview: publish with backoff and deadlines, read aliases and what
//! references each version, delete what may already be gone. Errors are classified with the
//! SDK's typed helpers.

use std::time::Duration;

use anyhow::{Context as _, bail};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AliasConfiguration, AliasRoutingConfiguration, FunctionConfiguration, LastUpdateStatus, State,
};
use lamux_cdk::error::AwsContext as _;
use tokio::time::Instant;

/// A function's or a version's configuration, as GetFunctionConfiguration returns it.
pub type Configuration = aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;

use super::orphans::{Keep, References};

/// How long to wait for Lambda, and how often to ask.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// For an update to finish, a version to become active, a conflict to clear.
    pub deadline: Duration,
    /// The pauses between two questions.
    pub pause: lamux::backoff::Backoff,
}

impl Default for Pacing {
    /// 250 ms, doubling, at most 5 s; for 5 minutes.
    fn default() -> Self {
        let pause = lamux::backoff::Backoff {
            initial: Duration::from_millis(250),
            factor: 2.0,
            max: Duration::from_secs(5),
            jitter: false,
        };
        Self { deadline: Duration::from_secs(300), pause }
    }
}

/// The pauses of one wait, until its deadline.
struct Attempts {
    pacing: Pacing,
    tries: u32,
    until: Instant,
}

impl Attempts {
    fn new(pacing: Pacing) -> Self {
        Self { pacing, tries: 0, until: Instant::now() + pacing.deadline }
    }

    /// Wait before the next try; `false` once the deadline has passed.
    async fn wait(&mut self) -> bool {
        self.tries += 1;
        let pause = self.pacing.pause.delay(self.tries);
        if Instant::now() + pause > self.until {
            return false;
        }
        tokio::time::sleep(pause).await;
        true
    }
}

/// Update `$LATEST` to `zip` and publish it in one call (`Publish: true`), backing off while
/// another update is in progress (`ResourceConflictException`). The published version.
pub async fn update_and_publish(lambda: &Client, function: &str, zip: &[u8], pacing: Pacing) -> anyhow::Result<String> {
    let mut attempts = Attempts::new(pacing);
    loop {
        let sent =
            lambda.update_function_code().function_name(function).zip_file(Blob::new(zip)).publish(true).send().await;
        match sent {
            Ok(updated) => return updated.version().map(str::to_owned).context("Lambda published no version"),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                if !attempts.wait().await {
                    bail!("another update of {function} was still in progress after {:?}", pacing.deadline);
                }
            }
            Err(err) => return Err(err).with_context(|| format!("cannot update the code of {function}")),
        }
    }
}

/// Publish `$LATEST` as it is now: `CodeSha256` is the precondition, so that code another
/// update brings in meanwhile is refused rather than published.
pub async fn publish_latest(lambda: &Client, function: &str, pacing: Pacing) -> anyhow::Result<(String, String)> {
    let mut attempts = Attempts::new(pacing);
    loop {
        let latest = wait_updated(lambda, function, pacing).await?;
        let sha = latest.code_sha256().unwrap_or_default().to_owned();
        let sent = lambda.publish_version().function_name(function).code_sha256(&sha).send().await;
        match sent {
            Ok(published) => {
                let version = published.version().context("Lambda published no version")?.to_owned();
                return Ok((version, sha));
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                if !attempts.wait().await {
                    bail!("{function} kept changing for {:?}; nothing published", pacing.deadline);
                }
            }
            Err(err) => return Err(err).with_context(|| format!("cannot publish {function}")),
        }
    }
}

/// `$LATEST` once no update is in progress; a failed update is an error with Lambda's reason.
pub async fn wait_updated(lambda: &Client, function: &str, pacing: Pacing) -> anyhow::Result<Configuration> {
    let mut attempts = Attempts::new(pacing);
    loop {
        let latest = configuration(lambda, function, None).await?;
        match latest.last_update_status() {
            Some(LastUpdateStatus::InProgress) => {}
            Some(LastUpdateStatus::Failed) => bail!(
                "the last update of {function} failed: {}",
                latest.last_update_status_reason().unwrap_or("Lambda gave no reason")
            ),
            _ => return Ok(latest),
        }
        if !attempts.wait().await {
            bail!("{function}'s update was still in progress after {:?}", pacing.deadline);
        }
    }
}

/// Version `version` once it is `Active`, and `$LATEST`'s update finished.
pub async fn wait_active(
    lambda: &Client,
    function: &str,
    version: &str,
    pacing: Pacing,
) -> anyhow::Result<Configuration> {
    wait_updated(lambda, function, pacing).await?;
    let mut attempts = Attempts::new(pacing);
    loop {
        let published = configuration(lambda, function, Some(version)).await?;
        match published.state() {
            Some(State::Pending) => {}
            Some(State::Failed) => bail!(
                "version {version} of {function} failed: {}",
                published.state_reason().unwrap_or("Lambda gave no reason")
            ),
            _ => return Ok(published),
        }
        if !attempts.wait().await {
            bail!("version {version} of {function} was not active after {:?}", pacing.deadline);
        }
    }
}

pub async fn configuration(lambda: &Client, function: &str, qualifier: Option<&str>) -> anyhow::Result<Configuration> {
    let at = qualifier.unwrap_or("$LATEST");
    lambda
        .get_function_configuration()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_owned))
        .send()
        .await
        .aws(format!("cannot read {function}:{at}"))
        .map_err(anyhow::Error::from)
}

/// Refuse a function that does not exist, before anything else says so less clearly.
pub async fn require_function(lambda: &Client, function: &str) -> anyhow::Result<()> {
    match lambda.get_function_configuration().function_name(function).send().await {
        Ok(_) => Ok(()),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
            bail!("there is no function {function} here: check --function (or `function` in [preview])")
        }
        Err(err) => Err(err).with_context(|| format!("cannot read function {function}")),
    }
}

/// Alias `name`, or `None` when there is none.
pub async fn alias(lambda: &Client, function: &str, name: &str) -> anyhow::Result<Option<AliasConfiguration>> {
    match lambda.get_alias().function_name(function).name(name).send().await {
        Ok(found) => Ok(Some(
            AliasConfiguration::builder()
                .set_name(found.name().map(str::to_owned))
                .set_function_version(found.function_version().map(str::to_owned))
                .set_description(found.description().map(str::to_owned))
                .set_routing_config(found.routing_config().cloned())
                .set_revision_id(found.revision_id().map(str::to_owned))
                .build(),
        )),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read alias {function}:{name}")),
    }
}

/// Point alias `name` at `version`, creating it when `exists` is false. An update clears a
/// weighted routing: the preview is one version.
pub async fn put_alias(
    lambda: &Client,
    function: &str,
    name: &str,
    version: &str,
    description: &str,
    exists: bool,
) -> anyhow::Result<()> {
    if exists {
        lambda
            .update_alias()
            .function_name(function)
            .name(name)
            .function_version(version)
            .description(description)
            .routing_config(AliasRoutingConfiguration::builder().build())
            .send()
            .await
            .aws(format!("cannot move alias {function}:{name} to version {version}"))?;
    } else {
        lambda
            .create_alias()
            .function_name(function)
            .name(name)
            .function_version(version)
            .description(description)
            .send()
            .await
            .aws(format!("cannot create alias {function}:{name}"))?;
    }
    Ok(())
}

/// Every alias of `function`.
pub async fn aliases(lambda: &Client, function: &str) -> anyhow::Result<Vec<AliasConfiguration>> {
    let mut found = Vec::new();
    let mut pages = lambda.list_aliases().function_name(function).into_paginator().send();
    while let Some(page) = pages.next().await {
        found.extend(page.aws(format!("cannot list the aliases of {function}"))?.aliases().iter().cloned());
    }
    Ok(found)
}

/// Every published version of `function` (not `$LATEST`).
pub async fn versions(lambda: &Client, function: &str) -> anyhow::Result<Vec<FunctionConfiguration>> {
    let mut found = Vec::new();
    let mut pages = lambda.list_versions_by_function().function_name(function).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.aws(format!("cannot list the versions of {function}"))?;
        found.extend(page.versions().iter().filter(|v| v.version() != Some("$LATEST")).cloned());
    }
    Ok(found)
}

/// What holds the versions of `function` (a name): the given aliases (and their weighted
/// routing), provisioned concurrency configs, event source mappings, each version's own
/// resource policy, and event-invoke configs.
pub async fn references(
    lambda: &Client,
    function: &str,
    aliases: &[AliasConfiguration],
    versions: &[String],
) -> anyhow::Result<References> {
    let mut references = References::default();
    for alias in aliases {
        let name = alias.name().unwrap_or_default().to_owned();
        references.add(alias.function_version().unwrap_or_default(), Keep::Alias { alias: name.clone() });
        let weights = alias.routing_config().and_then(|r| r.additional_version_weights());
        for version in weights.into_iter().flat_map(|w| w.keys()) {
            references.add(version, Keep::Weighted { alias: name.clone() });
        }
    }
    let mut pages = lambda.list_provisioned_concurrency_configs().function_name(function).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.aws(format!("cannot list the provisioned concurrency of {function}"))?;
        for config in page.provisioned_concurrency_configs() {
            references.add_arn(function, config.function_arn().unwrap_or_default(), Keep::ProvisionedConcurrency);
        }
    }
    // Unfiltered: a filter by name matches the unqualified ARN only.
    let mut pages = lambda.list_event_source_mappings().into_paginator().send();
    while let Some(page) = pages.next().await {
        for mapping in page.aws("cannot list the event source mappings")?.event_source_mappings() {
            let uuid = mapping.uuid().unwrap_or_default().to_owned();
            references.add_arn(function, mapping.function_arn().unwrap_or_default(), Keep::EventSourceMapping { uuid });
        }
    }
    let mut pages = lambda.list_function_event_invoke_configs().function_name(function).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.aws(format!("cannot list the event-invoke configs of {function}"))?;
        for config in page.function_event_invoke_configs() {
            references.add_arn(function, config.function_arn().unwrap_or_default(), Keep::EventInvokeConfig);
        }
    }
    for version in versions {
        let sids = policy_statements(lambda, function, version).await?;
        if !sids.is_empty() {
            references.add(version, Keep::ResourcePolicy { sids });
        }
    }
    Ok(references)
}

/// The statement ids of version `version`'s own resource policy (AddPermission with
/// `Qualifier`): empty when it has none.
async fn policy_statements(lambda: &Client, function: &str, version: &str) -> anyhow::Result<Vec<String>> {
    let policy = match lambda.get_policy().function_name(function).qualifier(version).send().await {
        Ok(found) => found.policy().unwrap_or_default().to_owned(),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
            return Ok(Vec::new());
        }
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read the resource policy of {function}:{version}"));
        }
    };
    let policy: serde_json::Value = serde_json::from_str(&policy)
        .with_context(|| format!("the resource policy of {function}:{version} is not JSON"))?;
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        serde_json::Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    Ok(statements
        .iter()
        .enumerate()
        .map(|(i, statement)| statement["Sid"].as_str().map_or_else(|| format!("statement {}", i + 1), str::to_owned))
        .collect())
}

/// What a delete found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Someone else deleted it first: a second `down`, or a `prune` racing one.
    AlreadyGone,
    /// Lambda refused: something came to reference the version since it was listed.
    InUse,
}

pub async fn delete_alias(lambda: &Client, function: &str, name: &str) -> anyhow::Result<Deleted> {
    match lambda.delete_alias().function_name(function).name(name).send().await {
        Ok(_) => Ok(Deleted::Deleted),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
            Ok(Deleted::AlreadyGone)
        }
        Err(err) => Err(err).with_context(|| format!("cannot delete alias {function}:{name}")),
    }
}

pub async fn delete_version(lambda: &Client, function: &str, version: &str) -> anyhow::Result<Deleted> {
    match lambda.delete_function().function_name(function).qualifier(version).send().await {
        Ok(_) => Ok(Deleted::Deleted),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
            Ok(Deleted::AlreadyGone)
        }
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => Ok(Deleted::InUse),
        Err(err) => Err(err).with_context(|| format!("cannot delete version {version} of {function}")),
    }
}
