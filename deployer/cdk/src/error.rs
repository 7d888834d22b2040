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

#[cfg(test)]
mod tests {
    use super::*;

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
