//! `lamux-deploy.toml`: the flags of every command, kept in a file so that `up` alone
//! reproduces the same stack.
//!
//! Keys are the long flag names (`domain-suffix = "example.com"`). An `[env.NAME]` table,
//! chosen with `--env NAME`, overrides the top-level keys. Precedence, highest first: a flag,
//! its environment variable, the file, the flag's default. A key that no command has is an
//! error (a typo must not silently drop a setting); a key the running command lacks
//! (`domain-suffix` for `down`) is skipped.

use std::ffi::OsString;
use std::path::Path;

use anyhow::{Context as _, bail};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory as _, FromArgMatches as _};

use crate::cli::{Cli, DEFAULT_FILE};

/// Flags that answer for one run rather than describe the stack: a checked-in file must not
/// skip `down`'s prompt, or rotate the origin secret on every deploy.
const ANSWERS: &[&str] = &["yes", "rotate-origin-secret", "finish-rotation", "include-unmarked", "percent", "end"];

/// The keys of the `[preview]` table, which apply to `lamux-deploy preview` commands only.
const PREVIEW_KEYS: &[&str] =
    &["function", "ttl", "protect", "protect-default", "keep-versions", "keep-live", "min-age", "branch-prefix"];

/// Parse the command line with the settings file merged in. A clap error (bad flag, --help)
/// comes back as a `clap::Error` inside the anyhow error, for the caller to print as clap does.
pub fn parse(argv: impl IntoIterator<Item = impl Into<OsString>>) -> anyhow::Result<Cli> {
    let mut argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let mut command = Cli::command();
    command.build();
    // A first pass that tolerates missing flags: which file, which env, which subcommand,
    // and what the user already set.
    if let Ok(matches) = command.clone().ignore_errors(true).try_get_matches_from(&argv) {
        argv.extend(file_arguments(&command, &matches)?);
    }
    let matches = command.try_get_matches_from(&argv)?;
    Ok(Cli::from_arg_matches(&matches)?)
}

fn file_arguments(command: &clap::Command, matches: &ArgMatches) -> anyhow::Result<Vec<OsString>> {
    let path = matches.get_one::<std::path::PathBuf>("config").cloned().unwrap_or_else(|| DEFAULT_FILE.into());
    let explicit = matches.value_source("config") == Some(ValueSource::CommandLine);
    let environment = matches.get_one::<String>("environment").cloned();
    let Some((mut settings, preview)) = read(&path, explicit, environment.as_deref())? else {
        return Ok(Vec::new());
    };
    if matches!(matches.subcommand_name(), Some("preview")) {
        settings.extend(preview);
    }
    // The command that runs, and its matches: `layer publish` is two levels down.
    let (mut leaf, mut leaf_matches) = (command, matches);
    while let Some((name, sub_matches)) = leaf_matches.subcommand() {
        let Some(sub) = leaf.find_subcommand(name) else { break };
        (leaf, leaf_matches) = (sub, sub_matches);
    }
    let known = known_keys(command);
    let mut arguments = Vec::new();
    for (key, value) in &settings {
        if !known.iter().any(|k| k == key) || key == "config" || key == "env" {
            bail!("{}: unknown key `{key}` (keys are the long flag names, e.g. `domain-suffix`)", path.display());
        }
        let Some(arg) = leaf.get_arguments().find(|arg| arg.get_long() == Some(key.as_str())) else {
            continue;
        };
        let given = matches!(
            leaf_matches.value_source(arg.get_id().as_str()),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        if given {
            continue;
        }
        let text = match value {
            toml::Value::Boolean(on) if matches!(arg.get_action(), ArgAction::SetTrue) => {
                if *on {
                    arguments.push(format!("--{key}").into());
                }
                continue;
            }
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => value.to_string(),
            toml::Value::Array(items) => {
                let items: anyhow::Result<Vec<String>> = items
                    .iter()
                    .map(|item| match item {
                        toml::Value::String(text) => Ok(text.clone()),
                        toml::Value::Integer(_) | toml::Value::Float(_) => Ok(item.to_string()),
                        _ => bail!("{}: `{key}` takes a list of strings", path.display()),
                    })
                    .collect();
                items?.join(",")
            }
            _ => bail!("{}: `{key}` must be a string, number, boolean or list", path.display()),
        };
        arguments.push(format!("--{key}={text}").into());
    }
    Ok(arguments)
}

/// The file's settings for `environment`: top-level keys, overridden by `[env.NAME]`, and
/// the `[preview]` table, overridden by `[env.NAME.preview]`. `None` when there is no file at
/// the default path.
fn read(path: &Path, explicit: bool, environment: Option<&str>) -> anyhow::Result<Option<(toml::Table, toml::Table)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !explicit => {
            if let Some(name) = environment {
                bail!("--env {name}: there is no {} here to read it from", path.display());
            }
            return Ok(None);
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let environments = match table.remove("env") {
        Some(toml::Value::Table(environments)) => environments,
        Some(_) => bail!("{}: `env` must be a table of environments ([env.NAME])", path.display()),
        None => toml::Table::new(),
    };
    // Every environment is checked, chosen or not: the file is wrong either way.
    let tables = std::iter::once(&table).chain(environments.values().filter_map(toml::Value::as_table));
    let tables = tables.flat_map(|t| std::iter::once(t).chain(t.get("preview").and_then(toml::Value::as_table)));
    if let Some(key) = tables.flat_map(|t| t.keys()).find(|key| ANSWERS.contains(&key.as_str())) {
        bail!("{}: `{key}` is an answer for one run, not a setting; pass --{key} on the command line", path.display());
    }
    let mut preview = preview_table(path, &mut table, "preview")?;
    for (name, overrides) in &environments {
        let mut overrides = overrides.as_table().cloned().unwrap_or_default();
        let overrides_preview = preview_table(path, &mut overrides, &format!("env.{name}.preview"))?;
        if environment == Some(name.as_str()) {
            table.extend(overrides);
            preview.extend(overrides_preview);
        }
    }
    if let Some(name) = environment
        && !environments.contains_key(name)
    {
        let names: Vec<&String> = environments.keys().collect();
        bail!("{}: no [env.{name}] table (environments: {names:?})", path.display());
    }
    Ok(Some((table, preview)))
}

/// Take the `[preview]` table out of `table`: only [`PREVIEW_KEYS`] in it, and none of them
/// outside it, where they would read as settings of every command.
fn preview_table(path: &Path, table: &mut toml::Table, name: &str) -> anyhow::Result<toml::Table> {
    if let Some(key) = table.keys().find(|key| PREVIEW_KEYS.contains(&key.as_str())) {
        bail!("{}: `{key}` is a preview setting: put it in a [{name}] table", path.display());
    }
    let preview = match table.remove("preview") {
        Some(toml::Value::Table(preview)) => preview,
        Some(_) => bail!("{}: `preview` must be a table ([{name}])", path.display()),
        None => return Ok(toml::Table::new()),
    };
    if let Some(key) = preview.keys().find(|key| !PREVIEW_KEYS.contains(&key.as_str())) {
        bail!("{}: unknown key `{key}` in [{name}] (keys: {})", path.display(), PREVIEW_KEYS.join(", "));
    }
    Ok(preview)
}

/// Every long flag of every command.
fn known_keys(command: &clap::Command) -> Vec<String> {
    let mut keys: Vec<String> = command.get_arguments().filter_map(|arg| arg.get_long()).map(str::to_owned).collect();
    for sub in command.get_subcommands() {
        keys.extend(known_keys(sub));
    }
    keys
}

/// `lamux-deploy init`: a commented starter file.
pub const STARTER: &str = r#"# lamux-deploy settings. Every key is a long flag name of lamux-deploy; a flag given on
# the command line (or its environment variable) overrides the file. `lamux-deploy up` alone
# then reproduces the same stack.

# Hosts are ALIAS-FUNCTION.SUFFIX (or ALIAS.SUFFIX with a fixed function-name).
domain-suffix = "example.com"

# Which functions and aliases lamux may invoke: scopes the IAM policy and lamux's own
# allow-list. Leave allow-alias out to reach every alias and version number.
allow-function = ["my-func"]
allow-alias = ["live", "pr*"]
# function-name = "my-func"        # a fixed function: hosts are ALIAS.SUFFIX

# stack-name = "lamux"
# region = "us-east-1"
# profile = "default"
# memory = 128
# upstream-timeout = "30s"          # CloudFront's origin read timeout follows it (at most 59s)
# origin-read-timeout = 120         # only after a CloudFront quota increase (at most 180)
# invoke-mode = "buffered"          # or "response-stream"
# origin-auth = "secret"            # "none" or "oac": see README "Security"
# error-details = false
# log-retention-days = 14
# tags = ["team=web", "cost-center=42"]
# termination-protection = true
# require-approval = "broadening"   # "never" or "any-change"

# A custom domain: an ACM certificate for *.SUFFIX in us-east-1, and the hosted zone.
# certificate-arn = "arn:aws:acm:us-east-1:123456789012:certificate/..."
# hosted-zone-id = "Z0123456789ABCDEFGHIJ"

# Preview environments (`lamux-deploy preview up pr42`): README "Preview environments".
# [preview]
# function = "my-func"
# ttl = "7d"                        # `preview prune --expired` removes a preview this long after its last up
# protect = ["prod*"]               # aliases previews never create, move or delete, besides live
# protect-default = true            # false: live is not protected (only when no alias live serves production)
# keep-versions = 3                 # unreferenced versions `down` and `prune` keep, newest first
# keep-live = 3                     # rollback targets kept per protected alias
# min-age = "15min"                 # versions younger than this are kept (an up in flight)
# branch-prefix = "br"              # --name-from-branch names start with it

# Environments override the keys above: `lamux-deploy up --env staging`.
# [env.staging]
# stack-name = "lamux-staging"
# domain-suffix = "staging.example.com"
"#;

/// Write the starter file, refusing to replace one unless told to.
pub fn init(path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!("{} exists; pass --force to replace it", path.display());
    }
    std::fs::write(path, STARTER).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}: edit it, then run `lamux-deploy diff` and `lamux-deploy up`", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Issue 20: `yes` and `rotate-origin-secret` in a checked-in file would skip `down`'s
    /// prompt, or rotate the secret on every deploy.
    #[test]
    fn answers_are_not_settings() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("lamux-deploy.toml");
        for (text, key) in [
            ("yes = true\n", "yes"),
            ("rotate-origin-secret = true\n", "rotate-origin-secret"),
            ("[env.prod]\nyes = true\n", "yes"),
        ] {
            std::fs::write(&path, text).expect("write the file");
            let config = path.display().to_string();
            let err = super::parse(["lamux-deploy", "--config", &config, "down", "--stack-name", "s"])
                .expect_err("refused")
                .to_string();
            assert!(err.contains(&format!("`{key}` is an answer for one run")), "{text}: {err}");
        }
        std::fs::write(&path, "domain-suffix = \"example.com\"\n").expect("write the file");
        let config = path.display().to_string();
        assert!(super::parse(["lamux-deploy", "--config", &config, "down", "--stack-name", "s"]).is_ok());
    }

    /// Issue 21: `[preview]` holds `function`, `ttl`, `protect` and `keep-versions` for the
    /// preview commands; an unknown key, or one of them outside the table, is an error.
    #[test]
    fn the_preview_table_applies_to_preview_commands() {
        use crate::cli::{Command, PreviewCommand};
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("lamux-deploy.toml");
        let config = path.display().to_string();
        std::fs::write(
            &path,
            "stack-name = \"web-lamux\"\n[preview]\nfunction = \"web\"\nttl = \"2d\"\nprotect = [\"live\", \"prod*\"]\n\
             keep-versions = 1\n[env.ci.preview]\nkeep-versions = 0\n",
        )
        .expect("write the file");
        let parsed =
            super::parse(["lamux-deploy", "--config", &config, "preview", "prune", "--expired"]).expect("parsed");
        let Command::Preview { command: PreviewCommand::Prune { target, keep, .. } } = parsed.command else {
            panic!("prune");
        };
        assert_eq!(target.function.as_deref(), Some("web"));
        assert_eq!(target.stack_name, "web-lamux");
        assert_eq!(target.protect, ["live", "prod*"]);
        assert_eq!(target.protect().covers("live"), Some("live"));
        assert_eq!(keep.keep_versions, 1);
        let parsed = super::parse(["lamux-deploy", "--config", &config, "--env", "ci", "preview", "down", "pr1"])
            .expect("parsed");
        let Command::Preview { command: PreviewCommand::Down { keep, .. } } = parsed.command else { panic!("down") };
        assert_eq!(keep.keep_versions, 0, "[env.ci.preview] over [preview]");
        let parsed =
            super::parse(["lamux-deploy", "--config", &config, "preview", "up", "pr1", "--ttl", "1h"]).expect("parsed");
        let Command::Preview { command: PreviewCommand::Up { ttl, .. } } = parsed.command else { panic!("up") };
        assert_eq!(ttl, std::time::Duration::from_secs(3600), "a flag over the file");

        for (text, expected) in [
            ("[preview]\nfunktion = \"web\"\n", "unknown key `funktion` in [preview]"),
            ("ttl = \"1d\"\n", "`ttl` is a preview setting"),
            ("[preview]\ninclude-unmarked = true\n", "`include-unmarked` is an answer for one run"),
            ("percent = 10\n", "`percent` is an answer for one run"),
        ] {
            std::fs::write(&path, text).expect("write the file");
            let err =
                super::parse(["lamux-deploy", "--config", &config, "preview", "list"]).expect_err(text).to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
