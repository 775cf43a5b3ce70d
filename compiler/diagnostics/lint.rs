//! Lint levels, like clippy's: every warning code can be allowed, warned (the default) or denied,
//! by `[lint]` in the spec or by `--allow`/`--warn`/`--deny` on the command line, and `warnings`
//! stands for all of them. The command line wins over the spec; within one source a named code
//! wins over `warnings`. A denied warning becomes an error that names where it was denied.

use std::collections::BTreeMap;

use super::codes::{ALL, Code, Severity};
use super::{Diagnostic, Diagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub const NAMES: [&'static str; 3] = ["allow", "warn", "deny"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// What a `[lint]` key or a `--deny` argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// Every warning.
    Warnings,
    Code(&'static str),
}

impl Target {
    /// `warnings`, a warning code (`W0002`, any case) or its name (`image-without-digest`).
    pub fn parse(s: &str) -> Option<Target> {
        if s == "warnings" {
            return Some(Target::Warnings);
        }
        warnings()
            .find(|c| c.id.eq_ignore_ascii_case(s) || c.name == s)
            .map(|c| Target::Code(c.id))
    }

    /// Every name `parse` accepts, for suggestions and usage errors.
    pub fn names() -> impl Iterator<Item = &'static str> {
        std::iter::once("warnings").chain(warnings().flat_map(|c| [c.id, c.name]))
    }
}

fn warnings() -> impl Iterator<Item = &'static Code> {
    ALL.iter()
        .copied()
        .filter(|c| c.severity == Severity::Warning)
}

/// Levels from one source, with how to name that source in a message.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    levels: BTreeMap<Target, (Level, String)>,
}

impl Levels {
    /// Set a level; `origin` says where, e.g. "`--deny warnings`" or "`[lint]` in app.toml".
    pub fn set(&mut self, target: Target, level: Level, origin: impl Into<String>) {
        self.levels.insert(target, (level, origin.into()));
    }

    fn get(&self, code: &'static str) -> Option<&(Level, String)> {
        self.levels
            .get(&Target::Code(code))
            .or_else(|| self.levels.get(&Target::Warnings))
    }
}

/// Apply the spec's levels, then the command line's, to every warning.
pub fn apply(diags: Diagnostics, spec: &Levels, cli: &Levels) -> Diagnostics {
    let mut out = Diagnostics::default();
    for mut d in diags {
        if d.code.severity == Severity::Warning {
            match cli.get(d.code.id).or_else(|| spec.get(d.code.id)) {
                Some((Level::Allow, _)) => continue,
                Some((Level::Deny, origin)) => deny(&mut d, origin),
                Some((Level::Warn, _)) | None => {}
            }
        }
        out.push(d);
    }
    out
}

fn deny(d: &mut Diagnostic, origin: &str) {
    d.denied = true;
    let note = format!("`{}` ({}) is denied by {origin}", d.code.id, d.code.name);
    d.help = Some(match d.help.take() {
        Some(h) => format!("{h}\n{note}"),
        None => note,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    fn two() -> Diagnostics {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::new(&codes::W0002, "tag only"));
        d.push(Diagnostic::new(&codes::W0004, "one replica"));
        d.push(Diagnostic::new(&codes::E0101, "bad name"));
        d
    }

    #[test]
    fn targets_are_codes_names_or_warnings() {
        assert_eq!(Target::parse("w0002"), Some(Target::Code("W0002")));
        assert_eq!(
            Target::parse("image-without-digest"),
            Some(Target::Code("W0002"))
        );
        assert_eq!(Target::parse("warnings"), Some(Target::Warnings));
        assert_eq!(Target::parse("E0101"), None, "errors have no level");
        assert_eq!(Target::parse("digest"), None);
    }

    #[test]
    fn the_command_line_wins_and_a_named_code_beats_warnings() {
        let mut spec = Levels::default();
        spec.set(Target::Warnings, Level::Deny, "`[lint]`");
        spec.set(Target::Code("W0004"), Level::Allow, "`[lint]`");
        let out = apply(two(), &spec, &Levels::default());
        let ids: Vec<_> = out.iter().map(|d| (d.code.id, d.is_error())).collect();
        assert_eq!(ids, [("W0002", true), ("E0101", true)]);
        assert!(
            out.iter()
                .next()
                .unwrap()
                .help
                .as_deref()
                .unwrap()
                .contains("denied by `[lint]`")
        );

        let mut cli = Levels::default();
        cli.set(Target::Code("W0002"), Level::Warn, "`--warn W0002`");
        let out = apply(two(), &spec, &cli);
        let ids: Vec<_> = out.iter().map(|d| (d.code.id, d.is_error())).collect();
        assert_eq!(ids, [("W0002", false), ("E0101", true)]);
    }

    #[test]
    fn errors_cannot_be_allowed() {
        let mut cli = Levels::default();
        cli.set(Target::Warnings, Level::Allow, "`--allow warnings`");
        let out = apply(two(), &Levels::default(), &cli);
        assert_eq!(out.len(), 1);
        assert_eq!(out.iter().next().unwrap().code.id, "E0101");
    }
}
