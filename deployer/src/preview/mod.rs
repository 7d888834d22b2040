//! Preview environments on aliases: publish a version, point alias NAME at it, print its URL,
//! and retire it with the versions nothing references any more. What `lamux-deploy preview`
//! runs, with plain types, so that a Rust program can run a preview without the CLI.
//!
//! ```text
//! up:    name (lamux's rule) + reach (the deployed stack's scope) -> code -> publish (backoff,
//!        deadlines, CodeSha256 checked) -> alias with a marker -> URL
//! down:  refuse a protected alias or a canary's -> delete the alias -> every version's
//!        fate by the rules of [`orphans`] -> delete what nothing may still use
//! prune: aliases past expiry or age, never protected, never a canary's, never unmarked
//!        unless asked -> each read again just before its delete -> as down
//! ```

pub mod canary;
pub mod history;
pub mod lambda;
pub mod marker;
pub mod name;
pub mod orphans;
pub mod release;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::AliasConfiguration;
use serde::Serialize;

pub use lambda::{Deleted, Pacing};
use lamux_cdk::archive::Archive;
pub use marker::Marker;
pub use name::Protect;

use crate::urls::Scope;

/// How many times `up` publishes again when the published version holds other code.
const PUBLISH_ATTEMPTS: u32 = 3;

/// Where previews are served, for their URLs and for refusing an alias lamux would not route.
#[derive(Debug, Clone, Copy)]
pub enum Reach<'a> {
    /// The deployed lamux stack: its routing, allow-lists and IAM scope decide.
    Stack(&'a Scope),
    /// lamux run some other way (`--no-stack`), hosts `ALIAS-FUNCTION.SUFFIX` when a suffix
    /// is known; nothing is checked beyond the name.
    Unchecked(Option<&'a str>),
}

impl Reach<'_> {
    /// The preview's URL, `None` when unknown; an error when lamux would refuse it.
    pub fn url(&self, function: &str, alias: &str) -> Result<Option<String>, String> {
        match self {
            Self::Stack(scope) => scope.admit(function, alias).map(Some),
            Self::Unchecked(suffix) => Ok(suffix.map(|suffix| format!("https://{alias}-{function}.{suffix}/"))),
        }
    }
}

/// The code a preview runs.
#[derive(Debug, Clone)]
pub enum Code {
    /// A zip to upload to `$LATEST` and publish.
    Zip(Archive),
    /// `$LATEST` as another tool left it, published.
    Latest,
    /// A version that already exists.
    Version(String),
}

/// What `up` needs.
#[derive(Debug, Clone)]
pub struct Up {
    pub function: String,
    pub name: String,
    pub code: Code,
    pub ttl: Duration,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub protect: Protect,
    /// Take over an existing alias that has no preview marker.
    pub include_unmarked: bool,
    pub pacing: Pacing,
}

/// A preview `up` made or moved.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub function: String,
    pub alias: String,
    pub version: String,
    pub url: Option<String>,
    pub code_sha256: String,
    /// The version the alias pointed at before, when it existed.
    pub previous_version: Option<String>,
    pub marker: Marker,
    /// Publications whose version held other code (another publish came in between).
    pub republished: u32,
}

/// `up`: check the name and the reach, publish, point the alias. Nothing is published when
/// the name, the protection or the stack's scope refuses the alias.
pub async fn up(lambda: &Client, request: &Up, reach: Reach<'_>, now: SystemTime) -> anyhow::Result<Published> {
    let (function, alias) = (request.function.as_str(), request.name.as_str());
    name::check(alias, function)?;
    request.protect.check(alias)?;
    let url = reach.url(function, alias).map_err(|reason| anyhow::anyhow!("{function}:{alias}: {reason}"))?;
    lambda::require_function(lambda, function).await?;
    let existing = lambda::alias(lambda, function, alias).await?;
    let earlier = existing.as_ref().and_then(|a| a.description()).and_then(Marker::parse);
    if existing.is_some() && earlier.is_none() && !request.include_unmarked {
        bail!(
            "alias {function}:{alias} exists and has no preview marker (another tool made it): choose another name, \
             or pass --include-unmarked to take it over"
        );
    }
    let marker = Marker::new(now, request.ttl, earlier.as_ref())
        .with_origin(request.commit.as_deref(), request.branch.as_deref())?;
    let (version, code_sha256, republished) = publish(lambda, function, &request.code, request.pacing).await?;
    lambda::put_alias(lambda, function, alias, &version, &marker.render(), existing.is_some()).await?;
    Ok(Published {
        function: function.to_owned(),
        alias: alias.to_owned(),
        version,
        url,
        code_sha256,
        previous_version: existing.and_then(|a| a.function_version().map(str::to_owned)),
        marker,
        republished,
    })
}

/// The version to point at, its CodeSha256, and how many publications held other code.
async fn publish(
    lambda: &Client,
    function: &str,
    code: &Code,
    pacing: Pacing,
) -> anyhow::Result<(String, String, u32)> {
    match code {
        Code::Version(version) => {
            let found = lambda::configuration(lambda, function, Some(version)).await?;
            anyhow::ensure!(found.version() == Some(version.as_str()), "{function} has no version {version}");
            Ok((version.clone(), found.code_sha256().unwrap_or_default().to_owned(), 0))
        }
        Code::Latest => {
            let (version, sha) = lambda::publish_latest(lambda, function, pacing).await?;
            let published = lambda::wait_active(lambda, function, &version, pacing).await?;
            let held = published.code_sha256().unwrap_or_default();
            anyhow::ensure!(
                held == sha,
                "version {version} of {function} holds code {held}, not $LATEST's {sha}: another publish came in between"
            );
            Ok((version, sha, 0))
        }
        Code::Zip(archive) => {
            let sha = archive.code_sha256();
            for attempt in 0..PUBLISH_ATTEMPTS {
                let version = lambda::update_and_publish(lambda, function, &archive.bytes, pacing).await?;
                let published = lambda::wait_active(lambda, function, &version, pacing).await?;
                let held = published.code_sha256().unwrap_or_default();
                if held == sha {
                    return Ok((version, sha, attempt));
                }
            }
            bail!("{PUBLISH_ATTEMPTS} publications of {function} held other code: too many previews at once; try again")
        }
    }
}

/// One alias, as `list` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub function: String,
    pub alias: String,
    pub version: String,
    /// Versions a weighted routing also sends traffic to.
    pub additional_versions: Vec<String>,
    /// `None` for an alias another tool made.
    pub marker: Option<Marker>,
    pub protected: bool,
    pub url: Option<String>,
    /// Why lamux would not route it; `None` when it would (or nothing is known).
    pub unroutable: Option<String>,
    /// Lambda's revision of the alias when it was listed: `prune` deletes it only unchanged.
    #[serde(skip)]
    pub revision_id: Option<String>,
}

impl Preview {
    pub fn expired(&self, now: SystemTime) -> bool {
        self.marker.as_ref().is_some_and(|m| m.expired(now))
    }
}

/// `list`: every alias of `function`.
pub async fn list(
    lambda: &Client,
    function: &str,
    protect: &Protect,
    reach: Reach<'_>,
) -> anyhow::Result<Vec<Preview>> {
    lambda::require_function(lambda, function).await?;
    let mut found: Vec<Preview> = lambda::aliases(lambda, function)
        .await?
        .iter()
        .map(|alias| describe(function, alias, protect, reach))
        .collect();
    found.sort_by(|a, b| a.alias.cmp(&b.alias));
    Ok(found)
}

fn describe(function: &str, alias: &AliasConfiguration, protect: &Protect, reach: Reach<'_>) -> Preview {
    let name = alias.name().unwrap_or_default();
    let weights = alias.routing_config().and_then(|r| r.additional_version_weights());
    let (url, unroutable) = match reach.url(function, name) {
        Ok(url) => (url, None),
        Err(reason) => (None, Some(reason)),
    };
    Preview {
        function: function.to_owned(),
        alias: name.to_owned(),
        version: alias.function_version().unwrap_or_default().to_owned(),
        additional_versions: weights.into_iter().flat_map(|w| w.keys().cloned()).collect(),
        marker: alias.description().and_then(Marker::parse),
        protected: protect.covers(name).is_some(),
        url,
        unroutable,
        revision_id: alias.revision_id().map(str::to_owned),
    }
}

/// What `down` and `prune` keep whatever they are asked (README "What down and prune keep").
#[derive(Debug, Clone)]
pub struct Safety {
    /// Aliases never created, moved or deleted by a preview; their rollback targets are kept.
    pub protect: Protect,
    /// Aliases that a running canary names, as base or target: never deleted.
    pub canaries: Vec<lamux::choose::Canary>,
    /// Unreferenced versions kept, newest first.
    pub keep_versions: usize,
    /// Rollback targets kept per protected alias.
    pub keep_live: usize,
    /// Versions published more recently than this are kept (an `up` in flight).
    pub min_age: Duration,
}

impl Safety {
    /// Why alias `name` may not be deleted, if it may not.
    pub fn refuses(&self, name: &str) -> Option<String> {
        if let Some(pattern) = self.protect.covers(name) {
            return Some(format!("alias {name} is protected (protect = [{pattern:?}]): previews never touch it"));
        }
        let canary = self.canaries.iter().find(|c| c.target == name || c.alias == name)?;
        Some(format!(
            "alias {name} is in the running canary {}={}:{}: end it first with `lamux-deploy preview canary {} --end \
             --base {}`",
            canary.alias, canary.target, canary.percent, canary.target, canary.alias
        ))
    }
}

/// What retiring previews did, or with `dry_run`, would do.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Retired {
    pub function: String,
    /// Aliases deleted (or, in a dry run, to delete).
    pub aliases: Vec<String>,
    /// Aliases that were already gone.
    pub aliases_gone: Vec<String>,
    /// Aliases left alone after all, and why (an `up` refreshed them since they were listed).
    pub aliases_kept: Vec<(String, String)>,
    /// Versions deleted (or to delete): nothing may still use them.
    pub versions: Vec<String>,
    /// Versions another run deleted first.
    pub versions_gone: Vec<String>,
    /// Versions kept, each with every rule that keeps it.
    pub versions_kept: Vec<orphans::Fate>,
    /// Versions that came to be referenced between listing and deleting.
    pub versions_in_use: Vec<String>,
}

/// `down`: delete alias `name`, then the versions nothing may still use. Safe to repeat: what
/// is already gone is reported, not an error. A protected alias, and one a canary names, is
/// refused, and so is one without the preview marker unless `include_unmarked`.
pub async fn down(
    lambda: &Client,
    function: &str,
    name: &str,
    safety: &Safety,
    include_unmarked: bool,
    dry_run: bool,
    now: SystemTime,
) -> anyhow::Result<Retired> {
    if let Some(reason) = safety.refuses(name) {
        bail!("{function}:{name}: {reason}");
    }
    lambda::require_function(lambda, function).await?;
    let existing = lambda::alias(lambda, function, name).await?;
    if existing.as_ref().is_some_and(|a| a.description().and_then(Marker::parse).is_none()) && !include_unmarked {
        bail!(
            "alias {function}:{name} has no preview marker (another tool made it): pass --include-unmarked to \
             delete it"
        );
    }
    let gone = existing.is_none();
    let leaving: Vec<AliasConfiguration> = existing.into_iter().collect();
    let mut retired = retire(lambda, function, &leaving, safety, dry_run, now).await?;
    if gone {
        retired.aliases_gone.push(name.to_owned());
    }
    Ok(retired)
}

/// Delete `leaving` (aliases of `function` as they were listed) and then the versions nothing
/// may still use; with `dry_run`, say what would go. An alias whose revision changed since it
/// was listed (an `up` refreshed it) is kept.
pub async fn retire(
    lambda: &Client,
    function: &str,
    leaving: &[AliasConfiguration],
    safety: &Safety,
    dry_run: bool,
    now: SystemTime,
) -> anyhow::Result<Retired> {
    let mut retired = Retired { function: function.to_owned(), ..Retired::default() };
    let mut removing = BTreeSet::new();
    for alias in leaving {
        let name = alias.name().unwrap_or_default();
        if dry_run {
            retired.aliases.push(name.to_owned());
            removing.insert(alias.function_version().unwrap_or_default().to_owned());
            continue;
        }
        // Read again right before the delete: DeleteAlias takes no RevisionId (AWS-NOTES).
        match lambda::alias(lambda, function, name).await? {
            None => retired.aliases_gone.push(name.to_owned()),
            Some(now_found) if changed(&now_found, alias) => {
                retired.aliases_kept.push((name.to_owned(), "changed since it was listed (an up refreshed it)".into()));
            }
            Some(now_found) => match lambda::delete_alias(lambda, function, name).await? {
                Deleted::AlreadyGone => retired.aliases_gone.push(name.to_owned()),
                _ => {
                    retired.aliases.push(name.to_owned());
                    removing.insert(now_found.function_version().unwrap_or_default().to_owned());
                }
            },
        }
    }
    let gone: Vec<&str> = retired.aliases.iter().chain(&retired.aliases_gone).map(String::as_str).collect();
    let remaining: Vec<AliasConfiguration> = lambda::aliases(lambda, function)
        .await?
        .into_iter()
        .filter(|a| !gone.contains(&a.name().unwrap_or_default()))
        .collect();
    let listed = lambda::versions(lambda, function).await?;
    let numbers: Vec<String> = listed.iter().filter_map(|v| v.version().map(str::to_owned)).collect();
    let mut references = lambda::references(lambda, function, &remaining, &numbers).await?;
    for alias in remaining.iter().filter(|a| safety.protect.covers(a.name().unwrap_or_default()).is_some()) {
        history::rollback_targets(
            &mut references,
            alias.name().unwrap_or_default(),
            alias.function_version().unwrap_or_default(),
            alias.description(),
            &numbers,
            safety.keep_live,
        );
    }
    let published: Vec<orphans::Published> = listed
        .iter()
        .filter_map(|v| {
            let version = v.version()?.to_owned();
            let age = v.last_modified().and_then(lambda_time).and_then(|at| now.duration_since(at).ok());
            Some(orphans::Published { version, age })
        })
        .collect();
    let rules = orphans::Rules { keep_versions: safety.keep_versions, min_age: safety.min_age, removing };
    for fate in orphans::select(&published, &references, &rules) {
        if !fate.deleted() {
            retired.versions_kept.push(fate);
            continue;
        }
        if dry_run {
            retired.versions.push(fate.version);
            continue;
        }
        match lambda::delete_version(lambda, function, &fate.version).await? {
            Deleted::Deleted => retired.versions.push(fate.version),
            Deleted::AlreadyGone => retired.versions_gone.push(fate.version),
            Deleted::InUse => retired.versions_in_use.push(fate.version),
        }
    }
    Ok(retired)
}

/// Whether an alias moved or was refreshed since it was listed: its revision, its version or
/// its marker differ.
fn changed(now: &AliasConfiguration, listed: &AliasConfiguration) -> bool {
    now.revision_id() != listed.revision_id()
        || now.function_version() != listed.function_version()
        || now.description() != listed.description()
}

/// Lambda's timestamps: `2026-12-03T10:20:50.123+0000`; humantime reads RFC 3339 with `Z`.
fn lambda_time(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(&text.replace("+0000", "Z")).ok()
}

/// Which previews `prune` removes.
#[derive(Debug, Clone, Default)]
pub struct Stale {
    /// Past the expiry in their marker.
    pub expired: bool,
    /// Created longer ago than this.
    pub older_than: Option<Duration>,
    /// Aliases without a marker too (their age is their version's LastModified).
    pub include_unmarked: bool,
}

impl Stale {
    /// Why `preview` is stale at `now`; `None` keeps it. A protected alias is never stale.
    pub fn reason(&self, preview: &Preview, age: Option<Duration>, now: SystemTime) -> Option<String> {
        if preview.protected || (preview.marker.is_none() && !self.include_unmarked) {
            return None;
        }
        if self.expired && preview.expired(now) {
            let expires = preview.marker.as_ref().map(|m| humantime::format_rfc3339_seconds(m.expires));
            return Some(format!("expired at {}", expires.map(|e| e.to_string()).unwrap_or_default()));
        }
        let (limit, age) = (self.older_than?, age?);
        (age > limit).then(|| {
            format!("{} old, over {}", humantime::format_duration(round(age)), humantime::format_duration(limit))
        })
    }
}

fn round(age: Duration) -> Duration {
    Duration::from_secs(age.as_secs() / 60 * 60)
}

/// `prune`: the stale previews of `function` and the versions nothing may still use,
/// removed (or, with `dry_run`, listed). Returns each stale alias with its reason, and what
/// was retired. An alias a running canary names is never stale.
pub async fn prune(
    lambda: &Client,
    function: &str,
    stale: &Stale,
    safety: &Safety,
    dry_run: bool,
    now: SystemTime,
) -> anyhow::Result<(Vec<(String, String)>, Retired)> {
    lambda::require_function(lambda, function).await?;
    let listed = lambda::aliases(lambda, function).await?;
    let mut chosen = Vec::new();
    let mut leaving = Vec::new();
    let mut spared = Vec::new();
    for alias in &listed {
        let preview = describe(function, alias, &safety.protect, Reach::Unchecked(None));
        let age = match &preview.marker {
            Some(marker) => now.duration_since(marker.created).ok(),
            None if stale.include_unmarked && stale.older_than.is_some() => {
                version_age(lambda, function, &preview.version, now).await?
            }
            None => None,
        };
        let Some(reason) = stale.reason(&preview, age, now) else { continue };
        if let Some(refused) = safety.refuses(&preview.alias) {
            spared.push((preview.alias.clone(), refused));
            continue;
        }
        chosen.push((preview.alias.clone(), reason));
        leaving.push(alias.clone());
    }
    chosen.sort();
    let mut retired = retire(lambda, function, &leaving, safety, dry_run, now).await?;
    retired.aliases_kept.extend(spared);
    Ok((chosen, retired))
}

/// How long ago `version` was published, from its LastModified.
async fn version_age(
    lambda: &Client,
    function: &str,
    version: &str,
    now: SystemTime,
) -> anyhow::Result<Option<Duration>> {
    let found = lambda::configuration(lambda, function, Some(version)).await?;
    let Some(modified) = found.last_modified() else { return Ok(None) };
    let at = lambda_time(modified).with_context(|| format!("version {version}: LastModified {modified:?}"))?;
    Ok(now.duration_since(at).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview(alias: &str, marker: Option<Marker>, protected: bool) -> Preview {
        Preview {
            function: "web".into(),
            alias: alias.into(),
            version: "3".into(),
            additional_versions: Vec::new(),
            marker,
            protected,
            url: None,
            unroutable: None,
            revision_id: None,
        }
    }

    #[test]
    fn prune_never_chooses_protected_or_unmarked_aliases() {
        let day = Duration::from_secs(86_400);
        let now = SystemTime::UNIX_EPOCH + 30 * day;
        let old = Marker::new(SystemTime::UNIX_EPOCH, day, None);
        let fresh = Marker::new(now - day, 7 * day, None);
        let expired = Stale { expired: true, ..Stale::default() };
        assert!(
            expired
                .reason(&preview("pr1", Some(old.clone()), false), Some(30 * day), now)
                .expect("stale")
                .contains("expired")
        );
        assert_eq!(expired.reason(&preview("pr2", Some(fresh.clone()), false), Some(day), now), None);
        assert_eq!(expired.reason(&preview("live", Some(old.clone()), true), Some(30 * day), now), None, "protected");
        assert_eq!(expired.reason(&preview("staging", None, false), Some(30 * day), now), None, "unmarked");
        let aged = Stale { older_than: Some(14 * day), include_unmarked: true, ..Stale::default() };
        assert!(
            aged.reason(&preview("staging", None, false), Some(30 * day), now).expect("old").contains("over 14days")
        );
        assert_eq!(aged.reason(&preview("pr2", Some(fresh), false), Some(day), now), None);
        assert_eq!(aged.reason(&preview("live", None, true), Some(30 * day), now), None, "protected, even unmarked");
    }
}
