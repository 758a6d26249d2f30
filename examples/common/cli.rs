//! What every example does the same way as a command-line tool: logging to stderr, refusing an
//! input path that does not exist before any work starts, and reporting a failure as one
//! readable message with its causes and exit code 1 (clap's usage errors exit with 2).

use std::error::Error;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// Logs (the library's warnings, the pipeline's counters) to stderr, at `RUST_LOG` (default `info`).
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing::level_filters::LevelFilter::INFO.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// The input path the user gave, or an error naming it when nothing is there: a job over one
/// missing path would otherwise end "successfully" with one failed record and no output.
/// Object-store URLs (`s3://…`, `file://…`) are left to the reader.
pub(crate) fn require_input(path: Option<&Path>) -> Result<(), Box<dyn Error>> {
    match path {
        Some(p)
            if !p.to_string_lossy().contains("://") && std::fs::symlink_metadata(p).is_err() =>
        {
            Err(format!("input {} does not exist", p.display()).into())
        }
        _ => Ok(()),
    }
}

/// The message of an error and of each of its causes, one per line.
pub(crate) fn describe(e: &dyn Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        // thiserror's `#[error("…: {0}")]` often repeats the source's message already.
        if !out.contains(&s) {
            out.push_str("\n  caused by: ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// Exit code 0, or the error on stderr (`error: …`) and exit code 1.
pub(crate) fn exit_code(result: Result<(), Box<dyn Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", describe(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}
