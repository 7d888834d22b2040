//! Which stacks a command reaches, as the CDK toolkit chooses them. Pure.
//!
//! The stacks named, by name or glob (none named is every stack), and, unless
//! `--exclusively`: for `synth`, `diff` and `deploy` the stacks they import from, which
//! deploy first; for `destroy` the stacks that import from them, which are destroyed first.

use std::collections::{BTreeMap, BTreeSet};

use crate::app::{AppStack, StackImport};

/// What a command adds to the stacks it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The named stacks alone (`--exclusively`, `status`).
    Named,
    /// And every stack they import from, directly or not (`deploy`, `diff`, `synth`).
    Dependencies,
    /// And every stack that imports from them, directly or not (`destroy`).
    Dependents,
}

/// The stacks `patterns` name, with what `reach` adds, in deploy order (`stacks` is). A
/// pattern that matches nothing is an error, not a silent no-op.
pub fn select<'a>(stacks: &'a [AppStack], patterns: &[String], reach: Reach) -> Result<Vec<&'a AppStack>, String> {
    if patterns.is_empty() {
        return Ok(stacks.iter().collect());
    }
    let globs: Vec<wildmatch::WildMatch> = patterns.iter().map(|p| wildmatch::WildMatch::new(p)).collect();
    for (pattern, glob) in patterns.iter().zip(&globs) {
        if !stacks.iter().any(|stack| glob.matches(&stack.name)) {
            let names: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).collect();
            return Err(format!("no stack matches {pattern:?}; the app has {}", names.join(", ")));
        }
    }
    let mut chosen: BTreeSet<&str> = stacks
        .iter()
        .filter(|stack| globs.iter().any(|glob| glob.matches(&stack.name)))
        .map(|s| s.name.as_str())
        .collect();
    // One pass in deploy order reaches every step: an owner comes before the stacks that
    // import from it, so dependents are met after their owners, and, walking backwards,
    // owners after the stacks that import from them.
    match reach {
        Reach::Named => {}
        Reach::Dependencies => {
            for stack in stacks.iter().rev() {
                if chosen.contains(stack.name.as_str()) {
                    chosen.extend(stack.depends_on.iter().map(String::as_str));
                }
            }
        }
        Reach::Dependents => {
            for stack in stacks {
                if stack.depends_on.iter().any(|owner| chosen.contains(owner.as_str())) {
                    chosen.insert(&stack.name);
                }
            }
        }
    }
    Ok(stacks.iter().filter(|stack| chosen.contains(stack.name.as_str())).collect())
}

/// The imports of `chosen` (in deploy order) that nothing provides: neither an export that
/// the importer's account and region has (`exported`, by the importer's name) nor a stack that
/// this run deploys before the importer.
pub fn unmet_imports<'a>(
    chosen: &[&'a AppStack],
    exported: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<(&'a AppStack, &'a StackImport)> {
    let mut unmet = Vec::new();
    for (index, stack) in chosen.iter().enumerate() {
        let known = exported.get(&stack.name);
        for import in &stack.imports {
            let earlier = chosen[..index].iter().any(|s| s.name == import.owner);
            if !earlier && !known.is_some_and(|names| names.contains(&import.export_name)) {
                unmet.push((*stack, import));
            }
        }
    }
    unmet
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Environment;
    use crate::tree::Stack;

    /// `name`, importing one value from each of `owners`.
    fn stack(name: &str, owners: &[&str]) -> AppStack {
        let imports = owners
            .iter()
            .map(|owner| StackImport {
                owner: (*owner).to_owned(),
                export_name: format!("{owner}:Role-Arn"),
                value: "Role.Arn".into(),
            })
            .collect();
        AppStack {
            name: name.to_owned(),
            environment: Environment::default(),
            synthesized: Stack::new("empty").synth().expect("synth"),
            depends_on: owners.iter().map(|owner| (*owner).to_owned()).collect(),
            imports,
        }
    }

    /// net <- shared <- app, and web alone; in deploy order.
    fn app() -> Vec<AppStack> {
        vec![stack("net", &[]), stack("web", &[]), stack("shared", &["net"]), stack("app", &["shared"])]
    }

    fn names(chosen: &[&AppStack]) -> Vec<String> {
        chosen.iter().map(|stack| stack.name.clone()).collect()
    }

    fn chosen(patterns: &[&str], reach: Reach) -> Vec<String> {
        let stacks = app();
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        names(&select(&stacks, &patterns, reach).expect("matches"))
    }

    #[test]
    fn deploying_a_stack_takes_what_it_imports_from_first() {
        assert_eq!(chosen(&["app"], Reach::Dependencies), ["net", "shared", "app"], "transitively");
        assert_eq!(chosen(&["shared", "web"], Reach::Dependencies), ["net", "web", "shared"]);
        assert_eq!(chosen(&["net"], Reach::Dependencies), ["net"]);
    }

    #[test]
    fn destroying_a_stack_takes_what_imports_from_it_too() {
        assert_eq!(chosen(&["net"], Reach::Dependents), ["net", "shared", "app"], "transitively");
        assert_eq!(chosen(&["app"], Reach::Dependents), ["app"]);
        assert_eq!(chosen(&["web"], Reach::Dependents), ["web"]);
    }

    #[test]
    fn exclusively_is_the_named_stacks_alone_and_none_named_is_all() {
        assert_eq!(chosen(&["app"], Reach::Named), ["app"]);
        assert_eq!(chosen(&["s*", "n*"], Reach::Named), ["net", "shared"], "globs, in deploy order");
        for reach in [Reach::Named, Reach::Dependencies, Reach::Dependents] {
            assert_eq!(chosen(&[], reach), ["net", "web", "shared", "app"]);
        }
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_an_error() {
        let err = select(&app(), &["api".into()], Reach::Named).expect_err("no such stack");
        assert_eq!(err, "no stack matches \"api\"; the app has net, web, shared, app");
    }

    #[test]
    fn an_import_is_met_by_an_export_or_by_a_stack_deployed_earlier() {
        let stacks = app();
        let exports = |stack: &str, names: &[&str]| {
            BTreeMap::from([(stack.to_owned(), names.iter().map(|n| (*n).to_owned()).collect::<BTreeSet<_>>())])
        };
        let unmet = |chosen: &[&AppStack], exported: &BTreeMap<String, BTreeSet<String>>| -> Vec<String> {
            unmet_imports(chosen, exported).iter().map(|(stack, import)| format!("{} {import}", stack.name)).collect()
        };
        let app_alone = select(&stacks, &["app".into()], Reach::Named).expect("app");
        assert_eq!(unmet(&app_alone, &BTreeMap::new()), ["app shared:Role.Arn"]);
        assert_eq!(unmet(&app_alone, &exports("app", &["shared:Role-Arn"])), Vec::<String>::new(), "exported");
        assert_eq!(unmet(&app_alone, &exports("shared", &["shared:Role-Arn"])), ["app shared:Role.Arn"], "elsewhere");
        let with_shared = select(&stacks, &["app".into()], Reach::Dependencies).expect("app");
        assert_eq!(unmet(&with_shared, &BTreeMap::new()), Vec::<String>::new(), "net, then shared, then app");
        let reversed: Vec<&AppStack> = with_shared.iter().rev().copied().collect();
        assert_eq!(unmet(&reversed, &BTreeMap::new()), ["app shared:Role.Arn", "shared net:Role.Arn"], "later");
    }
}
