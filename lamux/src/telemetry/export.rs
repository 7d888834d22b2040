//! Exporters: OTLP over http/protobuf or gRPC, and OTLP JSON lines on stdout.

use std::io::Write as _;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _, WithTonicConfig as _};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::config::TraceProtocol;

/// How long one export may take before it is abandoned.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

pub fn otlp_spans(
    protocol: TraceProtocol,
    url: &str,
    headers: &[(String, String)],
) -> Result<opentelemetry_otlp::SpanExporter, String> {
    let built = match protocol {
        TraceProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{url}/v1/traces"))
            .with_timeout(EXPORT_TIMEOUT)
            .with_http_client(http_client(headers)?)
            .build(),
        TraceProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(url)
            .with_timeout(EXPORT_TIMEOUT)
            .with_interceptor(metadata(headers)?)
            .build(),
    };
    built.map_err(|err| format!("cannot build the span exporter: {err}"))
}

pub fn otlp_metrics(
    protocol: TraceProtocol,
    url: &str,
    headers: &[(String, String)],
) -> Result<opentelemetry_otlp::MetricExporter, String> {
    let built = match protocol {
        TraceProtocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{url}/v1/metrics"))
            .with_timeout(EXPORT_TIMEOUT)
            .with_http_client(http_client(headers)?)
            .build(),
        TraceProtocol::Grpc => opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(url)
            .with_timeout(EXPORT_TIMEOUT)
            .with_interceptor(metadata(headers)?)
            .build(),
    };
    built.map_err(|err| format!("cannot build the metric exporter: {err}"))
}

/// A pooled hyper client (TLS by rustls, the system's roots) that sends the configured
/// headers with every export. They are set here rather than through the exporter, because
/// the exporter also reads OTEL_EXPORTER_OTLP_HEADERS itself and would misread the
/// original's `k=v;k2=v2` form.
fn http_client(headers: &[(String, String)]) -> Result<HeadersClient, String> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|err| format!("cannot load the system's TLS roots: {err}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(HeadersClient {
        inner: opentelemetry_http::hyper::HyperClient::new(https, EXPORT_TIMEOUT, None),
        headers: header_map(headers)?,
    })
}

fn header_map(headers: &[(String, String)]) -> Result<http::HeaderMap, String> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = http::HeaderName::try_from(name.as_str()).map_err(|_| format!("{name:?} is not a header"))?;
            let value = http::HeaderValue::try_from(value.as_str()).map_err(|_| format!("bad value for {name}"))?;
            Ok((name, value))
        })
        .collect()
}

#[derive(Debug)]
struct HeadersClient {
    inner: opentelemetry_http::hyper::HyperClient<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    >,
    headers: http::HeaderMap,
}

#[async_trait::async_trait]
impl HttpClient for HeadersClient {
    async fn send_bytes(&self, mut request: http::Request<Bytes>) -> Result<http::Response<Bytes>, HttpError> {
        for (name, value) in &self.headers {
            request.headers_mut().insert(name, value.clone());
        }
        self.inner.send_bytes(request).await
    }
}

/// The configured headers as gRPC metadata, set last so that they win over the exporter's
/// own reading of OTEL_EXPORTER_OTLP_HEADERS.
fn metadata(
    headers: &[(String, String)],
) -> Result<impl tonic::service::Interceptor + Clone + Send + Sync + use<>, String> {
    let mut pairs = Vec::new();
    for (name, value) in headers {
        let key = tonic::metadata::MetadataKey::from_bytes(name.as_bytes()).map_err(|_| format!("{name:?}"))?;
        let value = tonic::metadata::MetadataValue::try_from(value.as_str()).map_err(|_| format!("bad {name}"))?;
        pairs.push((key, value));
    }
    Ok(move |mut request: tonic::Request<()>| {
        for (key, value) in &pairs {
            request.metadata_mut().insert(key.clone(), value.clone());
        }
        Ok(request)
    })
}

/// Spans as OTLP JSON (the protobuf JSON mapping of ExportTraceServiceRequest), one line
/// per batch on stdout, as `--trace-stdout` promises.
#[derive(Debug, Default)]
pub struct StdoutSpans {
    resource: ResourceAttributesWithSchema,
}

impl SpanExporter for StdoutSpans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let request =
            ExportTraceServiceRequest { resource_spans: group_spans_by_resource_and_scope(batch, &self.resource) };
        let mut line = serde_json::to_vec(&request).map_err(|err| OTelSdkError::InternalFailure(err.to_string()))?;
        line.push(b'\n');
        // One write of the whole line, so it never interleaves with a log line.
        std::io::stdout().lock().write_all(&line).map_err(|err| OTelSdkError::InternalFailure(err.to_string()))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}
