//! [`App::run`]: any program that builds an [`App`] is a command line with `list`, `synth`,
//! `diff`, `deploy`, `destroy` and `status`, the flags of `lamux-deploy` (`--region`,
//! `--profile`, `--require-approval`, `--yes`, `--tags`) and its output. Stacks are chosen by
//! name or glob; none chosen is every stack. `deploy` follows the cross-stack references,
//! `destroy` runs in reverse.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::app::{App, AppStack};
use crate::aws::{AwsArgs, Clients};
use crate::deploy;
use crate::engine::Deployment;
use crate::review::RequireApproval;
use crate::toolkit::{self, Confirm, outputs_json, parse_tag, print_outputs};

#[derive(Debug, Parser)]
#[command(about = "Synthesize and deploy this program's stacks")]
struct Cli {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The stacks, in deploy order, with the stacks each imports from.
    List,
    /// Print each chosen stack's template, or write NAME.template.json files under --out.
    Synth {
        /// Stack names or globs [default: every stack].
        stacks: Vec<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show what deploying would change; change nothing.
    Diff { stacks: Vec<String> },
    /// Deploy the chosen stacks, each after the stacks it imports from.
    Deploy {
        stacks: Vec<String>,
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
    /// Delete the chosen stacks, the importing ones first.
    Destroy {
        stacks: Vec<String>,
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
        crate::progress::init();
        let outcome = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")
            .and_then(|runtime| runtime.block_on(run(&self, cli)));
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
}

async fn run(app: &App, cli: Cli) -> anyhow::Result<()> {
    let stacks = app.synth()?;
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
        Command::Synth { stacks: patterns, out } => {
            let chosen = choose(&stacks, &patterns)?;
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
        Command::Diff { stacks: patterns } => {
            for stack in choose(&stacks, &patterns)? {
                let clients = clients(&cli.aws, stack).await?;
                toolkit::diff(&clients, &deployment(stack)).await?;
            }
            Ok(())
        }
        Command::Deploy { stacks: patterns, require_approval, confirm, tags } => {
            for stack in choose(&stacks, &patterns)? {
                let clients = clients(&cli.aws, stack).await?;
                let mut deployment = deployment(stack);
                deployment.tags.clone_from(&tags);
                let outputs = toolkit::deploy(&clients, &deployment, require_approval, confirm).await?;
                print_outputs(&outputs);
            }
            Ok(())
        }
        Command::Destroy { stacks: patterns, confirm } => {
            for stack in choose(&stacks, &patterns)?.into_iter().rev() {
                let clients = clients(&cli.aws, stack).await?;
                toolkit::destroy(&clients, &stack.name, confirm).await?;
            }
            Ok(())
        }
        Command::Status { stacks: patterns, json: as_json } => {
            let mut reports = Vec::new();
            for stack in choose(&stacks, &patterns)? {
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

/// The stacks whose names match a pattern (every stack when there is none), in deploy order.
/// A pattern that matches nothing is an error, not a silent no-op.
fn choose<'a>(stacks: &'a [AppStack], patterns: &[String]) -> anyhow::Result<Vec<&'a AppStack>> {
    if patterns.is_empty() {
        return Ok(stacks.iter().collect());
    }
    let globs: Vec<wildmatch::WildMatch> = patterns.iter().map(|p| wildmatch::WildMatch::new(p)).collect();
    for (pattern, glob) in patterns.iter().zip(&globs) {
        if !stacks.iter().any(|stack| glob.matches(&stack.name)) {
            let names: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).collect();
            bail!("no stack matches {pattern:?}; the app has {}", names.join(", "));
        }
    }
    Ok(stacks.iter().filter(|stack| globs.iter().any(|glob| glob.matches(&stack.name))).collect())
}

fn deployment(stack: &AppStack) -> Deployment<'_> {
    Deployment::new(&stack.name, &stack.synthesized)
}

/// Clients for the stack's region (or `--region`), refusing a stack of another account.
async fn clients(aws: &AwsArgs, stack: &AppStack) -> anyhow::Result<Clients> {
    let region = stack.environment.region.as_deref().or(aws.region.as_deref());
    let clients = Clients::from_env(region, aws.profile.as_deref()).await?;
    if stack.environment.account.is_some() {
        let identity = clients.sts.get_caller_identity().send().await.context("cannot read the AWS account")?;
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
        AppStack { name: name.to_owned(), environment, synthesized, depends_on: Vec::new() }
    }

    #[test]
    fn patterns_choose_stacks_in_deploy_order_and_an_unmatched_one_is_an_error() {
        let stacks = [stack("net", Environment::default()), stack("api", Environment::default())];
        let names = |chosen: Vec<&AppStack>| chosen.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(choose(&stacks, &[]).expect("all")), ["net", "api"]);
        assert_eq!(names(choose(&stacks, &["a*".into(), "net".into()]).expect("both")), ["net", "api"]);
        let err = choose(&stacks, &["web".into()]).expect_err("no such stack").to_string();
        assert!(err.contains("no stack matches \"web\"; the app has net, api"), "{err}");
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
