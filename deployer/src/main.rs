//! lamux-deploy: puts lamux on AWS. Its constructs, packaging and commands are still to come.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("lamux-deploy has no commands yet");
    ExitCode::from(2)
}
