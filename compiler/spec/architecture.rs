//! `serve.architecture`: the shape of the model a server loads, for the memory check — an entry
//! of the model catalog by name, or the numbers of the model's `config.json`.

use schemars::JsonSchema;

use super::read::{Fields, Sp, wrong_type};
use super::tree::Value;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// The model's architecture: a catalog name (`"llama-3.1-8b"`, for a fine-tune of it), or the
/// numbers of its config.json, from scratch or over a catalog entry (`like`). Needed only when
/// mlspec cannot tell the model from `model_name`, the runtime's model flag in `args` or an
/// `hf://` model URI.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::or_catalog_name("models", "a model architecture's name in the catalog (stdlib/models.toml)")
)]
pub struct Architecture {
    /// A catalog entry whose numbers the other keys replace.
    #[schemars(extend("x-catalog" = "models"))]
    pub like: Option<Sp<String>>,
    /// Total parameters, as the model card states them: `"8.03B"`, `"671B"`.
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["8.03B"]))]
    pub parameters: Option<Sp<String>>,
    /// A mixture of experts: the parameters a token uses.
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["3.3B"]))]
    pub active_parameters: Option<Sp<String>>,
    /// `num_hidden_layers`.
    #[schemars(range(min = 1))]
    pub layers: Option<Sp<i64>>,
    /// `hidden_size`.
    #[schemars(range(min = 1))]
    pub hidden_size: Option<Sp<i64>>,
    /// `intermediate_size` (a mixture of experts: one expert's); default 3.5 × `hidden_size`.
    #[schemars(range(min = 1))]
    pub intermediate_size: Option<Sp<i64>>,
    /// `num_attention_heads`.
    #[schemars(range(min = 1))]
    pub attention_heads: Option<Sp<i64>>,
    /// `num_key_value_heads`; default `attention_heads`.
    #[schemars(range(min = 1))]
    pub kv_heads: Option<Sp<i64>>,
    /// `head_dim`; default `hidden_size / attention_heads`.
    #[schemars(range(min = 1))]
    pub head_dim: Option<Sp<i64>>,
    /// `vocab_size`; default 128256.
    #[schemars(range(min = 1))]
    pub vocab_size: Option<Sp<i64>>,
    /// `tie_word_embeddings`.
    pub tied_embeddings: Option<Sp<bool>>,
    /// `torch_dtype`: `bfloat16` (default), `float16` or `float32`.
    #[schemars(extend("enum" = ["bfloat16", "float16", "float32"]))]
    pub dtype: Option<Sp<String>>,
    /// `max_position_embeddings`: the longest sequence the model takes.
    #[schemars(range(min = 1))]
    pub max_context: Option<Sp<i64>>,
    /// The attention window of the layers that have one, in tokens.
    #[schemars(range(min = 1))]
    pub sliding_window: Option<Sp<i64>>,
    /// How many layers use `sliding_window`.
    #[schemars(range(min = 0))]
    pub sliding_layers: Option<Sp<i64>>,
    /// A mixture of experts: routed experts per layer.
    #[schemars(range(min = 1))]
    pub experts: Option<Sp<i64>>,
    /// A mixture of experts: `num_experts_per_tok`.
    #[schemars(range(min = 1))]
    pub experts_per_token: Option<Sp<i64>>,
    /// Experts every token goes through.
    #[schemars(range(min = 0))]
    pub shared_experts: Option<Sp<i64>>,
    /// Multi-head latent attention: `kv_lora_rank`.
    #[schemars(range(min = 1))]
    pub kv_lora_rank: Option<Sp<i64>>,
    /// Multi-head latent attention: `qk_rope_head_dim`.
    #[schemars(range(min = 1))]
    pub rope_head_dim: Option<Sp<i64>>,
    /// How the checkpoint's weights are stored when not in `dtype`.
    #[schemars(extend("enum" = ["fp8", "int8", "int4", "mxfp4"]))]
    pub quantization: Option<Sp<String>>,
    /// Written as a name (`architecture = "llama-3.1-8b"`), which `like` then holds.
    #[schemars(skip)]
    pub by_name: bool,
    #[schemars(skip)]
    pub span: Span,
}

impl Architecture {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Option<Architecture> {
        let path = f.key_path("architecture");
        let entry = f.entry("architecture")?;
        match &entry.node.value {
            Value::Str(s) => Some(Architecture {
                like: Some(Sp::new(s.clone(), entry.node.span)),
                by_name: true,
                span: entry.node.span,
                ..Architecture::default()
            }),
            Value::Table(_) => {
                let mut t = Fields::new(&entry.node, &path, d)?;
                let a = Architecture {
                    like: t.string(d, "like"),
                    parameters: t.scalar_string(d, "parameters"),
                    active_parameters: t.scalar_string(d, "active_parameters"),
                    layers: t.int(d, "layers"),
                    hidden_size: t.int(d, "hidden_size"),
                    intermediate_size: t.int(d, "intermediate_size"),
                    attention_heads: t.int(d, "attention_heads"),
                    kv_heads: t.int(d, "kv_heads"),
                    head_dim: t.int(d, "head_dim"),
                    vocab_size: t.int(d, "vocab_size"),
                    tied_embeddings: t.bool(d, "tied_embeddings"),
                    dtype: t.string(d, "dtype"),
                    max_context: t.int(d, "max_context"),
                    sliding_window: t.int(d, "sliding_window"),
                    sliding_layers: t.int(d, "sliding_layers"),
                    experts: t.int(d, "experts"),
                    experts_per_token: t.int(d, "experts_per_token"),
                    shared_experts: t.int(d, "shared_experts"),
                    kv_lora_rank: t.int(d, "kv_lora_rank"),
                    rope_head_dim: t.int(d, "rope_head_dim"),
                    quantization: t.string(d, "quantization"),
                    by_name: false,
                    span: entry.node.span,
                };
                t.finish(d);
                Some(a)
            }
            _ => {
                d.push(wrong_type(
                    &path,
                    "a model's name in the catalog, or a table of its config.json numbers",
                    &entry.node,
                ));
                None
            }
        }
    }

    /// The spanned value of one of the table's number keys, by the name `models::check` gives it.
    pub fn number(&self, key: &str) -> Option<&Sp<i64>> {
        match key {
            "layers" => self.layers.as_ref(),
            "hidden_size" => self.hidden_size.as_ref(),
            "intermediate_size" => self.intermediate_size.as_ref(),
            "attention_heads" => self.attention_heads.as_ref(),
            "kv_heads" => self.kv_heads.as_ref(),
            "head_dim" => self.head_dim.as_ref(),
            "vocab_size" => self.vocab_size.as_ref(),
            "max_context" => self.max_context.as_ref(),
            "sliding_window" => self.sliding_window.as_ref(),
            "sliding_layers" => self.sliding_layers.as_ref(),
            "experts" => self.experts.as_ref(),
            "experts_per_token" => self.experts_per_token.as_ref(),
            "shared_experts" => self.shared_experts.as_ref(),
            "kv_lora_rank" => self.kv_lora_rank.as_ref(),
            "rope_head_dim" => self.rope_head_dim.as_ref(),
            _ => None,
        }
    }

    /// Where a key of the table was written, or the whole value.
    pub fn span_of(&self, key: &str) -> Span {
        let text = match key {
            "like" => self.like.as_ref(),
            "parameters" => self.parameters.as_ref(),
            "active_parameters" => self.active_parameters.as_ref(),
            "dtype" => self.dtype.as_ref(),
            "quantization" => self.quantization.as_ref(),
            _ => None,
        };
        text.map(|t| t.span)
            .or_else(|| self.number(key).map(|n| n.span))
            .or_else(|| {
                self.tied_embeddings
                    .as_ref()
                    .filter(|_| key == "tied_embeddings")
                    .map(|b| b.span)
            })
            .unwrap_or(self.span)
    }
}
