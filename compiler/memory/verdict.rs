//! What one server's account means for its user: the weights do not fit (E0220, with what would:
//! more GPUs with tensor parallelism, a larger accelerator, a quantization), the KV cache cannot
//! hold one sequence of the maximum context (E0221), or only a few (W0070).

use super::account::{self, Account, Setup};
use super::knobs::Set;
use super::model::Found;
use super::report::{count, parameters, size};
use super::{Verdict, at};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::stdlib::memory::RuntimeMemory;
use crate::stdlib::{Accelerator, Catalog, Runtime};

/// Everything a verdict needs to explain itself.
pub(super) struct Context<'a> {
    pub path: &'a str,
    pub catalog: &'a Catalog,
    pub runtime_name: &'a str,
    pub runtime: &'a Runtime,
    pub rules: &'a RuntimeMemory,
    pub model: &'a Found,
    pub accelerator_name: &'a str,
    pub accelerator: &'a Accelerator,
    pub accel_span: Span,
    pub gpus_span: Option<Span>,
    pub fraction_set: Option<&'a Set>,
    pub ctx_set: Option<&'a Set>,
    pub setup: &'a Setup,
    pub account: &'a Account,
    pub devices: u64,
    pub large: bool,
}

/// Whether a setup holds at least one sequence of its maximum context.
fn holds_one(c: &Context, s: &Setup) -> bool {
    let a = account::account(&c.model.entry, s);
    a.weights <= a.budget && a.kv_cache >= a.kv_per_sequence
}

/// How the spec asks for tensor parallelism: the runtime's first flag (`--tensor-parallel-size
/// 2`) or variable (`NUM_SHARD=2`).
fn tp_setting(c: &Context, n: u64) -> String {
    let tp = c.runtime.tensor_parallel.as_ref();
    match (
        tp.and_then(|t| t.flags.first()),
        tp.and_then(|t| t.env.as_ref()),
    ) {
        (Some(flag), _) => format!("`{flag} {n}`"),
        (None, Some(var)) => format!("`{var} = \"{n}\"`"),
        (None, None) => "tensor parallelism".into(),
    }
}

/// What would fit where this does not: more GPUs of the same kind with tensor parallelism (on one
/// node), a catalog accelerator with more memory, the runtime's 8-bit quantization.
fn alternatives(c: &Context) -> Vec<String> {
    let mut out = Vec::new();
    let entry = &c.model.entry;
    let per_core = c
        .accelerator
        .device_bytes(None)
        .map(|b| b / f64::from(c.accelerator.cores()));
    let mig = c.setup.device_bytes < per_core.unwrap_or(c.setup.device_bytes) - 1.0;
    if c.runtime.tensor_parallel.is_some() && !mig {
        // A GPU pod asks for any count up to a node's; a TPU pod for a topology's chips.
        let counts: Vec<(u64, Option<&String>)> = if c.accelerator.is_tpu() {
            let mut t: Vec<(u64, Option<&String>)> = c
                .accelerator
                .single_host_topologies()
                .into_iter()
                .filter_map(|t| {
                    let chips = crate::stdlib::topology_chips(t)?;
                    Some((u64::try_from(chips).ok()?, Some(t)))
                })
                .collect();
            t.sort_by_key(|(n, _)| *n);
            t
        } else {
            // Whole devices, each of `cores` ranks.
            let cores = u64::from(c.accelerator.cores());
            (1..=u64::from(c.accelerator.max_per_node))
                .map(|n| (n * cores, None))
                .collect()
        };
        let more = counts
            .into_iter()
            .filter(|(n, _)| *n > c.setup.tensor)
            .filter(|(n, _)| entry.splits_over(*n))
            .find(|(n, _)| {
                let s = Setup {
                    tensor: *n,
                    ..c.setup.clone()
                };
                holds_one(c, &s)
            });
        match more {
            Some((n, Some(topology))) => out.push(format!(
                "use a {topology} slice of {n} chips (`accelerator = {{ type = \"{}\", topology = \"{topology}\" }}`, {})",
                c.accelerator_name,
                tp_setting(c, n)
            )),
            Some((n, None)) => {
                let d = n / u64::from(c.accelerator.cores());
                out.push(format!(
                    "use {d} × `{}` per pod (`gpus = {d}`, {})",
                    c.accelerator_name,
                    tp_setting(c, n)
                ));
            }
            None => {}
        }
    }
    let mut larger: Vec<(&String, f64)> = c
        .catalog
        .accelerators
        .iter()
        .filter(|(name, a)| {
            // The same kind of device (the runtime's build targets it): a larger GPU of the vendor.
            name.as_str() != c.accelerator_name
                && a.resource == c.accelerator.resource
                && !a.is_tpu()
        })
        .filter_map(|(name, a)| Some((name, a.device_bytes(None)? / f64::from(a.cores()))))
        .filter(|(_, b)| *b > c.setup.device_bytes)
        .collect();
    larger.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    if let Some((name, _)) = larger.into_iter().find(|(name, b)| {
        let large = c.rules.large_device.as_ref().is_some_and(|l| {
            crate::stdlib::memory::bytes(&l.memory).is_some_and(|m| *b >= m)
                && !l.except.iter().any(|e| e == *name)
        });
        let pick = |k: Option<&crate::stdlib::memory::Knob>, now: u64| {
            if large == c.large {
                now
            } else {
                k.and_then(|k| k.default_number(large, c.setup.tensor))
                    .map_or(now, |v| v as u64)
            }
        };
        let s = Setup {
            device_bytes: *b,
            max_sequences: pick(c.rules.max_sequences.as_ref(), c.setup.max_sequences),
            batched_tokens: pick(c.rules.batched_tokens.as_ref(), c.setup.batched_tokens),
            ..c.setup.clone()
        };
        holds_one(c, &s)
    }) {
        out.push(format!("use `{name}` instead"));
    }
    let eight = c
        .rules
        .quantizations
        .iter()
        .filter(|(_, bits)| (**bits - 8.0).abs() < f64::EPSILON)
        .map(|(name, bits)| (name.clone(), *bits))
        .find(|(name, _)| name == "fp8" || name == "eetq");
    if let (Some(q), Some(flag)) = (eight, c.rules.quantization.flags.first())
        && c.setup.quantization.as_ref().is_none_or(|(_, b)| *b > 8.0)
        && c.model.entry.quantization.is_none()
        && !c.accelerator.is_tpu()
    {
        let s = Setup {
            quantization: Some(q.clone()),
            ..c.setup.clone()
        };
        if holds_one(c, &s) {
            out.push(format!("quantize the weights to 8 bits (`{flag} {}`)", q.0));
        }
    }
    out
}

impl Context<'_> {
    /// What one device is called in messages.
    fn unit(&self) -> &'static str {
        super::device_word(self.accelerator)
    }

    /// The kind of memory more of which would help: "GPU", "TPU" or "device".
    fn unit_name(&self) -> &'static str {
        match self.unit() {
            "chip" => "TPU",
            "core" => "device",
            _ => "GPU",
        }
    }

    /// `nvidia-h100-80gb`, `2 × nvidia-l4`, or `4 cores of 2 × aws-inferentia2`.
    fn gpus(&self) -> String {
        let cores = u64::from(self.accelerator.cores());
        let devices = self.devices / cores;
        let whole = if devices == 1 {
            format!("`{}`", self.accelerator_name)
        } else {
            format!("{devices} × `{}`", self.accelerator_name)
        };
        if cores > 1 {
            format!("{} cores of {whole}", self.devices)
        } else {
            whole
        }
    }
}

/// Report what the account means, and return the verdict.
pub(super) fn judge(d: &mut Diagnostics, c: &Context) -> Verdict {
    let a = c.account;
    let path = c.path;
    let model = &c.model.name;
    let per_gpu = if c.devices > 1 {
        format!(" per {}", c.unit())
    } else {
        String::new()
    };
    let fraction = format!("{:.2}", c.setup.fraction);
    if a.weights > a.budget {
        let options = alternatives(c);
        let help = if options.is_empty() {
            "no accelerator of the catalog holds it on one node: serve a smaller or quantized model, or split it over several nodes".to_string()
        } else {
            format!("to fit: {}", join_or(&options))
        };
        let mut diag = Diagnostic::new(
            &codes::E0220,
            format!(
                "the weights of {model} take {}{per_gpu} on {}, more than the {} that {} may use of {} ({fraction} of it)",
                size(a.weights),
                c.gpus(),
                size(a.budget),
                c.runtime_name,
                size(c.setup.device_bytes),
            ),
        )
        .at(
            c.gpus_span.unwrap_or(c.accel_span),
            format!("the pod's {}s", c.unit()),
        )
        .also(c.model.span, format!("{} parameters", parameters(c.model.entry.total_parameters())));
        if c.gpus_span.is_some() {
            diag = diag.also(c.accel_span, "this accelerator");
        }
        d.push(diag.help(help));
        return Verdict::WeightsTooLarge;
    }
    let ctx = c.setup.max_context;
    let ctx_span = at(c.ctx_set, c.model.span);
    let ctx_label = if c.ctx_set.is_some() {
        "the maximum context".to_string()
    } else {
        format!(
            "the model's {}-token context, by default",
            count(ctx as f64)
        )
    };
    let ctx_flag = c
        .ctx_set
        .map(|s| s.name.clone())
        .or_else(|| c.rules.max_context.flags.first().cloned())
        .or_else(|| c.rules.max_context.env.clone())
        .unwrap_or_else(|| "the context".into());
    let starts_anyway = c.rules.starts_with_short_cache && a.kv_cache > 0.0;
    if a.kv_cache < a.kv_per_sequence && !starts_anyway {
        let fit = account::longest_context(&c.model.entry, c.setup, a);
        let left = if a.kv_cache > 0.0 {
            format!(
                "its KV cache gets {}{per_gpu}, less than the {} one {}-token sequence needs",
                size(a.kv_cache),
                size(a.kv_per_sequence),
                count(ctx as f64)
            )
        } else {
            format!(
                "nothing is left for its KV cache: of the {} {} may use{per_gpu}, the weights take {} and activations and overhead {}",
                size(a.budget),
                c.runtime_name,
                size(a.weights),
                size(a.activations + a.overhead)
            )
        };
        let mut options = Vec::new();
        if fit > 0 {
            options.push(format!("lower `{ctx_flag}` to {fit} or less"));
        }
        if let Some(flag) = c
            .fraction_set
            .map(|s| s.name.clone())
            .or_else(|| c.rules.fraction.flags.first().cloned())
            && c.setup.fraction < 0.95
        {
            options.push(format!("raise `{flag}`"));
        }
        if let Some((name, _)) = c
            .rules
            .kv_dtypes
            .iter()
            .find(|(_, b)| (**b - 1.0).abs() < f64::EPSILON)
            && c.setup.kv_bytes > 1.0
            && let Some(flag) = c.rules.kv_dtype.flags.first()
        {
            options.push(format!("keep the KV cache in 8 bits (`{flag} {name}`)"));
        }
        options.extend(alternatives(c));
        let mut diag = Diagnostic::new(
            &codes::E0221,
            format!("`{path}` cannot hold one sequence of its {}-token context with {model} on {}: {left}", count(ctx as f64), c.gpus()),
        )
        .at(ctx_span, ctx_label);
        if let Some(f) = c.fraction_set.and_then(|s| s.span) {
            diag = diag.also(
                f,
                format!("the share of each {} the server takes", c.unit()),
            );
        }
        if c.ctx_set.is_some() {
            diag = diag.also(c.model.span, "the model");
        }
        d.push(diag.help(format!("to fit one: {}", join_or(&options))));
        return Verdict::KvCacheTooSmall;
    }
    if a.kv_cache < a.kv_per_sequence {
        let fit = account::longest_context(&c.model.entry, c.setup, a);
        d.push(
            Diagnostic::new(
                &codes::W0070,
                format!(
                    "`{path}` holds {} tokens of KV cache{per_gpu}, less than one sequence of its {}-token context: {} starts, but refuses every request longer than that",
                    count(a.tokens.floor()),
                    count(ctx as f64),
                    c.runtime_name
                ),
            )
            .at(ctx_span, ctx_label)
            .help(format!(
                "lower `{ctx_flag}` to {fit} or less to say so, or give the server more {} memory; `mlspec memory` shows the whole account",
                c.unit_name()
            )),
        );
        return Verdict::FewSequences;
    }
    let few = f64::from(c.catalog.defaults.memory.few_sequences);
    if a.sequences < few {
        let fit_ctx = (a.kv_cache / few / a.kv_per_token.max(1.0)).floor();
        d.push(
            Diagnostic::new(
                &codes::W0070,
                format!(
                    "`{path}` holds {:.1} sequences of its {}-token context at once ({} tokens of KV cache{per_gpu}): a few long requests fill it",
                    a.sequences,
                    count(ctx as f64),
                    count(a.tokens.floor())
                ),
            )
            .at(ctx_span, ctx_label)
            .help(format!(
                "for {few} at once, lower `{ctx_flag}` to about {} or give the server more {} memory; `mlspec memory` shows the whole account",
                fit_ctx as u64,
                c.unit_name()
            )),
        );
        return Verdict::FewSequences;
    }
    Verdict::Fits
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
