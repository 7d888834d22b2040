//! `lamux-deploy preview up|list|down|prune`: flags to [`crate::preview`]'s operations, and
//! their results to lines, JSON, and `GITHUB_OUTPUT`. Nothing here decides anything.

use std::io::Write as _;
use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use lamux_cdk::archive::Archive;
use lamux_cdk::aws::AwsArgs;
use lamux_cdk::aws::Clients;
use lamux_cdk::deploy;
use lamux_cdk::deploy::Plan;
use serde::Serialize;

use crate::binary;
use crate::cli::{Confirm, Keeping, PreviewCommand, PreviewName, PreviewTarget};
use crate::preview::{self, Code, Pacing, Reach, Retired, Safety, Stale};
use crate::urls::Scope;

pub async fn run(aws: &AwsArgs, command: PreviewCommand) -> anyhow::Result<()> {
    let clients = aws.clients().await?;
    match command {
        PreviewCommand::Up { name, target, code, version, ttl, commit, branch, include_unmarked, json } => {
            let scope = scope(&clients, &target).await?;
            let function = function(&clients, &target, scope.as_ref()).await?;
            let name = alias_name(&name, &function, &target.branch_prefix)?;
            let code = match (code, version) {
                (_, Some(version)) => Code::Version(version.to_string()),
                (Some(path), None) => Code::Zip(load_code(&path)?),
                (None, None) => Code::Latest,
            };
            let request = preview::Up {
                function,
                name,
                code,
                ttl,
                commit,
                branch,
                protect: target.protect(),
                include_unmarked,
                pacing: Pacing::default(),
            };
            let published =
                preview::up(&clients.lambda, &request, reach(&target, scope.as_ref()), SystemTime::now()).await?;
            if published.republished > 0 {
                eprintln!(
                    "{} publication(s) of {} held other code (another publish came in between): published again",
                    published.republished, published.function
                );
            }
            let moved = match &published.previous_version {
                Some(previous) => format!("moved from version {previous}"),
                None => "created".to_owned(),
            };
            eprintln!(
                "alias {}:{} -> version {} ({moved}); expires {}",
                published.function,
                published.alias,
                published.version,
                humantime::format_rfc3339_seconds(published.marker.expires)
            );
            github_output(&[
                ("url", published.url.as_deref().unwrap_or_default()),
                ("alias", &published.alias),
                ("version", &published.version),
            ])?;
            if json {
                print_json(&published)
            } else {
                println!("{}", published.url.as_deref().unwrap_or(&published.alias));
                Ok(())
            }
        }
        PreviewCommand::List { target, json } => {
            let scope = scope(&clients, &target).await?;
            let functions = match function(&clients, &target, scope.as_ref()).await {
                Ok(function) => vec![function],
                Err(_) if target.function.is_none() => crate::remote::list_functions(&clients).await?,
                Err(err) => return Err(err),
            };
            let protect = target.protect();
            let mut previews = Vec::new();
            for function in &functions {
                previews
                    .extend(preview::list(&clients.lambda, function, &protect, reach(&target, scope.as_ref())).await?);
            }
            if json {
                return print_json(&previews);
            }
            let now = SystemTime::now();
            for found in &previews {
                println!("{}", list_line(found, now));
            }
            if previews.is_empty() {
                println!("no aliases");
            }
            Ok(())
        }
        PreviewCommand::Down { name, target, keep, include_unmarked, dry_run, json } => {
            let (scope, canaries) = stack_context(&clients, &target).await?;
            let function = function(&clients, &target, scope.as_ref()).await?;
            let name = alias_name(&name, &function, &target.branch_prefix)?;
            let safety = safety(&target, keep, canaries);
            let retired =
                preview::down(&clients.lambda, &function, &name, &safety, include_unmarked, dry_run, SystemTime::now())
                    .await?;
            if json { print_json(&retired) } else { print_retired(&retired, dry_run) }
        }
        PreviewCommand::Versions { target, keep, json } => {
            let (scope, canaries) = stack_context(&clients, &target).await?;
            let function = function(&clients, &target, scope.as_ref()).await?;
            let safety = safety(&target, keep, canaries);
            preview::lambda::require_function(&clients.lambda, &function).await?;
            let fates = preview::retire(&clients.lambda, &function, &[], &safety, true, SystemTime::now()).await?;
            if json { print_json(&fates) } else { print_versions(&fates) }
        }
        PreviewCommand::Canary { name, target, percent, end, base, confirm } => {
            canary(&clients, &target, &name, percent.filter(|_| !end), &base, confirm).await
        }
        PreviewCommand::Promote { name, target, to, end_canary, confirm, json } => {
            let (scope, canaries) = stack_context(&clients, &target).await?;
            let function = function(&clients, &target, scope.as_ref()).await?;
            let name = alias_name(&name, &function, &target.branch_prefix)?;
            if let Some(running) = canaries.iter().find(|c| c.alias == to && c.percent > 0) {
                let setting = format!("{}={}:{}", running.alias, running.target, running.percent);
                if !end_canary {
                    bail!(
                        "a canary of {to} is running ({setting}): pass --end-canary to end it first, or end it with \
                         `lamux-deploy preview canary {} --end --base {to}`",
                        running.target
                    );
                }
                let ending = PreviewName { name: Some(running.target.clone()), name_from_branch: None };
                canary(&clients, &target, &ending, None, &to, confirm).await?;
            }
            let moved = preview::release::promote(&clients.lambda, &function, &name, &to).await?;
            if json {
                print_json(&moved)
            } else {
                println!("{} (from {name})", moved.line("promoted"));
                Ok(())
            }
        }
        PreviewCommand::Rollback { target, alias, json } => {
            let scope = scope(&clients, &target).await?;
            let function = function(&clients, &target, scope.as_ref()).await?;
            let moved = preview::release::rollback(&clients.lambda, &function, &alias).await?;
            if json {
                print_json(&moved)
            } else {
                println!("{}", moved.line("rolled back"));
                Ok(())
            }
        }
        PreviewCommand::Prune { target, keep, expired, older_than, include_unmarked, dry_run, json } => {
            let (scope, canaries) = stack_context(&clients, &target).await?;
            let function = function(&clients, &target, scope.as_ref()).await?;
            let stale = Stale { expired, older_than, include_unmarked };
            let safety = safety(&target, keep, canaries);
            let (chosen, retired) =
                preview::prune(&clients.lambda, &function, &stale, &safety, dry_run, SystemTime::now()).await?;
            if json {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Pruned<'a> {
                    dry_run: bool,
                    stale: Vec<serde_json::Value>,
                    retired: &'a Retired,
                }
                let stale = chosen.iter().map(|(alias, reason)| serde_json::json!({"alias": alias, "reason": reason}));
                return print_json(&Pruned { dry_run, stale: stale.collect(), retired: &retired });
            }
            for (alias, reason) in &chosen {
                println!("{}{function}:{alias}: {reason}", if dry_run { "would remove " } else { "" });
            }
            if chosen.is_empty() {
                println!("no stale previews of {function}");
            }
            print_retired(&retired, dry_run)
        }
    }
}

/// What `down`, `prune` and `versions` keep: the flags, and the running canaries.
fn safety(target: &PreviewTarget, keep: Keeping, canaries: Vec<lamux::choose::Canary>) -> Safety {
    Safety {
        protect: target.protect(),
        canaries,
        keep_versions: keep.keep_versions,
        keep_live: keep.keep_live,
        min_age: keep.min_age,
    }
}

/// `preview canary`: the new setting, checked as lamux and the stack would, shown, asked
/// about, and deployed through a change set of the lamux stack.
async fn canary(
    clients: &Clients,
    target: &PreviewTarget,
    name: &PreviewName,
    percent: Option<u8>,
    base: &str,
    confirm: Confirm,
) -> anyhow::Result<()> {
    if target.no_stack {
        bail!("a canary lives in the lamux stack: `preview canary` needs it (drop --no-stack)");
    }
    let cf = &clients.cloudformation;
    let stack_name = &target.stack_name;
    let (described, template) = deployed(clients, stack_name).await?;
    let scope = Scope::from_template(&template).with_context(|| format!("stack {stack_name}"))?;
    let function = function(clients, target, Some(&scope)).await?;
    let name = alias_name(name, &function, &target.branch_prefix)?;
    preview::name::check(&name, &function)?;
    for alias in [base, name.as_str()] {
        scope.admit(&function, alias).map_err(|reason| anyhow::anyhow!("{function}:{alias}: {reason}"))?;
    }
    let current = preview::canary::deployed(&described).unwrap_or_default();
    let wanted =
        preview::canary::edit(&current, base, percent.map(|p| (name.as_str(), p))).map_err(anyhow::Error::msg)?;
    if wanted == current {
        println!("no change: the canary setting of stack {stack_name} is {current:?}");
        return Ok(());
    }
    println!("stack {stack_name}: {} {current:?} -> {wanted:?}", crate::stack::CANARY_PARAMETER);
    let plan = preview::canary::plan(cf, &described, &template, &wanted).await?;
    let Plan::ChangeSet { id, changes, .. } = plan else {
        println!("no changes to stack {stack_name}");
        return Ok(());
    };
    for change in &changes {
        println!("{change}");
    }
    // It moves production traffic: asked, like any change, unless --yes.
    let question = format!("move {base}'s clients on stack {stack_name}?");
    let answer = lamux_cdk::toolkit::approved(confirm, &question);
    if !matches!(answer, Ok(true)) {
        // Refused or not asked: the change set does not stay behind.
        deploy::discard(cf, stack_name, &id, false).await?;
        answer?;
        bail!("not changed");
    }
    deploy::execute(cf, stack_name, &id).await?;
    match percent {
        Some(percent) => println!("canary: {percent}% of {base}'s clients get {name} ({function}:{name})"),
        None => println!("canary of {base} ended"),
    }
    Ok(())
}

/// The deployed stack's scope, or `None` with `--no-stack`.
async fn scope(clients: &Clients, target: &PreviewTarget) -> anyhow::Result<Option<Scope>> {
    if target.no_stack {
        return Ok(None);
    }
    let (_, template) = deployed(clients, &target.stack_name).await?;
    Ok(Some(Scope::from_template(&template).with_context(|| format!("stack {}", target.stack_name))?))
}

/// The lamux stack as CloudFormation describes it, and the template it runs.
async fn deployed(
    clients: &Clients,
    stack_name: &str,
) -> anyhow::Result<(aws_sdk_cloudformation::types::Stack, serde_json::Value)> {
    let cf = &clients.cloudformation;
    let Some(described) = deploy::describe(cf, stack_name).await? else {
        bail!(
            "there is no stack {stack_name}: deploy lamux first (`lamux-deploy up`), name it with --stack-name, or \
             pass --no-stack when lamux runs some other way"
        );
    };
    Ok((described, deploy::deployed_template(cf, stack_name).await?))
}

fn reach<'a>(target: &'a PreviewTarget, scope: Option<&'a Scope>) -> Reach<'a> {
    match scope {
        Some(scope) => Reach::Stack(scope),
        None => Reach::Unchecked(target.domain_suffix.as_deref().map(|s| s.trim_matches('.'))),
    }
}

/// The deployed stack's scope and its running canaries (the `LamuxCanary` parameter and the
/// lamux function's own `LAMUX_CANARY`); nothing with `--no-stack`.
async fn stack_context(
    clients: &Clients,
    target: &PreviewTarget,
) -> anyhow::Result<(Option<Scope>, Vec<lamux::choose::Canary>)> {
    if target.no_stack {
        eprintln!("--no-stack: no canary is known, so none is kept from deletion: protect its aliases with --protect");
        return Ok((None, Vec::new()));
    }
    let (described, template) = deployed(clients, &target.stack_name).await?;
    let scope = Scope::from_template(&template).with_context(|| format!("stack {}", target.stack_name))?;
    let mut settings: Vec<String> = preview::canary::deployed(&described).into_iter().collect();
    let resource = clients
        .cloudformation
        .describe_stack_resource()
        .stack_name(&target.stack_name)
        .logical_resource_id(crate::stack::FUNCTION)
        .send()
        .await;
    let lamux_function =
        resource.ok().and_then(|r| r.stack_resource_detail()?.physical_resource_id().map(str::to_owned));
    if let Some(lamux_function) = lamux_function {
        let found = preview::lambda::configuration(&clients.lambda, &lamux_function, None).await?;
        let variables = found.environment().and_then(|e| e.variables());
        settings.extend(variables.and_then(|v| v.get("LAMUX_CANARY")).cloned());
    }
    let mut canaries = Vec::new();
    for setting in &settings {
        let parsed = preview::canary::parse(setting)
            .map_err(|err| anyhow::anyhow!("stack {}: its canary setting: {err}", target.stack_name))?;
        canaries.extend(parsed);
    }
    Ok((Some(scope), canaries))
}

/// `--function` (a name or an ARN, always used by name), or the stack's fixed function.
async fn function(clients: &Clients, target: &PreviewTarget, scope: Option<&Scope>) -> anyhow::Result<String> {
    let given = match (&target.function, scope.and_then(Scope::fixed_function)) {
        (Some(function), _) => function.clone(),
        (None, Some(fixed)) => fixed.to_owned(),
        (None, None) => {
            bail!("which function? pass --function, or set `function` in the [preview] table of lamux-deploy.toml")
        }
    };
    let (name, region, account) = preview::name::function_name(&given)?;
    if region.is_some() || account.is_some() {
        // The name finds the function of these credentials' account and region: the ARN's.
        let found = preview::lambda::configuration(&clients.lambda, &name, None).await?;
        let arn = found.function_arn().unwrap_or_default();
        let (found_region, found_account) =
            preview::name::function_name(arn).ok().map(|(_, region, account)| (region, account)).unwrap_or_default();
        let differs = |want: &Option<String>, have: &Option<String>| want.is_some() && want != have;
        if differs(&region, &found_region) || differs(&account, &found_account) {
            bail!("--function {given}: these credentials reach {arn}, another function; use that account and region");
        }
    }
    Ok(name)
}

fn alias_name(name: &PreviewName, function: &str, prefix: &str) -> anyhow::Result<String> {
    match (&name.name, &name.name_from_branch) {
        (Some(name), _) => Ok(name.clone()),
        (None, Some(branch)) => {
            let derived = preview::name::from_branch(branch, function, prefix)?;
            eprintln!("preview name for branch {branch}: {derived}");
            Ok(derived)
        }
        (None, None) => bail!("pass a preview NAME or --name-from-branch"),
    }
}

/// A zip as it is, or an executable zipped as `bootstrap`.
fn load_code(path: &Path) -> anyhow::Result<Archive> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read --code {}", path.display()))?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Archive::new(bytes));
    }
    let executable = binary::read(path, None)
        .with_context(|| format!("--code {}: neither a zip nor a Linux executable", path.display()))?;
    Ok(lamux_cdk::archive::function_zip(&executable.bytes)?)
}

fn list_line(found: &preview::Preview, now: SystemTime) -> String {
    let mut line = format!("{}:{} -> {}", found.function, found.alias, found.version);
    for extra in &found.additional_versions {
        line.push_str(&format!(" +{extra}"));
    }
    match &found.marker {
        Some(marker) => {
            line.push_str(&format!(
                "  created {} {} {}",
                humantime::format_rfc3339_seconds(marker.created),
                if marker.expired(now) { "expired" } else { "expires" },
                humantime::format_rfc3339_seconds(marker.expires)
            ));
            if let Some(commit) = &marker.commit {
                line.push_str(&format!("  commit {commit}"));
            }
            if let Some(branch) = &marker.branch {
                line.push_str(&format!("  branch {branch}"));
            }
        }
        None => line.push_str("  (no preview marker)"),
    }
    if found.protected {
        line.push_str("  protected");
    }
    match (&found.url, &found.unroutable) {
        (Some(url), _) => line.push_str(&format!("  {url}")),
        (None, Some(reason)) => line.push_str(&format!("  not routed: {reason}")),
        (None, None) => {}
    }
    line
}

fn print_retired(retired: &Retired, dry_run: bool) -> anyhow::Result<()> {
    let function = &retired.function;
    let verb = if dry_run { "would delete" } else { "deleted" };
    for alias in &retired.aliases {
        println!("{verb} alias {function}:{alias}");
    }
    for alias in &retired.aliases_gone {
        println!("alias {function}:{alias} was already gone");
    }
    for (alias, why) in &retired.aliases_kept {
        println!("kept alias {function}:{alias}: {why}");
    }
    let list = |versions: &[String]| versions.join(", ");
    if !retired.versions.is_empty() {
        println!("{verb} version(s) {} of {function}: nothing may still use them", list(&retired.versions));
    }
    if !retired.versions_gone.is_empty() {
        println!("version(s) {} of {function} were already gone", list(&retired.versions_gone));
    }
    if !retired.versions_in_use.is_empty() {
        println!(
            "kept version(s) {} of {function}: referenced again since they were listed",
            list(&retired.versions_in_use)
        );
    }
    for fate in &retired.versions_kept {
        println!("kept version {} of {function}: {}", fate.version, reasons(&fate.kept_by));
    }
    Ok(())
}

/// `preview versions`: one line per version, oldest first.
fn print_versions(retired: &Retired) -> anyhow::Result<()> {
    let function = &retired.function;
    let mut lines: Vec<(u64, String)> = retired
        .versions
        .iter()
        .map(|version| (version.parse().unwrap_or(0), format!("{function}:{version}  would be deleted by down/prune")))
        .chain(retired.versions_kept.iter().map(|fate| {
            (
                fate.version.parse().unwrap_or(0),
                format!("{function}:{}  kept: {}", fate.version, reasons(&fate.kept_by)),
            )
        }))
        .collect();
    lines.sort();
    for (_, line) in &lines {
        println!("{line}");
    }
    if lines.is_empty() {
        println!("{function} has no published versions");
    }
    Ok(())
}

fn reasons(kept_by: &[preview::orphans::Keep]) -> String {
    kept_by.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value).context("JSON")?);
    Ok(())
}

/// Append `key=value` lines to the file GitHub Actions names in `GITHUB_OUTPUT`, when set.
fn github_output(pairs: &[(&str, &str)]) -> anyhow::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_OUTPUT") else { return Ok(()) };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .with_context(|| format!("cannot open GITHUB_OUTPUT {}", Path::new(&path).display()))?;
    for (key, value) in pairs {
        // Values here are URLs, aliases and version numbers: never a newline.
        writeln!(file, "{key}={value}").context("cannot write GITHUB_OUTPUT")?;
    }
    Ok(())
}
