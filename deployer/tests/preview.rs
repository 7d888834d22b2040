//! `lamux-deploy preview` against moto's Lambda (started by scripts/test), with the stand-ins
//! deployer/tests/moto/server.py lists: updates in progress and their conflicts, deletes of
//! what is gone or referenced, provisioned concurrency, and an interleaved publish.

#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::AliasRoutingConfiguration;
use serde_json::Value;
use support::{ACCOUNT, binary, command, deploy, deploy_with, failure, log, sdk_config, stdout, tempdir, up_args};

fn lambda() -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk_config())
}

/// A lamux stack under example.com that allows `function` at `live` and `pr*`, and the ARN
/// of its role, which the test's functions run as (moto wants a role it knows).
async fn stack(name: &str, function: &str, dir: &Path) -> String {
    let lamux = binary(dir, name).display().to_string();
    stdout(&deploy(&up_args(name, &lamux, &["--allow-function", function, "--allow-alias", "live,pr*", "--yes"])));
    let cloudformation = aws_sdk_cloudformation::Client::new(&sdk_config());
    let role = cloudformation.describe_stack_resource().stack_name(name).logical_resource_id("LamuxRole").send().await;
    let role = role.expect("role").stack_resource_detail().and_then(|d| d.physical_resource_id().map(str::to_owned));
    format!("arn:aws:iam::{ACCOUNT}:role/{}", role.expect("role name"))
}

/// A function whose version 1 runs `live`.
async fn function(role: &str, name: &str) {
    support::function_with_aliases(role, name, &["live"]).await;
}

/// A zip with `text` as its bootstrap, written to `dir`; its path and its CodeSha256.
fn code(dir: &Path, text: &str) -> (String, String) {
    let archive = lamux_cdk::archive::function_zip(text.as_bytes()).expect("zip");
    let path = dir.join(format!("{text}.zip"));
    std::fs::write(&path, &archive.bytes).expect("write zip");
    (path.display().to_string(), archive.code_sha256())
}

/// Every alias of `function` and the version it points at.
async fn aliases(function: &str) -> BTreeMap<String, String> {
    let listed = lambda().list_aliases().function_name(function).send().await.expect("aliases");
    listed
        .aliases()
        .iter()
        .map(|a| (a.name().expect("name").to_owned(), a.function_version().expect("version").to_owned()))
        .collect()
}

/// Every published version of `function`.
async fn versions(function: &str) -> Vec<String> {
    let listed = lambda().list_versions_by_function().function_name(function).send().await.expect("versions");
    listed.versions().iter().filter_map(|v| v.version()).filter(|v| *v != "$LATEST").map(str::to_owned).collect()
}

async fn code_of(function: &str, version: &str) -> String {
    let found = lambda().get_function_configuration().function_name(function).qualifier(version).send().await;
    found.expect("version").code_sha256().expect("sha").to_owned()
}

fn pairs(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output)).expect("JSON")
}

/// The loop a pull request takes: up, up again with new code, a second preview, list, down,
/// and a prune of an expired one; after each step, the aliases and versions that remain.
/// `live` is never touched.
#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn a_preview_from_up_to_prune() {
    let dir = tempdir("preview");
    let web = "preview-web";
    let role = stack("lamux-preview", web, &dir).await;
    function(&role, web).await;
    let (a, a_sha) = code(&dir, "a");
    let (b, b_sha) = code(&dir, "b");
    let live_sha = code_of(web, "1").await;
    let outputs = dir.join("github-output");
    let github = [("GITHUB_OUTPUT", outputs.display().to_string())];
    let preview = |args: &[&str]| -> Vec<String> {
        ["preview"].iter().chain(args).chain(&["--stack-name", "lamux-preview"]).map(|s| (*s).to_owned()).collect()
    };
    let run = |args: &[&str]| {
        let args = preview(args);
        deploy(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // up: a new alias at a new version, its URL in JSON and in GITHUB_OUTPUT.
    let args = preview(&[
        "up",
        "pr1",
        "--function",
        web,
        "--code",
        &a,
        "--commit",
        "4f2a9c1",
        "--branch",
        "feature/a",
        "--json",
    ]);
    let first = json(&deploy_with(&args.iter().map(String::as_str).collect::<Vec<_>>(), None, &github));
    assert_eq!(first["alias"], "pr1");
    assert_eq!(first["version"], "2");
    assert_eq!(first["url"], "https://pr1-preview-web.example.com/");
    assert_eq!(first["codeSha256"], a_sha.as_str());
    assert_eq!(first["marker"]["commit"], "4f2a9c1");
    assert_eq!(first["marker"]["branch"], "feature/a");
    let written = std::fs::read_to_string(&outputs).expect("GITHUB_OUTPUT");
    assert!(
        written.contains("url=https://pr1-preview-web.example.com/\n") && written.contains("alias=pr1\n"),
        "{written}"
    );
    assert_eq!(aliases(web).await, pairs(&[("live", "1"), ("pr1", "2")]));
    // up returned once the update finished and the version was active (the stand-in keeps
    // both in progress for a moment after the call).
    let latest = lambda().get_function_configuration().function_name(web).send().await.expect("$LATEST");
    assert_eq!(latest.last_update_status().map(|s| s.as_str()), Some("Successful"));
    let published = lambda().get_function_configuration().function_name(web).qualifier("2").send().await;
    assert_eq!(published.expect("version").state().map(|s| s.as_str()), Some("Active"));
    let description = lambda().get_alias().function_name(web).name("pr1").send().await.expect("alias");
    let description = description.description().expect("a marker").to_owned();
    assert!(description.starts_with("lamux-preview created=") && description.len() <= 256, "{description}");

    // up again with new code: the alias moves, its creation time stays.
    let again = json(&run(&["up", "pr1", "--function", web, "--code", &b, "--json"]));
    assert_eq!((again["version"].as_str(), again["previousVersion"].as_str()), (Some("3"), Some("2")));
    assert_eq!(again["marker"]["created"], first["marker"]["created"]);
    assert_eq!(code_of(web, "3").await, b_sha);

    // A second preview, from an executable zipped as bootstrap; text output is the URL.
    let executable = binary(&dir, "pr2code").display().to_string();
    let second = stdout(&run(&["up", "pr2", "--function", web, "--code", &executable]));
    assert_eq!(second.trim(), "https://pr2-preview-web.example.com/");
    assert_eq!(aliases(web).await, pairs(&[("live", "1"), ("pr1", "3"), ("pr2", "4")]));
    assert_eq!(versions(web).await, ["1", "2", "3", "4"]);

    // list: every alias, its marker, whether it is protected and routed.
    let listed = json(&run(&["list", "--function", web, "--json"]));
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.iter().map(|p| p["alias"].as_str().expect("alias")).collect::<Vec<_>>(), ["live", "pr1", "pr2"]);
    assert_eq!((listed[0]["protected"].as_bool(), listed[0]["marker"].is_null()), (Some(true), true));
    assert_eq!(listed[1]["marker"]["branch"], "feature/a");
    assert_eq!(listed[1]["url"], "https://pr1-preview-web.example.com/");
    assert_eq!(listed[2]["protected"], false);
    let text = stdout(&run(&["list", "--function", web]));
    assert!(text.contains("preview-web:pr1 -> 3  created ") && text.contains("branch feature/a"), "{text}");

    // down: the alias, and the versions nothing references (2 and 3; live holds 1, pr2 holds 4).
    let down = json(&run(&["down", "pr1", "--function", web, "--keep-versions", "0", "--min-age", "0s", "--json"]));
    assert_eq!(down["aliases"], serde_json::json!(["pr1"]));
    assert_eq!(down["versions"], serde_json::json!(["2", "3"]));
    assert_eq!(down["versionsInUse"], serde_json::json!([]), "never asked to delete a referenced version");
    assert_eq!(aliases(web).await, pairs(&[("live", "1"), ("pr2", "4")]));
    assert_eq!(versions(web).await, ["1", "4"]);
    // Again: already gone, exit 0.
    let repeated = stdout(&run(&["down", "pr1", "--function", web]));
    assert!(repeated.contains("alias preview-web:pr1 was already gone"), "{repeated}");

    // A provisioned concurrency config and a weighted live alias hold versions too.
    let expiring = json(&run(&["up", "pr3", "--function", web, "--code", &a, "--ttl", "1s", "--json"]));
    let pr3_version = expiring["version"].as_str().expect("version").to_owned();
    assert_eq!(pr3_version, "5");
    lambda()
        .put_provisioned_concurrency_config()
        .function_name(web)
        .qualifier("4")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect("provisioned concurrency");
    let canary = AliasRoutingConfiguration::builder().additional_version_weights("5", 0.1).build();
    lambda().update_alias().function_name(web).name("live").routing_config(canary).send().await.expect("weights");
    let (c, _) = code(&dir, "c");
    stdout(&run(&["up", "pr2", "--function", web, "--code", &c]));
    assert_eq!(aliases(web).await, pairs(&[("live", "1"), ("pr2", "6"), ("pr3", "5")]));
    // An alias another tool made, older than any limit, without a marker.
    lambda().create_alias().function_name(web).name("staging").function_version("1").send().await.expect("staging");

    // prune --expired: the plan first, then the removal of pr3; its version 5 stays (live's
    // weighted routing), as does 4 (provisioned concurrency).
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let plan = stdout(&run(&["prune", "--function", web, "--expired", "--keep-versions", "0", "--dry-run"]));
    assert!(plan.contains("would remove preview-web:pr3: expired at"), "{plan}");
    let removals: Vec<&str> = plan.lines().filter(|l| l.starts_with("would ")).collect();
    assert!(removals.iter().all(|l| !l.contains("pr2") && !l.contains("staging") && !l.contains("live")), "{plan}");
    assert!(plan.contains("kept version 4 of preview-web: provisioned concurrency"), "{plan}");
    assert!(plan.contains("kept version 5 of preview-web: alias live's weighted routing"), "{plan}");
    assert_eq!(aliases(web).await.len(), 4, "a dry run deletes nothing");
    let pruned =
        json(&run(&["prune", "--function", web, "--expired", "--keep-versions", "0", "--min-age", "0s", "--json"]));
    assert_eq!(pruned["stale"][0]["alias"], "pr3");
    assert_eq!(pruned["retired"]["versions"], serde_json::json!([]), "1, 4, 5 and 6 are all referenced");
    assert_eq!(aliases(web).await, pairs(&[("live", "1"), ("pr2", "6"), ("staging", "1")]));
    assert_eq!(versions(web).await, ["1", "4", "5", "6"]);
    // --older-than 0s removes every marked preview, never live, never staging unasked.
    stdout(&run(&["prune", "--function", web, "--older-than", "0s", "--keep-versions", "0", "--min-age", "0s"]));
    // down names one alias, but an alias another tool made still needs --include-unmarked.
    let unmarked = failure(&run(&["down", "staging", "--function", web]));
    assert!(unmarked.contains("has no preview marker"), "{unmarked}");
    assert_eq!(aliases(web).await, pairs(&[("live", "1"), ("staging", "1")]));
    assert_eq!(versions(web).await, ["1", "4", "5"], "6 was pr2's alone");
    assert_eq!(code_of(web, "1").await, live_sha, "live never moved");
    stdout(&deploy(&["down", "--stack-name", "lamux-preview", "--yes"]));
}

/// Bad names, a protected name and an alias the stack would not route are refused before
/// anything is published.
#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn refused_previews_publish_nothing() {
    let dir = tempdir("preview-refused");
    let web = "preview-refused";
    let role = stack("lamux-preview-refused", web, &dir).await;
    function(&role, web).await;
    let (a, _) = code(&dir, "a");
    for (name, expected) in [
        ("pr-1", "lower-case letters and digits"),
        ("PR1", "lower-case letters and digits"),
        ("42", "only digits"),
        ("live", "alias live is protected"),
        ("dev1", r#"allow-alias = ["dev*"]"#),
    ] {
        let args = ["preview", "up", name, "--function", web, "--code", &a, "--stack-name", "lamux-preview-refused"];
        let err = failure(&deploy(&args));
        assert!(err.contains(expected), "{name}: {err}");
    }
    let other = failure(&deploy(&[
        "preview",
        "up",
        "pr1",
        "--function",
        "other",
        "--code",
        &a,
        "--stack-name",
        "lamux-preview-refused",
    ]));
    assert!(other.contains(r#"allow-function = ["other"]"#), "{other}");
    let missing = failure(&deploy(&["preview", "down", "pr1", "--function", "preview-nosuch", "--no-stack"]));
    assert!(missing.contains("there is no function preview-nosuch here"), "{missing}");
    let protected = failure(&deploy(&["preview", "down", "live", "--function", web, "--no-stack"]));
    assert!(protected.contains("protected"), "{protected}");
    let config = dir.join("lamux-deploy.toml");
    std::fs::write(&config, "[preview]\nprotect = [\"live\", \"pr1\"]\n").expect("settings");
    let err = failure(&deploy_with(
        &["preview", "up", "pr1", "--function", web, "--code", &a, "--no-stack"],
        Some(&dir),
        &[],
    ));
    assert!(err.contains("protect = [\"pr1\"]"), "{err}");
    assert_eq!(versions(web).await, ["1"], "nothing was published");
    assert_eq!(aliases(web).await, pairs(&[("live", "1")]));
    stdout(&deploy(&["down", "--stack-name", "lamux-preview-refused", "--yes"]));
}

/// Two previews published at once share one $LATEST: each alias ends on a version of its own
/// code (the stand-in refuses an update while another is in progress). A publication that
/// held other code is published again. Two `down`s at once both end with exit 0.
#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn previews_at_once_each_get_their_own_code() {
    let dir = tempdir("preview-race");
    let role = stack("lamux-preview-race", "preview-race", &dir).await;
    let race = "preview-race";
    function(&role, race).await;
    let (a, a_sha) = code(&dir, "race-a");
    let (b, b_sha) = code(&dir, "race-b");
    let start = |name: &'static str, zip: &str| {
        let args =
            ["preview", "up", name, "--function", race, "--code", zip, "--no-stack", "--domain-suffix", "example.com"];
        let mut child = command(&args, None, &[]);
        let child = child.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn();
        (args.map(str::to_owned), child.expect("spawn"))
    };
    let runs = [start("pra", &a), start("prb", &b)];
    for (args, child) in runs {
        let output = child.wait_with_output().expect("ran");
        log(&args.iter().map(String::as_str).collect::<Vec<_>>(), &output);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let found = aliases(race).await;
    assert_eq!(code_of(race, &found["pra"]).await, a_sha);
    assert_eq!(code_of(race, &found["prb"]).await, b_sha);
    assert_ne!(found["pra"], found["prb"]);

    // Two downs at once.
    let downs = [0, 1].map(|_| {
        let args = ["preview", "down", "pra", "--function", race, "--no-stack", "--keep-versions", "0"];
        command(&args, None, &[]).stdout(std::process::Stdio::piped()).spawn().expect("spawn")
    });
    let said: String = downs
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("ran");
            assert!(output.status.success(), "both downs succeed");
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
        .collect();
    assert!(said.contains("deleted alias preview-race:pra"), "{said}");
    assert!(!aliases(race).await.contains_key("pra"));

    // The interleaving stand-in: the first publication holds $LATEST's earlier code.
    let interleaved = "preview-interleaved";
    function(&role, interleaved).await;
    let published =
        json(&deploy(&["preview", "up", "pr1", "--function", interleaved, "--code", &a, "--no-stack", "--json"]));
    assert_eq!(published["republished"], 1);
    assert_eq!(code_of(interleaved, published["version"].as_str().expect("version")).await, a_sha);
    assert_eq!(published["url"], Value::Null, "no stack, no suffix: no URL");

    // Without --code, $LATEST as another tool left it; with --version, a version as it is.
    let (x, x_sha) = code(&dir, "latest-x");
    let x_bytes = std::fs::read(&x).expect("zip");
    lambda().update_function_code().function_name(race).zip_file(Blob::new(x_bytes)).send().await.expect("update");
    let latest = json(&deploy(&["preview", "up", "prl", "--function", race, "--no-stack", "--json"]));
    assert_eq!(code_of(race, latest["version"].as_str().expect("version")).await, x_sha);
    stdout(&deploy(&["preview", "up", "prv", "--function", race, "--version", "1", "--no-stack"]));
    assert_eq!(aliases(race).await["prv"], "1");
    let missing = failure(&deploy(&["preview", "up", "prv", "--function", race, "--version", "99", "--no-stack"]));
    assert!(missing.contains("cannot read preview-race:99"), "{missing}");

    // A name from a branch, printed, and usable by down.
    let named = deploy(&[
        "preview",
        "up",
        "--name-from-branch",
        "feature/Login",
        "--function",
        race,
        "--code",
        &a,
        "--no-stack",
    ]);
    let said = String::from_utf8_lossy(&named.stderr).into_owned();
    let name = said.lines().find_map(|l| l.strip_prefix("preview name for branch feature/Login: ")).expect("printed");
    assert!(name.starts_with("brfeaturelogin") && aliases(race).await.contains_key(name), "{said}");
    stdout(&deploy(&["preview", "down", "--name-from-branch", "feature/Login", "--function", race, "--no-stack"]));
    assert!(!aliases(race).await.contains_key(name));
    stdout(&deploy(&["down", "--stack-name", "lamux-preview-race", "--yes"]));
}

/// Issue 23: `preview canary` starts, keeps and ends a sticky canary through the lamux
/// stack's LamuxCanary parameter; a later `up` without a canary setting leaves it running.
#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn a_canary_on_a_preview_is_started_kept_and_ended() {
    let dir = tempdir("preview-canary");
    let web = "preview-canary";
    let stack_name = "lamux-preview-canary";
    let role = stack(stack_name, web, &dir).await;
    function(&role, web).await;
    let (a, _) = code(&dir, "a");
    stdout(&deploy(&["preview", "up", "pr42", "--function", web, "--code", &a, "--stack-name", stack_name]));
    let lamux_function = |outputs: &str| support::output_value(outputs, "FunctionName").expect("FunctionName");
    let status = stdout(&deploy(&["status", "--stack-name", stack_name]));
    let lamux_function = lamux_function(&status);
    let canary = |extra: &[&str]| {
        let mut args = vec!["preview", "canary", "pr42", "--function", web, "--stack-name", stack_name];
        args.extend_from_slice(extra);
        deploy(&args)
    };
    let unasked = failure(&canary(&["--percent", "10"]));
    assert!(unasked.contains("pass --yes"), "{unasked}");
    assert_eq!(support::function_environment(&lamux_function).await["LAMUX_CANARY"], "", "nothing changed");
    let started = stdout(&canary(&["--percent", "10", "--yes"]));
    assert!(started.contains("10% of live's clients get pr42"), "{started}");
    assert_eq!(support::function_environment(&lamux_function).await["LAMUX_CANARY"], "live=pr42:10");
    let urls = deploy(&["urls", "--stack-name", stack_name]);
    assert!(String::from_utf8_lossy(&urls.stderr).contains("sticky canary live=pr42:10"));
    // An up without a canary setting keeps it.
    let binary = binary(&dir, stack_name).display().to_string();
    let flags = ["--allow-function", web, "--allow-alias", "live,pr*", "--memory", "256", "--yes"];
    stdout(&deploy(&up_args(stack_name, &binary, &flags)));
    assert_eq!(support::function_environment(&lamux_function).await["LAMUX_CANARY"], "live=pr42:10");
    let refused = failure(&deploy(&[
        "preview",
        "canary",
        "dev1",
        "--percent",
        "5",
        "--function",
        web,
        "--stack-name",
        stack_name,
        "--yes",
    ]));
    assert!(refused.contains(r#"allow-alias = ["dev*"]"#), "{refused}");
    let ended = stdout(&canary(&["--end", "--yes"]));
    assert!(ended.contains("canary of live ended"), "{ended}");
    assert_eq!(support::function_environment(&lamux_function).await["LAMUX_CANARY"], "");
    stdout(&deploy(&["down", "--stack-name", stack_name, "--yes"]));
}
