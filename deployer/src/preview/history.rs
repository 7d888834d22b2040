//! The release history of a protected alias, kept in its description: Lambda keeps none, and
//! an alias has no tags (AWS-NOTES). `promote` and `rollback` write it; `down` and `prune`
//! read it to keep the rollback targets. One line, within Lambda's 256 characters:
//!
//! ```text
//! lamux-release at=7 before=5,3,2
//! ```
//!
//! `at` is the version `promote` or `rollback` left the alias at, `before` the versions it
//! pointed at earlier, newest first. When the alias points elsewhere than `at` (another tool
//! moved it) or has no history at all, the history is unknown, and the versions just below
//! the alias's own are kept instead: when unsure, keep. Pure.

use super::marker::DESCRIPTION_LIMIT;
use super::orphans::{Keep, References, is_version};

const TAG: &str = "lamux-release";

/// Versions a protected alias pointed at, as `promote` and `rollback` record them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub at: String,
    pub before: Vec<String>,
}

impl History {
    /// The history in an alias's description; `None` when there is none (or it is not ours).
    pub fn parse(description: &str) -> Option<Self> {
        let mut words = description.split_whitespace();
        if words.next() != Some(TAG) {
            return None;
        }
        let mut history = Self::default();
        for word in words {
            match word.split_once('=') {
                Some(("at", version)) if is_version(version) => history.at = version.to_owned(),
                Some(("before", list)) => {
                    history.before = list.split(',').filter(|v| is_version(v)).map(str::to_owned).collect();
                }
                _ => {}
            }
        }
        (!history.at.is_empty()).then_some(history)
    }

    /// The description, the oldest entries dropped until it fits.
    pub fn render(&self) -> String {
        let mut before = self.before.clone();
        loop {
            let text = format!("{TAG} at={} before={}", self.at, before.join(","));
            if text.len() <= DESCRIPTION_LIMIT || before.is_empty() {
                return text;
            }
            before.pop();
        }
    }

    /// After the alias moves from `from` to `to`: `from` becomes the newest rollback target.
    pub fn promoted(earlier: Option<&Self>, from: Option<&str>, to: &str) -> Self {
        let mut before: Vec<String> = from.filter(|v| *v != to).map(str::to_owned).into_iter().collect();
        // An earlier history holds only while the alias still pointed where it said.
        if let Some(earlier) = earlier.filter(|h| Some(h.at.as_str()) == from) {
            before.extend(earlier.before.iter().filter(|v| v.as_str() != to).cloned());
        }
        Self { at: to.to_owned(), before }
    }

    /// The version a rollback goes to, and the history after it.
    pub fn rolled_back(&self) -> Option<(String, Self)> {
        let (target, rest) = self.before.split_first()?;
        Some((target.clone(), Self { at: target.clone(), before: rest.to_vec() }))
    }
}

/// The rollback targets of protected alias `alias`, which points at `current` and has
/// `description`: its last `keep_live` versions, recorded or, when the history is unknown or
/// stale, presumed (the `keep_live` highest of `published` below `current`, and whatever a
/// stale history named too).
pub fn rollback_targets(
    references: &mut References,
    alias: &str,
    current: &str,
    description: Option<&str>,
    published: &[String],
    keep_live: usize,
) {
    let history = description.and_then(History::parse);
    let recorded = history.as_ref().filter(|h| h.at == current);
    if let Some(history) = recorded {
        for (back, version) in history.before.iter().take(keep_live).enumerate() {
            references.add(version, Keep::Rollback { alias: alias.to_owned(), back: back + 1 });
        }
        return;
    }
    let Ok(current_number) = current.parse::<u64>() else { return };
    let mut below: Vec<u64> =
        published.iter().filter_map(|v| v.parse::<u64>().ok()).filter(|v| *v < current_number).collect();
    below.sort_unstable_by(|a, b| b.cmp(a));
    for version in below.into_iter().take(keep_live) {
        references.add(&version.to_string(), Keep::Unrecorded { alias: alias.to_owned() });
    }
    if let Some(stale) = history {
        for version in std::iter::once(&stale.at).chain(stale.before.iter().take(keep_live)) {
            references.add(version, Keep::Unrecorded { alias: alias.to_owned() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(n: u64) -> Vec<String> {
        (1..=n).map(|v| v.to_string()).collect()
    }

    fn held(references: &References, version: &str) -> Vec<Keep> {
        references.reasons(version).map(|r| r.iter().cloned().collect()).unwrap_or_default()
    }

    #[test]
    fn a_history_reads_back_as_written() {
        let history = History { at: "7".into(), before: vec!["5".into(), "3".into()] };
        assert_eq!(history.render(), "lamux-release at=7 before=5,3");
        assert_eq!(History::parse(&history.render()), Some(history));
        assert_eq!(History::parse("lamux-preview created=2026-12-03T10:20:50Z"), None);
        assert_eq!(History::parse("lamux-release before=1"), None, "no at");
        assert_eq!(History::parse("lamux-release at=$LATEST before=1"), None, "an alias points at a version");
        assert_eq!(
            History::parse("lamux-release at=3 before=2,$LATEST,x,1"),
            Some(History { at: "3".into(), before: vec!["2".into(), "1".into()] }),
            "only versions are rollback targets"
        );
        let long = History { at: "1".into(), before: (0..200).map(|v| (1_000_000_000 + v).to_string()).collect() };
        let text = long.render();
        assert!(text.len() <= DESCRIPTION_LIMIT, "{}", text.len());
        assert!(text.contains("before=1000000000,"), "the newest stay: {text}");
    }

    #[test]
    fn promote_and_rollback_walk_the_history() {
        let first = History::promoted(None, Some("1"), "2");
        assert_eq!(first, History { at: "2".into(), before: vec!["1".into()] });
        let second = History::promoted(Some(&first), Some("2"), "5");
        assert_eq!(second.before, ["2", "1"]);
        let (target, back) = second.rolled_back().expect("a target");
        assert_eq!((target.as_str(), back.before.as_slice()), ("2", &["1".to_owned()][..]));
        let (target, back) = back.rolled_back().expect("again");
        assert_eq!((target.as_str(), back.before.len()), ("1", 0));
        assert_eq!(back.rolled_back(), None, "nothing left");
        let moved_elsewhere = History::promoted(Some(&second), Some("9"), "10");
        assert_eq!(moved_elsewhere.before, ["9"], "a history the alias left behind is not carried on");
        assert_eq!(History::promoted(None, Some("4"), "4").before, Vec::<String>::new());
    }

    #[test]
    fn recorded_targets_are_kept_in_order() {
        let mut references = References::default();
        let description = "lamux-release at=7 before=5,3,2,1";
        rollback_targets(&mut references, "live", "7", Some(description), &versions(7), 3);
        assert_eq!(held(&references, "5"), [Keep::Rollback { alias: "live".into(), back: 1 }]);
        assert_eq!(held(&references, "2"), [Keep::Rollback { alias: "live".into(), back: 3 }]);
        assert!(held(&references, "1").is_empty(), "past keep-live");
        assert!(held(&references, "6").is_empty());
    }

    /// Issue 28, defect 2: `live` moved 1 -> 2 by another tool; pull requests made 3 to 7,
    /// and `down pr1` deleted version 1, live's rollback target.
    #[test]
    fn without_a_history_the_versions_below_are_kept() {
        let mut references = References::default();
        rollback_targets(&mut references, "live", "2", None, &versions(7), 3);
        assert_eq!(held(&references, "1"), [Keep::Unrecorded { alias: "live".into() }]);
        assert!(held(&references, "3").is_empty());
        let mut stale = References::default();
        rollback_targets(&mut stale, "live", "9", Some("lamux-release at=4 before=2"), &versions(9), 2);
        for version in ["8", "7", "4", "2"] {
            assert_eq!(held(&stale, version), [Keep::Unrecorded { alias: "live".into() }], "{version}");
        }
        assert!(held(&stale, "6").is_empty());
    }
}
