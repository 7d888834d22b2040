//! CloudFormation values: literals and intrinsic functions, as Rust values that serialize to
//! the template's JSON forms (`{"Ref": …}`, `{"Fn::GetAtt": […]}` …).

use serde::ser::SerializeMap as _;
use serde::{Serialize, Serializer};

use super::context::{self, StackId};

/// A value in a template: a literal, or an intrinsic function CloudFormation resolves at deploy time. Every builder field and method that takes a value takes `impl Into<Expr>`: a `&str`, a `String`, a number, a [`Ref`](crate::tree::Ref), a [`Parameter`](crate::tree::Parameter).
///
/// ```
/// use lamux_cdk::template::Expr;
/// let url = Expr::sub("https://${Api}.execute-api.${AWS::Region}.amazonaws.com");
/// assert_eq!(serde_json::to_value(&url)?, serde_json::json!({"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com"}));
/// assert_eq!(serde_json::to_value(Expr::from("plain"))?, "plain");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string.
    Str(String),
    /// A number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list.
    List(Vec<Expr>),
    /// `Ref`
    Ref(String),
    /// `Fn::GetAtt`: a resource's attribute.
    GetAtt(String, String),
    /// `Fn::Sub`
    Sub(String),
    /// `Fn::Join`
    Join(String, Vec<Expr>),
    /// `Fn::Select`
    Select(usize, Box<Expr>),
    /// `Fn::Split`
    Split(String, Box<Expr>),
    /// `Fn::If`: a condition's name, then the values when true and false.
    If(String, Box<Expr>, Box<Expr>),
    /// `Fn::Equals`
    Equals(Box<Expr>, Box<Expr>),
    /// `Fn::Not`
    Not(Box<Expr>),
    /// `Fn::And`
    And(Vec<Expr>),
    /// `Fn::Or`
    Or(Vec<Expr>),
    /// `Fn::FindInMap`: a value of a mapping, by its two keys.
    FindInMap(String, Box<Expr>, Box<Expr>),
    /// `Fn::ImportValue`: an output another stack exports.
    ImportValue(Box<Expr>),
    /// A `Ref` or `Fn::GetAtt` of stack `StackId`: itself in that stack, and in another
    /// stack of the same App the `Fn::ImportValue` of an export the owner gets. What
    /// `CfnResource::reference`, `get_att` and `Parameter::value` give.
    Local(StackId, Box<Expr>),
}

impl Expr {
    /// A string.
    pub fn str(value: impl Into<String>) -> Self {
        Self::Str(value.into())
    }

    /// `Ref` of a logical ID or a pseudo parameter (`AWS::Region`).
    pub fn reference(logical_id: impl Into<String>) -> Self {
        Self::Ref(logical_id.into())
    }

    /// `Fn::GetAtt` of a resource's attribute.
    pub fn get_att(logical_id: impl Into<String>, attribute: impl Into<String>) -> Self {
        Self::GetAtt(logical_id.into(), attribute.into())
    }

    /// `Fn::Sub`: `${Name}` reads a parameter, resource or pseudo parameter.
    pub fn sub(template: impl Into<String>) -> Self {
        Self::Sub(template.into())
    }

    /// `Fn::Join`
    ///
    /// ```
    /// use lamux_cdk::template::Expr;
    /// let arn = Expr::join(":", vec!["arn".into(), Expr::reference("AWS::Partition"), "sqs".into()]);
    /// assert_eq!(serde_json::to_value(&arn)?["Fn::Join"][1][1], serde_json::json!({"Ref": "AWS::Partition"}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn join(separator: impl Into<String>, parts: Vec<Expr>) -> Self {
        Self::Join(separator.into(), parts)
    }

    /// `Fn::Select`: the `index`th item of `list`.
    pub fn select(index: usize, list: Expr) -> Self {
        Self::Select(index, Box::new(list))
    }

    /// `Fn::Split`
    pub fn split(separator: impl Into<String>, value: Expr) -> Self {
        Self::Split(separator.into(), Box::new(value))
    }

    /// `Fn::Equals`, for a condition.
    pub fn equals(left: Expr, right: Expr) -> Self {
        Self::Equals(Box::new(left), Box::new(right))
    }

    /// `Fn::Not`, for a condition.
    pub fn negation(condition: Expr) -> Self {
        Self::Not(Box::new(condition))
    }

    /// `Fn::FindInMap`
    pub fn find_in_map(mapping: impl Into<String>, top: Expr, second: Expr) -> Self {
        Self::FindInMap(mapping.into(), Box::new(top), Box::new(second))
    }

    /// `Fn::ImportValue` of an export outside the App (an App imports its own stacks' values by itself).
    pub fn import_value(export_name: Expr) -> Self {
        Self::ImportValue(Box::new(export_name))
    }

    /// `Ref AWS::NoValue`: the property is left out where this is the value (inside `Fn::If`).
    pub fn no_value() -> Self {
        Self::reference("AWS::NoValue")
    }

    /// This value, of stack `owner`, as the stack being rendered takes it: the export name
    /// to import it by, or `None` to use it as it is.
    fn imported(&self, owner: StackId) -> Option<String> {
        match self {
            Self::Ref(id) => context::import(owner, id, None),
            Self::GetAtt(id, attribute) => context::import(owner, id, Some(attribute)),
            _ => None,
        }
    }

    /// The expression with every value of another stack replaced by its import, for parts of
    /// a template kept as expressions (outputs, conditions) rather than rendered JSON.
    pub(crate) fn resolved(&self) -> Expr {
        let each = |items: &[Expr]| items.iter().map(Expr::resolved).collect();
        let boxed = |item: &Expr| Box::new(item.resolved());
        match self {
            Self::Local(owner, value) => match value.imported(*owner) {
                Some(export_name) => Self::ImportValue(Box::new(Self::Str(export_name))),
                None => value.resolved(),
            },
            Self::List(items) => Self::List(each(items)),
            Self::Join(separator, parts) => Self::Join(separator.clone(), each(parts)),
            Self::Select(index, list) => Self::Select(*index, boxed(list)),
            Self::Split(separator, value) => Self::Split(separator.clone(), boxed(value)),
            Self::If(condition, then, otherwise) => Self::If(condition.clone(), boxed(then), boxed(otherwise)),
            Self::Equals(left, right) => Self::Equals(boxed(left), boxed(right)),
            Self::Not(condition) => Self::Not(boxed(condition)),
            Self::And(conditions) => Self::And(each(conditions)),
            Self::Or(conditions) => Self::Or(each(conditions)),
            Self::FindInMap(mapping, top, second) => Self::FindInMap(mapping.clone(), boxed(top), boxed(second)),
            Self::ImportValue(name) => Self::ImportValue(boxed(name)),
            Self::Str(_) | Self::Int(_) | Self::Bool(_) | Self::Ref(_) | Self::GetAtt(..) | Self::Sub(_) => {
                self.clone()
            }
        }
    }

    /// Every reference to resource `from` (`Ref`, `Fn::GetAtt`, `${from}` in `Fn::Sub`) made
    /// a reference to `to`.
    pub(crate) fn rename_resource(&mut self, from: &str, to: &str) {
        match self {
            Self::Ref(id) | Self::GetAtt(id, _) if id == from => *id = to.to_owned(),
            Self::Sub(template) => *template = rename_in_sub(template, from, to),
            Self::Local(_, value)
            | Self::Select(_, value)
            | Self::Split(_, value)
            | Self::Not(value)
            | Self::ImportValue(value) => value.rename_resource(from, to),
            Self::List(items) | Self::Join(_, items) | Self::And(items) | Self::Or(items) => {
                items.iter_mut().for_each(|item| item.rename_resource(from, to));
            }
            Self::If(_, left, right) | Self::Equals(left, right) | Self::FindInMap(_, left, right) => {
                left.rename_resource(from, to);
                right.rename_resource(from, to);
            }
            Self::Str(_) | Self::Int(_) | Self::Bool(_) | Self::Ref(_) | Self::GetAtt(..) => {}
        }
    }

    /// The expression without its stack: `Ref` and `Fn::GetAtt` as they read in their own
    /// stack.
    pub fn unscoped(&self) -> &Expr {
        match self {
            Self::Local(_, value) => value.unscoped(),
            other => other,
        }
    }

    /// The string, when this is a literal one.
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            Self::Str(value) => Some(value),
            _ => None,
        }
    }

    /// The host of a URL such as a Function URL (`https://HOST/`): `Select(2, Split("/", url))`.
    pub fn url_host(url: Expr) -> Self {
        Self::select(2, Self::split("/", url))
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Self::Str(value.to_owned())
    }
}

impl From<&String> for Expr {
    fn from(value: &String) -> Self {
        Self::Str(value.clone())
    }
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<bool> for Expr {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Self::Str(value)
    }
}

fn single<S: Serializer, V: Serialize + ?Sized>(serializer: S, key: &str, value: &V) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, value)?;
    map.end()
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Str(value) => serializer.serialize_str(value),
            Self::Int(value) => serializer.serialize_i64(*value),
            Self::Bool(value) => serializer.serialize_bool(*value),
            Self::List(items) => items.serialize(serializer),
            Self::Ref(id) => single(serializer, "Ref", id),
            Self::GetAtt(id, attribute) => single(serializer, "Fn::GetAtt", &[id, attribute]),
            Self::Sub(template) => single(serializer, "Fn::Sub", template),
            Self::Join(separator, parts) => single(serializer, "Fn::Join", &(separator, parts)),
            Self::Select(index, list) => single(serializer, "Fn::Select", &(index, list)),
            Self::Split(separator, value) => single(serializer, "Fn::Split", &(separator, value)),
            Self::If(condition, then, otherwise) => single(serializer, "Fn::If", &(condition, then, otherwise)),
            Self::Equals(left, right) => single(serializer, "Fn::Equals", &(left, right)),
            Self::Not(condition) => single(serializer, "Fn::Not", &[condition]),
            Self::And(conditions) => single(serializer, "Fn::And", conditions),
            Self::Or(conditions) => single(serializer, "Fn::Or", conditions),
            Self::FindInMap(mapping, top, second) => single(serializer, "Fn::FindInMap", &(mapping, top, second)),
            Self::ImportValue(name) => single(serializer, "Fn::ImportValue", name),
            Self::Local(owner, value) => match value.imported(*owner) {
                Some(export_name) => single(serializer, "Fn::ImportValue", &export_name),
                None => value.serialize(serializer),
            },
        }
    }
}

/// `${from}` and `${from.Attribute}` in a `Fn::Sub` template, as `${to}` and `${to.Attribute}`.
pub(crate) fn rename_in_sub(template: &str, from: &str, to: &str) -> String {
    template
        .replace(&format!("${{{from}}}"), &format!("${{{to}}}"))
        .replace(&format!("${{{from}."), &format!("${{{to}."))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn intrinsics_serialize_to_their_template_forms() {
        let cases = [
            (Expr::str("x"), json!("x")),
            (Expr::Int(3), json!(3)),
            (Expr::List(vec![Expr::str("a"), Expr::Bool(true)]), json!(["a", true])),
            (Expr::reference("Fn"), json!({"Ref": "Fn"})),
            (Expr::get_att("Fn", "Arn"), json!({"Fn::GetAtt": ["Fn", "Arn"]})),
            (Expr::sub("${AWS::StackName}-x"), json!({"Fn::Sub": "${AWS::StackName}-x"})),
            (
                Expr::join(",", vec![Expr::str("a"), Expr::reference("B")]),
                json!({"Fn::Join": [",", ["a", {"Ref": "B"}]]}),
            ),
            (
                Expr::url_host(Expr::get_att("Url", "FunctionUrl")),
                json!({"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["Url", "FunctionUrl"]}]}]}),
            ),
            (
                Expr::If("HasDomain".into(), Box::new(Expr::str("a")), Box::new(Expr::reference("AWS::NoValue"))),
                json!({"Fn::If": ["HasDomain", "a", {"Ref": "AWS::NoValue"}]}),
            ),
            (
                Expr::negation(Expr::equals(Expr::reference("Stage"), Expr::str("prod"))),
                json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "Stage"}, "prod"]}]}),
            ),
            (
                Expr::find_in_map("Sizes", Expr::reference("Stage"), Expr::str("Memory")),
                json!({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}),
            ),
            (Expr::import_value(Expr::str("shared-vpc")), json!({"Fn::ImportValue": "shared-vpc"})),
            (Expr::Or(vec![Expr::Bool(true)]), json!({"Fn::Or": [true]})),
        ];
        for (expr, want) in cases {
            assert_eq!(serde_json::to_value(&expr).expect("serializes"), want, "{expr:?}");
        }
    }
}
