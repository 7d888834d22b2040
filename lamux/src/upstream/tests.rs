//! The connection layer's rules against a scripted endpoint: a client connection keeps
//! its own connection and the pool gets it after; a request goes out again only when none
//! of it was written.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;

use super::*;
use crate::retry::Verdict;

/// The integration tests' endpoint that loses answers, for its request reader.
#[allow(dead_code)]
#[path = "../../tests/support/hang_up.rs"]
mod hang_up;
use hang_up::read_request;

/// What the endpoint does with a request, once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Answer, and keep the connection.
    Stay,
    /// Answer as if the connection stayed (no `Connection: close`), then close it: a
    /// kept-alive connection the endpoint drops while it is idle.
    CloseAfterAnswer,
    /// Close without answering: the request arrived, and may have run the function.
    HangUp,
}

#[derive(Default)]
struct Log {
    /// The connection of each request read, in order.
    requests: Mutex<Vec<usize>>,
    accepted: AtomicUsize,
    script: Mutex<VecDeque<Then>>,
}

/// An endpoint that keeps connections alive and answers each request with a Function URL
/// response whose body is the number of the connection that carried it (the first accepted
/// is `0`), losing connections where its script says.
struct KeepAlive {
    log: Arc<Log>,
}

impl KeepAlive {
    /// Start on 127.0.0.1 at a free port; returns the endpoint and its URL.
    async fn start() -> (Self, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Log::default());
        let shared = log.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = shared.clone();
                let number = log.accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    while read_request(&mut stream).await {
                        log.requests.lock().expect("log").push(number);
                        let then = log.script.lock().expect("script").pop_front().unwrap_or(Then::Stay);
                        if then == Then::HangUp {
                            return;
                        }
                        let body = format!(r#"{{"statusCode":200,"body":"{number}"}}"#);
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.write_all(answer.as_bytes()).await.is_err() || then == Then::CloseAfterAnswer {
                            return;
                        }
                    }
                });
            }
        });
        (Self { log }, url)
    }

    /// What the next requests meet, in order; after them, [`Then::Stay`].
    fn then(&self, steps: &[Then]) {
        self.log.script.lock().expect("script").extend(steps);
    }

    /// Connections accepted so far.
    fn connections(&self) -> usize {
        self.log.accepted.load(Ordering::SeqCst)
    }

    /// The connection of each request read so far, in order.
    fn requests(&self) -> Vec<usize> {
        self.log.requests.lock().expect("log").clone()
    }
}

fn upstream(url: &str) -> Upstream {
    let endpoint = format!("{url}/").parse().expect("a URI");
    Upstream::new(crate::tls::with_tls(HttpConnector::new()).expect("TLS roots"), endpoint)
}

/// Send one Invoke-shaped request; the body of the answer (the connection's number).
async fn send(upstream: &Upstream, slot: Option<&Slot>) -> Result<String, InvokeFailure> {
    let request = http::Request::post("/2015-03-31/functions/f/invocations?Qualifier=live")
        .header(http::header::HOST, "lambda.test")
        .body(Full::new(Bytes::from_static(b"{}")))
        .expect("a request");
    let (parts, body) = upstream.send(slot, request, 1 << 20).await?;
    assert_eq!(parts.status, http::StatusCode::OK);
    let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    Ok(answer["body"].as_str().expect("a body").to_owned())
}

/// Two client connections taking turns each keep their own endpoint connection: a shared
/// pool would hand both the one most recently used.
#[tokio::test]
async fn each_client_connection_keeps_its_own_and_the_pool_gets_it_after() {
    let (endpoint, url) = KeepAlive::start().await;
    let upstream = upstream(&url);
    let (a, b) = (Slot::default(), Slot::default());
    let mut answers = Vec::new();
    for slot in [&a, &b, &a, &b, &a] {
        answers.push(send(&upstream, Some(slot)).await.expect("answered"));
    }
    assert_eq!(answers, ["0", "1", "0", "1", "0"]);
    assert_eq!(endpoint.connections(), 2);
    // The client connection ended: its endpoint connection waits in the pool for the next.
    drop(a);
    assert_eq!(send(&upstream, None).await.expect("answered"), "0");
    assert_eq!(send(&upstream, Some(&Slot::default())).await.expect("answered"), "0", "a new client connection");
    assert_eq!(endpoint.connections(), 2, "nothing new was opened");
}

/// The endpoint closed a kept-alive connection while it was idle: the next request finds
/// it closed, opens another and arrives once.
#[tokio::test]
async fn a_connection_closed_while_idle_is_replaced_and_the_request_arrives_once() {
    let (endpoint, url) = KeepAlive::start().await;
    let upstream = upstream(&url);
    let slot = Slot::default();
    endpoint.then(&[Then::CloseAfterAnswer]);
    assert_eq!(send(&upstream, Some(&slot)).await.expect("answered"), "0");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(send(&upstream, Some(&slot)).await.expect("answered"), "1");
    assert_eq!(endpoint.requests(), [0, 1], "one request on each connection");

    // The same through the pool, for requests without a client connection (the slot keeps
    // connection 1 meanwhile).
    endpoint.then(&[Then::CloseAfterAnswer]);
    assert_eq!(send(&upstream, None).await.expect("answered"), "2");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(send(&upstream, None).await.expect("answered"), "3");
    assert_eq!(endpoint.requests(), [0, 1, 2, 3]);
}

/// Once written, a request is never sent again by the connection layer, kept connection or
/// not: the endpoint read it, and the function may have run. Whether to retry is
/// lamux::retry's call, which reads this failure as "may have run".
#[tokio::test]
async fn a_written_request_is_not_sent_again() {
    let (endpoint, url) = KeepAlive::start().await;
    let upstream = upstream(&url);
    let slot = Slot::default();
    assert_eq!(send(&upstream, Some(&slot)).await.expect("answered"), "0");
    for (then, requests) in [(Then::HangUp, vec![0, 0]), (Then::HangUp, vec![0, 0, 1])] {
        endpoint.then(&[then]);
        let failure = send(&upstream, Some(&slot)).await.expect_err("no answer");
        let InvokeFailure::Unreachable(err) = failure else { panic!("{failure:?}") };
        assert_eq!(Verdict::of_transport(err.as_ref()), Verdict::MayHaveRun, "{err}");
        assert_eq!(endpoint.requests(), requests, "sent once");
    }
    // The failed connection is gone; the next request opens a new one.
    assert_eq!(send(&upstream, Some(&slot)).await.expect("answered"), "2");
}

/// No connection: nothing was written, so any method may be retried.
#[tokio::test]
async fn a_refused_connection_wrote_nothing() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
    let failure = send(&upstream(&format!("http://{closed}")), None).await.expect_err("nothing listens");
    let InvokeFailure::Unreachable(err) = failure else { panic!("{failure:?}") };
    assert_eq!(Verdict::of_transport(err.as_ref()), Verdict::NotRun, "{err}");
    assert!(crate::error::chain(&*err).contains("Connection refused"), "{}", crate::error::chain(&*err));
}
