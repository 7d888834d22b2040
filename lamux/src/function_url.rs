//! Function URL mode: lamux is a function's `bootstrap`. lambda_http turns each Function URL
//! event into an HTTP request for the same router the server uses; the routed host comes
//! from `X-Forwarded-Host`, which the CloudFront Function sets.

use std::future::{Future, ready};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;

use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::Response;
use http_body_util::BodyExt as _;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt as _};
use tower::ServiceExt as _;

/// Serve Function URL invocations until Lambda stops the sandbox. With `streaming`, lamux
/// answers as a streaming function (its Function URL's InvokeMode must be RESPONSE_STREAM),
/// so a stream survives CloudFront -> lamux -> function.
pub async fn run(router: axum::Router, streaming: bool) -> Result<(), lambda_http::Error> {
    if streaming {
        let service = lambda_http::service_fn(move |request| route(router.clone(), request));
        return lambda_http::run_with_streaming_response(service).await;
    }
    lambda_http::run(lambda_http::service_fn(move |request| buffered(router.clone(), request))).await
}

/// The router's response to one Function URL request, the viewer's address attached.
async fn route(
    router: axum::Router,
    request: lambda_http::Request,
) -> Result<Response<axum::body::Body>, lambda_http::Error> {
    let peer = source_ip(&request);
    let mut request = request.map(axum::body::Body::new);
    if let Some(ip) = peer {
        request.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, 0)));
    }
    Ok(router.oneshot(request).await?)
}

async fn buffered(router: axum::Router, request: lambda_http::Request) -> Result<ExactResponse, lambda_http::Error> {
    let (parts, body) = route(router, request).await?.into_parts();
    let bytes = body.collect().await?.to_bytes();
    Ok(ExactResponse(Response::from_parts(parts, bytes)))
}

/// The viewer's address, as the Function URL saw it.
fn source_ip(request: &lambda_http::Request) -> Option<IpAddr> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        _ => None,
    }
}

/// A response whose body reaches the client byte for byte. lambda_http's own conversion
/// decodes every text-typed body as text (lossily, when it is not valid UTF-8); this one
/// sends valid UTF-8 as text and anything else as base64.
pub struct ExactResponse(pub Response<Bytes>);

impl lambda_http::IntoResponse for ExactResponse {
    fn into_response(self) -> Pin<Box<dyn Future<Output = Response<Body>> + Send>> {
        let (parts, bytes) = self.0.into_parts();
        let body = if bytes.is_empty() {
            Body::Empty
        } else {
            match String::from_utf8(Vec::from(bytes)) {
                Ok(text) => Body::Text(text),
                Err(not_utf8) => Body::Binary(not_utf8.into_bytes()),
            }
        };
        Box::pin(ready(Response::from_parts(parts, body)))
    }
}

#[cfg(test)]
mod tests {
    use lambda_http::IntoResponse as _;

    use super::*;

    async fn convert(content_type: &str, bytes: &[u8]) -> Body {
        let response = Response::builder()
            .header("content-type", content_type)
            .body(Bytes::copy_from_slice(bytes))
            .expect("response");
        ExactResponse(response).into_response().await.into_body()
    }

    #[tokio::test]
    async fn text_typed_bytes_that_are_not_utf8_stay_binary() {
        let bytes = [0x68, 0x69, 0xff, 0xfe, 0x00];
        assert_eq!(convert("text/plain", &bytes).await, Body::Binary(bytes.to_vec()));
    }

    #[tokio::test]
    async fn utf8_bodies_are_text_and_empty_is_empty() {
        assert_eq!(convert("application/octet-stream", b"abc").await, Body::Text("abc".into()));
        assert_eq!(convert("text/html", "é".as_bytes()).await, Body::Text("é".into()));
        assert_eq!(convert("text/html", b"").await, Body::Empty);
    }
}
