//! [`App::run`]: any program that builds an [`App`] is a command line with `list`, `synth`,
//! `diff`, `deploy`, `destroy` and `status`, the flags of `lamux-deploy` (`--region`,
//! `--profile`, `--require-approval`, `--yes`, `--tags`) and its output. Stacks are chosen as
//! the CDK toolkit chooses them ([`select`](crate::deploying::select)): `synth`, `diff` and
//! `deploy` take the stacks a named one imports from too, `destroy` the stacks that import
//! from it, and `--exclusively` (`-e`) the named ones alone. Before any change set,
//! `deploy` checks that every import is exported or deployed earlier in the run; before any
//! deletion, `destroy` checks that no stack it leaves imports from the ones it deletes.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::app::{App, AppStack};
use crate::bundling::Bundling;
use crate::deploying::aws::{AwsArgs, Clients};
use crate::deploying::deploy;
use crate::deploying::engine::Deployment;
use crate::deploying::review::RequireApproval;
use crate::deploying::select::{Reach, select, unmet_imports};
use crate::deploying::toolkit::{self, Confirm, outputs_json, parse_tag, print_outputs};
use crate::error::AwsContext as _;

#[derive(Debug, Parser)]
#[command(about = "Synthesize and deploy this program's stacks")]
struct Cli {
    #[command(flatten)]
    aws: AwsArgs,
    /// Use the code that builds itself (Code::cargo_lambda) as the last build left it,
    /// without running cargo: an error names what is not built.
    #[arg(long, global = true)]
    no_build: bool,
    #[command(subcommand)]
    command: Command,
}

/// The stacks a command is given.
#[derive(Debug, clap::Args)]
struct Chosen {
    /// Stack names or globs [default: every stack].
    stacks: Vec<String>,
    /// Only the stacks named: not the stacks they import from (synth, diff, deploy), nor the
    /// stacks that import from them (destroy).
    #[arg(long, short = 'e')]
    exclusively: bool,
}

impl Chosen {
    fn select<'a>(&self, stacks: &'a [AppStack], reach: Reach) -> anyhow::Result<Vec<&'a AppStack>> {
        let reach = if self.exclusively { Reach::Named } else { reach };
        select(stacks, &self.stacks, reach).map_err(anyhow::Error::msg)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The stacks, in deploy order, with the stacks each imports from.
    List,
    /// Print the named stack's template, or write NAME.template.json files under --out for the
    /// chosen stacks and the stacks they import from.
    Synth {
        #[command(flatten)]
        chosen: Chosen,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show what deploying would change; change nothing.
    Diff {
        #[command(flatten)]
        chosen: Chosen,
    },
    /// Deploy the chosen stacks and the stacks they import from, each after the stacks it
    /// imports from.
    Deploy {
        #[command(flatten)]
        chosen: Chosen,
        /// When to ask before deploying: never, before changes that widen IAM permissions or
        /// a resource policy or replace a resource (broadening), or before any change.
        #[arg(long, value_enum, default_value = "broadening")]
        require_approval: RequireApproval,
        #[command(flatten)]
        confirm: Confirm,
        /// Stack tags KEY=VALUE[,KEY=VALUE…], which CloudFormation puts on every resource
        /// that takes tags.
        #[arg(long, value_delimiter = ',', value_parser = parse_tag)]
        tags: Vec<(String, String)>,
    },
    /// Delete the chosen stacks and the stacks that import from them, the importing ones first.
    Destroy {
        #[command(flatten)]
        chosen: Chosen,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Each chosen stack's status and outputs.
    Status {
        stacks: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

impl App {
    /// Run the command line of `std::env::args` and return the process's exit code.
    ///
    /// ```no_run
    /// use lamux_cdk::app::{App, Environment};
    ///
    /// fn main() -> std::process::ExitCode {
    ///     let mut app = App::new();
    ///     let _stack = app.stack("my-service", "my service", Environment::default()).expect("a valid name");
    ///     // … constructs under `_stack` …
    ///     app.run()
    /// }
    /// ```
    pub fn run(self) -> ExitCode {
        self.run_from(std::env::args_os())
    }

    /// [`App::run`] with these arguments (the program's name first).
    pub fn run_from(self, args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
        let cli = match Cli::try_parse_from(args) {
            Ok(cli) => cli,
            Err(err) => err.exit(),
        };
        crate::deploying::progress::init();
        let outcome = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")
            .and_then(|runtime| runtime.block_on(run(&self, cli)));
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {}", crate::error::report(&err));
                ExitCode::FAILURE
            }
        }
    }
}

async fn run(app: &App, cli: Cli) -> anyhow::Result<()> {
    // `list`, `destroy` and `status` read no asset and build nothing: they work on stacks
    // whose code is not built too.
    let bundling = if cli.no_build { Bundling::Prebuilt } else { Bundling::Build };
    let stacks = match cli.command {
        Command::List | Command::Destroy { .. } | Command::Status { .. } => app.outline()?,
        Command::Synth { .. } | Command::Diff { .. } | Command::Deploy { .. } => app.synth_with(bundling)?,
    };
    for stack in &stacks {
        for warning in &stack.synthesized.warnings {
            eprintln!("warning: stack {}: {}: {}", stack.name, warning.path, warning.message);
        }
    }
    match cli.command {
        Command::List => {
            for stack in &stacks {
                match stack.depends_on.as_slice() {
                    [] => println!("{}", stack.name),
                    owners => println!("{} (imports from {})", stack.name, owners.join(", ")),
                }
            }
            Ok(())
        }
        Command::Synth { chosen, out } => {
            // Written: the stacks named and the ones they import from. Printed: the one named.
            let reach = if out.is_some() { Reach::Dependencies } else { Reach::Named };
            let chosen = chosen.select(&stacks, reach)?;
            match out {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                    for stack in chosen {
                        let path = dir.join(format!("{}.template.json", stack.name));
                        std::fs::write(&path, stack.synthesized.template.to_json())
                            .with_context(|| format!("cannot write {}", path.display()))?;
                        println!("{}", path.display());
                    }
                }
                None if chosen.len() == 1 => print!("{}", chosen[0].synthesized.template.to_json()),
                None => bail!("{} stacks chosen: name one, or pass --out DIR for every template", chosen.len()),
            }
            Ok(())
        }
        Command::Diff { chosen } => {
            for stack in chosen.select(&stacks, Reach::Dependencies)? {
                let clients = clients(&cli.aws, stack).await?;
                toolkit::diff(&clients, &deployment(stack)).await?;
            }
            Ok(())
        }
        Command::Deploy { chosen, require_approval, confirm, tags } => {
            let targets = with_clients(&cli.aws, chosen.select(&stacks, Reach::Dependencies)?).await?;
            check_imports(&targets).await?;
            for (stack, clients) in &targets {
                let mut deployment = deployment(stack);
                deployment.tags.clone_from(&tags);
                let outputs = toolkit::deploy(clients, &deployment, require_approval, confirm).await?;
                print_outputs(&outputs);
            }
            Ok(())
        }
        Command::Destroy { chosen, confirm } => {
            let targets = with_clients(&cli.aws, chosen.select(&stacks, Reach::Dependents)?).await?;
            check_importers(&targets).await?;
            for (stack, clients) in targets.iter().rev() {
                toolkit::destroy(clients, &stack.name, confirm).await?;
            }
            Ok(())
        }
        Command::Status { stacks: patterns, json: as_json } => {
            let mut reports = Vec::new();
            for stack in select(&stacks, &patterns, Reach::Named).map_err(anyhow::Error::msg)? {
                let clients = clients(&cli.aws, stack).await?;
                let described = deploy::describe(&clients.cloudformation, &stack.name).await?;
                let status = described
                    .as_ref()
                    .and_then(|d| d.stack_status())
                    .map_or_else(|| "NOT_DEPLOYED".to_owned(), |s| s.as_str().to_owned());
                let outputs = described.as_ref().map(deploy::outputs_of).unwrap_or_default();
                if as_json {
                    reports.push(json!({"stack": stack.name, "status": status, "outputs": outputs_json(&outputs)}));
                } else {
                    println!("stack {}: {status}", stack.name);
                    print_outputs(&outputs);
                }
            }
            if as_json {
                println!("{}", serde_json::to_string_pretty(&reports).context("status")?);
            }
            Ok(())
        }
    }
}

/// Each stack with the clients for its account and region.
async fn with_clients<'a>(aws: &AwsArgs, stacks: Vec<&'a AppStack>) -> anyhow::Result<Vec<(&'a AppStack, Clients)>> {
    let mut targets = Vec::with_capacity(stacks.len());
    for stack in stacks {
        targets.push((stack, clients(aws, stack).await?));
    }
    Ok(targets)
}

/// Before any change set: every import of the stacks to deploy is exported already, or by a
/// stack this run deploys first. CloudFormation would refuse it only after creating the stack.
async fn check_imports(targets: &[(&AppStack, Clients)]) -> anyhow::Result<()> {
    // One ListExports per region, however many stacks import there.
    let mut by_region: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut exported = BTreeMap::new();
    for (stack, clients) in targets.iter().filter(|(stack, _)| !stack.imports.is_empty()) {
        let region = clients.region().to_owned();
        if !by_region.contains_key(&region) {
            by_region.insert(region.clone(), deploy::exports(&clients.cloudformation).await?);
        }
        exported.insert(stack.name.clone(), by_region[&region].clone());
    }
    let chosen: Vec<&AppStack> = targets.iter().map(|(stack, _)| *stack).collect();
    let unmet = unmet_imports(&chosen, &exported);
    if unmet.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = unmet
        .iter()
        .map(|(stack, import)| {
            format!(
                "stack {} imports {import} (export {}): deploy {} first",
                stack.name, import.export_name, import.owner
            )
        })
        .collect();
    bail!("nothing deployed: {}, or leave out --exclusively", lines.join("; "))
}

/// Before any deletion: no stack that stays imports from the stacks to destroy. CloudFormation
/// refuses to delete an exporter while its export is imported, but only when it reaches it,
/// after the stacks before it in this run are gone.
async fn check_importers(targets: &[(&AppStack, Clients)]) -> anyhow::Result<()> {
    let leaving: BTreeSet<&str> = targets.iter().map(|(stack, _)| stack.name.as_str()).collect();
    let mut held = Vec::new();
    for (stack, clients) in targets {
        let cf = &clients.cloudformation;
        let Some(described) = deploy::describe(cf, &stack.name).await? else { continue };
        let exports: BTreeSet<&str> = described.outputs().iter().filter_map(|output| output.export_name()).collect();
        for export in exports {
            for importer in deploy::importers(cf, export).await? {
                if !leaving.contains(importer.as_str()) {
                    held.push(format!("stack {importer} imports {export} from stack {}", stack.name));
                }
            }
        }
    }
    ensure!(
        held.is_empty(),
        "nothing deleted: {}; destroy the importing stacks first, or leave out --exclusively",
        held.join("; ")
    );
    Ok(())
}

fn deployment(stack: &AppStack) -> Deployment<'_> {
    Deployment::new(&stack.name, &stack.synthesized)
}

/// Clients for the stack's region (or `--region`), refusing a stack of another account.
async fn clients(aws: &AwsArgs, stack: &AppStack) -> anyhow::Result<Clients> {
    let region = stack.environment.region.as_deref().or(aws.region.as_deref());
    let clients = Clients::from_env(region, aws.profile.as_deref()).await?;
    if stack.environment.account.is_some() {
        let identity = clients.sts.get_caller_identity().send().await.aws("cannot read the AWS account")?;
        same_account(stack, identity.account().unwrap_or_default())?;
    }
    Ok(clients)
}

/// Refuse to deploy a stack meant for another account than the credentials'.
fn same_account(stack: &AppStack, current: &str) -> anyhow::Result<()> {
    match &stack.environment.account {
        Some(account) if account != current => {
            bail!("stack {} is for account {account}, and these credentials are for account {current}", stack.name)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Environment;
    use crate::tree::Stack;

    fn stack(name: &str, environment: Environment) -> AppStack {
        let synthesized = Stack::new("empty").synth().expect("synth");
        AppStack { name: name.to_owned(), environment, synthesized, depends_on: Vec::new(), imports: Vec::new() }
    }

    #[test]
    fn a_stack_for_another_account_is_refused() {
        let pinned = stack("api", Environment::new("111111111111", "eu-west-1"));
        assert!(same_account(&pinned, "111111111111").is_ok());
        let err = same_account(&pinned, "222222222222").expect_err("another account").to_string();
        assert!(err.contains("is for account 111111111111") && err.contains("222222222222"), "{err}");
        assert!(same_account(&stack("any", Environment::default()), "222222222222").is_ok());
    }
}
