//! [`Asset`]: a file the stack deploys outside its template, as the construct that adds its
//! bucket and key parameters.

use super::asset_source::{AssetEntry, AssetSource};
use super::error::Error;
use super::refs::{BucketName, ObjectKey, Ref};
use super::scope::{Construct, Scope};
use super::sections::Parameter;
use crate::template;

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

    /// The bucket parameter's value.
    pub fn bucket(&self) -> Ref<BucketName> {
        self.bucket.value_as()
    }

    /// The key parameter's value.
    pub fn key(&self) -> Ref<ObjectKey> {
        self.key.value_as()
    }

    /// Where the zip comes from.
    pub fn source(&self) -> &AssetSource {
        &self.source
    }
}
