//! Which versions of a function nothing references any more, and which of those to delete.
//! Pure: the references come from [`super::lambda::references`].

use std::collections::BTreeSet;

/// What holds a version: an alias (its version, or a weighted `RoutingConfig` version), a
/// provisioned concurrency config, or an event source mapping on the version's ARN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    versions: BTreeSet<String>,
}

impl References {
    pub fn add(&mut self, version: &str) {
        // `$LATEST` and alias qualifiers are not published versions.
        if is_version(version) {
            self.versions.insert(version.to_owned());
        }
    }

    pub fn holds(&self, version: &str) -> bool {
        self.versions.contains(version)
    }

    /// The qualifier of a qualified function ARN (`...:function:NAME:7` is version 7).
    pub fn add_arn(&mut self, function: &str, arn: &str) {
        if let Some((_, rest)) = arn.split_once(":function:")
            && let Some((name, qualifier)) = rest.split_once(':')
            && name == function
        {
            self.add(qualifier);
        }
    }
}

/// The versions to delete and the unreferenced ones kept: of the published versions that
/// nothing references, the newest `keep` stay.
pub fn select(published: &[String], references: &References, keep: usize) -> (Vec<String>, Vec<String>) {
    let mut unreferenced: Vec<&String> = published.iter().filter(|v| is_version(v) && !references.holds(v)).collect();
    unreferenced.sort_by_key(|v| std::cmp::Reverse(v.parse::<u64>().unwrap_or(0)));
    let kept = unreferenced.iter().take(keep).map(|v| (*v).clone()).collect();
    let mut delete: Vec<String> = unreferenced.iter().skip(keep).map(|v| (*v).clone()).collect();
    delete.reverse();
    (delete, kept)
}

fn is_version(qualifier: &str) -> bool {
    !qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(n: u64) -> Vec<String> {
        (1..=n).map(|v| v.to_string()).chain(["$LATEST".to_owned()]).collect()
    }

    #[test]
    fn referenced_versions_and_the_newest_kept_stay() {
        let mut references = References::default();
        references.add("2"); // live
        references.add("$LATEST");
        references.add("live"); // a provisioned concurrency config on an alias
        references.add_arn("web", "arn:aws:lambda:us-east-1:123456789012:function:web:5"); // an event source
        references.add_arn("web", "arn:aws:lambda:us-east-1:123456789012:function:api:6"); // another function
        references.add_arn("web", "arn:aws:lambda:us-east-1:123456789012:function:web"); // unqualified
        let (delete, kept) = select(&versions(12), &references, 2);
        assert_eq!(kept, ["12", "11"]);
        assert_eq!(delete, ["1", "3", "4", "6", "7", "8", "9", "10"], "oldest first; 10 sorts after 9");
        let (delete, kept) = select(&versions(3), &references, 5);
        assert_eq!((delete.len(), kept), (0, vec!["3".to_owned(), "1".to_owned()]));
    }
}
