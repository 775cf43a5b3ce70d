//! A server's memory knobs, read from its command line and environment the way the runtime
//! reads them: a flag followed by its value or joined to it by `=`, the last one winning (as
//! argparse and clap do), else an environment variable, else the runtime's default. vLLM also
//! takes `--max_model_len` for `--max-model-len`.
//!
//! The values come from the resolved container (what the server will really run); the spans from
//! the spec's own `args` and `env`, so a diagnostic points at what the user wrote.

use std::collections::BTreeMap;

use crate::source::Span;
use crate::spec::Container;
use crate::spec::read::Sp;
use crate::stdlib::memory::Knob;

/// A value a knob was set to, and where the spec wrote it (`None`: the runtime's own flags).
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub value: String,
    pub span: Option<Span>,
    /// How the user wrote it (`--max-model-len` or `NUM_SHARD`), for messages.
    pub name: String,
}

/// Whether `arg` is `flag` (or, with `underscores`, `flag` with `_` for `-`).
fn is_flag(arg: &str, flag: &str, underscores: bool) -> bool {
    arg == flag || (underscores && arg.starts_with("--") && arg.replace('_', "-") == flag)
}

/// The last value `args` give any of `flags`, and the index of the arg that holds it.
pub fn flag_value(
    args: &[String],
    flags: &[String],
    underscores: bool,
) -> Option<(String, usize, String)> {
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        for flag in flags {
            if is_flag(a, flag, underscores) {
                if let Some(v) = args.get(i + 1) {
                    found = Some((v.clone(), i + 1, flag.clone()));
                }
            } else if let Some((name, v)) = a.split_once('=')
                && is_flag(name, flag, underscores)
            {
                found = Some((v.to_string(), i, flag.clone()));
            }
        }
    }
    found
}

/// Whether a switch `knob` is on: one of its flags given alone (or `=true`), the last one
/// winning, else its variable set to a true value (`true`, `1`, `yes`, `on`), as clap reads a
/// boolean flag and its environment variable.
pub fn switch(knob: &Knob, args: &[String], env: &BTreeMap<String, String>) -> bool {
    let truthy = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on");
    let mut on = None;
    for a in args {
        for flag in &knob.flags {
            if a == flag {
                on = Some(true);
            } else if let Some((name, v)) = a.split_once('=')
                && name == flag
            {
                on = Some(truthy(v));
            }
        }
    }
    on.unwrap_or_else(|| {
        knob.env
            .as_ref()
            .and_then(|var| env.get(var))
            .is_some_and(|v| truthy(v))
    })
}

/// What the server's `args` and `env` set `knob` to; `spec` gives the spans.
pub fn read(
    knob: &Knob,
    args: &[String],
    env: &BTreeMap<String, String>,
    spec: &Container,
    underscores: bool,
) -> Option<Set> {
    if let Some((value, _, flag)) = flag_value(args, &knob.flags, underscores) {
        let spec_args: Vec<String> = spec.args.iter().flatten().map(|a| a.v.clone()).collect();
        let span = flag_value(&spec_args, &knob.flags, underscores)
            .filter(|(v, _, _)| *v == value)
            .and_then(|(_, i, _)| spec.args.as_ref()?.get(i))
            .map(|a: &Sp<String>| a.span);
        return Some(Set {
            value,
            span,
            name: flag,
        });
    }
    let var = knob.env.as_ref()?;
    let value = env.get(var)?.clone();
    let span = spec
        .env
        .iter()
        .find(|(k, _)| k.v == *var)
        .map(|(_, v)| v.span);
    Some(Set {
        value,
        span,
        name: var.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_switch_is_a_flag_alone_or_a_true_variable() {
        let knob = Knob {
            flags: args(&["--enable-prefill-logprobs"]),
            env: Some("ENABLE_PREFILL_LOGPROBS".into()),
            ..Knob::default()
        };
        let env = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(switch(
            &knob,
            &args(&["--enable-prefill-logprobs"]),
            &env(&[])
        ));
        assert!(switch(
            &knob,
            &args(&["--port", "80"]),
            &env(&[("ENABLE_PREFILL_LOGPROBS", "TRUE")])
        ));
        assert!(!switch(
            &knob,
            &args(&["--enable-prefill-logprobs=false"]),
            &env(&[("ENABLE_PREFILL_LOGPROBS", "1")])
        ));
        assert!(!switch(
            &knob,
            &args(&[]),
            &env(&[("ENABLE_PREFILL_LOGPROBS", "0")])
        ));
        assert!(!switch(
            &knob,
            &args(&["--enable-prefill-logprobs-x"]),
            &env(&[])
        ));
    }

    #[test]
    fn the_last_flag_wins_in_either_spelling() {
        let flags = args(&["--max-model-len"]);
        let a = args(&["--max-model-len", "4096", "--max-model-len=8192"]);
        assert_eq!(
            flag_value(&a, &flags, false).map(|f| f.0),
            Some("8192".into())
        );
        let a = args(&["--max_model_len", "2048"]);
        assert_eq!(
            flag_value(&a, &flags, true).map(|f| f.0),
            Some("2048".into())
        );
        assert_eq!(
            flag_value(&a, &flags, false),
            None,
            "only vLLM reads underscores"
        );
        let a = args(&["--max-model-len"]);
        assert_eq!(
            flag_value(&a, &flags, false),
            None,
            "a flag without its value"
        );
    }
}
