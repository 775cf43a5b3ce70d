//! Printing diagnostics in the format asked for: the graphical report for people (on stderr),
//! or JSON, SARIF or GitHub workflow commands for machines.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};

use mlspec::diagnostics::render::{self, Style};
use mlspec::diagnostics::{Diagnostic, machine};
use mlspec::source::SourceFile;
use serde_json::Value;

use super::args::{Color, Format};
use super::io;

/// The most diagnostics of one file printed for people (and as GitHub annotations).
pub const MAX_SHOWN_PER_FILE: usize = 50;

/// Where the diagnostics of one run go, and in what form. JSON and SARIF are one document per
/// run, so they are collected and written by [`Reporter::finish`].
pub struct Reporter {
    pub format: Format,
    pub style: Style,
    /// Machine formats go to stdout (`check`, whose product they are) or to stderr (`build`
    /// and `place`, whose stdout is the bundle or the placement report).
    to_stdout: bool,
    collected: RefCell<Vec<Value>>,
}

impl Reporter {
    pub fn new(format: Format, style: Style, to_stdout: bool) -> Self {
        Reporter {
            format,
            style,
            to_stdout: to_stdout && format != Format::Human,
            collected: RefCell::new(Vec::new()),
        }
    }

    /// Report the diagnostics of one file; returns (errors, warnings), all of them counted.
    /// People and GitHub get the first [`MAX_SHOWN_PER_FILE`] and a line saying how many more
    /// there are (a YAML bundle checked as a spec by mistake has thousands); JSON and SARIF,
    /// read by programs, get every one.
    pub fn diagnostics<'a>(
        &self,
        source: &SourceFile,
        diags: impl IntoIterator<Item = &'a Diagnostic>,
    ) -> (usize, usize) {
        let mut counts = (0, 0);
        let mut hidden = (0, 0);
        for (i, d) in diags.into_iter().enumerate() {
            let shown = i < MAX_SHOWN_PER_FILE;
            match self.format {
                Format::Human if shown => {
                    let src = (!source.text.is_empty()).then_some(source);
                    // Rendered with its user text escaped, and with colour codes of its own.
                    write_stderr(&render::human(d, src, self.style));
                    write_stderr("\n");
                }
                Format::Github if shown => self.write(&machine::github(d, source)),
                Format::Human | Format::Github => {}
                Format::Json => self.collected.borrow_mut().push(machine::json(d, source)),
                Format::Sarif => self
                    .collected
                    .borrow_mut()
                    .push(machine::sarif_result(d, source)),
            }
            let count = if d.is_error() {
                &mut counts.0
            } else {
                &mut counts.1
            };
            *count += 1;
            if !shown {
                if d.is_error() {
                    hidden.0 += 1;
                } else {
                    hidden.1 += 1;
                }
            }
        }
        if hidden != (0, 0) && matches!(self.format, Format::Human | Format::Github) {
            let more = |n: usize, what: &str| {
                (n > 0).then(|| format!("{n} more {what}{}", if n == 1 { "" } else { "s" }))
            };
            let parts: Vec<String> = [more(hidden.0, "error"), more(hidden.1, "warning")]
                .into_iter()
                .flatten()
                .collect();
            eprint(&format!(
                "note: {} in `{}` not shown; fix the ones above first (is this the file you meant?), or list every one with `--format json`\n\n",
                parts.join(" and "),
                source.name
            ));
        }
        counts
    }

    /// A closing line for people ("error: could not build: 2 errors"); machine formats that are
    /// one document leave it out so the stream stays parseable.
    pub fn summary(&self, line: &str) {
        if matches!(self.format, Format::Human | Format::Github) {
            eprint(line);
        }
    }

    /// Write the collected JSON array or SARIF log (even an empty one: CI uploads the file).
    pub fn finish(&self) -> Result<(), String> {
        let results = self.collected.take();
        let doc = match self.format {
            Format::Human | Format::Github => return Ok(()),
            Format::Json => Value::Array(results),
            Format::Sarif => machine::sarif_log(results, env!("CARGO_PKG_VERSION")),
        };
        let mut text =
            json_printable(&serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?);
        text.push('\n');
        self.write(&text);
        Ok(())
    }

    fn write(&self, text: &str) {
        if self.to_stdout {
            // A closed pipe is not an error; nothing else can fail on stdout here.
            let _ = io::print_stdout(text);
        } else {
            eprint(text);
        }
    }
}

/// JSON with every character a terminal would act on written as a `\\uXXXX` escape (serde_json
/// leaves C1 controls and bidirectional overrides as they are): the same document to a parser.
fn json_printable(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if mlspec::source::unprintable(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

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

/// Write to stderr, ignoring a closed stream. Any character a terminal would act on (ESC,
/// BEL; a path or a name from an input can hold them) is written as its escape.
pub fn eprint(text: &str) {
    write_stderr(&mlspec::source::escaped(text));
}

fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

pub fn usage_error(message: &str) {
    eprint(&format!("error: {message}\n"));
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
