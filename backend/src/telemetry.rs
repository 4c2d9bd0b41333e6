//! Structured logs with `tracing`: human-readable text or JSON lines.

use tracing_subscriber::EnvFilter;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. The filter comes from `SEIKA_LOG` (same syntax as `RUST_LOG`),
/// default `info`. Logs go to stderr, so stdout stays for command output.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("SEIKA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _already_set = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}
