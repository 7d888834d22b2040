//! `lamux --healthcheck`: ask the lamux server on this machine for its health path and
//! exit 0 on a 200, 1 otherwise. A container image without a shell or curl (the `scratch`
//! image of the Dockerfile) runs it as its `HEALTHCHECK`.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// The whole exchange's time limit: Docker's own timeout is 30 s, a healthy server answers
/// in under a millisecond.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Where to ask: the listen address when it is one address, else loopback.
pub fn address(listen: Option<IpAddr>, port: u16) -> SocketAddr {
    let ip = listen.filter(|ip| !ip.is_unspecified()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    SocketAddr::new(ip, port)
}

/// GET `path` at `address` with a host that names no function; `Ok` when lamux answers 200.
pub fn check(address: SocketAddr, path: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT).map_err(|err| format!("{address}: {err}"))?;
    stream.set_read_timeout(Some(TIMEOUT)).and_then(|()| stream.set_write_timeout(Some(TIMEOUT))).ok();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|err| format!("{address}: {err}"))?;
    // The status line is all that is read: `HTTP/1.1 200 OK`.
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|err| format!("{address}: no answer: {err}"))?;
    match &head[..] {
        [b'H', b'T', b'T', b'P', b'/', _, b'.', _, b' ', b'2', b'0', b'0'] => Ok(()),
        other => Err(format!("{address}{path} answered {}", String::from_utf8_lossy(other).trim())),
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A server that answers one connection with `answer`.
    fn answering(answer: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0u8; 512];
                let read = stream.read(&mut request).unwrap_or(0);
                assert!(request[..read].starts_with(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n"));
                stream.write_all(answer.as_bytes()).ok();
            }
        });
        address
    }

    #[test]
    fn a_200_is_healthy_and_anything_else_is_not() {
        assert_eq!(check(answering("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), "/healthz"), Ok(()));
        let sick = check(answering("HTTP/1.1 503 Service Unavailable\r\n\r\n"), "/healthz").expect_err("503");
        assert!(sick.ends_with("/healthz answered HTTP/1.1 503"), "{sick}");
        assert!(check(answering(""), "/healthz").expect_err("closed").contains("no answer"));
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address");
        assert!(check(closed, "/healthz").is_err(), "nothing listens");
    }

    #[test]
    fn it_asks_loopback_unless_lamux_listens_on_one_address() {
        assert_eq!(address(None, 8080), "127.0.0.1:8080".parse().expect("address"));
        assert_eq!(address(Some("0.0.0.0".parse().expect("ip")), 9000), "127.0.0.1:9000".parse().expect("address"));
        assert_eq!(address(Some("10.0.0.7".parse().expect("ip")), 80), "10.0.0.7:80".parse().expect("address"));
    }
}
