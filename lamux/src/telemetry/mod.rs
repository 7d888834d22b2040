//! OpenTelemetry: a server span per request, a client span per Invoke whose context the
//! invoked function receives as `traceparent`, and request metrics per function and alias.
//! Off, and never consulted, unless `--trace-stdout` or `--trace-endpoint` is set.

mod export;
pub mod settings;

use std::net::IpAddr;
use std::time::Duration;

use http::request::Parts;
use http::{HeaderMap, StatusCode};
use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::choose::{Arm, Source};
use crate::error::ProxyError;
use crate::invoke::CallRecord;
use crate::route::Target;
pub use settings::{Destination, Settings};

/// How often metrics are exported in batch mode.
const METRICS_INTERVAL: Duration = Duration::from_secs(30);

/// The providers and instruments, built once; cheap to clone.
#[derive(Clone, Debug)]
pub struct Telemetry {
    tracer: SdkTracer,
    tracers: SdkTracerProvider,
    meters: Option<SdkMeterProvider>,
    requests: Counter<u64>,
    errors: Counter<u64>,
    duration: Histogram<f64>,
    flush_each_request: bool,
}

impl Telemetry {
    /// Build the exporters; needs a Tokio runtime, on which batches are exported.
    pub fn start(settings: &Settings) -> Result<Self, export::StartError> {
        let resource = Resource::builder()
            .with_service_name(settings.service.clone())
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let (tracers, meters) = match &settings.destination {
            Destination::Stdout => {
                let processor = batches_of(export::StdoutSpans::default());
                (SdkTracerProvider::builder().with_resource(resource).with_span_processor(processor).build(), None)
            }
            Destination::Otlp { protocol, url, headers } => {
                let spans = export::otlp_spans(*protocol, url, headers)?;
                let metrics = export::otlp_metrics(*protocol, url, headers)?;
                let reader = opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader::builder(
                    metrics, Tokio,
                )
                .with_interval(METRICS_INTERVAL)
                .build();
                let tracers = SdkTracerProvider::builder()
                    .with_resource(resource.clone())
                    .with_span_processor(batches_of(spans))
                    .build();
                (tracers, Some(SdkMeterProvider::builder().with_resource(resource).with_reader(reader).build()))
            }
        };
        let meter = match &meters {
            Some(meters) => meters.meter("lamux"),
            None => opentelemetry::metrics::noop::NoopMeterProvider::new().meter("lamux"),
        };
        Ok(Self {
            tracer: tracers.tracer("lamux"),
            tracers,
            meters,
            requests: meter.u64_counter("lamux.requests").with_description("Requests lamux answered").build(),
            errors: meter
                .u64_counter("lamux.errors")
                .with_description("Requests lamux answered with a 4xx or 5xx status")
                .build(),
            duration: meter
                .f64_histogram("lamux.request.duration")
                .with_unit("s")
                .with_description("Time from a request's arrival to its response head")
                .build(),
            flush_each_request: settings.flush_each_request,
        })
    }

    /// Start the server span of one request, continuing the caller's W3C trace context.
    pub fn start_request(&self, parts: &Parts, host: &str, peer: Option<IpAddr>) -> Context {
        let parent = TraceContextPropagator::new().extract(&HeaderExtractor(&parts.headers));
        let mut attributes = vec![
            KeyValue::new("http.request.method", parts.method.to_string()),
            KeyValue::new("url.path", parts.uri.path().to_owned()),
            KeyValue::new("url.scheme", "http"),
            KeyValue::new("server.address", crate::route::strip_port(host).to_owned()),
            KeyValue::new("network.protocol.version", protocol_version(parts.version)),
        ];
        if let Some(query) = parts.uri.query() {
            attributes.push(KeyValue::new("url.query", query.to_owned()));
        }
        if let Some(peer) = peer {
            attributes.push(KeyValue::new("client.address", peer.to_string()));
        }
        if let Some(agent) = parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()) {
            attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
        }
        let span = self
            .tracer
            .span_builder(parts.method.to_string())
            .with_kind(SpanKind::Server)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, &parent);
        parent.with_span(span)
    }

    /// Start the Invoke's client span, a child of the request's.
    pub fn start_invoke(&self, request: &Context, target: &Target, operation: &'static str) -> Context {
        let span = self
            .tracer
            .span_builder(format!("Lambda.{operation}"))
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("rpc.system", "aws-api"),
                KeyValue::new("rpc.service", "Lambda"),
                KeyValue::new("rpc.method", operation),
                KeyValue::new("faas.invoked_provider", "aws"),
                KeyValue::new("faas.invoked_name", target.function.clone()),
                KeyValue::new("lamux.alias", target.alias.clone()),
            ])
            .start_with_context(&self.tracer, request);
        request.with_span(span)
    }

    /// The request's headers with the Invoke span's `traceparent` (and `tracestate`), for the
    /// event: the function's spans become children of lamux's Invoke span.
    pub fn headers_for(invoke: &Context, headers: &HeaderMap) -> HeaderMap {
        let mut headers = headers.clone();
        TraceContextPropagator::new().inject_context(invoke, &mut HeaderInjector(&mut headers));
        headers
    }

    /// End the Invoke span with what the call said.
    pub fn end_invoke(invoke: &Context, call: &CallRecord, error: Option<&ProxyError>) {
        let span = invoke.span();
        if let Some(version) = &call.executed_version {
            span.set_attribute(KeyValue::new("lamux.executed_version", version.clone()));
        }
        if let Some(id) = &call.aws_request_id {
            span.set_attribute(KeyValue::new("aws.request_id", id.clone()));
        }
        if let Some(status) = call.upstream_status {
            span.set_attribute(KeyValue::new("http.response.status_code", i64::from(status)));
        }
        span.set_attribute(KeyValue::new("lamux.outcome", error.map_or("ok", outcome)));
        if let Some(err) = error {
            span.set_status(Status::error(crate::error::chain(err)));
        }
        span.end();
    }

    /// End the Invoke span of a request that was refused before anything was sent.
    pub fn not_sent(invoke: &Context) {
        let span = invoke.span();
        span.set_attribute(KeyValue::new("lamux.outcome", "not_sent"));
        span.end();
    }

    /// End the request's span, count it, and export now if each request must be.
    /// `choice` says who chose the alias (host, cookie, header, canary) and a canary's arm.
    pub async fn end_request(
        &self,
        request: Context,
        target: Option<&Target>,
        choice: Option<(Source, Option<Arm>)>,
        status: StatusCode,
        seconds: f64,
    ) {
        let span = request.span();
        span.set_attribute(KeyValue::new("http.response.status_code", i64::from(status.as_u16())));
        let mut chosen = Vec::new();
        if let Some((source, arm)) = choice {
            chosen.push(KeyValue::new("lamux.alias.source", source.as_str()));
            if let Some(arm) = arm {
                chosen.push(KeyValue::new("lamux.canary.arm", arm.as_str()));
            }
        }
        if let Some(target) = target {
            span.set_attribute(KeyValue::new("lamux.alias", target.alias.clone()));
        }
        for attribute in &chosen {
            span.set_attribute(attribute.clone());
        }
        if status.is_server_error() {
            span.set_attribute(KeyValue::new("error.type", status.as_str().to_owned()));
            span.set_status(Status::error(status.canonical_reason().unwrap_or("server error")));
        }
        span.end();
        let mut attributes = vec![KeyValue::new("http.response.status_class", status_class(status))];
        if let Some(target) = target {
            attributes.push(KeyValue::new("faas.invoked_name", target.function.clone()));
            attributes.push(KeyValue::new("lamux.alias", target.alias.clone()));
        }
        attributes.extend(chosen);
        self.requests.add(1, &attributes);
        if status.is_client_error() || status.is_server_error() {
            self.errors.add(1, &attributes);
        }
        self.duration.record(seconds, &attributes);
        if self.flush_each_request {
            self.flush().await;
        }
    }

    /// Export everything recorded so far; what fails to export is logged, not returned.
    pub async fn flush(&self) {
        let this = self.clone();
        let flushed = tokio::task::spawn_blocking(move || {
            let spans = this.tracers.force_flush();
            let metrics = this.meters.as_ref().map_or(Ok(()), SdkMeterProvider::force_flush);
            spans.and(metrics)
        })
        .await;
        match flushed {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(%err, "telemetry export failed"),
            Err(err) => tracing::warn!(%err, "telemetry export did not finish"),
        }
    }

    /// Export what is left and stop the exporters: at exit, and on an extension's SHUTDOWN.
    pub async fn shutdown(self) {
        let stopped = tokio::task::spawn_blocking(move || {
            let spans = self.tracers.shutdown();
            let metrics = self.meters.as_ref().map_or(Ok(()), SdkMeterProvider::shutdown);
            spans.and(metrics)
        })
        .await;
        if let Ok(Err(err)) = stopped {
            tracing::warn!(%err, "telemetry did not shut down cleanly");
        }
    }
}

fn batches_of<E: opentelemetry_sdk::trace::SpanExporter + 'static>(
    exporter: E,
) -> opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor<Tokio> {
    opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(exporter, Tokio).build()
}

fn protocol_version(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => "1.1",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// One word per way an Invoke can end, for the span's `lamux.outcome`.
fn outcome(err: &ProxyError) -> &'static str {
    match err {
        ProxyError::NotFound { .. } => "not_found",
        ProxyError::Throttled { .. } => "throttled",
        ProxyError::UpstreamTooLarge { .. } => "too_large",
        ProxyError::FunctionError { .. } => "function_error",
        ProxyError::BadResponse { .. } => "bad_response",
        ProxyError::Timeout { .. } => "timeout",
        _ => "error",
    }
}
