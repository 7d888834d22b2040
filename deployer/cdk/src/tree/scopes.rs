//! What `Tags::of` and `Aspects::of` take ([`Scopes`]: a construct, or an App) and what they
//! add to each stack's tree.

use std::rc::Rc;

use super::aspects::Aspect;
use super::scope::{Construct, Scope};
use super::tags::TagRule;

/// What [`Tags::of`] and [`Aspects::of`] take: a construct, for everything under it, or an
/// [`App`](crate::app::App), for every stack of it.
pub trait Scopes {
    /// The scopes reached.
    fn scopes(&self) -> Vec<Scope>;
}

impl<T: Construct> Scopes for T {
    fn scopes(&self) -> Vec<Scope> {
        vec![self.scope().clone()]
    }
}

/// Tags for the resources under a scope (CDK's `Tags.of(scope).add(key, value)`), put on at
/// synth, before aspects and property overrides.
///
/// ```
/// # use lamux_cdk::tree::{CfnResource, Stack, Tags};
/// # use lamux_cdk::template::RawProperties;
/// # use serde_json::json;
/// let stack = Stack::new("tags");
/// let queue = CfnResource::new(&stack, "Queue", RawProperties::new("AWS::SQS::Queue", json!({})))?;
/// let topic = CfnResource::new(&stack, "Topic", RawProperties::new("AWS::SNS::Topic", json!({})))?;
/// Tags::of(&stack).add("team", "api");
/// Tags::of(&stack).include_resource_types(["AWS::SQS::Queue"]).add("cost-centre", "42");
/// Tags::of(&topic).remove("team");
/// let template = stack.synth()?.template;
/// assert_eq!(
///     template.properties("Queue"),
///     Some(&json!({"Tags": [{"Key": "cost-centre", "Value": "42"}, {"Key": "team", "Value": "api"}]}))
/// );
/// assert_eq!(template.properties("Topic"), Some(&json!({})));
/// # Ok::<(), lamux_cdk::tree::Error>(())
/// ```
pub struct Tags {
    scopes: Vec<Scope>,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Tags {
    /// The tags of a construct's subtree, or of every stack of an App.
    pub fn of(scope: &impl Scopes) -> Self {
        Self { scopes: scope.scopes(), include: Vec::new(), exclude: Vec::new() }
    }

    /// Only resources of these types (`AWS::Lambda::Function`) take the tags added next.
    pub fn include_resource_types<T: Into<String>>(mut self, types: impl IntoIterator<Item = T>) -> Self {
        self.include.extend(types.into_iter().map(Into::into));
        self
    }

    /// Resources of these types do not take the tags added next.
    pub fn exclude_resource_types<T: Into<String>>(mut self, types: impl IntoIterator<Item = T>) -> Self {
        self.exclude.extend(types.into_iter().map(Into::into));
        self
    }

    /// Tag every taggable resource under the scope with `key` = `value`. A tag the resource's
    /// own props set stays; of two tags of one key, the one on the longer path wins, then
    /// the later one.
    pub fn add(&self, key: impl Into<String>, value: impl Into<String>) -> &Self {
        self.push(key.into(), Some(value.into()))
    }

    /// Take `key` off what [`Tags::add`] puts on the resources under the scope: an `add` on
    /// a longer path wins over it, as a later one on the same path does. A tag the
    /// resource's own props set stays.
    pub fn remove(&self, key: impl Into<String>) -> &Self {
        self.push(key.into(), None)
    }

    fn push(&self, key: String, value: Option<String>) -> &Self {
        for scope in &self.scopes {
            let rule = TagRule {
                prefix: scope.path.clone(),
                key: key.clone(),
                value: value.clone(),
                include: self.include.clone(),
                exclude: self.exclude.clone(),
            };
            scope.tree.borrow_mut().tags.push(rule);
        }
        self
    }
}

/// The aspects of a construct's subtree, or of every stack of an App.
pub struct Aspects {
    scopes: Vec<Scope>,
}

impl Aspects {
    /// The aspects of `scope`'s subtree, or of every stack of an App (CDK's `Aspects.of(scope)`); the example is on [`Aspect`](super::Aspect)'s module.
    pub fn of(scope: &impl Scopes) -> Self {
        Self { scopes: scope.scopes() }
    }

    /// Run `aspect` on every resource under the scope at synth, after tags and before
    /// property overrides.
    pub fn add(&self, aspect: impl Aspect + 'static) -> &Self {
        let aspect: Rc<dyn Aspect> = Rc::new(aspect);
        for scope in &self.scopes {
            scope.tree.borrow_mut().aspects.push((scope.path.clone(), Rc::clone(&aspect)));
        }
        self
    }
}
