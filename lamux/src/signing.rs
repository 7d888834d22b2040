//! SigV4 for the one request lamux signs per proxied request: the direct Invoke.
//!
//! aws-sigv4's `sign` serves any request shape: it parses the URI, decodes and re-encodes
//! the query, lowercases, sorts and filters the headers, and derives the signing key (four
//! HMACs) on every call. Under callgrind that was 42,000 instructions per request beyond
//! its hashing, more than the rest of lamux's Invoke path (hyper, TLS, the event) together.
//! An Invoke always has the same shape: `POST`, a path and a `Qualifier` lamux has already
//! percent-encoded, and the same signed headers. Its canonical request is therefore written
//! directly, and the signing key, which depends only on the secret, the day, the region and
//! the service, is derived once a day with aws-sigv4's own `generate_signing_key` and kept
//! as an HMAC key (its padded blocks hashed once, not on every signature). Hashes and the
//! HMAC are aws-lc's, which use the CPU's SHA instructions. A test signs a range of
//! requests both ways and requires identical headers.

use std::fmt::Write as _;
use std::sync::RwLock;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;
use aws_sigv4::sign::v4::generate_signing_key;
use aws_smithy_http::label::EncodingStrategy;
use time::OffsetDateTime;
use time::macros::format_description;

const SERVICE: &str = "lambda";
/// The body's content type; signed, so the request must send exactly this.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// The headers a signed Invoke adds to its request.
#[derive(Debug, PartialEq, Eq)]
pub struct Signature {
    pub amz_date: String,
    pub authorization: String,
    /// `X-Amz-Security-Token`, with temporary credentials.
    pub security_token: Option<String>,
}

/// What an Invoke request is made of, as sent.
pub struct InvokeRequest<'a> {
    /// The `Host` header: the endpoint's authority.
    pub host: &'a str,
    /// As sent, percent-encoded, without `.` or `..` segments (SigV4 would normalize them).
    pub path: &'a str,
    /// `Qualifier=...`, its value encoded as a path segment is, which is also its canonical
    /// form.
    pub query: &'a str,
    pub payload: &'a [u8],
}

/// Signs Invokes for one region, keeping the day's signing key.
#[derive(Debug)]
pub struct InvokeSigner {
    region: String,
    key: RwLock<Option<DayKey>>,
}

struct DayKey {
    /// `YYYYMMDD`.
    date: String,
    /// The secret the key was derived from: new credentials need a new key.
    secret: String,
    key: hmac::Key,
}

/// The date only: the secret and the key stay out of logs and panics.
impl std::fmt::Debug for DayKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DayKey").field("date", &self.date).finish_non_exhaustive()
    }
}

impl InvokeSigner {
    pub fn new(region: &str) -> Self {
        Self { region: region.to_owned(), key: RwLock::new(None) }
    }

    pub fn sign(&self, credentials: &Credentials, now: SystemTime, request: &InvokeRequest<'_>) -> Signature {
        let now_utc = OffsetDateTime::from(now);
        let amz_date =
            now_utc.format(format_description!("[year][month][day]T[hour][minute][second]Z")).unwrap_or_default();
        let date = &amz_date[..amz_date.len().min(8)];
        // aws-sigv4 signs the token as given, without the trimming other header values get.
        let token = credentials.session_token().map(str::to_owned);

        let mut canonical = String::with_capacity(512);
        // The path encoded once more, as aws-sigv4 does for every service but S3.
        let path = aws_smithy_http::label::fmt_string(request.path, EncodingStrategy::Greedy);
        let _ = write!(canonical, "POST\n{path}\n{}\n", request.query);
        let _ = write!(canonical, "content-type:{CONTENT_TYPE}\nhost:{}\nx-amz-date:{amz_date}\n", request.host);
        let signed_headers = match &token {
            Some(token) => {
                let _ = writeln!(canonical, "x-amz-security-token:{token}");
                "content-type;host;x-amz-date;x-amz-security-token"
            }
            None => "content-type;host;x-amz-date",
        };
        let _ = write!(canonical, "\n{signed_headers}\n{}", sha256_hex(request.payload));

        let scope = format!("{date}/{}/{SERVICE}/aws4_request", self.region);
        let string_to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(canonical.as_bytes()));
        let signature = self.with_key(credentials.secret_access_key(), date, now, |key| {
            lower_hex(hmac::sign(key, string_to_sign.as_bytes()).as_ref())
        });
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id()
        );
        Signature { amz_date, authorization, security_token: token }
    }

    /// Run `f` with the signing key for `secret` on `date`, derived when either changed.
    fn with_key<T>(&self, secret: &str, date: &str, now: SystemTime, f: impl FnOnce(&hmac::Key) -> T) -> T {
        let current = |cached: &DayKey| cached.date == date && cached.secret == secret;
        if let Ok(cached) = self.key.read()
            && let Some(cached) = cached.as_ref().filter(|c| current(c))
        {
            return f(&cached.key);
        }
        let key = hmac::Key::new(hmac::HMAC_SHA256, generate_signing_key(secret, now, &self.region, SERVICE).as_ref());
        let result = f(&key);
        if let Ok(mut cached) = self.key.write() {
            *cached = Some(DayKey { date: date.to_owned(), secret: secret.to_owned(), key });
        }
        result
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    lower_hex(digest(&SHA256, bytes).as_ref())
}

/// A SHA-256 hash or HMAC in lowercase hex, written into one buffer (`hex::encode` goes
/// character by character through an iterator).
fn lower_hex(hash: &[u8]) -> String {
    let mut out = [0u8; 64];
    match hex::encode_to_slice(hash, &mut out) {
        Ok(()) => std::str::from_utf8(&out).map(str::to_owned).unwrap_or_default(),
        Err(_) => hex::encode(hash),
    }
}

#[cfg(test)]
mod tests;
