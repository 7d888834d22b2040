//! The commands that talk to AWS: diff, up, down, status, layer publish.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::{Context as _, bail, ensure};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, LayerVersionContentInput, Runtime};

use crate::aws::Clients;
use crate::binary;
use crate::cli::{BinaryArgs, Confirm};
use crate::deploy::{self, Plan};
use crate::local::warn;
use crate::options::{Arch, StackArgs};
use crate::package;
use crate::stack;

/// CloudFormation's limit for a template passed in the request body.
const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// What `diff` and `up` share: the template, the uploaded code's location, the change set.
struct Prepared {
    clients: Clients,
    stack_name: String,
    plan: Plan,
}

async fn prepare(args: &StackArgs, upload: bool) -> anyhow::Result<Prepared> {
    let binary = binary::load(args.binary.as_deref(), args.arch)?;
    let options = args.validate(Some(binary.arch))?;
    warn(&options);
    let template = stack::template(&options).to_json();
    ensure!(
        template.len() <= TEMPLATE_BODY_LIMIT,
        "the template is {} bytes; CloudFormation takes at most {TEMPLATE_BODY_LIMIT}",
        template.len()
    );
    let archive = package::function_zip(&binary.bytes)?;
    let clients = Clients::from_env().await?;
    let bucket = crate::assets::bucket_name(&clients).await?;
    let key = if upload {
        crate::assets::ensure_bucket(&clients, &bucket).await?;
        crate::assets::upload(&clients, &bucket, "bootstrap", &archive).await?
    } else {
        archive.key("bootstrap")
    };
    let parameters = [(stack::CODE_BUCKET, bucket.as_str()), (stack::CODE_KEY, key.as_str())];
    let plan = deploy::plan(&clients.cloudformation, &options.stack_name, &template, &parameters).await?;
    Ok(Prepared { clients, stack_name: options.stack_name, plan })
}

fn show(stack_name: &str, changes: &[deploy::ResourceChange]) {
    println!("stack {stack_name}: {} resource change(s)", changes.len());
    for change in changes {
        println!("{change}");
    }
}

pub async fn diff(args: &StackArgs) -> anyhow::Result<()> {
    let Prepared { clients, stack_name, plan } = prepare(args, false).await?;
    match plan {
        Plan::NoChanges => println!("no changes to stack {stack_name}"),
        Plan::ChangeSet { id, creates_stack, changes } => {
            show(&stack_name, &changes);
            deploy::discard(&clients.cloudformation, &stack_name, &id, creates_stack).await?;
        }
    }
    Ok(())
}

pub async fn up(args: &StackArgs, confirm: Confirm) -> anyhow::Result<()> {
    let Prepared { clients, stack_name, plan } = prepare(args, true).await?;
    let cf = &clients.cloudformation;
    match plan {
        Plan::NoChanges => println!("no changes to stack {stack_name}"),
        Plan::ChangeSet { id, creates_stack, changes } => {
            show(&stack_name, &changes);
            if !confirmed(confirm, &format!("deploy these changes to stack {stack_name}?"))? {
                deploy::discard(cf, &stack_name, &id, creates_stack).await?;
                bail!("not deployed");
            }
            deploy::execute(cf, &stack_name, &id).await?;
        }
    }
    print_outputs(&deploy::outputs(cf, &stack_name).await?);
    Ok(())
}

pub async fn down(stack_name: &str, confirm: Confirm) -> anyhow::Result<()> {
    let clients = Clients::from_env().await?;
    let cf = &clients.cloudformation;
    if deploy::stack_status(cf, stack_name).await?.is_none() {
        println!("there is no stack {stack_name}");
        return Ok(());
    }
    if !confirmed(confirm, &format!("delete stack {stack_name} and everything in it?"))? {
        bail!("not deleted");
    }
    deploy::delete(cf, stack_name).await?;
    println!("stack {stack_name} deleted");
    Ok(())
}

pub async fn status(stack_name: &str, binary_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let clients = Clients::from_env().await?;
    let cf = &clients.cloudformation;
    let Some(status) = deploy::stack_status(cf, stack_name).await? else {
        bail!("there is no stack {stack_name}");
    };
    println!("stack {stack_name}: {status}");
    print_outputs(&deploy::outputs(cf, stack_name).await?);
    let Some(path) = binary_path else {
        println!("code: pass --binary to compare the deployed code with a local build");
        return Ok(());
    };
    let local = package::function_zip(&binary::load(Some(path), None)?.bytes)?;
    let resource = cf
        .describe_stack_resource()
        .stack_name(stack_name)
        .logical_resource_id("LamuxFunction")
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
    let deployed_sha = deployed.code_sha256().unwrap_or_default();
    if deployed_sha == local.code_sha256() {
        println!("code: up to date ({})", local.sha256);
    } else {
        println!("code: differs from {} (deployed CodeSha256 {deployed_sha}); run `lamux-deploy up`", path.display());
    }
    Ok(())
}

pub async fn layer_publish(args: &BinaryArgs, layer_name: &str, share_with: Option<&str>) -> anyhow::Result<()> {
    let binary = binary::load(args.binary.as_deref(), args.arch)?;
    let archive = package::layer_zip(&binary.bytes)?;
    let clients = Clients::from_env().await?;
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

/// `--yes`, or an answer at a terminal; without either, refuse rather than guess.
fn confirmed(confirm: Confirm, question: &str) -> anyhow::Result<bool> {
    if confirm.yes {
        return Ok(true);
    }
    ensure!(std::io::stdin().is_terminal(), "not asking without a terminal: pass --yes");
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
