//! Allow-lists of functions and aliases: defence in depth beside IAM. A target outside
//! them gets 403 before anything is invoked. Pure.

use wildmatch::WildMatch;

use crate::route::Target;

/// Glob patterns (`*` any run of characters, `?` one); an empty list allows everything.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    functions: Vec<WildMatch>,
    aliases: Vec<WildMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("function {0:?} is not in --allow-function")]
    Function(String),
    #[error("alias {0:?} is not in --allow-alias")]
    Alias(String),
    #[error("alias {0:?}, asked for by a cookie or header, is not in --alias-override-allow")]
    Override(String),
}

impl AllowList {
    pub fn new(functions: &[String], aliases: &[String]) -> Self {
        let compile = |patterns: &[String]| patterns.iter().map(|p| WildMatch::new(p.trim())).collect();
        Self { functions: compile(functions), aliases: compile(aliases) }
    }

    /// Whether `alias` passes `--allow-alias` (an empty list allows every alias).
    pub fn admits_alias(&self, alias: &str) -> bool {
        self.aliases.is_empty() || self.aliases.iter().any(|p| p.matches(alias))
    }

    /// Whether lamux may invoke `target`; functions match by bare name, also when
    /// `--function-name` is an ARN.
    pub fn check(&self, target: &Target) -> Result<(), Denied> {
        let allowed =
            |patterns: &[WildMatch], value: &str| patterns.is_empty() || patterns.iter().any(|p| p.matches(value));
        if !allowed(&self.functions, target.function_name()) {
            return Err(Denied::Function(target.function_name().to_owned()));
        }
        if !allowed(&self.aliases, &target.alias) {
            return Err(Denied::Alias(target.alias.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(function: &str, alias: &str) -> Target {
        Target { function: function.into(), alias: alias.into() }
    }

    fn list(functions: &[&str], aliases: &[&str]) -> AllowList {
        let owned = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        AllowList::new(&owned(functions), &owned(aliases))
    }

    #[test]
    fn empty_lists_allow_everything() {
        assert_eq!(list(&[], &[]).check(&target("any", "live")), Ok(()));
    }

    #[test]
    fn globs_table() {
        let allow = list(&["app-*", "api", "svc-?"], &["live", "v*"]);
        let cases = [
            (target("app-web", "live"), Ok(())),
            (target("api", "v12"), Ok(())),
            (target("svc-a", "live"), Ok(())),
            (target("arn:aws:lambda:us-east-1:123456789012:function:api", "live"), Ok(())),
            (target("apix", "live"), Err(Denied::Function("apix".into()))),
            (target("svc-ab", "live"), Err(Denied::Function("svc-ab".into()))),
            (target("admin", "live"), Err(Denied::Function("admin".into()))),
            (target("api", "dev"), Err(Denied::Alias("dev".into()))),
            (target("api", "LIVE"), Err(Denied::Alias("LIVE".into()))),
        ];
        for (target, want) in cases {
            assert_eq!(allow.check(&target), want, "{target}");
        }
    }
}
