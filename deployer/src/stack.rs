//! `LamuxStack`: the constructs composed from the user's options into one template. Pure.

use std::collections::BTreeMap;

use crate::constructs::{cloudfront, iam, lambda, logs, route53};
use crate::options::{InvokeScope, OriginAuth, StackOptions};
use crate::template::{Expr, Template};

/// The viewer-request function's source, taken from `cloudfront/` at build time.
pub const VIEWER_REQUEST_JS: &str = include_str!("../../cloudfront/viewer-request.js");

pub const CODE_BUCKET: &str = "CodeS3Bucket";
pub const CODE_KEY: &str = "CodeS3Key";

const ROLE: &str = "LamuxRole";
const LOG_GROUP: &str = "LamuxLogGroup";
const FUNCTION: &str = "LamuxFunction";
const URL: &str = "LamuxFunctionUrl";
const URL_PERMISSION: &str = "LamuxFunctionUrlPermission";
const INVOKE_PERMISSION: &str = "LamuxInvokeViaUrlPermission";
const VIEWER_FUNCTION: &str = "ForwardedHostFunction";
const OAC: &str = "LamuxOriginAccessControl";
const DISTRIBUTION: &str = "LamuxDistribution";

pub fn template(options: &StackOptions) -> Template {
    let mut t = Template::new(format!("lamux: HTTP multiplexer for Lambda aliases under *.{}", options.domain_suffix));
    let bucket = t.parameter(CODE_BUCKET, "S3 bucket holding the lamux bootstrap zip");
    let key = t.parameter(CODE_KEY, "S3 key of the lamux bootstrap zip");

    let log_group = t.add(
        LOG_GROUP,
        &logs::LogGroup {
            log_group_name: Expr::sub("/aws/lambda/${AWS::StackName}"),
            retention_in_days: options.log_retention_days,
        },
    );
    t.add(ROLE, &role(options));
    let function = t.add(
        FUNCTION,
        &lambda::Function {
            description: format!("lamux for *.{}", options.domain_suffix),
            runtime: "provided.al2023",
            handler: "bootstrap",
            architectures: vec![options.arch.lambda_name()],
            code: lambda::Code { s3_bucket: bucket, s3_key: key },
            role: Expr::get_att(ROLE, "Arn"),
            memory_size: options.memory,
            timeout: options.timeout_secs,
            environment: lambda::Environment { variables: environment(options) },
            logging_config: lambda::LoggingConfig { log_group, log_format: "JSON" },
        },
    );
    let oac = options.origin_auth == OriginAuth::Oac;
    t.add(
        URL,
        &lambda::Url {
            target_function_arn: Expr::get_att(FUNCTION, "Arn"),
            auth_type: if oac { "AWS_IAM" } else { "NONE" },
            invoke_mode: options.invoke_mode.url_value(),
        },
    );
    // Since October 2025 a Function URL needs both permissions (AWS docs, "Control access to
    // Lambda function URLs"): InvokeFunctionUrl, and InvokeFunction via the URL.
    let (principal, source_arn) = if oac {
        let arn = Expr::sub(format!(
            "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION}}}"
        ));
        ("cloudfront.amazonaws.com", Some(arn))
    } else {
        ("*", None)
    };
    t.add(
        URL_PERMISSION,
        &lambda::Permission {
            action: "lambda:InvokeFunctionUrl",
            function_name: function.clone(),
            principal,
            source_arn: source_arn.clone(),
            function_url_auth_type: Some(if oac { "AWS_IAM" } else { "NONE" }),
            invoked_via_function_url: None,
        },
    );
    t.add(
        INVOKE_PERMISSION,
        &lambda::Permission {
            action: "lambda:InvokeFunction",
            function_name: function,
            principal,
            source_arn,
            function_url_auth_type: None,
            invoked_via_function_url: Some(true),
        },
    );
    t.add(
        VIEWER_FUNCTION,
        &cloudfront::Function {
            name: Expr::sub("${AWS::StackName}-forwarded-host"),
            auto_publish: true,
            function_code: VIEWER_REQUEST_JS.to_owned(),
            function_config: cloudfront::FunctionConfig {
                comment: "Copies the viewer's Host into X-Forwarded-Host for lamux".to_owned(),
                runtime: "cloudfront-js-2.0",
            },
        },
    );
    if oac {
        t.add(
            OAC,
            &cloudfront::OriginAccessControl {
                origin_access_control_config: cloudfront::OriginAccessControlConfig {
                    name: Expr::sub("${AWS::StackName}-lambda"),
                    description: "CloudFront signs requests to lamux's Function URL".to_owned(),
                    origin_access_control_origin_type: "lambda",
                    signing_behavior: "always",
                    signing_protocol: "sigv4",
                },
            },
        );
    }
    t.add(DISTRIBUTION, &distribution(options));
    if let Some(zone) = &options.hosted_zone_id {
        for (id, kind) in [("WildcardRecordA", "A"), ("WildcardRecordAAAA", "AAAA")] {
            t.add(
                id,
                &route53::RecordSet {
                    hosted_zone_id: zone.clone(),
                    name: format!("*.{}.", options.domain_suffix),
                    kind,
                    alias_target: route53::AliasTarget {
                        dns_name: Expr::get_att(DISTRIBUTION, "DomainName"),
                        hosted_zone_id: route53::CLOUDFRONT_HOSTED_ZONE_ID,
                        evaluate_target_health: false,
                    },
                },
            );
        }
    }

    t.output("FunctionUrl", "lamux's Function URL (the CloudFront origin)", Expr::get_att(URL, "FunctionUrl"));
    t.output("FunctionName", "lamux's function", Expr::reference(FUNCTION));
    t.output("DistributionId", "CloudFront distribution id", Expr::reference(DISTRIBUTION));
    t.output("DistributionDomainName", "CloudFront domain name", Expr::get_att(DISTRIBUTION, "DomainName"));
    t.output("ExampleUrl", "How a function alias is reached", Expr::str(example_url(options)));
    t
}

fn role(options: &StackOptions) -> iam::Role {
    let function_arn = |name: &str| {
        Expr::sub(format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}"))
    };
    let invoke_resources: Vec<Expr> = match &options.scope {
        InvokeScope::Nothing => Vec::new(),
        // `NAME:*` covers every alias and version of NAME, which is what lamux invokes.
        InvokeScope::Functions(names) => names.iter().map(|name| function_arn(&format!("{name}:*"))).collect(),
        InvokeScope::All => vec![function_arn("*")],
    };
    let mut statement = vec![iam::Statement {
        sid: "WriteLogs".to_owned(),
        effect: "Allow",
        action: vec!["logs:CreateLogStream", "logs:PutLogEvents"],
        resource: vec![Expr::get_att(LOG_GROUP, "Arn")],
    }];
    if !invoke_resources.is_empty() {
        statement.push(iam::Statement {
            sid: "InvokeAliases".to_owned(),
            effect: "Allow",
            action: vec!["lambda:InvokeFunction"],
            resource: invoke_resources,
        });
    }
    iam::Role::for_lambda(vec![iam::Policy {
        policy_name: "lamux".to_owned(),
        policy_document: iam::PolicyDocument { version: "2012-10-17", statement },
    }])
}

fn environment(options: &StackOptions) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("LAMUX_MODE", "function".to_owned()),
        ("LAMUX_DOMAIN_SUFFIX", options.domain_suffix.clone()),
        ("LAMUX_FUNCTION_NAME", options.function_name.clone()),
        ("LAMUX_UPSTREAM_TIMEOUT", humantime::format_duration(options.upstream_timeout).to_string()),
        ("LAMUX_INVOKE_MODE", options.invoke_mode.lamux_value().to_owned()),
    ])
}

fn distribution(options: &StackOptions) -> cloudfront::Distribution {
    let (aliases, viewer_certificate) = match &options.certificate_arn {
        Some(arn) => (vec![format!("*.{}", options.domain_suffix)], cloudfront::ViewerCertificate::acm(arn)),
        None => (Vec::new(), cloudfront::ViewerCertificate::default_certificate()),
    };
    cloudfront::Distribution {
        distribution_config: cloudfront::DistributionConfig {
            comment: format!("lamux for *.{}", options.domain_suffix),
            enabled: true,
            http_version: "http2and3",
            ipv6_enabled: true,
            price_class: "PriceClass_All",
            aliases,
            viewer_certificate,
            origins: vec![cloudfront::Origin {
                id: "lamux",
                domain_name: Expr::url_host(Expr::get_att(URL, "FunctionUrl")),
                custom_origin_config: cloudfront::CustomOriginConfig {
                    origin_protocol_policy: "https-only",
                    origin_ssl_protocols: vec!["TLSv1.2"],
                    // CloudFront's default maximum; lamux's own timeout is what bounds a request.
                    origin_read_timeout: 60,
                },
                origin_access_control_id: (options.origin_auth == OriginAuth::Oac).then(|| Expr::get_att(OAC, "Id")),
            }],
            default_cache_behavior: cloudfront::CacheBehavior {
                target_origin_id: "lamux",
                viewer_protocol_policy: "redirect-to-https",
                allowed_methods: vec!["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                cached_methods: vec!["GET", "HEAD"],
                cache_policy_id: cloudfront::CACHING_DISABLED,
                origin_request_policy_id: cloudfront::ALL_VIEWER_EXCEPT_HOST_HEADER,
                compress: true,
                function_associations: vec![cloudfront::FunctionAssociation {
                    event_type: "viewer-request",
                    function_arn: Expr::get_att(VIEWER_FUNCTION, "FunctionARN"),
                }],
            },
        },
    }
}

fn example_url(options: &StackOptions) -> String {
    if options.function_name == "*" {
        format!("https://live-my-func.{}/", options.domain_suffix)
    } else {
        format!("https://live.{}/", options.domain_suffix)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use serde_json::json;

    use super::*;
    use crate::options::StackArgs;

    #[derive(clap::Parser)]
    struct Args {
        #[command(flatten)]
        stack: StackArgs,
    }

    fn render(args: &[&str]) -> Template {
        let args = Args::try_parse_from(std::iter::once("synth").chain(args.iter().copied())).expect("flags");
        template(&args.stack.validate(None).expect("valid options"))
    }

    #[test]
    fn snapshots_of_every_variant() {
        let variants: [(&str, &[&str]); 6] = [
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
                   "LAMUX_UPSTREAM_TIMEOUT": "10s", "LAMUX_INVOKE_MODE": "buffered"})
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
        assert_eq!(
            t.properties(OAC).expect("oac")["OriginAccessControlConfig"]["OriginAccessControlOriginType"],
            "lambda"
        );
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
}
