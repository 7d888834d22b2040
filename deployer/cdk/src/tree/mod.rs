//! The construct tree: a [`Stack`] owns every construct added under it, names each by its
//! path (`Lamux/Function`), derives the logical ID from that path, and synthesizes the
//! template and its asset manifest.
//!
//! Logical IDs are the path's components joined (`Lamux/Function` → `LamuxFunction`), so
//! they are stable as long as the path is. CDK appends a hash of the path to make two paths
//! that join to the same ID impossible; here such a pair is refused with
//! [`Error::DuplicateLogicalId`] instead, which keeps IDs readable and lets a stack keep the
//! IDs it was first deployed with ([`Stack::pin_logical_id`]): a changed logical ID makes
//! CloudFormation replace the resource.

mod aspects;
mod asset;
pub(crate) mod hashed;
mod overrides;
mod refs;
mod rotating;
mod tags;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

pub use aspects::{Aspect, Finding, Referenced, Visit};
pub use asset::{AssetEntry, AssetSource};
pub use refs::*;
pub use rotating::RotatingSecretEntry;
pub use tags::{TagRule, taggable};

use crate::bundling::Bundling;
use crate::error::DeployError;
use crate::template::{self, Expr, Import, RemovalPolicy, Resource, ResourceEntry, StackId, Template};

/// Why a construct could not be added, or a stack not synthesized.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("construct id {id:?} under {scope:?}: {why}")]
    InvalidId { scope: String, id: String, why: &'static str },
    #[error("{path} is already in the stack: a construct id is unique among its siblings")]
    DuplicatePath { path: String },
    #[error(
        "{path} and {other} both have the logical ID {logical_id}: rename one, or pin one with Stack::pin_logical_id"
    )]
    DuplicateLogicalId { logical_id: String, path: String, other: String },
    #[error("the logical ID {logical_id:?} for {path} is not 1-255 letters and digits")]
    InvalidLogicalId { logical_id: String, path: String },
    #[error("{path}: {why}")]
    Invalid { path: String, why: String },
    #[error("pinned logical ID {logical_id} for {path}, but no construct has that path")]
    UnusedPin { path: String, logical_id: String },
    #[error("{path}: the properties do not serialize: {why}")]
    Serialize { path: String, why: String },
    #[error("asset {path}: {why}")]
    Bundling { path: String, why: String },
    #[error("asset {path}: {file} is not a readable file: {why}")]
    AssetFile { path: String, file: std::path::PathBuf, why: String },
    #[error("stack {stack} uses {value} of stack {owner}: {why}")]
    CrossStack { stack: String, owner: String, value: String, why: String },
    /// What the aspects found, every error of the stack, one line each.
    #[error("stack {stack}: {}", aspect_errors(findings))]
    Aspects { stack: String, findings: Vec<Finding> },
    #[error("{0}")]
    App(String),
    /// Settings that contradict each other or AWS's limits (the Lamux construct's).
    #[error("{0}")]
    Settings(String),
}

fn aspect_errors(findings: &[Finding]) -> String {
    let lines: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.path, f.message)).collect();
    match lines.as_slice() {
        [one] => one.clone(),
        _ => format!("{} aspect errors:\n  {}", lines.len(), lines.join("\n  ")),
    }
}

/// A construct that could not be built, met while deploying (a stack synthesized there).
impl From<Error> for DeployError {
    fn from(error: Error) -> Self {
        anyhow::Error::from(error).into()
    }
}

/// Anything with a place in the tree. Constructs take their parent as `&impl Construct`.
pub trait Construct {
    fn scope(&self) -> &Scope;

    /// The construct path, e.g. `Lamux/Function`.
    fn path(&self) -> &str {
        self.scope().path()
    }
}

/// A construct's place in the tree: its path, and a handle to the stack it is in.
#[derive(Clone)]
pub struct Scope {
    tree: Rc<RefCell<Tree>>,
    path: String,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scope({:?})", self.path)
    }
}

impl Construct for Scope {
    fn scope(&self) -> &Scope {
        self
    }
}

trait Synthesize {
    /// The resource as its props render it, before any property override.
    fn entry(&self) -> Result<ResourceEntry, String>;
    /// Apply the property overrides, in call order: the last word, after tags and aspects.
    fn overridden(&self, properties: &mut serde_json::Value) -> Result<(), String>;
}

/// The template's namespaces of logical IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    /// Parameters and resources: `Ref` reads both.
    Referable,
    Conditions,
    Mappings,
    Outputs,
}

struct Tree {
    id: StackId,
    /// The stack's name, when it has one (a stack of an [`App`](crate::app::App)).
    name: Option<String>,
    description: String,
    paths: BTreeSet<String>,
    /// (section, logical ID) -> path. Parameters and resources share the section `Ref`
    /// reads; conditions, mappings and outputs each have their own.
    ids: BTreeMap<(Section, String), String>,
    pins: BTreeMap<String, (String, bool)>,
    parameters: BTreeMap<String, template::Parameter>,
    generated_secrets: Vec<String>,
    rotating_secrets: Vec<RotatingSecretEntry>,
    kept_parameters: Vec<(String, Option<String>)>,
    mappings: BTreeMap<String, template::Mapping>,
    conditions: BTreeMap<String, Expr>,
    resources: BTreeMap<String, (String, Rc<RefCell<dyn Synthesize>>)>,
    outputs: BTreeMap<String, template::Output>,
    assets: Vec<AssetEntry>,
    /// From [`Tags::add`] and [`Tags::remove`], in call order.
    tags: Vec<TagRule>,
    aspects: Vec<(String, Rc<dyn Aspect>)>,
    hashed: Vec<hashed::HashedId>,
}

impl Tree {
    fn new(description: String, name: Option<String>) -> Self {
        Self {
            id: StackId::next(),
            name,
            description,
            paths: BTreeSet::new(),
            ids: BTreeMap::new(),
            pins: BTreeMap::new(),
            parameters: BTreeMap::new(),
            generated_secrets: Vec::new(),
            rotating_secrets: Vec::new(),
            kept_parameters: Vec::new(),
            mappings: BTreeMap::new(),
            conditions: BTreeMap::new(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            assets: Vec::new(),
            tags: Vec::new(),
            aspects: Vec::new(),
            hashed: Vec::new(),
        }
    }

    /// The logical ID for `path`: pinned, or the path's components joined.
    fn logical_id(&mut self, path: &str) -> Result<String, Error> {
        let logical_id = match self.pins.get_mut(path) {
            Some((pinned, used)) => {
                *used = true;
                pinned.clone()
            }
            None => path.split('/').flat_map(|part| part.chars().filter(char::is_ascii_alphanumeric)).collect(),
        };
        if logical_id.is_empty() || logical_id.len() > 255 || !logical_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::InvalidLogicalId { logical_id, path: path.to_owned() });
        }
        Ok(logical_id)
    }

    /// Take the logical ID of `path` in `section`: refused when another path has it.
    fn claim(&mut self, section: Section, path: &str) -> Result<String, Error> {
        let logical_id = self.logical_id(path)?;
        if let Some(other) = self.ids.get(&(section, logical_id.clone())) {
            return Err(Error::DuplicateLogicalId { logical_id, path: path.to_owned(), other: other.clone() });
        }
        self.ids.insert((section, logical_id.clone()), path.to_owned());
        Ok(logical_id)
    }
}

impl Scope {
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A new child scope named `id`, which must be unique among this scope's children.
    pub fn child(&self, id: &str) -> Result<Scope, Error> {
        let why = if id.is_empty() {
            Some("it is empty")
        } else if id.contains('/') {
            Some("it contains '/', the path separator")
        } else if !id.chars().any(|c| c.is_ascii_alphanumeric()) {
            Some("it has no letter or digit for the logical ID")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(Error::InvalidId { scope: self.path.clone(), id: id.to_owned(), why });
        }
        let path = if self.path.is_empty() { id.to_owned() } else { format!("{}/{id}", self.path) };
        if !self.tree.borrow_mut().paths.insert(path.clone()) {
            return Err(Error::DuplicatePath { path });
        }
        Ok(Scope { tree: Rc::clone(&self.tree), path })
    }

    fn same_stack(&self, other: &Scope) -> bool {
        Rc::ptr_eq(&self.tree, &other.tree)
    }

    /// `value`, a `Ref` or `Fn::GetAtt` of this scope's stack, marked as the stack's.
    fn local(&self, value: Expr) -> Expr {
        Expr::Local(self.tree.borrow().id, Box::new(value))
    }

    /// For [`RotatingSecret`](crate::constructs::secret::RotatingSecret): the parameters the
    /// deploy engine sets.
    pub(crate) fn add_rotating_secret(&self, entry: RotatingSecretEntry) {
        self.tree.borrow_mut().rotating_secrets.push(entry);
    }

    /// The stack this scope is in.
    pub fn stack(&self) -> Stack {
        Stack { root: Scope { tree: Rc::clone(&self.tree), path: String::new() } }
    }
}

/// The stack: the root of the tree. Clones are the same stack.
#[derive(Clone)]
pub struct Stack {
    root: Scope,
}

impl Construct for Stack {
    fn scope(&self) -> &Scope {
        &self.root
    }
}

/// A synthesized stack: the template, and the assets its parameters stand for.
#[derive(Debug, Clone, Default)]
pub struct Synthesized {
    pub template: Template,
    pub assets: Vec<AssetEntry>,
    /// NoEcho parameters the deploy engine generates on the first deploy and keeps after.
    pub generated_secrets: Vec<String>,
    /// Secrets in two slots that the engine rotates ([`RotatingSecret`](crate::constructs::secret::RotatingSecret)).
    pub rotating_secrets: Vec<RotatingSecretEntry>,
    /// Parameters a deployment sets only when given a value, and otherwise keeps as deployed
    /// ([`Parameter::kept`]).
    pub kept_parameters: Vec<(String, Option<String>)>,
    /// What aspects reported without failing the synth.
    pub warnings: Vec<Finding>,
    /// Logical IDs given at synth: placeholder -> the ID in the template.
    pub(crate) renames: BTreeMap<String, String>,
}

impl Stack {
    /// A stack of its own, deployed under whatever name the deploying tool gives it.
    pub fn new(description: impl Into<String>) -> Self {
        Self::with_name(description.into(), None)
    }

    pub(crate) fn with_name(description: String, name: Option<String>) -> Self {
        let tree = Tree::new(description, name);
        Self { root: Scope { tree: Rc::new(RefCell::new(tree)), path: String::new() } }
    }

    /// The name an [`App`](crate::app::App) gave the stack.
    pub fn name(&self) -> Option<String> {
        self.root.tree.borrow().name.clone()
    }

    pub fn id(&self) -> StackId {
        self.root.tree.borrow().id
    }

    /// Whether `other` is this stack.
    pub fn is(&self, other: &Stack) -> bool {
        Rc::ptr_eq(&self.root.tree, &other.root.tree)
    }

    /// Give the construct at `path` this logical ID instead of the one its path makes: for a
    /// resource that was deployed under another ID and must not be replaced. Call it before
    /// the construct is added; synthesis fails if no construct has the path.
    pub fn pin_logical_id(&self, path: &str, logical_id: &str) {
        self.root.tree.borrow_mut().pins.insert(path.to_owned(), (logical_id.to_owned(), false));
    }

    /// The template and the asset manifest. A value of another stack is an error here: put
    /// both stacks in one [`App`](crate::app::App), which exports and imports it.
    pub fn synth(&self) -> Result<Synthesized, Error> {
        // Only this stack is known: a value of any other is refused, not imported.
        let names = self.name().map(|name| (self.id(), name)).into_iter().collect();
        Ok(self.synth_among(names, Reading::Assets(Bundling::Build), &BTreeMap::new())?.0)
    }

    /// The assets added so far, in the order they were added.
    pub fn assets(&self) -> Vec<AssetEntry> {
        self.root.tree.borrow().assets.clone()
    }

    /// The template and its imports from the other stacks `names` names; `others` holds
    /// those stacks' templates as [`Stack::plain`] renders them, for the aspects to look up.
    pub(crate) fn synth_among(
        &self,
        names: BTreeMap<StackId, String>,
        reading: Reading,
        others: &BTreeMap<String, Template>,
    ) -> Result<(Synthesized, Vec<Import>), Error> {
        let id = self.id();
        let rendered = template::render(id, names, || self.render(reading, others));
        if let Some(value) = rendered.strays.first() {
            return Err(Error::CrossStack {
                stack: self.name().unwrap_or_else(|| "(unnamed)".into()),
                owner: "another stack".into(),
                value: value.clone(),
                why: "the two stacks are not in one App, which would export and import the value".into(),
            });
        }
        Ok((rendered.value?, rendered.imports))
    }

    /// The template as props and tags make it, before aspects and overrides, with the
    /// values of the stacks `names` names imported: what another stack's aspects see of it.
    pub(crate) fn plain(&self, names: BTreeMap<StackId, String>) -> Result<Template, Error> {
        template::render(self.id(), names, || self.props_and_tags()).value
    }

    fn props_and_tags(&self) -> Result<Template, Error> {
        let tree = self.root.tree.borrow();
        let mut template = Template::new(tree.description.clone());
        template.parameters = tree.parameters.clone();
        template.mappings = tree.mappings.clone();
        template.conditions = tree.conditions.iter().map(|(name, test)| (name.clone(), test.resolved())).collect();
        template.outputs = tree
            .outputs
            .iter()
            .map(|(name, output)| (name.clone(), template::Output { value: output.value.resolved(), ..output.clone() }))
            .collect();
        // Props, then tags, then aspects, then property overrides: the escape hatch has the
        // last word, as in CDK.
        for (logical_id, (path, node)) in &tree.resources {
            let mut entry = node.borrow().entry().map_err(|why| Error::Serialize { path: path.clone(), why })?;
            tags::apply(&tree.tags, path, &entry.kind, &mut entry.properties);
            template.resources.insert(logical_id.clone(), entry);
        }
        Ok(template)
    }

    fn render(&self, reading: Reading, others: &BTreeMap<String, Template>) -> Result<Synthesized, Error> {
        let mut template = self.props_and_tags()?;
        let tree = self.root.tree.borrow();
        if let Some((path, (logical_id, _))) = tree.pins.iter().find(|(_, (_, used))| !used) {
            return Err(Error::UnusedPin { path: path.clone(), logical_id: logical_id.clone() });
        }
        let paths = tree.resources.iter().map(|(id, (path, _))| (id.clone(), path.clone())).collect();
        let (errors, warnings): (Vec<Finding>, Vec<Finding>) =
            aspects::run(&tree.aspects, &paths, &mut template, others).into_iter().partition(|finding| finding.error);
        if !errors.is_empty() {
            let stack = tree.name.clone().unwrap_or_else(|| "(unnamed)".into());
            return Err(Error::Aspects { stack, findings: errors });
        }
        for (logical_id, (path, node)) in &tree.resources {
            if let Some(entry) = template.resources.get_mut(logical_id) {
                node.borrow()
                    .overridden(&mut entry.properties)
                    .map_err(|why| Error::Serialize { path: path.clone(), why })?;
            }
        }
        if reading == Reading::Outline {
            return Ok(Synthesized { template, warnings, ..Synthesized::default() });
        }
        // Code that builds itself is built here (or, prebuilt, found), before anything hashes it.
        // A missing file fails here, not in a deploy after the other assets were uploaded.
        // Only its metadata is read: packaging is the deploy engine's.
        for asset in &tree.assets {
            if let (AssetSource::CargoLambda(build), Reading::Assets(bundling)) = (&asset.source, reading) {
                build.bootstrap(bundling).map_err(|why| Error::Bundling { path: asset.path.clone(), why })?;
            }
            if let Some(file) = asset.source.file() {
                let why = match std::fs::metadata(&file) {
                    Ok(metadata) if metadata.is_file() => continue,
                    Ok(_) => "not a regular file".to_owned(),
                    Err(err) => err.to_string(),
                };
                return Err(Error::AssetFile { path: asset.path.clone(), file, why });
            }
        }
        let renames = hashed::rename(&tree.hashed, &mut template).map_err(|(placeholder, why)| {
            let path = tree.resources.get(&placeholder).map_or(placeholder, |(path, _)| path.clone());
            Error::Invalid { path, why }
        })?;
        Ok(Synthesized {
            template,
            renames,
            assets: tree.assets.clone(),
            generated_secrets: tree.generated_secrets.clone(),
            rotating_secrets: tree.rotating_secrets.clone(),
            kept_parameters: tree.kept_parameters.clone(),
            warnings,
        })
    }
}

/// What a synth reads besides the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The assets: built or found as the bundling says, checked, and hashed where a logical
    /// ID takes their hash.
    Assets(Bundling),
    /// Nothing: the stacks and their imports alone (`list`), with placeholder IDs.
    Outline,
}

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

/// A template parameter (`Ref` gives its value).
#[derive(Debug, Clone)]
pub struct Parameter {
    scope: Scope,
    logical_id: String,
}

impl Construct for Parameter {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Parameter {
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
    name: String,
}

impl Construct for Condition {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Condition {
    pub fn new(scope: &impl Construct, id: &str, test: Expr) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let mut tree = scope.tree.borrow_mut();
        let name = tree.claim(Section::Conditions, &scope.path)?;
        tree.conditions.insert(name.clone(), test);
        drop(tree);
        Ok(Self { scope, name })
    }

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
    #[builder(default)]
    pub description: String,
    pub export_name: Option<Expr>,
    pub condition: Option<Condition>,
}

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

/// An asset: a zip the deploy engine uploads, reached in the template through two
/// parameters, `…S3Bucket` and `…S3Key`.
#[derive(Debug, Clone)]
pub struct Asset {
    scope: Scope,
    bucket: Parameter,
    key: Parameter,
    source: AssetSource,
}

impl Construct for Asset {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Asset {
    /// `name` goes into the S3 key (`PREFIX/NAME-SHA256.zip`) and the parameters'
    /// descriptions ("S3 key of the NAME zip").
    pub fn new(scope: &impl Construct, id: &str, name: &str, source: AssetSource) -> Result<Self, Error> {
        Self::described(scope, id, name, &format!("the {name} zip"), source)
    }

    /// An asset whose parameters describe it as `what` ("S3 key of WHAT").
    pub fn described(
        scope: &impl Construct,
        id: &str,
        name: &str,
        what: &str,
        source: AssetSource,
    ) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let bucket =
            Parameter::new(&scope, "S3Bucket", template::Parameter::string(format!("S3 bucket holding {what}")))?;
        let key = Parameter::new(&scope, "S3Key", template::Parameter::string(format!("S3 key of {what}")))?;
        scope.tree.borrow_mut().assets.push(AssetEntry {
            path: scope.path.clone(),
            name: name.to_owned(),
            bucket_parameter: bucket.logical_id.clone(),
            key_parameter: key.logical_id.clone(),
            source: source.clone(),
        });
        Ok(Self { scope, bucket, key, source })
    }

    pub fn bucket(&self) -> Ref<BucketName> {
        self.bucket.value_as()
    }

    pub fn key(&self) -> Ref<ObjectKey> {
        self.key.value_as()
    }

    pub fn source(&self) -> &AssetSource {
        &self.source
    }
}

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

/// Checks that `other` is in the same stack as `scope`: a reference across stacks would
/// render as a `Ref` to a logical ID the template does not have.
pub fn check_same_stack(scope: &Scope, other: &Scope) -> Result<(), Error> {
    if scope.same_stack(other) {
        Ok(())
    } else {
        Err(Error::Invalid {
            path: scope.path.clone(),
            why: format!("{} is in another stack; pass its value through an export instead", other.path),
        })
    }
}

#[cfg(test)]
mod tests;
