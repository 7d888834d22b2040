//! The commands that talk to AWS: diff, up, down, status, layer publish. `diff` and `status`
//! change nothing in the stack.

use std::path::Path;

use anyhow::{Context as _, bail, ensure};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, LayerVersionContentInput, Runtime};
use lamux_cdk::aws::AwsArgs;
use lamux_cdk::aws::Clients;
use lamux_cdk::constructs::lambda::Architecture as Arch;
use lamux_cdk::deploy;
use lamux_cdk::engine::Deployment;
use lamux_cdk::error::AwsContext as _;
use lamux_cdk::toolkit::{self, outputs_json, print_outputs};
use lamux_cdk::tree::{AssetSource, Synthesized};
use serde_json::json;

use crate::cli::{BinaryArgs, Confirm, DeployArgs};
use crate::local::warn;
use crate::options::{StackArgs, StackOptions};
use crate::{binary, package, stack, urls};

/// `diff` and `up`: the stack from the options and the binary.
fn synthesize(args: &StackArgs) -> anyhow::Result<(StackOptions, Synthesized)> {
    let binary = binary::locate(args.choice())?;
    let options = args.validate(Some(binary.arch))?;
    warn(&options);
    let code = AssetSource::Archive(lamux_cdk::archive::function_zip(&binary.bytes)?);
    let synthesized = stack::synthesize(&options, code)?;
    Ok((options, synthesized))
}

fn deployment<'a>(
    options: &'a StackOptions,
    synthesized: &'a Synthesized,
    deploy_args: Option<&DeployArgs>,
) -> Deployment<'a> {
    let mut deployment = Deployment::new(&options.stack_name, synthesized);
    deployment.asset_prefix = stack::ASSET_PREFIX;
    if let Some(deploy_args) = deploy_args {
        deployment.tags.clone_from(&deploy_args.tags);
        deployment.rotate_secrets = deploy_args.rotate_origin_secret;
        deployment.finish_rotation = deploy_args.finish_rotation;
    }
    deployment
}

pub async fn diff(aws: &AwsArgs, args: &StackArgs) -> anyhow::Result<()> {
    let (options, synthesized) = synthesize(args)?;
    let clients = aws.clients().await?;
    Ok(toolkit::diff(&clients, &deployment(&options, &synthesized, None)).await?)
}

pub async fn up(aws: &AwsArgs, args: &StackArgs, deploy_args: &DeployArgs, confirm: Confirm) -> anyhow::Result<()> {
    let (options, synthesized) = synthesize(args)?;
    let clients = aws.clients().await?;
    crate::preflight::check(&clients.config, &options).await?;
    let deployment = deployment(&options, &synthesized, Some(deploy_args));
    let outputs = toolkit::deploy(&clients, &deployment, deploy_args.require_approval, confirm).await?;
    if let Some(on) = deploy_args.termination_protection {
        clients
            .cloudformation
            .update_termination_protection()
            .stack_name(&options.stack_name)
            .enable_termination_protection(on)
            .send()
            .await
            .aws("cannot set termination protection")?;
        eprintln!("termination protection {}", if on { "on" } else { "off" });
    }
    print_outputs(&outputs);
    if let Some(path) = &deploy_args.outputs_file {
        let json = serde_json::to_string_pretty(&outputs_json(&outputs)).context("outputs")? + "\n";
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

pub async fn down(aws: &AwsArgs, stack_name: &str, confirm: Confirm) -> anyhow::Result<()> {
    Ok(toolkit::destroy(&aws.clients().await?, stack_name, confirm).await?)
}

pub async fn status(aws: &AwsArgs, stack_name: &str, binary_path: Option<&Path>, json_out: bool) -> anyhow::Result<()> {
    let clients = aws.clients().await?;
    let cf = &clients.cloudformation;
    let Some(described) = deploy::describe(cf, stack_name).await? else {
        bail!("there is no stack {stack_name}");
    };
    let status = described.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
    let hint = described.stack_status().filter(|s| deploy::is_dead(s)).map(|status| {
        if *status == aws_sdk_cloudformation::types::StackStatus::DeleteFailed {
            "some resources of this stack could not be deleted and may still be live: delete or retain them, \
             then `lamux-deploy down`"
                .to_owned()
        } else {
            "this stack can only be deleted: `lamux-deploy up` replaces it (after asking), `lamux-deploy down` \
             deletes it"
                .to_owned()
        }
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
    let local = lamux_cdk::archive::function_zip(&binary::read(path, None)?.bytes)?;
    let resource = clients
        .cloudformation
        .describe_stack_resource()
        .stack_name(stack_name)
        .logical_resource_id(stack::FUNCTION)
        .send()
        .await
        .aws("cannot find the function in the stack")?;
    let function = resource.stack_resource_detail().and_then(|d| d.physical_resource_id()).context("no function id")?;
    let deployed = clients
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .aws("cannot read the function")?;
    // Lambda reports CodeSha256 as the base64 of the zip's SHA-256.
    let deployed_sha = deployed.code_sha256().unwrap_or_default().to_owned();
    Ok((deployed_sha == local.code_sha256(), deployed_sha))
}

pub async fn urls(aws: &AwsArgs, stack_name: &str, json_out: bool) -> anyhow::Result<()> {
    let clients = aws.clients().await?;
    let cf = &clients.cloudformation;
    let Some(described) = deploy::describe(cf, stack_name).await? else {
        bail!("there is no stack {stack_name}");
    };
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
            let page = page.aws(format!("cannot list the aliases of {function}"))?;
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
    if let Some(how) = &scope.alias_override {
        eprintln!(
            "note: the alias override is on ({how}): each of these hosts may answer with another alias the stack \
             allows"
        );
    }
    if let Some(canary) = crate::preview::canary::deployed(&described).filter(|v| !v.is_empty()) {
        eprintln!("note: sticky canary {canary}: that share of the alias's clients get the target");
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
pub async fn list_functions(clients: &Clients) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut pages = clients.lambda.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.aws("cannot list functions")?;
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
    let binary = binary::locate(args.choice())?;
    let archive = package::layer_zip(&binary.bytes)?;
    let clients = aws.clients().await?;
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
        .aws("cannot publish the layer")?;
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
            .aws("cannot share the layer version")?;
        println!("shared with {share}");
    }
    println!("{arn}");
    Ok(())
}
