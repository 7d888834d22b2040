//! Preview names: lamux's alias rule, Lambda's, one DNS label for `ALIAS-FUNCTION`, the
//! protected aliases, and a deterministic name for a branch. Pure.

use anyhow::{bail, ensure};
use sha2::{Digest as _, Sha256};
use wildmatch::WildMatch;

use lamux_cdk::routable;

/// A DNS label holds 63 characters: `ALIAS-FUNCTION` must fit one.
const LABEL: usize = 63;

/// Letters and digits of the slug before its hash, at most: names stay readable in a URL.
const LONGEST_SLUG: usize = 24;

/// Hex digits of the branch's SHA-256 added to a name that lost characters.
const HASH_DIGITS: usize = 6;

/// Check that `alias` is a name lamux routes to `function`, by lamux's own router, that
/// Lambda takes (not only digits: those are version numbers), and that `ALIAS-FUNCTION` fits
/// one DNS label.
pub fn check(alias: &str, function: &str) -> anyhow::Result<()> {
    ensure!(!alias.is_empty(), "the preview name is empty");
    ensure!(
        alias.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "preview name {alias:?}: lamux routes aliases of lower-case letters and digits only (`-` separates alias \
         and function in a host name); try --name-from-branch"
    );
    ensure!(
        !alias.bytes().all(|b| b.is_ascii_digit()),
        "preview name {alias:?} is only digits: Lambda reads that as a version number; try pr{alias}"
    );
    let label = alias.len() + 1 + function.len();
    ensure!(
        label <= LABEL,
        "{alias}-{function} is {label} characters; a DNS label holds {LABEL}: choose a shorter name"
    );
    // The suffix does not matter to the label; lamux's router decides.
    if let Err(reason) = routable::route("preview.invalid", function, alias) {
        bail!("{alias}-{function}: {reason}");
    }
    Ok(())
}

/// A valid, deterministic preview name for `branch`: its letters and digits in lower case;
/// when anything was dropped, lowered or cut, 6 hex digits of the branch's SHA-256 follow,
/// so that two branches never share a name. Fits `function`'s DNS label.
pub fn from_branch(branch: &str, function: &str) -> anyhow::Result<String> {
    ensure!(!branch.trim().is_empty(), "--name-from-branch: the branch name is empty");
    let room = LABEL.saturating_sub(function.len() + 1);
    ensure!(room > HASH_DIGITS + 1, "function name {function:?} leaves no room for a preview name in a DNS label");
    let slug: String = branch.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    let mut name = slug;
    let longest = LONGEST_SLUG.min(room);
    // A name of digits alone is a version number to Lambda: it gets a letter.
    if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
        name.insert(0, 'b');
    }
    if name != branch || name.len() > longest {
        let digest = Sha256::digest(branch.as_bytes());
        let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        name.truncate(longest - HASH_DIGITS);
        name.push_str(&hash[..HASH_DIGITS]);
    }
    check(&name, function)?;
    Ok(name)
}

/// Aliases a preview never creates, moves or deletes (`live` unless configured), as globs.
#[derive(Debug, Clone)]
pub struct Protect(Vec<(String, WildMatch)>);

impl Protect {
    pub fn new(patterns: &[String]) -> Self {
        Self(patterns.iter().map(|p| (p.clone(), WildMatch::new(p))).collect())
    }

    /// The pattern that protects `alias`, if one does.
    pub fn covers(&self, alias: &str) -> Option<&str> {
        self.0.iter().find(|(_, glob)| glob.matches(alias)).map(|(pattern, _)| pattern.as_str())
    }

    /// Refuse a protected alias.
    pub fn check(&self, alias: &str) -> anyhow::Result<()> {
        if let Some(pattern) = self.covers(alias) {
            bail!("alias {alias} is protected (protect = [{pattern:?}]): previews never touch it");
        }
        Ok(())
    }
}

impl Default for Protect {
    fn default() -> Self {
        Self::new(&["live".to_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_lamux_and_lambda() {
        for good in ["pr42", "feature7", "a"] {
            assert!(check(good, "web").is_ok(), "{good}");
        }
        for (bad, why) in [
            ("pr-42", "lower-case letters and digits"),
            ("PR42", "lower-case letters and digits"),
            ("pr_42", "lower-case letters and digits"),
            ("42", "only digits"),
            ("", "empty"),
        ] {
            let err = check(bad, "web").expect_err(bad).to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let long = "p".repeat(60);
        assert!(check(&long, "web").expect_err("64").to_string().contains("DNS label holds 63"));
        assert!(check("pr1", "web_app").is_err(), "lamux's router refuses the function");
    }

    #[test]
    fn branch_names_are_deterministic_and_never_collide() {
        assert_eq!(from_branch("main", "web").expect("name"), "main");
        assert_eq!(from_branch("pr42", "web").expect("name"), "pr42");
        let login = from_branch("feature/login", "web").expect("name");
        assert!(login.starts_with("featurelogin") && login.len() == "featurelogin".len() + 6, "{login}");
        assert_eq!(login, from_branch("feature/login", "web").expect("same"), "deterministic");
        assert_ne!(login, from_branch("feature-login", "web").expect("name"), "a hash keeps them apart");
        assert_ne!(from_branch("Main", "web").expect("name"), "main", "lowered: hashed");
        let digits = from_branch("1234", "web").expect("name");
        assert!(digits.starts_with("b1234"), "{digits}");
        let long = from_branch(&"x".repeat(200), "web").expect("name");
        assert_eq!(long.len(), LONGEST_SLUG);
        let tight = from_branch("feature/a-very-long-branch-name", &"f".repeat(50)).expect("name");
        assert!(tight.len() + 51 <= 63, "{tight}");
        assert!(from_branch("///", "web").expect("name").starts_with('b'));
        assert!(from_branch("", "web").is_err());
    }

    #[test]
    fn protected_aliases_are_refused() {
        let protect = Protect::new(&["live".into(), "prod*".into()]);
        assert!(protect.check("pr1").is_ok());
        assert!(protect.check("live").expect_err("live").to_string().contains("protected"));
        assert_eq!(protect.covers("production"), Some("prod*"));
        assert_eq!(Protect::default().covers("live"), Some("live"));
    }
}
