//! AWS clients from the standard chain (region, profile, credentials, `AWS_ENDPOINT_URL`),
//! with `--region` and `--profile` over it.

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::error::Result;

/// Where the AWS calls go; the standard chain (AWS_PROFILE, AWS_REGION, ...) otherwise.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsArgs {
    /// AWS region [default: from AWS_REGION or the profile].
    #[arg(long, global = true, help_heading = "AWS")]
    pub region: Option<String>,

    /// Named profile from ~/.aws/config [default: AWS_PROFILE, else `default`].
    #[arg(long, global = true, help_heading = "AWS")]
    pub profile: Option<String>,
}

impl AwsArgs {
    /// The clients for these flags.
    pub async fn clients(&self) -> Result<Clients> {
        Clients::from_env(self.region.as_deref(), self.profile.as_deref()).await
    }
}

/// The SDK clients the engine uses, from one configuration.
pub struct Clients {
    /// The configuration they were made from.
    pub config: SdkConfig,
    /// Change sets, stacks, events, exports.
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// The asset bucket.
    pub s3: aws_sdk_s3::Client,
    /// Functions and their versions (status, secrets).
    pub lambda: aws_sdk_lambda::Client,
    /// The caller's identity: its account and partition.
    pub sts: aws_sdk_sts::Client,
}

impl Clients {
    /// From the standard chain, with a region and a profile over it when given.
    pub async fn from_env(region: Option<&str>, profile: Option<&str>) -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_owned()));
        }
        Self::from_config(loader.load().await)
    }

    /// From a configuration the caller loaded (a library user's, or a test's).
    pub fn from_config(config: SdkConfig) -> Result<Self> {
        ensure!(
            config.region().is_some(),
            "no AWS region: pass --region, set AWS_REGION, or use a profile with a region"
        );
        // A custom endpoint (an emulator, a proxy) rarely serves virtual-hosted buckets.
        let path_style = config.endpoint_url().is_some();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config).force_path_style(path_style).build(),
        );
        Ok(Self {
            cloudformation: aws_sdk_cloudformation::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            s3,
            config,
        })
    }

    /// The region the clients call.
    pub fn region(&self) -> &str {
        self.config.region().map_or("", |region| region.as_ref())
    }
}
