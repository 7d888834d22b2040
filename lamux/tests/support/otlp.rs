//! An OTLP receiver on 127.0.0.1, over http/protobuf (`/v1/traces`, `/v1/metrics`) or gRPC
//! (the collector's TraceService and MetricsService). It keeps every span, every metric
//! and the headers each export came with.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

#[derive(Clone, Default)]
pub struct Receiver {
    pub spans: Arc<Mutex<Vec<Span>>>,
    /// `service.name` and `service.version` of each span batch's resource.
    pub services: Arc<Mutex<Vec<String>>>,
    pub versions: Arc<Mutex<Vec<String>>>,
    pub metrics: Arc<Mutex<Vec<Metric>>>,
    /// The headers (or gRPC metadata) of every export.
    pub headers: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Receiver {
    /// Start an http/protobuf receiver; returns it and its `host:port`.
    pub async fn http() -> (Self, String) {
        let receiver = Self::default();
        let app = axum::Router::new()
            .route("/v1/traces", axum::routing::post(http_traces))
            .route("/v1/metrics", axum::routing::post(http_metrics))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver serves") });
        (receiver, addr.to_string())
    }

    /// Start a gRPC receiver; returns it and its `host:port`.
    pub async fn grpc() -> (Self, String) {
        let receiver = Self::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        let server = tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(receiver.clone()))
            .add_service(MetricsServiceServer::new(receiver.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
        tokio::spawn(async move { server.await.expect("receiver serves") });
        (receiver, addr.to_string())
    }

    fn keep_spans(&self, request: ExportTraceServiceRequest, headers: HeaderMap) {
        self.headers.lock().expect("lock").push(headers);
        for resource_spans in request.resource_spans {
            let attribute =
                |key| resource_spans.resource.as_ref().and_then(|r| string(&r.attributes, key)).unwrap_or_default();
            self.services.lock().expect("lock").push(attribute("service.name"));
            self.versions.lock().expect("lock").push(attribute("service.version"));
            for scope in resource_spans.scope_spans {
                self.spans.lock().expect("lock").extend(scope.spans);
            }
        }
    }

    fn keep_metrics(&self, request: ExportMetricsServiceRequest, headers: HeaderMap) {
        self.headers.lock().expect("lock").push(headers);
        for resource_metrics in request.resource_metrics {
            for scope in resource_metrics.scope_metrics {
                self.metrics.lock().expect("lock").extend(scope.metrics);
            }
        }
    }

    /// Wait up to 10 s for spans matching `done`; returns all spans so far.
    pub async fn wait_for_spans(&self, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        for _ in 0..200 {
            let spans = self.spans.lock().expect("lock").clone();
            if done(&spans) {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.spans.lock().expect("lock").clone()
    }

    pub fn metric(&self, name: &str) -> Option<Metric> {
        self.metrics.lock().expect("lock").iter().rev().find(|metric| metric.name == name).cloned()
    }
}

async fn http_traces(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(body).expect("a protobuf ExportTraceServiceRequest");
    receiver.keep_spans(request, headers);
    ExportTraceServiceResponse::default().encode_to_vec()
}

async fn http_metrics(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Vec<u8> {
    let request = ExportMetricsServiceRequest::decode(body).expect("a protobuf ExportMetricsServiceRequest");
    receiver.keep_metrics(request, headers);
    ExportMetricsServiceResponse::default().encode_to_vec()
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = request.metadata().clone().into_headers();
        self.keep_spans(request.into_inner(), headers);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let headers = request.metadata().clone().into_headers();
        self.keep_metrics(request.into_inner(), headers);
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// A string attribute's value.
pub fn string(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| match &kv.value {
        Some(AnyValue { value: Some(any_value::Value::StringValue(text)) }) => Some(text.clone()),
        _ => None,
    })
}

/// An integer attribute's value.
pub fn int(attributes: &[KeyValue], key: &str) -> Option<i64> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| match &kv.value {
        Some(AnyValue { value: Some(any_value::Value::IntValue(number)) }) => Some(*number),
        _ => None,
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
