use serde::Serialize;
use serde_json::json;

use super::*;
use crate::template::{self, Expr, ParameterType, RemovalPolicy, Resource};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Topic {
    topic_name: Expr,
}

impl Resource for Topic {
    const TYPE: &'static str = "AWS::SNS::Topic";
}

fn topic(name: &str) -> Topic {
    Topic { topic_name: Expr::str(name) }
}

fn json_of(stack: &Stack) -> serde_json::Value {
    serde_json::from_str(&stack.synth().expect("synth").template.to_json()).expect("JSON")
}

#[test]
fn logical_ids_come_from_construct_paths() {
    let stack = Stack::new("test");
    let app = stack.scope().child("App").expect("scope");
    let alerts = CfnResource::new(&app, "Alerts", topic("a")).expect("added");
    let audit = CfnResource::new(&stack, "audit-log", topic("b")).expect("added");
    assert_eq!((alerts.path(), alerts.logical_id()), ("App/Alerts", "AppAlerts"));
    assert_eq!(audit.logical_id(), "auditlog", "only letters and digits are kept");
    assert_eq!(alerts.reference().unscoped(), &Expr::reference("AppAlerts"));
    let json = json_of(&stack);
    assert_eq!(json["Resources"]["AppAlerts"]["Type"], "AWS::SNS::Topic");
    assert_eq!(json["Resources"]["auditlog"]["Properties"]["TopicName"], "b");
}

#[test]
fn a_duplicate_is_an_error_not_an_overwrite() {
    let stack = Stack::new("test");
    CfnResource::new(&stack, "Alerts", topic("a")).expect("added");
    assert_eq!(
        CfnResource::new(&stack, "Alerts", topic("b")).err(),
        Some(Error::DuplicatePath { path: "Alerts".into() })
    );
    // Two paths that join to the same ID: CDK would hash them apart; we refuse.
    let a = stack.scope().child("A").expect("scope");
    let ab = stack.scope().child("AB").expect("scope");
    CfnResource::new(&a, "BC", topic("x")).expect("added");
    let clash = CfnResource::new(&ab, "C", topic("y")).err().expect("refused");
    assert_eq!(
        clash,
        Error::DuplicateLogicalId { logical_id: "ABC".into(), path: "AB/C".into(), other: "A/BC".into() }
    );
    assert!(clash.to_string().contains("pin_logical_id"), "{clash}");
    // A parameter and a resource share the namespace `Ref` reads.
    Parameter::new(&stack, "Stage", template::Parameter::string("stage")).expect("added");
    let stage = stack.scope().child("Sta").expect("scope");
    assert!(matches!(CfnResource::new(&stage, "ge", topic("z")), Err(Error::DuplicateLogicalId { .. })));
    assert_eq!(json_of(&stack)["Resources"]["Alerts"]["Properties"]["TopicName"], "a", "the first one stays");
    // Conditions, mappings and outputs have their own namespaces, refused alike.
    let output = |value: &str| OutputProps::builder().value(value).build();
    Output::new(&a, "BOut", output("first")).expect("added");
    assert!(matches!(Output::new(&ab, "Out", output("second")), Err(Error::DuplicateLogicalId { .. })));
    let aler = stack.scope().child("Aler").expect("scope");
    let shared = Condition::new(&aler, "ts", Expr::Bool(true)).expect("a condition may share a resource's ID");
    assert_eq!(shared.name(), "Alerts");
    let al = stack.scope().child("Al").expect("scope");
    assert!(matches!(Condition::new(&al, "erts", Expr::Bool(false)), Err(Error::DuplicateLogicalId { .. })));
    let template = stack.synth().expect("synth").template;
    assert_eq!(template.output("ABOut").map(|o| o.value.clone()), Some(Expr::str("first")));
}

#[test]
fn ids_must_be_usable() {
    let stack = Stack::new("test");
    for bad in ["", "a/b", "--"] {
        assert!(matches!(stack.scope().child(bad), Err(Error::InvalidId { .. })), "{bad:?}");
    }
    let long = "x".repeat(256);
    assert!(matches!(CfnResource::new(&stack, &long, topic("a")), Err(Error::InvalidLogicalId { .. })));
}

#[test]
fn pinned_ids_keep_deployed_names_and_a_stray_pin_fails_synthesis() {
    let stack = Stack::new("test");
    stack.pin_logical_id("App/Alerts", "Alerts");
    let app = stack.scope().child("App").expect("scope");
    assert_eq!(CfnResource::new(&app, "Alerts", topic("a")).expect("added").logical_id(), "Alerts");
    assert!(stack.synth().is_ok());
    stack.pin_logical_id("App/Typo", "Typo");
    assert_eq!(stack.synth().err(), Some(Error::UnusedPin { path: "App/Typo".into(), logical_id: "Typo".into() }));
}

#[test]
fn every_template_section_and_resource_attribute() {
    let stack = Stack::new("test");
    let stage = Parameter::new(
        &stack,
        "Stage",
        template::Parameter {
            allowed_values: vec![json!("dev"), json!("prod")],
            default: Some(json!("dev")),
            ..template::Parameter::string("deployment stage")
        },
    )
    .expect("parameter");
    let count = Parameter::new(&stack, "Count", template::Parameter::new(ParameterType::Number, "how many"))
        .expect("parameter");
    let subnets = Parameter::new(
        &stack,
        "Subnets",
        template::Parameter::new(ParameterType::Aws("List<AWS::EC2::Subnet::Id>".into()), "subnets"),
    )
    .expect("parameter");
    let sizes =
        Mapping::new(&stack, "Sizes", [("prod".to_owned(), [("Memory".to_owned(), json!(1024))].into())].into())
            .expect("mapping");
    let prod = Condition::new(&stack, "IsProd", Expr::equals(stage.value(), Expr::str("prod"))).expect("condition");
    let alerts = CfnResource::new(&stack, "Alerts", topic("a")).expect("added");
    alerts.set_condition(&prod);
    alerts.set_policy(RemovalPolicy::Retain);
    let audit =
        CfnResource::new(&stack, "Audit", Topic { topic_name: sizes.find(stage.value(), "Memory") }).expect("added");
    audit.add_depends_on(&alerts);
    audit.add_depends_on(&alerts);
    let output = Output::new(
        &stack,
        "AlertsArn",
        OutputProps::builder()
            .description("alerts")
            .value(prod.select(alerts.reference(), Expr::no_value()))
            .export_name(Expr::sub("${AWS::StackName}-alerts"))
            .condition(prod.clone())
            .build(),
    )
    .expect("output");
    // The stack has no name (it is in no App): `${AWS::StackName}` of the exporting stack is
    // unknown, and the importing stack's would be wrong.
    assert!(matches!(output.import_value(), Err(Error::Invalid { .. })));
    let _ = (count, subnets);
    assert_eq!(
        json_of(&stack),
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "test",
            "Parameters": {
                "Count": {"Type": "Number", "Description": "how many"},
                "Stage": {"Type": "String", "Description": "deployment stage", "Default": "dev",
                          "AllowedValues": ["dev", "prod"]},
                "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Description": "subnets"}
            },
            "Mappings": {"Sizes": {"prod": {"Memory": 1024}}},
            "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
            "Resources": {
                "Alerts": {"Type": "AWS::SNS::Topic", "Condition": "IsProd", "DeletionPolicy": "Retain",
                           "UpdateReplacePolicy": "Retain", "Properties": {"TopicName": "a"}},
                "Audit": {"Type": "AWS::SNS::Topic", "DependsOn": ["Alerts"],
                          "Properties": {"TopicName": {"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}}}
            },
            "Outputs": {"AlertsArn": {"Description": "alerts", "Condition": "IsProd",
                "Value": {"Fn::If": ["IsProd", {"Ref": "Alerts"}, {"Ref": "AWS::NoValue"}]},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-alerts"}}}}
        })
    );
}

#[test]
fn assets_and_generated_secrets_are_in_the_manifest() {
    let stack = Stack::new("test");
    let app = stack.scope().child("App").expect("scope");
    let bootstrap = tempfile::NamedTempFile::new().expect("a file");
    let asset = Asset::new(&app, "Code", "app", AssetSource::Bootstrap(bootstrap.path().into())).expect("asset");
    assert_eq!(asset.bucket().expr().unscoped(), &Expr::reference("AppCodeS3Bucket"));
    let secret = Parameter::generated_secret(&stack, "Token", "a token").expect("secret");
    let synthesized = stack.synth().expect("synth");
    let entry = &synthesized.assets[0];
    assert_eq!(
        (entry.path.as_str(), entry.name.as_str(), entry.bucket_parameter.as_str(), entry.key_parameter.as_str()),
        ("App/Code", "app", "AppCodeS3Bucket", "AppCodeS3Key")
    );
    assert_eq!(synthesized.generated_secrets, [secret.logical_id()]);
    let parameter = synthesized.template.parameter("Token").expect("parameter");
    assert!(parameter.no_echo && parameter.min_length == Some(32) && parameter.default.is_none());
    assert_eq!(synthesized.template.no_echo_parameters().collect::<Vec<_>>(), ["Token"]);
}

#[test]
fn a_resource_changed_after_it_was_added_synthesizes_as_changed() {
    let stack = Stack::new("test");
    let alerts = CfnResource::new(&stack, "Alerts", topic("before")).expect("added");
    alerts.update(|props| props.topic_name = Expr::str("after"));
    assert_eq!(alerts.read(|props| props.topic_name.clone()), Expr::str("after"));
    assert_eq!(json_of(&stack)["Resources"]["Alerts"]["Properties"]["TopicName"], "after");
}

/// Issue 20: `RetainExceptOnCreate` went into `UpdateReplacePolicy` too, where CloudFormation
/// refuses it.
#[test]
fn retain_except_on_create_is_a_deletion_policy_only() {
    let stack = Stack::new("S");
    let logs = CfnResource::new(&stack, "Logs", topic("l")).expect("added");
    logs.set_policy(RemovalPolicy::RetainExceptOnCreate);
    let kept = CfnResource::new(&stack, "Kept", topic("k")).expect("added");
    kept.set_policy(RemovalPolicy::Snapshot);
    let json = serde_json::to_value(stack.synth().expect("synth").template).expect("JSON");
    assert_eq!(json["Resources"]["Logs"]["DeletionPolicy"], "RetainExceptOnCreate");
    assert_eq!(json["Resources"]["Logs"]["UpdateReplacePolicy"], "Retain");
    assert_eq!(json["Resources"]["Kept"]["DeletionPolicy"], "Snapshot");
    assert_eq!(json["Resources"]["Kept"]["UpdateReplacePolicy"], "Snapshot");
}

/// Issue 20: a missing asset file surfaced in `deploy`, after the other assets were
/// uploaded. It is an error from `synth()` now, naming the asset and the file.
#[test]
fn a_missing_asset_file_fails_synth() {
    let dir = tempfile::tempdir().expect("a directory");
    for source in [
        AssetSource::Bootstrap(dir.path().join("no-such-bootstrap")),
        AssetSource::ZipFile(dir.path().join("no-such.zip")),
        AssetSource::ZipFile(dir.path().to_owned()),
    ] {
        let stack = Stack::new("test");
        Asset::new(&stack, "Code", "app", source.clone()).expect("asset");
        let err = stack.synth().expect_err("a missing file").to_string();
        assert!(err.starts_with("asset Code: ") && err.contains("is not a readable file"), "{source:?}: {err}");
    }
}

/// Sets `TopicName` on every topic, and reports each topic it visits as an error.
struct Rename(&'static str);

impl Aspect for Rename {
    fn visit(&self, visit: &mut Visit<'_>) {
        visit.properties["TopicName"] = json!(self.0);
        visit.error(format!("{} renamed", visit.logical_id));
    }
}

/// Sets `TopicName` on every topic.
struct Name(&'static str);

impl Aspect for Name {
    fn visit(&self, visit: &mut Visit<'_>) {
        visit.properties["TopicName"] = json!(self.0);
    }
}

/// Issue 30: overrides came first and tags and aspects after; the escape hatch must have the
/// last word, as in CDK.
#[test]
fn a_property_override_has_the_last_word_over_tags_and_aspects() {
    let stack = Stack::new("test");
    let alerts = CfnResource::new(&stack, "Alerts", topic("a")).expect("added");
    Tags::of(&stack).add("team", "api");
    Aspects::of(&stack).add(Name("from-an-aspect"));
    alerts.add_property_override("Tags", json!([{"Key": "owner", "Value": "ops"}]));
    alerts.add_property_override("TopicName", "from-an-override");
    let json = json_of(&stack);
    assert_eq!(json["Resources"]["Alerts"]["Properties"]["Tags"], json!([{"Key": "owner", "Value": "ops"}]));
    assert_eq!(json["Resources"]["Alerts"]["Properties"]["TopicName"], "from-an-override");

    let plain = Stack::new("test");
    CfnResource::new(&plain, "Alerts", topic("a")).expect("added");
    Aspects::of(&plain).add(Name("from-an-aspect"));
    assert_eq!(json_of(&plain)["Resources"]["Alerts"]["Properties"]["TopicName"], "from-an-aspect");
}

/// Issue 30: only the first aspect error was reported.
#[test]
fn every_aspect_error_is_reported_with_its_stack_and_path() {
    let stack = Stack::with_name("test".into(), Some("api".into()));
    let app = stack.scope().child("App").expect("scope");
    CfnResource::new(&app, "Alerts", topic("a")).expect("added");
    CfnResource::new(&stack, "Audit", topic("b")).expect("added");
    Aspects::of(&stack).add(Rename("x"));
    let err = stack.synth().expect_err("two errors").to_string();
    assert_eq!(err, "stack api: 2 aspect errors:\n  App/Alerts: AppAlerts renamed\n  Audit: Audit renamed");
}
