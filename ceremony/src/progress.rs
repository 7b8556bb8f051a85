//! Progress bars for the long steps (hidden when stderr is not a terminal).

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
