//! How a serving runtime spends accelerator memory (`[NAME.memory]` in stdlib/runtimes.toml):
//! which flags and variables set its memory knobs, their defaults, and the overheads it holds
//! besides the weights and the KV cache. `crate::memory` reads a server's args and env with
//! these and accounts for one pod's devices the way the runtime does.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::check::Problem;
use super::{Accelerator, Runtime};
use crate::values::quantity::Quantity;

/// The accountings mlspec knows, by the runtime whose startup they follow.
pub const RULES: &[&str] = &["vllm", "sglang", "tgi"];

/// `[NAME.memory]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeMemory {
    /// Whose accounting the server follows: one of `RULES`.
    pub rules: String,
    /// The share of each device's memory the server takes.
    pub fraction: Knob,
    /// The longest sequence the server accepts; the model's by default (at most `cap`).
    pub max_context: Knob,
    /// What the KV cache is stored as.
    pub kv_dtype: Knob,
    /// What the weights are computed in.
    pub dtype: Knob,
    /// Weights quantized when loaded (or as the checkpoint is).
    pub quantization: Knob,
    pub pipeline_parallel: Option<Knob>,
    /// Sequences one step may batch (the profiled sampler run's rows).
    pub max_sequences: Option<Knob>,
    /// Tokens one step may batch (the profiled forward pass).
    pub batched_tokens: Option<Knob>,
    /// With no tensor-parallel setting the server shards over every device of the pod (TGI).
    #[serde(default)]
    pub shards_by_default: bool,
    /// Devices that get the knobs' `large` defaults.
    pub large_device: Option<LargeDevice>,
    /// Held on every device besides weights, KV cache and activations: the CUDA context, cuBLAS
    /// workspaces, allocations outside the framework.
    pub overhead: String,
    /// Held on every device in addition when the model is split over several: NCCL and
    /// all-reduce buffers.
    pub parallel_overhead: String,
    /// `parallel_overhead` on devices joined by PCIe only (the accelerator's `pcie_only`), when
    /// the runtime holds a different amount there; `parallel_overhead` when not given.
    pub pcie_parallel_overhead: Option<String>,
    /// Activations of one batched token: values kept per unit of the MLP's width (gate, up,
    /// activation) and per unit of the hidden size (residual, attention projections).
    #[serde(default)]
    pub mlp_activations: f64,
    #[serde(default)]
    pub hidden_activations: f64,
    /// Bytes per sequence and vocabulary entry of the profiled sampler run (logits in float32,
    /// sorted copies and indices for top-k/top-p).
    #[serde(default)]
    pub sampler_bytes: f64,
    /// The share of what is left that becomes KV cache (TGI 1.4.1–2.4's wiggle room); 1 by
    /// default.
    pub kv_share: Option<f64>,
    /// The share of `fraction` × the device the server budgets for at all (TGI 3's
    /// TGI_WIGGLE_ROOM, which scales the memory fraction instead of what is left); 1 by default.
    pub budget_share: Option<f64>,
    /// Logits of every profiled token are kept, not only of the sequences sampled (TGI's warmup
    /// prefill asks for the prompt's log-probabilities): the sampler's rows are the batched
    /// tokens.
    #[serde(default)]
    pub prefill_logits: bool,
    /// A switch that turns `prefill_logits` on (TGI 3's `--enable-prefill-logprobs`): a flag
    /// given alone, or its variable set true.
    pub prefill_logits_switch: Option<Knob>,
    /// `--quantization` values → bits per weight of the linear layers (scales included).
    #[serde(default)]
    pub quantizations: BTreeMap<String, f64>,
    /// `--kv-cache-dtype` values → bytes per value; 0 is "the model's dtype".
    #[serde(default)]
    pub kv_dtypes: BTreeMap<String, f64>,
    /// `--dtype` values → bytes per value; 0 is "the model's dtype".
    #[serde(default)]
    pub dtypes: BTreeMap<String, f64>,
    /// Sliding-window layers keep only their window in the KV cache (vLLM's hybrid allocator).
    #[serde(default)]
    pub windowed: bool,
    /// Multimodal models get this share of `fraction` (SGLang keeps room for the vision tower).
    pub multimodal_fraction: Option<f64>,
    /// The server starts with a KV cache shorter than its maximum context and refuses only the
    /// longer requests (SGLang caps a request at the pool's size), where others refuse to start:
    /// such a cache is a warning (W0070), not an error (E0221).
    #[serde(default)]
    pub starts_with_short_cache: bool,
    /// Older releases that account differently, by the version of the server's image: the first
    /// entry whose `version` is above the image's replaces these fields.
    #[serde(default)]
    pub before: Vec<Older>,
}

/// How a release older than `version` differs (`[[NAME.memory.before]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Older {
    pub version: String,
    pub max_sequences: Option<Knob>,
    pub batched_tokens: Option<Knob>,
    pub sampler_bytes: Option<f64>,
    pub windowed: Option<bool>,
    pub overhead: Option<String>,
    pub parallel_overhead: Option<String>,
    pub kv_share: Option<f64>,
    pub budget_share: Option<f64>,
    pub prefill_logits: Option<bool>,
}

impl RuntimeMemory {
    /// These rules as a release of `version` (`[0, 6, 3]`) applies them; the newest's without one.
    pub fn for_version(&self, version: Option<&[u64]>) -> RuntimeMemory {
        let mut out = self.clone();
        let Some(v) = version else {
            return out;
        };
        if let Some(old) = self
            .before
            .iter()
            .find(|o| parse_version(&o.version).is_some_and(|b| v < b.as_slice()))
        {
            if let Some(k) = &old.max_sequences {
                out.max_sequences = Some(k.clone());
            }
            if let Some(k) = &old.batched_tokens {
                out.batched_tokens = Some(k.clone());
            }
            if let Some(b) = old.sampler_bytes {
                out.sampler_bytes = b;
            }
            if let Some(w) = old.windowed {
                out.windowed = w;
            }
            if let Some(o) = &old.overhead {
                out.overhead.clone_from(o);
            }
            if let Some(o) = &old.parallel_overhead {
                out.parallel_overhead.clone_from(o);
            }
            if let Some(k) = old.kv_share {
                out.kv_share = Some(k);
            }
            if let Some(b) = old.budget_share {
                out.budget_share = Some(b);
            }
            if let Some(p) = old.prefill_logits {
                out.prefill_logits = p;
            }
        }
        out
    }
}

/// `0.6.3` → `[0, 6, 3]`.
pub fn parse_version(s: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = s.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// The release an image tag names for runtime `runtime`: `vllm/vllm-openai:v0.6.3` → 0.6.3,
/// `rocm/vllm:rocm6.3.1_vllm_0.8.5_20250521` → 0.8.5, `…:2.4.0` → 2.4.0; `None` for `latest`,
/// a digest alone, or a tag without a version.
pub fn image_version(image: &str, runtime: &str) -> Option<Vec<u64>> {
    let name = image.split('@').next().unwrap_or(image);
    let tag = name
        .rsplit_once(':')
        .map(|(_, t)| t)
        .filter(|t| !t.contains('/'))?;
    let tag = [format!("{runtime}_"), format!("{runtime}-")]
        .iter()
        .find_map(|m| tag.split_once(m.as_str()).map(|(_, rest)| rest))
        .unwrap_or(tag);
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let digits: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let digits = digits.trim_end_matches('.');
    if digits.split('.').count() < 2 {
        return None;
    }
    parse_version(digits)
}

/// Where a runtime reads one setting from, and what it assumes without one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knob {
    /// Flags, each followed by its value or joined to it by `=`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// An environment variable read when no flag is given.
    pub env: Option<String>,
    /// The value without either.
    pub default: Option<toml::Value>,
    /// The default on a `large_device`.
    pub large: Option<toml::Value>,
    /// The default by tensor-parallel degree: `{ "1" = 0.88, "8" = 0.81 }` (the entry of the
    /// largest degree not above the server's).
    #[serde(default)]
    pub by_tensor_parallel: BTreeMap<String, f64>,
    /// The most the default may be (TGI's default context is the model's, at most 4096).
    pub cap: Option<u64>,
    /// The default is the whole maximum context when that is at most this many tokens (vLLM's
    /// V0 engine profiled one prefill of it; longer contexts were chunked).
    pub whole_context_up_to: Option<u64>,
}

/// Devices with at least `memory` that are not one of `except` get the `large` defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LargeDevice {
    pub memory: String,
    #[serde(default)]
    pub except: Vec<String>,
}

impl Knob {
    /// The default as a number, for a device that is `large` or not, at tensor-parallel degree
    /// `tp`.
    pub fn default_number(&self, large: bool, tp: u64) -> Option<f64> {
        let by_tp = self
            .by_tensor_parallel
            .iter()
            .filter_map(|(k, v)| Some((k.parse::<u64>().ok()?, *v)))
            .filter(|(k, _)| *k <= tp)
            .max_by_key(|(k, _)| *k)
            .map(|(_, v)| v);
        let value = if large { self.large.as_ref() } else { None };
        by_tp.or_else(|| number(value.or(self.default.as_ref())?))
    }

    pub fn default_text(&self) -> Option<String> {
        match self.default.as_ref()? {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(i) => Some(i.to_string()),
            toml::Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Bytes a quantity of memory stands for (`80Gi`, `79.22Gi`); `None` when it does not parse.
pub fn bytes(q: &str) -> Option<f64> {
    let q = Quantity::parse(q).ok()?;
    (!q.is_negative()).then(|| q.nanos() as f64 / 1e9)
}

/// Problems with a runtime's `memory` table, at `NAME.memory.KEY`.
pub fn runtime_problems(name: &str, r: &Runtime) -> Vec<Problem> {
    let Some(m) = &r.memory else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut problem = |key: &str, message: String, help: &'static str| {
        let path = format!("{name}.memory.{key}");
        out.push(Problem {
            code: &crate::diagnostics::codes::E0010,
            message: format!("`{path}`: {message}"),
            path,
            help,
        });
    };
    if !RULES.contains(&m.rules.as_str()) {
        problem(
            "rules",
            format!("`{}` is not an accounting mlspec knows", m.rules),
            "use `vllm`, `sglang` or `tgi`: the runtime whose memory startup yours follows",
        );
    }
    let older = m.before.iter().flat_map(|o| {
        [
            ("before.overhead", o.overhead.as_ref()),
            ("before.parallel_overhead", o.parallel_overhead.as_ref()),
        ]
    });
    for (key, q) in [
        ("overhead", Some(&m.overhead)),
        ("parallel_overhead", Some(&m.parallel_overhead)),
        ("pcie_parallel_overhead", m.pcie_parallel_overhead.as_ref()),
        ("large_device", m.large_device.as_ref().map(|l| &l.memory)),
    ]
    .into_iter()
    .chain(older)
    {
        if let Some(q) = q
            && bytes(q).is_none()
        {
            problem(
                key,
                format!("`{q}` is not a quantity of memory"),
                "write a Kubernetes quantity such as `512Mi` or `1Gi`",
            );
        }
    }
    match m.fraction.default_number(false, 1) {
        Some(f) if f > 0.0 && f <= 1.0 => {}
        _ => problem(
            "fraction",
            "needs a default between 0 and 1 (`default`, or `by_tensor_parallel` with a `\"1\"` entry)".into(),
            "the share of each device's memory the server takes without a flag",
        ),
    }
    for (key, k) in [
        ("pipeline_parallel", m.pipeline_parallel.as_ref()),
        ("max_sequences", m.max_sequences.as_ref()),
        ("batched_tokens", m.batched_tokens.as_ref()),
    ] {
        if let Some(k) = k
            && k.default_number(false, 1).is_none_or(|n| n < 1.0)
        {
            problem(
                key,
                "needs a whole `default` of at least 1".into(),
                "the value the runtime assumes without a flag",
            );
        }
    }
    for (key, v) in [
        ("mlp_activations", m.mlp_activations),
        ("hidden_activations", m.hidden_activations),
        ("sampler_bytes", m.sampler_bytes),
    ] {
        if !(0.0..1e6).contains(&v) {
            problem(
                key,
                format!("{v} is not a count of values"),
                "a small number such as 3",
            );
        }
    }
    for old in &m.before {
        if parse_version(&old.version).is_none() {
            problem(
                "before",
                format!("`{}` is not a version such as `0.8.0`", old.version),
                "write the release from which the newer accounting holds",
            );
        }
    }
    // Shares, in the rules and in every older release's.
    let older =
        |pick: fn(&Older) -> Option<f64>| m.before.iter().filter_map(pick).collect::<Vec<_>>();
    let shares: [(&str, Vec<f64>, &str); 3] = [
        (
            "multimodal_fraction",
            m.multimodal_fraction.into_iter().collect(),
            "SGLang keeps 0.95 of its share for multimodal models",
        ),
        (
            "kv_share",
            m.kv_share
                .into_iter()
                .chain(older(|o| o.kv_share))
                .collect(),
            "TGI 2's wiggle room keeps 0.95 of what is left",
        ),
        (
            "budget_share",
            m.budget_share
                .into_iter()
                .chain(older(|o| o.budget_share))
                .collect(),
            "TGI 3's TGI_WIGGLE_ROOM is 0.9",
        ),
    ];
    for (key, values, example) in shares {
        if values.iter().any(|&s| !(s > 0.0 && s <= 1.0)) {
            problem(key, "must be above 0 and at most 1".into(), example);
        }
    }
    for (key, table) in [
        ("quantizations", &m.quantizations),
        ("kv_dtypes", &m.kv_dtypes),
        ("dtypes", &m.dtypes),
    ] {
        if table.values().any(|v| !(0.0..=64.0).contains(v)) {
            problem(
                key,
                "has a size outside 0–64".into(),
                "bits per weight for quantizations, bytes per value for dtypes (0: the model's)",
            );
        }
    }
    out
}

/// Problems with an accelerator's `usable_memory`, at `NAME.usable_memory`.
pub fn accelerator_problems(name: &str, a: &Accelerator) -> Vec<Problem> {
    let Some(u) = &a.usable_memory else {
        return Vec::new();
    };
    let path = format!("{name}.usable_memory");
    let Some(memory) = bytes(&a.memory) else {
        return Vec::new(); // `memory` itself is reported
    };
    let Some(usable) = bytes(u) else {
        return vec![Problem {
            code: &crate::diagnostics::codes::E0010,
            message: format!("`{path}`: `{u}` is not a quantity of memory"),
            path,
            help: "write what CUDA reports as the device's total, e.g. `79.22Gi`",
        }];
    };
    if usable > memory || usable <= 0.0 {
        return vec![Problem {
            code: &crate::diagnostics::codes::E0010,
            message: format!(
                "`{path}`: {u} is not above 0 and at most the device's {}",
                a.memory
            ),
            path,
            help: "the driver reserves part of the memory; what is left is at most the device's",
        }];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::Catalog;

    #[test]
    fn the_builtin_runtimes_and_accelerators_pass() {
        let c = Catalog::builtin().expect("stdlib");
        for (name, r) in &c.runtimes {
            assert_eq!(runtime_problems(name, r), Vec::new(), "{name}");
        }
        for (name, a) in &c.accelerators {
            assert_eq!(accelerator_problems(name, a), Vec::new(), "{name}");
        }
        for llm in ["vllm", "sglang", "tgi"] {
            assert!(c.runtimes[llm].memory.is_some(), "{llm} has memory rules");
        }
    }

    #[test]
    fn a_default_follows_the_device_and_the_degree() {
        let c = Catalog::builtin().expect("stdlib");
        let vllm = c.runtimes["vllm"].memory.as_ref().expect("rules");
        let batched = vllm.batched_tokens.as_ref().expect("batched tokens");
        assert_eq!(batched.default_number(false, 1), Some(2048.0));
        assert_eq!(batched.default_number(true, 1), Some(8192.0));
        let sglang = c.runtimes["sglang"].memory.as_ref().expect("rules");
        assert_eq!(sglang.fraction.default_number(false, 1), Some(0.88));
        assert_eq!(sglang.fraction.default_number(false, 2), Some(0.87));
        assert_eq!(sglang.fraction.default_number(false, 6), Some(0.85));
    }

    #[test]
    fn image_tags_name_their_release() {
        let v = |i: &str, r: &str| image_version(i, r);
        assert_eq!(v("vllm/vllm-openai:v0.6.3", "vllm"), Some(vec![0, 6, 3]));
        assert_eq!(
            v("vllm/vllm-openai:v0.6.3@sha256:abc", "vllm"),
            Some(vec![0, 6, 3])
        );
        assert_eq!(
            v("rocm/vllm:rocm6.3.1_vllm_0.8.5_20250521", "vllm"),
            Some(vec![0, 8, 5])
        );
        assert_eq!(
            v("lmsysorg/sglang:v0.4.0-cu124", "sglang"),
            Some(vec![0, 4, 0])
        );
        assert_eq!(
            v("ghcr.io/huggingface/text-generation-inference:2.4.0", "tgi"),
            Some(vec![2, 4, 0])
        );
        let tgi = "ghcr.io/huggingface/text-generation-inference";
        assert_eq!(v(&format!("{tgi}:3.0.1"), "tgi"), Some(vec![3, 0, 1]));
        assert_eq!(v(&format!("{tgi}:1.4"), "tgi"), Some(vec![1, 4]));
        assert_eq!(v(&format!("{tgi}:latest"), "tgi"), None);
        assert_eq!(v("vllm/vllm-openai:latest", "vllm"), None);
        assert_eq!(v("vllm/vllm-openai@sha256:abc", "vllm"), None);
        assert_eq!(v("localhost:5000/vllm", "vllm"), None);
    }

    #[test]
    fn an_older_release_takes_its_own_defaults() {
        let c = Catalog::builtin().expect("stdlib");
        let vllm = c.runtimes["vllm"].memory.as_ref().expect("rules");
        let old = vllm.for_version(Some(&[0, 6, 3]));
        let batched = old.batched_tokens.as_ref().expect("batched tokens");
        assert_eq!(batched.whole_context_up_to, Some(32768));
        assert!(!old.windowed);
        let new = vllm.for_version(Some(&[0, 11, 0]));
        assert!(new.windowed);
        assert_eq!(
            new.batched_tokens
                .as_ref()
                .and_then(|k| k.whole_context_up_to),
            None
        );
    }

    #[test]
    fn each_tgi_release_keeps_its_own_wiggle_room() {
        let c = Catalog::builtin().expect("stdlib");
        let tgi = c.runtimes["tgi"].memory.as_ref().expect("rules");
        let at = |v: &[u64]| {
            let m = tgi.for_version(Some(v));
            (m.kv_share.unwrap_or(1.0), m.budget_share.unwrap_or(1.0))
        };
        assert_eq!(at(&[1, 0, 0]), (1.0, 1.0));
        assert_eq!(at(&[1, 4]), (1.0, 1.0), "1.4.0 had none yet");
        assert_eq!(at(&[1, 4, 5]), (0.95, 1.0));
        assert_eq!(at(&[2, 2, 0]), (0.95, 1.0));
        assert_eq!(at(&[2, 4, 1]), (0.90, 1.0));
        assert_eq!(at(&[3, 0, 1]), (1.0, 0.95));
        assert_eq!(at(&[3, 2, 3]), (1.0, 0.93));
        assert_eq!(at(&[3, 3, 7]), (1.0, 0.90));
        let newest = tgi.for_version(None);
        assert_eq!(newest.budget_share, Some(0.90));
        let prefill = |v: &[u64]| {
            tgi.for_version(Some(v))
                .batched_tokens
                .and_then(|k| k.default_number(false, 1))
        };
        assert_eq!(prefill(&[1, 0, 0]), Some(4096.0));
        assert_eq!(prefill(&[2, 2, 0]), Some(4145.0));
        assert_eq!(prefill(&[3, 0, 0]), Some(4096.0));
        // The prompt's log-probabilities of the warmup: kept before 3.0, dropped since.
        let logits = |v: Option<&[u64]>| tgi.for_version(v).prefill_logits;
        assert!(logits(Some(&[1, 0, 0])) && logits(Some(&[2, 4, 0])));
        assert!(!logits(Some(&[3, 0, 0])) && !logits(None));
    }

    #[test]
    fn bad_values_name_their_key() {
        let c = Catalog::builtin().expect("stdlib");
        let mut r = c.runtimes["vllm"].clone();
        let m = r.memory.as_mut().expect("rules");
        m.rules = "llama.cpp".into();
        m.overhead = "lots".into();
        m.kv_share = Some(2.0);
        let paths: Vec<String> = runtime_problems("mine", &r)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            [
                "mine.memory.rules",
                "mine.memory.overhead",
                "mine.memory.kv_share"
            ]
        );
        let mut a = c.accelerators["nvidia-l4"].clone();
        a.usable_memory = Some("30Gi".into());
        assert_eq!(accelerator_problems("mine", &a).len(), 1);
    }
}
