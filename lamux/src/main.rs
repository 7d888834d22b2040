use std::process::ExitCode;

use clap::Parser as _;
use lamux::config::Cli;
use lamux::mode::Mode;

/// mimalloc: 6% more requests/s than glibc's malloc on one core (bench/run). Built without
/// transparent huge pages (its `no_thp` feature), which made each touched arena keep 2 MiB
/// resident: 8 MiB more RSS at start-up.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.healthcheck {
        let path = cli.health_path().unwrap_or_else(|| "/healthz".to_owned());
        return match lamux::probe::check(lamux::probe::address(cli.listen_address, cli.port), &path) {
            Ok(()) => ExitCode::SUCCESS,
            Err(why) => {
                eprintln!("lamux --healthcheck: {why}");
                ExitCode::FAILURE
            }
        };
    }
    lamux::logging::init(cli.log_level);
    // Inside Lambda a sandbox handles one request at a time, on a fraction of a core: one
    // thread does the work without waking another for each step (bench/lambda: CPU per
    // request and init). The local server serves many connections on every core.
    let mut builder = match cli.mode() {
        Mode::Server => tokio::runtime::Builder::new_multi_thread(),
        Mode::Function | Mode::Extension => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(%err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(lamux::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "lamux failed");
            ExitCode::FAILURE
        }
    }
}
