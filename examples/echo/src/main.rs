//! An example function for lamux's demo and end-to-end tests: it answers with a JSON
//! description of the request it received (method, path, query, headers, body). Under
//! `/bytes` it answers with the request body itself, byte for byte.

use base64::Engine as _;
use lambda_http::{Body, Error, Request, RequestExt as _, Response, service_fn};
use serde_json::json;

async fn echo(request: Request) -> Result<Response<Body>, Error> {
    if request.raw_http_path().starts_with("/bytes") {
        let bytes = request.body().to_vec();
        return Ok(Response::builder()
            .status(200)
            .header("content-type", "application/octet-stream")
            .body(Body::Binary(bytes))?);
    }
    let (text, base64) = match request.body() {
        Body::Empty => (None, None),
        Body::Text(text) => (Some(text.clone()), None),
        Body::Binary(bytes) => (None, Some(base64::engine::general_purpose::STANDARD.encode(bytes))),
        _ => (None, None),
    };
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), json!(String::from_utf8_lossy(value.as_bytes()))))
        .collect();
    let description = json!({
        "function": std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
        "method": request.method().as_str(),
        "path": request.raw_http_path(),
        "query": query(&request),
        "headers": headers,
        "body": text,
        "bodyBase64": base64,
    });
    let response = Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("x-echo", "1")
        .header("set-cookie", "echoed=1; Path=/")
        .body(Body::from(description.to_string()))?;
    Ok(response)
}

/// Every value of every query parameter, in order.
fn query(request: &Request) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut params = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (key, value) in request.query_string_parameters_ref().into_iter().flat_map(|map| map.iter()) {
        params.entry(key.to_owned()).or_default().push(value.to_owned());
    }
    params
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(echo)).await
}
