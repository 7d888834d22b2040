//! Serving the router over HTTP/1.1 on a TCP listener (server and extension modes), with
//! the limits a proxy facing untrusted clients needs, until a shutdown future resolves.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use std::convert::Infallible;

use axum::extract::ConnectInfo;
use http::header::CONNECTION;
use http::{HeaderValue, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::upstream::Slot;

/// What one client may send before lamux answers without reading further.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's head, counted from the connection's start or from the end of
    /// the previous response. A partial head then gets 408; an idle connection is closed.
    /// `None`: no limit.
    pub header_read_timeout: Option<Duration>,
    /// Header lines in one request; more get 431.
    pub max_headers: usize,
    /// Bytes of one request's head (request line and headers); more get 431.
    pub max_head_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { header_read_timeout: Some(Duration::from_secs(30)), max_headers: 100, max_head_bytes: 64 * 1024 }
    }
}

/// Serve until `shutdown` resolves with the time in-flight requests may still take; then
/// stop accepting and give them that long to finish.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    shutdown: impl Future<Output = Duration> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(limits.max_headers)
        .max_header_size(limits.max_head_bytes);
    // Every connection holds a receiver; the sender learns when the last one is gone.
    let (stopping, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    let drain = loop {
        tokio::select! {
            drain = &mut shutdown => break drain,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(connection(http.clone(), stream, peer, router.clone(), stop_rx.clone()));
                }
                // Out of file descriptors or a connection reset before accept: keep serving.
                Err(err) => {
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    };
    drop((listener, stop_rx));
    tracing::info!(drain_secs = drain.as_secs_f64(), "shutting down: no new connections, finishing in-flight requests");
    let _ = stopping.send(true);
    if tokio::time::timeout(drain, stopping.closed()).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {drain:?}; exiting");
    }
    Ok(())
}

/// How long a kept-alive connection may stay idle after shutdown began: long enough for a
/// request a client has already sent to arrive, so that it is answered rather than cut.
const LINGER: Duration = Duration::from_millis(250);

/// One client connection, until it closes or, after shutdown began, its request is answered.
async fn connection(
    http: http1::Builder,
    stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let closing = stop.clone();
    // This connection's own connection to the Lambda endpoint; see crate::upstream.
    let slot = Slot::default();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(slot.clone());
        let answer = router.clone().oneshot(request);
        let closing = closing.clone();
        async move {
            let mut response = answer.await?;
            // Once shutdown began, each answer tells the client this connection ends here.
            if *closing.borrow() {
                response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            }
            Ok::<_, Infallible>(response)
        }
    });
    let mut conn = http.serve_connection(TokioIo::new(stream), service);
    let result = tokio::select! {
        result = &mut conn => result,
        _ = stop.changed() => {
            // A request already on its way is still answered (with `Connection: close`);
            // a connection that stays idle for LINGER is closed.
            match tokio::time::timeout(LINGER, &mut conn).await {
                Ok(result) => result,
                Err(_) => {
                    std::pin::Pin::new(&mut conn).graceful_shutdown();
                    (&mut conn).await
                }
            }
        }
    };
    match result {
        Ok(()) => {}
        Err(err) if err.is_timeout() => {
            let parts = conn.into_parts();
            // Nothing of a next request arrived: an idle keep-alive connection, closed quietly.
            if parts.read_buf.is_empty() {
                return;
            }
            tracing::info!(
                target: "lamux::access",
                remote_addr = %peer.ip(),
                status = 408,
                error = "the request head did not arrive within the header read timeout",
                "request"
            );
            let mut stream = parts.io.into_inner();
            let answer = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
            let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer)).await;
        }
        // hyper has answered 400 or 431 already; say why, as for any refused request.
        Err(err) if err.is_parse() || err.is_parse_too_large() => tracing::info!(
            target: "lamux::access",
            remote_addr = %peer.ip(),
            status = if err.is_parse_too_large() { 431 } else { 400 },
            error = %err,
            "request"
        ),
        Err(err) => tracing::debug!(%err, remote_addr = %peer.ip(), "connection ended with an error"),
    }
}

/// Resolves on SIGTERM (what container runtimes and Lambda send) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM; only Ctrl-C will stop lamux");
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
