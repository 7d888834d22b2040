//! Change sets: plan, show, execute, follow the stack's events, read its outputs.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, StackEvent};

/// Polls CloudFormation with a growing delay instead of a fixed sleep.
struct Backoff {
    delay: Duration,
}

impl Backoff {
    fn new() -> Self {
        Self { delay: Duration::from_millis(200) }
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 3 / 2).min(Duration::from_secs(5));
    }
}

/// One line of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// `True`, `False` or `Conditional`, for modifications.
    pub replacement: Option<String>,
}

impl std::fmt::Display for ResourceChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.action.as_str() {
            "Add" => "+",
            "Remove" => "-",
            _ => "~",
        };
        write!(f, "{sign} {:<8} {} ({})", self.action, self.logical_id, self.resource_type)?;
        match self.replacement.as_deref() {
            Some("True") => write!(f, " [replaced]"),
            Some("Conditional") => write!(f, " [may be replaced]"),
            _ => Ok(()),
        }
    }
}

pub enum Plan {
    NoChanges,
    ChangeSet { id: String, creates_stack: bool, changes: Vec<ResourceChange> },
}

/// CloudFormation says "nothing to change" in two ways: a FAILED change set ("didn't contain
/// changes"), or a ValidationError ("No updates are to be performed", as moto does). Only
/// the message tells these apart from real failures.
pub fn means_no_changes(message: &str) -> bool {
    message.contains("didn't contain changes") || message.contains("No updates are to be performed")
}

/// The stack's status, or `None` when there is no such stack.
pub async fn stack_status(cf: &Client, stack: &str) -> anyhow::Result<Option<String>> {
    match cf.describe_stacks().stack_name(stack).send().await {
        Ok(output) => {
            Ok(output.stacks().first().and_then(|s| s.stack_status()).map(|status| status.as_str().to_owned()))
        }
        // CloudFormation has no typed "not found": a missing stack is this ValidationError.
        Err(err)
            if err.code() == Some("ValidationError") && err.message().is_some_and(|m| m.contains("does not exist")) =>
        {
            Ok(None)
        }
        Err(err) => Err(err).with_context(|| format!("cannot describe stack {stack}")),
    }
}

/// Create a change set for `template` and wait until CloudFormation has computed it.
pub async fn plan(cf: &Client, stack: &str, template: &str, parameters: &[(&str, &str)]) -> anyhow::Result<Plan> {
    let mut status = stack_status(cf, stack).await?;
    if status.as_deref() == Some("ROLLBACK_COMPLETE") {
        // A failed first create leaves a stack that can only be deleted.
        eprintln!("stack {stack} is in ROLLBACK_COMPLETE after a failed create; deleting it to start again");
        delete(cf, stack).await?;
        status = None;
    }
    let creates_stack = matches!(status.as_deref(), None | Some("REVIEW_IN_PROGRESS"));
    let kind = if creates_stack { ChangeSetType::Create } else { ChangeSetType::Update };
    let name = format!(
        "lamux-{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis()
    );
    let parameters = parameters
        .iter()
        .map(|(key, value)| Parameter::builder().parameter_key(*key).parameter_value(*value).build())
        .collect::<Vec<_>>();
    let created = cf
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .template_body(template)
        .set_parameters(Some(parameters))
        .capabilities(Capability::CapabilityIam)
        .change_set_type(kind)
        .description("lamux-deploy")
        .send()
        .await;
    let created = match created {
        Ok(created) => created,
        Err(err) if err.message().is_some_and(means_no_changes) => return Ok(Plan::NoChanges),
        Err(err) => return Err(err).context("cannot create the change set"),
    };
    let id = created.id().context("CloudFormation returned no change set id")?.to_owned();
    let mut backoff = Backoff::new();
    loop {
        let described =
            cf.describe_change_set().change_set_name(&id).send().await.context("cannot describe the change set")?;
        match described.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let changes = described.changes().iter().filter_map(|change| change.resource_change()).map(|change| {
                    ResourceChange {
                        action: change.action().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                        logical_id: change.logical_resource_id().unwrap_or_default().to_owned(),
                        resource_type: change.resource_type().unwrap_or_default().to_owned(),
                        replacement: change.replacement().map(|r| r.as_str().to_owned()),
                    }
                });
                return Ok(Plan::ChangeSet { id, creates_stack, changes: changes.collect() });
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = described.status_reason().unwrap_or("no reason given").to_owned();
                discard(cf, stack, &id, false).await?;
                if means_no_changes(&reason) {
                    return Ok(Plan::NoChanges);
                }
                bail!("the change set failed: {reason}");
            }
            _ => backoff.wait().await,
        }
    }
}

/// Delete a change set that will not be executed, and the empty stack a CREATE one made.
pub async fn discard(cf: &Client, stack: &str, change_set: &str, creates_stack: bool) -> anyhow::Result<()> {
    cf.delete_change_set().change_set_name(change_set).send().await.context("cannot delete the change set")?;
    if creates_stack && stack_status(cf, stack).await?.as_deref() == Some("REVIEW_IN_PROGRESS") {
        cf.delete_stack().stack_name(stack).send().await.context("cannot delete the empty stack")?;
    }
    Ok(())
}

/// Execute a change set and print the stack's events until it settles.
pub async fn execute(cf: &Client, stack: &str, change_set: &str) -> anyhow::Result<()> {
    let mut seen = event_ids(cf, stack).await?;
    cf.execute_change_set().change_set_name(change_set).send().await.context("cannot execute the change set")?;
    let started = Instant::now();
    let status = follow(cf, stack, &mut seen, started).await?;
    if status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE" {
        eprintln!("stack {stack}: {status} in {:.0?}", started.elapsed());
        return Ok(());
    }
    let all = events(cf, stack).await?;
    match all.iter().rev().find(|e| e.resource_status().is_some_and(|s| s.as_str().ends_with("_FAILED"))) {
        Some(failed) => bail!(
            "stack {stack} ended in {status}: {} ({}) failed: {}",
            failed.logical_resource_id().unwrap_or("?"),
            failed.resource_type().unwrap_or("?"),
            failed.resource_status_reason().unwrap_or("no reason given")
        ),
        None => bail!("stack {stack} ended in {status}"),
    }
}

/// Print new events until the stack is no longer IN_PROGRESS; returns the final status.
async fn follow(cf: &Client, stack: &str, seen: &mut HashSet<String>, started: Instant) -> anyhow::Result<String> {
    let mut backoff = Backoff::new();
    let mut last_news = Instant::now();
    loop {
        let Some(status) = stack_status(cf, stack).await? else {
            return Ok("DELETE_COMPLETE".to_owned());
        };
        let mut new: Vec<StackEvent> = events(cf, stack).await?;
        new.retain(|e| e.event_id().is_some_and(|id| seen.insert(id.to_owned())));
        // describe_stack_events lists newest first.
        for event in new.iter().rev() {
            eprintln!(
                "[{:>4}s] {:<32} {:<22} {}",
                started.elapsed().as_secs(),
                event.logical_resource_id().unwrap_or("?"),
                event.resource_status().map(|s| s.as_str()).unwrap_or("?"),
                event.resource_status_reason().unwrap_or("")
            );
            last_news = Instant::now();
        }
        if !status.ends_with("_IN_PROGRESS") {
            return Ok(status);
        }
        if last_news.elapsed() > Duration::from_secs(30) {
            eprintln!("[{:>4}s] still {status}…", started.elapsed().as_secs());
            last_news = Instant::now();
        }
        backoff.wait().await;
    }
}

/// The ids of the events the stack has so far, so that following it shows only new ones.
async fn event_ids(cf: &Client, stack: &str) -> anyhow::Result<HashSet<String>> {
    Ok(events(cf, stack).await?.into_iter().filter_map(|e| e.event_id).collect())
}

async fn events(cf: &Client, stack: &str) -> anyhow::Result<Vec<StackEvent>> {
    let output = cf.describe_stack_events().stack_name(stack).send().await.context("cannot read stack events")?;
    Ok(output.stack_events().to_vec())
}

/// The stack's outputs, in template order.
pub async fn outputs(cf: &Client, stack: &str) -> anyhow::Result<Vec<(String, String)>> {
    let output = cf.describe_stacks().stack_name(stack).send().await.context("cannot describe the stack")?;
    let mut outputs: Vec<(String, String)> = output
        .stacks()
        .first()
        .map(|s| s.outputs())
        .unwrap_or_default()
        .iter()
        .map(|o| (o.output_key().unwrap_or_default().to_owned(), o.output_value().unwrap_or_default().to_owned()))
        .collect();
    outputs.sort();
    Ok(outputs)
}

/// Delete the stack and wait until it is gone.
pub async fn delete(cf: &Client, stack: &str) -> anyhow::Result<()> {
    let mut seen = event_ids(cf, stack).await?;
    cf.delete_stack().stack_name(stack).send().await.with_context(|| format!("cannot delete stack {stack}"))?;
    let status = follow(cf, stack, &mut seen, Instant::now()).await?;
    if status != "DELETE_COMPLETE" {
        bail!("stack {stack} ended in {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways_of_saying_no_changes() {
        assert!(means_no_changes(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(means_no_changes("No updates are to be performed."));
        assert!(!means_no_changes("Template format error: unresolved resource dependency"));
    }

    #[test]
    fn changes_read_as_a_diff() {
        let change = |action: &str, replacement: Option<&str>| ResourceChange {
            action: action.into(),
            logical_id: "LamuxFunction".into(),
            resource_type: "AWS::Lambda::Function".into(),
            replacement: replacement.map(str::to_owned),
        };
        assert_eq!(change("Add", None).to_string(), "+ Add      LamuxFunction (AWS::Lambda::Function)");
        assert_eq!(change("Modify", Some("False")).to_string(), "~ Modify   LamuxFunction (AWS::Lambda::Function)");
        assert_eq!(
            change("Modify", Some("True")).to_string(),
            "~ Modify   LamuxFunction (AWS::Lambda::Function) [replaced]"
        );
        assert_eq!(change("Remove", None).to_string(), "- Remove   LamuxFunction (AWS::Lambda::Function)");
    }
}
