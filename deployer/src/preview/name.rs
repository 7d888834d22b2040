//! Preview names: lamux's alias rule, Lambda's, one DNS label for `ALIAS-FUNCTION`, the
//! protected aliases, a deterministic name for a branch, a function given as a name or an
//! ARN, and the durations a preview command takes. Pure.

use std::time::Duration;

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
    // The suffix does not matter to the label; lamux's router decides, and checks that
    // `ALIAS-FUNCTION` fits one DNS label.
    if let Err(reason) = routable::route("preview.invalid", function, alias) {
        bail!("preview name {alias:?}: {reason}");
    }
    Ok(())
}

/// A valid, deterministic preview name for `branch`: `prefix`, then the branch's letters and
/// digits in lower case; when anything was dropped, lowered or cut, 6 hex digits of the
/// branch's SHA-256 follow, so that two branches never share a name. Fits `function`'s DNS
/// label. With a prefix, one glob (`br*`) admits every derived name.
pub fn from_branch(branch: &str, function: &str, prefix: &str) -> anyhow::Result<String> {
    ensure!(!branch.trim().is_empty(), "--name-from-branch: the branch name is empty");
    ensure!(
        prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "--branch-prefix {prefix:?}: lower-case letters and digits only, as aliases"
    );
    let room = LABEL.saturating_sub(function.len() + 1 + prefix.len());
    ensure!(room > HASH_DIGITS + 1, "function name {function:?} leaves no room for a preview name in a DNS label");
    let slug: String = branch.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    let mut name = slug;
    let longest = LONGEST_SLUG.min(room);
    // A name of digits alone is a version number to Lambda: it gets a letter.
    if prefix.bytes().all(|b| b.is_ascii_digit()) && (name.is_empty() || name.bytes().all(|b| b.is_ascii_digit())) {
        name.insert(0, 'b');
    }
    if name != branch || name.len() > longest {
        let digest = Sha256::digest(branch.as_bytes());
        let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        name.truncate(longest - HASH_DIGITS);
        name.push_str(&hash[..HASH_DIGITS]);
    }
    let name = format!("{prefix}{name}");
    check(&name, function)?;
    Ok(name)
}

/// The function's name, from a name, a partial ARN (`ACCOUNT:function:NAME`) or a full ARN:
/// every comparison and every call uses the name (AWS-NOTES: moto lists nothing for an ARN).
/// The ARN's region and account, when it has them, come back to be checked against the
/// function the name finds.
pub fn function_name(given: &str) -> anyhow::Result<(String, Option<String>, Option<String>)> {
    let parts: Vec<&str> = given.split(':').collect();
    let (name, region, account, qualifier) = match parts.as_slice() {
        ["arn", _, "lambda", region, account, "function", name] => (*name, Some(*region), Some(*account), None),
        ["arn", _, "lambda", _, _, "function", _, qualifier] => ("", None, None, Some(*qualifier)),
        [account, "function", name] => (*name, None, Some(*account), None),
        [account, "function", _, qualifier] if account.bytes().all(|b| b.is_ascii_digit()) => {
            ("", None, None, Some(*qualifier))
        }
        [name] => (*name, None, None, None),
        _ => bail!("--function {given:?} is neither a function name nor a function ARN"),
    };
    if let Some(qualifier) = qualifier {
        bail!("--function {given:?} names {qualifier:?} of a function: give the function alone");
    }
    ensure!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "--function {given:?}: {name:?} is not a function name"
    );
    Ok((name.to_owned(), region.map(str::to_owned), account.map(str::to_owned)))
}

/// A duration in humantime's units (`15min`, `36h`, `14d`, `2weeks`), except a bare `m`:
/// humantime reads it as minutes where a reader may expect months.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let bare_m = text.split(|c: char| c.is_ascii_digit() || c.is_whitespace()).any(|unit| unit == "m");
    if bare_m {
        return Err(format!(
            "{text:?}: `m` is ambiguous (minutes or months?): write `30min` for minutes, `30d` for days"
        ));
    }
    humantime::parse_duration(text).map_err(|err| format!("{text:?}: {err} (e.g. 90min, 36h, 14d)"))
}

/// The longest `--ttl`: an expiry stays a date that every tool can print.
const LONGEST_TTL: Duration = Duration::from_secs(10 * 366 * 86_400);

/// A preview's lifetime: [`parse_age`]'s units, longer than nothing, at most 10 years.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = parse_age(text)?;
    if ttl.is_zero() || ttl > LONGEST_TTL {
        return Err(format!("{text:?}: a preview lives from a second to 10 years"));
    }
    Ok(ttl)
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
        let longest = "p".repeat(59);
        assert!(check(&longest, "web").is_ok(), "63 characters fit a DNS label");
        let long = "p".repeat(60);
        assert!(check(&long, "web").expect_err("64").to_string().contains("is 64 characters; a DNS label holds 63"));
        assert!(check("pr1", "web_app").is_err(), "lamux's router refuses the function");
    }

    #[test]
    fn branch_names_are_deterministic_and_never_collide() {
        assert_eq!(from_branch("main", "web", "").expect("name"), "main");
        assert_eq!(from_branch("pr42", "web", "").expect("name"), "pr42");
        let login = from_branch("feature/login", "web", "").expect("name");
        assert!(login.starts_with("featurelogin") && login.len() == "featurelogin".len() + 6, "{login}");
        assert_eq!(login, from_branch("feature/login", "web", "").expect("same"), "deterministic");
        assert_ne!(login, from_branch("feature-login", "web", "").expect("name"), "a hash keeps them apart");
        assert_ne!(from_branch("Main", "web", "").expect("name"), "main", "lowered: hashed");
        let digits = from_branch("1234", "web", "").expect("name");
        assert!(digits.starts_with("b1234"), "{digits}");
        let long = from_branch(&"x".repeat(200), "web", "").expect("name");
        assert_eq!(long.len(), LONGEST_SLUG);
        let longest = "x".repeat(LONGEST_SLUG);
        assert_eq!(from_branch(&longest, "web", "").expect("name"), longest, "as long as a slug may be: kept as is");
        let tight = from_branch("feature/a-very-long-branch-name", &"f".repeat(50), "br").expect("name");
        assert!(tight.len() + 51 <= 63 && tight.starts_with("br"), "{tight}");
        assert!(from_branch("///", "web", "").expect("name").starts_with('b'));
        assert!(from_branch("", "web", "br").is_err());
        assert!(from_branch("main", "web", "Br").is_err(), "the prefix is an alias's start");
    }

    /// Issue 28: derived names had no common prefix, so `allow-alias = ["live", "pr*"]`
    /// refused `featurelogin48fad0`. With the default prefix one glob admits them all.
    #[test]
    fn derived_names_share_the_prefix() {
        for branch in ["feature/login", "main", "1234", "fix-42"] {
            let name = from_branch(branch, "web", "br").expect("name");
            assert!(WildMatch::new("br*").matches(&name), "{branch}: {name}");
            assert!(check(&name, "web").is_ok());
        }
        assert_eq!(from_branch("1234", "web", "br").expect("name"), "br1234");
    }

    #[test]
    fn a_function_is_a_name_or_an_arn_and_always_compared_by_name() {
        let named = function_name;
        assert_eq!(named("web").expect("name"), ("web".into(), None, None));
        assert_eq!(
            named("arn:aws:lambda:eu-west-1:123456789012:function:web").expect("arn"),
            ("web".into(), Some("eu-west-1".into()), Some("123456789012".into()))
        );
        assert_eq!(
            named("123456789012:function:web").expect("partial"),
            ("web".into(), None, Some("123456789012".into()))
        );
        for (qualified, qualifier) in
            [("arn:aws:lambda:eu-west-1:1:function:web:live", "live"), ("123456789012:function:web:7", "7")]
        {
            let err = function_name(qualified).expect_err(qualified).to_string();
            assert!(err.contains(&format!("names {qualifier:?} of a function: give the function alone")), "{err}");
        }
        for bad in ["web:function:web:7", "a:b"] {
            let err = function_name(bad).expect_err(bad).to_string();
            assert!(err.contains("is neither a function name nor a function ARN"), "{bad}: {err}");
        }
        for bad in ["", "we b"] {
            assert!(function_name(bad).expect_err(bad).to_string().contains("is not a function name"), "{bad}");
        }
    }

    /// Issue 28, defect 7: `m` meant minutes where a reader expects months; `9000y` panicked
    /// after publishing.
    #[test]
    fn durations_refuse_the_ambiguous_and_the_impossible() {
        assert_eq!(parse_age("15min"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_age("14d"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("1h 30min"), Ok(Duration::from_secs(5_400)));
        for ambiguous in ["1m", "30m", "1h 5m"] {
            let err = parse_age(ambiguous).expect_err(ambiguous);
            assert!(err.contains("`30min`") && err.contains("`30d`"), "{err}");
        }
        assert!(parse_age("2months").is_ok(), "spelled out, it is clear");
        assert!(parse_ttl("9000y").expect_err("too long").contains("10 years"));
        assert_eq!(parse_ttl("3660d"), Ok(Duration::from_secs(3660 * 86_400)), "10 years of 366 days");
        assert!(parse_ttl("3661d").is_err());
        assert!(parse_ttl("0s").is_err());
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86_400)));
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
