//! `lamux-deploy urls`: the URL of every alias the deployed lamux may invoke. Pure: the
//! scope comes from the deployed template, the functions and aliases from Lambda, and the
//! routing and allow-list rules are lamux's own code, so a listed URL is one lamux serves.

use anyhow::{Context as _, bail};
use lamux::access::{AllowList, Denied};
use lamux::route::{FunctionRule, Routes, Target};
use serde::Serialize;
use serde_json::Value;
use wildmatch::WildMatch;

/// What the deployed stack lets lamux reach.
#[derive(Debug)]
pub struct Scope {
    routes: Routes,
    rule: FunctionRule,
    allow: AllowList,
    /// The role's invoke permissions as `NAME:QUALIFIER` globs (IAM's `*` and `?`).
    iam: Vec<WildMatch>,
    /// Whether the distribution answers `*.SUFFIX` (a certificate was given).
    pub custom_domain: bool,
    /// The alias override, when on: `cookie NAME`, `header NAME`, or both.
    pub alias_override: Option<String>,
}

/// One alias lamux serves, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reachable {
    pub function: String,
    pub alias: String,
    pub version: String,
    pub url: String,
}

/// A function and its aliases with the versions they point at, as Lambda lists them.
pub struct Listed {
    pub function: String,
    pub aliases: Vec<(String, String)>,
}

impl Scope {
    /// Read the scope from a lamux stack's template: lamux's environment, the role's
    /// invoke statement, the distribution's aliases.
    pub fn from_template(template: &Value) -> anyhow::Result<Self> {
        let resources =
            template.get("Resources").and_then(Value::as_object).context("the template has no Resources")?;
        let variables = resources
            .values()
            .filter(|r| r["Type"] == "AWS::Lambda::Function")
            .map(|r| &r["Properties"]["Environment"]["Variables"])
            .find(|v| v.get("LAMUX_DOMAIN_SUFFIX").is_some())
            .context("the stack runs no lamux function (no LAMUX_DOMAIN_SUFFIX)")?;
        let text = |name: &str| variables.get(name).and_then(Value::as_str).unwrap_or("");
        let list = |name: &str| -> Vec<String> {
            text(name).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        let function_name = match text("LAMUX_FUNCTION_NAME") {
            "" => "*",
            name => name,
        };
        let rule = FunctionRule::from_flag(function_name);
        let iam = resources
            .values()
            .filter(|r| r["Type"] == "AWS::IAM::Role")
            .flat_map(|r| r["Properties"]["Policies"].as_array().into_iter().flatten())
            .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().into_iter().flatten())
            .filter(|s| s["Effect"] == "Allow" && grants_invoke(&s["Action"]))
            .flat_map(|s| s["Resource"].as_array().cloned().unwrap_or_else(|| vec![s["Resource"].clone()]))
            .filter_map(|resource| invoke_pattern(&resource))
            .map(|pattern| WildMatch::new(&pattern))
            .collect();
        let custom_domain = resources.values().any(|r| {
            r["Type"] == "AWS::CloudFront::Distribution"
                && r["Properties"]["DistributionConfig"]["Aliases"].as_array().is_some_and(|a| !a.is_empty())
        });
        let alias_override = [("cookie", "LAMUX_ALIAS_COOKIE"), ("header", "LAMUX_ALIAS_HEADER")]
            .iter()
            .filter(|(_, name)| !text(name).is_empty())
            .map(|(kind, name)| format!("{kind} {}", text(name)))
            .collect::<Vec<_>>();
        let alias_override = (!alias_override.is_empty()).then(|| alias_override.join(", "));
        Ok(Self {
            alias_override,
            routes: Routes::new(rule.clone(), text("LAMUX_DOMAIN_SUFFIX")),
            rule,
            allow: AllowList::new(&list("LAMUX_ALLOW_FUNCTION"), &list("LAMUX_ALLOW_ALIAS")),
            iam,
            custom_domain,
        })
    }

    /// The function a fixed `--function-name` names; `None` when hosts name it.
    pub fn fixed_function(&self) -> Option<&str> {
        match &self.rule {
            FunctionRule::Fixed(function) => Some(function),
            FunctionRule::FromHost => None,
        }
    }

    /// The URL lamux serves `function:alias` at, if it serves it at all: the host must route
    /// back to the same target, lamux's allow-lists must let it through, and the role must
    /// be allowed to invoke it.
    pub fn url(&self, function: &str, alias: &str) -> Option<String> {
        self.admit(function, alias).ok()
    }

    /// The URL of `function:alias`, or why lamux would refuse it, naming the setting that
    /// would admit it.
    pub fn admit(&self, function: &str, alias: &str) -> Result<String, String> {
        if let Some(fixed) = self.fixed_function().filter(|fixed| *fixed != function) {
            return Err(format!(
                "the stack serves one function, {fixed} (function-name = {fixed:?}); {function} is not reachable"
            ));
        }
        let host = match &self.rule {
            FunctionRule::Fixed(_) => format!("{alias}.{}", self.routes.suffix()),
            FunctionRule::FromHost => format!("{alias}-{function}.{}", self.routes.suffix()),
        };
        let target = self.routes.resolve(&host).map_err(|err| err.to_string())?;
        let expected =
            Target { function: self.fixed_function().unwrap_or(function).to_owned(), alias: alias.to_owned() };
        if target != expected {
            return Err(format!("{host} routes to {target}, not {expected}"));
        }
        match self.allow.check(&target) {
            Ok(()) => {}
            Err(Denied::Function(name)) => {
                return Err(format!(
                    "the stack's allow-function does not admit {name}: add it (allow-function = [{name:?}]) and run \
                     `lamux-deploy up`"
                ));
            }
            Err(other @ Denied::Override(_)) => return Err(other.to_string()),
            Err(Denied::Alias(name)) => {
                let glob = alias_glob(&name);
                return Err(format!(
                    "the stack's allow-alias does not admit {name}: add it (allow-alias = [{glob:?}]) and run \
                     `lamux-deploy up`"
                ));
            }
        }
        let qualified = format!("{}:{alias}", target.function_name());
        if !self.iam.iter().any(|pattern| pattern.matches(&qualified)) {
            return Err(format!(
                "the stack's role may not invoke {qualified}: its policy follows allow-function and allow-alias; \
                 admit it there and run `lamux-deploy up`"
            ));
        }
        Ok(format!("https://{host}/"))
    }

    /// Every listed alias lamux serves, sorted by function and alias.
    pub fn reachable(&self, listed: &[Listed]) -> Vec<Reachable> {
        let mut found: Vec<Reachable> = listed
            .iter()
            .flat_map(|entry| {
                entry.aliases.iter().filter_map(|(alias, version)| {
                    Some(Reachable {
                        function: entry.function.clone(),
                        alias: alias.clone(),
                        version: version.clone(),
                        url: self.url(&entry.function, alias)?,
                    })
                })
            })
            .collect();
        found.sort_by(|a, b| (&a.function, &a.alias).cmp(&(&b.function, &b.alias)));
        found
    }
}

/// The pattern to suggest for an alias: `pr*` for `pr42`, the alias itself otherwise.
fn alias_glob(alias: &str) -> String {
    let stem = alias.trim_end_matches(|c: char| c.is_ascii_digit());
    if stem.is_empty() || stem == alias { alias.to_owned() } else { format!("{stem}*") }
}

fn grants_invoke(action: &Value) -> bool {
    match action {
        Value::String(action) => action == "lambda:InvokeFunction" || action == "lambda:*",
        Value::Array(actions) => actions.iter().any(grants_invoke),
        _ => false,
    }
}

/// `NAME:QUALIFIER` from an invoke ARN, literal or `Fn::Sub`: what follows `:function:`.
fn invoke_pattern(resource: &Value) -> Option<String> {
    let arn = resource.as_str().or_else(|| resource.get("Fn::Sub").and_then(Value::as_str))?;
    let (_, rest) = arn.split_once(":function:")?;
    // `function:*` allows every function, qualified or not.
    Some(if rest == "*" { "*:*".to_owned() } else { rest.to_owned() })
}

/// Refuse a stack whose template this command cannot read.
pub fn check_listing(scope: &Scope) -> anyhow::Result<()> {
    if scope.iam.is_empty() {
        bail!("the stack's role may invoke no function: nothing is reachable");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[derive(clap::Parser)]
    struct Args {
        #[command(flatten)]
        stack: crate::options::StackArgs,
    }

    fn scope(args: &[&str]) -> Scope {
        let args = Args::try_parse_from(std::iter::once("synth").chain(args.iter().copied())).expect("flags");
        let code = lamux_cdk::tree::AssetSource::placeholder();
        let template =
            crate::stack::template(&args.stack.validate(None).expect("valid"), code).expect("a stack").to_json();
        Scope::from_template(&serde_json::from_str(&template).expect("JSON")).expect("a lamux template")
    }

    fn listed() -> Vec<Listed> {
        let aliases = |names: &[&str]| names.iter().map(|n| ((*n).to_owned(), "3".to_owned())).collect();
        vec![
            Listed { function: "web".into(), aliases: aliases(&["live", "pr42", "dev"]) },
            Listed { function: "api".into(), aliases: aliases(&["live"]) },
            Listed { function: "admin".into(), aliases: aliases(&["live"]) },
            Listed { function: "under_score".into(), aliases: aliases(&["live"]) },
        ]
    }

    fn urls(found: &[Reachable]) -> Vec<&str> {
        found.iter().map(|r| r.url.as_str()).collect()
    }

    #[test]
    fn only_what_lamux_and_its_role_allow() {
        let scoped =
            scope(&["--domain-suffix", "example.com", "--allow-function", "web,api", "--allow-alias", "live,pr*"]);
        assert_eq!(
            urls(&scoped.reachable(&listed())),
            ["https://live-api.example.com/", "https://live-web.example.com/", "https://pr42-web.example.com/"]
        );
        let all = scope(&["--domain-suffix", "example.com", "--allow-all-functions"]);
        assert_eq!(urls(&all.reachable(&listed())).len(), 5, "every routable alias; under_score has no host");
        assert!(!all.custom_domain);
        assert_eq!(all.alias_override, None);
        let on =
            scope(&["--domain-suffix", "example.com", "--alias-cookie", "lamux-alias", "--alias-header", "x-preview"]);
        assert_eq!(on.alias_override.as_deref(), Some("cookie lamux-alias, header x-preview"));
    }

    #[test]
    fn a_refusal_names_the_setting_that_admits_it() {
        let scoped = scope(&["--domain-suffix", "example.com", "--allow-function", "web", "--allow-alias", "live"]);
        assert_eq!(scoped.admit("web", "live").as_deref(), Ok("https://live-web.example.com/"));
        let alias = scoped.admit("web", "pr42").expect_err("pr42");
        assert!(alias.contains(r#"allow-alias = ["pr*"]"#), "{alias}");
        let function = scoped.admit("api", "live").expect_err("api");
        assert!(function.contains(r#"allow-function = ["api"]"#), "{function}");
        let fixed = scope(&["--domain-suffix", "example.com", "--function-name", "web"]);
        assert!(fixed.admit("api", "pr1").expect_err("fixed").contains("function-name"));
        assert_eq!(alias_glob("feature"), "feature");
    }

    #[test]
    fn a_fixed_function_is_reached_by_alias_alone() {
        let fixed = scope(&["--domain-suffix", "example.com", "--function-name", "web", "--allow-alias", "live,pr*"]);
        assert_eq!(fixed.fixed_function(), Some("web"));
        let web = &listed()[..1];
        assert_eq!(urls(&fixed.reachable(web)), ["https://live.example.com/", "https://pr42.example.com/"]);
    }
}
