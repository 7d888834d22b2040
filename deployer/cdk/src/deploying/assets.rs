//! The asset bucket and content-addressed uploads.
//!
//! `lamux-assets-ACCOUNT-REGION` is a predictable name that someone else can create first,
//! so every call that takes it passes `ExpectedBucketOwner`: S3 refuses a bucket of another
//! account instead of taking our code or serving theirs. The bucket is set up as CDK's
//! bootstrap bucket is: public access blocked, default encryption, a policy that refuses
//! plain HTTP, and a lifecycle rule that expires old assets.

use anyhow::Context as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, MetadataDirective,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use serde_json::json;

use crate::archive::Archive;
use crate::deploying::aws::Clients;
use crate::deploying::progress::PROGRESS;
use crate::error::{AwsContext as _, AwsError, Result};

/// Days an asset is kept after its last upload or use. Every `up` refreshes the asset it
/// deploys and the one deployed before it (a rollback's code), so only assets that no
/// deployment touched for this long expire.
pub const ASSET_EXPIRY_DAYS: i32 = 90;

/// The asset bucket of one account and region.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// The bucket's name.
    pub name: String,
    /// The account that must own it (`ExpectedBucketOwner`).
    pub owner: String,
    /// The caller's partition (`aws`, `aws-cn`, `aws-us-gov`), from its identity's ARN: the
    /// bucket's ARNs and URLs are in it.
    pub partition: String,
    /// Its region.
    pub region: String,
}

impl Bucket {
    /// The HTTPS URL CloudFormation reads an object from (`TemplateURL`).
    pub fn object_url(&self, key: &str) -> String {
        let domain = if self.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
        format!("https://{}.s3.{}.{domain}/{key}", self.name, self.region)
    }
}

/// `lamux-assets-ACCOUNT-REGION`: one per account and region, like CDK's bootstrap bucket.
pub async fn bucket(clients: &Clients) -> Result<Bucket> {
    let identity = clients.sts.get_caller_identity().send().await.aws("cannot read the AWS account id (STS)")?;
    let account = identity.account().context("STS returned no account id")?;
    let partition = identity.arn().and_then(partition_of).unwrap_or("aws");
    Ok(Bucket {
        name: format!("lamux-assets-{account}-{}", clients.region()),
        owner: account.to_owned(),
        partition: partition.to_owned(),
        region: clients.region().to_owned(),
    })
}

/// `arn:PARTITION:...` -> `PARTITION`.
fn partition_of(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?.split(':').next().filter(|partition| !partition.is_empty())
}

/// Create the bucket if it is missing, then make sure it is set up as it should be.
pub async fn ensure_bucket(clients: &Clients, bucket: &Bucket) -> Result<()> {
    let Bucket { name, owner, .. } = bucket;
    match clients.s3.head_bucket().bucket(name).expected_bucket_owner(owner).send().await {
        Ok(_) => {}
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {
            tracing::info!(target: PROGRESS, "creating the asset bucket {name}");
            let mut create = clients.s3.create_bucket().bucket(name);
            // us-east-1 is the one region that takes no location constraint.
            if clients.region() != "us-east-1" {
                let constraint = BucketLocationConstraint::from(clients.region());
                create = create.create_bucket_configuration(
                    CreateBucketConfiguration::builder().location_constraint(constraint).build(),
                );
            }
            create.send().await.aws(format!("cannot create the asset bucket {name}"))?;
        }
        // A 403 here is a bucket of that name that account {owner} does not own.
        Err(err) => {
            let why = format!("the asset bucket {name} exists but is not account {owner}'s, or cannot be read");
            return Err(AwsError::new(why, err).into());
        }
    }
    Ok(harden(clients, bucket).await?)
}

/// Public access blocked, SSE-S3 by default, TLS only, old assets expire. Idempotent, so a
/// bucket made by an older lamux-deploy gets the same settings.
async fn harden(clients: &Clients, bucket: &Bucket) -> anyhow::Result<()> {
    let Bucket { name, owner, .. } = bucket;
    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    clients
        .s3
        .put_public_access_block()
        .bucket(name)
        .expected_bucket_owner(owner)
        .public_access_block_configuration(block)
        .send()
        .await
        .aws(format!("cannot block public access to {name}"))?;
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .context("encryption settings")?;
    let encryption = ServerSideEncryptionConfiguration::builder()
        .rules(ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build())
        .build()
        .context("encryption settings")?;
    clients
        .s3
        .put_bucket_encryption()
        .bucket(name)
        .expected_bucket_owner(owner)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .aws(format!("cannot turn on default encryption for {name}"))?;
    clients
        .s3
        .put_bucket_policy()
        .bucket(name)
        .expected_bucket_owner(owner)
        .policy(tls_only_policy(bucket).to_string())
        .send()
        .await
        .aws(format!("cannot set the TLS-only policy of {name}"))?;
    let rule = LifecycleRule::builder()
        .id("expire-old-assets")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .expiration(LifecycleExpiration::builder().days(ASSET_EXPIRY_DAYS).build())
        .abort_incomplete_multipart_upload(AbortIncompleteMultipartUpload::builder().days_after_initiation(1).build())
        .build()
        .context("lifecycle rule")?;
    let lifecycle = BucketLifecycleConfiguration::builder().rules(rule).build().context("lifecycle rule")?;
    clients
        .s3
        .put_bucket_lifecycle_configuration()
        .bucket(name)
        .expected_bucket_owner(owner)
        .lifecycle_configuration(lifecycle)
        .send()
        .await
        .aws(format!("cannot set the lifecycle rule of {name}"))?;
    Ok(())
}

/// Refuse every request that does not use TLS (aws:SecureTransport), as CDK's bucket does.
/// The ARNs are in the caller's partition, never a literal `arn:aws:`.
pub fn tls_only_policy(bucket: &Bucket) -> serde_json::Value {
    let Bucket { name: bucket, partition, .. } = bucket;
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyPlainHttp",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:{partition}:s3:::{bucket}"), format!("arn:{partition}:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

/// Upload under `key`, its content address; an asset already there is refreshed instead, so
/// that the lifecycle rule counts from its last use. Returns the key.
pub async fn upload(clients: &Clients, bucket: &Bucket, key: &str, archive: &Archive) -> Result<String> {
    put(clients, bucket, key, &archive.bytes).await?;
    Ok(key.to_owned())
}

/// A template too large for `TemplateBody`, stored under its digest; returns its URL.
pub async fn upload_template(clients: &Clients, bucket: &Bucket, prefix: &str, template: &str) -> Result<String> {
    let key = format!("{prefix}templates/{}.json", crate::archive::Archive::new(template.as_bytes().to_vec()).sha256);
    put(clients, bucket, &key, template.as_bytes()).await?;
    Ok(bucket.object_url(&key))
}

async fn put(clients: &Clients, bucket: &Bucket, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
    if refresh(clients, bucket, key).await? {
        tracing::info!(target: PROGRESS, "s3://{}/{key} is already uploaded", bucket.name);
        return Ok(());
    }
    tracing::info!(target: PROGRESS, "uploading s3://{}/{key} ({} bytes)", bucket.name, bytes.len());
    clients
        .s3
        .put_object()
        .bucket(&bucket.name)
        .key(key)
        .expected_bucket_owner(&bucket.owner)
        .body(ByteStream::from(bytes.to_vec()))
        .send()
        .await
        .aws(format!("cannot upload s3://{}/{key}", bucket.name))?;
    Ok(())
}

/// Copy an asset onto itself, which restarts its lifecycle clock; false when it is missing.
pub async fn refresh(clients: &Clients, bucket: &Bucket, key: &str) -> Result<bool> {
    let Bucket { name, owner, .. } = bucket;
    match clients.s3.head_object().bucket(name).key(key).expected_bucket_owner(owner).send().await {
        Ok(_) => {}
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => return Ok(false),
        Err(err) => return Err(AwsError::new(format!("cannot check s3://{name}/{key}"), err).into()),
    }
    clients
        .s3
        .copy_object()
        .bucket(name)
        .key(key)
        .copy_source(format!("{name}/{key}"))
        .metadata_directive(MetadataDirective::Replace)
        .expected_bucket_owner(owner)
        .expected_source_bucket_owner(owner)
        .send()
        .await
        .aws(format!("cannot refresh s3://{name}/{key}"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(partition: &str, region: &str) -> Bucket {
        Bucket {
            name: "lamux-assets-1-r".into(),
            owner: "1".into(),
            partition: partition.into(),
            region: region.into(),
        }
    }

    /// Issue 20: the bucket policy's ARNs said `arn:aws:` in every partition.
    #[test]
    fn arns_and_urls_follow_the_callers_partition() {
        assert_eq!(partition_of("arn:aws-cn:iam::1:user/x"), Some("aws-cn"));
        assert_eq!(partition_of("arn:aws-us-gov:sts::1:assumed-role/r/s"), Some("aws-us-gov"));
        assert_eq!(partition_of("not an arn"), None);
        let policy = tls_only_policy(&bucket("aws-cn", "cn-north-1"));
        assert_eq!(
            policy["Statement"][0]["Resource"],
            json!(["arn:aws-cn:s3:::lamux-assets-1-r", "arn:aws-cn:s3:::lamux-assets-1-r/*"])
        );
        assert!(!policy.to_string().contains("arn:aws:"));
        assert_eq!(
            bucket("aws-cn", "cn-north-1").object_url("t.json"),
            "https://lamux-assets-1-r.s3.cn-north-1.amazonaws.com.cn/t.json"
        );
        assert_eq!(
            bucket("aws", "eu-west-1").object_url("t.json"),
            "https://lamux-assets-1-r.s3.eu-west-1.amazonaws.com/t.json"
        );
    }
}
