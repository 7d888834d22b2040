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

use hyper_util::client::legacy::connect::HttpConnector;
use tonic::metadata::{KeyAndValueRef, MetadataMap};

use crate::config::TraceProtocol;
use crate::tls::{TlsError, with_tls};

/// Why tracing could not start; lamux then stops with this error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot set up the OTLP client")]
    Tls(#[from] TlsError),
    #[error("cannot build the span exporter")]
    Spans(#[source] opentelemetry_otlp::ExporterBuildError),
    #[error("cannot build the metric exporter")]
    Metrics(#[source] opentelemetry_otlp::ExporterBuildError),
}

/// How long one export may take before it is abandoned.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

pub fn otlp_spans(
    protocol: TraceProtocol,
    url: &str,
    headers: &http::HeaderMap,
) -> Result<opentelemetry_otlp::SpanExporter, StartError> {
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
            .with_interceptor(metadata(headers))
            .build(),
    };
    built.map_err(StartError::Spans)
}

pub fn otlp_metrics(
    protocol: TraceProtocol,
    url: &str,
    headers: &http::HeaderMap,
) -> Result<opentelemetry_otlp::MetricExporter, StartError> {
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
            .with_interceptor(metadata(headers))
            .build(),
    };
    built.map_err(StartError::Metrics)
}

/// A pooled hyper client (TLS by rustls, the system's roots) that sends the configured
/// headers with every export. They are set here rather than through the exporter, because
/// the exporter also reads OTEL_EXPORTER_OTLP_HEADERS itself and would misread the
/// original's `k=v;k2=v2` form.
fn http_client(headers: &http::HeaderMap) -> Result<HeadersClient, StartError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    Ok(HeadersClient {
        inner: opentelemetry_http::hyper::HyperClient::new(with_tls(http)?, EXPORT_TIMEOUT, None),
        headers: headers.clone(),
    })
}

#[derive(Debug)]
struct HeadersClient {
    inner: opentelemetry_http::hyper::HyperClient<hyper_rustls::HttpsConnector<HttpConnector>>,
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
fn metadata(headers: &http::HeaderMap) -> impl tonic::service::Interceptor + Clone + Send + Sync + use<> {
    let metadata = MetadataMap::from_headers(headers.clone());
    move |mut request: tonic::Request<()>| {
        for entry in metadata.iter() {
            if let KeyAndValueRef::Ascii(key, value) = entry {
                request.metadata_mut().insert(key.clone(), value.clone());
            }
        }
        Ok(request)
    }
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
