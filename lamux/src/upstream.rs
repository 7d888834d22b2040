//! The direct Invoke's connections to the Lambda endpoint: one per client connection, used
//! on the task that serves that client, so a request's Invoke is written and read where the
//! request is handled (no pool lookup, no hand-off to a connection task and back); and a
//! small pool of idle ones for the client connections that come and go.
//!
//! A client connection holds a [`Slot`] (server and extension modes put one in every
//! request's extensions). Its upstream connection is taken out of the slot for the exchange
//! and put back after a complete answer; a failed or abandoned exchange drops it. When the
//! client connection ends, the slot gives its connection to the pool, where the next new
//! client connection (or a request without a slot, as in function mode) finds it.
//!
//! At most once: a connection that fails to open, or an idle one found closed, never carried
//! the request. A reused connection that hyper refuses before writing (it hands the request
//! back) is replaced once, without counting an attempt, as hyper-util's pool does.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::response::Parts;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1;
use hyper_rustls::MaybeHttpsStream;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower::ServiceExt as _;

use crate::error::InvokeFailure;
use crate::tls::Https;

/// How long an idle connection is kept in the pool: hyper-util's pool default.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections the pool keeps; one more is closed.
const MAX_IDLE: usize = 64;

type Io = MaybeHttpsStream<TokioIo<TcpStream>>;

/// One HTTP/1.1 connection to the endpoint, driven by whichever task uses it. Always
/// boxed: it is large (1.7 KiB) and moves between slot, pool and request, and a request
/// future that held it inline would hold that size while it is in flight.
struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    conn: http1::Connection<Io, Full<Bytes>>,
}

impl Conn {
    /// Whether an idle connection is still open: polled once, it has not ended (the
    /// endpoint closed it, or sent something unasked).
    fn is_open(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        !self.sender.is_closed() && self.conn.poll_without_shutdown(&mut cx).is_pending()
    }

    /// Send `request` and read the whole answer (at most `limit` bytes of body), driving the
    /// connection meanwhile, on the caller's task.
    async fn exchange(
        &mut self,
        request: http::Request<Full<Bytes>>,
        limit: usize,
    ) -> Result<(Parts, Bytes), Exchange> {
        let Self { sender, conn } = self;
        let mut work = pin!(async {
            // A connection that closed before taking the request hands it back, as hyper does.
            if let Err(err) = std::future::poll_fn(|cx| sender.poll_ready(cx)).await {
                return Err(Exchange::Unsent(err, Box::new(request)));
            }
            let response = sender.try_send_request(request).await.map_err(|mut err| match err.take_message() {
                Some(request) => Exchange::Unsent(err.into_error(), Box::new(request)),
                None => Exchange::Failed(err.into_error()),
            })?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, limit).collect().await.map_err(|err| {
                if err.is::<http_body_util::LengthLimitError>() { Exchange::TooLarge } else { Exchange::BrokeOff(err) }
            })?;
            Ok((parts, body.to_bytes()))
        });
        std::future::poll_fn(|cx| {
            if let Poll::Ready(done) = work.as_mut().poll(cx) {
                return Poll::Ready(done);
            }
            match conn.poll_without_shutdown(cx) {
                Poll::Pending => Poll::Pending,
                // The connection ended: the exchange has its answer or its error by now.
                Poll::Ready(ended) => match work.as_mut().poll(cx) {
                    Poll::Ready(done) => Poll::Ready(done),
                    Poll::Pending => Poll::Ready(Err(Exchange::Ended(ended.err()))),
                },
            }
        })
        .await
    }
}

/// How one exchange failed.
enum Exchange {
    /// The connection closed before it took the request, or hyper refused the request
    /// before writing any of it: the request, handed back.
    Unsent(hyper::Error, Box<http::Request<Full<Bytes>>>),
    /// The request may have been written.
    Failed(hyper::Error),
    BrokeOff(BoxError),
    TooLarge,
    /// The connection ended while the exchange still waited.
    Ended(Option<hyper::Error>),
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Nothing of the request was written: the connection could not be opened, or closed
/// before the request went out. [`crate::retry`] reads this as proof the function did not run.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub struct Unwritten {
    what: &'static str,
    #[source]
    source: BoxError,
}

impl Unwritten {
    fn failure(what: &'static str, source: impl Into<BoxError>) -> InvokeFailure {
        InvokeFailure::Unreachable(Box::new(Self { what, source: source.into() }))
    }
}

/// The connection ended before the answer did.
#[derive(Debug, thiserror::Error)]
#[error("the connection closed before the answer came")]
struct ClosedEarly;

/// A client connection's upstream connection, while it has one. Cloned into each of the
/// client connection's requests; the last clone gives the connection to the pool.
#[derive(Clone, Default)]
pub struct Slot(Arc<Mutex<Option<Held>>>);

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

impl Slot {
    fn take(&self) -> Option<Held> {
        self.0.lock().ok()?.take()
    }

    fn put(&self, held: Held) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(held);
        }
    }
}

/// A connection and the pool it returns to when its holder lets it go.
struct Held {
    conn: Option<Box<Conn>>,
    pool: Arc<Idle>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put(conn);
        }
    }
}

/// Idle connections, the most recently used last.
#[derive(Default)]
struct Idle {
    conns: Mutex<Vec<(Instant, Box<Conn>)>>,
}

impl Idle {
    fn put(&self, mut conn: Box<Conn>) {
        if !conn.is_open() {
            return;
        }
        let Ok(mut conns) = self.conns.lock() else { return };
        conns.retain(|(since, _)| since.elapsed() < IDLE_TIMEOUT);
        if conns.len() < MAX_IDLE {
            conns.push((Instant::now(), conn));
        }
    }

    /// The most recently used open connection; older or closed ones are dropped.
    fn take(&self) -> Option<Box<Conn>> {
        let mut conns = self.conns.lock().ok()?;
        while let Some((since, mut conn)) = conns.pop() {
            if since.elapsed() < IDLE_TIMEOUT && conn.is_open() {
                return Some(conn);
            }
        }
        None
    }
}

/// Connections to one endpoint.
pub struct Upstream {
    connector: Https,
    /// Where connections go: the endpoint's scheme and authority.
    endpoint: http::Uri,
    idle: Arc<Idle>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl Upstream {
    pub fn new(connector: Https, endpoint: http::Uri) -> Self {
        Self { connector, endpoint, idle: Arc::default() }
    }

    /// Send `request` (origin-form URI, `Host` set) on the slot's connection, else an idle
    /// one, else a new one, and read the answer's body up to `limit` bytes. The connection
    /// goes back into the slot (or, without one, the pool) after a complete answer only.
    pub async fn send(
        &self,
        slot: Option<&Slot>,
        mut request: http::Request<Full<Bytes>>,
        limit: usize,
    ) -> Result<(Parts, Bytes), InvokeFailure> {
        let kept = slot.and_then(Slot::take).and_then(|mut held| held.conn.take());
        let kept = kept.and_then(|mut conn| conn.is_open().then_some(conn));
        let (mut conn, mut reused) = match kept.or_else(|| self.idle.take()) {
            Some(conn) => (conn, true),
            None => (Box::pin(self.connect()).await?, false),
        };
        loop {
            let failure = match conn.exchange(request, limit).await {
                Ok(answer) => {
                    let held = Held { conn: Some(conn), pool: self.idle.clone() };
                    match slot {
                        Some(slot) => slot.put(held),
                        None => drop(held),
                    }
                    return Ok(answer);
                }
                // The endpoint closed a kept-alive connection just as it was taken: the
                // request, never written, goes once more, on a new connection.
                Err(Exchange::Unsent(err, unsent)) if reused => {
                    tracing::debug!(%err, "a kept-alive connection to the Lambda endpoint had closed");
                    request = *unsent;
                    (conn, reused) = (Box::pin(self.connect()).await?, false);
                    continue;
                }
                Err(Exchange::Unsent(err, _)) => {
                    Unwritten::failure("the connection closed before the request was written", err)
                }
                Err(Exchange::Failed(err) | Exchange::Ended(Some(err))) => InvokeFailure::Unreachable(err.into()),
                Err(Exchange::Ended(None)) => InvokeFailure::Unreachable(ClosedEarly.into()),
                Err(Exchange::BrokeOff(err)) => InvokeFailure::BrokeOff(err),
                Err(Exchange::TooLarge) => InvokeFailure::TooLarge,
            };
            return Err(failure);
        }
    }

    /// A new connection. Boxed where it is awaited: its future is large (1.3 KiB), and a
    /// request that held it inline would hold that size while in flight, connecting or not.
    async fn connect(&self) -> Result<Box<Conn>, InvokeFailure> {
        const CONNECT: &str = "cannot connect";
        let io = self
            .connector
            .clone()
            .oneshot(self.endpoint.clone())
            .await
            .map_err(|err| Unwritten::failure(CONNECT, err))?;
        let (sender, conn) =
            http1::Builder::new().handshake(io).await.map_err(|err| Unwritten::failure(CONNECT, err))?;
        Ok(Box::new(Conn { sender, conn }))
    }
}

#[cfg(test)]
mod tests;
