//! Progress on stderr (only on a terminal), and Ctrl-C that stops a search cleanly.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft_explorer::Progress;

/// Set by the first Ctrl-C, SIGTERM or SIGHUP; a second one exits at once.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler for Ctrl-C (SIGINT), SIGTERM and SIGHUP (once): the search stops
/// cleanly and reports what it explored, as for any limit.
pub fn handle_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

/// A spinner line showing depth, states and rate, or nothing when stderr is not a terminal.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn new(enabled: bool, name: &str) -> Spinner {
        if !enabled || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {prefix} {msg}").expect("template"));
        bar.set_prefix(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Spinner(Some(bar))
    }

    pub fn update(&self, p: &Progress) {
        if let Some(bar) = &self.0 {
            let secs = p.elapsed.as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "depth {}  states {}  transitions {}  frontier {}  {:.0} states/s  (Ctrl-C stops)",
                p.depth,
                p.states,
                p.transitions,
                p.frontier,
                p.states as f64 / secs
            ));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
