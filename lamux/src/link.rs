//! The override cookie's link (`--alias-cookie-path`): where it may send the viewer, and
//! which requests may use it. Pure.
//!
//! The link answers `303` to `to`. A browser reads `Location` as the WHATWG URL standard
//! says: it removes tab, LF and CR anywhere, and takes `\` for `/` in http(s) URLs, so
//! `/\t/evil.example` and `/\evil.example` both become `//evil.example`, another host.
//! `to` is therefore accepted only as a path-absolute reference with nothing a browser would
//! rewrite, resolved with a URL parser against the request's origin, and the result must
//! keep that origin and still be a path-absolute reference.

use http::HeaderMap;
use url::{Position, Url};

/// Why a link's `to` is refused (a 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadTarget {
    #[error("`to` must be a path of this host, starting with one `/`")]
    NotAPath,
    #[error("`to` has a control character or white space, which browsers remove or rewrite")]
    Unsafe,
    #[error("`to` leaves this host once a browser reads it")]
    LeavesHost,
}

/// The `Location` for `to`, a path of the host `host` (as routed, maybe with a port).
pub fn local_location(to: &str, host: &str) -> Result<String, BadTarget> {
    if !is_path_absolute(to) {
        return Err(BadTarget::NotAPath);
    }
    if to.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(BadTarget::Unsafe);
    }
    let base = Url::parse(&format!("https://{host}/")).map_err(|_| BadTarget::LeavesHost)?;
    let resolved = base.join(to).map_err(|_| BadTarget::LeavesHost)?;
    if resolved.origin() != base.origin() {
        return Err(BadTarget::LeavesHost);
    }
    // Serialized again, a path such as `/.//evil.example` can come out as `//evil.example`.
    let location = resolved[Position::BeforePath..].to_owned();
    if !is_path_absolute(&location) {
        return Err(BadTarget::LeavesHost);
    }
    Ok(location)
}

/// `/` not followed by a second `/` or a `\` (which a browser reads as `/`).
fn is_path_absolute(to: &str) -> bool {
    to.starts_with('/') && !matches!(to.as_bytes().get(1), Some(b'/' | b'\\'))
}

/// Whether a browser says the request came from another site (`Sec-Fetch-Site:
/// cross-site`). Such a request may not switch the viewer onto another alias: any page
/// could link there. A request without the header (an old browser, curl) or from the same
/// site, or typed by the user (`none`), passes.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    headers
        .get_all("sec-fetch-site")
        .iter()
        .any(|value| value.to_str().is_ok_and(|v| v.trim().eq_ignore_ascii_case("cross-site")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The WHATWG URL standard's rewrites that turn a path into another host, and the forms
    /// a reviewer of open redirects tries (issue 29: `/\t/evil.example/` left the host).
    #[test]
    fn a_target_that_a_browser_would_read_as_another_host_is_refused() {
        let cases = [
            ("//evil.example", BadTarget::NotAPath),
            ("/\\evil.example", BadTarget::NotAPath),
            ("\\\\evil.example", BadTarget::NotAPath),
            ("https://evil.example/", BadTarget::NotAPath),
            ("javascript:alert(1)", BadTarget::NotAPath),
            ("evil.example", BadTarget::NotAPath),
            ("", BadTarget::NotAPath),
            (" /x", BadTarget::NotAPath),
            ("/\t/evil.example/", BadTarget::Unsafe),
            ("/\t\\evil.example", BadTarget::Unsafe),
            ("/\n/evil.example", BadTarget::Unsafe),
            ("/\r/evil.example", BadTarget::Unsafe),
            ("/\u{0}/evil.example", BadTarget::Unsafe),
            ("/\u{7f}/evil.example", BadTarget::Unsafe),
            ("/ /evil.example", BadTarget::Unsafe),
            ("/\u{a0}/evil.example", BadTarget::Unsafe),
            ("/\u{3000}/evil.example", BadTarget::Unsafe),
            ("/x\u{2028}", BadTarget::Unsafe),
            ("/.//evil.example", BadTarget::LeavesHost),
            ("/./\\evil.example", BadTarget::LeavesHost),
            ("/a/..//evil.example", BadTarget::LeavesHost),
            ("/%2e%2e//evil.example", BadTarget::LeavesHost),
        ];
        for (to, why) in cases {
            assert_eq!(local_location(to, "live-app.example.com"), Err(why), "{to:?}");
        }
    }

    #[test]
    fn paths_of_this_host_pass_as_a_browser_would_read_them() {
        let cases = [
            ("/", "/"),
            ("/cart?x=1#top", "/cart?x=1#top"),
            ("/a\\b", "/a/b"),
            ("/a/../b", "/b"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/caf\u{e9}", "/caf%C3%A9"),
            ("/?next=//evil.example", "/?next=//evil.example"),
        ];
        for (to, location) in cases {
            assert_eq!(local_location(to, "live-app.example.com:8443").as_deref(), Ok(location), "{to:?}");
        }
    }

    #[test]
    fn only_cross_site_requests_are_refused() {
        let with = |value: &str| {
            let mut map = HeaderMap::new();
            map.insert("sec-fetch-site", value.parse().expect("value"));
            map
        };
        assert!(is_cross_site(&with("cross-site")));
        assert!(is_cross_site(&with("Cross-Site")));
        for passing in ["same-origin", "same-site", "none"] {
            assert!(!is_cross_site(&with(passing)), "{passing}");
        }
        assert!(!is_cross_site(&HeaderMap::new()));
    }
}
