//! Local/container mode: serve the router on a TCP port until SIGTERM or SIGINT.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

/// Serve until `shutdown` resolves with the time in-flight requests may still take; then
/// stop accepting and give them that long to finish.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = Duration> + Send + 'static,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<Duration>();
    let signal = async move {
        let drain = shutdown.await;
        tracing::info!(
            drain_secs = drain.as_secs_f64(),
            "shutting down: no new connections, finishing in-flight requests"
        );
        let _ = stopping_tx.send(drain);
    };
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(signal)
        .into_future();
    let deadline = async move {
        match stopping_rx.await {
            Ok(drain) => {
                tokio::time::sleep(drain).await;
                drain
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        result = server => result,
        drain = deadline => {
            tracing::warn!("in-flight requests did not finish within {drain:?}; exiting");
            Ok(())
        }
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
