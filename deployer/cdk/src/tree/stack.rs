//! The stack, the root of the tree, and its synthesis: props, then tags, then aspects,
//! then property overrides, then the assets built and the hashed IDs named.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::aspects::{self, Finding};
use super::asset_source::{AssetEntry, AssetSource};
use super::error::Error;
use super::rotating::RotatingSecretEntry;
use super::scope::{Construct, Scope, Tree};
use super::{hashed, tags};
use crate::bundling::Bundling;
use crate::template::{self, Import, StackId, Template};

/// The stack: the root of the tree. Clones are the same stack.
#[derive(Clone)]
pub struct Stack {
    pub(super) root: Scope,
}

impl Scope {
    /// The stack this scope is in.
    pub fn stack(&self) -> Stack {
        Stack { root: Scope { tree: Rc::clone(&self.tree), path: String::new() } }
    }
}

impl Construct for Stack {
    fn scope(&self) -> &Scope {
        &self.root
    }
}

/// A synthesized stack: the template, and the assets its parameters stand for.
#[derive(Debug, Clone, Default)]
pub struct Synthesized {
    /// The template.
    pub template: Template,
    /// The files to upload, with the parameters that take their place.
    pub assets: Vec<AssetEntry>,
    /// NoEcho parameters the deploy engine generates on the first deploy and keeps after.
    pub generated_secrets: Vec<String>,
    /// Secrets in two slots that the engine rotates ([`RotatingSecret`](crate::constructs::secret::RotatingSecret)).
    pub rotating_secrets: Vec<RotatingSecretEntry>,
    /// Parameters a deployment sets only when given a value, and otherwise keeps as deployed
    /// ([`Parameter::kept`](super::Parameter::kept)).
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

    /// An ID of this stack for the run, unique among the stacks of the process.
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
