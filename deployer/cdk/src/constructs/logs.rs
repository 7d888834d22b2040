//! CloudWatch Logs: [`LogGroup`] (`AWS::Logs::LogGroup`).

use bon::Builder;
use serde::Serialize;

use crate::template::{Expr, Resource};
use crate::tree::{CfnResource, Construct, Error, LogGroupArn, LogGroupName, Ref};

/// `AWS::Logs::LogGroup` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroupProps {
    /// `LogGroupName`: CloudFormation makes one when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[builder(into)]
    pub log_group_name: Option<Expr>,
    /// `RetentionInDays`: one of the values CloudWatch Logs takes (1, 3, 5, 7, 14, 30, …);
    /// forever when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
}

impl Resource for LogGroupProps {
    const TYPE: &'static str = "AWS::Logs::LogGroup";
}

/// A log group.
#[derive(Clone)]
pub struct LogGroup {
    resource: CfnResource<LogGroupProps>,
}

impl LogGroup {
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

    pub fn resource(&self) -> &CfnResource<LogGroupProps> {
        &self.resource
    }
}

/// Retention values CloudWatch Logs accepts.
pub const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
