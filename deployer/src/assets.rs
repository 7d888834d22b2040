//! The asset bucket and content-addressed uploads.

use anyhow::Context as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration};

use crate::aws::Clients;
use crate::package::Archive;

/// `lamux-assets-ACCOUNT-REGION`: one per account and region, like CDK's bootstrap bucket.
pub async fn bucket_name(clients: &Clients) -> anyhow::Result<String> {
    let identity = clients.sts.get_caller_identity().send().await.context("cannot read the AWS account id (STS)")?;
    let account = identity.account().context("STS returned no account id")?;
    Ok(format!("lamux-assets-{account}-{}", clients.region()))
}

/// Create the bucket if it is missing, with every kind of public access blocked.
pub async fn ensure_bucket(clients: &Clients, bucket: &str) -> anyhow::Result<()> {
    match clients.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => return Ok(()),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(err) => return Err(err).with_context(|| format!("cannot check the asset bucket {bucket}")),
    }
    eprintln!("creating the asset bucket {bucket}");
    let mut create = clients.s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region that takes no location constraint.
    if clients.region() != "us-east-1" {
        let constraint = BucketLocationConstraint::from(clients.region());
        create = create
            .create_bucket_configuration(CreateBucketConfiguration::builder().location_constraint(constraint).build());
    }
    create.send().await.with_context(|| format!("cannot create the asset bucket {bucket}"))?;
    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    clients
        .s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(block)
        .send()
        .await
        .with_context(|| format!("cannot block public access to {bucket}"))?;
    Ok(())
}

/// Upload under the content address unless that object is already there. Returns the key.
pub async fn upload(clients: &Clients, bucket: &str, kind: &str, archive: &Archive) -> anyhow::Result<String> {
    let key = archive.key(kind);
    match clients.s3.head_object().bucket(bucket).key(&key).send().await {
        Ok(_) => {
            eprintln!("s3://{bucket}/{key} is already uploaded");
            return Ok(key);
        }
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(err) => return Err(err).with_context(|| format!("cannot check s3://{bucket}/{key}")),
    }
    eprintln!("uploading s3://{bucket}/{key} ({} bytes)", archive.bytes.len());
    clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(&key)
        .body(ByteStream::from(archive.bytes.clone()))
        .send()
        .await
        .with_context(|| format!("cannot upload s3://{bucket}/{key}"))?;
    Ok(key)
}
