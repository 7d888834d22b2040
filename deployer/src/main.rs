use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match lamux_deploy::config_file::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(err) => match err.downcast::<clap::Error>() {
            // --help, --version and bad flags, printed as clap prints them.
            Ok(clap_error) => clap_error.exit(),
            Err(err) => {
                eprintln!("error: {}", lamux_cdk::error::report(&err));
                return ExitCode::FAILURE;
            }
        },
    };
    lamux_cdk::progress::init();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(lamux_deploy::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", lamux_cdk::error::report(&err));
            ExitCode::FAILURE
        }
    }
}
