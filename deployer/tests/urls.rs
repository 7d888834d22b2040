//! `lamux-deploy urls` against moto's Lambda (started by scripts/test): functions and
//! aliases created here, a lamux stack that allows some of them, and the URLs it lists.

#![allow(clippy::expect_used)]

mod support;

use support::{ACCOUNT, binary, deploy, function_with_aliases, sdk_config, stdout, tempdir, up_args};

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn urls_lists_the_aliases_the_stack_allows() {
    let dir = tempdir("urls");
    let binary = binary(&dir, "urls").display().to_string();
    let stack = "lamux-urls";
    stdout(&deploy(&up_args(
        stack,
        &binary,
        &["--allow-function", "urls-web,urls-api", "--allow-alias", "live,pr*", "--yes"],
    )));
    let config = sdk_config();
    let cloudformation = aws_sdk_cloudformation::Client::new(&config);
    let role = cloudformation.describe_stack_resource().stack_name(stack).logical_resource_id("LamuxRole").send().await;
    let role_name =
        role.expect("role").stack_resource_detail().and_then(|d| d.physical_resource_id().map(str::to_owned));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/{}", role_name.expect("role name"));
    function_with_aliases(&role, "urls-web", &["live", "pr42", "dev"]).await;
    function_with_aliases(&role, "urls-api", &["live"]).await;
    function_with_aliases(&role, "urls-admin", &["live"]).await;

    let listed = stdout(&deploy(&["urls", "--stack-name", stack, "--json"]));
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
    let urls: Vec<&str> = listed.as_array().expect("array").iter().filter_map(|r| r["url"].as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://live-urls-api.example.com/",
            "https://live-urls-web.example.com/",
            "https://pr42-urls-web.example.com/"
        ],
        "dev is not an allowed alias; urls-admin is not an allowed function"
    );
    assert_eq!(listed[2]["function"], "urls-web");
    assert_eq!(listed[2]["alias"], "pr42");
    assert_eq!(listed[2]["version"], "1");
    let text = stdout(&deploy(&["urls", "--stack-name", stack]));
    assert!(text.contains("https://pr42-urls-web.example.com/  (urls-web:pr42 -> version 1)"), "{text}");

    // A fixed function: ALIAS.SUFFIX.
    stdout(&deploy(&up_args(stack, &binary, &["--function-name", "urls-web", "--allow-alias", "live,pr*", "--yes"])));
    let fixed = stdout(&deploy(&["urls", "--stack-name", stack, "--json"]));
    let fixed: serde_json::Value = serde_json::from_str(&fixed).expect("JSON");
    let urls: Vec<&str> = fixed.as_array().expect("array").iter().filter_map(|r| r["url"].as_str()).collect();
    assert_eq!(urls, ["https://live.example.com/", "https://pr42.example.com/"]);
    stdout(&deploy(&["down", "--stack-name", stack, "--yes"]));
}
