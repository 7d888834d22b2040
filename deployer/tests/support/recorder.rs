//! A TCP relay in front of moto that keeps the head of every request a client sends: moto
//! accepts `ExpectedBucketOwner` but does not enforce it (AWS-NOTES), so a test checks
//! that it is sent.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Everything clients sent through the relay, per connection.
#[derive(Clone, Default)]
pub struct Recorder {
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Recorder {
    /// Relay 127.0.0.1:(a free port) to `upstream`; returns the relay's address.
    pub async fn start(upstream: String) -> (Self, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let recorder = Self::default();
        let sent = recorder.sent.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let sent = sent.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else { return };
                    let index = {
                        let mut sent = sent.lock().expect("lock");
                        sent.push(Vec::new());
                        sent.len() - 1
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let upload = async {
                        let mut buffer = vec![0u8; 64 * 1024];
                        while let Ok(n) = client_read.read(&mut buffer).await {
                            if n == 0 || server_write.write_all(&buffer[..n]).await.is_err() {
                                break;
                            }
                            sent.lock().expect("lock")[index].extend_from_slice(&buffer[..n]);
                        }
                        let _ = server_write.shutdown().await;
                    };
                    let download = async {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                        let _ = client_write.shutdown().await;
                    };
                    tokio::join!(upload, download);
                });
            }
        });
        (recorder, address)
    }

    /// The heads of the requests sent so far: request line and headers, lowercase.
    pub fn request_heads(&self) -> Vec<String> {
        let sent = self.sent.lock().expect("lock");
        let mut heads = Vec::new();
        for stream in sent.iter() {
            let text = String::from_utf8_lossy(stream).to_ascii_lowercase();
            for (start, _) in text.match_indices(" http/1.1\r\n") {
                let line_start = text[..start].rfind("\r\n").map_or(0, |i| i + 2);
                let end = text[start..].find("\r\n\r\n").map_or(text.len(), |i| start + i);
                heads.push(text[line_start..end].to_owned());
            }
        }
        heads
    }

    /// Every request sent so far: its head (request line and headers, lowercase) and body.
    pub fn requests(&self) -> Vec<(String, Vec<u8>)> {
        let sent = self.sent.lock().expect("lock");
        let mut requests = Vec::new();
        for stream in sent.iter() {
            let mut rest: &[u8] = stream;
            while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|value| value.trim().parse().ok())
                    .unwrap_or(0);
                let body_end = (end + 4 + length).min(rest.len());
                requests.push((head, rest[end + 4..body_end].to_vec()));
                rest = &rest[body_end..];
            }
        }
        requests
    }
}
