//! Every string the bundle would carry, checked for what must never reach a cluster: a literal
//! that looks like a credential — in an environment variable (E0126) or anywhere else: args,
//! command, annotations, labels, mounted files, a URL with a password in it (E0012) — and a NUL
//! character, which no program argument or variable can hold (E0011).
//!
//! One walk over the objects' JSON, so what other keys add to the objects later (sidecars,
//! volumes, patches) is covered without more code. Each finding points at the spec value it came
//! from: the spec string that holds the offending text, else the key `origin` maps the field to,
//! else the start of the file.

use serde_json::Value;

use super::origin;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::tree::{Node, Value as TomlValue};
use crate::values::secret::looks_like_secret;

/// The findings over `docs` (the objects' JSON), at spans of the spec tree `root`.
pub fn check<'a>(root: &Node, docs: impl IntoIterator<Item = &'a Value>) -> Diagnostics {
    let mut out = Diagnostics::default();
    for doc in docs {
        let mut walk = Walk {
            root,
            doc,
            out: &mut out,
        };
        walk.value(doc, &mut String::new(), None);
    }
    out
}

struct Walk<'a> {
    root: &'a Node,
    doc: &'a Value,
    out: &'a mut Diagnostics,
}

/// What a string is part of, for the checks that depend on it.
#[derive(Clone, Copy)]
enum Place<'v> {
    /// The `value` of an environment variable of this name.
    Env(&'v str),
    /// An item of a container's `command` or `args`; the item before it.
    Argv(Option<&'v str>),
}

impl Walk<'_> {
    fn value(&mut self, v: &Value, pointer: &mut String, place: Option<Place>) {
        match v {
            Value::String(s) => self.string(s, pointer, place),
            Value::Array(items) => {
                let argv = pointer.ends_with("/args") || pointer.ends_with("/command");
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    let place =
                        argv.then(|| Place::Argv(i.checked_sub(1).and_then(|p| items[p].as_str())));
                    self.value(item, pointer, place);
                    pointer.truncate(len);
                }
            }
            Value::Object(map) => {
                // `{name, value}` of an environment variable.
                let env = pointer
                    .contains("/env/")
                    .then(|| map.get("name").and_then(Value::as_str))
                    .flatten();
                for (k, item) in map {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    let place = match env {
                        Some(name) if k == "value" => Some(Place::Env(name)),
                        _ => None,
                    };
                    self.value(item, pointer, place);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, s: &str, pointer: &str, place: Option<Place>) {
        if matches!(place, Some(Place::Env(_) | Place::Argv(_))) && s.contains('\0') {
            let what = match place {
                Some(Place::Env(name)) => format!("the variable `{name}`"),
                _ => "a program argument".to_string(),
            };
            let (span, path) = self.locate(pointer, "\0");
            self.out.push(
                Diagnostic::new(
                    &codes::E0011,
                    format!("`{path}` holds a NUL character, which {what} cannot carry"),
                )
                .at(span, "a NUL character (`\\u0000`) in here")
                .help("remove the `\\u0000`: the container runtime passes arguments and variables as C strings, which end at the first NUL"),
            );
            return;
        }
        let found = match place {
            Some(Place::Env(name)) => looks_like_secret(name, s).map(|why| (s, why)),
            Some(Place::Argv(Some(flag))) if is_flag(flag) && !s.starts_with('-') => {
                looks_like_secret(flag, s).map(|why| (s, why))
            }
            _ => None,
        }
        .or_else(|| in_text(s));
        let Some((secret, why)) = found else {
            return;
        };
        let (span, path) = self.locate(pointer, secret);
        let d = match place {
            Some(Place::Env(name)) => Diagnostic::new(
                &codes::E0126,
                format!("`{path}` looks like a secret: {why}"),
            )
            .at(span, "literal value committed in the spec")
            .help(format!(
                "store it in a Secret and reference it: `secret_env = {{ {name} = \"secret-name/key\" }}`"
            )),
            _ => Diagnostic::new(
                &codes::E0012,
                format!("`{path}` puts what looks like a secret into the bundle: {why}"),
            )
            .at(span, "readable by anyone who reads the manifests")
            .help("store it in a Secret and pass it as a variable (`secret_env = { HF_TOKEN = \"secret-name/key\" }`); args can use it as `$(HF_TOKEN)`"),
        };
        self.out.push(d);
    }

    /// Where the spec wrote `text`: the spec string holding it (in the object's section, then
    /// `[app]`, then anywhere), else the key the field's pointer maps to, else the file start.
    fn locate(&self, pointer: &str, text: &str) -> (Span, String) {
        let section = origin::section(self.doc);
        let in_section = |prefix: &str| find_text(self.root, prefix, text);
        let found = section
            .as_deref()
            .and_then(in_section)
            .or_else(|| in_section("app"))
            .or_else(|| find_text(self.root, "", text));
        if let Some(found) = found {
            return found;
        }
        match origin::trace(self.root, self.doc, pointer) {
            Some(t) => (t.span, t.path),
            None => (
                Span::file_start(),
                section.unwrap_or_else(|| "app".to_string()),
            ),
        }
    }
}

/// `--hf-token`, `-t`: a command-line flag, which may be followed by its value.
fn is_flag(s: &str) -> bool {
    s.starts_with('-') && s.len() > 1 && !s.contains(['=', ' '])
}

/// A credential inside free text: a token of the text that is one by its shape (an `hf_…` token,
/// a URL with a password), or the value of a `name=value` or `name: value` pair whose name says
/// it holds one (`--token=…`, `password: …` in a mounted file). The offending text and why.
fn in_text(text: &str) -> Option<(&str, &'static str)> {
    let separators =
        |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ',' | ';' | '<' | '>');
    for token in text.split(separators).filter(|t| !t.is_empty()) {
        if let Some(why) = looks_like_secret("", token) {
            return Some((token, why));
        }
        if let Some((name, value)) = token.split_once('=')
            && !value.is_empty()
            && let Some(why) = looks_like_secret(name, value)
        {
            return Some((value, why));
        }
    }
    for line in text.lines() {
        let Some((name, value)) = line.split_once(": ") else {
            continue;
        };
        let name = name.trim().trim_matches(['"', '\'']);
        let value = value.trim().trim_matches(['"', '\'']);
        let single = !name.is_empty() && !name.contains(char::is_whitespace);
        if single
            && !value.is_empty()
            && let Some(why) = looks_like_secret(name, value)
        {
            return Some((value, why));
        }
    }
    None
}

/// The span and key path of the first string under `prefix` (a dotted key path, `""` for the
/// whole file) whose value contains `text`.
fn find_text(root: &Node, prefix: &str, text: &str) -> Option<(Span, String)> {
    let mut node = root;
    for key in prefix.split('.').filter(|k| !k.is_empty()) {
        let TomlValue::Table(t) = &node.value else {
            return None;
        };
        node = &t.get(key)?.node;
    }
    let mut path = prefix.to_string();
    search(node, &mut path, text)
}

fn search(node: &Node, path: &mut String, text: &str) -> Option<(Span, String)> {
    match &node.value {
        TomlValue::Str(s) if s.contains(text) => Some((node.span, path.clone())),
        TomlValue::Array(items) => items.iter().enumerate().find_map(|(i, n)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = search(n, path, text);
            path.truncate(len);
            found
        }),
        TomlValue::Table(t) => t.entries.iter().find_map(|(k, e)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            let found = search(&e.node, path, text);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_found_in_free_text() {
        let hf = "hf_abcdefghijklmnopqrstuvwxyz0123";
        for (text, secret) in [
            (format!("--hf-token={hf}"), hf),
            (format!("--token={hf}"), hf),
            ("--password=hunter2".to_string(), "hunter2"),
            (format!("curl -H 'Authorization: Bearer {hf}'"), hf),
            (
                "nginx.example/auth-url: https://u:s3cret@auth.example.com/check".to_string(),
                "https://u:s3cret@auth.example.com/check",
            ),
            ("db:\n  password: hunter2\n".to_string(), "hunter2"),
            (format!("HF_TOKEN={hf}\n"), hf),
        ] {
            assert_eq!(in_text(&text).map(|(s, _)| s), Some(secret), "{text}");
        }
        for text in [
            "--disable-token-auth",
            "--max-tokens=4096",
            "--api-key=$(OPENAI_API_KEY)",
            "secretName: my-secret",
            "tokenizer: bert-base-uncased",
            "CKV_K8S_8=the model loads for ten minutes",
            "https://example.com/a@b",
            "--password-file=/run/secrets/pw",
        ] {
            assert_eq!(in_text(text), None, "{text}");
        }
    }

    #[test]
    fn flags_take_their_value_from_the_next_item() {
        assert!(is_flag("--hf-token") && is_flag("-t"));
        assert!(!is_flag("-") && !is_flag("--a=b") && !is_flag("value"));
    }
}
