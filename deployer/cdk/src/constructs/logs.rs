//! CloudWatch Logs: [`LogGroup`] (`AWS::Logs::LogGroup`).

use bon::Builder;
use serde::Serialize;
use serde_json::{Value, json};

use crate::template::{Expr, Resource, Template};
use crate::tree::{Aspect, CfnResource, Construct, Error, LogGroupArn, LogGroupName, Ref, Scope, Visit};

/// `AWS::Logs::LogGroup` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[builder(on(Expr, into))]
#[serde(rename_all = "PascalCase")]
pub struct LogGroupProps {
    /// `LogGroupName`: CloudFormation makes one when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<Expr>,
    /// `RetentionInDays`: forever when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<RetentionDays>,
}

/// How long CloudWatch Logs keeps a group's events: the periods it accepts, and no other
/// (CDK's `RetentionDays`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetentionDays {
    /// 1 day.
    OneDay = 1,
    /// 3 days.
    ThreeDays = 3,
    /// 5 days.
    FiveDays = 5,
    /// 7 days.
    OneWeek = 7,
    /// 14 days.
    TwoWeeks = 14,
    /// 30 days.
    OneMonth = 30,
    /// 60 days.
    TwoMonths = 60,
    /// 90 days.
    ThreeMonths = 90,
    /// 120 days.
    FourMonths = 120,
    /// 150 days.
    FiveMonths = 150,
    /// 180 days.
    SixMonths = 180,
    /// 365 days.
    OneYear = 365,
    /// 400 days.
    ThirteenMonths = 400,
    /// 545 days.
    EighteenMonths = 545,
    /// 731 days.
    TwoYears = 731,
    /// 1096 days.
    ThreeYears = 1096,
    /// 1827 days.
    FiveYears = 1827,
    /// 2192 days.
    SixYears = 2192,
    /// 2557 days.
    SevenYears = 2557,
    /// 2922 days.
    EightYears = 2922,
    /// 3288 days.
    NineYears = 3288,
    /// 3653 days.
    TenYears = 3653,
}

impl RetentionDays {
    /// Every period, shortest first.
    pub const ALL: [Self; 22] = [
        Self::OneDay,
        Self::ThreeDays,
        Self::FiveDays,
        Self::OneWeek,
        Self::TwoWeeks,
        Self::OneMonth,
        Self::TwoMonths,
        Self::ThreeMonths,
        Self::FourMonths,
        Self::FiveMonths,
        Self::SixMonths,
        Self::OneYear,
        Self::ThirteenMonths,
        Self::EighteenMonths,
        Self::TwoYears,
        Self::ThreeYears,
        Self::FiveYears,
        Self::SixYears,
        Self::SevenYears,
        Self::EightYears,
        Self::NineYears,
        Self::TenYears,
    ];

    /// The period in days, as the template writes it.
    pub fn days(self) -> u32 {
        self as u32
    }

    /// The period of `days`, when CloudWatch Logs accepts it.
    ///
    /// ```
    /// # use lamux_cdk::constructs::logs::RetentionDays;
    /// assert_eq!(RetentionDays::from_days(14), Some(RetentionDays::TwoWeeks));
    /// assert_eq!(RetentionDays::from_days(10), None);
    /// ```
    pub fn from_days(days: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|period| period.days() == days)
    }
}

impl Serialize for RetentionDays {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.days())
    }
}

impl Resource for LogGroupProps {
    const TYPE: &'static str = "AWS::Logs::LogGroup";
}

/// A log group.
#[derive(Clone)]
pub struct LogGroup {
    resource: CfnResource<LogGroupProps>,
}

impl Construct for LogGroup {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl LogGroup {
    /// An `AWS::Logs::LogGroup` as the child `id` of `scope`.
    ///
    /// ```
    /// use lamux_cdk::constructs::logs::{LogGroup, LogGroupProps, RetentionDays};
    /// use lamux_cdk::tree::Stack;
    /// let stack = Stack::new("logs");
    /// let props = LogGroupProps::builder().log_group_name("/aws/lambda/orders").retention_in_days(RetentionDays::TwoWeeks);
    /// LogGroup::new(&stack, "OrdersLogs", props.build())?;
    /// assert_eq!(stack.synth()?.template.properties("OrdersLogs").unwrap()["RetentionInDays"], 14);
    /// # Ok::<(), lamux_cdk::tree::Error>(())
    /// ```
    pub fn new(scope: &impl Construct, id: &str, props: LogGroupProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Ref`: the group's name.
    pub fn name(&self) -> Ref<LogGroupName> {
        Ref::unchecked(self.resource.reference())
    }

    /// `Fn::GetAtt Arn`
    pub fn arn(&self) -> Ref<LogGroupArn> {
        Ref::unchecked(self.resource.get_att("Arn"))
    }

    /// The resource, for overrides and its removal policy.
    pub fn resource(&self) -> &CfnResource<LogGroupProps> {
        &self.resource
    }
}

/// An [`Aspect`] that fails the synth for a function whose logs would be kept forever: every
/// `AWS::Lambda::Function` needs a log group of the template with `RetentionInDays`, either
/// its `LoggingConfig.LogGroup` or the group Lambda writes to by default,
/// `/aws/lambda/FUNCTIONNAME`. Lambda creates that default group itself, without a
/// retention period, when the template has none.
///
/// ```
/// # use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
/// # use lamux_cdk::constructs::logs::{LogGroup, LogGroupProps, RequireLogRetention, RetentionDays};
/// # use lamux_cdk::archive::Archive;
/// # use lamux_cdk::template::Expr;
/// # use lamux_cdk::tree::{Aspects, Asset, AssetSource, Stack};
/// let stack = Stack::new("checked");
/// Aspects::of(&stack).add(RequireLogRetention);
/// let asset = Asset::new(&stack, "Code", "api", AssetSource::Archive(Archive::new(Vec::new())))?;
/// let props = FunctionProps::builder().code(Code::from_asset(&asset)).function_name(Expr::str("api")).build();
/// Function::new(&stack, "Api", props)?;
/// assert!(stack.synth().is_err(), "api's logs would be kept forever");
///
/// let group = LogGroupProps::builder().log_group_name(Expr::str("/aws/lambda/api")).retention_in_days(RetentionDays::OneMonth).build();
/// LogGroup::new(&stack, "ApiLogs", group)?;
/// assert!(stack.synth().is_ok());
/// # Ok::<(), lamux_cdk::tree::Error>(())
/// ```
pub struct RequireLogRetention;

impl Aspect for RequireLogRetention {
    fn visit(&self, visit: &mut Visit<'_>) {
        if visit.resource_type != "AWS::Lambda::Function" {
            return;
        }
        let configured = visit.properties.pointer("/LoggingConfig/LogGroup").cloned();
        // Its group: the one LoggingConfig refers to, in this stack or, imported, in another
        // stack of the App; else the group named as LoggingConfig names it, or as Lambda's
        // default `/aws/lambda/NAME`.
        let referenced = configured.as_ref().and_then(|group| visit.referenced(group)).and_then(|group| {
            (group.resource_type == Some("AWS::Logs::LogGroup")).then_some((group.logical_id, group.properties?))
        });
        let names = match &configured {
            Some(name) => vec![name.clone()],
            None => default_group_names(visit.logical_id, visit.properties.get("FunctionName")),
        };
        let group = referenced.or_else(|| named(visit, &names));
        let message = match group {
            Some((_, properties)) if properties.get("RetentionInDays").is_some() => return,
            Some((id, _)) => format!("its log group {id} has no RetentionInDays: the logs are kept forever"),
            None => "it has no log group of the App with a RetentionInDays (LoggingConfig.LogGroup, or \
                     /aws/lambda/NAME): Lambda's own group keeps the logs forever"
                .to_owned(),
        };
        visit.error(message);
    }
}

/// The log group named one of `names`: in this stack in any of its forms; in another stack of
/// the App, only by a name that reads the same there (no `${AWS::StackName}` and the like).
fn named<'a>(visit: &Visit<'a>, names: &[Value]) -> Option<(&'a str, &'a Value)> {
    let has_name = |properties: &Value, same_everywhere: bool| {
        properties
            .get("LogGroupName")
            .is_some_and(|name| names.contains(name) && !(same_everywhere && name.to_string().contains("${")))
    };
    let here = log_groups(visit.template).find(|(_, properties)| has_name(properties, false));
    here.or_else(|| {
        visit
            .other_stacks()
            .flat_map(|(_, template)| log_groups(template))
            .find(|(_, properties)| has_name(properties, true))
    })
}

/// The log groups of `template`, with their properties.
fn log_groups(template: &Template) -> impl Iterator<Item = (&str, &Value)> {
    template
        .resources()
        .filter(|(_, kind)| *kind == "AWS::Logs::LogGroup")
        .filter_map(|(id, _)| Some((id, template.properties(id)?)))
}

/// The forms a template writes `/aws/lambda/NAME` in for the function `logical_id`.
fn default_group_names(logical_id: &str, function_name: Option<&Value>) -> Vec<Value> {
    let mut names = vec![
        json!({"Fn::Sub": format!("/aws/lambda/${{{logical_id}}}")}),
        json!({"Fn::Join": ["", ["/aws/lambda/", {"Ref": logical_id}]]}),
    ];
    match function_name {
        Some(Value::String(name)) => {
            names.push(json!(format!("/aws/lambda/{name}")));
            names.push(json!({"Fn::Sub": format!("/aws/lambda/{name}")}));
        }
        Some(Value::Object(sub)) => {
            if let Some(Value::String(text)) = sub.get("Fn::Sub") {
                names.push(json!({"Fn::Sub": format!("/aws/lambda/{text}")}));
            }
        }
        _ => {}
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{App, Environment};
    use crate::archive::Archive;
    use crate::constructs::lambda::{Code, Function, FunctionProps, LogFormat, LoggingConfig};
    use crate::tree::Aspects;

    /// An App of a `logs` stack holding `group` and a `svc` stack whose function `orders`
    /// logs to `logging` (a group of `logs`, when given). The synth's result.
    fn synth(retention: Option<RetentionDays>, name: Expr, referenced: bool) -> Result<(), String> {
        let mut app = App::new();
        let logs = app.stack("logs", "log groups", Environment::default()).expect("stack");
        let svc = app.stack("svc", "a service", Environment::default()).expect("stack");
        Aspects::of(&app).add(RequireLogRetention);
        let props = LogGroupProps::builder().log_group_name(name).maybe_retention_in_days(retention).build();
        let group = LogGroup::new(&logs, "Orders", props).expect("group");
        let logging_config = referenced.then(|| LoggingConfig { log_group: group.name(), log_format: LogFormat::Json });
        let code = Code::from_source(crate::tree::AssetSource::Archive(Archive::new(Vec::new())));
        let props =
            FunctionProps::builder().code(code).function_name("orders").maybe_logging_config(logging_config).build();
        Function::new(&svc, "Orders", props).expect("function");
        app.synth().map(drop).map_err(|err| err.to_string())
    }

    /// Issue 30: a log group in another stack of the App was rejected.
    #[test]
    fn a_log_group_of_another_stack_of_the_app_counts() {
        let month = Some(RetentionDays::OneMonth);
        assert_eq!(synth(month, Expr::str("/aws/lambda/orders"), false), Ok(()), "Lambda's default name");
        assert_eq!(synth(month, Expr::str("/custom/orders"), true), Ok(()), "LoggingConfig, imported");
        assert_eq!(synth(month, Expr::sub("/aws/lambda/${AWS::StackName}"), true), Ok(()), "whatever its name");

        let forever = synth(None, Expr::str("/custom/orders"), true).expect_err("no retention");
        assert_eq!(
            forever,
            "stack svc: Orders: its log group Orders has no RetentionInDays: the logs are kept forever"
        );
        let unrelated = synth(month, Expr::str("/aws/lambda/billing"), false).expect_err("another function's");
        assert!(unrelated.contains("it has no log group of the App with a RetentionInDays"), "{unrelated}");
        // `${Orders}` reads as the `logs` stack's own resource there, not this function.
        let elsewhere = synth(month, Expr::sub("/aws/lambda/${Orders}"), false).expect_err("another name");
        assert!(elsewhere.contains("it has no log group of the App"), "{elsewhere}");
    }
}
