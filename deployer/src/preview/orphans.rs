//! Which versions of a function `down` and `prune` may delete, and why each other one stays.
//! Pure: what holds each version comes from [`super::lambda::references`].
//!
//! A version is kept when anything might still use it, and the rule that kept it is said:
//! a leftover version costs nothing, a missing one takes production down. The rules, in the
//! order they are told:
//! 1. something references it: an alias (also through a weighted `RoutingConfig`), a
//!    provisioned concurrency config, an event source mapping on its ARN, a statement of its
//!    own resource policy, an event-invoke config;
//! 2. it is one of the last `keep-live` versions a protected alias pointed at (its rollback
//!    targets, [`super::history`]);
//! 3. it was published less than `min-age` ago, unless an alias being removed was its only
//!    user: an `up` in flight has published it and not yet pointed its alias at it;
//! 4. it is one of the newest `keep-versions` of what is left.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;

/// Why a version stays.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Keep {
    /// Alias `alias` points at it.
    Alias {
        alias: String,
    },
    /// Alias `alias` sends it a share of its traffic (`RoutingConfig`).
    Weighted {
        alias: String,
    },
    ProvisionedConcurrency,
    /// An event source mapping invokes it.
    EventSourceMapping {
        uuid: String,
    },
    /// Its own resource policy lets these statements invoke it (EventBridge, S3, API
    /// Gateway, Step Functions name `function:N`).
    ResourcePolicy {
        sids: Vec<String>,
    },
    /// An event-invoke config (destinations, retries) is set on it.
    EventInvokeConfig,
    /// Protected alias `alias` pointed at it `back` releases ago (1: the one before now).
    Rollback {
        alias: String,
        back: usize,
    },
    /// Just below protected alias `alias`'s version, whose history lamux did not record
    /// (another tool moved it): presumed a rollback target.
    Unrecorded {
        alias: String,
    },
    /// Published `age_seconds` ago, under `min-age`: an `up` may not have pointed its alias
    /// at it yet. An unknown age counts as young.
    Young {
        age_seconds: Option<u64>,
    },
    /// One of the newest `keep-versions` unreferenced versions.
    Newest,
}

impl std::fmt::Display for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Alias { alias } => write!(f, "alias {alias}"),
            Self::Weighted { alias } => write!(f, "alias {alias}'s weighted routing"),
            Self::ProvisionedConcurrency => f.write_str("provisioned concurrency"),
            Self::EventSourceMapping { uuid } => write!(f, "event source mapping {uuid}"),
            Self::ResourcePolicy { sids } => write!(f, "its resource policy ({})", sids.join(", ")),
            Self::EventInvokeConfig => f.write_str("an event-invoke config"),
            Self::Rollback { alias, back } => write!(f, "{alias}'s rollback target ({back} back, keep-live)"),
            Self::Unrecorded { alias } => {
                write!(f, "below {alias}'s version, whose history lamux did not record (keep-live)")
            }
            Self::Young { age_seconds: Some(age) } => write!(f, "published {age}s ago (min-age)"),
            Self::Young { age_seconds: None } => f.write_str("its age is unknown (min-age)"),
            Self::Newest => f.write_str("among the newest unreferenced (keep-versions)"),
        }
    }
}

/// What holds each version, gathered from Lambda and from the protected aliases' history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    held: BTreeMap<String, BTreeSet<Keep>>,
}

impl References {
    /// `qualifier` is held for `why`; `$LATEST` and alias qualifiers are not versions.
    pub fn add(&mut self, qualifier: &str, why: Keep) {
        if is_version(qualifier) {
            self.held.entry(qualifier.to_owned()).or_default().insert(why);
        }
    }

    /// The qualifier of a qualified ARN of `function` (`...:function:NAME:7` is version 7).
    /// `function` is a name: compare ARNs only after [`super::function_name`].
    pub fn add_arn(&mut self, function: &str, arn: &str, why: Keep) {
        if let Some((_, rest)) = arn.split_once(":function:")
            && let Some((name, qualifier)) = rest.split_once(':')
            && name == function
        {
            self.add(qualifier, why);
        }
    }

    /// Why `version` is held, if it is.
    pub fn reasons(&self, version: &str) -> Option<&BTreeSet<Keep>> {
        self.held.get(version)
    }
}

/// A published version, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub version: String,
    /// Since it was published (its LastModified); `None` when Lambda did not say.
    pub age: Option<Duration>,
}

/// The knobs of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Unreferenced versions kept, newest first.
    pub keep_versions: usize,
    /// Versions younger than this are kept, but those of `removing`.
    pub min_age: Duration,
    /// The versions that the aliases being removed pointed at: `down pr2` deletes pr2's own
    /// version however young it is.
    pub removing: BTreeSet<String>,
}

/// One version's fate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fate {
    pub version: String,
    /// Empty: it is deleted.
    pub kept_by: Vec<Keep>,
}

impl Fate {
    pub fn deleted(&self) -> bool {
        self.kept_by.is_empty()
    }
}

/// The fate of every published version (`$LATEST` is never one), oldest first.
pub fn select(published: &[Published], references: &References, rules: &Rules) -> Vec<Fate> {
    let mut fates: Vec<Fate> = published
        .iter()
        .filter(|p| is_version(&p.version))
        .map(|p| {
            let mut kept_by: Vec<Keep> =
                references.reasons(&p.version).map(|held| held.iter().cloned().collect()).unwrap_or_default();
            let young = p.age.is_none_or(|age| age < rules.min_age);
            if kept_by.is_empty() && young && !rules.removing.contains(&p.version) {
                kept_by.push(Keep::Young { age_seconds: p.age.map(|age| age.as_secs()) });
            }
            Fate { version: p.version.clone(), kept_by }
        })
        .collect();
    fates.sort_by_key(|fate| number(&fate.version));
    for fate in fates.iter_mut().rev().filter(|fate| fate.kept_by.is_empty()).take(rules.keep_versions) {
        fate.kept_by.push(Keep::Newest);
    }
    fates
}

fn number(version: &str) -> u64 {
    version.parse().unwrap_or(u64::MAX)
}

/// A published version's qualifier: digits only.
pub fn is_version(qualifier: &str) -> bool {
    !qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn published(n: u64) -> Vec<Published> {
        (1..=n).map(|v| Published { version: v.to_string(), age: Some(60 * MINUTE) }).collect()
    }

    fn rules(keep_versions: usize) -> Rules {
        Rules { keep_versions, min_age: 15 * MINUTE, removing: BTreeSet::new() }
    }

    fn deleted(fates: &[Fate]) -> Vec<&str> {
        fates.iter().filter(|f| f.deleted()).map(|f| f.version.as_str()).collect()
    }

    fn kept<'a>(fates: &'a [Fate], version: &str) -> &'a [Keep] {
        &fates.iter().find(|f| f.version == version).expect("listed").kept_by
    }

    #[test]
    fn every_reference_keeps_its_version_and_says_so() {
        let mut references = References::default();
        references.add("2", Keep::Alias { alias: "live".into() });
        references.add("3", Keep::Weighted { alias: "live".into() });
        references.add("$LATEST", Keep::Alias { alias: "dev".into() });
        references.add("live", Keep::ProvisionedConcurrency);
        references.add_arn("web", "arn:aws:lambda:us-east-1:123456789012:function:web:5", Keep::ProvisionedConcurrency);
        references.add_arn("web", "arn:aws:lambda:us-east-1:1:function:api:6", Keep::ProvisionedConcurrency);
        references.add_arn("web", "arn:aws:lambda:us-east-1:1:function:web", Keep::ProvisionedConcurrency);
        references.add_arn(
            "web",
            "arn:aws:lambda:us-east-1:1:function:web:7",
            Keep::EventSourceMapping { uuid: "u-1".into() },
        );
        references.add("8", Keep::ResourcePolicy { sids: vec!["events".into()] });
        references.add("9", Keep::EventInvokeConfig);
        references.add("1", Keep::Rollback { alias: "live".into(), back: 1 });
        let fates = select(&published(12), &references, &rules(2));
        assert_eq!(deleted(&fates), ["4", "6", "10"], "oldest first; 10 sorts after 9");
        assert_eq!(kept(&fates, "12"), [Keep::Newest]);
        assert_eq!(kept(&fates, "11"), [Keep::Newest]);
        assert_eq!(kept(&fates, "8"), [Keep::ResourcePolicy { sids: vec!["events".into()] }]);
        assert_eq!(kept(&fates, "1"), [Keep::Rollback { alias: "live".into(), back: 1 }]);
        assert!(fates.iter().all(|f| is_version(&f.version)), "never $LATEST");
        let fates = select(&published(3), &References::default(), &rules(5));
        assert!(deleted(&fates).is_empty());
    }

    /// Issue 33's survivor: a mutant that took every qualifier for a version deleted
    /// `$LATEST` when it was listed among the published versions.
    #[test]
    fn latest_is_never_a_version_to_delete() {
        let mut listed = published(1);
        listed.push(Published { version: "$LATEST".into(), age: Some(60 * MINUTE) });
        let fates = select(&listed, &References::default(), &rules(0));
        assert_eq!(deleted(&fates), ["1"]);
        assert!(!is_version("$LATEST") && !is_version("") && !is_version("live") && is_version("10"));
    }

    /// Issue 28, defect 6: a `down --keep-versions 0` deleted the version an `up` in flight
    /// had just published. A young version stays, unless its alias is the one removed.
    #[test]
    fn a_young_version_stays_unless_its_own_alias_goes() {
        let mut listed = published(3);
        listed[1].age = Some(MINUTE);
        listed[2].age = None;
        let fates = select(&listed, &References::default(), &rules(0));
        assert_eq!(deleted(&fates), ["1"]);
        assert_eq!(kept(&fates, "2"), [Keep::Young { age_seconds: Some(60) }]);
        assert_eq!(kept(&fates, "3"), [Keep::Young { age_seconds: None }], "unknown age: kept");
        let removing = Rules { removing: BTreeSet::from(["2".to_owned()]), ..rules(0) };
        assert_eq!(deleted(&select(&listed, &References::default(), &removing)), ["1", "2"]);
        let exactly = vec![Published { version: "4".into(), age: Some(15 * MINUTE) }];
        assert_eq!(deleted(&select(&exactly, &References::default(), &rules(0))), ["4"], "min-age is exclusive");
    }

    /// The newest are the highest numbers, whatever order Lambda lists them in (a mutant
    /// that numbered every version alike kept the last listed instead).
    #[test]
    fn newest_means_the_highest_number_not_the_last_listed() {
        let listed: Vec<Published> = ["10", "2", "9", "1"]
            .iter()
            .map(|v| Published { version: (*v).to_owned(), age: Some(60 * MINUTE) })
            .collect();
        let fates = select(&listed, &References::default(), &rules(1));
        assert_eq!(kept(&fates, "10"), [Keep::Newest]);
        assert_eq!(deleted(&fates), ["1", "2", "9"], "oldest first");
    }

    #[test]
    fn keep_versions_counts_only_what_nothing_else_keeps() {
        let mut references = References::default();
        references.add("5", Keep::Alias { alias: "live".into() });
        let fates = select(&published(5), &references, &rules(1));
        assert_eq!(deleted(&fates), ["1", "2", "3"]);
        assert_eq!(kept(&fates, "4"), [Keep::Newest]);
        assert_eq!(kept(&fates, "5"), [Keep::Alias { alias: "live".into() }]);
    }

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(
            Keep::Rollback { alias: "live".into(), back: 2 }.to_string(),
            "live's rollback target (2 back, keep-live)"
        );
        assert_eq!(
            Keep::ResourcePolicy { sids: vec!["a".into(), "b".into()] }.to_string(),
            "its resource policy (a, b)"
        );
    }
}
