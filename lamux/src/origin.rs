//! Proof that a request came through lamux's CloudFront distribution, and the viewer's
//! address it vouches for. Pure.
//!
//! A Function URL is public: anyone who finds it can call it, set their own
//! `X-Forwarded-Host`, and skip CloudFront and any WAF in front of it. lamux-deploy's
//! default (`--origin-auth secret`) has CloudFront send a secret origin custom header on
//! every origin request (AWS docs, "Add custom headers to origin requests": the usual way
//! to restrict a public origin to one distribution). lamux refuses requests without it
//! before anything is invoked, and removes the header, so the function never sees it.

use std::net::IpAddr;

use http::HeaderMap;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// The origin custom header CloudFront sends, and lamux checks and removes.
pub const SECRET_HEADER: &str = "x-lamux-origin-secret";

/// CloudFront's header with the viewer's `IP:port`; the managed origin request policy
/// AllViewerExceptHostHeader forwards every CloudFront header, this one included.
const VIEWER_ADDRESS: &str = "cloudfront-viewer-address";

/// A secret from the command line or the environment: its `Debug` never shows the value,
/// so neither does a log line or a `Debug` of the configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// For clap's `value_parser`: any value, empty included (empty turns the check off).
    pub fn parse(value: &str) -> Result<Self, std::convert::Infallible> {
        Ok(Self(value.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The shared secret, when one is configured; without one every request passes, and no
/// forwarding header is trusted. While a rotation reaches every CloudFront edge, the
/// previous value is accepted too (README "Rotating the origin secret").
///
/// The values are kept as SHA-256 digests, and a sent value is hashed before it is
/// compared: `subtle`'s slice comparison returns at once when the lengths differ, so
/// comparing the values themselves would tell a prober the secret's length.
#[derive(Clone, Default)]
pub struct OriginGuard {
    secret: Option<Fingerprint>,
    previous: Option<Fingerprint>,
}

/// A SHA-256 digest: every value compares in the same time, whatever its length.
type Fingerprint = [u8; 32];

fn fingerprint(value: &[u8]) -> Fingerprint {
    Sha256::digest(value).into()
}

impl std::fmt::Debug for OriginGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets themselves never reach a log line.
        let shown = |secret: &Option<Fingerprint>| secret.as_ref().map(|_| "<set>");
        f.debug_struct("OriginGuard")
            .field("secret", &shown(&self.secret))
            .field("previous", &shown(&self.previous))
            .finish()
    }
}

/// Why a request was refused at the door: a 403, with no Invoke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFromOrigin {
    #[error("the request has no {SECRET_HEADER} header: it did not come through the CloudFront distribution")]
    Missing,
    #[error("the request's {SECRET_HEADER} header is wrong: it did not come through the CloudFront distribution")]
    Wrong,
}

/// What a checked request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passage {
    /// No secret is configured: nothing is proven.
    Unchecked,
    /// The secret matched: CloudFront's own headers can be believed.
    ThroughDistribution,
}

impl OriginGuard {
    /// `None` or an empty value turns the check off; `previous` counts only beside a
    /// current secret.
    pub fn new(secret: Option<&str>, previous: Option<&str>) -> Self {
        let bytes = |value: Option<&str>| value.filter(|s| !s.is_empty()).map(|s| fingerprint(s.as_bytes()));
        let secret = bytes(secret);
        let previous = if secret.is_some() { bytes(previous) } else { None };
        Self { secret, previous }
    }

    /// Check the secret header and remove it (every copy of it) from `headers`. The
    /// comparisons take the same time wherever the first differing byte is, and both values
    /// are always compared, so timing tells neither which one matched.
    pub fn check(&self, headers: &mut HeaderMap) -> Result<Passage, NotFromOrigin> {
        let sent: Vec<_> = headers.get_all(SECRET_HEADER).iter().map(|v| fingerprint(v.as_bytes())).collect();
        headers.remove(SECRET_HEADER);
        let Some(secret) = &self.secret else {
            return Ok(Passage::Unchecked);
        };
        match sent.as_slice() {
            [] => Err(NotFromOrigin::Missing),
            [value] if self.matches(value, secret) => Ok(Passage::ThroughDistribution),
            _ => Err(NotFromOrigin::Wrong),
        }
    }

    fn matches(&self, sent: &Fingerprint, secret: &Fingerprint) -> bool {
        let current = sent.ct_eq(secret);
        // Without a previous value, compare with the current one again: the same work.
        let previous = sent.ct_eq(self.previous.as_ref().unwrap_or(secret));
        bool::from(current | previous)
    }
}

/// The viewer's address as CloudFront saw it, for a request that proved it came through the
/// distribution; `peer` (a CloudFront edge, the Function URL's `sourceIp`) otherwise.
///
/// `CloudFront-Viewer-Address` (`198.51.100.10:46532`, `2001:db8::1:46532`) comes first.
/// Without it, the `X-Forwarded-For` entry CloudFront appended: the last one, or the one
/// before it when the Function URL appended the edge's own address. CloudFront sends one
/// `CloudFront-Viewer-Address`; with more than one (as separate headers or a list), some
/// came from the viewer, none can be believed, and the peer is the answer.
pub fn viewer_ip(passage: Passage, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
    if passage != Passage::ThroughDistribution {
        return peer;
    }
    let copies = headers.get_all(VIEWER_ADDRESS).iter().count();
    let listed = headers.get(VIEWER_ADDRESS).is_some_and(|value| value.as_bytes().contains(&b','));
    if copies > 1 || listed {
        return peer;
    }
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
    let from_viewer_address = header(VIEWER_ADDRESS).and_then(|value| {
        let value = value.trim();
        let host = value.rsplit_once(':').map_or(value, |(host, _port)| host);
        host.trim_start_matches('[').trim_end_matches(']').parse().ok()
    });
    let from_forwarded_for = || {
        let entries: Vec<IpAddr> =
            header("x-forwarded-for")?.split(',').filter_map(|entry| entry.trim().parse().ok()).collect();
        match entries.as_slice() {
            [.., viewer, edge] if Some(*edge) == peer => Some(*viewer),
            [.., last] => Some(*last),
            [] => None,
        }
    };
    from_viewer_address.or_else(from_forwarded_for).or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_headers::{Pairs, headers};

    #[test]
    fn the_secret_is_checked_and_removed() {
        let guard = OriginGuard::new(Some("s3cret"), None);
        let cases: [(Pairs<'_>, Result<Passage, NotFromOrigin>); 5] = [
            (&[(SECRET_HEADER, "s3cret")], Ok(Passage::ThroughDistribution)),
            (&[], Err(NotFromOrigin::Missing)),
            (&[(SECRET_HEADER, "s3cre")], Err(NotFromOrigin::Wrong)),
            (&[(SECRET_HEADER, "s3cret!")], Err(NotFromOrigin::Wrong)),
            (&[(SECRET_HEADER, "s3cret"), (SECRET_HEADER, "s3cret")], Err(NotFromOrigin::Wrong)),
        ];
        for (sent, want) in cases {
            let mut map = headers(sent);
            map.insert("x-other", "kept".parse().expect("value"));
            assert_eq!(guard.check(&mut map), want, "{sent:?}");
            assert!(map.get(SECRET_HEADER).is_none(), "the function never sees the secret: {sent:?}");
            assert_eq!(map["x-other"], "kept");
        }
    }

    /// Issue 29: the values themselves were compared, and `subtle` answers at once when the
    /// lengths differ; now only digests of one length are kept and compared.
    #[test]
    fn only_fixed_length_digests_are_kept_and_compared() {
        let guard = OriginGuard::new(Some("s3cret"), Some("0ld"));
        assert_eq!(guard.secret, Some(fingerprint(b"s3cret")));
        assert_eq!(guard.previous, Some(fingerprint(b"0ld")));
        let long = "x".repeat(4096);
        for sent in ["s", long.as_str(), "0l", "s3cret\0"] {
            assert!(!guard.matches(&fingerprint(sent.as_bytes()), guard.secret.as_ref().expect("set")), "{sent:?}");
        }
    }

    #[test]
    fn without_a_secret_nothing_is_proven_and_the_header_still_goes() {
        for guard in [OriginGuard::new(None, None), OriginGuard::new(Some(""), None), OriginGuard::new(None, Some("p"))]
        {
            let mut map = headers(&[(SECRET_HEADER, "anything")]);
            assert_eq!(guard.check(&mut map), Ok(Passage::Unchecked));
            assert!(map.is_empty());
        }
    }

    /// Debug output (of the flags, of the proxy's state) says which secrets are set, never what they are.
    #[test]
    fn debug_output_says_which_secrets_are_set_and_hides_them() {
        let shown = format!("{:?}", OriginGuard::new(Some("s3cret"), Some("0ld-value")));
        assert_eq!(shown, r#"OriginGuard { secret: Some("<set>"), previous: Some("<set>") }"#);
        let shown = format!("{:?}", OriginGuard::new(Some("s3cret"), None));
        assert_eq!(shown, r#"OriginGuard { secret: Some("<set>"), previous: None }"#);
        let shown = format!("{:?}", Secret::parse("s3cret").expect("any value"));
        assert_eq!(shown, "Secret(<redacted>)");
    }

    /// Issue 20: during a rotation, edges that still send the previous secret pass too.
    #[test]
    fn the_previous_secret_passes_while_a_rotation_spreads() {
        let guard = OriginGuard::new(Some("new-s3cret"), Some("old-s3cret"));
        let cases: [(Pairs<'_>, Result<Passage, NotFromOrigin>); 5] = [
            (&[(SECRET_HEADER, "new-s3cret")], Ok(Passage::ThroughDistribution)),
            (&[(SECRET_HEADER, "old-s3cret")], Ok(Passage::ThroughDistribution)),
            (&[(SECRET_HEADER, "old-s3cre")], Err(NotFromOrigin::Wrong)),
            (&[(SECRET_HEADER, "new-s3cret"), (SECRET_HEADER, "old-s3cret")], Err(NotFromOrigin::Wrong)),
            (&[], Err(NotFromOrigin::Missing)),
        ];
        for (sent, want) in cases {
            assert_eq!(guard.check(&mut headers(sent)), want, "{sent:?}");
        }
        let finished = OriginGuard::new(Some("new-s3cret"), None);
        assert_eq!(finished.check(&mut headers(&[(SECRET_HEADER, "old-s3cret")])), Err(NotFromOrigin::Wrong));
    }

    #[test]
    fn the_viewer_address_is_believed_only_through_the_distribution() {
        let edge: IpAddr = "130.176.1.1".parse().expect("ip");
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        let through = Passage::ThroughDistribution;
        let cases: [(Passage, Pairs<'_>, Option<IpAddr>); 11] = [
            (through, &[("cloudfront-viewer-address", "198.51.100.10:46532")], ip("198.51.100.10")),
            (through, &[("cloudfront-viewer-address", "2001:db8::1:46532")], ip("2001:db8::1")),
            (through, &[("cloudfront-viewer-address", "[2001:db8::2]:443")], ip("2001:db8::2")),
            (through, &[("x-forwarded-for", "10.0.0.1, 203.0.113.7, 130.176.1.1")], ip("203.0.113.7")),
            (through, &[("x-forwarded-for", "10.0.0.1, 203.0.113.8")], ip("203.0.113.8")),
            (through, &[("cloudfront-viewer-address", "garbage")], Some(edge)),
            // Issue 20: a second copy came from the viewer; neither is believed.
            (
                through,
                &[("cloudfront-viewer-address", "198.51.100.10:1"), ("cloudfront-viewer-address", "192.0.2.66:2")],
                Some(edge),
            ),
            (through, &[("cloudfront-viewer-address", "192.0.2.66:2, 198.51.100.10:1")], Some(edge)),
            (
                through,
                &[
                    ("cloudfront-viewer-address", "198.51.100.10:1"),
                    ("cloudfront-viewer-address", "192.0.2.66:2"),
                    ("x-forwarded-for", "203.0.113.7"),
                ],
                Some(edge),
            ),
            // Unproven requests keep the peer, whatever they claim.
            (Passage::Unchecked, &[("cloudfront-viewer-address", "198.51.100.10:1")], Some(edge)),
            (Passage::Unchecked, &[("x-forwarded-for", "198.51.100.10")], Some(edge)),
        ];
        for (passage, sent, want) in cases {
            assert_eq!(viewer_ip(passage, &headers(sent), Some(edge)), want, "{passage:?} {sent:?}");
        }
    }
}
