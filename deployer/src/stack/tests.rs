use clap::Parser as _;
use serde_json::json;

use super::*;
use lamux_cdk::constructs::{cloudfront, route53};
use lamux_cdk::lamux_construct::{ORIGIN_KEEPALIVE_SECS, VIEWER_REQUEST_JS};

const ROLE: &str = "LamuxRole";
const LOG_GROUP: &str = "LamuxLogGroup";
const URL: &str = "LamuxFunctionUrl";
const URL_PERMISSION: &str = "LamuxFunctionUrlPermission";
const INVOKE_PERMISSION: &str = "LamuxInvokeViaUrlPermission";
const OAC: &str = "LamuxOriginAccessControl";
const DISTRIBUTION: &str = "LamuxDistribution";
use crate::options::StackArgs;

#[derive(clap::Parser)]
struct Args {
    #[command(flatten)]
    stack: StackArgs,
}

fn render(args: &[&str]) -> Template {
    let args = Args::try_parse_from(std::iter::once("synth").chain(args.iter().copied())).expect("flags");
    template(&args.stack.validate(None).expect("valid options"), AssetSource::placeholder()).expect("a stack")
}

#[test]
fn snapshots_of_every_variant() {
    let variants: [(&str, &[&str]); 9] = [
        (
            "github_ci",
            &[
                "--domain-suffix",
                "example.com",
                "--function-name",
                "web",
                "--github-repo",
                "acme/web",
                "--allow-alias",
                "live,pr*",
            ],
        ),
        (
            "origin_auth_none",
            &["--domain-suffix", "example.com", "--allow-function", "my-func", "--origin-auth", "none"],
        ),
        (
            "allow_alias_long_timeout",
            &[
                "--domain-suffix",
                "example.com",
                "--allow-function",
                "app-*",
                "--allow-alias",
                "live,pr*",
                "--upstream-timeout",
                "120s",
                "--origin-read-timeout",
                "121",
                "--error-details",
            ],
        ),
        (
            "response_stream",
            &["--domain-suffix", "example.com", "--allow-function", "my-func", "--invoke-mode", "response-stream"],
        ),
        ("default", &["--domain-suffix", "example.com", "--allow-function", "my-func"]),
        ("fixed_function_arm64", &["--domain-suffix", "example.com", "--function-name", "app", "--arch", "arm64"]),
        ("allow_all", &["--domain-suffix", "example.com", "--allow-all-functions", "--memory", "256"]),
        (
            "custom_domain",
            &[
                "--domain-suffix",
                "example.com",
                "--allow-function",
                "a,b",
                "--certificate-arn",
                "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c",
                "--hosted-zone-id",
                "Z0123456789ABC",
            ],
        ),
        ("oac", &["--domain-suffix", "example.com", "--allow-function", "my-func", "--origin-auth", "oac"]),
    ];
    for (name, args) in variants {
        insta::assert_snapshot!(name, render(args).to_json());
    }
}

#[test]
fn same_options_same_bytes() {
    let args = ["--domain-suffix", "example.com", "--allow-function", "b,a", "--origin-auth", "oac"];
    assert_eq!(render(&args).to_json(), render(&args).to_json());
}

#[test]
fn role_is_scoped_to_the_functions_lamux_may_call() {
    let statements =
        |t: &Template| t.properties(ROLE).expect("role")["Policies"][0]["PolicyDocument"]["Statement"].clone();
    let fixed = statements(&render(&["--domain-suffix", "x.com", "--function-name", "app"]));
    assert_eq!(
        fixed[1]["Resource"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:app:*"}])
    );
    let listed = statements(&render(&["--domain-suffix", "x.com", "--allow-function", "a,b"]));
    assert_eq!(listed[1]["Resource"].as_array().map(Vec::len), Some(2));
    let all = statements(&render(&["--domain-suffix", "x.com", "--allow-all-functions"]));
    assert_eq!(
        all[1]["Resource"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*"}])
    );
    let none = statements(&render(&["--domain-suffix", "x.com"]));
    assert_eq!(none.as_array().map(Vec::len), Some(1), "no invoke statement without a scope");
}

/// The slot in use of the rotating origin secret.
fn current_secret() -> serde_json::Value {
    json!({"Fn::If": ["LamuxOriginSecretInSlot1", {"Ref": "LamuxOriginSecretAlternate"}, {"Ref": ORIGIN_SECRET}]})
}

#[test]
fn function_runs_lamux_with_the_options() {
    let t = render(&["--domain-suffix", "Example.COM", "--function-name", "app", "--upstream-timeout", "10s"]);
    let function = t.properties(FUNCTION).expect("function");
    assert_eq!(function["Runtime"], "provided.al2023");
    assert_eq!(function["Handler"], "bootstrap");
    assert_eq!(function["Architectures"], json!(["x86_64"]));
    assert_eq!(function["Timeout"], 15);
    assert_eq!(
        function["Environment"]["Variables"],
        json!({"LAMUX_MODE": "function", "LAMUX_DOMAIN_SUFFIX": "example.com", "LAMUX_FUNCTION_NAME": "app",
               "LAMUX_UPSTREAM_TIMEOUT": "10s", "LAMUX_INVOKE_MODE": "buffered", "LAMUX_ERROR_DETAILS": "false",
               "LAMUX_ORIGIN_SECRET": current_secret(), "LAMUX_CANARY": {"Ref": "LamuxCanary"},
               "LAMUX_ORIGIN_SECRET_PREVIOUS": {"Fn::If": ["LamuxOriginSecretIsRotating",
                   {"Fn::If": ["LamuxOriginSecretInSlot1", {"Ref": ORIGIN_SECRET}, {"Ref": "LamuxOriginSecretAlternate"}]},
                   ""]}})
    );
    assert_eq!(function["Code"], json!({"S3Bucket": {"Ref": CODE_BUCKET}, "S3Key": {"Ref": CODE_KEY}}));
}

#[test]
fn invoke_mode_sets_the_url_and_lamux_alike() {
    let t = render(&["--domain-suffix", "x.com", "--invoke-mode", "response-stream"]);
    assert_eq!(t.properties(URL).expect("url")["InvokeMode"], "RESPONSE_STREAM");
    let variables = &t.properties(FUNCTION).expect("function")["Environment"]["Variables"];
    assert_eq!(variables["LAMUX_INVOKE_MODE"], "response-stream");
    assert_eq!(render(&["--domain-suffix", "x.com"]).properties(URL).expect("url")["InvokeMode"], "BUFFERED");
}

#[test]
fn public_url_has_both_permissions() {
    let t = render(&["--domain-suffix", "x.com"]);
    assert_eq!(t.properties(URL).expect("url")["AuthType"], "NONE");
    let url = t.properties(URL_PERMISSION).expect("permission");
    assert_eq!((url["Action"].as_str(), url["Principal"].as_str()), (Some("lambda:InvokeFunctionUrl"), Some("*")));
    assert_eq!(url["FunctionUrlAuthType"], "NONE");
    let invoke = t.properties(INVOKE_PERMISSION).expect("permission");
    assert_eq!(invoke["Action"], "lambda:InvokeFunction");
    assert_eq!(invoke["InvokedViaFunctionUrl"], true);
}

#[test]
fn oac_signs_with_iam_and_scopes_permissions_to_the_distribution() {
    let t = render(&["--domain-suffix", "x.com", "--origin-auth", "oac"]);
    assert_eq!(t.properties(URL).expect("url")["AuthType"], "AWS_IAM");
    assert_eq!(t.properties(OAC).expect("oac")["OriginAccessControlConfig"]["OriginAccessControlOriginType"], "lambda");
    for id in [URL_PERMISSION, INVOKE_PERMISSION] {
        let permission = t.properties(id).expect("permission");
        assert_eq!(permission["Principal"], "cloudfront.amazonaws.com");
        assert!(
            permission["SourceArn"]["Fn::Sub"]
                .as_str()
                .is_some_and(|arn| arn.ends_with("distribution/${LamuxDistribution}"))
        );
    }
    let origin = &t.properties(DISTRIBUTION).expect("distribution")["DistributionConfig"]["Origins"][0];
    assert_eq!(origin["OriginAccessControlId"], json!({"Fn::GetAtt": [OAC, "Id"]}));
}

#[test]
fn distribution_forwards_everything_but_host_through_the_viewer_function() {
    let t = render(&["--domain-suffix", "x.com"]);
    let config = &t.properties(DISTRIBUTION).expect("distribution")["DistributionConfig"];
    let behavior = &config["DefaultCacheBehavior"];
    assert_eq!(behavior["CachePolicyId"], cloudfront::CACHING_DISABLED);
    assert_eq!(behavior["OriginRequestPolicyId"], cloudfront::ALL_VIEWER_EXCEPT_HOST_HEADER);
    assert_eq!(behavior["AllowedMethods"].as_array().map(Vec::len), Some(7));
    assert_eq!(behavior["FunctionAssociations"][0]["EventType"], "viewer-request");
    assert_eq!(config["HttpVersion"], "http2and3");
    assert_eq!(config["Origins"][0]["CustomOriginConfig"]["OriginProtocolPolicy"], "https-only");
    let viewer = t.properties(VIEWER_FUNCTION).expect("viewer function");
    assert_eq!(viewer["FunctionConfig"]["Runtime"], "cloudfront-js-2.0");
    assert_eq!(viewer["FunctionCode"], VIEWER_REQUEST_JS);
}

#[test]
fn custom_domain_adds_aliases_certificate_and_records() {
    let t = render(&[
        "--domain-suffix",
        "example.com",
        "--certificate-arn",
        "arn:aws:acm:us-east-1:123456789012:certificate/x",
        "--hosted-zone-id",
        "Z1",
    ]);
    let config = &t.properties(DISTRIBUTION).expect("distribution")["DistributionConfig"];
    assert_eq!(config["Aliases"], json!(["*.example.com"]));
    assert_eq!(config["ViewerCertificate"]["SslSupportMethod"], "sni-only");
    for (id, kind) in [("WildcardRecordA", "A"), ("WildcardRecordAAAA", "AAAA")] {
        let record = t.properties(id).expect("record");
        assert_eq!(record["Type"], kind);
        assert_eq!(record["Name"], "*.example.com.");
        assert_eq!(record["AliasTarget"]["HostedZoneId"], route53::CLOUDFRONT_HOSTED_ZONE_ID);
    }
}

#[test]
fn bad_options_are_refused() {
    let refused = |args: &[&str]| {
        let args = Args::try_parse_from(std::iter::once("synth").chain(args.iter().copied()));
        args.map_or(true, |args| args.stack.validate(None).is_err())
    };
    assert!(refused(&["--domain-suffix", "x.com", "--certificate-arn", "arn:aws:acm:eu-west-1:1:certificate/x"]));
    assert!(refused(&["--domain-suffix", "x.com", "--hosted-zone-id", "Z1"]), "a zone without a certificate");
    assert!(refused(&["--domain-suffix", "x.com", "--timeout", "30s", "--upstream-timeout", "30s"]));
    assert!(refused(&["--domain-suffix", "x.com", "--timeout", "901s"]));
    assert!(refused(&["--domain-suffix", "x.com", "--memory", "64"]));
    assert!(refused(&["--domain-suffix", "x.com", "--log-retention-days", "10"]));
    assert!(refused(&["--domain-suffix", ".."]));
}
/// The function's environment, as lamux itself parses it at cold start (issue 12: the
/// deployer re-declared lamux's rules and the two drifted).
fn lamux_config(t: &Template) -> lamux::config::Cli {
    let variables = t.properties(FUNCTION).expect("function")["Environment"]["Variables"].clone();
    let variables: Vec<(String, String)> = variables
        .as_object()
        .expect("variables")
        .iter()
        .map(|(name, value)| {
            // The canary parameter's default is empty: no canary.
            let placeholder = if name == "LAMUX_CANARY" { "" } else { "from-a-parameter" };
            (name.clone(), value.as_str().map_or(placeholder.to_owned(), str::to_owned))
        })
        .collect();
    lamux::config::Cli::from_environment(variables.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .expect("lamux accepts the environment synth gives it")
}

#[test]
fn the_environment_is_one_lamux_starts_with_and_safe_by_default() {
    let cli = lamux_config(&render(&[
        "--domain-suffix",
        "Example.com",
        "--allow-function",
        "a,b",
        "--allow-alias",
        "live,pr*",
    ]));
    assert_eq!(cli.mode, Some(lamux::mode::Mode::Function));
    assert_eq!(cli.domain_suffix, "example.com");
    assert!(!cli.error_details(), "error details are off on a public endpoint");
    assert_eq!(cli.allow_function, ["a", "b"], "lamux refuses other functions itself (403, not AccessDenied)");
    assert_eq!(cli.allow_alias, ["live", "pr*"]);
    assert!(cli.origin_secret.is_some(), "the origin secret is the default");
    let cli = lamux_config(&render(&["--domain-suffix", "x.com", "--error-details", "--origin-auth", "none"]));
    assert!(cli.error_details());
    assert_eq!(cli.origin_secret, None);
    let cli = lamux_config(&render(&["--domain-suffix", "x.com", "--invoke-mode", "response-stream"]));
    assert_eq!(cli.invoke_mode, lamux::config::InvokeMode::ResponseStream);
}

#[test]
fn a_bad_suffix_or_function_is_refused_as_lamux_would() {
    let refused = |args: &[&str]| {
        let args = Args::try_parse_from(std::iter::once("synth").chain(args.iter().copied())).expect("flags");
        args.stack.validate(None).expect_err("refused").to_string()
    };
    // lamux refuses underscores in a suffix; the deployer once let them deploy.
    assert!(refused(&["--domain-suffix", "bad_domain.com"]).contains("--domain-suffix"));
    assert!(refused(&["--domain-suffix", "x.com", "--function-name", "has space"]).contains("--function-name"));
    assert!(refused(&["--domain-suffix", "x.com", "--allow-alias", "li-ve"]).contains("--allow-alias"));
}

#[test]
fn the_origin_secret_is_a_no_echo_parameter_sent_by_cloudfront() {
    let t = render(&["--domain-suffix", "x.com", "--allow-function", "f"]);
    let json: serde_json::Value = serde_json::from_str(&t.to_json()).expect("JSON");
    assert_eq!(
        json["Parameters"][ORIGIN_SECRET],
        json!({"Type": "String", "NoEcho": true, "MinLength": 32,
        "Description": "Secret CloudFront sends as x-lamux-origin-secret; lamux refuses requests without it"})
    );
    assert!(json["Parameters"][ORIGIN_SECRET].get("Default").is_none(), "no value in any template");
    let origin = &json["Resources"][DISTRIBUTION]["Properties"]["DistributionConfig"]["Origins"][0];
    assert_eq!(
        origin["OriginCustomHeaders"],
        json!([{"HeaderName": "x-lamux-origin-secret", "HeaderValue": current_secret()}])
    );
    // Issue 20: the second slot and the engine's switches, with safe defaults.
    assert_eq!(json["Parameters"]["LamuxOriginSecretAlternate"]["NoEcho"], true);
    assert_eq!(json["Parameters"]["LamuxOriginSecretSlot"]["AllowedValues"], json!(["0", "1"]));
    assert_eq!(json["Parameters"]["LamuxOriginSecretRotating"]["Default"], "false");
    for auth in ["none", "oac"] {
        let json: serde_json::Value =
            serde_json::from_str(&render(&["--domain-suffix", "x.com", "--origin-auth", auth]).to_json())
                .expect("JSON");
        assert!(json["Parameters"].get(ORIGIN_SECRET).is_none(), "{auth}");
        assert!(json["Parameters"].get("LamuxOriginSecretSlot").is_none(), "{auth}");
        assert!(
            json["Resources"][DISTRIBUTION]["Properties"]["DistributionConfig"]["Origins"][0]
                .get("OriginCustomHeaders")
                .is_none()
        );
    }
}

#[test]
fn aliases_scope_the_policy_and_arns_stay_arns() {
    let statements = |t: &Template| {
        t.properties(ROLE).expect("role")["Policies"][0]["PolicyDocument"]["Statement"][1]["Resource"].clone()
    };
    let scoped =
        statements(&render(&["--domain-suffix", "x.com", "--allow-function", "app", "--allow-alias", "live,pr*"]));
    assert_eq!(
        scoped,
        json!([
            {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:app:live"},
            {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:app:pr*"}
        ])
    );
    // Issue 12: an ARN once became `function:arn:aws:lambda:…`.
    let arn = "arn:aws:lambda:eu-west-1:123456789012:function:app";
    assert_eq!(statements(&render(&["--domain-suffix", "x.com", "--function-name", arn])), json!([format!("{arn}:*")]));
}

#[test]
fn cloudfront_waits_as_long_as_lamux_and_no_longer_than_allowed() {
    let origin = |args: &[&str]| {
        let t = render(args);
        t.properties(DISTRIBUTION).expect("distribution")["DistributionConfig"]["Origins"][0]["CustomOriginConfig"]
            .clone()
    };
    let default = origin(&["--domain-suffix", "x.com"]);
    assert_eq!(default["OriginReadTimeout"], 31, "lamux's own 504 at 30 s reaches the viewer");
    assert_eq!(default["OriginKeepaliveTimeout"], ORIGIN_KEEPALIVE_SECS);
    assert_eq!(origin(&["--domain-suffix", "x.com", "--upstream-timeout", "59s"])["OriginReadTimeout"], 60);
    let long = ["--domain-suffix", "x.com", "--upstream-timeout", "120s", "--origin-read-timeout", "125"];
    assert_eq!(origin(&long)["OriginReadTimeout"], 125);
    let refused = |args: &[&str]| {
        let args = Args::try_parse_from(std::iter::once("synth").chain(args.iter().copied()));
        args.map_or_else(
            |err| err.to_string(),
            |args| args.stack.validate(None).map_or_else(|e| e.to_string(), |_| String::new()),
        )
    };
    assert!(refused(&["--domain-suffix", "x.com", "--upstream-timeout", "60s"]).contains("--origin-read-timeout 61"));
    assert!(
        refused(&["--domain-suffix", "x.com", "--upstream-timeout", "300s"]).contains("CloudFront waits at most 60")
    );
    assert!(
        refused(&["--domain-suffix", "x.com", "--upstream-timeout", "120s", "--origin-read-timeout", "100"])
            .contains("shorter")
    );
    assert!(refused(&["--domain-suffix", "x.com", "--origin-read-timeout", "181"]).contains("181"));
}

#[test]
fn account_wide_names_carry_the_region_and_the_stack_name_is_checked() {
    let t = render(&["--domain-suffix", "x.com", "--origin-auth", "oac"]);
    assert_eq!(
        t.properties(VIEWER_FUNCTION).expect("function")["Name"],
        json!({"Fn::Sub": "${AWS::StackName}-${AWS::Region}-fwd-host"})
    );
    assert_eq!(
        t.properties(OAC).expect("oac")["OriginAccessControlConfig"]["Name"],
        json!({"Fn::Sub": "${AWS::StackName}-${AWS::Region}-lambda"})
    );
    let longest = format!("{}-ap-southeast-7-fwd-host", "s".repeat(crate::options::MAX_STACK_NAME));
    assert_eq!(longest.len(), 64, "CloudFront's limit for function and OAC names");
    for bad in ["1lamux", "la_mux", "", &"s".repeat(crate::options::MAX_STACK_NAME + 1)] {
        assert!(crate::options::check_stack_name(bad).is_err(), "{bad:?}");
    }
    assert!(crate::options::check_stack_name(&"s".repeat(crate::options::MAX_STACK_NAME)).is_ok());
}

#[test]
fn the_log_group_goes_with_the_stack() {
    let json: serde_json::Value = serde_json::from_str(&render(&["--domain-suffix", "x.com"]).to_json()).expect("JSON");
    assert_eq!(json["Resources"][LOG_GROUP]["DeletionPolicy"], "Delete");
    assert_eq!(json["Resources"][LOG_GROUP]["UpdateReplacePolicy"], "Delete");
}

/// Issue 23: the override's settings reach lamux's environment, and the canary is a kept
/// parameter: set when given (checked by lamux's parser against the allow-lists), kept when not.
#[test]
fn the_override_and_the_canary_reach_lamux() {
    let args = [
        "--domain-suffix",
        "example.com",
        "--allow-alias",
        "live,pr*",
        "--alias-cookie",
        "lamux-alias",
        "--alias-header",
        "x-preview",
        "--alias-override-allow",
        "pr*",
        "--alias-cookie-path",
        "/_lamux/alias",
    ];
    let cli = lamux_config(&render(&args));
    assert_eq!(cli.alias_cookie.as_deref(), Some("lamux-alias"));
    assert_eq!(cli.alias_header.as_ref().map(|h| h.as_str()), Some("x-preview"));
    assert_eq!(cli.alias_override_allow, ["pr*"]);
    assert_eq!(cli.alias_cookie_path.as_deref(), Some("/_lamux/alias"));
    let options = |extra: &[&str]| {
        let all: Vec<&str> = args.iter().chain(extra).copied().collect();
        let parsed = Args::try_parse_from(std::iter::once("synth").chain(all)).expect("flags");
        parsed.stack.validate(None)
    };
    let kept = crate::stack::synthesize(&options(&[]).expect("valid"), AssetSource::placeholder()).expect("synth");
    assert_eq!(kept.kept_parameters, [("LamuxCanary".to_owned(), None)], "kept unless given");
    let set = options(&["--canary", "live=pr42:10"]).expect("valid");
    let set = crate::stack::synthesize(&set, AssetSource::placeholder()).expect("synth");
    assert_eq!(set.kept_parameters, [("LamuxCanary".to_owned(), Some("live=pr42:10".to_owned()))]);
    let err = format!("{:#}", options(&["--canary", "live=next:10"]).expect_err("next is not in allow-alias"));
    assert!(err.contains("live=next:10") && err.contains("\"next\" is not in --allow-alias"), "{err}");
    let ended = options(&["--canary="]).expect("valid");
    assert_eq!(ended.lamux.canary, Some(Vec::new()), "an empty value ends the canary");
}
