//! OpenTelemetry from the real binary to an OTLP receiver in this test, over http/protobuf
//! and gRPC: spans and their links, the trace context the function receives, metrics per
//! function and alias, the exporter's headers, and logs that never show them.

// Test helpers outside #[test] fns: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

mod support;

use std::time::Duration;

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{Span, status::StatusCode};
use serde_json::Value;
use support::fake_lambda::FakeLambda;
use support::otlp::{Receiver, hex, int, string};
use support::process::{Lamux, client};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";
const SECRET: &str = "s3cr3t-api-key";

async fn get(lamux: &Lamux, host: &str) -> reqwest::Response {
    client()
        .get(lamux.url("/path?q=1"))
        .header("host", host)
        .header("traceparent", format!("00-{TRACE_ID}-{CLIENT_SPAN}-01"))
        .header("tracestate", "vendor=1")
        .header("x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793")
        .send()
        .await
        .expect("lamux answers")
}

fn kind(spans: &[Span], kind: SpanKind) -> Vec<Span> {
    spans.iter().filter(|span| span.kind == kind as i32).cloned().collect()
}

fn server_and_invoke(spans: &[Span]) -> (Span, Span) {
    let servers = kind(spans, SpanKind::Server);
    let invokes = kind(spans, SpanKind::Client);
    assert_eq!((servers.len(), invokes.len()), (1, 1), "{spans:#?}");
    (servers[0].clone(), invokes[0].clone())
}

/// A request's two spans, linked to the caller's trace and to each other, and the
/// traceparent the function got.
fn check_trace(spans: &[Span], fake: &FakeLambda) {
    let (server, invoke) = server_and_invoke(spans);
    assert_eq!(hex(&server.trace_id), TRACE_ID, "the incoming trace is continued");
    assert_eq!(hex(&server.parent_span_id), CLIENT_SPAN);
    assert_eq!(server.name, "GET");
    assert_eq!(string(&server.attributes, "http.request.method").as_deref(), Some("GET"));
    assert_eq!(string(&server.attributes, "url.path").as_deref(), Some("/path"));
    assert_eq!(string(&server.attributes, "url.query").as_deref(), Some("q=1"));
    assert_eq!(string(&server.attributes, "server.address").as_deref(), Some("live-echo.example.com"));
    assert_eq!(string(&server.attributes, "client.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(int(&server.attributes, "http.response.status_code"), Some(200));

    assert_eq!(invoke.trace_id, server.trace_id);
    assert_eq!(invoke.parent_span_id, server.span_id, "the Invoke is a child of the request");
    assert_eq!(invoke.name, "Lambda.Invoke");
    assert_eq!(string(&invoke.attributes, "faas.invoked_name").as_deref(), Some("echo"));
    assert_eq!(string(&invoke.attributes, "lamux.alias").as_deref(), Some("live"));
    assert_eq!(string(&invoke.attributes, "lamux.executed_version").as_deref(), Some("3"));
    assert_eq!(string(&invoke.attributes, "lamux.outcome").as_deref(), Some("ok"));

    let event = fake.calls().last().expect("a call").event();
    let expected = format!("00-{TRACE_ID}-{}-01", hex(&invoke.span_id));
    assert_eq!(event["headers"]["traceparent"], expected.as_str(), "the function's parent is lamux's Invoke span");
    assert_eq!(event["headers"]["tracestate"], "vendor=1");
    assert_eq!(event["headers"]["x-amzn-trace-id"], "Root=1-5759e988-bd862e3fe1be46a994272793");
}

fn no_line_mentions(lamux: &Lamux, secret: &str) {
    for line in lamux.lines.lock().expect("lock").iter() {
        assert!(!line.to_string().contains(secret), "a log line shows a trace header: {line}");
    }
}

#[tokio::test]
async fn http_protobuf_spans_metrics_headers_and_propagation() {
    let (fake, endpoint) = FakeLambda::start().await;
    let (receiver, otlp) = Receiver::http().await;
    let headers = format!("x-api-key={SECRET};x-team=edge");
    let args = ["--trace-endpoint", &otlp, "--trace-insecure", "--trace-headers", &headers, "--trace-batch=false"];
    let lamux = Lamux::in_front_of(&endpoint, &[("LAMUX_LOG_LEVEL", "debug")], &args).await;

    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 200);
    // --trace-batch=false: the spans were exported before the answer.
    let spans = receiver.spans.lock().expect("lock").clone();
    check_trace(&spans, &fake);
    assert_eq!(receiver.services.lock().expect("lock").first().map(String::as_str), Some("lamux"));
    let version = receiver.versions.lock().expect("lock").first().cloned();
    assert_eq!(version.as_deref(), Some(env!("CARGO_PKG_VERSION")), "service.version is lamux's own");
    let sent = receiver.headers.lock().expect("lock").clone();
    assert!(sent.iter().all(|h| h["x-api-key"] == SECRET && h["x-team"] == "edge"), "{sent:?}");

    let requests = receiver.metric("lamux.requests").expect("a request count");
    let Some(Data::Sum(sum)) = requests.data else { panic!("lamux.requests is a sum: {requests:?}") };
    let point = sum
        .data_points
        .iter()
        .find(|p| string(&p.attributes, "faas.invoked_name").as_deref() == Some("echo"))
        .expect("a point for echo");
    assert_eq!(string(&point.attributes, "lamux.alias").as_deref(), Some("live"));
    assert_eq!(string(&point.attributes, "http.response.status_class").as_deref(), Some("2xx"));
    assert!(matches!(point.value, Some(opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsInt(1))));
    let duration = receiver.metric("lamux.request.duration").expect("a duration");
    assert_eq!(duration.unit, "s");

    // A failing function marks both spans and counts an error for its alias.
    assert_eq!(get(&lamux, "live-crash.example.com").await.status(), 502);
    let spans = receiver.wait_for_spans(|spans| spans.len() >= 4).await;
    let failed: Vec<_> =
        spans.iter().filter(|s| s.status.as_ref().is_some_and(|st| st.code == StatusCode::Error as i32)).collect();
    assert_eq!(failed.len(), 2, "{spans:#?}");
    let invoke = failed.iter().find(|s| s.kind == SpanKind::Client as i32).expect("the Invoke span");
    assert_eq!(string(&invoke.attributes, "lamux.outcome").as_deref(), Some("function_error"));
    let errors = receiver.metric("lamux.errors").expect("an error count");
    let Some(Data::Sum(sum)) = errors.data else { panic!("lamux.errors is a sum") };
    assert!(sum.data_points.iter().any(|p| string(&p.attributes, "faas.invoked_name").as_deref() == Some("crash")
        && string(&p.attributes, "http.response.status_class").as_deref() == Some("5xx")));

    // A request that cannot become an event ends its Invoke span unsent, not failed.
    let bad = client().get(lamux.url("/?q=%FF")).header("host", "live-echo.example.com").send().await;
    assert_eq!(bad.expect("lamux answers").status(), 400);
    let spans = receiver.wait_for_spans(|spans| spans.len() >= 6).await;
    let unsent = spans.iter().find(|s| string(&s.attributes, "lamux.outcome").as_deref() == Some("not_sent"));
    let unsent = unsent.expect("an Invoke span that was not sent");
    assert!(unsent.status.as_ref().is_none_or(|status| status.code != StatusCode::Error as i32), "{unsent:?}");

    no_line_mentions(&lamux, SECRET);
}

#[tokio::test]
async fn grpc_with_a_url_endpoint_and_spec_headers() {
    let (fake, endpoint) = FakeLambda::start().await;
    let (receiver, otlp) = Receiver::grpc().await;
    let url = format!("http://{otlp}");
    let headers = format!("x-api-key={SECRET},x-team=grpc");
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", url.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", headers.as_str()),
        ("OTEL_SERVICE_NAME", "edge-mux"),
        ("LAMUX_LOG_LEVEL", "debug"),
    ];
    let lamux = Lamux::in_front_of(&endpoint, &env, &[]).await;
    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 200);
    // Batched: the spans come within the batch delay (5 s).
    let spans = receiver.wait_for_spans(|spans| spans.len() >= 2).await;
    check_trace(&spans, &fake);
    assert_eq!(receiver.services.lock().expect("lock").first().map(String::as_str), Some("edge-mux"));
    let sent = receiver.headers.lock().expect("lock").clone();
    assert!(!sent.is_empty() && sent.iter().all(|h| h["x-api-key"] == SECRET && h["x-team"] == "grpc"), "{sent:?}");
    no_line_mentions(&lamux, SECRET);
}

#[tokio::test]
async fn batched_spans_are_exported_at_shutdown() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let (receiver, otlp) = Receiver::http().await;
    let mut lamux =
        Lamux::in_front_of(&endpoint, &[], &["--trace-endpoint", &format!("http://{otlp}"), "--log-level", "warn"])
            .await;
    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 200);
    lamux.terminate();
    let status =
        tokio::time::timeout(Duration::from_secs(10), lamux.child.wait()).await.expect("exits").expect("status");
    assert!(status.success());
    assert_eq!(receiver.spans.lock().expect("lock").len(), 2, "the batch was flushed before exit");
    assert!(receiver.metric("lamux.requests").is_some(), "so were the metrics");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines = lamux.lines.lock().expect("lock").clone();
    assert!(lines.is_empty(), "at WARN a healthy request writes nothing: {lines:?}");
}

#[tokio::test]
async fn stdout_spans_are_otlp_json() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[("OTEL_EXPORTER_STDOUT", "true")], &["--trace-batch=false"]).await;
    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines: Vec<Value> =
        lamux.lines.lock().expect("lock").iter().filter(|line| line.get("resourceSpans").is_some()).cloned().collect();
    assert!(!lines.is_empty(), "no OTLP JSON line on stdout");
    let spans: Vec<Span> = lines
        .iter()
        .flat_map(|line| {
            let request: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest =
                serde_json::from_value(line.clone()).expect("an OTLP JSON ExportTraceServiceRequest");
            request.resource_spans.into_iter().flat_map(|r| r.scope_spans).flat_map(|s| s.spans)
        })
        .collect();
    let (server, _) = server_and_invoke(&spans);
    assert_eq!(hex(&server.trace_id), TRACE_ID);
    assert_eq!(lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"], TRACE_ID);
}

#[tokio::test]
async fn without_tracing_the_callers_context_passes_untouched() {
    let (fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[], &[]).await;
    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 200);
    let event = fake.calls()[0].event();
    assert_eq!(event["headers"]["traceparent"], format!("00-{TRACE_ID}-{CLIENT_SPAN}-01").as_str());
}

#[tokio::test]
async fn stdout_and_endpoint_exclude_each_other() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_lamux"))
        .args(["--trace-stdout", "--trace-endpoint", "127.0.0.1:4318"])
        .env_clear()
        .output()
        .await
        .expect("runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("--trace-stdout and --trace-endpoint exclude each other"), "{said}");
}

/// Issue 20: a request that skipped CloudFront opened a span and continued the caller's
/// trace before it was refused. It is refused first now, and exports nothing.
#[tokio::test]
async fn a_request_refused_at_the_door_opens_no_span() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let (receiver, otlp) = Receiver::http().await;
    let args = ["--trace-endpoint", &otlp, "--trace-insecure", "--trace-batch=false", "--origin-secret", "s3cret"];
    let lamux = Lamux::in_front_of(&endpoint, &[], &args).await;
    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 403);
    let with_secret = client()
        .get(lamux.url("/"))
        .header("host", "live-echo.example.com")
        .header("x-lamux-origin-secret", "s3cret")
        .send()
        .await
        .expect("lamux answers");
    assert_eq!(with_secret.status(), 200);
    // Spans are exported before each answer: the refused request's would be here by now.
    let spans = receiver.spans.lock().expect("lock").clone();
    assert_eq!(spans.len(), 2, "only the admitted request's two spans: {spans:#?}");
    assert!(spans.iter().all(|span| hex(&span.trace_id) != TRACE_ID), "the refused caller's trace was not continued");
}

/// Issue 23: requests are counted per alias and canary arm, so that the two arms' error rates
/// can be compared, and the request span says who chose the alias.
#[tokio::test]
async fn metrics_count_each_canary_arm() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let (receiver, otlp) = Receiver::http().await;
    let args = ["--trace-endpoint", &otlp, "--trace-insecure", "--trace-batch=false", "--canary", "live=next:100"];
    let lamux = Lamux::in_front_of(&endpoint, &[], &args).await;
    assert_eq!(get(&lamux, "live-echo.example.com").await.status(), 200);
    let requests = receiver.metric("lamux.requests").expect("a request count");
    let Some(Data::Sum(sum)) = requests.data else { panic!("lamux.requests is a sum: {requests:?}") };
    let point = sum.data_points.first().expect("a point");
    assert_eq!(string(&point.attributes, "lamux.alias").as_deref(), Some("next"));
    assert_eq!(string(&point.attributes, "lamux.alias.source").as_deref(), Some("canary"));
    assert_eq!(string(&point.attributes, "lamux.canary.arm").as_deref(), Some("target"));
    let spans = receiver.spans.lock().expect("lock").clone();
    let server = kind(&spans, SpanKind::Server);
    assert_eq!(string(&server[0].attributes, "lamux.canary.arm").as_deref(), Some("target"));
}
