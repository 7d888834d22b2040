//! Alias override and sticky canary through the router, against the fake Invoke API, in
//! buffered and streaming mode; and the access line and metrics of the real binary.

#![allow(clippy::expect_used)]

mod support;

use axum::body::Body;
use http::{Request, StatusCode};
use support::fake_lambda::FakeLambda;
use support::process::{Lamux, client};
use support::{get, lambda_client, router, send};

const OVERRIDE: [&str; 4] = ["--alias-cookie", "lamux-alias", "--alias-header", "x-preview"];

async fn setup(args: &[&str]) -> (FakeLambda, axum::Router) {
    let (fake, endpoint) = FakeLambda::start().await;
    (fake, router(args, lambda_client(&endpoint, 1)))
}

fn with(request: Request<Body>, name: &str, value: &str) -> Request<Body> {
    let (mut parts, body) = request.into_parts();
    parts.headers.append(http::HeaderName::from_bytes(name.as_bytes()).expect("name"), value.parse().expect("value"));
    Request::from_parts(parts, body)
}

fn header<'a>(response: &'a http::Response<bytes::Bytes>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_cookie_or_header_overrides_the_alias_when_on() {
    for mode in [&[][..], &["--invoke-mode", "response-stream"][..]] {
        let args: Vec<&str> = OVERRIDE.iter().chain(mode).copied().collect();
        let (fake, router) = setup(&args).await;
        let cookie = with(get("live-echo.localdomain", "/"), "cookie", "a=1; lamux-alias=\"pr42\"");
        let response = send(&router, cookie).await;
        assert_eq!(response.status(), StatusCode::OK, "{mode:?}");
        assert_eq!(header(&response, "x-qualifier"), Some("pr42"));
        assert_eq!(header(&response, "x-lamux-alias"), Some("pr42"), "the response says who answered");
        let event = fake.calls()[0].event();
        assert_eq!(event["requestContext"]["domainName"], "live-echo.localdomain", "the host as it was");
        let by_header = send(&router, with(get("live-echo.localdomain", "/"), "x-preview", "next")).await;
        assert_eq!(header(&by_header, "x-qualifier"), Some("next"));
        let plain = send(&router, get("live-echo.localdomain", "/")).await;
        assert_eq!((header(&plain, "x-qualifier"), header(&plain, "x-lamux-alias")), (Some("live"), None));
    }
    let (_fake, off) = setup(&[]).await;
    let ignored = send(&off, with(get("live-echo.localdomain", "/"), "cookie", "lamux-alias=pr42")).await;
    assert_eq!((header(&ignored, "x-qualifier"), header(&ignored, "x-lamux-alias")), (Some("live"), None));
}

#[tokio::test]
async fn an_override_outside_the_allow_lists_is_403_without_an_invoke() {
    let args: Vec<&str> = OVERRIDE.iter().copied().chain(["--allow-alias", "live,pr*,v1"]).collect();
    let (fake, router) = setup(&args).await;
    let denied = send(&router, with(get("live-echo.localdomain", "/"), "x-preview", "next")).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN, "next is not in --allow-alias");
    let args: Vec<&str> = args.into_iter().chain(["--alias-override-allow", "pr*"]).collect();
    let (narrow_fake, narrow) = setup(&args).await;
    let narrowed = send(&narrow, with(get("live-echo.localdomain", "/"), "x-preview", "v1")).await;
    assert_eq!(narrowed.status(), StatusCode::FORBIDDEN, "v1 is allowed, but not as an override");
    let malformed = send(&narrow, with(get("live-echo.localdomain", "/"), "x-preview", "pr-1")).await;
    assert_eq!(malformed.status(), StatusCode::FORBIDDEN);
    assert_eq!(fake.calls().len() + narrow_fake.calls().len(), 0);
    let allowed = send(&narrow, with(get("live-echo.localdomain", "/"), "x-preview", "pr42")).await;
    assert_eq!(header(&allowed, "x-qualifier"), Some("pr42"));
}

#[tokio::test]
async fn a_link_sets_and_clears_the_override_cookie() {
    let args: Vec<&str> =
        OVERRIDE.iter().copied().chain(["--alias-cookie-path", "/_lamux/alias", "--allow-alias", "live,pr*"]).collect();
    let (fake, router) = setup(&args).await;
    let set = send(&router, get("live-echo.localdomain", "/_lamux/alias?alias=pr42&to=%2Fcart%3Fx%3D1")).await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&set, "location"), Some("/cart?x=1"));
    let cookie = header(&set, "set-cookie").expect("a cookie");
    for part in ["lamux-alias=pr42", "HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let cleared = send(&router, get("live-echo.localdomain", "/_lamux/alias?alias=")).await;
    assert_eq!((cleared.status(), header(&cleared, "location")), (StatusCode::SEE_OTHER, Some("/")));
    assert!(header(&cleared, "set-cookie").expect("a cookie").contains("Max-Age=0"));
    let refused = send(&router, get("live-echo.localdomain", "/_lamux/alias?alias=next")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    for (query, why) in [("alias=pr42&to=%2F%2Fevil.example", "another host"), ("to=/", "no alias")] {
        let bad = send(&router, get("live-echo.localdomain", &format!("/_lamux/alias?{query}"))).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "{why}");
    }
    assert!(fake.calls().is_empty(), "setting the cookie invokes nothing");
    // Without --alias-cookie-path the path is the function's.
    let (fake, plain) = setup(&OVERRIDE).await;
    assert_eq!(send(&plain, get("live-echo.localdomain", "/_lamux/alias?alias=pr42")).await.status(), StatusCode::OK);
    assert_eq!(fake.calls().len(), 1);
}

/// Issue 29: a refused or stale override cookie locked the viewer out with a 403 or a 404
/// for twelve hours. Now the host's alias answers and the response clears the cookie; a
/// header, which an API client sends on purpose, keeps its error.
#[tokio::test]
async fn a_refused_or_stale_cookie_falls_back_to_the_host_and_is_cleared() {
    let args: Vec<&str> =
        OVERRIDE.iter().copied().chain(["--allow-alias", "live,pr*,v1", "--alias-override-allow", "pr*"]).collect();
    for mode in [&[][..], &["--invoke-mode", "response-stream"][..]] {
        let args: Vec<&str> = args.iter().chain(mode).copied().collect();
        let (fake, router) = setup(&args).await;
        for (cookie, calls) in [("v1", 1), ("next", 1), ("pr-1", 1), ("pr99", 2)] {
            let before = fake.calls().len();
            let asked = with(get("live-echo.localdomain", "/"), "cookie", &format!("lamux-alias={cookie}"));
            let response = send(&router, asked).await;
            assert_eq!(response.status(), StatusCode::OK, "{cookie} {mode:?}");
            assert_eq!(header(&response, "x-qualifier"), Some("live"), "{cookie}");
            assert_eq!(header(&response, "x-lamux-alias"), None, "{cookie}: the host chose");
            let cleared = header(&response, "set-cookie").expect("the cookie is cleared");
            assert!(cleared.starts_with("lamux-alias=;") && cleared.contains("Max-Age=0"), "{cookie}: {cleared}");
            assert_eq!(fake.calls().len() - before, calls, "{cookie}: pr99 is tried once, then live");
        }
        let by_header = send(&router, with(get("live-echo.localdomain", "/"), "x-preview", "pr99")).await;
        assert_eq!(by_header.status(), StatusCode::NOT_FOUND, "a header keeps its 404");
        assert_eq!(header(&by_header, "set-cookie"), None);
    }
}

/// Issue 29: any function behind the suffix could answer `Set-Cookie: lamux-alias=pr41;
/// Domain=example.com` and steer a viewer. lamux's own cookie names, with or without a
/// prefix, never pass from a function to the client; the function's other cookies do.
#[tokio::test]
async fn a_function_cannot_set_lamuxs_cookies() {
    let (_fake, router) = setup(&OVERRIDE).await;
    let planted = "session=1; lamux-alias=live; __Host-lamux-canary=3; lamux-canary=0; __Secure-lamux-alias=pr7";
    let response = send(&router, with(get("live-mirror.localdomain", "/"), "cookie", planted)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<&str> = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("v")).collect();
    assert_eq!(cookies, ["session=1"]);
}

/// Issue 29: a shared cache, or the browser's own, served one arm's answer to the other.
/// Every response where an override or a canary can choose names what chose, errors too.
#[tokio::test]
async fn responses_vary_on_the_cookie_and_the_override_header() {
    let (_fake, router) = setup(&OVERRIDE).await;
    for host in ["live-echo.localdomain", "live-nosuch.localdomain"] {
        let response = send(&router, get(host, "/")).await;
        assert_eq!(header(&response, "vary"), Some("cookie, x-preview"), "{host}");
    }
    let (_fake, endpoint) = FakeLambda::start().await;
    let canary = router_at(&endpoint, &["--canary", "live=next:10"]);
    assert_eq!(header(&send(&canary, get("live-echo.localdomain", "/")).await, "vary"), Some("cookie"));
    assert_eq!(header(&send(&canary, get("v1-echo.localdomain", "/")).await, "vary"), None, "no canary on v1");
}

fn router_at(endpoint: &str, args: &[&str]) -> axum::Router {
    router(args, lambda_client(endpoint, 1))
}

/// Issue 29: a client whose first answer was an error got no bucket and was drawn again on
/// its next request, which moved failing clients off the canary.
#[tokio::test]
async fn an_error_still_gives_the_client_its_bucket_and_names_the_alias() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let canary = router_at(&endpoint, &["--canary", "live=next:100"]);
    for (function, status) in [
        ("throttled", StatusCode::TOO_MANY_REQUESTS),
        ("nosuch", StatusCode::NOT_FOUND),
        ("crash", StatusCode::BAD_GATEWAY),
    ] {
        let response = send(&canary, get(&format!("live-{function}.localdomain"), "/")).await;
        assert_eq!(response.status(), status, "{function}");
        assert!(header(&response, "set-cookie").is_some_and(|c| c.starts_with("__Host-lamux-canary=")), "{function}");
        assert_eq!(header(&response, "x-lamux-alias"), Some("next"), "{function}");
    }
}

/// Issue 29: a CORS preflight has no cookie, and drew a bucket of its own.
#[tokio::test]
async fn a_preflight_goes_to_the_base_alias_and_sets_no_cookie() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let canary = router_at(&endpoint, &["--canary", "live=next:100"]);
    let preflight = Request::options("/")
        .header("host", "live-echo.localdomain")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .expect("request");
    let response = send(&canary, preflight).await;
    assert_eq!((header(&response, "x-qualifier"), header(&response, "set-cookie")), (Some("live"), None));
}

/// Issue 29: `to=%2F%09%2Fevil.example%2F` redirected to `/\t/evil.example/`, which a
/// browser reads as `//evil.example/`; and any site could switch its viewers onto a preview.
#[tokio::test]
async fn the_link_never_leaves_the_host_nor_serves_another_site() {
    let args: Vec<&str> =
        OVERRIDE.iter().copied().chain(["--alias-cookie-path", "/_lamux/alias", "--allow-alias", "live,pr*"]).collect();
    let (fake, router) = setup(&args).await;
    for to in [
        "%2F%09%2Fevil.example%2F",
        "%2F%09%5Cevil.example",
        "%2F%5Cevil.example",
        "%2F.%2F%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "https%3A%2F%2Fevil.example",
    ] {
        let bad = send(&router, get("live-echo.localdomain", &format!("/_lamux/alias?alias=pr42&to={to}"))).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "{to}");
        assert_eq!(header(&bad, "set-cookie"), None, "{to}");
    }
    let cross = with(get("live-echo.localdomain", "/_lamux/alias?alias=pr42&to=%2F"), "sec-fetch-site", "cross-site");
    let refused = send(&router, cross).await;
    assert_eq!((refused.status(), header(&refused, "set-cookie")), (StatusCode::FORBIDDEN, None));
    for site in ["same-origin", "same-site", "none"] {
        let asked = with(get("live-echo.localdomain", "/_lamux/alias?alias=pr42&to=%2Fa%5Cb"), "sec-fetch-site", site);
        let set = send(&router, asked).await;
        assert_eq!((set.status(), header(&set, "location")), (StatusCode::SEE_OTHER, Some("/a/b")), "{site}");
    }
    assert!(fake.calls().is_empty());
}

/// Which alias answered each of `n` cookie-less requests, and the cookie each was given.
async fn first_visits(router: &axum::Router, n: usize) -> Vec<(String, String)> {
    let mut visits = Vec::with_capacity(n);
    for _ in 0..n {
        let response = send(router, get("live-echo.localdomain", "/")).await;
        let cookie = header(&response, "set-cookie").expect("a new client gets a bucket");
        let bucket = cookie.split(';').next().expect("name=value").to_owned();
        visits.push((header(&response, "x-qualifier").expect("an alias").to_owned(), bucket));
    }
    visits
}

#[tokio::test]
async fn a_canary_splits_clients_and_keeps_each_on_its_side() {
    // The router draws buckets from this thread's generator (a current-thread runtime):
    // seeded, the run is the same every time, and still a sample of 2,000 draws.
    fastrand::seed(23);
    let (_fake, endpoint) = FakeLambda::start().await;
    let at = |percent: &str| router(&["--canary", &format!("live=next:{percent}")], lambda_client(&endpoint, 1));
    let ten = at("10");
    let visits = first_visits(&ten, 2000).await;
    let to_next = visits.iter().filter(|(alias, _)| alias == "next").count();
    // Binomial(2000, 0.1): mean 200, standard deviation 13.4; 99.9% two-sided is +-3.29 sd.
    eprintln!("canary at 10%: {to_next} of 2000 cookie-less clients got next");
    assert!((156..=244).contains(&to_next), "{to_next} of 2000 went to next");
    // Replaying a cookie reaches the same alias, without a new cookie.
    for (alias, cookie) in visits.iter().take(200) {
        let again = send(&ten, with(get("live-echo.localdomain", "/"), "cookie", cookie)).await;
        assert_eq!(header(&again, "x-qualifier"), Some(alias.as_str()), "{cookie}");
        assert_eq!(header(&again, "x-lamux-alias"), Some(alias.as_str()));
        assert_eq!(header(&again, "set-cookie"), None);
    }
    // Raising 10 -> 20 moves more clients to next and none back.
    let twenty = at("20");
    let mut moved = 0;
    for (alias, cookie) in &visits {
        let now = send(&twenty, with(get("live-echo.localdomain", "/"), "cookie", cookie)).await;
        let now = header(&now, "x-qualifier").expect("an alias");
        if alias == "next" {
            assert_eq!(now, "next", "{cookie} moved back");
        } else if now == "next" {
            moved += 1;
        }
    }
    eprintln!("10% -> 20%: {moved} more clients moved to next, none back");
    assert!(moved > 100, "raising the share moved {moved} clients");
    // An unreadable cookie gets a new bucket; 0 ends the canary.
    let bad = send(&ten, with(get("live-echo.localdomain", "/"), "cookie", "__Host-lamux-canary=banana")).await;
    assert!(header(&bad, "set-cookie").is_some_and(|c| c.starts_with("__Host-lamux-canary=")));
    let ended = send(&at("0"), get("live-echo.localdomain", "/")).await;
    assert_eq!((header(&ended, "x-qualifier"), header(&ended, "set-cookie")), (Some("live"), None));
}

#[tokio::test]
async fn a_canary_streams_too() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let args = ["--invoke-mode", "response-stream", "--canary", "live=next:100"];
    let streaming = router(&args, lambda_client(&endpoint, 1));
    let response = send(&streaming, get("live-echo.localdomain", "/")).await;
    assert_eq!((header(&response, "x-qualifier"), header(&response, "x-lamux-alias")), (Some("next"), Some("next")));
    assert!(header(&response, "set-cookie").is_some());
}

/// The real binary: a canary whose target the allow-lists refuse stops it at start, and an
/// override's access line says who chose the alias.
#[tokio::test]
async fn the_access_line_records_the_alias_and_who_chose_it() {
    let (_fake, endpoint) = FakeLambda::start().await;
    let lamux = Lamux::in_front_of(&endpoint, &[("LAMUX_CANARY", "live=next:100")], &OVERRIDE).await;
    let overridden =
        client().get(lamux.url("/")).header("host", "live-echo.example.com").header("x-preview", "pr42").send().await;
    assert_eq!(overridden.expect("answer").headers()["x-lamux-alias"], "pr42");
    let canary = client().get(lamux.url("/")).header("host", "live-echo.example.com").send().await;
    assert_eq!(canary.expect("answer").headers()["x-lamux-alias"], "next");
    let lines = lamux.wait_for_access_lines(2).await;
    assert_eq!((lines[0]["alias"].as_str(), lines[0]["alias_source"].as_str()), (Some("pr42"), Some("header")));
    assert_eq!(lines[0]["canary_arm"], serde_json::Value::Null);
    assert_eq!((lines[1]["alias"].as_str(), lines[1]["alias_source"].as_str()), (Some("next"), Some("canary")));
    assert_eq!(lines[1]["canary_arm"], "target");
}
