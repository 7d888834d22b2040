//! Which alias answers a request: the host's, an override (a cookie or a header naming
//! another alias of the same function), or a sticky canary's arm. Pure: the random bucket
//! comes in from the caller.
//!
//! The host always chooses the function. An override only replaces the alias, and obeys
//! `--alias-override-allow` and the allow-lists, as a host's alias does. A refused header is
//! an error; a refused cookie is ignored and cleared (a cookie can be stale or planted, and
//! must never lock a viewer out). lamux's cookies carry the `__Host-` prefix, and a
//! function's `Set-Cookie` for any of their names is removed ([`Chooser::is_own_cookie`]).

use cookie::{Cookie, SameSite};
use http::header::{ACCESS_CONTROL_REQUEST_METHOD, COOKIE, HeaderName};
use http::{HeaderMap, Method};
use wildmatch::WildMatch;

use crate::access::{AllowList, Denied};
use crate::route::Target;

/// The cookie that holds a client's canary bucket. The `__Host-` prefix makes a browser
/// accept it only from the host itself, with `Secure`, `Path=/` and no `Domain`: no
/// sibling or parent host can set it for this one.
pub const CANARY_COOKIE: &str = "__Host-lamux-canary";

/// The override cookie's name when `--alias-cookie` is given without one.
pub const OVERRIDE_COOKIE: &str = "__Host-lamux-alias";

/// The prefixes a browser gives meaning to (RFC 6265bis §4.1.3), matched without case.
const COOKIE_PREFIXES: [&str; 2] = ["__host-", "__secure-"];

/// How long a client keeps its canary bucket: long enough to outlive a rollout.
pub const CANARY_MAX_AGE: cookie::time::Duration = cookie::time::Duration::days(30);

/// How long an override cookie set from a link lasts.
pub const OVERRIDE_MAX_AGE: cookie::time::Duration = cookie::time::Duration::hours(12);

/// Buckets of a canary: one per percent.
const BUCKETS: u8 = 100;

/// The response header that names the alias that answered, when it is not the host's.
pub const ALIAS_HEADER: HeaderName = HeaderName::from_static("x-lamux-alias");

/// Everything that may replace a host's alias, built once at start.
#[derive(Debug, Clone, Default)]
pub struct Chooser {
    pub overrides: Overrides,
    pub canaries: Vec<Canary>,
}

/// Where an override may come from, and what it may name.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--alias-cookie`: a cookie that names the alias.
    pub cookie: Option<String>,
    /// `--alias-header`: a request header that names the alias.
    pub header: Option<HeaderName>,
    /// `--alias-override-allow`: globs an override must match; empty leaves it to the
    /// allow-lists.
    pub allow: Vec<WildMatch>,
}

/// `--canary ALIAS=TARGET:PERCENT`: PERCENT of ALIAS's clients, by bucket, get TARGET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canary {
    pub alias: String,
    pub target: String,
    pub percent: u8,
}

/// Who chose the alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Host,
    Cookie,
    Header,
    Canary,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Cookie => "cookie",
            Self::Header => "header",
            Self::Canary => "canary",
        }
    }
}

/// A canary's two arms: the alias the host named, and the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    Base,
    Target,
}

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::Target => "target",
        }
    }
}

/// The alias that answers, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub target: Target,
    pub source: Source,
    /// For a request under a canary: its arm, and the bucket to give a client that had none.
    pub canary: Option<(Arm, Option<u8>)>,
    /// The override cookie named an alias that may not answer: it was ignored, and the
    /// response clears it.
    pub clear_override: bool,
}

impl Canary {
    /// `live=next:10`: aliases of letters and digits, a percent from 0 to 100.
    pub fn parse(value: &str) -> Result<Self, String> {
        let shape = || format!("{value:?} is not ALIAS=TARGET:PERCENT (e.g. live=next:10)");
        let (alias, rest) = value.trim().split_once('=').ok_or_else(shape)?;
        let (target, percent) = rest.split_once(':').ok_or_else(shape)?;
        let alias_ok = |a: &str| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric());
        if !alias_ok(alias) || !alias_ok(target) {
            return Err(format!("{value:?}: aliases are letters and digits, as hosts carry them"));
        }
        if alias == target {
            return Err(format!("{value:?}: the target is the alias itself"));
        }
        let percent: u8 = percent
            .parse()
            .ok()
            .filter(|p| *p <= 100)
            .ok_or_else(|| format!("{value:?}: the percent is a whole number from 0 to 100"))?;
        Ok(Self { alias: alias.to_owned(), target: target.to_owned(), percent })
    }
}

impl Chooser {
    /// Refuse, at start, a canary that names an alias the allow-lists refuse, or two canaries
    /// of one alias.
    pub fn check(&self, allow: &AllowList) -> Result<(), String> {
        for (i, canary) in self.canaries.iter().enumerate() {
            for alias in [&canary.alias, &canary.target] {
                if !allow.admits_alias(alias) {
                    return Err(format!(
                        "--canary {}={}:{}: alias {alias:?} is not in --allow-alias",
                        canary.alias, canary.target, canary.percent
                    ));
                }
            }
            if self.canaries[..i].iter().any(|earlier| earlier.alias == canary.alias) {
                return Err(format!("--canary: two canaries of alias {:?}", canary.alias));
            }
        }
        Ok(())
    }

    /// The alias for a request whose host names `host`. `bucket` draws a new bucket, uniform
    /// over 0..100, for a client without a valid one.
    ///
    /// An override must be an alias a host could carry, within `--alias-override-allow` and
    /// the allow-lists. A refused header is refused as a host would be (API clients want
    /// the error); a refused cookie is ignored and marked to be cleared, so that a stale or
    /// planted cookie never locks a viewer out.
    pub fn choose(
        &self,
        host: Target,
        method: &Method,
        headers: &HeaderMap,
        allow: &AllowList,
        bucket: impl FnOnce() -> u8,
    ) -> Result<Choice, Denied> {
        let mut refused_cookie = false;
        if let Some((alias, source)) = self.overrides.requested(headers)
            && alias != host.alias
        {
            let target = Target { alias, ..host.clone() };
            match (self.overrides.admit(&target.alias).and_then(|()| allow.check(&target)), source) {
                (Ok(()), _) => return Ok(Choice { target, source, canary: None, clear_override: false }),
                (Err(denied), Source::Header) => return Err(denied),
                (Err(_), _) => refused_cookie = true,
            }
        }
        Ok(Choice { clear_override: refused_cookie, ..self.for_host(host, method, headers, bucket) })
    }

    /// The choice without an override: the host's alias, or its canary's arm.
    pub fn for_host(&self, host: Target, method: &Method, headers: &HeaderMap, bucket: impl FnOnce() -> u8) -> Choice {
        let Some(canary) = self.canary_of(&host.alias) else {
            return Choice { target: host, source: Source::Host, canary: None, clear_override: false };
        };
        let (held, fresh) = match canary_bucket(headers) {
            Some(held) => (held, None),
            // A CORS preflight carries no cookies: it goes to the base alias and draws no
            // bucket, so that it never lands on another arm than the request it precedes.
            None if is_preflight(method, headers) => {
                let canary = Some((Arm::Base, None));
                return Choice { target: host, source: Source::Canary, canary, clear_override: false };
            }
            None => {
                let drawn = bucket() % BUCKETS;
                (drawn, Some(drawn))
            }
        };
        // Raising the percent only moves more buckets to the target; nobody moves back.
        let (arm, alias) =
            if held < canary.percent { (Arm::Target, canary.target.clone()) } else { (Arm::Base, host.alias.clone()) };
        Choice {
            target: Target { alias, ..host },
            source: Source::Canary,
            canary: Some((arm, fresh)),
            clear_override: false,
        }
    }

    fn canary_of(&self, alias: &str) -> Option<&Canary> {
        self.canaries.iter().find(|c| c.alias == alias && c.percent > 0)
    }

    /// The request headers that may change which alias answers on a host whose alias is
    /// `alias`: what a response there must name in `Vary` (RFC 9110 §12.5.5), so that no
    /// cache serves one arm's or one override's answer to another client.
    pub fn varies_on(&self, alias: &str) -> Vec<HeaderName> {
        let mut names = Vec::new();
        if self.overrides.cookie.is_some() || self.canary_of(alias).is_some() {
            names.push(COOKIE);
        }
        names.extend(self.overrides.header.clone());
        names
    }

    /// Whether `name` is one of lamux's cookies, with or without a prefix: the canary's,
    /// the override's default, and the one `--alias-cookie` names. A function's
    /// `Set-Cookie` for any of them is removed, so no function can steer a viewer.
    pub fn is_own_cookie(&self, name: &str) -> bool {
        let bare = bare_cookie_name(name);
        [CANARY_COOKIE, OVERRIDE_COOKIE]
            .into_iter()
            .chain(self.overrides.cookie.as_deref())
            .any(|own| bare.eq_ignore_ascii_case(bare_cookie_name(own)))
    }
}

/// A cookie name without a browser prefix.
fn bare_cookie_name(name: &str) -> &str {
    let name = name.trim();
    COOKIE_PREFIXES
        .iter()
        .find_map(|prefix| {
            name.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|p| &name[p.len()..])
        })
        .unwrap_or(name)
}

/// A CORS preflight: `OPTIONS` with `Access-Control-Request-Method` (Fetch standard).
fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

impl Overrides {
    /// The alias a request asks for: the header first (an API client's explicit choice),
    /// then the cookie.
    fn requested(&self, headers: &HeaderMap) -> Option<(String, Source)> {
        let header = self.header.as_ref().and_then(|name| headers.get(name)).and_then(|v| v.to_str().ok());
        if let Some(alias) = header.map(str::trim).filter(|a| !a.is_empty()) {
            return Some((alias.to_owned(), Source::Header));
        }
        let name = self.cookie.as_deref()?;
        cookie_value(headers, name).filter(|a| !a.is_empty()).map(|alias| (alias, Source::Cookie))
    }

    /// Whether an override may name `alias`: an alias a host could carry, within
    /// `--alias-override-allow`.
    pub fn admit(&self, alias: &str) -> Result<(), Denied> {
        let routable = !alias.is_empty() && alias.bytes().all(|b| b.is_ascii_alphanumeric());
        if !routable || (!self.allow.is_empty() && !self.allow.iter().any(|glob| glob.matches(alias))) {
            return Err(Denied::Override(alias.to_owned()));
        }
        Ok(())
    }

    /// `Set-Cookie` for the override cookie: naming `alias`, or, for `None`, clearing it.
    pub fn set_cookie(&self, alias: Option<&str>) -> Option<String> {
        let name = self.cookie.clone()?;
        let mut cookie = session_cookie(name, alias.unwrap_or_default().to_owned(), OVERRIDE_MAX_AGE);
        if alias.is_none() {
            cookie.make_removal();
        }
        Some(cookie.to_string())
    }
}

/// `Set-Cookie` giving a client its canary bucket.
pub fn canary_set_cookie(bucket: u8) -> String {
    session_cookie(CANARY_COOKIE.to_owned(), bucket.to_string(), CANARY_MAX_AGE).to_string()
}

fn session_cookie(name: String, value: String, max_age: cookie::time::Duration) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .build()
}

/// A client's canary bucket, when its cookie holds a valid one.
fn canary_bucket(headers: &HeaderMap) -> Option<u8> {
    cookie_value(headers, CANARY_COOKIE)?.parse().ok().filter(|bucket| *bucket < BUCKETS)
}

/// The first value of cookie `name`, over every `Cookie` header (HTTP/2 sends one per
/// cookie), as RFC 6265 section 4.2.1 writes them: `a=b; c=d`, a value maybe in double quotes.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value_trimmed().to_owned())
}

#[cfg(test)]
mod tests {

    use super::*;

    fn target(alias: &str) -> Target {
        Target { function: "app".into(), alias: alias.into() }
    }

    use crate::test_headers::headers;

    /// A GET's choice, under allow-lists that admit everything.
    fn pick(
        chooser: &Chooser,
        host: Target,
        headers: &HeaderMap,
        bucket: impl FnOnce() -> u8,
    ) -> Result<Choice, Denied> {
        chooser.choose(host, &Method::GET, headers, &AllowList::default(), bucket)
    }

    fn overrides(allow: &[&str]) -> Chooser {
        Chooser {
            overrides: Overrides {
                cookie: Some("lamux-alias".into()),
                header: Some(HeaderName::from_static("x-lamux-alias")),
                allow: allow.iter().map(|p| WildMatch::new(p)).collect(),
            },
            canaries: Vec::new(),
        }
    }

    #[test]
    fn cookies_are_read_as_rfc_6265_writes_them() {
        let many = headers(&[("cookie", "a=1; lamux-alias=\"pr42\"; b=2"), ("cookie", "lamux-alias=pr7")]);
        assert_eq!(cookie_value(&many, "lamux-alias").as_deref(), Some("pr42"), "quoted, first of several headers");
        assert_eq!(cookie_value(&many, "b").as_deref(), Some("2"));
        assert_eq!(cookie_value(&headers(&[("cookie", "x=1;lamux-alias=pr9")]), "lamux-alias").as_deref(), Some("pr9"));
        assert_eq!(cookie_value(&headers(&[("cookie", "lamux-aliasx=pr9")]), "lamux-alias"), None);
        assert_eq!(cookie_value(&headers(&[]), "lamux-alias"), None);
    }

    #[test]
    fn an_override_replaces_the_alias_within_its_allow_list() {
        let chooser = overrides(&["pr*"]);
        let never = || panic!("no bucket is drawn without a canary");
        let by_cookie = pick(&chooser, target("live"), &headers(&[("cookie", "lamux-alias=pr42")]), never);
        let overridden = Choice { target: target("pr42"), source: Source::Cookie, canary: None, clear_override: false };
        assert_eq!(by_cookie, Ok(overridden));
        let both = headers(&[("cookie", "lamux-alias=pr42"), ("x-lamux-alias", "pr7")]);
        assert_eq!(pick(&chooser, target("live"), &both, never).map(|c| c.target), Ok(target("pr7")), "header first");
        for refused in ["dev", "pr-1", "pr 1"] {
            let asked = headers(&[("x-lamux-alias", refused)]);
            assert_eq!(pick(&chooser, target("live"), &asked, never), Err(Denied::Override(refused.into())));
        }
        let denied = chooser.choose(
            target("live"),
            &Method::GET,
            &headers(&[("x-lamux-alias", "pr7")]),
            &AllowList::new(&[], &["live".to_owned()]),
            never,
        );
        assert_eq!(denied, Err(Denied::Alias("pr7".into())), "a header outside --allow-alias is refused");
        let same = pick(&chooser, target("live"), &headers(&[("x-lamux-alias", "live")]), never);
        assert_eq!(same.map(|c| c.source), Ok(Source::Host), "naming the host's own alias is no override");
        let off = pick(&Chooser::default(), target("live"), &headers(&[("x-lamux-alias", "pr1")]), never);
        assert_eq!(off.map(|c| c.target), Ok(target("live")), "ignored when off");
    }

    #[test]
    fn a_canary_keeps_each_bucket_on_its_arm() {
        let chooser = Chooser { canaries: vec![Canary::parse("live=next:10").expect("canary")], ..Chooser::default() };
        let drawn = pick(&chooser, target("live"), &headers(&[]), || 107).expect("choice");
        assert_eq!(drawn.canary, Some((Arm::Target, Some(7))), "a new client gets bucket 107 % 100");
        assert_eq!(drawn.target, target("next"));
        let held =
            pick(&chooser, target("live"), &headers(&[("cookie", "__Host-lamux-canary=55")]), || 0).expect("choice");
        assert_eq!((held.target, held.canary), (target("live"), Some((Arm::Base, None))));
        let bad =
            pick(&chooser, target("live"), &headers(&[("cookie", "__Host-lamux-canary=x")]), || 3).expect("choice");
        assert_eq!(bad.canary, Some((Arm::Target, Some(3))), "an unreadable bucket gets a new one");
        let edge = pick(&chooser, target("live"), &headers(&[("cookie", "__Host-lamux-canary=100")]), || 4);
        assert_eq!(edge.expect("choice").canary, Some((Arm::Target, Some(4))), "100 is not a bucket");
        let last = pick(&chooser, target("live"), &headers(&[("cookie", "__Host-lamux-canary=99")]), || 4);
        assert_eq!(last.expect("choice").canary, Some((Arm::Base, None)), "99 is the last bucket");
        let planted = pick(&chooser, target("live"), &headers(&[("cookie", "lamux-canary=1")]), || 50);
        assert_eq!(planted.expect("choice").canary, Some((Arm::Base, Some(50))), "only the __Host- cookie counts");
        let other = pick(&chooser, target("pr1"), &headers(&[]), || panic!("no canary on pr1")).expect("choice");
        assert_eq!(other.source, Source::Host);
        for bad in ["live", "live=next", "live=next:101", "live=live:5", "li-ve=next:5", "live=next:-1"] {
            assert!(Canary::parse(bad).is_err(), "{bad}");
        }
    }

    /// Survivors of cargo-mutants: the percent's edge, a canary at 0, and the names the
    /// access line and the metrics carry.
    #[test]
    fn a_canary_at_its_edges() {
        let at = |value: &str| Chooser { canaries: vec![Canary::parse(value).expect("canary")], ..Chooser::default() };
        let held = |bucket: u8| headers(&[("cookie", &format!("__Host-lamux-canary={bucket}"))]);
        let ten = at("live=next:10");
        assert_eq!(pick(&ten, target("live"), &held(9), || 0).expect("choice").target, target("next"));
        assert_eq!(pick(&ten, target("live"), &held(10), || 0).expect("choice").target, target("live"), "10% is 0..9");
        let off = pick(&at("live=next:0"), target("live"), &headers(&[]), || panic!("no bucket at 0%"));
        assert_eq!(off.map(|c| (c.source, c.canary)), Ok((Source::Host, None)), "0 ends the canary");
        let names = [Source::Host, Source::Cookie, Source::Header, Source::Canary].map(Source::as_str);
        assert_eq!(names, ["host", "cookie", "header", "canary"]);
        assert_eq!([Arm::Base, Arm::Target].map(Arm::as_str), ["base", "target"]);
    }

    #[test]
    fn canaries_obey_the_allow_lists_at_start() {
        let chooser = Chooser { canaries: vec![Canary::parse("live=next:10").expect("canary")], ..Chooser::default() };
        let allow = AllowList::new(&[], &["live".to_owned()]);
        let err = chooser.check(&allow).expect_err("next is not allowed");
        assert!(err.contains("live=next:10") && err.contains("\"next\""), "{err}");
        assert!(chooser.check(&AllowList::new(&[], &["live".to_owned(), "next".to_owned()])).is_ok());
    }

    #[test]
    fn cookies_are_host_only_http_only_secure_and_lax() {
        let set = canary_set_cookie(42);
        for part in ["__Host-lamux-canary=42", "HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!set.to_ascii_lowercase().contains("domain"), "host-only: {set}");
        let chooser = overrides(&[]);
        assert!(chooser.overrides.set_cookie(Some("pr42")).expect("on").starts_with("lamux-alias=pr42;"));
        let cleared = chooser.overrides.set_cookie(None).expect("on");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }

    /// Issue 29: two canaries of one alias are refused at start, and only those.
    #[test]
    fn two_canaries_of_one_alias_are_refused() {
        let parse = |values: &[&str]| Chooser {
            canaries: values.iter().map(|v| Canary::parse(v).expect("canary")).collect(),
            ..Chooser::default()
        };
        let err = parse(&["live=next:10", "live=pr1:5"]).check(&AllowList::default()).expect_err("two of live");
        assert!(err.contains("two canaries of alias \"live\""), "{err}");
        assert!(parse(&["live=next:10", "beta=pr1:5"]).check(&AllowList::default()).is_ok());
    }

    /// Issue 29: a refused or stale override cookie no longer locks the viewer out: it is
    /// ignored, the host's alias (or its canary) answers, and the response clears it.
    #[test]
    fn a_refused_cookie_is_ignored_and_cleared() {
        let mut chooser = overrides(&["pr*"]);
        chooser.canaries = vec![Canary::parse("live=next:10").expect("canary")];
        let allow = AllowList::new(&[], &["live".to_owned(), "next".to_owned(), "pr1".to_owned()]);
        for planted in ["dev", "pr-1", "pr2"] {
            let asked = headers(&[("cookie", &format!("lamux-alias={planted}"))]);
            let choice = chooser.choose(target("live"), &Method::GET, &asked, &allow, || 3).expect("not refused");
            assert_eq!((choice.target, choice.source), (target("next"), Source::Canary), "{planted}");
            assert!(choice.clear_override, "{planted}");
        }
        let fine =
            chooser.choose(target("live"), &Method::GET, &headers(&[("cookie", "lamux-alias=pr1")]), &allow, || 3);
        assert_eq!(fine.map(|c| (c.target, c.clear_override)), Ok((target("pr1"), false)));
    }

    /// Issue 29: a CORS preflight carries no cookie; it goes to the base alias and draws no
    /// bucket. A preflight with a bucket follows it, as every request does.
    #[test]
    fn a_preflight_without_a_bucket_goes_to_the_base_alias() {
        let chooser = Chooser { canaries: vec![Canary::parse("live=next:100").expect("canary")], ..Chooser::default() };
        let preflight = headers(&[("access-control-request-method", "POST")]);
        let allow = AllowList::default();
        let never = || panic!("a preflight draws no bucket");
        let choice = chooser.choose(target("live"), &Method::OPTIONS, &preflight, &allow, never).expect("choice");
        assert_eq!((choice.target, choice.canary), (target("live"), Some((Arm::Base, None))));
        let held = headers(&[("access-control-request-method", "POST"), ("cookie", "__Host-lamux-canary=5")]);
        let choice = chooser.choose(target("live"), &Method::OPTIONS, &held, &allow, never).expect("choice");
        assert_eq!(choice.target, target("next"));
        let plain = chooser.choose(target("live"), &Method::OPTIONS, &headers(&[]), &allow, || 5).expect("choice");
        assert_eq!(plain.canary, Some((Arm::Target, Some(5))), "an OPTIONS that is no preflight draws");
    }

    #[test]
    fn own_cookies_are_known_with_or_without_a_prefix() {
        let chooser = overrides(&[]);
        for own in [
            "__Host-lamux-canary",
            "lamux-canary",
            "__secure-LAMUX-canary",
            "__HOST-lamux-alias",
            "lamux-alias",
            " lamux-alias",
        ] {
            assert!(chooser.is_own_cookie(own), "{own}");
        }
        for other in ["session", "lamux-canaryx", "__Host-session", "x-lamux-canary"] {
            assert!(!chooser.is_own_cookie(other), "{other}");
        }
        let custom = Chooser {
            overrides: Overrides { cookie: Some("preview".into()), ..Overrides::default() },
            ..Chooser::default()
        };
        assert!(custom.is_own_cookie("__Host-preview") && custom.is_own_cookie("lamux-alias"));
    }

    #[test]
    fn responses_vary_on_what_can_choose_the_alias() {
        let canary = Chooser { canaries: vec![Canary::parse("live=next:10").expect("canary")], ..Chooser::default() };
        assert_eq!(canary.varies_on("live"), vec![COOKIE]);
        assert!(canary.varies_on("beta").is_empty(), "no canary, no override on beta");
        assert_eq!(overrides(&[]).varies_on("beta"), vec![COOKIE, HeaderName::from_static("x-lamux-alias")]);
        assert!(Chooser::default().varies_on("live").is_empty());
    }
}
