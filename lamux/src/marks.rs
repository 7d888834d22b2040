//! What lamux writes on every response of a routed host, errors included, and what it takes
//! off a function's answer. Pure.
//!
//! - A function's `Set-Cookie` for one of lamux's own cookies is removed: no function behind
//!   lamux, preview or not, can pick the alias or the canary arm of a viewer.
//! - lamux's own `Set-Cookie`s follow: a canary's bucket (on errors too, so that a client
//!   whose first answer failed stays on its arm), or the clearing of a refused override.
//! - `Vary` names the request headers that chose the alias, merged with the function's own.
//! - `x-lamux-alias` names the alias that answered when the host did not choose it.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue, SET_COOKIE, VARY};

use crate::choose::ALIAS_HEADER;

/// lamux's additions to one response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// The alias that answered, when an override or a canary chose it.
    pub alias: Option<String>,
    /// lamux's own cookies, as `Set-Cookie` values.
    pub set_cookies: Vec<String>,
    /// The request headers that may change the answer here.
    pub vary: Vec<HeaderName>,
}

/// Apply `marks` to a response's headers; `own` says whether a cookie name is lamux's.
/// Returns the names of the function's cookies that were removed, for the log.
pub fn apply(headers: &mut HeaderMap, marks: &Marks, own: impl Fn(&str) -> bool) -> Vec<String> {
    let removed = remove_own_cookies(headers, own);
    for cookie in &marks.set_cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    merge_vary(headers, &marks.vary);
    if let Some(alias) = marks.alias.as_deref().and_then(|alias| HeaderValue::from_str(alias).ok()) {
        headers.insert(ALIAS_HEADER, alias);
    }
    removed
}

/// Remove every `Set-Cookie` whose name is one of lamux's. The name is read as a browser
/// reads it (RFC 6265 §5.2): the text before the first `=` of the first `;`-separated part.
fn remove_own_cookies(headers: &mut HeaderMap, own: impl Fn(&str) -> bool) -> Vec<String> {
    let is_own = |value: &HeaderValue| cookie_name(value).is_some_and(|name| own(name.trim()));
    let removed: Vec<String> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| cookie_name(value).filter(|name| own(name.trim())).map(|name| name.trim().to_owned()))
        .collect();
    if removed.is_empty() {
        return removed;
    }
    let kept: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().filter(|value| !is_own(value)).cloned().collect();
    headers.remove(SET_COOKIE);
    for value in kept {
        headers.append(SET_COOKIE, value);
    }
    removed
}

/// A `Set-Cookie` value's name, borrowed where its bytes are UTF-8.
fn cookie_name(value: &HeaderValue) -> Option<std::borrow::Cow<'_, str>> {
    let pair = value.as_bytes().split(|b| *b == b';').next()?;
    let at = pair.iter().position(|b| *b == b'=')?;
    Some(String::from_utf8_lossy(&pair[..at]))
}

/// Add `names` to the response's `Vary`, once each (names match without case), keeping the
/// function's own entries. `Vary: *` already covers everything.
fn merge_vary(headers: &mut HeaderMap, names: &[HeaderName]) {
    if names.is_empty() {
        return;
    }
    let mut listed: Vec<String> = headers
        .get_all(VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect();
    if listed.iter().any(|entry| entry == "*") {
        return;
    }
    let before = listed.len();
    for name in names {
        if !listed.iter().any(|entry| entry.eq_ignore_ascii_case(name.as_str())) {
            listed.push(name.as_str().to_owned());
        }
    }
    if listed.len() == before {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&listed.join(", ")) {
        headers.insert(VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use http::header::COOKIE;

    use super::*;

    use crate::test_headers::{Pairs, headers};

    fn all(map: &HeaderMap, name: &str) -> Vec<String> {
        map.get_all(name).iter().map(|v| v.to_str().expect("ASCII").to_owned()).collect()
    }

    fn lamuxs(name: &str) -> bool {
        name.eq_ignore_ascii_case("lamux-alias") || name.eq_ignore_ascii_case("__Host-lamux-canary")
    }

    /// Issue 29: a function behind the suffix answered `Set-Cookie: lamux-alias=pr41;
    /// Domain=example.com`, and lamux passed it on to the viewer.
    #[test]
    fn a_functions_cookie_of_lamuxs_name_is_removed() {
        let mut map = headers(&[
            ("set-cookie", "session=1; Path=/"),
            ("set-cookie", "lamux-alias=pr41; Domain=example.com; Path=/"),
            ("set-cookie", " __Host-lamux-canary =0; Path=/; Secure"),
            ("set-cookie", "lamux-aliases=ok"),
            ("content-type", "text/plain"),
        ]);
        let removed = apply(&mut map, &Marks::default(), lamuxs);
        assert_eq!(removed, ["lamux-alias", "__Host-lamux-canary"]);
        assert_eq!(all(&map, "set-cookie"), ["session=1; Path=/", "lamux-aliases=ok"]);
        assert_eq!(all(&map, "content-type"), ["text/plain"]);
    }

    #[test]
    fn lamuxs_own_cookies_are_added_after_the_functions_are_checked() {
        let marks = Marks { set_cookies: vec!["__Host-lamux-canary=7; Path=/; Secure".into()], ..Marks::default() };
        let mut map = headers(&[("set-cookie", "session=1")]);
        assert!(apply(&mut map, &marks, lamuxs).is_empty());
        assert_eq!(all(&map, "set-cookie"), ["session=1", "__Host-lamux-canary=7; Path=/; Secure"]);
    }

    #[test]
    fn vary_is_merged_with_the_functions() {
        let vary = vec![COOKIE, HeaderName::from_static("x-preview")];
        let marks = Marks { vary, ..Marks::default() };
        let cases: [(Pairs<'_>, &[&str]); 5] = [
            (&[], &["cookie, x-preview"]),
            (&[("vary", "Accept-Encoding")], &["Accept-Encoding, cookie, x-preview"]),
            (&[("vary", "Cookie"), ("vary", "Origin, X-Preview")], &["Cookie", "Origin, X-Preview"]),
            (&[("vary", "*")], &["*"]),
            (&[("vary", "accept, cookie")], &["accept, cookie, x-preview"]),
        ];
        for (given, want) in cases {
            let mut map = headers(given);
            apply(&mut map, &marks, lamuxs);
            assert_eq!(all(&map, "vary"), want, "{given:?}");
        }
        let mut untouched = headers(&[("vary", "Origin")]);
        apply(&mut untouched, &Marks::default(), lamuxs);
        assert_eq!(all(&untouched, "vary"), ["Origin"], "no Vary of lamux's where nothing can choose");
    }

    #[test]
    fn the_alias_that_answered_is_named() {
        let mut map = headers(&[("x-lamux-alias", "forged")]);
        apply(&mut map, &Marks { alias: Some("pr42".into()), ..Marks::default() }, lamuxs);
        assert_eq!(all(&map, "x-lamux-alias"), ["pr42"]);
    }
}
