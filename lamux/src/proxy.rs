//! Where the stages meet: host → route → event → invoke → response, and one log line.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, Method, StatusCode};

use crate::access::AllowList;
use crate::choose::{self, Arm, Choice, Chooser, Source};
use crate::config::InvokeMode;
use crate::error::{BadLink, ProxyError};
use crate::event::{self, MAX_PAYLOAD};
use crate::hygiene;
use crate::invoke::{CallRecord, Invoker};
use crate::link;
use crate::marks::{self, Marks};
use crate::origin::{self, OriginGuard, Passage};
use crate::response;
use crate::retry::Replay;
use crate::route::{Routes, Target, strip_port};
use crate::telemetry::Telemetry;
use crate::upstream::Slot;

/// Everything a request needs, built once at start.
#[derive(Debug)]
pub struct App {
    pub routes: Routes,
    pub allow: AllowList,
    /// Overrides and canaries: which alias answers, once the host named the function.
    pub chooser: Chooser,
    /// `--alias-cookie-path`: where a link sets or clears the override cookie.
    pub alias_cookie_path: Option<String>,
    /// The origin secret CloudFront must send; see [`origin`].
    pub origin: OriginGuard,
    pub invoker: Invoker,
    /// The function lamux itself runs as (`AWS_LAMBDA_FUNCTION_NAME`), never to be invoked.
    pub own_function: Option<String>,
    pub error_details: bool,
    pub invoke_mode: InvokeMode,
    /// Answered with 200 on hosts that name no function; see README "Health checks".
    pub health_path: Option<String>,
    /// Spans and metrics; `None` (and never consulted) when tracing is off.
    pub telemetry: Option<Telemetry>,
    /// Requests come straight off client connections (server and extension modes), not
    /// rebuilt from Function URL events; see [`hygiene::check`].
    pub off_the_wire: bool,
}

/// The router all three modes serve.
pub fn router(app: Arc<App>) -> axum::Router {
    catch_panics(axum::Router::new().fallback(handle).with_state(app))
}

/// A panic while handling a request becomes a 500 and an ERROR line; the connection and the
/// process carry on.
pub fn catch_panics(router: axum::Router) -> axum::Router {
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    tracing::error!(target: "lamux::access", status = 500, error = message, "request handling panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n").into_response()
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let (mut parts, body) = request.into_parts();
    let mut outcome = Outcome::default();
    // A request refused at the door (malformed, or not from the distribution) opens no span
    // and continues no caller's trace: only its access line says it came.
    let mut trace = None;
    let result = match app.admit(&mut parts) {
        Ok(passage) => {
            trace =
                app.telemetry.as_ref().map(|t| t.start_request(&parts, routed_host(&parts.headers, &parts.uri), peer));
            app.forward(&parts, body, passage, peer, &mut outcome, trace.as_ref()).await
        }
        Err(err) => Err(err),
    };
    let mut response = match result {
        Ok(response) => response,
        Err(err) => {
            let message = crate::error::chain(&err);
            let response = err.into_response(app.error_details, &message);
            outcome.error = Some(message);
            response
        }
    };
    let removed = marks::apply(response.headers_mut(), &outcome.marks, |name| app.chooser.is_own_cookie(name));
    for cookie in removed {
        let (function, alias) = outcome.target.as_ref().map_or(("", ""), |t| (t.function.as_str(), t.alias.as_str()));
        tracing::warn!(
            target: "lamux::access",
            function_name = function,
            alias,
            cookie,
            "removed the function's Set-Cookie of one of lamux's own cookies"
        );
    }
    access_log(&parts, peer, &outcome, response.status(), started);
    if let (Some(telemetry), Some(trace)) = (&app.telemetry, trace) {
        let seconds = started.elapsed().as_secs_f64();
        let choice = outcome.source.map(|source| (source, outcome.arm));
        telemetry.end_request(trace, outcome.target.as_ref(), choice, response.status(), seconds).await;
    }
    response
}

/// What the access log says about the upstream side of one request.
#[derive(Debug, Default)]
struct Outcome {
    target: Option<Target>,
    /// Who chose the alias, once a host named a function; and a canary's arm.
    source: Option<Source>,
    arm: Option<Arm>,
    call: CallRecord,
    request_id: String,
    error: Option<String>,
    /// What lamux writes on the response, whatever it is.
    marks: Marks,
    /// An override cookie that may not answer was ignored and cleared.
    override_cleared: bool,
}

impl App {
    /// The checks at the door, before routing and before any span: a malformed request, and
    /// one that bypassed CloudFront, which then learns nothing, not even a 400.
    fn admit(&self, parts: &mut Parts) -> Result<Passage, ProxyError> {
        hygiene::check(parts, self.off_the_wire)?;
        Ok(self.origin.check(&mut parts.headers)?)
    }

    async fn forward(
        &self,
        parts: &Parts,
        body: Body,
        passage: Passage,
        peer: Option<IpAddr>,
        outcome: &mut Outcome,
        trace: Option<&opentelemetry::Context>,
    ) -> Result<Response, ProxyError> {
        let host = routed_host(&parts.headers, &parts.uri);
        let target = match self.routes.resolve(host) {
            Ok(target) => target,
            Err(_) if self.is_health_check(parts) => {
                return Ok((StatusCode::OK, "ok\n").into_response());
            }
            Err(err) => return Err(err.into()),
        };
        outcome.target = Some(target.clone());
        if self.own_function.as_deref() == Some(target.function_name()) {
            return Err(ProxyError::Recursion { target });
        }
        outcome.marks.vary = self.chooser.varies_on(&target.alias);
        if self.alias_cookie_path.as_deref() == Some(parts.uri.path()) {
            return self.set_override_cookie(parts, host, target, outcome);
        }
        // Uniform over the buckets: `u8(..) % 100` would favour the first 56.
        let host_target = target.clone();
        let choice = self.chooser.choose(target, &parts.method, &parts.headers, &self.allow, || fastrand::u8(..100))?;
        self.note(&choice, outcome);
        self.allow.check(&choice.target)?;
        let body = axum::body::to_bytes(body, MAX_PAYLOAD)
            .await
            .map_err(|err| if is_length_limit(&err) { ProxyError::BodyTooLarge } else { ProxyError::BodyRead(err) })?;
        outcome.request_id = request_id();
        let source_ip = origin::viewer_ip(passage, &parts.headers, peer).map(|ip| ip.to_string()).unwrap_or_default();
        let operation = match self.invoke_mode {
            InvokeMode::Buffered => "Invoke",
            InvokeMode::ResponseStream => "InvokeWithResponseStream",
        };
        let invoke_span =
            self.telemetry.as_ref().zip(trace).map(|(t, cx)| t.start_invoke(cx, &choice.target, operation));
        // The function continues the trace from lamux's Invoke span.
        let traced_headers = invoke_span.as_ref().map(|cx| Telemetry::headers_for(cx, &parts.headers));
        let head = event::RequestHead {
            method: &parts.method,
            uri: &parts.uri,
            version: parts.version,
            headers: traced_headers.as_ref().unwrap_or(&parts.headers),
        };
        let cx = event::Context {
            domain_name: strip_port(host),
            source_ip: &source_ip,
            request_id: &outcome.request_id,
            now: SystemTime::now(),
        };
        let payload = match event::encode(&head, &body, &cx) {
            Ok(payload) => payload,
            Err(err) => {
                if let Some(span) = &invoke_span {
                    Telemetry::not_sent(span);
                }
                return Err(err.into());
            }
        };
        let replay = Replay::for_method(&parts.method);
        // The client connection's own connection to the endpoint, in server and extension modes.
        let slot = parts.extensions.get::<Slot>();
        // An override cookie whose alias is gone (a removed preview) gets one more try, as if
        // it were not there: a 404 proves the function did not run.
        let again = (choice.source == Source::Cookie).then(|| payload.clone());
        let mut result = self.invoke(&choice.target, payload, replay, &mut outcome.call, slot).await;
        let not_found = matches!(result, Err(ProxyError::NotFound { .. }));
        if let (true, Some(payload)) = (not_found, again) {
            let fallback = self.chooser.for_host(host_target, &parts.method, &parts.headers, || fastrand::u8(..100));
            self.note(&Choice { clear_override: true, ..fallback.clone() }, outcome);
            self.allow.check(&fallback.target)?;
            outcome.call = CallRecord::default();
            result = self.invoke(&fallback.target, payload, replay, &mut outcome.call, slot).await;
        }
        if let Some(span) = &invoke_span {
            Telemetry::end_invoke(span, &outcome.call, result.as_ref().err());
        }
        result
    }

    /// One Invoke, in the configured mode, and its answer decoded.
    async fn invoke(
        &self,
        target: &Target,
        payload: Vec<u8>,
        replay: Replay,
        call: &mut CallRecord,
        slot: Option<&Slot>,
    ) -> Result<Response, ProxyError> {
        match self.invoke_mode {
            InvokeMode::Buffered => {
                let answer = self.invoker.invoke(target, payload, replay, call, slot).await?;
                response::decode(&answer)
                    .map(|decoded| decoded.map(Body::from))
                    .map_err(|source| ProxyError::BadResponse { target: target.clone(), source })
            }
            InvokeMode::ResponseStream => self.invoker.invoke_stream(target, payload, replay, call).await,
        }
    }

    /// Record the choice for the log, and what the response must carry for it: the alias
    /// that answered, a new canary client's bucket, the clearing of a refused override.
    fn note(&self, choice: &Choice, outcome: &mut Outcome) {
        outcome.target = Some(choice.target.clone());
        outcome.source = Some(choice.source);
        outcome.arm = choice.canary.map(|(arm, _)| arm);
        let marks = &mut outcome.marks;
        marks.alias = (choice.source != Source::Host).then(|| choice.target.alias.clone());
        marks.set_cookies.clear();
        if let Some(bucket) = choice.canary.and_then(|(_, fresh)| fresh) {
            marks.set_cookies.push(choose::canary_set_cookie(bucket));
        }
        if choice.clear_override {
            outcome.override_cleared = true;
            marks.set_cookies.extend(self.chooser.overrides.set_cookie(None));
        }
    }

    /// `--alias-cookie-path?alias=pr42&to=/next`: set (or, with an empty alias, clear) the
    /// override cookie and redirect to `to`, a path of this host ([`link`]). The alias must
    /// be one an override may name for the host's function, and the request may not come
    /// from another site.
    fn set_override_cookie(
        &self,
        parts: &Parts,
        host: &str,
        target: Target,
        outcome: &mut Outcome,
    ) -> Result<Response, ProxyError> {
        if link::is_cross_site(&parts.headers) {
            return Err(ProxyError::CrossSiteLink);
        }
        let query = parts.uri.query().unwrap_or_default();
        let param = |key: &str| form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v);
        let alias = param("alias").ok_or(ProxyError::BadOverrideLink(BadLink::NoAlias))?;
        let to = param("to").unwrap_or(std::borrow::Cow::Borrowed("/"));
        let location =
            link::local_location(&to, host).map_err(|why| ProxyError::BadOverrideLink(BadLink::Target(why)))?;
        let chosen = (!alias.is_empty()).then(|| alias.to_string());
        if let Some(alias) = &chosen {
            self.chooser.overrides.admit(alias)?;
            let target = Target { alias: alias.clone(), ..target };
            self.allow.check(&target)?;
            outcome.target = Some(target);
        }
        outcome.source = Some(Source::Cookie);
        outcome.marks.set_cookies.extend(self.chooser.overrides.set_cookie(chosen.as_deref()));
        let location = http::HeaderValue::from_str(&location)
            .map_err(|_| ProxyError::BadOverrideLink(BadLink::Target(link::BadTarget::Unsafe)))?;
        let mut response = StatusCode::SEE_OTHER.into_response();
        response.headers_mut().insert(http::header::LOCATION, location);
        Ok(response)
    }

    fn is_health_check(&self, parts: &Parts) -> bool {
        matches!(parts.method, Method::GET | Method::HEAD) && self.health_path.as_deref() == Some(parts.uri.path())
    }
}

/// `X-Forwarded-Host` when present (its first entry), else `Host`, else the URI's authority.
pub fn routed_host<'a>(headers: &'a HeaderMap, uri: &'a http::Uri) -> &'a str {
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
    header("x-forwarded-host")
        .and_then(|list| list.split(',').next())
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .or_else(|| header("host"))
        .or_else(|| uri.authority().map(|authority| authority.as_str()))
        .unwrap_or("")
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if cause.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// One line per request; a 5xx is a WARN so that `--log-level warn` keeps only trouble.
fn access_log(parts: &Parts, peer: Option<IpAddr>, outcome: &Outcome, status: StatusCode, started: Instant) {
    let header = |name: &str| parts.headers.get(name).and_then(|value| value.to_str().ok());
    let (function, alias) = outcome.target.as_ref().map_or(("", ""), |t| (t.function.as_str(), t.alias.as_str()));
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    // tracing needs the level at compile time, hence one expansion per level.
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: "lamux::access",
                remote_addr = peer.map(|ip| ip.to_string()),
                method = %parts.method,
                url = %parts.uri,
                host = header("host"),
                user_agent = header("user-agent"),
                x_forwarded_for = header("x-forwarded-for"),
                x_forwarded_host = header("x-forwarded-host"),
                function_name = function,
                alias,
                alias_source = outcome.source.map(Source::as_str),
                override_cleared = outcome.override_cleared.then_some(true),
                canary_arm = outcome.arm.map(Arm::as_str),
                status = status.as_u16(),
                upstream_status = outcome.call.upstream_status,
                executed_version = outcome.call.executed_version.as_deref(),
                duration_ms,
                request_id = (!outcome.request_id.is_empty()).then_some(outcome.request_id.as_str()),
                aws_request_id = outcome.call.aws_request_id.as_deref(),
                amzn_trace_id = header("x-amzn-trace-id"),
                traceparent = header("traceparent"),
                error = outcome.error.as_deref(),
                "request"
            )
        };
    }
    if status.is_server_error() {
        line!(warn);
    } else {
        line!(info);
    }
}

/// A version-4 UUID for the event's request id and the access log. It only has to be unique,
/// not unpredictable, so it comes from the thread's fast generator: `Uuid::new_v4` asks the
/// kernel for randomness, a syscall on every request.
fn request_id() -> String {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_ne_bytes()).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    use super::request_id;

    #[test]
    fn request_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random), "{id}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
    }
}
