//! The deploy engine: what `lamux-deploy up` and `diff` run, for any synthesized stack.
//! Package and upload the assets, create the change set, review it, execute it while
//! following the stack's events, and return the outputs.
//!
//! ```no_run
//! # async fn example(stack: lamux_cdk::tree::Stack) -> Result<(), Box<dyn std::error::Error>> {
//! use lamux_cdk::aws::Clients;
//! use lamux_cdk::engine::{self, Deployment};
//!
//! let clients = Clients::from_env(None, None).await?;
//! let synthesized = stack.synth()?;
//! let outputs = engine::deploy(&clients, &Deployment::new("preview-pr42", &synthesized)).await?;
//! for (key, value) in outputs {
//!     println!("{key}: {value}");
//! }
//! # Ok(())
//! # }
//! ```

use anyhow::Context as _;
use aws_sdk_cloudformation::types::{Parameter, Stack as DescribedStack, StackStatus, Tag};
use serde_json::Value;

use crate::deploying::assets;
use crate::deploying::aws::Clients;
use crate::deploying::deploy::{self, Plan};
use crate::deploying::review::{self, PropertyChange, Risks};
use crate::deploying::secrets::{SecretValue, Slot, new_secret, rotation, rotation_notes, secret_value};
use crate::error::Result;
use crate::tree::Synthesized;

/// CloudFormation's limit for a template passed in the request body; a larger one goes to
/// the asset bucket and is passed as `TemplateURL`, which takes up to 1 MB.
const TEMPLATE_BODY_LIMIT: usize = 51_200;
const TEMPLATE_URL_LIMIT: usize = 1_048_576;

/// A stack to deploy.
pub struct Deployment<'a> {
    /// The stack's name.
    pub stack_name: &'a str,
    /// Its template and assets.
    pub synthesized: &'a Synthesized,
    /// Stack tags, which CloudFormation puts on every resource that takes tags.
    pub tags: Vec<(String, String)>,
    /// Replace the generated secrets instead of keeping them, and start a rotation of the
    /// rotating ones (the previous value stays accepted until the next deployment).
    pub rotate_secrets: bool,
    /// Require a rotation in progress, and finish it: the previous value goes.
    pub finish_rotation: bool,
    /// Where in the asset bucket the assets and large templates go: `assets/` unless set.
    pub asset_prefix: &'a str,
}

impl<'a> Deployment<'a> {
    /// A deployment of `synthesized` as `stack_name`: no tags, secrets kept, assets under `assets/`.
    pub fn new(stack_name: &'a str, synthesized: &'a Synthesized) -> Self {
        Self {
            stack_name,
            synthesized,
            tags: Vec::new(),
            rotate_secrets: false,
            finish_rotation: false,
            asset_prefix: "assets/",
        }
    }
}

/// Whether this run may write: a preview only creates (and deletes) its own change set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A diff: the change set is made, shown and deleted.
    Preview,
    /// A deploy: the change set may be executed.
    Deploy,
}

/// A change set and what it means, before it is executed or discarded.
pub struct Prepared {
    /// The stack's name.
    pub stack_name: String,
    /// What the change set would do.
    pub plan: Plan,
    /// Property by property, for resources the stack already has.
    pub properties: Vec<PropertyChange>,
    /// Parameters that change, one line each; NoEcho values never shown.
    pub parameters: Vec<String>,
    /// What widens access or replaces resources: what approval looks at.
    pub risks: Risks,
}

/// Deploy without asking: prepare, execute, return the outputs. A stack that failed to be
/// created is an error here, never deleted: deleting is the caller's decision
/// ([`delete_failed_create`]).
pub async fn deploy(clients: &Clients, deployment: &Deployment<'_>) -> Result<Vec<(String, String)>> {
    let prepared = prepare(clients, deployment, Intent::Deploy).await?;
    execute(clients, &prepared).await
}

/// Execute the change set, if there is one, and read the outputs.
pub async fn execute(clients: &Clients, prepared: &Prepared) -> Result<Vec<(String, String)>> {
    let cf = &clients.cloudformation;
    match &prepared.plan {
        Plan::ChangeSet { id, .. } => deploy::execute(cf, &prepared.stack_name, id).await?,
        Plan::NoChanges => {}
        Plan::DeleteFailedCreate { status } => bail!(
            "stack {} is in {status} from a failed create: delete it first (`deploy` of an App and \
             `lamux-deploy up` ask to, `engine::delete_failed_create` does it), then deploy again",
            prepared.stack_name
        ),
    }
    deploy::outputs(cf, &prepared.stack_name).await
}

/// Delete a stack that failed to be created, once the caller decided to
/// ([`Plan::DeleteFailedCreate`]); then [`prepare`] creates it again.
pub async fn delete_failed_create(clients: &Clients, prepared: &Prepared) -> Result<()> {
    ensure!(
        matches!(prepared.plan, Plan::DeleteFailedCreate { .. }),
        "stack {} did not fail to be created; not deleting it",
        prepared.stack_name
    );
    deploy::delete(&clients.cloudformation, &prepared.stack_name).await
}

/// Delete the change set (and the empty stack a first change set made).
pub async fn discard(clients: &Clients, prepared: &Prepared) -> Result<()> {
    if let Plan::ChangeSet { id, creates_stack, .. } = &prepared.plan {
        deploy::discard(&clients.cloudformation, &prepared.stack_name, id, *creates_stack).await?;
    }
    Ok(())
}

/// Upload the assets (for a deploy) and create the change set.
pub async fn prepare(clients: &Clients, deployment: &Deployment<'_>, intent: Intent) -> Result<Prepared> {
    let Deployment { stack_name, synthesized, tags, rotate_secrets, finish_rotation, asset_prefix } = deployment;
    let template = &synthesized.template;
    let template_json = template.to_json();
    // What can be checked without AWS is checked first: a name CloudFormation would refuse
    // only after creating half the stack.
    crate::names::check_stack_name(stack_name)?;
    let parsed: Value = serde_json::from_str(&template_json).context("the template is not JSON")?;
    crate::names::check_physical(&parsed, stack_name, clients.region())?;
    ensure!(
        template_json.len() <= TEMPLATE_URL_LIMIT,
        "the template is {} bytes; CloudFormation takes at most {TEMPLATE_URL_LIMIT} (from S3)",
        template_json.len()
    );
    let cf = &clients.cloudformation;
    let existing = deploy::describe(cf, stack_name).await?;
    if let Some(status) = existing.as_ref().and_then(|s| s.stack_status()).filter(|s| deploy::is_dead(s)) {
        if *status == StackStatus::DeleteFailed {
            return Err(deploy::delete_failed_error(stack_name, &deploy::undeleted_resources(cf, stack_name).await?));
        }
        let status = status.as_str().to_owned();
        match intent {
            Intent::Preview => bail!(
                "stack {stack_name} is in {status} and can only be deleted: `deploy` (`lamux-deploy up`) \
                 replaces it after asking, `destroy` (`lamux-deploy down`) deletes it"
            ),
            // Nothing is deleted here: the caller shows this plan and asks first.
            Intent::Deploy => {
                let deletion = format!("stack {stack_name} is in {status} from a failed create: it is deleted first");
                return Ok(Prepared {
                    stack_name: (*stack_name).to_owned(),
                    plan: Plan::DeleteFailedCreate { status },
                    properties: Vec::new(),
                    parameters: Vec::new(),
                    risks: Risks { deletions: vec![deletion], ..Risks::default() },
                });
            }
        }
    }
    let creates_stack = existing.as_ref().is_none_or(|s| s.stack_status() == Some(&StackStatus::ReviewInProgress));
    let mut parameters = Vec::new();
    let large = template_json.len() > TEMPLATE_BODY_LIMIT;
    let mut source = deploy::TemplateSource::Body(&template_json);
    // Every asset is packaged before anything is uploaded: one that cannot be read stops
    // the deploy with nothing half done.
    let archives = synthesized
        .assets
        .iter()
        .map(|asset| asset.source.archive().with_context(|| format!("cannot package the asset {}", asset.path)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if !synthesized.assets.is_empty() || large {
        let bucket = assets::bucket(clients).await?;
        if intent == Intent::Deploy {
            assets::ensure_bucket(clients, &bucket).await?;
        }
        if large {
            // A preview uploads it too: CloudFormation reads it to compute the change set.
            let url =
                assets::upload_template(clients, &bucket, asset_prefix, &template_json).await.with_context(|| {
                    format!("the template is {} bytes: it goes through the asset bucket", template_json.len())
                })?;
            source = deploy::TemplateSource::Url(url);
        }
        for (asset, archive) in synthesized.assets.iter().zip(&archives) {
            let key = match intent {
                Intent::Deploy => {
                    // The code a rollback would return to stays as long as the new code.
                    if let Some(previous) = existing.as_ref().and_then(|s| parameter(s, &asset.key_parameter)) {
                        assets::refresh(clients, &bucket, &previous).await?;
                    }
                    assets::upload(clients, &bucket, &format!("{asset_prefix}{}", archive.key(&asset.name)), archive)
                        .await?
                }
                Intent::Preview => format!("{asset_prefix}{}", archive.key(&asset.name)),
            };
            parameters.push(value_parameter(&asset.bucket_parameter, &bucket.name));
            parameters.push(value_parameter(&asset.key_parameter, &key));
        }
    }
    let mut notes = Vec::new();
    for secret in &synthesized.generated_secrets {
        let described = existing.as_ref().is_some_and(|s| has_parameter(s, secret));
        match secret_value(creates_stack, described, intent == Intent::Deploy && *rotate_secrets) {
            SecretValue::Keep => {
                parameters.push(Parameter::builder().parameter_key(secret).use_previous_value(true).build());
            }
            fresh => {
                parameters.push(value_parameter(secret, &new_secret()?));
                let why = if fresh == SecretValue::Rotate { "a new secret (rotated)" } else { "a new secret" };
                notes.push(format!("    {secret}: {why}"));
            }
        }
    }
    for entry in &synthesized.rotating_secrets {
        let described =
            |key: &str| if creates_stack { None } else { existing.as_ref().and_then(|s| parameter(s, key)) };
        let rotate = intent == Intent::Deploy && *rotate_secrets;
        for (key, value) in rotation(entry, described, rotate, *finish_rotation)? {
            parameters.push(match value {
                Slot::Keep => Parameter::builder().parameter_key(&key).use_previous_value(true).build(),
                Slot::NewSecret => value_parameter(&key, &new_secret()?),
                Slot::Value(value) => value_parameter(&key, &value),
            });
        }
        notes.extend(rotation_notes(entry, described, rotate));
    }
    for (key, value) in &synthesized.kept_parameters {
        let deployed = !creates_stack && existing.as_ref().is_some_and(|s| has_parameter(s, key));
        match value {
            Some(value) => parameters.push(value_parameter(key, value)),
            None if deployed => {
                parameters.push(Parameter::builder().parameter_key(key).use_previous_value(true).build());
            }
            None => {}
        }
    }
    if let Some(existing) = &existing {
        for new in &parameters {
            let (Some(name), Some(value)) = (new.parameter_key(), new.parameter_value()) else { continue };
            // A NoEcho value is never shown, old or new.
            if template.no_echo_parameters().any(|id| id == name) {
                continue;
            }
            match parameter(existing, name) {
                Some(old) if old != value && old != "****" => notes.push(format!("    {name}: {old} -> {value}")),
                _ => {}
            }
        }
    }
    let tags = tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    let capabilities = deploy::capabilities(&parsed);
    let request = deploy::Request { template: source, parameters, tags, capabilities, creates_stack };
    let plan = deploy::plan(cf, stack_name, request).await?;
    let old = if creates_stack { None } else { Some(deploy::deployed_template(cf, stack_name).await?) };
    let properties = old.as_ref().map(|old| review::property_changes(old, &parsed)).unwrap_or_default();
    let changes = match &plan {
        Plan::ChangeSet { changes, .. } => changes.as_slice(),
        Plan::NoChanges | Plan::DeleteFailedCreate { .. } => &[],
    };
    let risks = Risks::assess(old.as_ref(), &parsed, changes);
    Ok(Prepared { stack_name: (*stack_name).to_owned(), plan, properties, parameters: notes, risks })
}

fn value_parameter(key: &str, value: &str) -> Parameter {
    Parameter::builder().parameter_key(key).parameter_value(value).build()
}

fn parameter(stack: &DescribedStack, key: &str) -> Option<String> {
    stack
        .parameters()
        .iter()
        .find(|p| p.parameter_key() == Some(key))
        .and_then(|p| p.parameter_value())
        .map(str::to_owned)
}

fn has_parameter(stack: &DescribedStack, key: &str) -> bool {
    stack.parameters().iter().any(|p| p.parameter_key() == Some(key))
}
