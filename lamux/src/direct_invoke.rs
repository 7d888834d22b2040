//! Invoke without the SDK's per-call orchestration: the request signed with SigV4
//! ([`crate::signing`]) and sent on the client connection's own connection to the endpoint
//! ([`crate::upstream`]). The buffered Invoke is lamux's hot path, and the SDK's generic
//! pipeline (endpoint rules, interceptors, identity and retry machinery) cost more than the
//! rest of a request together (see bench/README.md).
//!
//! Configuration still comes from aws-config: region, endpoint, credentials (cached until
//! five minutes before they expire, then fetched again) and retry settings. Where the
//! endpoint cannot be known this simply (FIPS or dual-stack endpoints, partitions other
//! than `aws`), lamux uses the SDK for every call instead; see [`DirectInvoke::new`].

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials as _, SharedCredentialsProvider};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::sync::RwLock;

use crate::backoff::Backoff;
use crate::error::InvokeFailure;
use crate::event::MAX_PAYLOAD;
use crate::retry::{Replay, Verdict};
use crate::route::Target;
use crate::signing::{CONTENT_TYPE, InvokeRequest, InvokeSigner};
use crate::tls::{TlsError, with_tls};
use crate::upstream::{Slot, Upstream};

/// How long before their expiry cached credentials are fetched again.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);
/// aws-config's default connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
/// A URI label as the SDK encodes it: everything but unreserved characters.
pub(crate) const LABEL: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The SDK standard mode's retry quota (aws-smithy's `TokenBucket`): 500 tokens, 5 per
/// retry, given back by the success that follows, and 1 by a success that needed none. A
/// Lambda endpoint that fails for everyone is then not met with every request's retries.
const RETRY_TOKENS: u32 = 500;
const RETRY_COST: u32 = 5;

#[derive(Debug)]
struct RetryQuota {
    tokens: std::sync::atomic::AtomicU32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self { tokens: std::sync::atomic::AtomicU32::new(RETRY_TOKENS) }
    }
}

impl RetryQuota {
    /// Take `cost` tokens for a retry; false (and nothing taken) when too few are left.
    fn take(&self, cost: u32) -> bool {
        use std::sync::atomic::Ordering;
        self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| left.checked_sub(cost)).is_ok()
    }

    /// A call succeeded after retries that took `spent` tokens (0: at once).
    fn succeeded(&self, spent: u32) {
        use std::sync::atomic::Ordering;
        let refund = if spent == 0 { 1 } else { spent };
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
            Some(left.saturating_add(refund).min(RETRY_TOKENS))
        });
    }
}

/// What Lambda answered with HTTP 200: the function ran.
#[derive(Debug)]
pub struct Answer {
    pub request_id: Option<String>,
    pub executed_version: Option<String>,
    /// `X-Amz-Function-Error`: `Handled` or `Unhandled`.
    pub function_error: Option<String>,
    pub payload: Bytes,
}

/// Why an Invoke did not run the function, as the SDK would report it.
#[derive(Debug)]
pub enum Failure {
    /// Lambda (or the endpoint) answered with an error status.
    Service {
        status: u16,
        /// The error type (`ResourceNotFoundException`), when the answer names one.
        code: Option<String>,
        message: Option<String>,
        retry_after: Option<String>,
        request_id: Option<String>,
    },
    /// No usable answer, and why.
    Failed(InvokeFailure),
}

impl Failure {
    /// Whether the function may have run, for the retry rule.
    fn verdict(&self) -> Verdict {
        match self {
            Self::Service { status, code, .. } => Verdict::of_answer(*status, code.as_deref()),
            Self::Failed(InvokeFailure::Unreachable(err)) => Verdict::of_transport(err.as_ref()),
            Self::Failed(InvokeFailure::BrokeOff(_)) => Verdict::MayHaveRun,
            Self::Failed(_) => Verdict::Final,
        }
    }
}

impl From<InvokeFailure> for Failure {
    fn from(failure: InvokeFailure) -> Self {
        Self::Failed(failure)
    }
}

#[derive(Debug)]
pub struct DirectInvoke {
    /// Built on the first call: loading the system's TLS roots takes milliseconds, which
    /// start-up should not wait for.
    upstream: OnceLock<Result<Upstream, Arc<TlsError>>>,
    endpoint: Endpoint,
    signer: InvokeSigner,
    credentials: SharedCredentialsProvider,
    cached: RwLock<Option<Credentials>>,
    max_attempts: u32,
    /// Between attempts: the configured retry settings, with full jitter.
    backoff: Backoff,
    /// Shared by every request: how many retries lamux may still make.
    quota: RetryQuota,
}

impl DirectInvoke {
    /// `None` when the SDK must make the calls: no region or credentials provider, or an
    /// endpoint chosen by rules this path does not implement (FIPS, dual-stack, a partition
    /// other than `aws`).
    pub fn new(sdk: &SdkConfig) -> Option<Self> {
        let region = sdk.region()?.to_string();
        let credentials = sdk.credentials_provider()?;
        let endpoint = match endpoint_override(sdk) {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if sdk.use_fips() == Some(true) || sdk.use_dual_stack() == Some(true) => return None,
            None if region.starts_with("cn-") || region.starts_with("us-iso") || region.starts_with("eu-isoe") => {
                return None;
            }
            None => format!("https://lambda.{region}.amazonaws.com"),
        };
        let Some(endpoint) = Endpoint::parse(&endpoint) else {
            tracing::warn!(endpoint, "the Lambda endpoint is not a URL; Invoke goes through the AWS SDK");
            return None;
        };
        let retry = sdk.retry_config().cloned().unwrap_or_else(aws_config::retry::RetryConfig::standard);
        Some(Self {
            upstream: OnceLock::new(),
            endpoint,
            signer: InvokeSigner::new(&region),
            credentials,
            cached: RwLock::new(None),
            max_attempts: retry.max_attempts().max(1),
            backoff: Backoff::standard(retry.initial_backoff(), retry.max_backoff()),
            quota: RetryQuota::default(),
        })
    }

    /// Invoke `target` synchronously, retrying up to the configured attempts what
    /// [`crate::retry`] allows for `replay`: what proves the function did not run, and for
    /// safe methods what the SDK's standard mode retries (5xx, broken connections). A retry
    /// whose backoff, and an attempt as long as the last, would end after `deadline` is not
    /// made: the last error is the answer (a throttle's 429 with its Retry-After), not a
    /// timeout. The request goes out on `slot`'s connection when it has one.
    pub async fn invoke(
        &self,
        target: &Target,
        payload: Bytes,
        replay: Replay,
        deadline: tokio::time::Instant,
        slot: Option<&Slot>,
    ) -> Result<(u16, Answer), Failure> {
        let mut attempt = 1;
        let mut spent = 0;
        loop {
            let started = tokio::time::Instant::now();
            let result = self.attempt(target, payload.clone(), slot).await;
            let took = started.elapsed();
            let retry = match &result {
                Err(failure) => failure.verdict().retry(replay),
                Ok(_) => false,
            };
            if !retry || attempt >= self.max_attempts {
                if result.is_ok() {
                    self.quota.succeeded(spent);
                }
                return result;
            }
            let backoff = self.backoff.delay(attempt);
            // The next attempt must have time to answer too: as long as this one took.
            if tokio::time::Instant::now() + backoff + took >= deadline || !self.quota.take(RETRY_COST) {
                return result;
            }
            spent += RETRY_COST;
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }

    fn upstream(&self) -> Result<&Upstream, Failure> {
        let upstream = self.upstream.get_or_init(|| {
            let mut http = HttpConnector::new();
            http.enforce_http(false);
            http.set_nodelay(true);
            http.set_connect_timeout(Some(CONNECT_TIMEOUT));
            Ok(Upstream::new(with_tls(http).map_err(Arc::new)?, self.endpoint.origin.clone()))
        });
        upstream.as_ref().map_err(|err| Failure::Failed(InvokeFailure::Tls(err.clone())))
    }

    async fn attempt(&self, target: &Target, payload: Bytes, slot: Option<&Slot>) -> Result<(u16, Answer), Failure> {
        let request = self.signed(target, payload).await?;
        // An Invoke answer is at most 6 MB; reading stops just past that.
        let (parts, payload) = self.upstream()?.send(slot, request, MAX_PAYLOAD + 1).await?;
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let request_id = header("x-amzn-requestid");
        let status = parts.status.as_u16();
        if parts.status.is_success() {
            let answer = Answer {
                request_id,
                executed_version: header("x-amz-executed-version"),
                function_error: header("x-amz-function-error"),
                payload,
            };
            return Ok((status, answer));
        }
        let (code, message) = error_code_and_message(header("x-amzn-errortype").as_deref(), &payload);
        Err(Failure::Service { status, code, message, retry_after: header("retry-after"), request_id })
    }

    /// The signed Invoke, its URI in origin form: on its own connection a request names only
    /// its path.
    async fn signed(&self, target: &Target, payload: Bytes) -> Result<http::Request<Full<Bytes>>, Failure> {
        let credentials = self.credentials().await?;
        let Endpoint { host, base_path, .. } = &self.endpoint;
        // The endpoint may carry a base path of its own; the signature covers the whole path.
        let path =
            format!("{base_path}/2015-03-31/functions/{}/invocations", utf8_percent_encode(&target.function, LABEL));
        let query = format!("Qualifier={}", utf8_percent_encode(&target.alias, LABEL));
        let signature = self.signer.sign(
            &credentials,
            SystemTime::now(),
            &InvokeRequest { host: host.to_str().unwrap_or_default(), path: &path, query: &query, payload: &payload },
        );
        let uri = http::Uri::try_from(format!("{path}?{query}")).map_err(|err| InvokeFailure::Request(err.into()))?;
        let value = |value: &str| {
            http::HeaderValue::from_str(value).map_err(|err| Failure::from(InvokeFailure::Request(err.into())))
        };
        let mut request = http::Request::post(uri)
            .header(http::header::USER_AGENT, concat!("lamux/", env!("CARGO_PKG_VERSION")))
            .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(http::header::HOST, host.clone())
            .header("x-amz-date", value(&signature.amz_date)?)
            .header(http::header::AUTHORIZATION, sensitive(value(&signature.authorization)?))
            .body(Full::new(payload))
            .map_err(|err| InvokeFailure::Request(err.into()))?;
        if let Some(token) = &signature.security_token {
            request.headers_mut().insert("x-amz-security-token", sensitive(value(token)?));
        }
        Ok(request)
    }

    /// The cached credentials, fetched again when they are about to expire.
    async fn credentials(&self) -> Result<Credentials, Failure> {
        let fresh = |credentials: &Credentials| {
            credentials.expiry().is_none_or(|expiry| SystemTime::now() + REFRESH_BEFORE_EXPIRY < expiry)
        };
        if let Some(credentials) = self.cached.read().await.as_ref().filter(|c| fresh(c)) {
            return Ok(credentials.clone());
        }
        let mut cached = self.cached.write().await;
        if let Some(credentials) = cached.as_ref().filter(|c| fresh(c)) {
            return Ok(credentials.clone());
        }
        let credentials =
            self.credentials.provide_credentials().await.map_err(|err| InvokeFailure::Credentials(err.into()))?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

/// The Lambda endpoint, read once: where connections go, and what each request names.
#[derive(Debug)]
struct Endpoint {
    /// Scheme and authority, for connecting.
    origin: http::Uri,
    /// The authority: the `Host` header and the signature's host.
    host: http::HeaderValue,
    /// The endpoint's own path, if any, without a trailing `/`.
    base_path: String,
}

impl Endpoint {
    fn parse(url: &str) -> Option<Self> {
        let uri: http::Uri = url.parse().ok()?;
        let authority = uri.authority()?.clone();
        let host = http::HeaderValue::from_str(authority.as_str()).ok()?;
        let base_path = uri.path().trim_end_matches('/').to_owned();
        let origin =
            http::Uri::builder().scheme(uri.scheme()?.clone()).authority(authority).path_and_query("/").build();
        Some(Self { origin: origin.ok()?, host, base_path })
    }
}

/// A credential in a header: kept out of `Debug`, and out of HPACK tables should the
/// request ever travel over HTTP/2.
fn sensitive(mut value: http::HeaderValue) -> http::HeaderValue {
    value.set_sensitive(true);
    value
}

/// The endpoint the SDK would use when one is configured: `AWS_ENDPOINT_URL_LAMBDA`, the
/// profile's `endpoint_url` for Lambda, or `AWS_ENDPOINT_URL`.
fn endpoint_override(sdk: &SdkConfig) -> Option<String> {
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("Lambda")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config().and_then(|config| config.load_config(key)).or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// A restJson1 error: the type from `x-amzn-ErrorType` or the body's `__type`/`code` (without
/// any `:...` or namespace `...#`), the message from `message` or `Message`.
pub fn error_code_and_message(header: Option<&str>, body: &[u8]) -> (Option<String>, Option<String>) {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    let text = |key: &str| json.get(key).and_then(serde_json::Value::as_str);
    let clean = |code: &str| {
        let code = code.split(':').next().unwrap_or(code);
        code.rsplit('#').next().unwrap_or(code).trim().to_owned()
    };
    let code = header.or_else(|| text("__type")).or_else(|| text("code")).map(clean).filter(|code| !code.is_empty());
    let message = text("message").or_else(|| text("Message")).or_else(|| text("errorMessage")).map(str::to_owned);
    (code, message)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_retry_quota_runs_dry_and_refills_on_success() {
        let quota = super::RetryQuota::default();
        let retries = std::iter::from_fn(|| quota.take(super::RETRY_COST).then_some(())).count();
        assert_eq!(retries, 100, "500 tokens, 5 a retry");
        assert!(!quota.take(super::RETRY_COST));
        quota.succeeded(10);
        assert!(quota.take(super::RETRY_COST) && quota.take(super::RETRY_COST) && !quota.take(super::RETRY_COST));
        for _ in 0..1_000 {
            quota.succeeded(0);
        }
        assert_eq!(quota.tokens.load(Ordering::Relaxed), super::RETRY_TOKENS, "never past the bucket's size");
    }

    use aws_config::{BehaviorVersion, Region};
    use aws_credential_types::provider::{ProvideCredentials, future};

    use super::*;

    /// Credentials that expire `lifetime` from now, counting how often they are fetched.
    #[derive(Debug)]
    struct Expiring {
        lifetime: Duration,
        fetched: Arc<AtomicUsize>,
    }

    impl ProvideCredentials for Expiring {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.fetched.fetch_add(1, Ordering::SeqCst);
            let expiry = SystemTime::now() + self.lifetime;
            future::ProvideCredentials::ready(Ok(Credentials::new(
                "AKIDTEST",
                "secret",
                Some("token".into()),
                Some(expiry),
                "test",
            )))
        }
    }

    fn sdk(region: &str, endpoint: Option<&str>, lifetime: Duration) -> (SdkConfig, Arc<AtomicUsize>) {
        let fetched = Arc::new(AtomicUsize::new(0));
        let mut builder = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(SharedCredentialsProvider::new(Expiring { lifetime, fetched: fetched.clone() }));
        if let Some(endpoint) = endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        (builder.build(), fetched)
    }

    #[test]
    fn the_sdk_is_used_where_its_endpoint_rules_are_needed() {
        let hour = Duration::from_secs(3600);
        let direct = DirectInvoke::new(&sdk("eu-west-1", None, hour).0).expect("direct");
        assert_eq!(direct.endpoint.origin, "https://lambda.eu-west-1.amazonaws.com/");
        assert_eq!(direct.endpoint.host, "lambda.eu-west-1.amazonaws.com");
        let local = DirectInvoke::new(&sdk("eu-west-1", Some("http://127.0.0.1:9001/"), hour).0).expect("direct");
        assert_eq!(
            (&local.endpoint.origin, &local.endpoint.base_path[..]),
            (&"http://127.0.0.1:9001/".parse::<http::Uri>().expect("a URI"), "")
        );
        let based =
            DirectInvoke::new(&sdk("eu-west-1", Some("http://127.0.0.1:9001/lambda/"), hour).0).expect("direct");
        assert_eq!(based.endpoint.base_path, "/lambda");
        assert!(DirectInvoke::new(&sdk("eu-west-1", Some("not a url"), hour).0).is_none());
        assert!(DirectInvoke::new(&sdk("cn-north-1", None, hour).0).is_none());
        let fips = sdk("us-east-1", None, hour).0.into_builder().use_fips(true).build();
        assert!(DirectInvoke::new(&fips).is_none());
    }

    #[tokio::test]
    async fn signs_with_sigv4_and_a_session_token() {
        let (config, _) = sdk("eu-west-1", Some("http://127.0.0.1:9001"), Duration::from_secs(3600));
        let direct = DirectInvoke::new(&config).expect("direct");
        let target = Target { function: "arn:aws:lambda:eu-west-1:1:function:f".into(), alias: "$LATEST".into() };
        let request = direct.signed(&target, Bytes::from_static(b"{}")).await.expect("signed");
        assert_eq!(
            request.uri().to_string(),
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af/invocations?Qualifier=%24LATEST"
        );
        let header = |name: &str| request.headers()[name].to_str().expect("ASCII").to_owned();
        let authorization = header("authorization");
        assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"), "{authorization}");
        assert!(authorization.contains("/eu-west-1/lambda/aws4_request"), "{authorization}");
        assert!(
            authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
            "{authorization}"
        );
        assert_eq!(header("x-amz-security-token"), "token");
        for credential in ["authorization", "x-amz-security-token"] {
            assert!(request.headers()[credential].is_sensitive(), "{credential} is marked sensitive");
        }
        assert_eq!(header("host"), "127.0.0.1:9001");
    }

    #[tokio::test]
    async fn credentials_are_cached_until_shortly_before_they_expire() {
        let target = Target { function: "f".into(), alias: "live".into() };
        let (config, fetched) = sdk("eu-west-1", Some("http://127.0.0.1:9001"), Duration::from_secs(3600));
        let direct = DirectInvoke::new(&config).expect("direct");
        for _ in 0..3 {
            direct.signed(&target, Bytes::new()).await.expect("signed");
        }
        assert_eq!(fetched.load(Ordering::SeqCst), 1, "fresh credentials are reused");

        let (config, fetched) = sdk("eu-west-1", Some("http://127.0.0.1:9001"), Duration::from_secs(60));
        let direct = DirectInvoke::new(&config).expect("direct");
        for _ in 0..3 {
            direct.signed(&target, Bytes::new()).await.expect("signed");
        }
        assert_eq!(fetched.load(Ordering::SeqCst), 3, "credentials about to expire are fetched again");
    }

    #[test]
    fn error_types_come_from_the_header_or_the_body() {
        let body = br#"{"Type":"User","message":"Function not found: arn"}"#;
        assert_eq!(
            error_code_and_message(Some("ResourceNotFoundException:http://internal.amazon.com/coral/"), body),
            (Some("ResourceNotFoundException".into()), Some("Function not found: arn".into()))
        );
        let body = br#"{"__type":"com.amazon#TooManyRequestsException","Message":"Rate Exceeded."}"#;
        assert_eq!(
            error_code_and_message(None, body),
            (Some("TooManyRequestsException".into()), Some("Rate Exceeded.".into()))
        );
        assert_eq!(error_code_and_message(None, b"<html>"), (None, None));
    }

    #[test]
    fn labels_are_encoded_as_the_sdk_encodes_them() {
        assert_eq!(
            utf8_percent_encode("arn:aws:lambda:x:1:function:f", LABEL).to_string(),
            "arn%3Aaws%3Alambda%3Ax%3A1%3Afunction%3Af"
        );
        assert_eq!(utf8_percent_encode("$LATEST", LABEL).to_string(), "%24LATEST");
        assert_eq!(utf8_percent_encode("my-func_1.x", LABEL).to_string(), "my-func_1.x");
    }
}
