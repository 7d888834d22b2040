//! Issue 31: `lamux-deploy up` from a directory of the user's own, outside lamux's source:
//! with the bundle beside the executable (the release archive's layout), and with this
//! version's release asset downloaded from a local HTTPS server (a CA made for the test,
//! a redirect as GitHub's, a corrupt file refused). Nothing leaves 127.0.0.1.

#![allow(clippy::expect_used)]

mod support;

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use support::{binary, command_of, log, tempdir};

/// The release server (tests/release_server.py), stopped when dropped.
struct ReleaseServer {
    child: Child,
    port: u16,
    ca: PathBuf,
}

impl ReleaseServer {
    /// Serve `dir`; its CA's certificate goes to `ca`.
    fn start(dir: &Path, ca: PathBuf) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/release_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .arg(&ca)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the release server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("its port");
        let port = line.trim().parse().unwrap_or_else(|_| panic!("a port, not {line:?}"));
        Self { child, port, ca }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for ReleaseServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A release directory: the x86_64 bundle of `binary` and `checksums.txt`, of the bytes
/// given (a corrupt release lists other bytes than it serves).
fn release(dir: &Path, bundle: &[u8], listed: &[u8]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("lamux-bootstrap-x86_64.zip"), bundle).expect("write");
    let sum = lamux_cdk::archive::hex(&<sha2::Sha256 as sha2::Digest>::digest(listed));
    std::fs::write(dir.join("checksums.txt"), format!("{sum}  lamux-bootstrap-x86_64.zip\n")).expect("write");
}

fn bundle_of(binary: &Path) -> Vec<u8> {
    lamux_cdk::archive::function_zip(&std::fs::read(binary).expect("binary")).expect("zip").bytes
}

/// lamux-deploy (`exe`) run in `cwd`, an empty directory of the user's, with a cache of its own.
fn run(exe: &Path, cwd: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut env = env.to_vec();
    env.push(("XDG_CACHE_HOME", cwd.join(".cache").display().to_string()));
    let output = command_of(exe, args, Some(cwd), &env).output().expect("lamux-deploy runs");
    log(args, &output);
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn up(stack: &str) -> Vec<&str> {
    vec!["up", "--stack-name", stack, "--domain-suffix", "example.com", "--function-name", "app", "--yes"]
}

#[test]
#[ignore = "needs moto: scripts/test starts it"]
fn up_from_any_directory_with_the_bundle_beside_the_executable() {
    let dir = tempdir("beside");
    let (bin, cwd) = (dir.join("release"), dir.join("project"));
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::create_dir_all(&cwd).expect("mkdir");
    let exe = bin.join("lamux-deploy");
    std::fs::copy(env!("CARGO_BIN_EXE_lamux-deploy"), &exe).expect("copy lamux-deploy");
    std::fs::write(bin.join("lamux-bootstrap-x86_64.zip"), bundle_of(&binary(&dir, "beside"))).expect("write");
    // No download: the bundle beside it comes first.
    let offline = [("LAMUX_RELEASE_URL", "https://127.0.0.1:9/unreachable".to_owned())];

    let output = run(&exe, &cwd, &up("inst-beside"), &offline);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.contains(&format!("lamux: {} (beside lamux-deploy)", bin.join("lamux-bootstrap-x86_64.zip").display())),
        "{said}"
    );
    assert!(run(&exe, &cwd, &["down", "--stack-name", "inst-beside", "--yes"], &offline).status.success());
    // --bundle comes before the one beside it.
    let other = dir.join("other.zip");
    std::fs::write(&other, bundle_of(&binary(&dir, "other"))).expect("write");
    let out = dir.join("out");
    let args = ["package", "--bundle", other.to_str().expect("UTF-8"), "--out", out.to_str().expect("UTF-8")];
    let packaged = run(&exe, &cwd, &args, &offline);
    assert!(packaged.status.success(), "{}", stderr(&packaged));
    assert!(stderr(&packaged).contains(&format!("lamux: {} (--bundle)", other.display())), "{}", stderr(&packaged));
    assert_eq!(
        std::fs::read(out.join("lamux-bootstrap-x86_64.zip")).expect("packaged"),
        std::fs::read(&other).expect("zip")
    );
    // --binary, said as the others are.
    let executable = binary(&dir, "given");
    let args = ["package", "--binary", executable.to_str().expect("UTF-8"), "--out", out.to_str().expect("UTF-8")];
    let packaged = run(&exe, &cwd, &args, &offline);
    assert!(
        stderr(&packaged).contains(&format!("lamux: {} (--binary)", executable.display())),
        "{}",
        stderr(&packaged)
    );
    assert_eq!(std::fs::read_dir(&cwd).expect("cwd").count(), 0, "nothing written where it ran");
}

#[test]
#[ignore = "needs moto (scripts/test starts it) and python3's cryptography (moto brings it)"]
fn up_from_any_directory_with_the_release_asset_downloaded_and_checked() {
    let dir = tempdir("download");
    let cwd = dir.join("project");
    std::fs::create_dir_all(&cwd).expect("mkdir");
    let bundle = bundle_of(&binary(&dir, "download"));
    release(&dir.join("good"), &bundle, &bundle);
    release(&dir.join("corrupt"), &bundle, b"other bytes");
    let server = ReleaseServer::start(&dir, dir.join("ca.pem"));
    let exe = Path::new(env!("CARGO_BIN_EXE_lamux-deploy"));
    let from = |release: &str| {
        vec![("LAMUX_RELEASE_URL", server.url(release)), ("SSL_CERT_FILE", server.ca.display().to_string())]
    };

    // A corrupt asset is refused, and nothing is kept.
    let corrupt = run(exe, &cwd, &["package", "--out", "out"], &from("corrupt"));
    assert!(!corrupt.status.success());
    let said = stderr(&corrupt);
    assert!(said.contains("lamux-bootstrap-x86_64.zip is corrupt") && said.contains("nothing was kept"), "{said}");
    assert!(
        !cwd.join(".cache/lamux")
            .join(format!("v{}", env!("CARGO_PKG_VERSION")))
            .join("lamux-bootstrap-x86_64.zip")
            .exists()
    );
    // Nothing to fetch from: one error with all that was tried and the fix.
    let nowhere =
        run(exe, &cwd, &["package", "--out", "out"], &[("LAMUX_RELEASE_URL", "https://127.0.0.1:9/none".to_owned())]);
    let said = stderr(&nowhere);
    assert!(
        said.contains("no lamux binary for x86_64 to deploy; tried:")
            && said.contains("beside lamux-deploy")
            && said.contains("a lamux source tree around the current directory: none")
            && said.contains("the release asset: cannot fetch https://127.0.0.1:9/none/checksums.txt")
            && said.contains("Pass --bundle with a release's lamux-bootstrap-x86_64.zip"),
        "{said}"
    );

    // Through a redirect, as GitHub answers, then from the cache.
    let output = run(exe, &cwd, &up("inst-download"), &from("redirect/good"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("downloaded from {}, sha256 checked", server.url("redirect/good"))));
    let again = run(exe, &cwd, &["layer", "publish", "--layer-name", "inst-layer"], &from("nowhere"));
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("(the release asset, cached, sha256 checked)"), "{}", stderr(&again));
    assert!(run(exe, &cwd, &["down", "--stack-name", "inst-download", "--yes"], &[]).status.success());
}
