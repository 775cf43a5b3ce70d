//! Source files and byte spans: what a diagnostic points at.

use std::ops::Range;
use std::sync::OnceLock;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The empty span at the start of a file, for diagnostics about the file as a whole.
    pub fn file_start() -> Self {
        Span { start: 0, end: 0 }
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(r: Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// The text of one input file and the name to show for it.
///
/// The text is never changed after `new`: the line index and the printable copy built on first
/// use describe it, so that each diagnostic costs the length of its lines, not of the file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    view: OnceLock<View>,
}

/// What rendering needs of a text, made once: 4 bytes per line and a few per 64 KiB.
#[derive(Debug, Clone)]
struct View {
    /// Byte offset where each line starts (the first is 0). Texts past 4 GiB are not indexed
    /// past it (no input is that large: `cli::io::MAX_INPUT_BYTES`).
    lines: Vec<u32>,
    /// For a text that is not all ASCII: (byte offset, characters before it) every
    /// [`CHECKPOINT`] bytes, so a column in characters costs at most that much counting, even on
    /// a minified file's one long line.
    checkpoints: Option<Vec<(u32, u32)>>,
    /// The text as a terminal may show it, when it differs (see [`SourceFile::shown`]).
    shown: Option<String>,
}

const CHECKPOINT: usize = 64 * 1024;

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Characters that start in `bytes` (a slice of UTF-8, cut anywhere).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            view: OnceLock::new(),
        }
    }

    fn view(&self) -> &View {
        self.view.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut lines = vec![0];
            lines.extend(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| small(i + 1)),
            );
            let checkpoints = (!bytes.is_ascii()).then(|| {
                let mut out = Vec::new();
                let mut chars = 0;
                for (k, block) in bytes.chunks(CHECKPOINT).enumerate() {
                    out.push((small(k * CHECKPOINT), small(chars)));
                    chars += chars_in(block);
                }
                out
            });
            let shown = self
                .text
                .chars()
                .any(unprintable_at_all)
                .then(|| printable_same_length(&self.text));
            View {
                lines,
                checkpoints,
                shown,
            }
        })
    }

    /// Characters before byte `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        let Some(points) = &self.view().checkpoints else {
            return offset;
        };
        let at = points.partition_point(|(byte, _)| *byte as usize <= offset);
        let (byte, chars) = points.get(at.saturating_sub(1)).copied().unwrap_or((0, 0));
        let from = (byte as usize).min(offset);
        chars as usize + chars_in(&self.text.as_bytes()[from..offset])
    }

    /// The 0-based line an offset is on.
    fn line_of(&self, offset: usize) -> usize {
        let lines = &self.view().lines;
        lines
            .partition_point(|start| *start as usize <= offset)
            .saturating_sub(1)
    }

    /// The byte range of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let lines = &self.view().lines;
        let len = self.text.len();
        let start = lines.get(line).map_or(len, |s| (*s as usize).min(len));
        let end = lines
            .get(line + 1)
            .map_or(len, |next| (*next as usize).saturating_sub(1).min(len));
        start..end.max(start)
    }

    /// 1-based line and column (in characters) of a byte offset; offsets past the end clamp.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_range(line).start.min(offset);
        let col = self.chars_before(offset) - self.chars_before(start);
        (line + 1, col + 1)
    }

    /// The text with every character a terminal would act on (ESC, BEL, a lone carriage
    /// return, a bidirectional override) replaced by as many `?` as it has bytes, so spans
    /// still point at the same places: what a report may print of the file.
    pub fn shown(&self) -> &str {
        self.view().shown.as_deref().unwrap_or(&self.text)
    }

    /// The file's first character (nothing in an empty file): where a diagnostic about the whole
    /// file, or about an object whose place in it is not found, points.
    pub fn head(&self) -> Span {
        self.clamp(Span::new(0, 1))
    }

    /// Clamp a span to the text and to character boundaries, so renderers never slice badly.
    pub fn clamp(&self, span: Span) -> Span {
        let mut start = span.start.min(self.text.len());
        let mut end = span.end.min(self.text.len()).max(start);
        while start > 0 && !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while end < self.text.len() && !self.text.is_char_boundary(end) {
            end += 1;
        }
        Span::new(start, end)
    }
}

/// A character no terminal output should carry as it is: a control character (but a line
/// break or a tab), or a bidirectional override that reorders what is shown.
pub fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// [`unprintable`], or a carriage return (which a text may hold before its line breaks).
fn unprintable_at_all(c: char) -> bool {
    unprintable(c) || c == '\r'
}

/// `text` with each unprintable character as `?`s of its byte length; `\r\n` is kept.
fn printable_same_length(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            out.push(c);
        } else if unprintable_at_all(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with each unprintable character written as its escape (`\u{1b}`): for messages
/// and paths, which a report prints whole.
pub fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(unprintable) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unprintable(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let f = SourceFile::new("a.toml", "a = 1\nbé = 2\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        assert_eq!(f.line_col(9), (2, 3));
        assert_eq!(f.line_col(999), (3, 1));
    }

    #[test]
    fn line_col_is_the_same_on_long_and_non_ascii_lines() {
        let long = format!("{}\né{}\n", "a".repeat(10_000), "b".repeat(10));
        let f = SourceFile::new("a.toml", long.as_str());
        assert_eq!(f.line_col(9_999), (1, 10_000));
        assert_eq!(f.line_col(10_001), (2, 1));
        assert_eq!(f.line_col(10_003), (2, 2));
        assert_eq!(f.line_range(1), 10_001..10_013);
        assert_eq!(f.line_range(2), 10_014..10_014);
    }

    #[test]
    fn columns_on_a_long_non_ascii_line_are_counted_in_characters() {
        let text = format!("a\n{}x{}\nz", "é".repeat(100_000), "日".repeat(50_000));
        let f = SourceFile::new("a.json", text.as_str());
        let naive = |offset: usize| {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            text[start..offset].chars().count() + 1
        };
        for offset in [
            0,
            2,
            3,
            4,
            200_001,
            200_002,
            200_003,
            350_000,
            350_002,
            text.len(),
        ] {
            let offset = (0..=offset)
                .rev()
                .find(|o| text.is_char_boundary(*o))
                .unwrap_or(0);
            assert_eq!(f.line_col(offset).1, naive(offset), "at {offset}");
        }
        assert_eq!(f.line_col(200_002), (2, 100_001));
        assert_eq!(f.line_col(text.len()), (3, 2));
    }

    #[test]
    fn what_a_terminal_would_act_on_is_never_shown() {
        let f = SourceFile::new("a.toml", "a = \"\u{1b}[2J\u{7}\"\r\nb = \"\r\u{202e}x\"\n");
        assert_eq!(f.shown(), "a = \"?[2J?\"\r\nb = \"????x\"\n");
        assert_eq!(f.shown().len(), f.text.len());
        assert_eq!(escaped("x\u{1b}]0;t\u{7}"), "x\\u{1b}]0;t\\u{7}");
        assert_eq!(escaped("line\nnext\ttab"), "line\nnext\ttab");
    }

    #[test]
    fn clamp_keeps_spans_on_char_boundaries() {
        let f = SourceFile::new("a.toml", "é");
        assert_eq!(f.clamp(Span::new(1, 5)), Span::new(0, 2));
    }
}
