//! The model catalog (`stdlib/models.toml`): the architectures people serve, with the numbers
//! of their published `config.json` that decide whether a model fits an accelerator — its
//! parameters (total and active), layers, attention and KV heads, head size, dtype, context, and
//! the attention tricks that change the KV cache (sliding windows, multi-head latent attention).
//!
//! The same checks hold the built-in entries (by a test), a platform's own `models.toml`
//! (`--stdlib DIR`) and a spec's `serve.architecture = { … }` to numbers a model can have.

use serde::Deserialize;

use super::check::Problem;

/// Data types a model's weights or KV cache can be stored in, with their bytes per value.
pub const DTYPES: &[(&str, f64)] = &[("bfloat16", 2.0), ("float16", 2.0), ("float32", 4.0)];

/// Checkpoint quantizations a catalog entry may declare: what its linear layers are stored as
/// (bits per weight, scales included) and whether only the experts are (`mxfp4`).
pub const QUANTIZATIONS: &[(&str, f64, bool)] = &[
    ("fp8", 8.0, false),
    ("int8", 8.0, false),
    ("int4", 4.25, false),
    ("mxfp4", 4.25, true),
];

/// One architecture, as `stdlib/models.toml` (or a spec's `serve.architecture`) writes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub description: String,
    /// Hugging Face repositories that hold this architecture (`org/name`).
    #[serde(default)]
    pub huggingface: Vec<String>,
    /// Total parameters, as the model card states them: `8.03B`, `671B`, `0.5B`.
    pub parameters: String,
    /// A mixture of experts: the parameters used per token.
    pub active_parameters: Option<String>,
    pub layers: u32,
    pub hidden_size: u32,
    /// The MLP's width; a mixture of experts: one expert's.
    pub intermediate_size: u32,
    pub attention_heads: u32,
    pub kv_heads: u32,
    pub head_dim: u32,
    pub vocab_size: u32,
    #[serde(default)]
    pub tied_embeddings: bool,
    /// What the weights are stored as: one of `DTYPES`.
    pub dtype: String,
    /// The longest sequence the model is served with (`max_position_embeddings`).
    pub max_context: u64,
    /// The attention window (or chunk) of the layers that use one, in tokens.
    pub sliding_window: Option<u64>,
    /// How many layers use `sliding_window`.
    pub sliding_layers: Option<u32>,
    pub experts: Option<u32>,
    pub experts_per_token: Option<u32>,
    #[serde(default)]
    pub shared_experts: u32,
    /// Leading layers with a dense MLP (of `dense_intermediate_size`) instead of experts.
    #[serde(default)]
    pub dense_layers: u32,
    pub dense_intermediate_size: Option<u32>,
    /// Multi-head latent attention: the rank of the compressed KV that is cached.
    pub kv_lora_rank: Option<u32>,
    /// Multi-head latent attention: the rotary part of each key, cached beside it.
    pub rope_head_dim: Option<u32>,
    /// How the published checkpoint is stored, when not in `dtype`: one of `QUANTIZATIONS`.
    pub quantization: Option<String>,
    /// Whether the checkpoint also holds a vision (or audio) encoder, which some runtimes keep
    /// room for.
    #[serde(default)]
    pub multimodal: bool,
}

impl ModelEntry {
    /// Whether tensor parallelism of degree `n` splits the attention heads evenly and the KV
    /// heads evenly (or replicates whole ones, with more devices than KV heads).
    pub fn splits_over(&self, n: u64) -> bool {
        let Ok(n) = u32::try_from(n) else {
            return false;
        };
        n > 0
            && self.attention_heads.is_multiple_of(n)
            && (self.kv_heads.is_multiple_of(n) || n.is_multiple_of(self.kv_heads.max(1)))
    }

    /// Total parameters; 0 when `parameters` does not parse (the checks report it).
    pub fn total_parameters(&self) -> f64 {
        parse_count(&self.parameters).unwrap_or(0.0)
    }

    /// Whether `id` (`org/name`, any case) is one of this entry's repositories.
    pub fn holds(&self, id: &str) -> bool {
        self.huggingface.iter().any(|h| h.eq_ignore_ascii_case(id))
    }

    /// Bytes per value of the weights' dtype.
    pub fn dtype_bytes(&self) -> f64 {
        dtype_bytes(&self.dtype).unwrap_or(2.0)
    }
}

/// Bytes per value of a dtype of `DTYPES`.
pub fn dtype_bytes(dtype: &str) -> Option<f64> {
    DTYPES.iter().find(|(n, _)| *n == dtype).map(|(_, b)| *b)
}

/// `8.03B`, `671B`, `500M`, `1.2T` or a plain number: a count of parameters.
pub fn parse_count(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, scale) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 1e3),
        Some((i, 'M' | 'm')) => (&t[..i], 1e6),
        Some((i, 'B' | 'b')) => (&t[..i], 1e9),
        Some((i, 'T' | 't')) => (&t[..i], 1e12),
        _ => (t, 1.0),
    };
    match num.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n * scale),
        _ => Err(format!(
            "`{s}` is not a parameter count such as `8.03B`, `500M` or `1.2T`"
        )),
    }
}

/// The catalog entry holding Hugging Face repository `id` (any case), by entry name order.
pub fn by_repository<'c>(
    models: &'c std::collections::BTreeMap<String, ModelEntry>,
    id: &str,
) -> Option<(&'c String, &'c ModelEntry)> {
    models.iter().find(|(_, m)| m.holds(id))
}

const COUNT: &str = "write the count as the model card does: `8.03B`, `500M`, `1.2T`";
const CONFIG: &str = "copy the number from the model's config.json";

/// Problems with one entry, each at its key (`llama-3.1-8b.kv_heads`). `name` may be empty for
/// a spec's own description, whose keys are then reported without a prefix.
pub fn check(name: &str, m: &ModelEntry) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |key: &str, message: String, help: &'static str| {
        let path = match (name.is_empty(), key.is_empty()) {
            (true, _) => key.to_string(),
            (false, true) => name.to_string(),
            (false, false) => format!("{name}.{key}"),
        };
        out.push(Problem {
            code: &crate::diagnostics::codes::E0010,
            message: format!("`{path}`: {message}"),
            path,
            help,
        });
    };
    if !name.is_empty()
        && let Err(e) = crate::values::names::dns1123_subdomain(name)
    {
        problem(
            "",
            e,
            "name entries as specs write them in `serve.architecture`: lowercase letters, digits, '-' and '.'",
        );
    }
    for id in &m.huggingface {
        let ok = id.split_once('/').is_some_and(|(org, repo)| {
            !org.is_empty()
                && !repo.is_empty()
                && !repo.contains('/')
                && !id.contains(char::is_whitespace)
        });
        if !ok {
            problem(
                "huggingface",
                format!("`{id}` is not a Hugging Face repository `org/name`"),
                "list repositories as their URL names them, e.g. `meta-llama/Llama-3.1-8B-Instruct`",
            );
        }
    }
    let total = parse_count(&m.parameters);
    if let Err(e) = &total {
        problem("parameters", e.clone(), COUNT);
    }
    if let Some(active) = &m.active_parameters {
        match (parse_count(active), &total) {
            (Err(e), _) => problem("active_parameters", e, COUNT),
            (Ok(a), Ok(t)) if a > *t => problem(
                "active_parameters",
                format!(
                    "{active} active parameters are more than the {} in all",
                    m.parameters
                ),
                "active parameters are the part of the total a token uses",
            ),
            _ => {}
        }
    }
    for (key, v) in [
        ("layers", m.layers),
        ("hidden_size", m.hidden_size),
        ("intermediate_size", m.intermediate_size),
        ("attention_heads", m.attention_heads),
        ("kv_heads", m.kv_heads),
        ("head_dim", m.head_dim),
        ("vocab_size", m.vocab_size),
    ] {
        if v == 0 {
            problem(key, "must be at least 1".into(), CONFIG);
        }
    }
    if m.kv_heads > 0 && !m.attention_heads.is_multiple_of(m.kv_heads) {
        problem(
            "kv_heads",
            format!(
                "{} attention heads do not group evenly into {} KV heads",
                m.attention_heads, m.kv_heads
            ),
            "KV heads divide the attention heads (num_key_value_heads in config.json)",
        );
    }
    if dtype_bytes(&m.dtype).is_none() {
        problem(
            "dtype",
            format!("`{}` is not a dtype mlspec knows", m.dtype),
            "use `bfloat16`, `float16` or `float32` (torch_dtype in config.json)",
        );
    }
    if m.max_context == 0 {
        problem("max_context", "must be at least 1".into(), CONFIG);
    }
    match (m.sliding_window, m.sliding_layers) {
        (Some(0), _) => problem("sliding_window", "must be at least 1".into(), CONFIG),
        (Some(_), Some(n)) if n > m.layers => problem(
            "sliding_layers",
            format!("{n} sliding-window layers of {} in all", m.layers),
            "count the layers config.json's layer_types marks `sliding_attention`",
        ),
        (Some(_), None) | (None, Some(_)) => problem(
            if m.sliding_window.is_some() {
                "sliding_layers"
            } else {
                "sliding_window"
            },
            "`sliding_window` and `sliding_layers` go together".into(),
            "give the window in tokens and how many layers use it",
        ),
        _ => {}
    }
    match (m.experts, m.experts_per_token) {
        (Some(e), Some(k)) if k == 0 || k > e => problem(
            "experts_per_token",
            format!("{k} experts per token of {e}"),
            "num_experts_per_tok is at least 1 and at most the routed experts",
        ),
        (Some(_), None) | (None, Some(_)) => problem(
            if m.experts.is_some() {
                "experts_per_token"
            } else {
                "experts"
            },
            "`experts` and `experts_per_token` go together".into(),
            "a mixture of experts has both; a dense model neither",
        ),
        _ => {}
    }
    if m.dense_layers > m.layers {
        problem(
            "dense_layers",
            format!("{} dense layers of {} in all", m.dense_layers, m.layers),
            CONFIG,
        );
    }
    if m.kv_lora_rank.is_some() != m.rope_head_dim.is_some() {
        problem(
            if m.kv_lora_rank.is_some() {
                "rope_head_dim"
            } else {
                "kv_lora_rank"
            },
            "`kv_lora_rank` and `rope_head_dim` go together".into(),
            "multi-head latent attention caches kv_lora_rank + qk_rope_head_dim values per token",
        );
    }
    if let Some(q) = &m.quantization
        && !QUANTIZATIONS.iter().any(|(n, _, _)| n == q)
    {
        problem(
            "quantization",
            format!("`{q}` is not a checkpoint quantization mlspec knows"),
            "use `fp8`, `int8`, `int4` or `mxfp4`, or leave it out for weights stored in `dtype`",
        );
    }
    out
}

/// The same checks, with the catalog (unused) as `user::layer` passes it.
pub fn check_entry(name: &str, m: &ModelEntry, _: &super::Catalog) -> Vec<Problem> {
    check(name, m)
}

/// The KV cache of one token over every layer, in the model's dtype, with no sliding window:
/// keys and values of each KV head, or (multi-head latent attention) the compressed KV and the
/// rotary key.
pub fn kv_bytes_per_token(m: &ModelEntry) -> f64 {
    let per_layer = match (m.kv_lora_rank, m.rope_head_dim) {
        (Some(rank), rope) => f64::from(rank + rope.unwrap_or(0)),
        _ => 2.0 * f64::from(m.kv_heads) * f64::from(m.head_dim),
    };
    per_layer * f64::from(m.layers) * m.dtype_bytes()
}

/// The catalog's models as a Markdown table (`mlspec stdlib list --markdown`; docs/memory.md
/// holds it, kept current by a test).
pub fn markdown(models: &std::collections::BTreeMap<String, ModelEntry>) -> String {
    let mut out = String::from(
        "| `architecture` | parameters | layers | attention | context | weights | KV cache per token | Hugging Face repositories |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, m) in models {
        let parameters = match &m.active_parameters {
            Some(a) => format!("{} ({a} active)", m.parameters),
            None => m.parameters.clone(),
        };
        let mut attention = match (m.kv_lora_rank, m.rope_head_dim) {
            (Some(rank), rope) => format!("MLA, {rank} + {} cached", rope.unwrap_or(0)),
            _ => format!(
                "{} heads, {} KV × {}",
                m.attention_heads, m.kv_heads, m.head_dim
            ),
        };
        if let (Some(w), Some(n)) = (m.sliding_window, m.sliding_layers) {
            attention.push_str(&format!("; {n} layers of a {w}-token window"));
        }
        let mut weights = m.quantization.clone().unwrap_or_else(|| m.dtype.clone());
        if let Some(e) = m.experts {
            weights.push_str(&format!(
                "; {e} experts, {} per token",
                m.experts_per_token.unwrap_or(0)
            ));
        }
        if m.multimodal {
            weights.push_str("; vision");
        }
        let repos: Vec<String> = m.huggingface.iter().map(|h| format!("`{h}`")).collect();
        out.push_str(&format!(
            "| `{name}` | {parameters} | {} | {attention} | {} | {weights} | {} KiB | {} |\n",
            m.layers,
            m.max_context,
            kv_bytes_per_token(m) / 1024.0,
            if repos.is_empty() {
                "—".to_string()
            } else {
                repos.join(" ")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::Catalog;

    #[test]
    fn every_builtin_model_passes_the_checks_and_each_repository_is_listed_once() {
        let c = Catalog::builtin().expect("stdlib");
        assert!(c.models.len() >= 40, "{}", c.models.len());
        let mut seen = std::collections::BTreeMap::new();
        for (name, m) in &c.models {
            assert_eq!(check(name, m), Vec::new(), "{name}");
            assert!(!m.huggingface.is_empty(), "{name} lists no repository");
            for id in &m.huggingface {
                let key = id.to_ascii_lowercase();
                assert!(
                    seen.insert(key, name.clone()).is_none(),
                    "{id} is listed twice"
                );
            }
        }
    }

    #[test]
    fn the_catalog_finds_a_model_by_repository_in_any_case() {
        let c = Catalog::builtin().expect("stdlib");
        let (name, m) =
            by_repository(&c.models, "META-LLAMA/llama-3.1-8b-instruct").expect("found");
        assert_eq!(name, "llama-3.1-8b");
        assert!((m.total_parameters() - 8.03e9).abs() < 1.0);
        assert!(by_repository(&c.models, "acme/unknown-7b").is_none());
    }

    #[test]
    fn counts_parse_with_their_suffix() {
        let near = |s: &str, v: f64| parse_count(s).is_ok_and(|n| (n - v).abs() < 1.0);
        assert!(near("8.03B", 8.03e9) && near("500M", 5e8) && near("1.2T", 1.2e12));
        assert!(near("7000", 7000.0) && near("0.5b", 5e8));
        assert!(parse_count("eight").is_err() && parse_count("-1B").is_err());
        assert!(parse_count("").is_err());
    }

    #[test]
    fn each_check_names_its_key() {
        let c = Catalog::builtin().expect("stdlib");
        let mut m = c.models["llama-3.1-8b"].clone();
        m.kv_heads = 5;
        m.dtype = "int3".into();
        m.sliding_window = Some(4096);
        m.experts = Some(8);
        m.experts_per_token = Some(9);
        let paths: Vec<String> = check("mine", &m).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "mine.kv_heads",
                "mine.dtype",
                "mine.sliding_layers",
                "mine.experts_per_token"
            ]
        );
        let paths: Vec<String> = check("", &m).into_iter().map(|p| p.path).collect();
        assert_eq!(paths[0], "kv_heads", "a spec's own table has no entry name");
    }
}
