//! Progress bars and spinners, all drawn on stderr through one [`MultiProgress`]
//! so that log lines can be printed between redraws.

use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

const TICK: Duration = Duration::from_millis(120);

/// The bars on screen.
pub fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(MultiProgress::new)
}

/// A spinner with elapsed time, for one step that gives no progress of its own.
pub fn spinner(message: String) -> ProgressBar {
    let style = ProgressStyle::with_template("{spinner:.green} {msg} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let pb = bars().add(
        ProgressBar::new_spinner()
            .with_style(style)
            .with_message(message),
    );
    pb.enable_steady_tick(TICK);
    pb
}

/// A bar over `len` steps whose message names the step under way.
pub fn steps(len: u64) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{spinner:.green} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    let pb = bars().add(ProgressBar::new(len).with_style(style));
    pb.enable_steady_tick(TICK);
    pb
}
