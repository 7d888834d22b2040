//! Typed references: the value of an attribute or `Ref` of a resource, tagged with what it is,
//! so a property that takes a role's ARN takes a [`Ref<RoleArn>`] and nothing else.
//! [`Ref::unchecked`] makes one from a literal ARN or any expression.

use std::fmt;
use std::marker::PhantomData;

use serde::{Serialize, Serializer};

use crate::template::Expr;

/// A reference to a value of kind `K`, which renders as its expression (`{"Ref": …}`,
/// `{"Fn::GetAtt": […]}` or a literal).
pub struct Ref<K> {
    expr: Expr,
    kind: PhantomData<fn() -> K>,
}

impl<K> Ref<K> {
    /// A reference from any expression: a literal ARN of a resource outside the stack, an
    /// imported value. Nothing checks that it is a `K`.
    pub fn unchecked(expr: impl Into<Expr>) -> Self {
        Self { expr: expr.into(), kind: PhantomData }
    }

    /// The value as the template writes it.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

impl<K> Clone for Ref<K> {
    fn clone(&self) -> Self {
        Self::unchecked(self.expr.clone())
    }
}

impl<K> PartialEq for Ref<K> {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}

impl<K> fmt::Debug for Ref<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref<{}>({:?})", std::any::type_name::<K>().rsplit("::").next().unwrap_or("?"), self.expr)
    }
}

/// A literal: a name or an ARN of something outside the stack, typed by where it goes, so
/// `.function_name("billing")` or `.role("arn:aws:iam::123456789012:role/ci")` needs no
/// `Ref::unchecked` and no turbofish.
///
/// ```
/// # use lamux_cdk::constructs::lambda::{AliasProps, VersionProps};
/// # use lamux_cdk::tree::{Parameter, Stack};
/// # use lamux_cdk::template;
/// let stack = Stack::new("refs");
/// let version = VersionProps::builder().function_name("billing").build();
/// let name = Parameter::new(&stack, "FunctionName", template::Parameter::string("the function"))?;
/// let alias = AliasProps::builder().function_name(&name).function_version("7").name("live").build();
/// # let _ = (version, alias);
/// # Ok::<(), lamux_cdk::tree::Error>(())
/// ```
impl<K> From<&str> for Ref<K> {
    fn from(literal: &str) -> Self {
        Self::unchecked(Expr::str(literal))
    }
}

impl<K> From<String> for Ref<K> {
    fn from(literal: String) -> Self {
        Self::unchecked(Expr::Str(literal))
    }
}

impl<K> From<Ref<K>> for Expr {
    fn from(reference: Ref<K>) -> Self {
        reference.expr
    }
}

impl<K> From<&Ref<K>> for Expr {
    fn from(reference: &Ref<K>) -> Self {
        reference.expr.clone()
    }
}

/// Any value, unchecked, where a typed reference goes: an import (`Expr::import_value`), a
/// `Fn::Sub`, what the typed constructs do not model. The kind is the caller's word.
impl<K> From<Expr> for Ref<K> {
    fn from(value: Expr) -> Self {
        Self::unchecked(value)
    }
}

impl<K> Serialize for Ref<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.expr.serialize(serializer)
    }
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $($(#[$doc])* #[derive(Debug)] pub enum $name {})*
    };
}

kinds! {
    /// A Lambda function's ARN (`Fn::GetAtt Function.Arn`).
    FunctionArn,
    /// What Lambda's `FunctionName` properties take: a name, or an ARN ([`FunctionArn`]
    /// converts).
    FunctionName,
    /// A published version's number (`Fn::GetAtt Version.Version`).
    VersionNumber,
    /// A version's or an alias's ARN, qualifier included.
    QualifiedArn,
    /// A Function URL (`https://ID.lambda-url.REGION.on.aws/`).
    FunctionUrlAddress,
    /// An IAM role's ARN.
    RoleArn,
    /// A CloudWatch Logs group's name.
    LogGroupName,
    /// A CloudWatch Logs group's ARN.
    LogGroupArn,
    /// A CloudFront Function's ARN.
    CloudFrontFunctionArn,
    /// A CloudFront origin access control's id.
    OriginAccessControlId,
    /// A CloudFront distribution's id.
    DistributionId,
    /// A DNS name, such as a distribution's `dxxxx.cloudfront.net`.
    DomainName,
    /// An S3 bucket's name.
    BucketName,
    /// An S3 object key.
    ObjectKey,
}

/// Wherever a function name is taken, an ARN is too (AWS docs, `FunctionName`).
impl From<Ref<FunctionArn>> for Ref<FunctionName> {
    fn from(arn: Ref<FunctionArn>) -> Self {
        Self::unchecked(arn.expr)
    }
}
