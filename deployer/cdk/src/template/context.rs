//! Which stack a template is being rendered for. A value that belongs to one stack (a
//! resource's `Ref` or attribute, [`Expr::Local`](super::Expr::Local)) renders as itself in
//! that stack, and in another stack of the same [`App`](crate::app::App) as the
//! `Fn::ImportValue` of an export that stack then gets: each such use is recorded here.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A stack's identity, for values that belong to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StackId(u64);

impl StackId {
    /// A new identity, unique in the process.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A value of stack `owner` used by the stack being rendered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Import {
    /// The stack that exports the value.
    pub owner: StackId,
    /// The resource whose value it is.
    pub logical_id: String,
    /// `Fn::GetAtt`'s attribute; `Ref` when none.
    pub attribute: Option<String>,
    /// `OWNER:LOGICALID` or `OWNER:LOGICALID-ATTRIBUTE`: the export's name.
    pub export_name: String,
    /// The output's logical ID in the owner's template: `ExportLOGICALIDATTRIBUTE`.
    pub output_id: String,
}

struct Rendering {
    stack: StackId,
    names: BTreeMap<StackId, String>,
    imports: Vec<Import>,
    /// Values of stacks with no name here: stacks outside one App.
    strays: Vec<String>,
}

thread_local! {
    static RENDERING: RefCell<Option<Rendering>> = const { RefCell::new(None) };
}

/// What rendering a stack took from other stacks.
pub(crate) struct Rendered<R> {
    pub value: R,
    pub imports: Vec<Import>,
    /// `LOGICALID[.ATTRIBUTE]` of values of stacks `names` does not know.
    pub strays: Vec<String>,
}

/// Run `render` as the rendering of `stack`, among the stacks `names` names.
pub(crate) fn render<R>(stack: StackId, names: BTreeMap<StackId, String>, render: impl FnOnce() -> R) -> Rendered<R> {
    let outer =
        RENDERING.with(|cell| cell.replace(Some(Rendering { stack, names, imports: Vec::new(), strays: Vec::new() })));
    let value = render();
    let done = RENDERING.with(|cell| cell.replace(outer));
    let (imports, strays) = done.map(|rendering| (rendering.imports, rendering.strays)).unwrap_or_default();
    Rendered { value, imports, strays }
}

/// The export name to import `logical_id` (and `attribute`) of `owner` by, when a stack other
/// than `owner` is being rendered; `None` in `owner` itself and outside a rendering.
pub(crate) fn import(owner: StackId, logical_id: &str, attribute: Option<&str>) -> Option<String> {
    RENDERING.with(|cell| {
        let mut cell = cell.borrow_mut();
        let rendering = cell.as_mut().filter(|r| r.stack != owner)?;
        let what = match attribute {
            Some(attribute) => format!("{logical_id}.{attribute}"),
            None => logical_id.to_owned(),
        };
        let Some(owner_name) = rendering.names.get(&owner) else {
            rendering.strays.push(what);
            return None;
        };
        // Export names take letters, digits, ':' and '-'.
        let attribute_part: String = attribute
            .map(|a| {
                format!("-{}", a.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>())
            })
            .unwrap_or_default();
        let export_name = format!("{owner_name}:{logical_id}{attribute_part}");
        let output_id: String =
            format!("Export{logical_id}{attribute_part}").chars().filter(char::is_ascii_alphanumeric).collect();
        let import = Import {
            owner,
            logical_id: logical_id.to_owned(),
            attribute: attribute.map(str::to_owned),
            export_name: export_name.clone(),
            output_id,
        };
        if !rendering.imports.contains(&import) {
            rendering.imports.push(import);
        }
        Some(export_name)
    })
}
