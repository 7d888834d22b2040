//! `promote` and `rollback`: point a production alias at the version a preview runs, and
//! back. Each move records the alias's release history ([`super::history`]), which is what
//! `rollback` walks and what `down` and `prune` keep (`keep-live`). Each update names the
//! alias's `RevisionId`, so a move that another tool made in between fails instead of being
//! overwritten.

use anyhow::{Context as _, bail};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::AliasRoutingConfiguration;
use lamux_cdk::error::AwsContext as _;
use serde::Serialize;

use super::history::History;
use super::lambda;

/// What `promote` or `rollback` changed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Moved {
    pub function: String,
    pub alias: String,
    /// The version the alias pointed at before; `None` when `promote` created it.
    pub from: Option<String>,
    pub to: String,
    /// The alias's rollback targets now, newest first.
    pub rollback_targets: Vec<String>,
}

impl Moved {
    /// One line a CI log can keep.
    pub fn line(&self, verb: &str) -> String {
        let from = self.from.as_deref().unwrap_or("nothing");
        let targets =
            if self.rollback_targets.is_empty() { "none".to_owned() } else { self.rollback_targets.join(", ") };
        format!("{verb} {}:{} {from} -> {}; rollback targets: {targets}", self.function, self.alias, self.to)
    }
}

/// Point alias `to` of `function` at the version alias `name` runs, and record the version
/// `to` had as its newest rollback target. A weighted routing on `to` is cleared: it serves
/// one version afterwards.
pub async fn promote(lambda: &Client, function: &str, name: &str, to: &str) -> anyhow::Result<Moved> {
    lambda::require_function(lambda, function).await?;
    let Some(source) = lambda::alias(lambda, function, name).await? else {
        bail!("there is no alias {function}:{name} to promote");
    };
    let version = source.function_version().unwrap_or_default().to_owned();
    if !super::orphans::is_version(&version) {
        bail!("{function}:{name} points at {version:?}, not a published version: publish it with `preview up` first");
    }
    let current = lambda::alias(lambda, function, to).await?;
    let from = current.as_ref().and_then(|a| a.function_version()).map(str::to_owned);
    let earlier = current.as_ref().and_then(|a| a.description()).and_then(History::parse);
    let history = History::promoted(earlier.as_ref(), from.as_deref(), &version);
    match &current {
        Some(alias) => move_alias(lambda, function, to, &version, &history, alias.revision_id()).await?,
        None => {
            lambda
                .create_alias()
                .function_name(function)
                .name(to)
                .function_version(&version)
                .description(history.render())
                .send()
                .await
                .aws(format!("cannot create alias {function}:{to}"))?;
        }
    }
    Ok(Moved {
        function: function.to_owned(),
        alias: to.to_owned(),
        from,
        to: version,
        rollback_targets: history.before,
    })
}

/// Point `alias` of `function` back at the version it had before its last move by `promote`
/// or `rollback`. Refused when lamux recorded no history for where the alias points now.
pub async fn rollback(lambda: &Client, function: &str, alias: &str) -> anyhow::Result<Moved> {
    lambda::require_function(lambda, function).await?;
    let Some(current) = lambda::alias(lambda, function, alias).await? else {
        bail!("there is no alias {function}:{alias}");
    };
    let at = current.function_version().unwrap_or_default().to_owned();
    let history = current.description().and_then(History::parse).filter(|h| h.at == at);
    let Some(history) = history else {
        bail!(
            "{function}:{alias} points at {at}, and lamux recorded no release history for it (another tool moved it, or \
             nothing was promoted): point it yourself, e.g. `aws lambda update-alias --function-name {function} --name \
             {alias} --function-version N`"
        );
    };
    let Some((target, after)) = history.rolled_back() else {
        bail!("{function}:{alias} has no earlier release recorded: nothing to roll back to");
    };
    lambda::configuration(lambda, function, Some(&target))
        .await
        .with_context(|| format!("{function}:{alias}'s rollback target, version {target}, is gone"))?;
    move_alias(lambda, function, alias, &target, &after, current.revision_id()).await?;
    Ok(Moved {
        function: function.to_owned(),
        alias: alias.to_owned(),
        from: Some(at),
        to: target,
        rollback_targets: after.before,
    })
}

/// Point `alias` at `version` with `history` as its description, only if its revision is
/// still `revision`; a weighted routing is cleared.
async fn move_alias(
    lambda: &Client,
    function: &str,
    alias: &str,
    version: &str,
    history: &History,
    revision: Option<&str>,
) -> anyhow::Result<()> {
    lambda
        .update_alias()
        .function_name(function)
        .name(alias)
        .function_version(version)
        .description(history.render())
        .routing_config(AliasRoutingConfiguration::builder().build())
        .set_revision_id(revision.map(str::to_owned))
        .send()
        .await
        .aws(format!("cannot point {function}:{alias} at version {version} (did it move meanwhile?)"))?;
    Ok(())
}
