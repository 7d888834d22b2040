//! The command-line steps every deploying tool shares: show a change set, ask before what
//! `--require-approval` names, deploy, delete, print outputs. `lamux-deploy` and
//! [`App::run`](crate::app::App) both use them, so both read and ask alike.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Context as _;
use serde_json::Value;

use crate::deploying::aws::Clients;
use crate::deploying::deploy::{self, Plan, ResourceChange};
use crate::deploying::engine::{self, Deployment, Intent, Prepared};
use crate::deploying::review::{self, RequireApproval};
use crate::error::Result;

/// `--yes`: change without asking.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct Confirm {
    /// Do not ask before changing anything.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// A change set, resource by resource and property by property, with what widens access or
/// replaces a resource.
pub fn show(prepared: &Prepared, changes: &[ResourceChange]) {
    println!("stack {}: {} resource change(s)", prepared.stack_name, changes.len());
    for change in changes {
        println!("{change}");
        for property in prepared.properties.iter().filter(|p| p.logical_id == change.logical_id) {
            println!("{property}");
        }
    }
    if !prepared.parameters.is_empty() {
        println!("parameters:");
        for line in &prepared.parameters {
            println!("{line}");
        }
    }
    for reason in prepared.risks.broadening.iter() {
        println!("! widens access: {reason}");
    }
    for reason in prepared.risks.replacements.iter() {
        println!("! replaces: {reason}");
    }
}

/// Show what deploying would change, and leave nothing behind.
pub async fn diff(clients: &Clients, deployment: &Deployment<'_>) -> Result<()> {
    let prepared = engine::prepare(clients, deployment, Intent::Preview).await?;
    match &prepared.plan {
        Plan::NoChanges => println!("no changes to stack {}", prepared.stack_name),
        Plan::ChangeSet { changes, .. } => {
            show(&prepared, changes);
            engine::discard(clients, &prepared).await?;
        }
        Plan::DeleteFailedCreate { status } => bail!("stack {} is in {status}", prepared.stack_name),
    }
    Ok(())
}

/// Show the change set, ask when `policy` says to, execute it, and return the outputs. A
/// stack left from a failed create is deleted only after the same question.
pub async fn deploy(
    clients: &Clients,
    deployment: &Deployment<'_>,
    policy: RequireApproval,
    confirm: Confirm,
) -> Result<Vec<(String, String)>> {
    let mut prepared = engine::prepare(clients, deployment, Intent::Deploy).await?;
    if let Plan::DeleteFailedCreate { .. } = &prepared.plan {
        // Shown and asked about like any change: nothing was deleted before this prompt.
        for reason in &prepared.risks.deletions {
            println!("! deletes: {reason}");
        }
        let reasons = review::approval_reasons(policy, &prepared.risks, &[]);
        if !reasons.is_empty()
            && !approved(confirm, &format!("delete stack {} and create it again?", prepared.stack_name))?
        {
            bail!("not deleted, not deployed");
        }
        engine::delete_failed_create(clients, &prepared).await?;
        eprintln!("stack {} deleted; creating it again", prepared.stack_name);
        prepared = engine::prepare(clients, deployment, Intent::Deploy).await?;
    }
    let stack_name = &prepared.stack_name;
    match &prepared.plan {
        Plan::NoChanges => println!("no changes to stack {stack_name}"),
        Plan::DeleteFailedCreate { status } => bail!("stack {stack_name} is in {status} again after its deletion"),
        Plan::ChangeSet { changes, .. } => {
            show(&prepared, changes);
            let reasons = review::approval_reasons(policy, &prepared.risks, changes);
            let answer = if reasons.is_empty() {
                Ok(true)
            } else {
                approved(confirm, &format!("deploy these changes to stack {stack_name}?"))
            };
            if !matches!(answer, Ok(true)) {
                // Refused or not asked: nothing of this change set stays behind.
                engine::discard(clients, &prepared).await?;
                answer?;
                bail!("not deployed");
            }
        }
    }
    engine::execute(clients, &prepared).await
}

/// Delete the stack and everything in it, after asking.
pub async fn destroy(clients: &Clients, stack_name: &str, confirm: Confirm) -> Result<()> {
    let cf = &clients.cloudformation;
    if deploy::stack_status(cf, stack_name).await?.is_none() {
        println!("there is no stack {stack_name}");
        return Ok(());
    }
    if !approved(confirm, &format!("delete stack {stack_name} and everything in it?"))? {
        bail!("not deleted");
    }
    deploy::delete(cf, stack_name).await?;
    println!("stack {stack_name} deleted");
    Ok(())
}

/// One `--tags KEY=VALUE`: a stack tag within AWS's limits (`aws:` is reserved).
pub fn parse_tag(value: &str) -> Result<(String, String), String> {
    let (key, value) = value.split_once('=').ok_or_else(|| format!("{value:?} is not key=value"))?;
    if key.is_empty() || key.len() > 128 || value.len() > 256 || key.starts_with("aws:") {
        return Err(format!("{key:?}: tag keys are 1-128 characters, values at most 256, and aws: is reserved"));
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// `KEY: VALUE`, one output per line.
pub fn print_outputs(outputs: &[(String, String)]) {
    for (key, value) in outputs {
        println!("{key}: {value}");
    }
}

/// The outputs as one JSON object.
pub fn outputs_json(outputs: &[(String, String)]) -> Value {
    Value::Object(outputs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// `--yes`, or an answer at a terminal; without either, refuse rather than guess.
pub fn approved(confirm: Confirm, question: &str) -> Result<bool> {
    if confirm.yes {
        return Ok(true);
    }
    ensure!(
        std::io::stdin().is_terminal(),
        "this needs approval (see --require-approval) and there is no terminal to ask at: pass --yes"
    );
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
