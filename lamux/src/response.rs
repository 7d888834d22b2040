//! Lambda output → HTTP response, as a Function URL turns a function's answer into HTTP
//! (AWS docs, "Invoking Lambda function URLs", response payload format). Pure.

use base64::Engine as _;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, SET_COOKIE};
use http::{HeaderName, HeaderValue, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::event::{connection_options, is_hop_by_hop_here};

/// At most this many header lines (cookies included) in one response: a proxy must bound
/// what it buffers and relays, as nginx does with `proxy_buffer_size`.
pub const MAX_HEADERS: usize = 256;
/// At most this many bytes of header names and values in one response.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Why a payload is not a usable Function URL response. Each variant is a 502.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the function's response is not valid JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("statusCode must be an integer from 100 to 599, got {0}")]
    BadStatus(String),
    #[error("{field} must be {expected}")]
    BadShape { field: &'static str, expected: &'static str },
    #[error("header {0:?} is not a valid HTTP header name")]
    BadHeaderName(String),
    #[error("the value of header {0:?} is not a valid HTTP header value")]
    BadHeaderValue(String),
    #[error("a cookie is not a valid Set-Cookie value")]
    BadCookie,
    #[error("the response has {0} header lines (cookies included); the limit is {MAX_HEADERS}")]
    TooManyHeaders(usize),
    #[error("the response's headers take {0} bytes; the limit is {MAX_HEADER_BYTES}")]
    HeadersTooLarge(usize),
    #[error("body is marked isBase64Encoded but is not valid base64")]
    BadBase64(#[source] base64::DecodeError),
}

/// Every field as JSON, so that a wrong type is a precise error rather than a failed parse
/// that would be mistaken for an inferred body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    status_code: Option<Value>,
    headers: Option<Value>,
    multi_value_headers: Option<Value>,
    cookies: Option<Value>,
    body: Option<Value>,
    is_base64_encoded: Option<Value>,
}

/// Decode an Invoke payload into the HTTP response a Function URL would give.
pub fn decode(payload: &[u8]) -> Result<Response<Bytes>, DecodeError> {
    // Only an object can carry statusCode (serde would also read a struct from an array).
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        serde_json::from_slice::<serde::de::IgnoredAny>(payload).map_err(DecodeError::NotJson)?;
        return Ok(inferred(payload));
    }
    let mut fields = match serde_json::from_slice::<Fields>(payload) {
        Ok(fields) if fields.status_code.is_some() => fields,
        // Valid JSON without statusCode: 200, application/json, the payload as the body.
        Ok(_) => return Ok(inferred(payload)),
        Err(err) if err.is_data() => return Ok(inferred(payload)),
        Err(err) => return Err(DecodeError::NotJson(err)),
    };
    let body = body(fields.body.take(), fields.is_base64_encoded.take())?;
    Ok(head(fields, None)?.map(|()| body))
}

/// Decode the JSON prelude of a streaming HTTP response (`statusCode`, 200 when absent,
/// `headers`, `cookies`), which a function writes before the 8-NUL delimiter and its body.
pub fn decode_prelude(prelude: &[u8]) -> Result<Response<()>, DecodeError> {
    let fields: Fields = serde_json::from_slice(prelude).map_err(DecodeError::NotJson)?;
    head(fields, Some(StatusCode::OK))
}

/// Status line and headers; `default_status` when the fields carry none.
fn head(fields: Fields, default_status: Option<StatusCode>) -> Result<Response<()>, DecodeError> {
    let status = match (fields.status_code.as_ref(), default_status) {
        (None, Some(status)) => status,
        (code, _) => status(code)?,
    };
    let mut response = Response::new(());
    *response.status_mut() = status;
    // The function's own `Connection` header may name more hop-by-hop fields.
    let connection_values: Vec<String> = [&fields.headers, &fields.multi_value_headers]
        .into_iter()
        .filter_map(|map| map.as_ref().and_then(Value::as_object))
        .flat_map(|map| map.iter().filter(|(name, _)| name.eq_ignore_ascii_case("connection")))
        .flat_map(|(_, value)| match value {
            Value::Array(items) => items.iter().filter_map(scalar).collect::<Vec<_>>(),
            other => scalar(other).into_iter().collect(),
        })
        .collect();
    let named = connection_options(connection_values.iter().map(String::as_str));
    let headers = response.headers_mut();
    let append = |headers: &mut http::HeaderMap, name: &str, value: &str| append(headers, name, value, &named);
    const HEADERS: &str = "an object of strings";
    for (name, value) in present(fields.headers, "headers", HEADERS, into_object)? {
        append(headers, &name, &scalar(&value).ok_or(DecodeError::BadShape { field: "headers", expected: HEADERS })?)?;
    }
    const MULTI: &str = "an object of string arrays";
    for (name, values) in present(fields.multi_value_headers, "multiValueHeaders", MULTI, into_object)? {
        let values = into_array(values).ok_or(DecodeError::BadShape { field: "multiValueHeaders", expected: MULTI })?;
        for value in values {
            let value = scalar(&value).ok_or(DecodeError::BadShape { field: "multiValueHeaders", expected: MULTI })?;
            append(headers, &name, &value)?;
        }
    }
    const COOKIES: &str = "an array of strings";
    for cookie in present(fields.cookies, "cookies", COOKIES, into_array)? {
        let cookie = cookie.as_str().ok_or(DecodeError::BadShape { field: "cookies", expected: COOKIES })?;
        headers.append(SET_COOKIE, HeaderValue::from_str(cookie).map_err(|_| DecodeError::BadCookie)?);
    }
    within_limits(headers)?;
    Ok(response)
}

fn within_limits(headers: &http::HeaderMap) -> Result<(), DecodeError> {
    if headers.len() > MAX_HEADERS {
        return Err(DecodeError::TooManyHeaders(headers.len()));
    }
    let bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if bytes > MAX_HEADER_BYTES {
        return Err(DecodeError::HeadersTooLarge(bytes));
    }
    Ok(())
}

/// A field that may be absent or null; when present it must have the expected JSON type.
fn present<T: Default>(
    value: Option<Value>,
    field: &'static str,
    expected: &'static str,
    cast: fn(Value) -> Option<T>,
) -> Result<T, DecodeError> {
    match value {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => cast(value).ok_or(DecodeError::BadShape { field, expected }),
    }
}

fn into_object(value: Value) -> Option<serde_json::Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn into_array(value: Value) -> Option<Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

fn inferred(payload: &[u8]) -> Response<Bytes> {
    let mut response = Response::new(Bytes::copy_from_slice(payload));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn status(value: Option<&Value>) -> Result<StatusCode, DecodeError> {
    let bad = || DecodeError::BadStatus(value.map_or_else(String::new, Value::to_string));
    let code = value.and_then(Value::as_u64).filter(|code| (100..=599).contains(code)).ok_or_else(bad)?;
    u16::try_from(code).ok().and_then(|code| StatusCode::from_u16(code).ok()).ok_or_else(bad)
}

fn body(body: Option<Value>, is_base64: Option<Value>) -> Result<Bytes, DecodeError> {
    let is_base64 = match is_base64 {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => flag,
        Some(_) => {
            return Err(DecodeError::BadShape { field: "isBase64Encoded", expected: "a boolean" });
        }
    };
    let text = match body {
        None | Some(Value::Null) => return Ok(Bytes::new()),
        Some(Value::String(text)) => text,
        Some(_) => {
            return Err(DecodeError::BadShape { field: "body", expected: "a string" });
        }
    };
    if is_base64 {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(DecodeError::BadBase64)?;
        Ok(Bytes::from(bytes))
    } else {
        Ok(Bytes::from(text))
    }
}

/// Header values may come as strings, numbers or booleans; anything else is a shape error.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Append one header, refusing anything that is not valid HTTP (no CR/LF injection) and
/// dropping what describes the function's connection rather than the response: the
/// hop-by-hop fields, and those its `Connection` header names (`named`).
fn append(headers: &mut http::HeaderMap, name: &str, value: &str, named: &[&str]) -> Result<(), DecodeError> {
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| DecodeError::BadHeaderName(name.to_owned()))?;
    if is_hop_by_hop_here(name.as_str(), named) || name == CONTENT_LENGTH {
        return Ok(());
    }
    let value = HeaderValue::from_str(value).map_err(|_| DecodeError::BadHeaderValue(name.to_string()))?;
    headers.append(name, value);
    Ok(())
}

#[cfg(test)]
mod tests;
