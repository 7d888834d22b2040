//! The real `lamux` binary as a child process, its JSON log lines collected.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

pub struct Lamux {
    pub child: Child,
    pub addr: String,
    pub lines: Arc<Mutex<Vec<Value>>>,
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

impl Lamux {
    /// Start lamux on a free loopback port with only `env` as its environment, and wait until
    /// it accepts connections (the start line is not printed at `--log-level warn`).
    pub async fn start(env: &[(&str, &str)], args: &[&str]) -> Self {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_lamux"))
            .args(["--listen-address", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .env_clear()
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("lamux starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let value: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("log line is JSON: {line}"));
                sink.lock().expect("lines lock").push(value);
            }
        });
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return Self { child, addr, lines };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("lamux exited before listening: {status}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("lamux did not listen on {addr} within 10 s");
    }

    /// lamux in front of the fake Invoke API at `endpoint`, for hosts under example.com,
    /// with `env` added to its environment.
    pub async fn in_front_of(endpoint: &str, env: &[(&str, &str)], args: &[&str]) -> Self {
        let mut all = vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDLAMUXTEST"),
            ("AWS_SECRET_ACCESS_KEY", "lamux-test-secret"),
            ("AWS_MAX_ATTEMPTS", "1"),
            ("LAMUX_DOMAIN_SUFFIX", "example.com"),
        ];
        all.extend_from_slice(env);
        Self::start(&all, args).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn has_line(&self, message: &str) -> bool {
        self.lines.lock().expect("lines lock").iter().any(|line| line["message"] == message)
    }

    /// Wait up to `within` for a log line with this message (lines arrive asynchronously).
    pub async fn wait_for_line(&self, message: &str, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if self.has_line(message) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.has_line(message)
    }

    /// Wait until at least `count` access lines have arrived (the log is read from a pipe,
    /// asynchronously), then return them all. The deadline is generous: a loaded 2-core
    /// machine may be slow, and a passing test never waits for it.
    pub async fn wait_for_access_lines(&self, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let lines = self.access_lines();
            if lines.len() >= count || tokio::time::Instant::now() >= deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Wait up to `within` for a log line whose message starts with `prefix`.
    pub async fn wait_for_line_starting(&self, prefix: &str, within: Duration) -> bool {
        let seen = || {
            self.lines
                .lock()
                .expect("lines lock")
                .iter()
                .any(|line| line["message"].as_str().is_some_and(|m| m.starts_with(prefix)))
        };
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if seen() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seen()
    }

    pub fn access_lines(&self) -> Vec<Value> {
        self.lines
            .lock()
            .expect("lines lock")
            .iter()
            .filter(|line| line["target"] == "lamux::access")
            .cloned()
            .collect()
    }

    pub fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(status.success());
    }
}
