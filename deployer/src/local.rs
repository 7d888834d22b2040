//! The commands that need no AWS access: `synth` and `package`.

use std::path::Path;

use anyhow::Context as _;
use lamux_cdk::archive::Archive;
use lamux_cdk::tree::AssetSource;
use serde::Serialize;

use crate::binary::{self, Binary};
use crate::options::StackArgs;
use crate::package;
use crate::stack;

/// One zip of the asset manifest.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    pub file: String,
    pub sha256: String,
    pub s3_key: String,
    pub bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub function: Asset,
    pub layer: Asset,
}

/// `synth`: the template on stdout, or with `out` the template, manifest and zips there.
pub fn synth(args: &StackArgs, out: Option<&Path>) -> anyhow::Result<()> {
    let Some(out) = out else {
        // Printing the template needs no binary: the architecture comes from --arch.
        let binary_arch = match &args.binary {
            Some(path) => Some(binary::read(path, args.arch)?.arch),
            None => None,
        };
        let options = args.validate(binary_arch)?;
        warn(&options);
        // A path on the command line is the user's, read against the current directory
        // (lamux-cdk reads a relative one against CARGO_MANIFEST_DIR).
        let code = match &args.binary {
            Some(path) => AssetSource::Bootstrap(std::path::absolute(path).context("cannot read --binary's path")?),
            None => AssetSource::placeholder(),
        };
        print!("{}", stack::template(&options, code)?.to_json());
        return Ok(());
    };
    let binary = binary::locate(args.choice())?;
    let options = args.validate(Some(binary.arch))?;
    warn(&options);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let manifest = write_zips(&binary, out)?;
    let code = AssetSource::Archive(lamux_cdk::archive::function_zip(&binary.bytes)?);
    write(&out.join("template.json"), stack::template(&options, code)?.to_json().as_bytes())?;
    let manifest_json = serde_json::to_string_pretty(&manifest).context("manifest")? + "\n";
    write(&out.join("assets.json"), manifest_json.as_bytes())?;
    eprintln!(
        "wrote template.json, assets.json, {} and {} to {}",
        manifest.function.file,
        manifest.layer.file,
        out.display()
    );
    Ok(())
}

/// `package`: the two zips and a `.sha256` file beside each, as `sha256sum -c` reads them.
pub fn package(choice: binary::Choice<'_>, out: &Path) -> anyhow::Result<()> {
    let binary = binary::locate(choice)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let manifest = write_zips(&binary, out)?;
    for asset in [&manifest.function, &manifest.layer] {
        write(&out.join(format!("{}.sha256", asset.file)), format!("{}  {}\n", asset.sha256, asset.file).as_bytes())?;
        println!("{}  {}", asset.sha256, out.join(&asset.file).display());
    }
    Ok(())
}

/// Say what the user should know about these options before they are deployed.
pub fn warn(options: &crate::options::StackOptions) {
    let options = &options.lamux;
    if let Some(warning) = options.scope().warning() {
        eprintln!("warning: {warning}");
    }
    if options.origin_auth == lamux_cdk::lamux_construct::OriginAuth::Oac {
        eprintln!(
            "warning: with --origin-auth oac, clients that send a body (POST, PUT, PATCH) must send \
             x-amz-content-sha256 with the body's SHA-256, or CloudFront's signature fails; and CloudFront \
             replaces the viewer's Authorization header with its own signature, so functions never see it"
        );
    }
    if options.origin_auth == lamux_cdk::lamux_construct::OriginAuth::None {
        eprintln!(
            "warning: with --origin-auth none, anyone who finds the Function URL can call it directly, \
             bypassing CloudFront (and any WAF on it)"
        );
    }
}

fn write_zips(binary: &Binary, out: &Path) -> anyhow::Result<Manifest> {
    let arch = binary.arch.lambda_name();
    let asset = |kind: &str, archive: Archive| -> anyhow::Result<Asset> {
        let file = format!("lamux-{kind}-{arch}.zip");
        write(&out.join(&file), &archive.bytes)?;
        Ok(Asset {
            s3_key: format!("{}{}", stack::ASSET_PREFIX, archive.key(kind)),
            sha256: archive.sha256,
            bytes: archive.bytes.len(),
            file,
        })
    };
    Ok(Manifest {
        function: asset("bootstrap", lamux_cdk::archive::function_zip(&binary.bytes)?)?,
        layer: asset("layer", package::layer_zip(&binary.bytes)?)?,
    })
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
