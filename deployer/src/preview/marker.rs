//! The preview marker in an alias's description. Aliases have no tags, and a description
//! holds 256 characters (AWS-NOTES), so the marker is one compact line:
//!
//! ```text
//! lamux-preview created=2026-12-03T10:20:50Z expires=2026-12-10T10:20:50Z commit=4f2a9c1 branch=feature/login
//! ```
//!
//! `commit` and `branch` are there when given. Pure.

use std::time::{Duration, SystemTime};

use anyhow::ensure;
use serde::Serialize;

/// What every marked description starts with.
const TAG: &str = "lamux-preview";

/// Lambda's limit on an alias description.
pub const DESCRIPTION_LIMIT: usize = 256;

/// A preview's origin and lifetime, as its alias records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    #[serde(with = "rfc3339")]
    pub created: SystemTime,
    #[serde(with = "rfc3339")]
    pub expires: SystemTime,
    pub commit: Option<String>,
    pub branch: Option<String>,
}

impl Marker {
    /// A marker for a preview made at `now` that lives `ttl`. When the preview is updated,
    /// `created` and the branch stay those of the earlier marker, the expiry moves on, and
    /// the commit is only the one given now (an earlier commit no longer runs).
    pub fn new(now: SystemTime, ttl: Duration, earlier: Option<&Marker>) -> Self {
        Self {
            created: earlier.map_or(now, |m| m.created),
            expires: now + ttl,
            commit: None,
            branch: earlier.and_then(|m| m.branch.clone()),
        }
    }

    /// A commit (hex, as git prints it, short or full) and a branch (no spaces, as git
    /// allows) to record.
    pub fn with_origin(mut self, commit: Option<&str>, branch: Option<&str>) -> anyhow::Result<Self> {
        if let Some(commit) = commit {
            ensure!(
                (4..=64).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                "--commit {commit:?} is not a git commit id (4 to 64 hex digits)"
            );
            self.commit = Some(commit.to_ascii_lowercase());
        }
        if let Some(branch) = branch {
            ensure!(
                !branch.is_empty() && !branch.chars().any(|c| c.is_whitespace() || c.is_control()),
                "--branch {branch:?} is not a git branch name (no spaces or control characters)"
            );
            self.branch = Some(branch.to_owned());
        }
        Ok(self)
    }

    /// Whether the preview is past its expiry at `now`.
    pub fn expired(&self, now: SystemTime) -> bool {
        self.expires <= now
    }

    /// The description: the whole marker, with a branch too long for 256 characters cut
    /// (the name and the commit still tell it apart).
    pub fn render(&self) -> String {
        let mut text = format!(
            "{TAG} created={} expires={}",
            humantime::format_rfc3339_seconds(self.created),
            humantime::format_rfc3339_seconds(self.expires)
        );
        if let Some(commit) = &self.commit {
            text.push_str(&format!(" commit={commit}"));
        }
        if let Some(branch) = &self.branch {
            let room = DESCRIPTION_LIMIT.saturating_sub(text.len() + " branch=".len());
            let cut: String = branch
                .chars()
                .scan(0, |used, c| {
                    *used += c.len_utf8();
                    (*used <= room).then_some(c)
                })
                .collect();
            if !cut.is_empty() {
                text.push_str(&format!(" branch={cut}"));
            }
        }
        text
    }

    /// The marker in a description; `None` for an alias another tool made.
    pub fn parse(description: &str) -> Option<Self> {
        let mut words = description.split(' ');
        if words.next()? != TAG {
            return None;
        }
        let (mut created, mut expires, mut commit, mut branch) = (None, None, None, None);
        for word in words {
            match word.split_once('=')? {
                ("created", at) => created = humantime::parse_rfc3339(at).ok(),
                ("expires", at) => expires = humantime::parse_rfc3339(at).ok(),
                ("commit", id) => commit = Some(id.to_owned()),
                ("branch", name) => branch = Some(name.to_owned()),
                // A later version's field: ignored, so that older tools still list it.
                _ => {}
            }
        }
        Some(Self { created: created?, expires: expires?, commit, branch })
    }
}

mod rfc3339 {
    use std::time::SystemTime;

    pub fn serialize<S: serde::Serializer>(at: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_rfc3339_seconds(*at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        humantime::parse_rfc3339(text).expect("a time")
    }

    #[test]
    fn the_marker_round_trips_within_256_characters() {
        let now = at("2026-12-03T10:20:50Z");
        let marker = Marker::new(now, Duration::from_secs(7 * 86_400), None)
            .with_origin(Some("4F2A9C1"), Some("feature/login"))
            .expect("valid");
        let text = marker.render();
        assert_eq!(
            text,
            "lamux-preview created=2026-12-03T10:20:50Z expires=2026-12-10T10:20:50Z commit=4f2a9c1 branch=feature/login"
        );
        assert_eq!(Marker::parse(&text), Some(marker.clone()));
        assert!(!marker.expired(now));
        assert!(marker.expired(at("2026-12-10T10:20:50Z")));

        let long = Marker::new(now, Duration::from_secs(60), None)
            .with_origin(Some(&"a".repeat(64)), Some(&"b".repeat(300)))
            .expect("valid");
        let text = long.render();
        assert_eq!(text.len(), DESCRIPTION_LIMIT);
        assert_eq!(Marker::parse(&text).expect("parsed").commit.as_deref(), Some(&*"a".repeat(64)));
    }

    #[test]
    fn an_update_keeps_the_creation_time() {
        let first = Marker::new(at("2026-12-01T00:00:00Z"), Duration::from_secs(3600), None)
            .with_origin(Some("abcd"), Some("feature/a"))
            .expect("valid");
        let again = Marker::new(at("2026-12-02T00:00:00Z"), Duration::from_secs(3600), Some(&first));
        assert_eq!(again.created, first.created);
        assert_eq!((again.commit, again.branch.as_deref()), (None, Some("feature/a")));
        assert_eq!(again.expires, at("2026-12-02T01:00:00Z"));
    }

    #[test]
    fn other_descriptions_are_not_markers() {
        for text in
            ["", "production", "lamux-preview", "lamux-preview created=yesterday expires=never", "lamux-previews x"]
        {
            assert_eq!(Marker::parse(text), None, "{text}");
        }
        let bad = Marker::new(SystemTime::UNIX_EPOCH, Duration::ZERO, None);
        assert!(bad.clone().with_origin(Some("xyz"), None).is_err());
        assert!(bad.with_origin(None, Some("a b")).is_err());
    }
}
