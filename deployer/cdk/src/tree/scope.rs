//! A construct's place in the tree ([`Scope`]) and the tree a stack keeps: its paths, its
//! logical IDs by section, and what synth renders.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::aspects::Aspect;
use super::asset_source::AssetEntry;
use super::error::Error;
use super::hashed::HashedId;
use super::rotating::RotatingSecretEntry;
use super::tags::TagRule;
use crate::template::{self, Expr, ResourceEntry, StackId};

/// Anything with a place in the tree. Constructs take their parent as `&impl Construct`.
pub trait Construct {
    /// Its place in the tree.
    fn scope(&self) -> &Scope;

    /// The construct path, e.g. `Lamux/Function`.
    fn path(&self) -> &str {
        self.scope().path()
    }
}

/// A construct's place in the tree: its path, and a handle to the stack it is in.
#[derive(Clone)]
pub struct Scope {
    pub(super) tree: Rc<RefCell<Tree>>,
    pub(super) path: String,
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

pub(super) trait Synthesize {
    /// The resource as its props render it, before any property override.
    fn entry(&self) -> Result<ResourceEntry, String>;
    /// Apply the property overrides, in call order: the last word, after tags and aspects.
    fn overridden(&self, properties: &mut serde_json::Value) -> Result<(), String>;
}

/// The template's namespaces of logical IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Section {
    /// Parameters and resources: `Ref` reads both.
    Referable,
    Conditions,
    Mappings,
    Outputs,
}

pub(super) struct Tree {
    pub(super) id: StackId,
    /// The stack's name, when it has one (a stack of an [`App`](crate::app::App)).
    pub(super) name: Option<String>,
    pub(super) description: String,
    pub(super) paths: BTreeSet<String>,
    /// (section, logical ID) -> path. Parameters and resources share the section `Ref`
    /// reads; conditions, mappings and outputs each have their own.
    pub(super) ids: BTreeMap<(Section, String), String>,
    pub(super) pins: BTreeMap<String, (String, bool)>,
    pub(super) parameters: BTreeMap<String, template::Parameter>,
    pub(super) generated_secrets: Vec<String>,
    pub(super) rotating_secrets: Vec<RotatingSecretEntry>,
    pub(super) kept_parameters: Vec<(String, Option<String>)>,
    pub(super) mappings: BTreeMap<String, template::Mapping>,
    pub(super) conditions: BTreeMap<String, Expr>,
    pub(super) resources: BTreeMap<String, (String, Rc<RefCell<dyn Synthesize>>)>,
    pub(super) outputs: BTreeMap<String, template::Output>,
    pub(super) assets: Vec<AssetEntry>,
    /// From [`Tags::add`] and [`Tags::remove`], in call order.
    pub(super) tags: Vec<TagRule>,
    pub(super) aspects: Vec<(String, Rc<dyn Aspect>)>,
    pub(super) hashed: Vec<HashedId>,
}

impl Tree {
    pub(super) fn new(description: String, name: Option<String>) -> Self {
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
    pub(super) fn logical_id(&mut self, path: &str) -> Result<String, Error> {
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
    pub(super) fn claim(&mut self, section: Section, path: &str) -> Result<String, Error> {
        let logical_id = self.logical_id(path)?;
        if let Some(other) = self.ids.get(&(section, logical_id.clone())) {
            return Err(Error::DuplicateLogicalId { logical_id, path: path.to_owned(), other: other.clone() });
        }
        self.ids.insert((section, logical_id.clone()), path.to_owned());
        Ok(logical_id)
    }
}

impl Scope {
    /// The construct path (`Lamux/Function`); empty for the stack.
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

    pub(super) fn same_stack(&self, other: &Scope) -> bool {
        Rc::ptr_eq(&self.tree, &other.tree)
    }

    /// `value`, a `Ref` or `Fn::GetAtt` of this scope's stack, marked as the stack's.
    pub(super) fn local(&self, value: Expr) -> Expr {
        Expr::Local(self.tree.borrow().id, Box::new(value))
    }

    /// For [`RotatingSecret`](crate::constructs::secret::RotatingSecret): the parameters the
    /// deploy engine sets.
    pub(crate) fn add_rotating_secret(&self, entry: RotatingSecretEntry) {
        self.tree.borrow_mut().rotating_secrets.push(entry);
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
