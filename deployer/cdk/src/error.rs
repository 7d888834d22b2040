//! [`DeployError`]: what went wrong packaging, uploading or deploying, as a chain of causes
//! from the step to the AWS error. Building and synthesizing a stack fail with
//! [`tree::Error`](crate::tree::Error) instead.

use std::fmt;

/// A failure of the deploy engine or of packaging. `Display` is the step that failed
/// ("cannot upload the asset"); `source()` leads through its causes down to the AWS error,
/// so `anyhow`'s `{:#}` prints `step: cause: cause`.
pub struct DeployError(anyhow::Error);

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for DeployError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<anyhow::Error> for DeployError {
    fn from(error: anyhow::Error) -> Self {
        Self(error)
    }
}

/// What the engine and packaging return: `Result<T, DeployError>` unless another error is named.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;

/// An AWS call that failed, on one line: what was being done, AWS's error code and message,
/// and the request id (`cannot create the change set: ValidationError: No export named
/// shared:Bar found (request id 5f2c…)`). The SDK's error is its `source()`; [`report`]
/// stops there, so the SDK's own renderings (`service error`, `Error { code: … }`) are not
/// printed after it.
#[cfg(feature = "deploy")]
#[derive(Debug)]
pub struct AwsError {
    what: String,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    source: Box<dyn std::error::Error + Send + Sync>,
}

#[cfg(feature = "deploy")]
impl AwsError {
    /// `err`, a failed call while doing `what`.
    pub fn new<E, R>(what: impl Into<String>, err: aws_sdk_cloudformation::error::SdkError<E, R>) -> Self
    where
        E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        use aws_sdk_cloudformation::error::ProvideErrorMetadata as _;
        let request_id = match &err {
            aws_sdk_cloudformation::error::SdkError::ServiceError(service) => {
                service.err().meta().extra("aws_request_id").or_else(|| service.err().meta().extra("request_id"))
            }
            _ => None,
        }
        .map(str::to_owned);
        Self {
            what: what.into(),
            code: err.code().map(str::to_owned),
            message: err.message().map(str::to_owned),
            request_id,
            source: Box::new(err),
        }
    }
}

#[cfg(feature = "deploy")]
impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.what)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, "{code}: {message}")?,
            (Some(code), None) => write!(f, "{code}")?,
            (None, Some(message)) => write!(f, "{message}")?,
            // No answer from AWS (a connection, a timeout, a credential): the SDK's causes, on
            // one line.
            (None, None) => {
                let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&*self.source);
                let mut first = true;
                while let Some(cause) = next {
                    write!(f, "{}{cause}", if first { "" } else { ": " })?;
                    first = false;
                    next = cause.source();
                }
            }
        }
        match &self.request_id {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

#[cfg(feature = "deploy")]
impl std::error::Error for AwsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(feature = "deploy")]
impl From<AwsError> for DeployError {
    fn from(error: AwsError) -> Self {
        Self(anyhow::Error::new(error))
    }
}

/// `.aws("what was being done")` on the result of an SDK call.
#[cfg(feature = "deploy")]
pub trait AwsContext<T> {
    /// The error as one line that says what was called (`what`): AWS's code, message and request ID.
    fn aws(self, what: impl Into<String>) -> Result<T, AwsError>;
}

#[cfg(feature = "deploy")]
impl<T, E, R> AwsContext<T> for std::result::Result<T, aws_sdk_cloudformation::error::SdkError<E, R>>
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    fn aws(self, what: impl Into<String>) -> Result<T, AwsError> {
        self.map_err(|err| AwsError::new(what, err))
    }
}

/// An error and its causes on one line (`step: cause: cause`), as `{:#}` prints them, but
/// ending at an [`AwsError`]: what the command lines print.
pub fn report(error: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in error.chain() {
        let shown = cause.to_string();
        #[cfg(feature = "deploy")]
        let last = shows_aws_error(cause, &shown);
        parts.push(shown);
        #[cfg(feature = "deploy")]
        if last {
            break;
        }
    }
    parts.join(": ")
}

/// Whether `cause` is an [`AwsError`], or a [`DeployError`] that shows one as it is (its
/// `source()` is then the SDK's error).
#[cfg(feature = "deploy")]
fn shows_aws_error(cause: &(dyn std::error::Error + 'static), shown: &str) -> bool {
    cause.downcast_ref::<AwsError>().is_some()
        || cause
            .downcast_ref::<DeployError>()
            .and_then(|deploy| deploy.0.downcast_ref::<AwsError>())
            .is_some_and(|aws| aws.to_string() == shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 30: a deploy error printed the SDK's `Error { code: …, aws_request_id: … }`.
    #[cfg(feature = "deploy")]
    #[test]
    fn an_aws_error_is_one_line_with_its_code_message_and_request_id() {
        use aws_sdk_cloudformation::error::{ErrorMetadata, SdkError};
        use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError;
        let meta = ErrorMetadata::builder()
            .code("ValidationError")
            .message("No export named shared:Bar found.")
            .custom("aws_request_id", "5f2c0e4a")
            .build();
        let failed: std::result::Result<(), _> =
            Err(SdkError::<_, ()>::service_error(CreateChangeSetError::generic(meta), ()));
        let err = failed.aws("stack app: cannot create the change set").expect_err("failed");
        let one_line = "stack app: cannot create the change set: ValidationError: No export named shared:Bar found. \
                        (request id 5f2c0e4a)";
        assert_eq!(err.to_string(), one_line);
        assert!(std::error::Error::source(&err).is_some(), "the SDK's error stays the source");
        // However it is wrapped, the report ends there.
        let direct =
            anyhow::Error::new(AwsError::new("x", SdkError::<CreateChangeSetError, ()>::timeout_error("slow")));
        assert_eq!(report(&direct.context("deploy")), "deploy: x: request has timed out: slow");
        let deploy: DeployError = err.into();
        let reported = anyhow::Error::new(deploy).context("deploy failed");
        assert_eq!(report(&reported), format!("deploy failed: {one_line}"));
        assert!(!format!("{reported:#}").is_empty());
    }

    #[test]
    fn the_message_is_the_step_and_the_causes_are_sources_printed_once() {
        let error = DeployError::from(anyhow::anyhow!("access denied").context("cannot upload the asset"));
        assert_eq!(error.to_string(), "cannot upload the asset");
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("access denied"));
        let reported = anyhow::Error::new(error).context("deploy failed");
        assert_eq!(format!("{reported:#}"), "deploy failed: cannot upload the asset: access denied");
    }
}
