//! Logical IDs that end in a hash of the synthesized template, known only at synth
//! (`Function::current_version`): the resource is claimed under a placeholder ID, and renamed,
//! with every reference to it, once tags, aspects and overrides have had their say.

use std::collections::BTreeMap;
use std::rc::Rc;

use sha2::{Digest as _, Sha256};

use crate::template::Template;

/// The hash of what else the ID stands for (a function's code), read at synth.
pub type Content = Rc<dyn Fn() -> Result<String, String>>;

/// A resource renamed at synth to `prefix` and 16 hex digits of the SHA-256 of resource `of`
/// as synthesized (its tags left out: they are not part of what it stands for) and of
/// `content`.
pub struct HashedId {
    pub placeholder: String,
    pub prefix: String,
    pub of: String,
    pub content: Content,
}

/// Rename each of `hashed` in `template`; returns placeholder -> logical ID. An error names
/// the placeholder and why.
pub fn rename(hashed: &[HashedId], template: &mut Template) -> Result<BTreeMap<String, String>, (String, String)> {
    let mut renames = BTreeMap::new();
    for entry in hashed {
        let fail = |why: String| (entry.placeholder.clone(), why);
        let mut properties = template
            .properties(&entry.of)
            .cloned()
            .ok_or_else(|| fail(format!("{} is not in the template", entry.of)))?;
        if let Some(map) = properties.as_object_mut() {
            map.remove("Tags");
        }
        let content = (entry.content)().map_err(fail)?;
        let digest = crate::archive::hex(&Sha256::digest(format!("{content}\n{properties}").as_bytes()));
        let logical_id = format!("{}{}", entry.prefix, &digest[..16]);
        if template.resource(&logical_id).is_some() {
            return Err(fail(format!("the logical ID {logical_id} is taken")));
        }
        template.rename_resource(&entry.placeholder, &logical_id);
        renames.insert(entry.placeholder.clone(), logical_id);
    }
    Ok(renames)
}
