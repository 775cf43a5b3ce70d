//! Parsers of small things: quantities, durations, cron lines, names, image references, time
//! zones, percentages, CIDR blocks, secret-looking literals, "did you mean" suggestions, and the
//! one-pass filling of catalog templates.
//!
//! Each returns a span-less `Result<_, String>` whose message names the value and says what was
//! expected; the caller attaches the span.

pub mod cidr;
pub mod cron;
pub mod duration;
pub mod image;
pub mod limits;
pub mod names;
pub mod percent;
pub mod quantity;
pub mod secret;
pub mod suggest;
pub mod template;
pub mod timezone;

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile text: every parser must answer, never panic.
    fn nasty() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            " ",
            "\t",
            "\n",
            "\r\n",
            "\u{0}",
            "\u{7f}",
            "\u{feff}",
            "\u{200b}",
            "\u{202e}",
            "é",
            "e\u{301}",
            "日本語",
            "🦀",
            "👩‍👩‍👧",
            "İ",
            "ß",
            "ǅ",
            "١٢٣",
            "１２３",
            "-",
            "+",
            ".",
            "..",
            "/",
            "//",
            ":",
            "::",
            "@",
            "@@",
            "*",
            "?",
            "%",
            "%%",
            ",",
            ",,",
            "-1",
            "+1",
            "0",
            "00",
            "-0",
            "1e",
            "1e-",
            "e",
            "E",
            "Ei",
            "1Ei",
            "-9Ei",
            "1e999999999",
            "1e-999999999",
            "9999999999999999999999999999999999999999",
            "-9223372036854775809",
            "18446744073709551616",
            "0x1F",
            "NaN",
            "inf",
            "-inf",
            "1.",
            ".1",
            "1..2",
            "1/0",
            "*/0",
            "0/0",
            "a-",
            "-a",
            "a--b",
            "__",
            "_-_",
            "a b",
            "@every",
            "@",
            "TZ=",
            "CRON_TZ=UTC * * * * *",
            "* * * * * * * * * *",
            "sha256:",
            "x@sha256:",
            "x:",
            ":x",
            "[",
            "]",
            "[::1]",
            "[::1]:",
            "localhost:",
            "hf_",
            "sk-",
            "eyJ",
            "eyJ..",
            "-----BEGIN",
            "://",
            "a://b:c@",
            "$(",
            "$()",
            "\\",
            "\"",
            "'",
            "`",
            "{}",
            "[]",
            "null",
            "true",
            "%s%n",
            "${x}",
            "../../etc/passwd",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for unit in ["a", "1", "-", ".", "é", "9", "/", "Z"] {
            v.push(unit.repeat(300));
            v.push(unit.repeat(70_000));
        }
        v.push(format!("1{}", "0".repeat(5000)));
        v.push(format!("0.{}1Ki", "0".repeat(200)));
        v
    }

    #[test]
    fn no_parser_panics_on_hostile_text() {
        for s in nasty() {
            let _ = quantity::Quantity::parse(&s).map(|q| (q.to_string(), q.milli_ceil()));
            let _ = duration::parse_duration(&s).map(duration::format_duration);
            let _ = cron::parse_cron(&s);
            let _ = names::dns1123_label(&s);
            let _ = names::dns1123_subdomain(&s);
            let _ = names::label_key(&s);
            let _ = names::label_value(&s);
            let _ = names::env_var_name(&s);
            let _ = names::port_name(&s);
            let _ = names::hostname(&s);
            let _ = names::suggest_label(&s);
            let _ = image::parse_image(&s).map(|r| r.is_latest());
            let _ = percent::parse_percent(&s);
            let _ = percent::parse_int_or_percent(&s);
            let _ = secret::looks_like_secret(&s, &s);
            let _ = secret::looks_like_secret("TOKEN", &s);
            let _ = suggest::suggest(&s, ["image", s.as_str(), ""]);
            let _ = cidr::parse_cidr(&s).map(|c| c.contains(c.addr));
        }
    }

    #[test]
    fn errors_read_as_span_less_messages() {
        for s in nasty() {
            let errors = [
                quantity::Quantity::parse(&s).err(),
                duration::parse_duration(&s).err(),
                cron::parse_cron(&s).err(),
                names::dns1123_subdomain(&s).err(),
                names::label_key(&s).err(),
                names::hostname(&s).err(),
                image::parse_image(&s).err(),
                percent::parse_int_or_percent(&s).err(),
                cidr::parse_cidr(&s).err(),
            ];
            for e in errors.into_iter().flatten() {
                assert!(!e.is_empty() && !e.ends_with('.'), "{s:?}: {e}");
                assert!(!e.starts_with(|c: char| c.is_uppercase()), "{s:?}: {e}");
            }
        }
    }
}
