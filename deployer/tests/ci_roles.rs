//! Issue 28: the roles `--github-repo` makes, checked by evaluating their policies as IAM
//! does (an explicit Deny wins, then an Allow, else denied) with a small evaluator of our own.
//! The preview role cannot change `live` or the function's configuration, and can make every
//! call that the preview commands make, as recorded on their way to moto.

#![allow(clippy::expect_used)]

mod support;

use std::process::Command;

use serde_json::Value;
use support::recorder::Recorder;
use support::{ACCOUNT, binary, deploy, deploy_with, moto, stdout, tempdir, up_args};
use wildmatch::WildMatch;

const LAMUX_FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:lamux-function";

/// The template `synth` renders for these flags.
fn synth(flags: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_lamux-deploy"))
        .args(["--config", "/dev/null", "synth", "--domain-suffix", "example.com"])
        .args(flags)
        .env_remove("LAMUX_DOMAIN_SUFFIX")
        .output()
        .expect("runs");
    assert!(output.status.success(), "synth: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// A template value with its intrinsics resolved as in account 123456789012, us-east-1,
/// stack `lamux`.
fn resolve(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(resolve).collect()),
        Value::Object(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next().expect("one");
            match (key.as_str(), arg) {
                ("Fn::Sub", Value::String(text)) => Value::String(
                    text.replace("${AWS::Partition}", "aws")
                        .replace("${AWS::Region}", "us-east-1")
                        .replace("${AWS::AccountId}", ACCOUNT)
                        .replace("${AWS::StackName}", "lamux"),
                ),
                ("Fn::GetAtt", Value::Array(parts)) if parts[0] == "LamuxFunction" => Value::from(LAMUX_FUNCTION),
                ("Ref", Value::String(id)) => Value::from(format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{id}")),
                _ => Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(v))).collect()),
            }
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(v))).collect()),
        other => other.clone(),
    }
}

/// Every statement of `role`'s inline policies, resolved.
fn statements(template: &Value, role: &str) -> Vec<Value> {
    let policies = template["Resources"][role]["Properties"]["Policies"].as_array().expect("policies");
    policies
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().cloned().unwrap_or_default())
        .map(|s| resolve(&s))
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Allowed,
    ExplicitlyDenied,
    ImplicitlyDenied,
}

fn list(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// IAM's order for one identity policy without conditions: a matching Deny, else a matching
/// Allow, else denied. Actions match without case, resources with it; `*` and `?` are globs.
fn decide(statements: &[Value], action: &str, resource: &str) -> Decision {
    let matches = |statement: &Value| {
        let action_ok = list(&statement["Action"])
            .iter()
            .any(|pattern| WildMatch::new(&pattern.to_ascii_lowercase()).matches(&action.to_ascii_lowercase()));
        let resource_ok = list(&statement["Resource"]).iter().any(|pattern| WildMatch::new(pattern).matches(resource));
        action_ok && resource_ok
    };
    if statements.iter().any(|s| s["Effect"] == "Deny" && matches(s)) {
        Decision::ExplicitlyDenied
    } else if statements.iter().any(|s| s["Effect"] == "Allow" && matches(s)) {
        Decision::Allowed
    } else {
        Decision::ImplicitlyDenied
    }
}

fn function(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

const FLAGS: [&str; 8] = [
    "--function-name",
    "web",
    "--github-repo",
    "acme/web",
    "--github-protect",
    "live,prod*",
    "--allow-alias",
    "live,pr*",
];

#[test]
fn the_preview_role_can_never_change_production() {
    let template = synth(&FLAGS);
    let preview = statements(&template, "LamuxPreviewRole");
    let web = function("web");
    for alias in ["live", "production", "prod2"] {
        for action in ["lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:CreateAlias"] {
            assert_eq!(
                decide(&preview, action, &format!("{web}:{alias}")),
                Decision::ExplicitlyDenied,
                "{action} {alias}"
            );
        }
    }
    for resource in [web.clone(), format!("{web}:live"), format!("{web}:7")] {
        let decision = decide(&preview, "lambda:UpdateFunctionConfiguration", &resource);
        assert_eq!(decision, Decision::ExplicitlyDenied, "{resource}");
    }
    // Alias changes are allowed on preview names alone; the function itself never goes.
    assert_eq!(decide(&preview, "lambda:UpdateAlias", &format!("{web}:pr42")), Decision::Allowed);
    assert_eq!(decide(&preview, "lambda:UpdateAlias", &format!("{web}:staging")), Decision::ImplicitlyDenied);
    assert_eq!(decide(&preview, "lambda:UpdateAlias", &web), Decision::ImplicitlyDenied);
    assert_eq!(decide(&preview, "lambda:DeleteFunction", &web), Decision::ImplicitlyDenied);
    assert_eq!(decide(&preview, "lambda:DeleteFunction", &format!("{web}:7")), Decision::Allowed);
    // Nothing on other functions, nothing on lamux's own but reading its canary.
    assert_eq!(decide(&preview, "lambda:UpdateFunctionCode", &function("api")), Decision::ImplicitlyDenied);
    assert_eq!(decide(&preview, "lambda:UpdateFunctionConfiguration", LAMUX_FUNCTION), Decision::ImplicitlyDenied);
    assert_eq!(decide(&preview, "lambda:GetFunctionConfiguration", LAMUX_FUNCTION), Decision::Allowed);
    assert_eq!(decide(&preview, "iam:PassRole", "*"), Decision::ImplicitlyDenied);

    let release = statements(&template, "LamuxReleaseRole");
    assert_eq!(decide(&release, "lambda:UpdateAlias", &format!("{web}:live")), Decision::Allowed);
    assert_eq!(decide(&release, "lambda:UpdateFunctionCode", &web), Decision::ImplicitlyDenied);
    assert_eq!(decide(&release, "lambda:DeleteFunction", &format!("{web}:1")), Decision::ImplicitlyDenied);
}

/// The trust policies admit exactly the subjects the example workflow's token jobs present.
#[test]
fn the_roles_trust_exactly_the_workflows_subjects() {
    let template = synth(&FLAGS);
    let trust = |role: &str| resolve(&template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]);
    let preview = trust("LamuxPreviewRole");
    let condition = &preview["Statement"][0]["Condition"];
    assert_eq!(condition["StringEquals"]["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
    assert_eq!(
        condition["StringLike"]["token.actions.githubusercontent.com:sub"],
        serde_json::json!(["repo:acme/web:environment:pr-*", "repo:acme/web:ref:refs/heads/main"])
    );
    assert_eq!(preview["Statement"][0]["Action"], "sts:AssumeRoleWithWebIdentity");
    let subjects = list(&condition["StringLike"]["token.actions.githubusercontent.com:sub"]);
    for presented in
        ["repo:acme/web:pull_request", "repo:acme/web:environment:production", "repo:evil/web:environment:pr-1"]
    {
        assert!(!subjects.iter().any(|s| WildMatch::new(s).matches(presented)), "{presented} is not admitted");
    }
    let release = trust("LamuxReleaseRole");
    assert_eq!(
        release["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
        serde_json::json!(["repo:acme/web:environment:production"])
    );
    assert!(template["Resources"]["LamuxGithubOidcProvider"].is_object(), "made unless one is given");
    let existing = synth(
        &[
            &FLAGS[..],
            &[
                "--github-oidc-provider-arn",
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            ],
        ]
        .concat(),
    );
    assert!(existing["Resources"].get("LamuxGithubOidcProvider").is_none(), "one provider per account");
    assert!(existing["Outputs"]["PreviewRoleArn"].is_object() && existing["Outputs"]["ReleaseRoleArn"].is_object());
}

/// An IAM action and the resource it is authorized on, for a Lambda or CloudFormation call
/// as it went on the wire.
fn action_of(head: &str, body: &[u8], created: &str) -> Option<(String, String)> {
    let line = head.lines().next()?;
    let mut words = line.split_whitespace();
    let (method, target) = (words.next()?, words.next()?);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let qualifier = query.split('&').find_map(|p| p.strip_prefix("qualifier=")).map(str::to_owned);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lambda = |action: &str, name: &str, qualifier: Option<String>| {
        let resource = match qualifier {
            Some(q) => format!("{}:{q}", function(name)),
            None => function(name),
        };
        Some((format!("lambda:{action}"), resource))
    };
    match (method, parts.as_slice()) {
        ("post", [""]) => {
            let form = String::from_utf8_lossy(body);
            let action = form.split('&').find_map(|p| p.strip_prefix("Action="))?;
            Some((
                format!("cloudformation:{action}"),
                format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/lamux/x"),
            ))
        }
        ("get", [_, "functions"]) => Some(("lambda:ListFunctions".into(), "*".into())),
        ("get", [_, "event-source-mappings"]) => Some(("lambda:ListEventSourceMappings".into(), "*".into())),
        ("get", [_, "functions", name]) => lambda("GetFunction", name, qualifier),
        ("delete", [_, "functions", name]) => lambda("DeleteFunction", name, qualifier),
        ("get", [_, "functions", name, "configuration"]) => lambda("GetFunctionConfiguration", name, qualifier),
        ("put", [_, "functions", name, "code"]) => lambda("UpdateFunctionCode", name, None),
        ("post", [_, "functions", name, "versions"]) => lambda("PublishVersion", name, None),
        ("get", [_, "functions", name, "versions"]) => lambda("ListVersionsByFunction", name, None),
        ("get", [_, "functions", name, "aliases"]) => lambda("ListAliases", name, None),
        ("post", [_, "functions", name, "aliases"]) => lambda("CreateAlias", name, Some(created.to_owned())),
        ("get", [_, "functions", name, "aliases", alias]) => lambda("GetAlias", name, Some((*alias).to_owned())),
        ("put", [_, "functions", name, "aliases", alias]) => lambda("UpdateAlias", name, Some((*alias).to_owned())),
        ("delete", [_, "functions", name, "aliases", alias]) => lambda("DeleteAlias", name, Some((*alias).to_owned())),
        ("get", [_, "functions", name, "policy"]) => lambda("GetPolicy", name, qualifier),
        ("get", [_, "functions", name, "provisioned-concurrency"]) => {
            lambda("ListProvisionedConcurrencyConfigs", name, None)
        }
        ("get", [_, "functions", name, "event-invoke-config", "list"]) => {
            lambda("ListFunctionEventInvokeConfigs", name, None)
        }
        _ => None,
    }
}

/// Every call `preview up|list|versions|down|prune` made on its way to moto is one the
/// preview role allows; every call `preview promote|rollback` made, one the release role
/// allows. A new call in the code without its permission fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: scripts/test starts it"]
async fn each_role_allows_every_call_its_commands_make() {
    let dir = tempdir("ci-roles");
    let web = "ci-roles-web";
    let stack_name = "lamux-ci-roles";
    let lamux = binary(&dir, stack_name).display().to_string();
    let provider = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
    let flags = ["--allow-function", web, "--allow-alias", "live,pr*", "--github-repo", "acme/web"];
    let flags = [&flags[..], &["--github-oidc-provider-arn", &provider, "--yes"]].concat();
    stdout(&deploy(&up_args(stack_name, &lamux, &flags)));
    let template = synth(&[&flags[..flags.len() - 1], &["--stack-name", stack_name]].concat());
    support::function_with_aliases(&role_for_functions(stack_name).await, web, &["live"]).await;
    let zip = dir.join("code.zip");
    std::fs::write(&zip, lamux_cdk::archive::function_zip(b"preview").expect("zip").bytes).expect("zip");
    let zip = zip.display().to_string();

    let previews = record(
        web,
        stack_name,
        &[
            &["up", "pr1", "--code", &zip],
            &["up", "pr1", "--code", &zip],
            &["list"],
            &["versions", "--min-age", "0s"],
            &["down", "pr1", "--min-age", "0s"],
            &["up", "pr2", "--code", &zip, "--ttl", "1s"],
            &["prune", "--expired", "--older-than", "0s", "--min-age", "0s", "--keep-versions", "0"],
            &["up", "pr3", "--code", &zip],
        ],
    )
    .await;
    let preview_role = statements(&template, "LamuxPreviewRole");
    // The recorder lowercases heads: lamux's generated function name, as the template names it.
    let lamux_arn = function(&physical_id(stack_name, "LamuxFunction").await);
    let as_templated =
        |resource: String| if resource.eq_ignore_ascii_case(&lamux_arn) { LAMUX_FUNCTION.to_owned() } else { resource };
    let mut checked = 0;
    for (head, body) in &previews {
        let Some((action, resource)) = action_of(head, body, "pr1") else { continue };
        let resource = as_templated(resource);
        let resource = if action == "lambda:CreateAlias" { created_alias(body, web) } else { resource };
        assert_eq!(decide(&preview_role, &action, &resource), Decision::Allowed, "{action} on {resource}");
        checked += 1;
    }
    assert!(checked >= 30, "the preview commands' calls were recorded: {checked}");

    let releases = record(web, stack_name, &[&["promote", "pr3"], &["rollback"]]).await;
    let release_role = statements(&template, "LamuxReleaseRole");
    let mut moved = 0;
    for (head, body) in &releases {
        let Some((action, resource)) = action_of(head, body, "live") else { continue };
        let resource = as_templated(resource);
        if action.starts_with("cloudformation:") {
            continue; // reading the stack for its scope: the release role may (EndCanary)
        }
        assert_eq!(decide(&release_role, &action, &resource), Decision::Allowed, "{action} on {resource}");
        if action == "lambda:UpdateAlias" {
            assert_eq!(decide(&preview_role, &action, &resource), Decision::ExplicitlyDenied, "{resource}");
        }
        moved += usize::from(action == "lambda:UpdateAlias");
    }
    assert_eq!(moved, 2, "promote and rollback each moved live once");
    stdout(&deploy(&["down", "--stack-name", stack_name, "--yes"]));
}

/// `preview COMMAND` for each command, through a relay that records every request.
async fn record(web: &str, stack_name: &str, commands: &[&[&str]]) -> Vec<(String, Vec<u8>)> {
    let (recorder, relay) = Recorder::start(moto()).await;
    let relayed = [("AWS_ENDPOINT_URL", format!("http://{relay}"))];
    for command in commands {
        let tail = ["--function", web, "--stack-name", stack_name];
        let args: Vec<&str> = ["preview"].iter().chain(command.iter()).chain(tail.iter()).copied().collect();
        stdout(&deploy_with(&args, None, &relayed));
    }
    recorder.requests()
}

/// CreateAlias names its alias in the body.
fn created_alias(body: &[u8], function_name: &str) -> String {
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    format!("{}:{}", function(function_name), request["Name"].as_str().unwrap_or_default())
}

/// The role of lamux's stack, which moto knows, for the test's function.
async fn role_for_functions(stack_name: &str) -> String {
    let cloudformation = aws_sdk_cloudformation::Client::new(&support::sdk_config());
    let role =
        cloudformation.describe_stack_resource().stack_name(stack_name).logical_resource_id("LamuxRole").send().await;
    let role = role.expect("role").stack_resource_detail().and_then(|d| d.physical_resource_id().map(str::to_owned));
    format!("arn:aws:iam::{ACCOUNT}:role/{}", role.expect("role name"))
}

async fn physical_id(stack_name: &str, logical_id: &str) -> String {
    let cloudformation = aws_sdk_cloudformation::Client::new(&support::sdk_config());
    let found =
        cloudformation.describe_stack_resource().stack_name(stack_name).logical_resource_id(logical_id).send().await;
    let found =
        found.expect("resource").stack_resource_detail().and_then(|d| d.physical_resource_id().map(str::to_owned));
    found.expect("a physical id")
}

/// The second layout (README "Isolation"): previews on a function of their own, with its own
/// role and environment. The preview role reaches that function alone; lamux may invoke both.
#[test]
fn a_separate_preview_function_keeps_previews_off_production() {
    let template = synth(&[
        "--allow-function",
        "web,web-preview",
        "--allow-alias",
        "live,pr*",
        "--github-repo",
        "acme/web",
        "--preview-function",
        "web-preview",
    ]);
    let preview = statements(&template, "LamuxPreviewRole");
    let (web, staging) = (function("web"), function("web-preview"));
    for action in ["lambda:UpdateFunctionCode", "lambda:PublishVersion", "lambda:GetFunctionConfiguration"] {
        assert_eq!(decide(&preview, action, &web), Decision::ImplicitlyDenied, "{action} on production");
        assert_eq!(decide(&preview, action, &staging), Decision::Allowed, "{action} on the preview function");
    }
    assert_eq!(decide(&preview, "lambda:UpdateAlias", &format!("{web}:pr1")), Decision::ImplicitlyDenied);
    assert_eq!(decide(&preview, "lambda:UpdateAlias", &format!("{staging}:pr1")), Decision::Allowed);
    let lamux_role = statements(&template, "LamuxRole");
    for target in [format!("{web}:live"), format!("{staging}:pr1")] {
        assert_eq!(decide(&lamux_role, "lambda:InvokeFunction", &target), Decision::Allowed, "lamux invokes {target}");
    }
    let variables = &template["Resources"]["LamuxFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(variables["LAMUX_ALLOW_FUNCTION"], "web,web-preview");
}
