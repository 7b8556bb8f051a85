//! Progress bars for the long steps (hidden when stderr is not a terminal).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting `len` points of a step named `what`.
pub fn points(len: u64, what: &str) -> ProgressBar {
    bar(len, what, "points")
}

/// A bar counting `len` `unit`s of a step named `what`.
pub fn bar(len: u64, what: &str, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{{msg:>24}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{eta}})");
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// A spinner for a step of unknown length named `what`, with its elapsed time.
pub fn spinner(what: &str) -> ProgressBar {
    let style = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let spinner = ProgressBar::new_spinner().with_style(style);
    spinner.set_message(what.to_string());
    // Ticks from its own thread: the steps it covers block this one for minutes.
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
