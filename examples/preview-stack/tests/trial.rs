//! Issue 30's "done when": the App a CDK user wrote (src/bin/trial.rs: two stacks, imports,
//! overrides before and after `current_version`, `Tags::of(&app)`, an aspect of its own, a
//! function that builds itself) goes through list, synth, diff, deploy of the importing stack
//! alone, status and destroy of the exporting stack alone against moto, in CDK's orders, and
//! its templates pass cfn-lint.

#![allow(clippy::expect_used)]

mod common;

use std::process::{Command, Output};

use common::{position, succeeds};
use serde_json::Value;

fn trial(name: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trial"))
        .args(args)
        .env("TRIAL_NAME", name)
        // The dev profile: the build is a test's, not a release's.
        .env("TRIAL_PROFILE", "dev")
        .envs(common::against_moto())
        .output()
        .expect("runs")
}

#[test]
#[ignore = "needs moto, cfn-lint and cargo-lambda: scripts/test has all three"]
fn a_cdk_users_app_goes_through_the_whole_loop_against_moto() {
    let (shared, app) = ("cdkuser-shared", "cdkuser-app");
    let run = |args: &[&str]| succeeds(trial("cdkuser", args), args);

    assert_eq!(run(&["list"]), format!("{shared}\n{app} (imports from {shared})\n"));

    let dir = std::env::temp_dir().join(format!("trial-{}", std::process::id()));
    let out = dir.to_str().expect("UTF-8");
    let written = run(&["synth", app, "--out", out]);
    assert!(written.contains(&format!("{shared}.template.json")), "and the stack it imports from:\n{written}");
    for stack in [shared, app] {
        let file = dir.join(format!("{stack}.template.json"));
        let lint = Command::new("cfn-lint").arg("--").arg(&file).output().expect("cfn-lint runs");
        let code = lint.status.code().expect("exit code");
        assert_eq!(code & 2, 0, "cfn-lint found errors in {stack}:\n{}", String::from_utf8_lossy(&lint.stdout));
    }
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{app}.template.json"))).expect("written"))
            .expect("JSON");
    let echo = &template["Resources"]["Echo"]["Properties"];
    assert_eq!(echo["MemorySize"], 512, "the override after the aspect has the last word");
    assert_eq!(echo["TracingConfig"]["Mode"], "Active");
    assert_eq!(echo["Tags"][0], serde_json::json!({"Key": "team", "Value": "payments"}), "Tags::of(&app)");
    assert_eq!(echo["LoggingConfig"]["LogGroup"]["Fn::ImportValue"], format!("{shared}:EchoLogs"));
    let printed = run(&["synth", app]);
    assert_eq!(serde_json::from_str::<Value>(&printed).expect("one template"), template, "the named stack alone");

    let diff = run(&["diff", app]);
    assert!(
        position(&diff, &format!("stack {shared}: 1 resource change(s)\n+ Add      EchoLogs"))
            < position(&diff, &format!("stack {app}: 4 resource change(s)\n+ Add      Echo (AWS::Lambda::Function)")),
        "both stacks, the one it imports from first:\n{diff}"
    );

    let deployed = run(&["deploy", app, "--yes"]);
    assert!(
        position(&deployed, &format!("stack {shared}: CREATE_COMPLETE"))
            < position(&deployed, &format!("stack {app}: CREATE_COMPLETE")),
        "the stack it imports from first:\n{deployed}"
    );
    let statuses: Vec<Value> = serde_json::from_str(&run(&["status", "--json"])).expect("JSON");
    let statuses: Vec<(&str, &str)> = statuses
        .iter()
        .map(|s| (s["stack"].as_str().unwrap_or_default(), s["status"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(statuses, [(shared, "CREATE_COMPLETE"), (app, "CREATE_COMPLETE")]);

    let destroyed = run(&["destroy", shared, "--yes"]);
    assert!(
        position(&destroyed, &format!("stack {app} deleted"))
            < position(&destroyed, &format!("stack {shared} deleted")),
        "the importing stack first:\n{destroyed}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
