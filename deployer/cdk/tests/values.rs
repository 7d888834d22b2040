//! Issue 30, "one way to pass a value": every position that takes a value takes a string
//! literal, a `String`, a typed `Ref`, a parameter, an import or an `Expr`, through `Into`.
//! That this file compiles is half the test; the synthesized template is the other half.

#![allow(clippy::expect_used)]

use std::time::Duration;

use lamux_cdk::app::{App, Environment};
use lamux_cdk::archive::Archive;
use lamux_cdk::constructs::iam::{Role, RoleProps, Statement};
use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
use lamux_cdk::constructs::logs::{LogGroup, LogGroupProps, RetentionDays};
use lamux_cdk::template::{self, Expr};
use lamux_cdk::tree::{Asset, AssetSource, Error, Parameter, Stack, Tags};
use serde_json::json;

fn function(stack: &Stack, id: &str, name: impl Into<Expr>) -> Function {
    let asset = Asset::new(stack, &format!("{id}Code"), id, AssetSource::Archive(Archive::new(b"code".to_vec())))
        .expect("asset");
    let props = FunctionProps::builder().code(Code::from_asset(&asset)).function_name(name).build();
    Function::new(stack, id, props).expect("function")
}

#[test]
fn every_kind_of_value_goes_where_a_value_goes() {
    let stack = Stack::new("values");
    let parameter = Parameter::new(&stack, "Name", template::Parameter::string("a name")).expect("parameter");
    let logs = LogGroup::new(
        &stack,
        "Logs",
        LogGroupProps::builder().log_group_name("/orders").retention_in_days(RetentionDays::TwoWeeks).build(),
    )
    .expect("log group");
    let literal = function(&stack, "Literal", "orders");
    function(&stack, "Owned", String::from("owned"));
    function(&stack, "FromParameter", &parameter);
    function(&stack, "Imported", Expr::import_value(Expr::str("shared:Name")));
    function(&stack, "FromRef", logs.name());
    let role = Role::new(&stack, "Role", RoleProps::for_lambda()).expect("role");
    role.add_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").expect("literal");
    role.add_managed_policy(&parameter).expect("parameter");
    role.add_to_policy(Statement::allow(["logs:PutLogEvents"], [logs.arn()])).expect("a Ref");
    role.add_to_policy(Statement::allow(["s3:GetObject"], ["arn:aws:s3:::bucket/*"])).expect("a literal");
    role.add_to_policy(Statement::deny(["lambda:InvokeFunction"], [literal.arn()])).expect("a Ref");
    let imported = Role::from_arn(&stack, "Ci", "arn:aws:iam::123456789012:role/ci").expect("a literal");
    let by_parameter = Role::from_arn(&stack, "Deployer", &parameter).expect("a parameter, as Function::from_arn");
    literal.grant_invoke(&imported).expect("grant");
    literal.grant_invoke(&by_parameter).expect("grant");

    let template = stack.synth().expect("synth").template;
    let name = |id: &str| template.properties(id).expect(id)["FunctionName"].clone();
    assert_eq!(name("Literal"), json!("orders"));
    assert_eq!(name("Owned"), json!("owned"));
    assert_eq!(name("FromParameter"), json!({"Ref": "Name"}));
    assert_eq!(name("Imported"), json!({"Fn::ImportValue": "shared:Name"}));
    assert_eq!(name("FromRef"), json!({"Ref": "Logs"}));
    assert_eq!(template.properties("Logs").expect("logs")["RetentionInDays"], json!(14));
    let role = template.properties("Role").expect("role");
    let managed = role["ManagedPolicyArns"].as_array().expect("a list");
    assert!(managed.contains(&json!("arn:aws:iam::aws:policy/ReadOnlyAccess")), "{managed:?}");
    assert!(managed.contains(&json!({"Ref": "Name"})), "{managed:?}");
    // The role imported by a parameter gets its statements through a policy on its name.
    let roles: Vec<&serde_json::Value> = template
        .resources()
        .filter(|(_, kind)| *kind == "AWS::IAM::Policy")
        .map(|(id, _)| &template.properties(id).expect(id)["Roles"])
        .collect();
    assert!(roles.contains(&&json!([{"Fn::Select": [1, {"Fn::Split": ["/", {"Ref": "Name"}]}]}])), "{roles:?}");
}

#[test]
fn tags_of_the_app_and_durations_as_durations() {
    let mut app = App::new();
    let stack = app.stack("api", "api", Environment::default()).expect("stack");
    let asset = Asset::new(&stack, "Code", "api", AssetSource::Archive(Archive::new(b"code".to_vec()))).expect("asset");
    let props = |timeout: Duration| {
        FunctionProps::builder().code(Code::from_asset(&asset)).function_name("api").timeout(timeout).build()
    };
    Function::new(&stack, "Api", props(Duration::from_secs(30))).expect("function");
    Tags::of(&app).add("team", "api");
    let stacks = app.synth().expect("synth");
    let api = stacks[0].synthesized.template.properties("Api").expect("function").clone();
    assert_eq!(api["Timeout"], json!(30));
    assert_eq!(api["Tags"], json!([{"Key": "team", "Value": "api"}]));

    for (timeout, why) in [(Duration::from_millis(1500), "not whole seconds"), (Duration::from_secs(901), "over 900")] {
        let stack = Stack::new("timeouts");
        let asset = Asset::new(&stack, "Code", "api", AssetSource::Archive(Archive::new(Vec::new()))).expect("asset");
        let props = FunctionProps::builder().code(Code::from_asset(&asset)).timeout(timeout).build();
        Function::new(&stack, "Api", props).expect("function");
        let err = stack.synth().expect_err(why);
        assert!(
            matches!(&err, Error::Serialize { .. }) && err.to_string().contains("whole seconds from 1 to 900"),
            "{err}"
        );
    }
}
