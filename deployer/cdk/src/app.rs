//! [`App`]: the stacks one program deploys, by name, each in an account and region. A value
//! of one stack used in another (a function's ARN, a role's) becomes an `Export` in the
//! first and an `Fn::ImportValue` in the second, and the second deploys after the first.
//! With the `deploy` feature, [`App::run`] makes the program a command line.
//!
//! ```
//! use lamux_cdk::app::{App, Environment};
//! use lamux_cdk::constructs::iam::{Role, RoleProps};
//! use lamux_cdk::tree::{Output, OutputProps};
//!
//! let mut app = App::new();
//! let shared = app.stack("shared", "roles", Environment::default())?;
//! let service = app.stack("service", "what uses them", Environment::default())?;
//! let role = Role::new(&shared, "Deployer", RoleProps::for_lambda())?;
//! Output::new(&service, "DeployerRole", OutputProps::builder().value(role.arn()).build())?;
//!
//! let stacks = app.synth()?;
//! assert_eq!(stacks.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["shared", "service"]);
//! let shared_json = stacks[0].synthesized.template.to_json();
//! assert!(shared_json.contains("\"Name\": \"shared:Deployer-Arn\""), "{shared_json}");
//! let service_json = stacks[1].synthesized.template.to_json();
//! assert!(service_json.contains("\"Fn::ImportValue\": \"shared:Deployer-Arn\""), "{service_json}");
//! assert_eq!(stacks[1].depends_on, ["shared"]);
//! # Ok::<(), lamux_cdk::tree::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::bundling::Bundling;
use crate::template::{self, Expr, Import, StackId};
use crate::tree::{Construct as _, Error, Reading, Stack, Synthesized};

/// Where a stack deploys. `None` is the deploying tool's (`--region`, the profile): two
/// stacks share an account or region only when both name the same one or neither does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// The 12-digit account ID, or the tool's.
    pub account: Option<String>,
    /// The region (`eu-west-1`), or the tool's.
    pub region: Option<String>,
}

impl Environment {
    /// A fixed account and region.
    ///
    /// ```
    /// use lamux_cdk::app::Environment;
    /// let frankfurt = Environment::new("123456789012", "eu-central-1");
    /// assert_ne!(frankfurt, Environment::default(), "the default is the deploying tool's");
    /// ```
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self { account: Some(account.into()), region: Some(region.into()) }
    }

    fn describe(&self) -> String {
        let part = |value: &Option<String>| value.clone().unwrap_or_else(|| "the deploying tool's".into());
        format!("account {}, region {}", part(&self.account), part(&self.region))
    }
}

/// The stacks of one program.
#[derive(Default)]
pub struct App {
    stacks: Vec<(Stack, Environment)>,
}

/// One stack of a synthesized [`App`], in deploy order.
#[derive(Debug, Clone)]
pub struct AppStack {
    /// The stack's name.
    pub name: String,
    /// Where it deploys.
    pub environment: Environment,
    /// Its template and assets, with the exports other stacks import.
    pub synthesized: Synthesized,
    /// The stacks it imports from, which deploy before it and are destroyed after it.
    pub depends_on: Vec<String>,
    /// The values it imports, one entry per export.
    pub imports: Vec<StackImport>,
}

/// A value one stack of an [`App`] imports from another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackImport {
    /// The stack that exports it.
    pub owner: String,
    /// The export's name (`shared:Deployer-Arn`).
    pub export_name: String,
    /// What it is in the owner's template: `Deployer.Arn`, or `Deployer.Ref` for a `Ref`.
    pub value: String,
}

impl std::fmt::Display for StackImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.owner, self.value)
    }
}

impl App {
    /// An App with no stacks yet (CDK's `new App()`).
    ///
    /// ```
    /// use lamux_cdk::app::{App, Environment};
    /// let mut app = App::new();
    /// app.stack("orders", "the orders service", Environment::default())?;
    /// assert_eq!(app.names(), ["orders"]);
    /// # Ok::<(), lamux_cdk::tree::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A new stack, deployed as `name` (CloudFormation's rule: a letter, then letters, digits
    /// and hyphens, at most 128).
    pub fn stack(&mut self, name: &str, description: &str, environment: Environment) -> Result<Stack, Error> {
        crate::names::check_stack_name(name).map_err(|err| Error::App(format!("{err:#}")))?;
        if self.stacks.iter().any(|(stack, _)| stack.name().as_deref() == Some(name)) {
            return Err(Error::App(format!("the app already has a stack named {name}")));
        }
        let stack = Stack::with_name(description.to_owned(), Some(name.to_owned()));
        self.stacks.push((stack.clone(), environment));
        Ok(stack)
    }

    /// The stacks' names, in the order they were added.
    pub fn names(&self) -> Vec<String> {
        self.stacks.iter().filter_map(|(stack, _)| stack.name()).collect()
    }

    /// Every stack's template, with the exports and imports between them, in deploy order:
    /// each stack after the stacks it imports from.
    pub fn synth(&self) -> Result<Vec<AppStack>, Error> {
        self.synth_with(Bundling::Build)
    }

    /// [`App::synth`], with code that builds itself built or only found (`--no-build`).
    pub fn synth_with(&self, bundling: Bundling) -> Result<Vec<AppStack>, Error> {
        self.synth_reading(Reading::Assets(bundling))
    }

    /// The stacks in deploy order with their imports, without reading any asset (what `list`
    /// shows): a logical ID that takes the code's hash (`Function::current_version`) keeps
    /// its placeholder, and a missing asset file is no error.
    pub fn outline(&self) -> Result<Vec<AppStack>, Error> {
        self.synth_reading(Reading::Outline)
    }

    fn synth_reading(&self, reading: Reading) -> Result<Vec<AppStack>, Error> {
        let names: BTreeMap<StackId, String> =
            self.stacks.iter().filter_map(|(stack, _)| Some((stack.id(), stack.name()?))).collect();
        let environments: BTreeMap<StackId, &Environment> =
            self.stacks.iter().map(|(stack, environment)| (stack.id(), environment)).collect();
        let mut exports: BTreeMap<StackId, Vec<Import>> = BTreeMap::new();
        let mut rendered = Vec::new();
        // What an aspect sees of the other stacks: each as its props and tags render it.
        let mut plain = BTreeMap::new();
        for (stack, _) in &self.stacks {
            plain.insert(names[&stack.id()].clone(), stack.plain(names.clone())?);
        }
        // Every stack's aspect errors are reported, not only the first stack's.
        let mut aspect_errors = Vec::new();
        for (stack, environment) in &self.stacks {
            let mut others = plain.clone();
            others.remove(&names[&stack.id()]);
            let (synthesized, imports) = match stack.synth_among(names.clone(), reading, &others) {
                Ok(rendered) => rendered,
                Err(err @ Error::Aspects { .. }) => {
                    aspect_errors.push(err);
                    continue;
                }
                Err(err) => return Err(err),
            };
            // Every stack of an App has a name, and an import names only such stacks.
            let name = names[&stack.id()].clone();
            let mut depends_on = Vec::new();
            let mut imported: Vec<StackImport> = Vec::new();
            for import in imports {
                let owner = &names[&import.owner];
                let owner_environment = environments[&import.owner];
                if owner_environment != environment {
                    return Err(Error::CrossStack {
                        stack: name.clone(),
                        owner: owner.clone(),
                        value: import.logical_id.clone(),
                        why: format!(
                            "an export is imported only in its own account and region, and {owner} is in {} while \
                             {name} is in {}; pass the value as a parameter or a literal instead",
                            owner_environment.describe(),
                            environment.describe()
                        ),
                    });
                }
                if !depends_on.contains(owner) {
                    depends_on.push(owner.clone());
                }
                if !imported.iter().any(|known| known.export_name == import.export_name) {
                    imported.push(StackImport {
                        owner: owner.clone(),
                        export_name: import.export_name.clone(),
                        value: format!("{}.{}", import.logical_id, import.attribute.as_deref().unwrap_or("Ref")),
                    });
                }
                exports.entry(import.owner).or_default().push(import);
            }
            let environment = environment.clone();
            rendered.push((stack.id(), AppStack { name, environment, synthesized, depends_on, imports: imported }));
        }
        if aspect_errors.len() > 1 {
            let lines: Vec<String> = aspect_errors.iter().map(ToString::to_string).collect();
            return Err(Error::App(lines.join("\n")));
        }
        if let Some(err) = aspect_errors.pop() {
            return Err(err);
        }
        let mut stacks = Vec::new();
        for (id, mut stack) in rendered {
            for import in exports.get(&id).into_iter().flatten() {
                let renamed = stack.synthesized.renames.get(&import.logical_id);
                add_export(&mut stack.synthesized.template, import, renamed.map_or(&import.logical_id, |id| id))?;
            }
            stacks.push(stack);
        }
        deploy_order(stacks)
    }
}

/// The output that exports `import`'s value from its owner's template, where the resource's
/// logical ID is `logical_id` (the import's own, or the one it was given at synth). The
/// export's name stays the import's: it does not change with the resource's hash.
fn add_export(template: &mut template::Template, import: &Import, logical_id: &str) -> Result<(), Error> {
    let value = match &import.attribute {
        Some(attribute) => Expr::get_att(logical_id, attribute),
        None => Expr::reference(logical_id),
    };
    let output = template::Output {
        description: format!("{} for other stacks of the app", import.logical_id),
        condition: None,
        value,
        export: Some(template::Export { name: Expr::str(&import.export_name) }),
    };
    match template.outputs.get(&import.output_id) {
        Some(existing) if existing.export.as_ref().map(|e| &e.name) == output.export.as_ref().map(|e| &e.name) => {
            Ok(())
        }
        Some(_) => Err(Error::App(format!(
            "the output {} that exports {} is taken by another output",
            import.output_id, import.export_name
        ))),
        None => {
            template.outputs.insert(import.output_id.clone(), output);
            Ok(())
        }
    }
}

/// `Tags::of(&app)` and `Aspects::of(&app)`: every stack of the app.
impl crate::tree::Scopes for App {
    fn scopes(&self) -> Vec<crate::tree::Scope> {
        self.stacks.iter().map(|(stack, _)| stack.scope().clone()).collect()
    }
}

/// Stacks after the stacks they depend on, otherwise in the order they were added.
fn deploy_order(mut pending: Vec<AppStack>) -> Result<Vec<AppStack>, Error> {
    let mut ordered: Vec<AppStack> = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|stack| stack.depends_on.iter().all(|owner| ordered.iter().any(|done| &done.name == owner)));
        match ready {
            Some(index) => ordered.push(pending.remove(index)),
            None => {
                let names: Vec<&str> = pending.iter().map(|s| s.name.as_str()).collect();
                // The values that hold the cycle: the imports between the stacks left.
                let values: Vec<String> = pending
                    .iter()
                    .flat_map(|stack| {
                        let within = stack.imports.iter().filter(|i| names.contains(&i.owner.as_str()));
                        within.map(move |import| format!("{} imports {import}", stack.name))
                    })
                    .collect();
                return Err(Error::App(format!(
                    "the stacks {} import from each other in a cycle ({}): no order deploys them",
                    names.join(", "),
                    values.join(", ")
                )));
            }
        }
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::iam::{Role, RoleProps};
    use crate::tree::{Output, OutputProps};

    fn role_and_use(app: &mut App, first: (&str, Environment), second: (&str, Environment)) -> Result<(), Error> {
        let owner = app.stack(first.0, "owner", first.1)?;
        let user = app.stack(second.0, "user", second.1)?;
        let role = Role::new(&owner, "Role", RoleProps::for_lambda())?;
        Output::new(&user, "RoleArn", OutputProps::builder().value(role.arn()).build())?;
        Ok(())
    }

    /// A version named at synth keeps one export name, and the export follows its new ID.
    #[test]
    fn an_export_of_a_current_version_follows_its_hash() {
        use crate::archive::Archive;
        use crate::constructs::lambda::{Code, Function, FunctionProps};
        use crate::tree::{Asset, AssetSource};
        let synth = |code: &[u8]| {
            let mut app = App::new();
            let owner = app.stack("fns", "functions", Environment::default()).expect("stack");
            let user = app.stack("edge", "edge", Environment::default()).expect("stack");
            let asset =
                Asset::new(&owner, "Code", "api", AssetSource::Archive(Archive::new(code.to_vec()))).expect("asset");
            let props = FunctionProps::builder().code(Code::from_asset(&asset)).build();
            let api = Function::new(&owner, "Api", props).expect("function");
            let version = api.current_version().expect("version");
            Output::new(&user, "LiveVersion", OutputProps::builder().value(version.arn()).build()).expect("output");
            app.synth().expect("synth")
        };
        let (first, second) = (synth(b"one"), synth(b"two"));
        for stacks in [&first, &second] {
            let fns = stacks[0].synthesized.template.to_json();
            let (id, _) = stacks[0]
                .synthesized
                .template
                .resources()
                .find(|(_, kind)| *kind == "AWS::Lambda::Version")
                .expect("a version");
            assert!(id.starts_with("ApiVersion") && fns.contains(&format!("\"Ref\": \"{id}\"")), "{fns}");
            assert!(!fns.contains("\"ApiCurrentVersion\""), "no placeholder is left: {fns}");
            assert!(fns.contains("\"Name\": \"fns:ApiCurrentVersion\""), "{fns}");
            let edge = stacks[1].synthesized.template.to_json();
            assert!(edge.contains("\"Fn::ImportValue\": \"fns:ApiCurrentVersion\""), "{edge}");
        }
        let id = |stacks: &[AppStack]| stacks[0].synthesized.renames.values().next().cloned();
        assert_ne!(id(&first), id(&second), "new code, new version; the same export");
    }

    /// Issue 30: `Tags::of(&app)` did not compile: an App was not a scope.
    #[test]
    fn tags_and_aspects_of_the_app_reach_every_stack() {
        use crate::tree::{Aspect, Aspects, Tags, Visit};
        struct Deny;
        impl Aspect for Deny {
            fn visit(&self, visit: &mut Visit<'_>) {
                visit.error("no roles here");
            }
        }
        let mut app = App::new();
        role_and_use(&mut app, ("shared", Environment::default()), ("api", Environment::default())).expect("stacks");
        let api = app.stacks[1].0.clone();
        Role::new(&api, "Own", RoleProps::for_lambda()).expect("role");
        Tags::of(&app).add("team", "platform");
        let stacks = app.synth().expect("synth");
        for (stack, id) in [(&stacks[0], "Role"), (&stacks[1], "Own")] {
            let tags = &stack.synthesized.template.properties(id).expect("role")["Tags"];
            assert_eq!(tags, &serde_json::json!([{"Key": "team", "Value": "platform"}]), "{}", stack.name);
        }
        Aspects::of(&app).add(Deny);
        let err = app.synth().expect_err("both stacks' roles").to_string();
        assert_eq!(err, "stack shared: Role: no roles here\nstack api: Own: no roles here", "every stack's");
    }

    /// Issue 30: the error named the stacks alone, not the values that tie them.
    #[test]
    fn a_cycle_names_the_values_that_make_it() {
        let mut app = App::new();
        let shared = app.stack("shared", "shared", Environment::default()).expect("stack");
        let api = app.stack("api", "api", Environment::default()).expect("stack");
        let bar = Role::new(&shared, "Bar", RoleProps::for_lambda()).expect("role");
        let foo = Role::new(&api, "Foo", RoleProps::for_lambda()).expect("role");
        Output::new(&shared, "FooArn", OutputProps::builder().value(foo.arn()).build()).expect("output");
        Output::new(&api, "BarArn", OutputProps::builder().value(bar.arn()).build()).expect("output");
        let err = app.synth().expect_err("a cycle").to_string();
        assert!(
            err.contains("the stacks shared, api import from each other in a cycle (shared imports api:Foo.Arn, api imports shared:Bar.Arn)"),
            "{err}"
        );
    }

    #[test]
    fn a_stack_deploys_after_the_stack_it_imports_from_whatever_the_order_added() {
        let mut app = App::new();
        let user = app.stack("user", "user", Environment::default()).expect("stack");
        let owner = app.stack("owner", "owner", Environment::default()).expect("stack");
        let role = Role::new(&owner, "Role", RoleProps::for_lambda()).expect("role");
        Output::new(&user, "RoleArn", OutputProps::builder().value(role.arn()).build()).expect("output");
        let stacks = app.synth().expect("synth");
        assert_eq!(stacks.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["owner", "user"]);
        let owner_outputs = serde_json::to_value(&stacks[0].synthesized.template).expect("json")["Outputs"].clone();
        assert_eq!(
            owner_outputs["ExportRoleArn"],
            serde_json::json!({
                "Description": "Role for other stacks of the app",
                "Value": {"Fn::GetAtt": ["Role", "Arn"]},
                "Export": {"Name": "owner:Role-Arn"}
            })
        );
        let user_json = serde_json::to_value(&stacks[1].synthesized.template).expect("json");
        assert_eq!(user_json["Outputs"]["RoleArn"]["Value"], serde_json::json!({"Fn::ImportValue": "owner:Role-Arn"}));
    }

    #[test]
    fn a_reference_across_regions_or_accounts_is_an_error_that_says_so() {
        for (first, second) in [
            (Environment::new("111111111111", "eu-west-1"), Environment::new("111111111111", "us-east-1")),
            (Environment::new("111111111111", "eu-west-1"), Environment::new("222222222222", "eu-west-1")),
            (Environment::default(), Environment::new("111111111111", "eu-west-1")),
        ] {
            let mut app = App::new();
            role_and_use(&mut app, ("owner", first), ("user", second)).expect("built");
            let err = app.synth().expect_err("refused").to_string();
            assert!(err.contains("only in its own account and region"), "{err}");
        }
    }

    #[test]
    fn a_stack_alone_refuses_another_stacks_value_and_names_are_checked() {
        let mut app = App::new();
        role_and_use(&mut app, ("owner", Environment::default()), ("user", Environment::default())).expect("built");
        let alone = Stack::new("alone");
        let owner_role = app.synth().expect("synth");
        assert_eq!(owner_role.len(), 2);
        let other = App::new().stack("x", "x", Environment::default()).expect("stack");
        let role = Role::new(&other, "Role", RoleProps::for_lambda()).expect("role");
        Output::new(&alone, "Arn", OutputProps::builder().value(role.arn()).build()).expect("output");
        assert!(matches!(alone.synth(), Err(Error::CrossStack { .. })));
        assert!(app.stack("user", "again", Environment::default()).is_err(), "names are unique");
        assert!(app.stack("1bad", "bad", Environment::default()).is_err(), "CloudFormation's rule");
    }

    #[test]
    fn an_export_name_with_the_stack_name_resolves_in_the_exporting_stack() {
        let mut app = App::new();
        let owner = app.stack("network", "owner", Environment::default()).expect("stack");
        let output = Output::new(
            &owner,
            "Vpc",
            OutputProps::builder().value("vpc-1").export_name(Expr::sub("${AWS::StackName}-vpc")).build(),
        )
        .expect("output");
        assert_eq!(output.import_value().expect("import"), Expr::import_value(Expr::sub("network-vpc")));
    }
}
