//! A release asset of this version of lamux-deploy (`lamux-bootstrap-x86_64.zip`), fetched
//! over HTTPS from the project's GitHub release, checked against the release's
//! `checksums.txt`, and kept in the cache directory (`$XDG_CACHE_HOME/lamux/vVERSION`, else
//! `~/.cache/lamux/vVERSION`) for the next run, which checks it again.
//!
//! `LAMUX_RELEASE_URL` replaces the release's address (a mirror: the directory that holds
//! the assets and `checksums.txt`); it must be HTTPS too. The trusted roots are the
//! system's (`SSL_CERT_FILE` names others).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::body::Bytes;
use sha2::{Digest as _, Sha256};

/// The largest asset read: a bundle is ~5 MiB.
const MAX_BYTES: usize = 256 << 20;
/// Redirects followed (GitHub's release downloads redirect once).
const MAX_REDIRECTS: usize = 5;
const TIMEOUT: Duration = Duration::from_secs(120);

/// A fetched asset and how it was had, for the user.
pub struct Fetched {
    pub path: PathBuf,
    pub how: String,
}

/// The directory that holds this version's assets.
pub fn base_url() -> String {
    std::env::var("LAMUX_RELEASE_URL")
        .unwrap_or_else(|_| format!("https://github.com/lamux/lamux/releases/download/v{}", env!("CARGO_PKG_VERSION")))
}

/// Where this version's assets are kept.
fn cache_dir() -> anyhow::Result<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    let base = var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .or_else(|| var("LOCALAPPDATA"))
        .context("no cache directory: set XDG_CACHE_HOME")?;
    Ok(base.join("lamux").join(format!("v{}", env!("CARGO_PKG_VERSION"))))
}

/// `name` from the cache when it still matches the cached `checksums.txt`, else downloaded
/// and checked before it is kept.
pub fn fetch(name: &str) -> anyhow::Result<Fetched> {
    let dir = cache_dir()?;
    let path = dir.join(name);
    if let (Ok(checksums), Ok(bytes)) = (std::fs::read_to_string(dir.join("checksums.txt")), std::fs::read(&path))
        && verify(name, &bytes, &checksums).is_ok()
    {
        return Ok(Fetched { path, how: "the release asset, cached, sha256 checked".to_owned() });
    }
    let base = base_url();
    let (checksums, bytes) = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime.block_on(async {
                    let client = client()?;
                    let checksums = get(&client, &format!("{base}/checksums.txt")).await?;
                    let bytes = get(&client, &format!("{base}/{name}")).await?;
                    anyhow::Ok((checksums, bytes))
                })
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the download thread panicked")))
    })?;
    let checksums = String::from_utf8(checksums.to_vec()).context("checksums.txt is not text")?;
    verify(name, &bytes, &checksums)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_atomically(&dir.join("checksums.txt"), checksums.as_bytes())?;
    write_atomically(&path, &bytes)?;
    Ok(Fetched { path, how: format!("downloaded from {base}, sha256 checked") })
}

/// `bytes` hash to what `checksums` (`sha256sum`'s lines) says of `name`.
pub fn verify(name: &str, bytes: &[u8], checksums: &str) -> anyhow::Result<()> {
    let expected = checksums
        .lines()
        .find_map(|line| {
            let (sum, file) = line.split_once(char::is_whitespace)?;
            (file.trim_start().trim_start_matches('*') == name).then_some(sum)
        })
        .with_context(|| format!("checksums.txt has no line for {name}"))?;
    let actual = lamux_cdk::archive::hex(&Sha256::digest(bytes));
    ensure!(
        actual.eq_ignore_ascii_case(expected),
        "{name} is corrupt: its sha256 is {actual}, checksums.txt says {expected}; nothing was kept"
    );
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

/// An HTTPS-only client on the system's trusted roots (read once, for both downloads).
fn client() -> anyhow::Result<Client> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .context("cannot read the system's trusted roots")?
        .https_only()
        .enable_http1()
        .build();
    Ok(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
}

/// GET `url` over HTTPS, following redirects to HTTPS addresses only.
async fn get(client: &Client, url: &str) -> anyhow::Result<Bytes> {
    let mut url = url.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        ensure!(url.starts_with("https://"), "{url}: only HTTPS is fetched");
        let uri: http::Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
        let request = http::Request::get(uri)
            .header(http::header::USER_AGENT, concat!("lamux-deploy/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())?;
        let response = tokio::time::timeout(TIMEOUT, client.request(request))
            .await
            .with_context(|| format!("{url}: no answer in {TIMEOUT:?}"))?
            .with_context(|| format!("cannot fetch {url}"))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .with_context(|| format!("{url}: {status} without a Location"))?;
            url = location.to_owned();
            continue;
        }
        if !status.is_success() {
            bail!("{url}: {status}");
        }
        let body = tokio::time::timeout(TIMEOUT, Limited::new(response.into_body(), MAX_BYTES).collect())
            .await
            .with_context(|| format!("{url}: the body took over {TIMEOUT:?}"))?
            .map_err(|err| anyhow::anyhow!("{url}: {err}"))?;
        return Ok(body.to_bytes());
    }
    bail!("{url}: more than {MAX_REDIRECTS} redirects")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_line_is_matched_by_file_name_and_checked() {
        let sum = lamux_cdk::archive::hex(&Sha256::digest(b"zip"));
        let checksums = format!("{}  other.zip\n{sum}  lamux-bootstrap-x86_64.zip\n", "0".repeat(64));
        assert!(verify("lamux-bootstrap-x86_64.zip", b"zip", &checksums).is_ok());
        let corrupt = verify("lamux-bootstrap-x86_64.zip", b"zap", &checksums).expect_err("corrupt").to_string();
        assert!(corrupt.contains("is corrupt") && corrupt.contains("nothing was kept"), "{corrupt}");
        assert!(verify("other.zip", b"zip", &checksums).is_err());
        let binary_mode = format!("{sum} *lamux-bootstrap-x86_64.zip\n");
        assert!(verify("lamux-bootstrap-x86_64.zip", b"zip", &binary_mode).is_ok(), "sha256sum -b's form");
        assert!(verify("missing.zip", b"zip", &checksums).expect_err("no line").to_string().contains("no line"));
    }
}
