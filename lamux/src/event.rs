//! HTTP request → Lambda Function URL event (payload format 2.0). Pure: the caller supplies
//! the clock, the request id and the peer address.
//!
//! The shape follows what a real Function URL sends (AWS docs, "Invoking Lambda function URLs",
//! request payload format): lowercase header names with repeated values joined by `,`, the
//! `Cookie` header moved into `cookies`, decoded `queryStringParameters` that are absent when
//! there is no query, and text bodies as text, everything else base64.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::Engine as _;
use http::{HeaderMap, Method, Uri, Version, header};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;

/// Lambda's synchronous invocation limit for the request payload: 6 MB (6,291,456 bytes).
pub const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// Headers that describe one connection, not the request (RFC 9110 §7.6.1); a Function URL
/// does not pass them on, and neither do we.
pub(crate) fn is_hop_by_hop(name: &str) -> bool {
    matches!(name, "connection" | "keep-alive" | "te" | "trailer" | "transfer-encoding" | "upgrade")
        || name.starts_with("proxy-")
}

/// The field names a `Connection` header lists (RFC 9110 §7.6.1: "Connection: close,
/// X-Secret" makes `X-Secret` hop-by-hop too). An intermediary removes them with
/// `Connection` itself. Tokens are trimmed, in the case they were sent.
pub(crate) fn connection_options<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    values.flat_map(|value| value.split(',')).map(str::trim).filter(|token| !token.is_empty()).collect()
}

/// Whether `name` is hop-by-hop, by itself or because `Connection` named it.
pub(crate) fn is_hop_by_hop_here(name: &str, named: &[&str]) -> bool {
    is_hop_by_hop(name) || named.iter().any(|token| token.eq_ignore_ascii_case(name))
}

/// What the request line and headers say, borrowed from the incoming request.
pub struct RequestHead<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub version: Version,
    pub headers: &'a HeaderMap,
}

/// What lamux knows about the request that the request itself does not carry.
pub struct Context<'a> {
    /// The routed host name, without a port.
    pub domain_name: &'a str,
    pub source_ip: &'a str,
    pub request_id: &'a str,
    pub now: SystemTime,
}

/// Why a request cannot become an event. Each variant is a 4xx for the client.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("header {0:?} is not valid UTF-8")]
    HeaderNotUtf8(String),
    #[error("the query string does not decode to UTF-8")]
    QueryNotUtf8,
    #[error("the path does not decode to UTF-8")]
    PathNotUtf8,
    #[error("the request payload is {size} bytes; Lambda accepts at most {MAX_PAYLOAD}")]
    TooLarge { size: usize },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    version: &'static str,
    route_key: &'static str,
    raw_path: &'a str,
    raw_query_string: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<&'a str>,
    headers: BTreeMap<&'a str, Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_string_parameters: Option<BTreeMap<String, String>>,
    request_context: RequestContext<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    account_id: &'static str,
    api_id: &'a str,
    domain_name: &'a str,
    domain_prefix: &'a str,
    http: HttpContext<'a>,
    request_id: &'a str,
    route_key: &'static str,
    stage: &'static str,
    time: String,
    time_epoch: u128,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpContext<'a> {
    method: &'a str,
    path: &'a str,
    protocol: &'static str,
    source_ip: &'a str,
    user_agent: &'a str,
}

/// Encode one request as the JSON payload of an Invoke.
pub fn encode(head: &RequestHead<'_>, body: &[u8], cx: &Context<'_>) -> Result<Vec<u8>, EncodeError> {
    let raw_path = head.uri.path();
    percent_encoding::percent_decode_str(raw_path).decode_utf8().map_err(|_| EncodeError::PathNotUtf8)?;
    let raw_query_string = head.uri.query().unwrap_or("");
    let (headers, cookies) = headers_and_cookies(head.headers)?;
    let text_body = is_text(head.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()))
        .then(|| std::str::from_utf8(body).ok())
        .flatten();
    let (body, is_base64_encoded) = match text_body {
        _ if body.is_empty() => (None, false),
        Some(text) => (Some(Cow::Borrowed(text)), false),
        None => (Some(Cow::Owned(base64::engine::general_purpose::STANDARD.encode(body))), true),
    };
    let domain_prefix = cx.domain_name.split('.').next().unwrap_or(cx.domain_name);
    let since_epoch = cx.now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let event = Event {
        version: "2.0",
        route_key: "$default",
        raw_path,
        raw_query_string,
        cookies,
        query_string_parameters: query_parameters(raw_query_string)?,
        request_context: RequestContext {
            account_id: "anonymous",
            api_id: domain_prefix,
            domain_name: cx.domain_name,
            domain_prefix,
            http: HttpContext {
                method: head.method.as_str(),
                path: raw_path,
                protocol: protocol(head.version),
                source_ip: cx.source_ip,
                user_agent: head.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            request_id: cx.request_id,
            route_key: "$default",
            stage: "$default",
            time: clf_time(cx.now),
            time_epoch: since_epoch.as_millis(),
        },
        headers,
        body,
        is_base64_encoded,
    };
    // Sized once for what goes in (the body, base64 or escaped, and every header), so that
    // the event is written without growing the buffer again and again.
    let mut payload = Vec::with_capacity(EVENT_OVERHEAD + size_hint(&event));
    // Serializing borrowed strings and maps into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut payload, &event);
    if payload.len() > MAX_PAYLOAD {
        return Err(EncodeError::TooLarge { size: payload.len() });
    }
    Ok(payload)
}

/// The bytes of an event beyond its body, headers and cookies: field names, the request
/// context, the path and query (twice each), with room to spare.
const EVENT_OVERHEAD: usize = 1024;

/// What the event's variable parts take, unescaped: body, headers, cookies, path, query.
fn size_hint(event: &Event<'_>) -> usize {
    let headers: usize = event.headers.iter().map(|(name, value)| name.len() + value.len() + 6).sum();
    let cookies: usize = event.cookies.iter().map(|cookie| cookie.len() + 3).sum();
    let body = event.body.as_ref().map_or(0, |body| body.len());
    body + headers + cookies + 2 * (event.raw_path.len() + event.raw_query_string.len())
}

type Headers<'a> = BTreeMap<&'a str, Cow<'a, str>>;

fn headers_and_cookies(map: &HeaderMap) -> Result<(Headers<'_>, Vec<&str>), EncodeError> {
    let mut headers: Headers<'_> = BTreeMap::new();
    let mut cookies = Vec::new();
    let named = connection_options(map.get_all(header::CONNECTION).iter().filter_map(|v| v.to_str().ok()));
    for (name, value) in map {
        let name = name.as_str();
        if is_hop_by_hop_here(name, &named) {
            continue;
        }
        let value = std::str::from_utf8(value.as_bytes()).map_err(|_| EncodeError::HeaderNotUtf8(name.to_owned()))?;
        if name == "cookie" {
            cookies.extend(value.split(';').map(str::trim).filter(|pair| !pair.is_empty()));
            continue;
        }
        headers
            .entry(name)
            .and_modify(|joined| {
                let joined = joined.to_mut();
                joined.push(',');
                joined.push_str(value);
            })
            .or_insert(Cow::Borrowed(value));
    }
    Ok((headers, cookies))
}

/// Decoded parameters (`+` is a space, as in a form), repeated keys joined with `,`;
/// `None` when there is no query, as at a real Function URL.
fn query_parameters(raw: &str) -> Result<Option<BTreeMap<String, String>>, EncodeError> {
    if raw.is_empty() {
        return Ok(None);
    }
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode_component(key)?, decode_component(value)?);
        params
            .entry(key)
            .and_modify(|joined| {
                joined.push(',');
                joined.push_str(&value);
            })
            .or_insert(value);
    }
    Ok(Some(params))
}

fn decode_component(raw: &str) -> Result<String, EncodeError> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| EncodeError::QueryNotUtf8)
}

/// Text content types travel as text, as at a real Function URL.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind == "text"
        || matches!(subtype, "json" | "xml" | "javascript" | "x-www-form-urlencoded")
        || subtype.ends_with("+json")
        || subtype.ends_with("+xml")
}

fn protocol(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// `07/Sep/2021:22:50:22 +0000`, the format of `requestContext.time`.
fn clf_time(now: SystemTime) -> String {
    let format = format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    OffsetDateTime::from(now).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests;
