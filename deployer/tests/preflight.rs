//! Issue 28: a placeholder hosted zone or certificate failed late, with a raw
//! `NoSuchHostedZone` from the change set. `up` now checks both first, against moto's
//! Route 53 and ACM, and says what to fix; nothing is created.

#![allow(clippy::expect_used)]

mod support;

use support::{binary, deploy, failure, sdk_config, stdout, tempdir, up_args};

async fn stack_exists(name: &str) -> bool {
    let cloudformation = aws_sdk_cloudformation::Client::new(&sdk_config());
    cloudformation.describe_stacks().stack_name(name).send().await.is_ok()
}

/// A self-signed certificate for `*.example.com`, imported: ACM reports it ISSUED.
async fn imported_certificate(dir: &std::path::Path) -> String {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=*.example.com"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let acm = aws_sdk_acm::Client::new(&sdk_config());
    let read = |path: &std::path::Path| aws_sdk_acm::primitives::Blob::new(std::fs::read(path).expect("pem"));
    let imported = acm.import_certificate().certificate(read(&cert)).private_key(read(&key)).send().await;
    imported.expect("imported").certificate_arn().expect("arn").to_owned()
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn a_zone_or_certificate_that_does_not_fit_stops_up_before_any_change() {
    let dir = tempdir("preflight");
    let lamux = binary(&dir, "preflight").display().to_string();
    let route53 = aws_sdk_route53::Client::new(&sdk_config());
    let zone = |name: &'static str| {
        let route53 = route53.clone();
        async move {
            let made = route53.create_hosted_zone().name(name).caller_reference(name).send().await.expect("zone");
            made.hosted_zone().expect("zone").id().rsplit('/').next().expect("id").to_owned()
        }
    };
    let org = zone("example.org").await;
    let com = zone("example.com").await;
    let acm = aws_sdk_acm::Client::new(&sdk_config());
    let requested = acm.request_certificate().domain_name("*.example.com").send().await.expect("requested");
    let pending = requested.certificate_arn().expect("arn").to_owned();
    let issued = imported_certificate(&dir).await;

    let stack = "lamux-preflight";
    let cases: [(&[&str], &str); 4] = [
        (&["--certificate-arn", &issued, "--hosted-zone-id", "Z0123456789PLACEHOLDER"], "no such hosted zone"),
        (&["--certificate-arn", &issued, "--hosted-zone-id", &org], "cannot hold records for *.example.com"),
        (&["--certificate-arn", &pending, "--hosted-zone-id", &com], "not ISSUED: finish its validation"),
        (
            &[
                "--certificate-arn",
                "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
            ],
            "no such certificate in us-east-1",
        ),
    ];
    for (flags, says) in cases {
        let args = up_args(stack, &lamux, &[flags, &["--allow-function", "web", "--yes"]].concat());
        let err = failure(&deploy(&args));
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(!stack_exists(stack).await, "nothing was created: {flags:?}");
    }
    let fits = ["--certificate-arn", &issued, "--hosted-zone-id", &com, "--allow-function", "web", "--yes"];
    stdout(&deploy(&up_args(stack, &lamux, &fits)));
    stdout(&deploy(&["down", "--stack-name", stack, "--yes"]));
}
