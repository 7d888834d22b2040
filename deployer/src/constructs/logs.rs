use serde::Serialize;

use crate::template::{Expr, Resource};

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub log_group_name: Expr,
    pub retention_in_days: u32,
}

impl Resource for LogGroup {
    const TYPE: &'static str = "AWS::Logs::LogGroup";
}
