//! [`CfnResource`]: a resource of the template with typed props, its options
//! (condition, dependencies, removal policy) and property overrides.

use std::cell::RefCell;
use std::rc::Rc;

use super::error::Error;
use super::hashed;
use super::overrides;
use super::scope::{Construct, Scope, Section, Synthesize};
use super::sections::Condition;
use crate::template::{Expr, RemovalPolicy, Resource, ResourceEntry};

/// A property value set by [`CfnResource::add_property_override`], rendered with the rest of
/// the resource (so a reference becomes an import in another stack).
type DeferredValue = Rc<dyn Fn() -> Result<serde_json::Value, String>>;

struct Node<P> {
    props: P,
    condition: Option<String>,
    depends_on: Vec<String>,
    policy: Option<RemovalPolicy>,
    /// Dotted paths into the properties, set (`Some`) or deleted (`None`), in call order.
    overrides: Vec<(String, Option<DeferredValue>)>,
}

impl<P: Resource> Synthesize for Node<P> {
    fn entry(&self) -> Result<ResourceEntry, String> {
        let properties = serde_json::to_value(&self.props).map_err(|err| err.to_string())?;
        Ok(ResourceEntry {
            kind: self.props.resource_type().to_owned(),
            condition: self.condition.clone(),
            depends_on: self.depends_on.clone(),
            deletion_policy: self.policy,
            update_replace_policy: self.policy.map(RemovalPolicy::on_replace),
            properties,
        })
    }

    fn overridden(&self, properties: &mut serde_json::Value) -> Result<(), String> {
        for (path, value) in &self.overrides {
            let value = value.as_ref().map(|render| render()).transpose()?;
            overrides::apply(properties, path, value)?;
        }
        Ok(())
    }
}

/// A resource in the tree with its properties `P` (the CloudFormation resource as it is:
/// CDK's L1). Constructs hold one per resource they add, and it is the escape hatch for a
/// property no construct sets.
pub struct CfnResource<P> {
    node: Rc<RefCell<Node<P>>>,
    scope: Scope,
    logical_id: String,
}

impl<P> Clone for CfnResource<P> {
    fn clone(&self) -> Self {
        Self { node: Rc::clone(&self.node), scope: self.scope.clone(), logical_id: self.logical_id.clone() }
    }
}

impl<P> Construct for CfnResource<P> {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl<P: Resource + 'static> CfnResource<P> {
    /// Add a resource as the construct `id` under `scope`.
    pub fn new(scope: &impl Construct, id: &str, props: P) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        Self::at(scope, props)
    }

    /// Add a resource at a scope already made: a construct whose own path is its main
    /// resource's (`Lamux/Function` is both the construct and the `AWS::Lambda::Function`).
    pub fn at(scope: Scope, props: P) -> Result<Self, Error> {
        let mut tree = scope.tree.borrow_mut();
        let logical_id = tree.claim(Section::Referable, &scope.path)?;
        let node = Rc::new(RefCell::new(Node {
            props,
            condition: None,
            depends_on: Vec::new(),
            policy: None,
            overrides: Vec::new(),
        }));
        let erased: Rc<RefCell<dyn Synthesize>> = node.clone();
        tree.resources.insert(logical_id.clone(), (scope.path.clone(), erased));
        drop(tree);
        Ok(Self { node, scope, logical_id })
    }
}

impl<P> CfnResource<P> {
    /// The resource's logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `{"Ref": ID}`: what the resource type documents as its return value. In another
    /// stack of the same App, the import of its export.
    pub fn reference(&self) -> Expr {
        self.scope.local(Expr::reference(&self.logical_id))
    }

    /// `{"Fn::GetAtt": [ID, attribute]}`, or its import in another stack of the same App.
    pub fn get_att(&self, attribute: &str) -> Expr {
        self.scope.local(Expr::get_att(&self.logical_id, attribute))
    }

    /// Rename this resource at synth to `prefix` and a hash of resource `of` as synthesized
    /// and of `content` (see `hashed`).
    pub(crate) fn hash_logical_id(&self, prefix: String, of: &str, content: hashed::Content) {
        let entry = hashed::HashedId { placeholder: self.logical_id.clone(), prefix, of: of.to_owned(), content };
        self.scope.tree.borrow_mut().hashed.push(entry);
    }

    /// A reader of the properties that outlives this handle and holds no scope.
    pub(crate) fn reader<T>(&self, read: impl Fn(&P) -> T + 'static) -> impl Fn() -> T + 'static
    where
        P: 'static,
    {
        let node = Rc::clone(&self.node);
        move || read(&node.borrow().props)
    }

    /// Change the properties after the fact.
    pub fn update(&self, change: impl FnOnce(&mut P)) {
        change(&mut self.node.borrow_mut().props);
    }

    /// Read the properties.
    pub fn read<T>(&self, read: impl FnOnce(&P) -> T) -> T {
        read(&self.node.borrow().props)
    }

    /// `DependsOn`: create this resource after `other`, which it does not reference.
    pub fn add_depends_on<Q>(&self, other: &CfnResource<Q>) {
        let mut node = self.node.borrow_mut();
        if !node.depends_on.contains(&other.logical_id) {
            node.depends_on.push(other.logical_id.clone());
        }
    }

    /// `DeletionPolicy` and `UpdateReplacePolicy` both: what happens to the physical resource
    /// when it leaves the stack or is replaced. `RetainExceptOnCreate` is valid for
    /// `DeletionPolicy` only; a replaced resource is then retained.
    pub fn set_policy(&self, policy: RemovalPolicy) {
        self.node.borrow_mut().policy = Some(policy);
    }

    /// `Condition`: create the resource only when `condition` holds.
    pub fn set_condition(&self, condition: &Condition) {
        self.node.borrow_mut().condition = Some(condition.name.clone());
    }

    /// Set the property at `path` (`VpcConfig.SubnetIds`, `Tags.0.Value`: keys and list
    /// indexes, dotted), whatever the typed props model: CDK's escape hatch. Missing objects
    /// on the way are made. Applied at synth, after the props, in call order.
    ///
    /// ```
    /// # use lamux_cdk::tree::{CfnResource, Stack};
    /// # use lamux_cdk::template::{Expr, RawProperties};
    /// # use serde_json::json;
    /// let stack = Stack::new("overrides");
    /// let queue = CfnResource::new(&stack, "Queue", RawProperties::new("AWS::SQS::Queue", json!({"DelaySeconds": 5})))?;
    /// queue.add_property_override("RedrivePolicy.maxReceiveCount", 3);
    /// queue.add_property_override("Tags", vec![json!({"Key": "team", "Value": "api"})]);
    /// queue.add_property_deletion_override("DelaySeconds");
    /// let template = stack.synth()?.template;
    /// assert_eq!(template.properties("Queue"), Some(&json!({
    ///     "RedrivePolicy": {"maxReceiveCount": 3},
    ///     "Tags": [{"Key": "team", "Value": "api"}],
    /// })));
    /// # Ok::<(), lamux_cdk::tree::Error>(())
    /// ```
    pub fn add_property_override(&self, path: &str, value: impl serde::Serialize + 'static) {
        let render: DeferredValue = Rc::new(move || serde_json::to_value(&value).map_err(|err| err.to_string()));
        self.node.borrow_mut().overrides.push((path.to_owned(), Some(render)));
    }

    /// Remove the property at `path` from the rendered resource.
    pub fn add_property_deletion_override(&self, path: &str) {
        self.node.borrow_mut().overrides.push((path.to_owned(), None));
    }
}
