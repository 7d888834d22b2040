//! Change sets: plan, show, execute, follow the stack's events, read its outputs. Every poll
//! has a deadline, and statuses are the SDK's typed enums.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
use aws_sdk_cloudformation::types::{
    Capability, ChangeAction, ChangeSetStatus, ChangeSetType, Parameter, Replacement, ResourceStatus, Stack,
    StackEvent, StackStatus, Tag,
};
use lamux::backoff::Backoff;

use crate::deploying::progress::PROGRESS;
use crate::error::{AwsContext as _, AwsError, Result};

/// How long CloudFormation may take to compute a change set.
const CHANGE_SET_DEADLINE: Duration = Duration::from_secs(10 * 60);
/// How long a stack operation may run before we stop following it. A new distribution
/// takes CloudFront 5 to 15 minutes.
pub const OPERATION_DEADLINE: Duration = Duration::from_secs(60 * 60);

/// Between two polls: 200 ms, growing by half, at most 5 s.
const POLL_BACKOFF: Backoff =
    Backoff { initial: Duration::from_millis(200), factor: 1.5, max: Duration::from_secs(5), jitter: false };

/// Polls CloudFormation with a growing delay instead of a fixed sleep, until a deadline.
struct Poll {
    polls: u32,
    deadline: Instant,
    what: String,
}

impl Poll {
    fn new(what: impl Into<String>, within: Duration) -> Self {
        Self { polls: 0, deadline: Instant::now() + within, what: what.into() }
    }

    async fn wait(&mut self) -> anyhow::Result<()> {
        if Instant::now() >= self.deadline {
            bail!("gave up waiting for {} (CloudFormation carries on; see `lamux-deploy status`)", self.what);
        }
        self.polls += 1;
        let delay = POLL_BACKOFF.delay(self.polls);
        tokio::time::sleep(delay.min(self.deadline.saturating_duration_since(Instant::now()))).await;
        Ok(())
    }
}

/// One line of a change set.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    /// Add, Modify, Remove…
    pub action: ChangeAction,
    /// The resource's logical ID.
    pub logical_id: String,
    /// Its type (`AWS::Lambda::Function`).
    pub resource_type: String,
    /// For modifications: whether CloudFormation replaces the resource.
    pub replacement: Option<Replacement>,
}

impl ResourceChange {
    /// Whether CloudFormation replaces the resource, or may.
    pub fn replaces(&self) -> bool {
        matches!(self.replacement, Some(Replacement::True | Replacement::Conditional))
    }
}

impl std::fmt::Display for ResourceChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.action {
            ChangeAction::Add => "+",
            ChangeAction::Remove => "-",
            _ => "~",
        };
        write!(f, "{sign} {:<8} {} ({})", self.action.as_str(), self.logical_id, self.resource_type)?;
        match self.replacement {
            Some(Replacement::True) => write!(f, " [replaced]"),
            Some(Replacement::Conditional) => write!(f, " [may be replaced]"),
            _ => Ok(()),
        }
    }
}

/// What a change set would do.
pub enum Plan {
    /// The stack is as the template says: nothing to execute.
    NoChanges,
    /// A change set to review, then execute or delete.
    ChangeSet {
        /// Its ID (an ARN).
        id: String,
        /// Whether it creates the stack (a `CREATE` change set).
        creates_stack: bool,
        /// Resource by resource.
        changes: Vec<ResourceChange>,
    },
    /// The stack failed to be created (`ROLLBACK_COMPLETE`, `ROLLBACK_FAILED`): it must be
    /// deleted before a change set can create it again. Nothing is deleted yet.
    DeleteFailedCreate {
        /// The stack's status.
        status: String,
    },
}

/// CloudFormation says "nothing to change" in two ways: a FAILED change set ("didn't contain
/// changes"), or a ValidationError ("No updates are to be performed", as moto does). Only
/// the message tells these apart from real failures.
pub fn means_no_changes(message: &str) -> bool {
    message.contains("didn't contain changes") || message.contains("No updates are to be performed")
}

/// The stack, or `None` when there is no such stack.
pub async fn describe(cf: &Client, stack: &str) -> Result<Option<Stack>> {
    match cf.describe_stacks().stack_name(stack).send().await {
        Ok(output) => Ok(output.stacks().first().cloned()),
        // CloudFormation has no typed "not found": a missing stack is this ValidationError.
        Err(err)
            if err.code() == Some("ValidationError") && err.message().is_some_and(|m| m.contains("does not exist")) =>
        {
            Ok(None)
        }
        Err(err) => Err(AwsError::new(format!("cannot describe stack {stack}"), err).into()),
    }
}

/// The names of the account's exports in the client's region (ListExports, every page).
pub async fn exports(cf: &Client) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let mut pages = cf.list_exports().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.aws("cannot list the account's exports")?;
        names.extend(page.exports().iter().filter_map(|export| export.name()).map(str::to_owned));
    }
    Ok(names)
}

/// The stacks that import `export` (ListImports, every page); none when it is not imported.
pub async fn importers(cf: &Client, export: &str) -> Result<Vec<String>> {
    let mut stacks = Vec::new();
    let mut pages = cf.list_imports().export_name(export).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => stacks.extend(page.imports().iter().cloned()),
            // CloudFormation answers an export that no stack imports with this ValidationError.
            Err(err)
                if err.code() == Some("ValidationError")
                    && err.message().is_some_and(|m| m.contains("is not imported by any stack")) =>
            {
                break;
            }
            Err(err) => {
                return Err(AwsError::new(format!("cannot list the imports of {export}"), err).into());
            }
        }
    }
    Ok(stacks)
}

/// The stack's status, or `None` when there is no such stack.
pub async fn stack_status(cf: &Client, stack: &str) -> Result<Option<StackStatus>> {
    Ok(describe(cf, stack).await?.and_then(|s| s.stack_status))
}

/// Statuses in which a stack only waits to be deleted; `up` replaces such a stack.
pub fn is_dead(status: &StackStatus) -> bool {
    matches!(status, StackStatus::RollbackComplete | StackStatus::RollbackFailed | StackStatus::DeleteFailed)
}

/// Where CloudFormation reads the template from.
pub enum TemplateSource<'a> {
    /// In the request, up to 51,200 bytes.
    Body(&'a str),
    /// An S3 object's HTTPS URL, up to 1 MB.
    Url(String),
}

/// What a change set is made of.
pub struct Request<'a> {
    /// The template, in the body or in S3.
    pub template: TemplateSource<'a>,
    /// Parameter values, the asset locations among them.
    pub parameters: Vec<Parameter>,
    /// Stack tags.
    pub tags: Vec<Tag>,
    /// What the template needs acknowledged ([`capabilities`]).
    pub capabilities: Vec<Capability>,
    /// True when the stack does not exist yet (or is an empty REVIEW_IN_PROGRESS shell).
    pub creates_stack: bool,
}

/// The capabilities a template needs acknowledged: `CAPABILITY_IAM` for IAM resources,
/// `CAPABILITY_NAMED_IAM` when one of them has a name of its own, `CAPABILITY_AUTO_EXPAND`
/// for a transform (AWS CloudFormation API reference, CreateChangeSet, Capabilities).
pub fn capabilities(template: &serde_json::Value) -> Vec<Capability> {
    const NAMES: [(&str, &str); 6] = [
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
        ("AWS::IAM::User", "UserName"),
        ("AWS::IAM::Group", "GroupName"),
        ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
        // An inline policy's PolicyName names no IAM entity: it needs CAPABILITY_IAM only.
        ("AWS::IAM::Policy", ""),
    ];
    let resources = template.get("Resources").and_then(serde_json::Value::as_object).into_iter().flatten();
    let (mut iam, mut named) = (false, false);
    for (_, resource) in resources {
        let kind = resource.get("Type").and_then(serde_json::Value::as_str).unwrap_or_default();
        let Some((_, name)) = NAMES.iter().find(|(iam_kind, _)| *iam_kind == kind) else {
            continue;
        };
        iam = true;
        named |= !name.is_empty() && resource["Properties"].get(*name).is_some();
    }
    let mut out = Vec::new();
    if named {
        out.push(Capability::CapabilityNamedIam);
    } else if iam {
        out.push(Capability::CapabilityIam);
    }
    if template.get("Transform").is_some() {
        out.push(Capability::CapabilityAutoExpand);
    }
    out
}

/// Create a change set and wait until CloudFormation has computed it.
pub async fn plan(cf: &Client, stack: &str, request: Request<'_>) -> Result<Plan> {
    let Request { template, parameters, tags, capabilities, creates_stack } = request;
    let (body, url) = match template {
        TemplateSource::Body(body) => (Some(body.to_owned()), None),
        TemplateSource::Url(url) => (None, Some(url)),
    };
    let kind = if creates_stack { ChangeSetType::Create } else { ChangeSetType::Update };
    let name = format!(
        "lamux-{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis()
    );
    let created = cf
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .set_template_body(body)
        .set_template_url(url)
        .set_parameters(Some(parameters))
        .set_tags((!tags.is_empty()).then_some(tags))
        .set_capabilities((!capabilities.is_empty()).then_some(capabilities))
        .change_set_type(kind)
        .include_nested_stacks(false)
        .description("lamux-deploy")
        .send()
        .await;
    let created = match created {
        Ok(created) => created,
        Err(err) if err.message().is_some_and(means_no_changes) => return Ok(Plan::NoChanges),
        Err(err) => return Err(AwsError::new(format!("stack {stack}: cannot create the change set"), err).into()),
    };
    let id = created.id().context("CloudFormation returned no change set id")?.to_owned();
    let mut poll = Poll::new(format!("change set {name}"), CHANGE_SET_DEADLINE);
    loop {
        let described = cf
            .describe_change_set()
            .change_set_name(&id)
            .send()
            .await
            .aws(format!("stack {stack}: cannot describe the change set"))?;
        match described.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let changes = described.changes().iter().filter_map(|change| change.resource_change()).map(|change| {
                    ResourceChange {
                        action: change.action().cloned().unwrap_or(ChangeAction::Modify),
                        logical_id: change.logical_resource_id().unwrap_or_default().to_owned(),
                        resource_type: change.resource_type().unwrap_or_default().to_owned(),
                        replacement: change.replacement().cloned(),
                    }
                });
                return Ok(Plan::ChangeSet { id, creates_stack, changes: changes.collect() });
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = described.status_reason().unwrap_or("no reason given").to_owned();
                discard(cf, stack, &id, creates_stack).await?;
                if means_no_changes(&reason) {
                    return Ok(Plan::NoChanges);
                }
                bail!("the change set failed: {reason}");
            }
            _ => poll.wait().await?,
        }
    }
}

/// Delete a change set that will not be executed, and the empty stack a CREATE one made.
pub async fn discard(cf: &Client, stack: &str, change_set: &str, creates_stack: bool) -> Result<()> {
    cf.delete_change_set()
        .change_set_name(change_set)
        .send()
        .await
        .aws(format!("stack {stack}: cannot delete the change set"))?;
    if creates_stack && stack_status(cf, stack).await? == Some(StackStatus::ReviewInProgress) {
        cf.delete_stack().stack_name(stack).send().await.aws(format!("cannot delete the empty stack {stack}"))?;
    }
    Ok(())
}

/// Execute a change set and report the stack's events until it settles.
pub async fn execute(cf: &Client, stack: &str, change_set: &str) -> Result<()> {
    let marker = newest_event_id(cf, stack).await?;
    cf.execute_change_set()
        .change_set_name(change_set)
        .send()
        .await
        .aws(format!("stack {stack}: cannot execute the change set"))?;
    let started = Instant::now();
    let status = follow(cf, stack, marker.as_deref(), started).await?;
    if matches!(status, StackStatus::CreateComplete | StackStatus::UpdateComplete) {
        tracing::info!(target: PROGRESS, "stack {stack}: {} in {:.0?}", status.as_str(), started.elapsed());
        return Ok(());
    }
    let events = events_since(cf, stack, marker.as_deref()).await?;
    match first_failure(&events) {
        Some(failed) => bail!(
            "stack {stack} ended in {}: {} ({}) failed first: {}",
            status.as_str(),
            failed.logical_resource_id().unwrap_or("?"),
            failed.resource_type().unwrap_or("?"),
            failed.resource_status_reason().unwrap_or("no reason given")
        ),
        None => bail!("stack {stack} ended in {}", status.as_str()),
    }
}

/// The first resource of this operation that failed: events come newest first, so the last
/// failed one in the list. Failures of earlier operations are not in `events`.
pub fn first_failure(events: &[StackEvent]) -> Option<&StackEvent> {
    let failed = |status: &ResourceStatus| {
        matches!(
            status,
            ResourceStatus::CreateFailed
                | ResourceStatus::UpdateFailed
                | ResourceStatus::DeleteFailed
                | ResourceStatus::ImportFailed
                | ResourceStatus::RollbackFailed
        )
    };
    events.iter().rev().find(|e| e.resource_status().is_some_and(failed))
}

/// The events newer than `marker`, newest first: this operation's. `events` is one page
/// after another of describe_stack_events, which lists newest first.
pub fn since_marker<'a>(events: impl IntoIterator<Item = &'a StackEvent>, marker: Option<&str>) -> Vec<StackEvent> {
    events.into_iter().take_while(|e| marker.is_none() || e.event_id() != marker).cloned().collect()
}

/// The newest event's id before an operation begins; `None` for a stack without events.
async fn newest_event_id(cf: &Client, stack: &str) -> anyhow::Result<Option<String>> {
    if describe(cf, stack).await?.is_none() {
        return Ok(None);
    }
    let page = cf
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .aws(format!("cannot read the events of stack {stack}"))?;
    Ok(page.stack_events().first().and_then(|e| e.event_id()).map(str::to_owned))
}

/// This operation's events, newest first: every page up to the marker, no further.
async fn events_since(cf: &Client, stack: &str, marker: Option<&str>) -> anyhow::Result<Vec<StackEvent>> {
    let mut pages = cf.describe_stack_events().stack_name(stack).into_paginator().send();
    let mut events = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.aws(format!("cannot read the events of stack {stack}"))?;
        let new = since_marker(page.stack_events(), marker);
        let reached_marker = new.len() < page.stack_events().len();
        events.extend(new);
        if reached_marker {
            break;
        }
    }
    Ok(events)
}

/// Print new events until the stack is no longer IN_PROGRESS; returns the final status.
async fn follow(cf: &Client, stack: &str, marker: Option<&str>, started: Instant) -> anyhow::Result<StackStatus> {
    let mut poll = Poll::new(format!("stack {stack}"), OPERATION_DEADLINE);
    let mut printed: HashSet<String> = HashSet::new();
    let mut last_news = Instant::now();
    loop {
        let Some(status) = stack_status(cf, stack).await? else {
            return Ok(StackStatus::DeleteComplete);
        };
        let events = events_since(cf, stack, marker).await?;
        for event in events.iter().rev() {
            if !event.event_id().is_some_and(|id| printed.insert(id.to_owned())) {
                continue;
            }
            tracing::info!(
                target: PROGRESS,
                "[{:>4}s] {:<32} {:<22} {}",
                started.elapsed().as_secs(),
                event.logical_resource_id().unwrap_or("?"),
                event.resource_status().map(|s| s.as_str()).unwrap_or("?"),
                event.resource_status_reason().unwrap_or("")
            );
            last_news = Instant::now();
        }
        if !status.as_str().ends_with("_IN_PROGRESS") {
            return Ok(status);
        }
        if last_news.elapsed() > Duration::from_secs(30) {
            tracing::info!(target: PROGRESS, "[{:>4}s] still {}…", started.elapsed().as_secs(), status.as_str());
            last_news = Instant::now();
        }
        poll.wait().await?;
    }
}

/// The stack's outputs, sorted by key.
pub async fn outputs(cf: &Client, stack: &str) -> Result<Vec<(String, String)>> {
    let described = describe(cf, stack).await?.with_context(|| format!("there is no stack {stack}"))?;
    Ok(outputs_of(&described))
}

/// The outputs of a stack already described, sorted by key.
pub fn outputs_of(described: &Stack) -> Vec<(String, String)> {
    let mut outputs: Vec<(String, String)> = described
        .outputs()
        .iter()
        .map(|o| (o.output_key().unwrap_or_default().to_owned(), o.output_value().unwrap_or_default().to_owned()))
        .collect();
    outputs.sort();
    outputs
}

/// The template the stack runs now, as CloudFormation stored it.
pub async fn deployed_template(cf: &Client, stack: &str) -> Result<serde_json::Value> {
    let got = cf
        .get_template()
        .stack_name(stack)
        .send()
        .await
        .aws(format!("cannot read the deployed template of stack {stack}"))?;
    let body = got.template_body().unwrap_or("{}");
    Ok(serde_json::from_str(body).context("the deployed template is not JSON")?)
}

/// The resources a `DELETE_FAILED` stack could not delete, with CloudFormation's reasons:
/// they may still be live, so the stack is never deleted for the user.
pub async fn undeleted_resources(cf: &Client, stack: &str) -> Result<Vec<String>> {
    let described = cf
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .aws(format!("cannot list the resources of stack {stack}"))?;
    Ok(described
        .stack_resources()
        .iter()
        .filter(|r| r.resource_status() == Some(&aws_sdk_cloudformation::types::ResourceStatus::DeleteFailed))
        .map(|r| {
            undeleted_line(
                r.logical_resource_id(),
                r.resource_type(),
                r.physical_resource_id(),
                r.resource_status_reason(),
            )
        })
        .collect())
}

fn undeleted_line(id: Option<&str>, kind: Option<&str>, physical: Option<&str>, reason: Option<&str>) -> String {
    let physical = physical.map(|p| format!(" ({p})")).unwrap_or_default();
    let reason = reason.map(|r| format!(": {r}")).unwrap_or_default();
    format!("    {} {}{physical}{reason}", kind.unwrap_or("?"), id.unwrap_or("?"))
}

/// Why `up` stops at a `DELETE_FAILED` stack, naming what may still be live.
pub fn delete_failed_error(stack: &str, undeleted: &[String]) -> crate::error::DeployError {
    let listed = if undeleted.is_empty() { "    (CloudFormation names none)".to_owned() } else { undeleted.join("\n") };
    anyhow::anyhow!(
        "stack {stack} is in DELETE_FAILED: these resources could not be deleted and may still be live:\n{listed}\n\
         delete or retain them, then run `lamux-deploy down` (or `aws cloudformation delete-stack \
         --retain-resources`); lamux-deploy never deletes such a stack for you"
    )
    .into()
}

/// Delete the stack and wait until it is gone.
pub async fn delete(cf: &Client, stack: &str) -> Result<()> {
    let marker = newest_event_id(cf, stack).await?;
    cf.delete_stack().stack_name(stack).send().await.aws(format!("cannot delete stack {stack}"))?;
    let status = follow(cf, stack, marker.as_deref(), Instant::now()).await?;
    if status != StackStatus::DeleteComplete {
        bail!("stack {stack} ended in {}", status.as_str());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20: CAPABILITY_IAM was sent whatever the template held; a named role needs
    /// CAPABILITY_NAMED_IAM, and a transform CAPABILITY_AUTO_EXPAND.
    #[test]
    fn capabilities_follow_the_template() {
        use serde_json::json;
        let role = |properties: serde_json::Value| json!({"Type": "AWS::IAM::Role", "Properties": properties});
        let cases = [
            (json!({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}), vec![]),
            (json!({"Resources": {"R": role(json!({}))}}), vec![Capability::CapabilityIam]),
            (json!({"Resources": {"R": role(json!({"RoleName": "fixed"}))}}), vec![Capability::CapabilityNamedIam]),
            (
                json!({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "p"}}}}),
                vec![Capability::CapabilityNamedIam],
            ),
            (
                json!({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"R": role(json!({}))}}),
                vec![Capability::CapabilityIam, Capability::CapabilityAutoExpand],
            ),
        ];
        for (template, want) in cases {
            assert_eq!(capabilities(&template), want, "{template}");
        }
    }

    /// Issue 20: a DELETE_FAILED stack may still own live resources; `up` names them and stops.
    #[test]
    fn a_delete_failed_stack_names_what_may_still_be_live() {
        let line = undeleted_line(
            Some("AssetBucket"),
            Some("AWS::S3::Bucket"),
            Some("lamux-assets-1"),
            Some("The bucket you tried to delete is not empty"),
        );
        assert_eq!(
            line,
            "    AWS::S3::Bucket AssetBucket (lamux-assets-1): The bucket you tried to delete is not empty"
        );
        let said = delete_failed_error("s", &[line]).to_string();
        assert!(said.contains("DELETE_FAILED") && said.contains("AssetBucket (lamux-assets-1)"), "{said}");
        assert!(said.contains("never deletes such a stack"), "{said}");
    }

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
        let change = |action: ChangeAction, replacement: Option<Replacement>| ResourceChange {
            action,
            logical_id: "LamuxFunction".into(),
            resource_type: "AWS::Lambda::Function".into(),
            replacement,
        };
        assert_eq!(change(ChangeAction::Add, None).to_string(), "+ Add      LamuxFunction (AWS::Lambda::Function)");
        assert_eq!(
            change(ChangeAction::Modify, Some(Replacement::False)).to_string(),
            "~ Modify   LamuxFunction (AWS::Lambda::Function)"
        );
        assert_eq!(
            change(ChangeAction::Modify, Some(Replacement::True)).to_string(),
            "~ Modify   LamuxFunction (AWS::Lambda::Function) [replaced]"
        );
        assert_eq!(change(ChangeAction::Remove, None).to_string(), "- Remove   LamuxFunction (AWS::Lambda::Function)");
    }

    fn event(id: &str, resource: &str, status: ResourceStatus) -> StackEvent {
        StackEvent::builder()
            .event_id(id)
            .stack_id("s")
            .stack_name("s")
            .logical_resource_id(resource)
            .resource_status(status)
            .resource_status_reason(format!("{resource} reason"))
            .timestamp(aws_sdk_cloudformation::primitives::DateTime::from_secs(0))
            .build()
    }

    /// Issue 12: the newest-first list was walked backwards over the whole history, so an
    /// older deployment's failure could be reported as this one's.
    #[test]
    fn the_first_failure_is_this_operations() {
        let newest_first = [
            event("7", "lamux", ResourceStatus::UpdateRollbackComplete),
            event("6", "LamuxDistribution", ResourceStatus::UpdateFailed),
            event("5", "LamuxFunction", ResourceStatus::UpdateFailed),
            event("4", "LamuxFunction", ResourceStatus::UpdateInProgress),
            // The previous operation, before the marker:
            event("3", "lamux", ResourceStatus::UpdateComplete),
            event("2", "LamuxRole", ResourceStatus::CreateFailed),
        ];
        let this_operation = since_marker(&newest_first, Some("3"));
        assert_eq!(this_operation.len(), 4);
        let failed = first_failure(&this_operation).expect("a failure");
        assert_eq!(failed.logical_resource_id(), Some("LamuxFunction"));
        assert!(first_failure(&since_marker(&newest_first[..1], None)).is_none());
    }
}
