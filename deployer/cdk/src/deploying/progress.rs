//! The engine's progress: `tracing::info!` events of the target [`PROGRESS`], whose message
//! is one line for a person (an upload, a stack event). [`init`] prints them on stderr as a
//! command line does, with warnings from anywhere; a program with its own `tracing`
//! subscriber renders them its own way instead.

use tracing::Level;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The `tracing` target of the engine's progress events.
pub const PROGRESS: &str = "lamux_cdk::progress";

/// Install the stderr renderer as the global subscriber; a no-op when one is installed.
pub fn init() {
    let lines = tracing_subscriber::fmt::layer()
        .without_time()
        .with_level(false)
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::io::stderr);
    let filter = Targets::new().with_target(PROGRESS, Level::INFO).with_default(Level::WARN);
    // Err only when the program installed its own subscriber first, which then renders.
    let _ = tracing_subscriber::registry().with(lines.with_filter(filter)).try_init();
}
