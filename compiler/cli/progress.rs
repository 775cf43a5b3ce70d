//! Progress on stderr for runs long enough to wonder about: many specs, a large inventory.
//! Only on a terminal (never in a pipe, a log or a test) and cleared when done, so it never
//! mixes with diagnostics or machine output.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

/// Fewer specs than this build too fast for a bar to help.
const MIN_SPECS: usize = 20;
/// Inventory files larger than this take long enough to read that a spinner helps.
pub const LARGE_INPUT_BYTES: u64 = 8 * 1024 * 1024;
/// Placements with more nodes than this show a spinner while they run.
pub const LARGE_CLUSTER_NODES: usize = 1000;

fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar counting compiled specs, or a hidden one (free to update) off a terminal or for a few.
pub fn specs(count: usize) -> ProgressBar {
    if count < MIN_SPECS || !on_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(count as u64), ProgressDrawTarget::stderr())
        .with_finish(ProgressFinish::AndClear);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} specs, {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix("compiling");
    bar
}

/// A ticking spinner with a message while one long step runs, when `large` and on a terminal.
pub fn step(large: bool, message: String) -> ProgressBar {
    if !large || !on_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        .with_finish(ProgressFinish::AndClear);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        spinner.set_style(style.tick_chars("-\\|/ "));
    }
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
