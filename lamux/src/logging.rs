//! JSON log lines on stdout (what Lambda and container platforms collect).

use crate::config::LogLevel;

pub fn init(level: LogLevel) {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_max_level(level.as_filter())
        .with_writer(std::io::stdout)
        .init();
}
