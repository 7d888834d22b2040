//! The commands that talk to AWS: diff, up, down, status, layer publish. `diff` and `status`
//! change nothing in the stack.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;

use anyhow::{Context as _, bail, ensure};
use aws_sdk_cloudformation::types::{Parameter, Stack, StackStatus, Tag};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, LayerVersionContentInput, Runtime};
use serde_json::{Value, json};

use crate::aws::Clients;
use crate::cli::{AwsArgs, BinaryArgs, Confirm, DeployArgs};
use crate::deploy::{self, Plan, ResourceChange};
use crate::local::warn;
use crate::options::{Arch, OriginAuth, StackArgs};
use crate::review::{self, PropertyChange, Risks};
use crate::{assets, binary, package, stack, urls};

/// CloudFormation's limit for a template passed in the request body.
const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// What `diff` and `up` share: the change set and what it means.
struct Prepared {
    clients: Clients,
    stack_name: String,
    plan: Plan,
    properties: Vec<PropertyChange>,
    parameters: Vec<String>,
    risks: Risks,
}

/// Whether this run may write: `diff` only creates (and deletes) its own change set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Intent {
    Preview,
    Deploy { rotate_secret: bool },
}

async fn prepare(
    aws: &AwsArgs,
    args: &StackArgs,
    intent: Intent,
    tags: &[(String, String)],
) -> anyhow::Result<Prepared> {
    let binary = binary::load(args.binary.as_deref(), args.arch)?;
    let options = args.validate(Some(binary.arch))?;
    warn(&options);
    let template = stack::template(&options);
    let template_json = template.to_json();
    ensure!(
        template_json.len() <= TEMPLATE_BODY_LIMIT,
        "the template is {} bytes; CloudFormation takes at most {TEMPLATE_BODY_LIMIT}",
        template_json.len()
    );
    let archive = package::function_zip(&binary.bytes)?;
    let clients = Clients::new(aws).await?;
    let cf = &clients.cloudformation;
    let stack_name = options.stack_name.clone();
    let mut existing = deploy::describe(cf, &stack_name).await?;
    if let Some(status) = existing.as_ref().and_then(|s| s.stack_status()).filter(|s| deploy::is_dead(s)) {
        match intent {
            Intent::Preview => bail!(
                "stack {stack_name} is in {} and can only be deleted: `lamux-deploy up` replaces it, \
                 `lamux-deploy down` deletes it",
                status.as_str()
            ),
            Intent::Deploy { .. } => {
                eprintln!("stack {stack_name} is in {}; deleting it to start again", status.as_str());
                deploy::delete(cf, &stack_name).await?;
                existing = None;
            }
        }
    }
    let creates_stack = existing.as_ref().is_none_or(|s| s.stack_status() == Some(&StackStatus::ReviewInProgress));
    let bucket = assets::bucket(&clients).await?;
    let key = match intent {
        Intent::Deploy { .. } => {
            assets::ensure_bucket(&clients, &bucket).await?;
            // The code a rollback would return to stays as long as the new code.
            if let Some(previous) = existing.as_ref().and_then(|s| parameter(s, stack::CODE_KEY)) {
                assets::refresh(&clients, &bucket, &previous).await?;
            }
            assets::upload(&clients, &bucket, "bootstrap", &archive).await?
        }
        Intent::Preview => archive.key("bootstrap"),
    };
    let mut parameters =
        vec![value_parameter(stack::CODE_BUCKET, &bucket.name), value_parameter(stack::CODE_KEY, &key)];
    let mut parameter_notes = Vec::new();
    if options.origin_auth == OriginAuth::Secret {
        let kept = existing.as_ref().is_some_and(|s| has_parameter(s, stack::ORIGIN_SECRET));
        match intent {
            Intent::Deploy { rotate_secret: false } | Intent::Preview if kept => parameters
                .push(Parameter::builder().parameter_key(stack::ORIGIN_SECRET).use_previous_value(true).build()),
            _ => {
                parameters.push(value_parameter(stack::ORIGIN_SECRET, &new_secret()?));
                parameter_notes.push(format!(
                    "    {}: {}",
                    stack::ORIGIN_SECRET,
                    if kept { "a new secret (rotated)" } else { "a new secret" }
                ));
            }
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
                Some(old) if old != value && old != "****" => {
                    parameter_notes.push(format!("    {name}: {old} -> {value}"))
                }
                _ => {}
            }
        }
    }
    let tags = tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    let request = deploy::Request { template: &template_json, parameters, tags, creates_stack };
    let plan = deploy::plan(cf, &stack_name, request).await?;
    let new: Value = serde_json::from_str(&template_json).context("the template is not JSON")?;
    let old = if creates_stack { None } else { Some(deploy::deployed_template(cf, &stack_name).await?) };
    let properties = old.as_ref().map(|old| review::property_changes(old, &new)).unwrap_or_default();
    let changes = match &plan {
        Plan::ChangeSet { changes, .. } => changes.as_slice(),
        Plan::NoChanges => &[],
    };
    let risks = Risks::assess(old.as_ref(), &new, changes);
    Ok(Prepared { clients, stack_name, plan, properties, parameters: parameter_notes, risks })
}

fn value_parameter(key: &str, value: &str) -> Parameter {
    Parameter::builder().parameter_key(key).parameter_value(value).build()
}

fn parameter(stack: &Stack, key: &str) -> Option<String> {
    stack
        .parameters()
        .iter()
        .find(|p| p.parameter_key() == Some(key))
        .and_then(|p| p.parameter_value())
        .map(str::to_owned)
}

fn has_parameter(stack: &Stack, key: &str) -> bool {
    stack.parameters().iter().any(|p| p.parameter_key() == Some(key))
}

/// 32 bytes from the operating system's generator, as 64 hex digits.
fn new_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("cannot generate the origin secret: {err}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn show(prepared: &Prepared, changes: &[ResourceChange]) {
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

pub async fn diff(aws: &AwsArgs, args: &StackArgs) -> anyhow::Result<()> {
    let prepared = prepare(aws, args, Intent::Preview, &[]).await?;
    match &prepared.plan {
        Plan::NoChanges => println!("no changes to stack {}", prepared.stack_name),
        Plan::ChangeSet { id, creates_stack, changes } => {
            show(&prepared, changes);
            let cf = &prepared.clients.cloudformation;
            deploy::discard(cf, &prepared.stack_name, id, *creates_stack).await?;
        }
    }
    Ok(())
}

pub async fn up(aws: &AwsArgs, args: &StackArgs, deploy_args: &DeployArgs, confirm: Confirm) -> anyhow::Result<()> {
    let intent = Intent::Deploy { rotate_secret: deploy_args.rotate_origin_secret };
    let prepared = prepare(aws, args, intent, &deploy_args.tags).await?;
    let cf = &prepared.clients.cloudformation;
    let stack_name = &prepared.stack_name;
    match &prepared.plan {
        Plan::NoChanges => println!("no changes to stack {stack_name}"),
        Plan::ChangeSet { id, creates_stack, changes } => {
            show(&prepared, changes);
            let reasons = review::approval_reasons(deploy_args.require_approval, &prepared.risks, changes);
            let answer = if reasons.is_empty() {
                Ok(true)
            } else {
                approved(confirm, &format!("deploy these changes to stack {stack_name}?"))
            };
            if !matches!(answer, Ok(true)) {
                // Refused or not asked: nothing of this change set stays behind.
                deploy::discard(cf, stack_name, id, *creates_stack).await?;
                answer?;
                bail!("not deployed");
            }
            deploy::execute(cf, stack_name, id).await?;
        }
    }
    if let Some(on) = deploy_args.termination_protection {
        cf.update_termination_protection()
            .stack_name(stack_name)
            .enable_termination_protection(on)
            .send()
            .await
            .context("cannot set termination protection")?;
        eprintln!("termination protection {}", if on { "on" } else { "off" });
    }
    let outputs = deploy::outputs(cf, stack_name).await?;
    print_outputs(&outputs);
    if let Some(path) = &deploy_args.outputs_file {
        let json = serde_json::to_string_pretty(&outputs_json(&outputs)).context("outputs")? + "\n";
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

pub async fn down(aws: &AwsArgs, stack_name: &str, confirm: Confirm) -> anyhow::Result<()> {
    let clients = Clients::new(aws).await?;
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

pub async fn status(aws: &AwsArgs, stack_name: &str, binary_path: Option<&Path>, json_out: bool) -> anyhow::Result<()> {
    let clients = Clients::new(aws).await?;
    let cf = &clients.cloudformation;
    let Some(described) = deploy::describe(cf, stack_name).await? else {
        bail!("there is no stack {stack_name}");
    };
    let status = described.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
    let hint = described.stack_status().filter(|s| deploy::is_dead(s)).map(|_| {
        "this stack can only be deleted: `lamux-deploy up` replaces it, `lamux-deploy down` deletes it".to_owned()
    });
    let outputs = deploy::outputs_of(&described);
    let code = match binary_path {
        Some(path) => Some(code_status(&clients, stack_name, path).await?),
        None => None,
    };
    if json_out {
        let report = json!({
            "stack": stack_name,
            "status": status,
            "terminationProtection": described.enable_termination_protection().unwrap_or(false),
            "hint": hint,
            "outputs": outputs_json(&outputs),
            "code": code.as_ref().map(|(up_to_date, sha)| json!({"upToDate": up_to_date, "deployedCodeSha256": sha})),
        });
        println!("{}", serde_json::to_string_pretty(&report).context("status")?);
        return Ok(());
    }
    println!("stack {stack_name}: {status}");
    if let Some(hint) = hint {
        println!("{hint}");
    }
    print_outputs(&outputs);
    match (code, binary_path) {
        (Some((true, _)), _) => println!("code: up to date"),
        (Some((false, sha)), Some(path)) => {
            println!("code: differs from {} (deployed CodeSha256 {sha}); run `lamux-deploy up`", path.display())
        }
        _ => println!("code: pass --binary to compare the deployed code with a local build"),
    }
    Ok(())
}

/// Whether the deployed code is the zip of the binary at `path`, and the deployed CodeSha256.
async fn code_status(clients: &Clients, stack_name: &str, path: &Path) -> anyhow::Result<(bool, String)> {
    let local = package::function_zip(&binary::load(Some(path), None)?.bytes)?;
    let resource = clients
        .cloudformation
        .describe_stack_resource()
        .stack_name(stack_name)
        .logical_resource_id(stack::FUNCTION)
        .send()
        .await
        .context("cannot find the function in the stack")?;
    let function = resource.stack_resource_detail().and_then(|d| d.physical_resource_id()).context("no function id")?;
    let deployed = clients
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .context("cannot read the function")?;
    // Lambda reports CodeSha256 as the base64 of the zip's SHA-256.
    let deployed_sha = deployed.code_sha256().unwrap_or_default().to_owned();
    Ok((deployed_sha == local.code_sha256(), deployed_sha))
}

pub async fn urls(aws: &AwsArgs, stack_name: &str, json_out: bool) -> anyhow::Result<()> {
    let clients = Clients::new(aws).await?;
    let cf = &clients.cloudformation;
    if deploy::describe(cf, stack_name).await?.is_none() {
        bail!("there is no stack {stack_name}");
    }
    let scope = urls::Scope::from_template(&deploy::deployed_template(cf, stack_name).await?)?;
    urls::check_listing(&scope)?;
    let functions = match scope.fixed_function() {
        Some(function) => vec![function.to_owned()],
        None => list_functions(&clients).await?,
    };
    let mut listed = Vec::new();
    for function in functions {
        let mut aliases = Vec::new();
        let mut pages = clients.lambda.list_aliases().function_name(&function).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.with_context(|| format!("cannot list the aliases of {function}"))?;
            for alias in page.aliases() {
                if let (Some(name), Some(version)) = (alias.name(), alias.function_version()) {
                    aliases.push((name.to_owned(), version.to_owned()));
                }
            }
        }
        listed.push(urls::Listed { function, aliases });
    }
    let reachable = scope.reachable(&listed);
    if !scope.custom_domain {
        eprintln!(
            "note: the distribution has no custom domain (--certificate-arn): these names reach lamux once \
             *.SUFFIX has a certificate and DNS"
        );
    }
    if json_out {
        println!("{}", serde_json::to_string_pretty(&reachable).context("urls")?);
    } else if reachable.is_empty() {
        println!("no alias is reachable: publish one that the stack allows");
    } else {
        for found in &reachable {
            println!("{}  ({}:{} -> version {})", found.url, found.function, found.alias, found.version);
        }
    }
    Ok(())
}

/// Every function in the account and region.
async fn list_functions(clients: &Clients) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut pages = clients.lambda.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.context("cannot list functions")?;
        names.extend(page.functions().iter().filter_map(|f| f.function_name()).map(str::to_owned));
    }
    Ok(names)
}

pub async fn layer_publish(
    aws: &AwsArgs,
    args: &BinaryArgs,
    layer_name: &str,
    share_with: Option<&str>,
) -> anyhow::Result<()> {
    let binary = binary::load(args.binary.as_deref(), args.arch)?;
    let archive = package::layer_zip(&binary.bytes)?;
    let clients = Clients::new(aws).await?;
    let architecture = match binary.arch {
        Arch::X86_64 => Architecture::X8664,
        Arch::Arm64 => Architecture::Arm64,
    };
    let published = clients
        .lambda
        .publish_layer_version()
        .layer_name(layer_name)
        .description(format!("lamux {} extension ({})", env!("CARGO_PKG_VERSION"), binary.arch.lambda_name()))
        .content(LayerVersionContentInput::builder().zip_file(Blob::new(archive.bytes)).build())
        .compatible_runtimes(Runtime::Providedal2023)
        .compatible_runtimes(Runtime::Providedal2)
        .compatible_architectures(architecture)
        .license_info("MIT")
        .send()
        .await
        .context("cannot publish the layer")?;
    let arn = published.layer_version_arn().context("no layer version ARN")?.to_owned();
    if let Some(share) = share_with {
        let principal = if share == "public" { "*" } else { share };
        ensure!(
            principal == "*" || (principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit())),
            "--share-with takes a 12-digit account id or `public`"
        );
        clients
            .lambda
            .add_layer_version_permission()
            .layer_name(layer_name)
            .version_number(published.version())
            .statement_id(format!("lamux-share-{}", if principal == "*" { "public" } else { principal }))
            .action("lambda:GetLayerVersion")
            .principal(principal)
            .send()
            .await
            .context("cannot share the layer version")?;
        println!("shared with {share}");
    }
    println!("{arn}");
    Ok(())
}

fn print_outputs(outputs: &[(String, String)]) {
    for (key, value) in outputs {
        println!("{key}: {value}");
    }
}

fn outputs_json(outputs: &[(String, String)]) -> Value {
    Value::Object(outputs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// `--yes`, or an answer at a terminal; without either, refuse rather than guess.
fn approved(confirm: Confirm, question: &str) -> anyhow::Result<bool> {
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
