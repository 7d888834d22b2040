//! Extension mode: lamux runs from `/opt/extensions` beside another function's handler and
//! serves it on a local port, so a handler in a VPC without NAT can call other functions.
//!
//! Lifecycle (AWS docs, "Lambda Extensions API"): register under the executable's file name
//! (Lambda requires the name to match the file in `/opt/extensions`), then long-poll
//! `event/next`. lamux registers for SHUTDOWN only, so Lambda never waits on it per invoke.
//!
//! Why not the `lambda-extension` crate: its `Extension::run` owns the event loop and keeps
//! polling `event/next` after SHUTDOWN, leaving Lambda to kill the process. lamux must
//! instead stop accepting, drain in-flight requests within the SHUTDOWN deadline, flush its
//! telemetry, and return from `run` so that `main` exits 0, all in that order; and it binds
//! its port before registering. The three calls it needs are small, so they stay here, on
//! the Rust runtime's own `lambda_runtime_api_client`.

use std::future::Future;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use http::{Method, Request, Uri};
use http_body_util::BodyExt as _;
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{PooledClient, build_request};
use serde::{Deserialize, Serialize};

use crate::backoff::Backoff;

/// Consecutive failures of `event/next` before lamux gives up.
const MAX_FAILURES: u32 = 10;
/// Lambda gives external extensions up to 2 s after SHUTDOWN; used when the event's deadline
/// is missing or already past (emulators send 0).
const FALLBACK_SHUTDOWN_BUDGET: Duration = Duration::from_secs(2);
/// Kept back from the deadline for the last log lines and the exit itself.
const EXIT_MARGIN: Duration = Duration::from_millis(100);

/// What `event/next` says; lamux acts on SHUTDOWN only.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "eventType", rename_all = "UPPERCASE")]
pub enum NextEvent {
    Invoke {},
    #[serde(rename_all = "camelCase")]
    Shutdown {
        shutdown_reason: String,
        #[serde(default)]
        deadline_ms: u64,
    },
}

/// The register call's body: the events lamux wants.
#[derive(Serialize)]
struct Registration<'a> {
    events: &'a [&'a str],
}

/// The Extensions API at `AWS_LAMBDA_RUNTIME_API`.
pub struct ExtensionsApi {
    client: PooledClient,
}

impl ExtensionsApi {
    pub fn new(runtime_api: Uri) -> Self {
        Self { client: PooledClient::builder().with_endpoint(runtime_api).build() }
    }

    /// Register for SHUTDOWN events; returns the extension identifier.
    pub async fn register(&self, name: &str) -> anyhow::Result<String> {
        let request = build_request()
            .method(Method::POST)
            .uri("/2020-01-01/extension/register")
            .header("Lambda-Extension-Name", name)
            .header("Content-Type", "application/json")
            .body(Body::from(serde_json::to_vec(&Registration { events: &["SHUTDOWN"] })?))?;
        let response =
            self.client.call(request).await.map_err(anyhow::Error::from_boxed).context("register request failed")?;
        let status = response.status();
        let id = response.headers().get("Lambda-Extension-Identifier").and_then(|v| v.to_str().ok()).map(str::to_owned);
        match id {
            Some(id) if status.is_success() => Ok(id),
            _ => {
                let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                bail!("register answered {status}: {}", String::from_utf8_lossy(&body))
            }
        }
    }

    async fn next(&self, id: &str) -> anyhow::Result<NextEvent> {
        let request: Request<Body> = build_request()
            .method(Method::GET)
            .uri("/2020-01-01/extension/event/next")
            .header("Lambda-Extension-Identifier", id)
            .body(Body::empty())?;
        let response = self.client.call(request).await.map_err(anyhow::Error::from_boxed)?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("event/next answered {status}: {}", String::from_utf8_lossy(&body));
        }
        serde_json::from_slice(&body).with_context(|| format!("unreadable event: {}", String::from_utf8_lossy(&body)))
    }

    /// Long-poll until SHUTDOWN, backing off on errors; returns the time left to finish.
    pub async fn until_shutdown(&self, id: &str) -> anyhow::Result<Duration> {
        let mut failures = 0;
        loop {
            match self.next(id).await {
                Ok(NextEvent::Shutdown { shutdown_reason, deadline_ms }) => {
                    let budget = shutdown_budget(deadline_ms, SystemTime::now());
                    tracing::info!(reason = %shutdown_reason, budget_ms = budget.as_millis() as u64, "SHUTDOWN received");
                    return Ok(budget);
                }
                Ok(NextEvent::Invoke {}) => failures = 0,
                Err(err) => {
                    failures += 1;
                    if failures >= MAX_FAILURES {
                        return Err(err.context(format!("event/next failed {failures} times in a row")));
                    }
                    let delay = backoff(failures);
                    tracing::warn!(
                        error = format!("{err:#}"),
                        retry_in_ms = delay.as_millis() as u64,
                        "event/next failed"
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}

/// 100 ms, 200 ms, 400 ms … capped at 5 s.
/// Between failed `event/next` calls: 100 ms, doubling, at most 5 s.
const NEXT_BACKOFF: Backoff =
    Backoff { initial: Duration::from_millis(100), factor: 2.0, max: Duration::from_secs(5), jitter: false };

fn backoff(failures: u32) -> Duration {
    NEXT_BACKOFF.delay(failures)
}

/// Time from `now` to the SHUTDOWN deadline, less a margin for the exit itself.
fn shutdown_budget(deadline_ms: u64, now: SystemTime) -> Duration {
    let deadline = SystemTime::UNIX_EPOCH + Duration::from_millis(deadline_ms);
    match deadline.duration_since(now) {
        Ok(left) if left > EXIT_MARGIN => left - EXIT_MARGIN,
        _ => FALLBACK_SHUTDOWN_BUDGET,
    }
}

/// The name Lambda knows this extension by: the file name it was started from.
pub fn extension_name() -> String {
    let from_argv = std::env::args_os()
        .next()
        .and_then(|arg0| std::path::Path::new(&arg0).file_name().map(|name| name.to_string_lossy().into_owned()));
    from_argv.unwrap_or_else(|| "lamux".to_owned())
}

/// Register, serve on `listener` until SHUTDOWN (or SIGTERM/SIGINT), then let in-flight
/// requests finish within the shutdown deadline.
pub async fn run(
    api: ExtensionsApi,
    name: &str,
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: crate::server::Limits,
    signal: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The port is already bound, so the handler can connect as soon as init is over.
    let id = api.register(name).await.context("cannot register with the Extensions API")?;
    tracing::info!(name, "extension registered");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<Duration>();
    let stopped = async move { stop_rx.await.unwrap_or(FALLBACK_SHUTDOWN_BUDGET) };
    let server = tokio::spawn(crate::server::serve(listener, router, limits, stopped));
    let budget = tokio::select! {
        budget = api.until_shutdown(&id) => budget?,
        () = signal => FALLBACK_SHUTDOWN_BUDGET,
    };
    let _ = stop_tx.send(budget);
    server.await.context("server task failed")?.context("server failed")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_events() {
        let shutdown = r#"{"eventType":"SHUTDOWN","shutdownReason":"SPINDOWN","deadlineMs":1700000000123}"#;
        assert_eq!(
            serde_json::from_str::<NextEvent>(shutdown).expect("parses"),
            NextEvent::Shutdown { shutdown_reason: "SPINDOWN".into(), deadline_ms: 1_700_000_000_123 }
        );
        let invoke = r#"{"eventType":"INVOKE","deadlineMs":1,"requestId":"r","invokedFunctionArn":"a","tracing":{}}"#;
        assert_eq!(serde_json::from_str::<NextEvent>(invoke).expect("parses"), NextEvent::Invoke {});
    }

    #[test]
    fn the_registration_asks_for_shutdown_only() {
        let body = serde_json::to_value(Registration { events: &["SHUTDOWN"] }).expect("serializes");
        assert_eq!(body, serde_json::json!({"events": ["SHUTDOWN"]}));
    }

    #[test]
    fn shutdown_budget_leaves_a_margin_and_falls_back_when_past() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(shutdown_budget(1_001_500, now), Duration::from_millis(1_400));
        assert_eq!(shutdown_budget(0, now), FALLBACK_SHUTDOWN_BUDGET);
        assert_eq!(shutdown_budget(1_000_050, now), FALLBACK_SHUTDOWN_BUDGET);
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let delays: Vec<u64> = (1..=9).map(|n| backoff(n).as_millis() as u64).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    }
}
