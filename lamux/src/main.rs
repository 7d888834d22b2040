use std::process::ExitCode;

use clap::Parser as _;
use lamux::config::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    lamux::logging::init(cli.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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
