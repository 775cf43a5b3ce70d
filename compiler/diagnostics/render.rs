//! Renderers of diagnostics: miette's graphical report for people (colour and Unicode only when
//! the caller says so) and a one-line summary.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, escaped};

/// How to draw a human report.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colours (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// Unicode box drawing; plain ASCII otherwise.
    pub unicode: bool,
    pub width: usize,
}

impl Style {
    /// The plain form used off a terminal and in snapshot tests.
    pub fn plain() -> Self {
        Style {
            color: false,
            unicode: false,
            width: 100,
        }
    }
}

/// Source lines longer than this are not drawn (a minified or generated file would flood the
/// terminal); the report gives `file:line:col` instead.
pub const MAX_SNIPPET_LINE: usize = 400;

/// Render one diagnostic as text, ending with a newline.
pub fn human(d: &Diagnostic, source: Option<&SourceFile>, style: Style) -> String {
    if let Some(src) = source
        && let Some(at) = long_line(d, src)
    {
        let (line, col) = src.line_col(at);
        let mut flat = d.clone();
        flat.message = format!("{} (at {}:{line}:{col})", d.message, src.name);
        return human(&flat, None, style);
    }
    let theme = match (style.unicode, style.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme {
            characters: miette::ThemeCharacters::ascii(),
            styles: miette::ThemeStyles::ansi(),
        },
        (false, false) => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(1);
    let adapter = Adapter { d, source };
    let mut out = String::new();
    if handler.render_report(&mut out, &adapter).is_err() {
        // The graphical handler fails only on a span outside the text; fall back to a plain line.
        out = format!("{}[{}]: {}\n", d.severity().as_str(), d.code.id, d.message);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The offset of a label that sits on an over-long line, if any.
fn long_line(d: &Diagnostic, src: &SourceFile) -> Option<usize> {
    d.primary
        .iter()
        .chain(&d.secondary)
        .map(|l| src.clamp(l.span).start)
        .find(|&at| {
            let (line, _) = src.line_col(at);
            src.line_range(line - 1).len() > MAX_SNIPPET_LINE
        })
}

/// "error: could not build `app.toml`: 2 errors, 1 warning" style counts.
pub fn counts(diags: &[&Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

struct Adapter<'a> {
    d: &'a Diagnostic,
    source: Option<&'a SourceFile>,
}

impl fmt::Debug for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escaped(&self.d.message))
    }
}

impl fmt::Display for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.d.severity().as_str(),
            self.d.code.id,
            escaped(&self.d.message)
        )
    }
}

impl std::error::Error for Adapter<'_> {}

impl miette::Diagnostic for Adapter<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(escaped(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let source = self.source?;
        let primary = self.d.primary.iter().map(move |l| {
            let span = source.clamp(l.span);
            LabeledSpan::new_primary_with_span(label_text(&l.text), to_miette(span))
        });
        let secondary = self.d.secondary.iter().map(move |l| {
            let span = source.clamp(l.span);
            LabeledSpan::new_with_span(label_text(&l.text), to_miette(span))
        });
        Some(Box::new(primary.chain(secondary)))
    }
}

fn label_text(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| escaped(text).into_owned())
}

fn to_miette(span: crate::source::Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

/// Snippets come from the printable copy of the text (`SourceFile::shown`), cut to the lines
/// they show: miette counts lines from the start of what it is given, so it is given only the
/// lines around the span, and a report costs the length of those lines, not of the file.
impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.shown();
        let start = span.offset();
        let end = (start + span.len()).min(text.len());
        if start > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let (first, _) = self.line_col(start);
        let (last, _) = self.line_col(end.saturating_sub(1).max(start));
        let lines = first.max(last);
        // Context lines longer than a snippet line are left out, as the span's own are.
        let short = |line: usize| self.line_range(line).len() <= MAX_SNIPPET_LINE;
        let mut before = 0;
        while before < context_lines_before && first - 1 > before && short(first - 2 - before) {
            before += 1;
        }
        let mut after = 0;
        while after < context_lines_after && short(lines + after) {
            after += 1;
        }
        let from_line = first - 1 - before;
        let base = self.line_range(from_line).start;
        let to = self.line_range(lines - 1 + after).end;
        let to = (to + 1).min(text.len()).max(end);
        let window = text.get(base..to).ok_or(miette::MietteError::OutOfBounds)?;
        let inner = window.read_span(
            &SourceSpan::new((start - base).into(), end - start),
            // The window starts at a line start and holds only the context wanted.
            context_lines_before,
            context_lines_after,
        )?;
        let contents = miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + from_line,
            inner.column(),
            inner.line_count() + from_line,
        );
        Ok(Box::new(contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;
    use crate::source::Span;

    #[test]
    fn renders_code_label_and_help_without_colour() {
        let src = SourceFile::new("app.toml", "[serve]\ngpus = 1.5\n");
        let d = Diagnostic::new(
            &codes::E0114,
            "`serve.gpus` must be a whole number, found 1.5",
        )
        .at(Span::new(15, 18), "not a whole number")
        .help("ask for a MIG slice for part of a GPU");
        let out = human(&d, Some(&src), Style::plain());
        assert!(out.contains("E0114"), "{out}");
        assert!(out.contains("app.toml:2:8"), "{out}");
        assert!(out.contains("not a whole number"), "{out}");
        assert!(out.contains("help: ask for a MIG slice"), "{out}");
        assert!(!out.contains('\u{1b}'), "no ANSI escapes: {out}");
    }

    #[test]
    fn long_lines_are_not_drawn() {
        let text = format!("[app]\nname = \"{}\"\n", "x".repeat(5000));
        let src = SourceFile::new("app.toml", text);
        let d = Diagnostic::new(&codes::E0101, "bad").at(Span::new(14, 20), "here");
        let out = human(&d, Some(&src), Style::plain());
        assert!(out.len() < 400, "{out}");
        assert!(out.contains("bad (at app.toml:2:9)"), "{out}");
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let src = SourceFile::new("app.toml", "a = 1");
        let d = Diagnostic::new(&codes::E0001, "x").at(Span::new(100, 200), "here");
        let out = human(&d, Some(&src), Style::plain());
        assert!(out.contains("E0001"));
    }
}
