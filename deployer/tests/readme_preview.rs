//! Issue 28: the README's "Preview environments" walk-through printed output that no run
//! produced ("3, 4 deleted; 7, 5 kept (--keep-versions 3)"). Its step 4 now runs here,
//! command by command, against moto, and every line it shows must be one lamux-deploy
//! printed (times aside).

#![allow(clippy::expect_used)]

mod support;

use support::{binary, deploy_with, stdout, tempdir, up_args};

/// Step 4's console block: each command with the lines shown after it.
fn walk_through() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
    let start = readme.find("4. **A preview, its promotion, and a rollback**").expect("step 4");
    let block = &readme[start..];
    let block = &block[block.find("```console").expect("console block") + "```console".len()..];
    let block = &block[..block.find("```").expect("block end")];
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command.to_owned(), Vec::new())),
            None => steps.last_mut().expect("a command first").1.push(line.to_owned()),
        }
    }
    steps
}

/// Times differ from run to run.
fn without_times(line: &str) -> String {
    line.split_whitespace()
        .map(|word| if word.len() >= 20 && word.as_bytes()[4] == b'-' && word.contains('T') { "TIME" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn the_readme_walk_through_prints_what_it_shows() {
    let dir = tempdir("readme-preview");
    let stack = "lamux-readme";
    let lamux = binary(&dir, stack).display().to_string();
    let flags = ["--allow-function", "web", "--allow-alias", "live,pr*,br*", "--github-repo", "acme/web", "--yes"];
    stdout(&deploy_with(&up_args(stack, &lamux, &flags), None, &[]));
    let cloudformation = aws_sdk_cloudformation::Client::new(&support::sdk_config());
    let role = cloudformation.describe_stack_resource().stack_name(stack).logical_resource_id("LamuxRole").send().await;
    let role = role.expect("role").stack_resource_detail().and_then(|d| d.physical_resource_id().map(str::to_owned));
    support::function_with_aliases(
        &format!("arn:aws:iam::{}:role/{}", support::ACCOUNT, role.expect("role")),
        "web",
        &["live"],
    )
    .await;
    for (name, text) in [("pr42.zip", "feature login"), ("pr43.zip", "fix cart")] {
        let zip = lamux_cdk::archive::function_zip(text.as_bytes()).expect("zip");
        std::fs::write(dir.join(name), zip.bytes).expect("zip");
    }
    std::fs::write(dir.join("lamux-deploy.toml"), "[preview]\nfunction = \"web\"\n").expect("settings");
    let steps = walk_through();
    assert!(steps.len() >= 8, "{steps:?}");
    for (command, shown) in steps {
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[0], "lamux-deploy", "{command}");
        let args: Vec<&str> = words[1..].iter().copied().chain(["--stack-name", stack]).collect();
        let output = deploy_with(&args, Some(&dir), &[]);
        assert!(output.status.success(), "{command}: {}", String::from_utf8_lossy(&output.stderr));
        let printed: Vec<String> = [&output.stderr, &output.stdout]
            .iter()
            .flat_map(|bytes| String::from_utf8_lossy(bytes).lines().map(without_times).collect::<Vec<_>>())
            .collect();
        for line in shown {
            assert!(
                printed.contains(&without_times(&line)),
                "{command}: the README shows {line:?}; it printed {printed:?}"
            );
        }
    }
    // Other suites list every lamux function moto holds: leave none behind.
    stdout(&deploy_with(&["down", "--stack-name", stack, "--yes"], None, &[]));
}
