//! The template's sections besides resources: parameters, conditions, mappings and outputs.

use super::error::Error;
use super::refs::*;
use super::scope::{Construct, Scope, Section};
use crate::template::{self, Expr};

/// A template parameter (`Ref` gives its value).
#[derive(Debug, Clone)]
pub struct Parameter {
    scope: Scope,
    pub(super) logical_id: String,
}

impl Construct for Parameter {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Parameter {
    /// A template parameter as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, parameter: template::Parameter) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let logical_id = scope.tree.borrow_mut().claim(Section::Referable, &scope.path)?;
        scope.tree.borrow_mut().parameters.insert(logical_id.clone(), parameter);
        Ok(Self { scope, logical_id })
    }

    /// A NoEcho String parameter (at least 32 characters) whose value the deploy engine
    /// generates on the first deploy (32 random bytes, hex) and keeps with UsePreviousValue
    /// after that: a secret in no file and no output.
    pub fn generated_secret(scope: &impl Construct, id: &str, description: impl Into<String>) -> Result<Self, Error> {
        let parameter =
            template::Parameter { no_echo: true, min_length: Some(32), ..template::Parameter::string(description) };
        let made = Self::new(scope, id, parameter)?;
        made.scope.tree.borrow_mut().generated_secrets.push(made.logical_id.clone());
        Ok(made)
    }

    /// A String parameter (default empty) that another command may set between deployments,
    /// as `lamux-deploy preview canary` sets the canary: the deploy engine gives it `value`
    /// when there is one, and otherwise keeps the deployed value (UsePreviousValue).
    pub fn kept(
        scope: &impl Construct,
        id: &str,
        description: impl Into<String>,
        value: Option<String>,
    ) -> Result<Self, Error> {
        let parameter = template::Parameter { default: Some("".into()), ..template::Parameter::string(description) };
        let made = Self::new(scope, id, parameter)?;
        made.scope.tree.borrow_mut().kept_parameters.push((made.logical_id.clone(), value));
        Ok(made)
    }

    /// Its logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `{"Ref": ID}`: the parameter's value.
    pub fn value(&self) -> Expr {
        self.scope.local(Expr::reference(&self.logical_id))
    }

    /// The value as a typed reference, for a parameter that holds e.g. a role ARN.
    pub fn value_as<K>(&self) -> Ref<K> {
        Ref::unchecked(self.value())
    }
}

/// A parameter's value where a typed reference goes (`.role(&role_arn_parameter)`): the
/// parameter holds what the property takes.
impl<K> From<&Parameter> for Ref<K> {
    fn from(parameter: &Parameter) -> Self {
        parameter.value_as()
    }
}

/// A parameter's value where any value goes (`.log_group_name(&name_parameter)`).
impl From<&Parameter> for Expr {
    fn from(parameter: &Parameter) -> Self {
        parameter.value()
    }
}

/// A condition (`Conditions`), for a resource's `Condition` and `Fn::If`.
#[derive(Debug, Clone)]
pub struct Condition {
    scope: Scope,
    pub(super) name: String,
}

impl Construct for Condition {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Condition {
    /// A condition as the child `id` of `scope`: `test` is a `Fn::Equals`, `Fn::Not`, `Fn::And` or `Fn::Or`.
    pub fn new(scope: &impl Construct, id: &str, test: Expr) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let mut tree = scope.tree.borrow_mut();
        let name = tree.claim(Section::Conditions, &scope.path)?;
        tree.conditions.insert(name.clone(), test);
        drop(tree);
        Ok(Self { scope, name })
    }

    /// Its name in `Conditions`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Fn::If`: `then` where the condition holds, `otherwise` where not.
    pub fn select(&self, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
        Expr::If(self.name.clone(), Box::new(then.into()), Box::new(otherwise.into()))
    }
}

/// A mapping (`Mappings`), read with `Fn::FindInMap`.
#[derive(Debug, Clone)]
pub struct Mapping {
    scope: Scope,
    name: String,
}

impl Construct for Mapping {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Mapping {
    /// A mapping as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, entries: template::Mapping) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let mut tree = scope.tree.borrow_mut();
        let name = tree.claim(Section::Mappings, &scope.path)?;
        tree.mappings.insert(name.clone(), entries);
        drop(tree);
        Ok(Self { scope, name })
    }

    /// `Fn::FindInMap [name, top, second]`.
    pub fn find(&self, top: impl Into<Expr>, second: impl Into<Expr>) -> Expr {
        Expr::find_in_map(&self.name, top.into(), second.into())
    }
}

/// An output (`Outputs`), exported for other stacks when `export_name` is given.
///
/// ```
/// # use lamux_cdk::tree::{OutputProps, Stack, Output};
/// # use lamux_cdk::template::Expr;
/// let stack = Stack::new("outputs");
/// Output::new(&stack, "Stage", OutputProps::builder().value("prod").description("the stage").build())?;
/// # Ok::<(), lamux_cdk::tree::Error>(())
/// ```
#[derive(Debug, Clone, bon::Builder)]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct OutputProps {
    /// The value: required.
    pub value: Expr,
    /// `Description`
    #[builder(default)]
    pub description: String,
    /// `Export.Name`: set to export it outside the App (an App exports what its stacks import by itself).
    pub export_name: Option<Expr>,
    /// `Condition`: the output exists only when it holds.
    pub condition: Option<Condition>,
}

/// An output of the stack (CDK's `CfnOutput`).
#[derive(Debug, Clone)]
pub struct Output {
    name: String,
    scope: Scope,
    export_name: Option<Expr>,
}

impl Construct for Output {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Output {
    /// The output `id` (its logical ID is the path's).
    ///
    /// ```
    /// use lamux_cdk::tree::{Output, OutputProps, Stack};
    /// let stack = Stack::new("outputs");
    /// Output::new(&stack, "Stage", OutputProps::builder().value("prod").build())?;
    /// assert!(stack.synth()?.template.output("Stage").is_some());
    /// # Ok::<(), lamux_cdk::tree::Error>(())
    /// ```
    pub fn new(scope: &impl Construct, id: &str, props: OutputProps) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let mut tree = scope.tree.borrow_mut();
        let name = tree.claim(Section::Outputs, &scope.path)?;
        tree.outputs.insert(
            name.clone(),
            template::Output {
                description: props.description,
                condition: props.condition.map(|c| c.name),
                value: props.value,
                export: props.export_name.clone().map(|name| template::Export { name }),
            },
        );
        drop(tree);
        Ok(Self { name, scope, export_name: props.export_name })
    }

    /// Its logical ID in `Outputs`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Fn::ImportValue` of the export, for another stack's template. The export name is
    /// resolved as the exporting stack sees it: `${AWS::StackName}` in it becomes that stack's
    /// name, which only a stack of an App has. (`${AWS::Region}` and `${AWS::AccountId}` are
    /// the same in both stacks: an import never crosses them.)
    pub fn import_value(&self) -> Result<Expr, Error> {
        let invalid = |why: &str| Error::Invalid { path: self.scope.path.clone(), why: why.to_owned() };
        let name = match &self.export_name {
            None => return Err(invalid("the output has no export name to import it by")),
            Some(Expr::Str(name)) => Expr::Str(name.clone()),
            Some(Expr::Sub(text)) if text.contains("${AWS::StackName}") => {
                let stack = self.scope.tree.borrow().name.clone().ok_or_else(|| {
                    invalid("its export name has ${AWS::StackName}, which is the exporting stack's name: give the stack a name with App::stack")
                })?;
                Expr::sub(text.replace("${AWS::StackName}", &stack))
            }
            Some(Expr::Sub(text)) => Expr::sub(text.clone()),
            Some(_) => return Err(invalid("an export name to import must be a string or a Fn::Sub")),
        };
        Ok(Expr::import_value(name))
    }
}
