//! An endpoint that reads each request whole, then loses the answer: the Invoke reached
//! Lambda, the function may have run, and the client never gets a whole answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// How the answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// The connection closes without a word.
    Silence,
    /// `200` with `content-length: 1000`, 14 bytes of body, then the connection closes.
    BrokenAnswer,
}

pub struct HangUp {
    requests: Arc<AtomicUsize>,
}

impl HangUp {
    /// Start on 127.0.0.1 at a free port, closing without an answer; returns the endpoint
    /// and its URL.
    pub async fn start() -> (Self, String) {
        Self::losing(Loss::Silence).await
    }

    /// Start on 127.0.0.1 at a free port, losing each answer as `loss` says.
    pub async fn losing(loss: Loss) -> (Self, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    if read_request(&mut stream).await {
                        seen.fetch_add(1, Ordering::SeqCst);
                        if loss == Loss::BrokenAnswer {
                            let head =
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                            let _ = stream.write_all(head.as_bytes()).await;
                            let _ = stream.write_all(br#"{"statusCode":"#).await;
                            let _ = stream.flush().await;
                        }
                    }
                    // Dropped: closed before the answer is whole.
                });
            }
        });
        (Self { requests }, url)
    }

    /// Requests read to their last byte.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Read one request's head and its Content-Length body; false if the client left first.
pub async fn read_request(stream: &mut tokio::net::TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}
