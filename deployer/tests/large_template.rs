//! Issue 20 against moto: a template over CloudFormation's 51,200-byte body limit goes to the
//! asset bucket and is passed as TemplateURL, through the library's engine.

#![allow(clippy::expect_used)]

mod support;

use lamux_cdk::aws::Clients;
use lamux_cdk::engine::{self, Deployment};
use lamux_cdk::template::{Expr, Resource};
use lamux_cdk::tree::{CfnResource, Stack};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Topic {
    display_name: Expr,
}

impl Resource for Topic {
    const TYPE: &'static str = "AWS::SNS::Topic";
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it"]
async fn a_template_over_the_body_limit_deploys_from_the_asset_bucket() {
    let stack = Stack::new("LargeTemplate");
    for n in 0..120 {
        let name = format!("topic {n} {}", "x".repeat(480));
        CfnResource::new(&stack, &format!("Topic{n}"), Topic { display_name: Expr::str(name) }).expect("added");
    }
    let synthesized = stack.synth().expect("synth");
    let size = synthesized.template.to_json().len();
    assert!(size > 51_200, "the template is {size} bytes: not over the body limit");

    let clients = Clients::from_config(support::sdk_config()).expect("clients");
    let name = "lamux-large-template";
    engine::deploy(&clients, &Deployment::new(name, &synthesized)).await.expect("deployed from TemplateURL");
    let resources =
        clients.cloudformation.describe_stack_resources().stack_name(name).send().await.expect("the stack's resources");
    assert_eq!(resources.stack_resources().len(), 120);
    let stored = support::s3()
        .list_objects_v2()
        .bucket(format!("lamux-assets-{}-us-east-1", support::ACCOUNT))
        .prefix("assets/templates/")
        .send()
        .await
        .expect("the asset bucket");
    assert!(stored.contents().iter().any(|object| object.size() == Some(size as i64)), "the template was uploaded");
    clients.cloudformation.delete_stack().stack_name(name).send().await.expect("deleted");
}
