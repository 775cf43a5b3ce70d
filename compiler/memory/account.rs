//! The arithmetic of one server's device memory: what the weights take on each device, what the
//! runtime holds besides them, what is left for the KV cache, and how many tokens and
//! sequences of the maximum context that holds. Pure numbers in, numbers out; the rules are the
//! runtime's (`stdlib/runtimes.toml` `[NAME.memory]`), the shapes the model's.

use crate::stdlib::models::{ModelEntry, QUANTIZATIONS};

/// Whose startup accounting a server follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// The KV cache gets `fraction` of each device less the weights, the profiled activations
    /// and the overheads.
    Vllm,
    /// `fraction` of the memory free at startup holds the weights and the KV pool.
    Sglang,
    /// `kv_share` of what is free within `budget_share` × `fraction` after the weights and one
    /// prefill.
    Tgi,
}

impl Rules {
    pub fn parse(s: &str) -> Option<Rules> {
        match s {
            "vllm" => Some(Rules::Vllm),
            "sglang" => Some(Rules::Sglang),
            "tgi" => Some(Rules::Tgi),
            _ => None,
        }
    }
}

/// Everything the arithmetic needs besides the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    pub rules: Rules,
    /// Bytes of one device.
    pub device_bytes: f64,
    pub tensor: u64,
    pub pipeline: u64,
    /// The share of each device the server takes.
    pub fraction: f64,
    /// The longest sequence the server accepts.
    pub max_context: u64,
    /// Bytes per value the unquantized weights are held in.
    pub weight_bytes: f64,
    /// Bits per weight of a quantization the server applies (`--quantization fp8`), and its
    /// name.
    pub quantization: Option<(String, f64)>,
    /// Bits per weight the runtime holds the checkpoint's own quantization in (vLLM pads MXFP4
    /// experts for its kernels), when it says.
    pub checkpoint_bits: Option<f64>,
    /// Bytes per value of the KV cache.
    pub kv_bytes: f64,
    pub max_sequences: u64,
    pub batched_tokens: u64,
    /// Held on every device besides weights, KV cache and activations.
    pub overhead: f64,
    pub mlp_activations: f64,
    pub hidden_activations: f64,
    pub sampler_bytes: f64,
    /// Whether the sampler's rows are every batched token (TGI's warmup keeps the prompt's
    /// logits), not at most `max_sequences`.
    pub prefill_logits: bool,
    pub kv_share: f64,
    pub budget_share: f64,
    /// Whether sliding-window layers keep only their window (vLLM's hybrid KV cache).
    pub windowed: bool,
}

/// One device's memory, in bytes (but `tokens` and `sequences`).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// The model's weights in all, as the server holds them.
    pub weights_total: f64,
    pub weights: f64,
    pub overhead: f64,
    pub activations: f64,
    /// What the runtime may use of the device: `fraction` of it.
    pub budget: f64,
    /// What is left for the KV cache (negative when nothing is).
    pub kv_cache: f64,
    /// KV cache bytes of one token in the layers that keep every token.
    pub kv_per_token: f64,
    /// KV cache bytes of one sequence of the maximum context.
    pub kv_per_sequence: f64,
    /// Tokens of the maximum context's sequences the KV cache holds.
    pub tokens: f64,
    /// Sequences of the maximum context the KV cache holds.
    pub sequences: f64,
}

/// Parameters of the token embedding and the output head.
fn embedding_parameters(m: &ModelEntry) -> f64 {
    let one = f64::from(m.vocab_size) * f64::from(m.hidden_size);
    if m.tied_embeddings { one } else { 2.0 * one }
}

/// Parameters of the routed experts.
fn expert_parameters(m: &ModelEntry) -> f64 {
    let Some(experts) = m.experts else {
        return 0.0;
    };
    let layers = f64::from(m.layers.saturating_sub(m.dense_layers));
    layers * f64::from(experts) * 3.0 * f64::from(m.hidden_size) * f64::from(m.intermediate_size)
}

/// Bytes of the model's weights, held in `dtype_bytes` per value, with the checkpoint's own
/// quantization or `quantization` (bits per weight, by name) applied to the linear layers.
pub fn weights(m: &ModelEntry, dtype_bytes: f64, quantization: Option<&(String, f64)>) -> f64 {
    held(m, dtype_bytes, quantization, None)
}

/// `weights`, with the checkpoint's quantization held in `checkpoint_bits` per weight.
fn held(
    m: &ModelEntry,
    dtype_bytes: f64,
    quantization: Option<&(String, f64)>,
    checkpoint_bits: Option<f64>,
) -> f64 {
    let total = m.total_parameters();
    let embedding = embedding_parameters(m).min(total);
    let linear = total - embedding;
    let checkpoint = m
        .quantization
        .as_deref()
        .and_then(|q| QUANTIZATIONS.iter().find(|(n, _, _)| *n == q));
    let (bits, experts_only) = match (quantization, checkpoint) {
        (Some((name, bits)), Some((q, _, experts_only))) if name == q => (*bits, *experts_only),
        (Some((_, bits)), _) => (*bits, false),
        (None, Some((_, bits, experts_only))) => (checkpoint_bits.unwrap_or(*bits), *experts_only),
        (None, None) => return total * dtype_bytes,
    };
    let quantized = if experts_only {
        expert_parameters(m).min(linear)
    } else {
        linear
    };
    embedding * dtype_bytes + quantized * bits / 8.0 + (linear - quantized) * dtype_bytes
}

/// Bytes the checkpoint's files take: the weights as published.
pub fn download(m: &ModelEntry) -> f64 {
    weights(m, m.dtype_bytes(), None)
}

/// KV bytes of one token in one layer on one device.
fn kv_per_layer(m: &ModelEntry, s: &Setup) -> f64 {
    if let (Some(rank), Some(rope)) = (m.kv_lora_rank, m.rope_head_dim) {
        // Multi-head latent attention caches the compressed KV, the same on every device.
        return f64::from(rank + rope) * s.kv_bytes;
    }
    let tensor = s.tensor.max(1);
    let kv_heads = u64::from(m.kv_heads);
    // Fewer KV heads than devices: each device keeps one, replicated.
    let heads = (kv_heads / tensor).max(1);
    2.0 * heads as f64 * f64::from(m.head_dim) * s.kv_bytes
}

/// The MLP's width a token passes through: the dense MLP, or its experts and shared experts.
fn mlp_width(m: &ModelEntry) -> f64 {
    let moe = match m.experts_per_token {
        Some(k) => f64::from(k + m.shared_experts) * f64::from(m.intermediate_size),
        None => f64::from(m.intermediate_size),
    };
    moe.max(f64::from(m.dense_intermediate_size.unwrap_or(0)))
}

/// The memory one device gives the KV cache, and what that holds.
pub fn account(m: &ModelEntry, s: &Setup) -> Account {
    let split = (s.tensor.max(1) * s.pipeline.max(1)) as f64;
    let weights_total = held(
        m,
        s.weight_bytes,
        s.quantization.as_ref(),
        s.checkpoint_bits,
    );
    let weights = weights_total / split;
    let tensor = s.tensor.max(1) as f64;
    let layers = f64::from(m.layers) / s.pipeline.max(1) as f64;
    let windowed = f64::from(m.sliding_layers.unwrap_or(0)) / s.pipeline.max(1) as f64;
    let (full, sliding) = match (s.windowed, m.sliding_window) {
        (true, Some(_)) => (layers - windowed, windowed),
        _ => (layers, 0.0),
    };
    let per_layer = kv_per_layer(m, s);
    let kv_per_token = full * per_layer;
    let window = m.sliding_window.unwrap_or(0).min(s.max_context) as f64;
    let kv_per_sequence = s.max_context as f64 * kv_per_token + window * sliding * per_layer;

    let per_batched_token = s.weight_bytes
        * (s.mlp_activations * mlp_width(m) / tensor
            + s.hidden_activations * f64::from(m.hidden_size));
    // The peak of the profiled step: the forward pass, or the sampler after it (whose logits
    // outlive the forward pass's intermediates), whichever is larger. TGI's warmup keeps every
    // prompt token's logits, larger than any block of the forward pass, in blocks of their own,
    // and reads the free memory from the driver with the forward's freed blocks still cached
    // by PyTorch: both count.
    let rows = if s.prefill_logits {
        s.batched_tokens
    } else {
        s.max_sequences.min(s.batched_tokens)
    } as f64;
    let sampler = rows * f64::from(m.vocab_size) * s.sampler_bytes;
    let forward = s.batched_tokens as f64 * per_batched_token;
    let activations = if s.prefill_logits {
        forward + sampler
    } else {
        forward.max(sampler)
    };

    let (budget, kv_cache) = match s.rules {
        Rules::Vllm => {
            let budget = s.fraction * s.device_bytes;
            (budget, budget - weights - activations - s.overhead)
        }
        Rules::Sglang => {
            let budget = s.fraction * (s.device_bytes - s.overhead);
            (budget, budget - weights)
        }
        Rules::Tgi => {
            let budget = s.budget_share * s.fraction * s.device_bytes;
            let free = budget - s.overhead - weights - activations;
            (budget, if free > 0.0 { free * s.kv_share } else { free })
        }
    };
    let activations = if s.rules == Rules::Sglang {
        0.0
    } else {
        activations
    };
    let sequences = if kv_per_sequence > 0.0 {
        (kv_cache / kv_per_sequence).max(0.0)
    } else {
        0.0
    };
    Account {
        weights_total,
        weights,
        overhead: s.overhead,
        activations,
        budget,
        kv_cache,
        kv_per_token,
        kv_per_sequence,
        tokens: sequences * s.max_context as f64,
        sequences,
    }
}

/// The longest context one sequence of which fits `kv_cache` (0 when none does).
pub fn longest_context(m: &ModelEntry, s: &Setup, a: &Account) -> u64 {
    if a.kv_cache <= 0.0 || a.kv_per_token <= 0.0 {
        return 0;
    }
    // The windowed layers hold at most their window whatever the context.
    let window = a.kv_per_sequence - s.max_context as f64 * a.kv_per_token;
    let fit = ((a.kv_cache - window.max(0.0)) / a.kv_per_token).floor();
    if fit <= 0.0 {
        return 0;
    }
    (fit as u64).min(m.max_context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::Catalog;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn setup(rules: Rules, device_gib: f64) -> Setup {
        Setup {
            rules,
            device_bytes: device_gib * GIB,
            tensor: 1,
            pipeline: 1,
            fraction: 0.9,
            max_context: 8192,
            weight_bytes: 2.0,
            quantization: None,
            checkpoint_bits: None,
            kv_bytes: 2.0,
            max_sequences: 256,
            batched_tokens: 2048,
            overhead: 0.5 * GIB,
            mlp_activations: 3.0,
            hidden_activations: 4.0,
            sampler_bytes: 30.0,
            prefill_logits: false,
            kv_share: 1.0,
            budget_share: 1.0,
            windowed: true,
        }
    }

    #[test]
    fn llama_8b_weights_and_kv_per_token_are_its_published_sizes() {
        let c = Catalog::builtin().expect("stdlib");
        let m = &c.models["llama-3.1-8b"];
        let a = account(m, &setup(Rules::Vllm, 79.22));
        // 8.03B parameters in bfloat16: the 14.96 GiB vLLM logs loading.
        assert!(
            (a.weights / GIB - 14.96).abs() < 0.01,
            "{}",
            a.weights / GIB
        );
        // 32 layers × 8 KV heads × 128 × 2 (K and V) × 2 bytes.
        assert_eq!(a.kv_per_token, 131072.0);
        assert_eq!(a.kv_per_sequence, 8192.0 * 131072.0);
        let mut tp2 = setup(Rules::Vllm, 79.22);
        tp2.tensor = 2;
        let b = account(m, &tp2);
        assert_eq!(b.kv_per_token, 65536.0);
        assert!((b.weights - a.weights / 2.0).abs() < 1.0);
    }

    #[test]
    fn latent_attention_is_not_split_and_windows_cap_their_layers() {
        let c = Catalog::builtin().expect("stdlib");
        let mut s = setup(Rules::Vllm, 139.81);
        s.tensor = 8;
        let v3 = account(&c.models["deepseek-v3"], &s);
        // 61 layers × (512 + 64) × 2 bytes, on every device.
        assert_eq!(v3.kv_per_token, 61.0 * 576.0 * 2.0);
        s.tensor = 1;
        s.max_context = 131072;
        let oss = account(&c.models["gpt-oss-120b"], &s);
        // 18 full layers keep every token; 18 keep 128.
        assert_eq!(oss.kv_per_token, 18.0 * 2.0 * 8.0 * 64.0 * 2.0);
        assert_eq!(
            oss.kv_per_sequence,
            131072.0 * oss.kv_per_token + 128.0 * oss.kv_per_token
        );
    }

    #[test]
    fn checkpoint_and_runtime_quantizations_shrink_the_linear_layers() {
        let c = Catalog::builtin().expect("stdlib");
        let oss = &c.models["gpt-oss-120b"];
        // MXFP4 experts and bfloat16 attention: the checkpoint's 65.3 GB.
        assert!(
            (download(oss) / 1e9 - 65.3).abs() < 0.5,
            "{}",
            download(oss) / 1e9
        );
        let llama = &c.models["llama-3.1-70b"];
        let fp8 = weights(llama, 2.0, Some(&("fp8".to_string(), 8.0)));
        assert!(fp8 < 0.55 * download(llama) && fp8 > 0.5 * download(llama));
    }

    #[test]
    fn sglang_leaves_activations_outside_its_fraction_and_tgi_keeps_wiggle_room() {
        let c = Catalog::builtin().expect("stdlib");
        let m = &c.models["llama-3.1-8b"];
        let sg = account(m, &setup(Rules::Sglang, 79.22));
        assert_eq!(sg.activations, 0.0);
        assert!((sg.kv_cache - (0.9 * (79.22 - 0.5) * GIB - sg.weights)).abs() < 1.0);
        let mut t = setup(Rules::Tgi, 79.22);
        t.kv_share = 0.9;
        t.fraction = 1.0;
        let tgi = account(m, &t);
        let free = 79.22 * GIB - 0.5 * GIB - tgi.weights - tgi.activations;
        assert!((tgi.kv_cache - 0.9 * free).abs() < 1.0);
        // TGI 3: the wiggle room scales the budget, and the warmup keeps every token's logits.
        t.kv_share = 1.0;
        t.budget_share = 0.9;
        let forward = {
            t.prefill_logits = false;
            t.sampler_bytes = 0.0;
            account(m, &t).activations
        };
        t.prefill_logits = true;
        t.sampler_bytes = 4.0;
        let three = account(m, &t);
        // The forward pass's blocks and the logits' both count.
        assert!(forward > 0.0);
        assert_eq!(three.activations, forward + 2048.0 * 128256.0 * 4.0);
        let rest = 0.9 * 79.22 * GIB - 0.5 * GIB - three.weights - three.activations;
        assert!((three.kv_cache - rest).abs() < 1.0);
    }

    #[test]
    fn the_longest_context_is_what_one_sequence_can_have() {
        let c = Catalog::builtin().expect("stdlib");
        let m = &c.models["llama-3.1-8b"];
        let mut s = setup(Rules::Vllm, 22.06);
        s.max_context = 131072;
        let a = account(m, &s);
        let fit = longest_context(m, &s, &a);
        assert!(fit > 0 && fit < 131072, "{fit}");
        assert!((fit as f64 * a.kv_per_token - a.kv_cache).abs() <= a.kv_per_token);
    }
}
