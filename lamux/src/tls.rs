//! TLS for lamux's outgoing HTTPS, in one place: the connector of the Invoke client and the
//! OTLP exporter (rustls on aws-lc, the system's roots, HTTP/1.1), and the HTTPS client of
//! the AWS SDK (the fallback Invoke path, InvokeWithResponseStream, STS), rustls on aws-lc
//! too. Each loads the roots on its first request, not at start-up.

use std::sync::OnceLock;

use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use hyper_util::client::legacy::connect::HttpConnector;

/// An HTTP connector that speaks TLS to `https://` URLs and plain HTTP to `http://` ones.
pub type Https = hyper_rustls::HttpsConnector<HttpConnector>;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot load the system's TLS roots")]
    Roots(#[source] std::io::Error),
}

/// `http` with TLS for `https://` URLs.
pub fn with_tls(http: HttpConnector) -> Result<Https, TlsError> {
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(TlsError::Roots)?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

/// The SDK's HTTPS client, built on its first request. The SDK's default client is built,
/// roots loaded, as soon as a client is (`validate_base_client_config`), and aws-config
/// makes an STS client at start-up: inside a 128 MB function that was most of lamux's init
/// beyond a bare function's (bench/lambda, perf: rustls_native_certs under
/// aws_sdk_sts::Client::new). In function mode with buffered responses, no SDK request is
/// ever made, and the roots are loaded once, by [`with_tls`].
#[derive(Debug, Default)]
pub struct SdkHttpClient {
    client: OnceLock<SharedHttpClient>,
}

impl HttpClient for SdkHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let client = self.client.get_or_init(|| {
            aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build_https()
        });
        client.http_connector(settings, components)
    }
}

#[cfg(test)]
mod tests {
    /// aws-lc's CPU jitter entropy costs about 45 ms of CPU on the first handshake: 600 ms of
    /// the first response at 128 MB. `.cargo/config.toml` turns it off for every build of
    /// this workspace; losing that line brought it back once (bench/lambda caught it).
    #[test]
    fn aws_lc_is_built_without_cpu_jitter_entropy() {
        assert_eq!(option_env!("AWS_LC_SYS_NO_JITTER_ENTROPY"), Some("1"), "see .cargo/config.toml");
    }
}
