//! Printing diagnostics to stderr: the graphical report on a terminal, plain text otherwise.

use std::io::{IsTerminal, Write};

use mlspec::diagnostics::Diagnostic;
use mlspec::diagnostics::render::{self, Style};
use mlspec::source::SourceFile;

use super::args::Color;

/// Decide colour and box drawing from the flag, the terminal and `NO_COLOR`.
pub fn style(color: Color) -> Style {
    let tty = std::io::stderr().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    Style {
        color: match color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => tty && !no_color,
        },
        unicode: tty,
        width,
    }
}

/// Write to stderr, ignoring a closed stream.
pub fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

pub fn usage_error(message: &str) {
    eprint(&format!("error: {message}\n"));
}

/// Print every diagnostic of one file; returns (errors, warnings).
pub fn diagnostics<'a>(
    source: &SourceFile,
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    style: Style,
) -> (usize, usize) {
    let mut counts = (0, 0);
    for d in diags {
        let src = (!source.text.is_empty()).then_some(source);
        eprint(&render::human(d, src, style));
        eprint("\n");
        if d.is_error() {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    counts
}

/// "2 errors, 1 warning"
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
