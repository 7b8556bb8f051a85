//! Log output: `tracing` events to stderr, filtered by `RUST_LOG` (default `info`),
//! written around any progress bar on screen so neither garbles the other.

use std::io::{self, IsTerminal, Write};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use super::progress;

/// Installs the global subscriber (also receives plonky2's `log` records).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::stderr().is_terminal())
        .with_writer(AroundProgress)
        .init();
}

/// Writes to stderr with the progress bars hidden for the moment.
#[derive(Clone, Copy)]
struct AroundProgress;

impl<'a> MakeWriter<'a> for AroundProgress {
    type Writer = AroundProgress;
    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

impl Write for AroundProgress {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        progress::bars().suspend(|| io::stderr().write_all(buf))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
