//! TLS for lamux's outgoing HTTPS: the Invoke client and the OTLP exporter share one way to
//! build a connector (rustls, the system's roots, HTTP/1.1).

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
