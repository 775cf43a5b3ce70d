//! Which model a server loads, and its architecture: `serve.architecture` (a catalog name, or
//! the numbers of its config.json), else the repository of an `hf://` model URI, else the model
//! the runtime's model flag names in the server's args (which `serve.model_name` fills in).

use crate::app::Workload;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::Serve;
use crate::spec::architecture::Architecture;
use crate::spec::read::Sp;
use crate::stdlib::models::{self, ModelEntry};
use crate::stdlib::{Catalog, Runtime};
use crate::values::suggest::suggest;

/// The model a server loads, as far as mlspec knows it.
#[derive(Debug, Clone)]
pub struct Found {
    pub entry: ModelEntry,
    /// The catalog entry's name, or `serve.architecture` for numbers of the spec's own.
    pub name: String,
    /// The Hugging Face repository the server loads, when the spec says.
    pub repository: Option<String>,
    /// Where the spec names the model (or its architecture).
    pub span: Span,
}

/// The repository a server loads and where the spec says so: an `hf://` model URI, else the
/// value of the runtime's model flag (unless it is a directory).
fn repository(s: &Serve, w: &Workload, runtime: &Runtime) -> Option<(String, Span)> {
    if let Some(uri) = s.container.model.as_ref().and_then(|m| m.uri.as_ref())
        && let Some(rest) = uri.v.strip_prefix("hf://")
    {
        let repo = rest.split('@').next().unwrap_or(rest).trim_end_matches('/');
        return Some((repo.to_string(), uri.span));
    }
    let flags: Vec<String> = runtime
        .model_args
        .windows(2)
        .filter(|w| w[1].contains("{model}"))
        .map(|w| w[0].clone())
        .collect();
    let (value, _, _) = super::knobs::flag_value(&w.pod.main.args, &flags, false)?;
    if value.starts_with('/') || value.starts_with('.') {
        return None;
    }
    let spec_args: Vec<String> = s
        .container
        .args
        .iter()
        .flatten()
        .map(|a| a.v.clone())
        .collect();
    let span = super::knobs::flag_value(&spec_args, &flags, false)
        .filter(|(v, _, _)| *v == value)
        .and_then(|(_, i, _)| s.container.args.as_ref()?.get(i).map(|a| a.span))
        .or_else(|| {
            s.model_name
                .as_ref()
                .filter(|m| m.v == value)
                .map(|m| m.span)
        })
        .unwrap_or(s.span);
    Some((value, span))
}

/// The model of one server; `None` when the spec names none, or one mlspec does not know (W0071)
/// or cannot use (E0223, E0224).
pub fn find(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    s: &Serve,
    w: &Workload,
    runtime: &Runtime,
) -> Option<Found> {
    let repo = repository(s, w, runtime);
    if let Some(a) = &s.architecture {
        let (entry, name) = architecture(d, catalog, path, a)?;
        return Some(Found {
            entry,
            name,
            repository: repo.map(|(r, _)| r),
            span: a.span,
        });
    }
    let (id, span) = repo?;
    match models::by_repository(&catalog.models, &id) {
        Some((name, entry)) => Some(Found {
            entry: entry.clone(),
            name: name.clone(),
            repository: Some(id),
            span,
        }),
        None => {
            d.push(
                Diagnostic::new(
                    &codes::W0071,
                    format!("mlspec does not know the model `{id}`, so whether it fits `{path}`'s accelerators is not checked"),
                )
                .at(span, "not in the model catalog")
                .help(format!(
                    "name its architecture in `{path}.architecture`: a catalog entry for a fine-tune (`architecture = \"llama-3.1-8b\"`) or its config.json numbers; `mlspec stdlib list` shows the models"
                )),
            );
            None
        }
    }
}

/// A catalog entry by name (E0223 when there is none).
fn named<'c>(
    d: &mut Diagnostics,
    catalog: &'c Catalog,
    path: &str,
    name: &Sp<String>,
) -> Option<&'c ModelEntry> {
    if let Some(m) = catalog.model(&name.v) {
        return Some(m);
    }
    let mut diag = Diagnostic::new(
        &codes::E0223,
        format!(
            "unknown model architecture `{}` in `{path}.architecture`",
            name.v
        ),
    )
    .at(name.span, "not in the model catalog");
    diag = match suggest(&name.v, catalog.models.keys()) {
        Some(s) => diag.help(format!("did you mean `{s}`? (`mlspec stdlib list` shows the models)")),
        None => diag.help("name a model of `mlspec stdlib list`, or describe it with its config.json numbers: `architecture = { parameters = \"8B\", layers = 32, … }`"),
    };
    d.push(diag);
    None
}

/// `serve.architecture` as an entry: a catalog name, or numbers (over `like`'s, if given).
fn architecture(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    a: &Architecture,
) -> Option<(ModelEntry, String)> {
    let base = match &a.like {
        Some(like) => Some(named(d, catalog, path, like)?.clone()),
        None => None,
    };
    if a.by_name {
        let like = a.like.as_ref()?;
        return Some((base?, like.v.clone()));
    }
    let key = |k: &str| format!("{path}.architecture.{k}");
    let before = d.len();
    let number = |d: &mut Diagnostics, k: &str, max: u64| -> Option<u64> {
        let n = a.number(k)?;
        match u64::try_from(n.v) {
            Ok(v) if v <= max => Some(v),
            _ => {
                d.push(
                    Diagnostic::new(
                        &codes::E0224,
                        format!(
                            "`{}` must be a whole number from 0 to {max}, found {}",
                            key(k),
                            n.v
                        ),
                    )
                    .at(n.span, "not a number a model has")
                    .help("copy the number from the model's config.json"),
                );
                None
            }
        }
    };
    let small = |v: Option<u64>| v.and_then(|v| u32::try_from(v).ok());
    let layers = small(number(d, "layers", u64::from(u32::MAX)));
    let hidden = small(number(d, "hidden_size", u64::from(u32::MAX)));
    let heads = small(number(d, "attention_heads", u64::from(u32::MAX)));
    let kv_heads = small(number(d, "kv_heads", u64::from(u32::MAX)));
    let head_dim = small(number(d, "head_dim", u64::from(u32::MAX)));
    let intermediate = small(number(d, "intermediate_size", u64::from(u32::MAX)));
    let vocab = small(number(d, "vocab_size", u64::from(u32::MAX)));
    let max_context = number(d, "max_context", 1 << 40);
    let window = number(d, "sliding_window", 1 << 40);
    let window_layers = small(number(d, "sliding_layers", u64::from(u32::MAX)));
    let experts = small(number(d, "experts", u64::from(u32::MAX)));
    let per_token = small(number(d, "experts_per_token", u64::from(u32::MAX)));
    let shared = small(number(d, "shared_experts", u64::from(u32::MAX)));
    let rank = small(number(d, "kv_lora_rank", u64::from(u32::MAX)));
    let rope = small(number(d, "rope_head_dim", u64::from(u32::MAX)));

    let mut m = match base {
        Some(m) => m,
        None => {
            let missing: Vec<&str> = [
                ("parameters", a.parameters.is_some()),
                ("layers", a.layers.is_some()),
                ("hidden_size", a.hidden_size.is_some()),
                ("attention_heads", a.attention_heads.is_some()),
                ("max_context", a.max_context.is_some()),
            ]
            .into_iter()
            .filter(|(_, given)| !given)
            .map(|(k, _)| k)
            .collect();
            if !missing.is_empty() {
                d.push(
                    Diagnostic::new(
                        &codes::E0224,
                        format!(
                            "`{path}.architecture` names no catalog entry (`like`), so it needs {}",
                            missing.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .at(a.span, "incomplete")
                    .help("copy them from the model's config.json (num_hidden_layers, hidden_size, num_attention_heads, max_position_embeddings) and the model card's parameter count, or start from a catalog entry with `like`"),
                );
                return None;
            }
            let hidden = hidden.unwrap_or(1);
            let heads = heads.unwrap_or(1).max(1);
            ModelEntry {
                description: format!("described in `{path}.architecture`"),
                huggingface: Vec::new(),
                parameters: String::new(),
                active_parameters: None,
                layers: 0,
                hidden_size: hidden,
                intermediate_size: hidden.saturating_mul(7) / 2,
                attention_heads: heads,
                kv_heads: heads,
                head_dim: hidden / heads,
                vocab_size: 128256,
                tied_embeddings: false,
                dtype: "bfloat16".into(),
                max_context: 0,
                sliding_window: None,
                sliding_layers: None,
                experts: None,
                experts_per_token: None,
                shared_experts: 0,
                dense_layers: 0,
                dense_intermediate_size: None,
                kv_lora_rank: None,
                rope_head_dim: None,
                quantization: None,
                multimodal: false,
            }
        }
    };
    if d.len() > before {
        return None;
    }
    m.description = format!("described in `{path}.architecture`");
    m.huggingface = Vec::new();
    if let Some(p) = &a.parameters {
        m.parameters = p.v.clone();
    }
    if let Some(p) = &a.active_parameters {
        m.active_parameters = Some(p.v.clone());
    }
    macro_rules! set {
        ($field:ident, $v:expr) => {
            if let Some(v) = $v {
                m.$field = v;
            }
        };
    }
    set!(layers, layers);
    set!(hidden_size, hidden);
    set!(attention_heads, heads);
    set!(kv_heads, kv_heads);
    set!(head_dim, head_dim);
    set!(intermediate_size, intermediate);
    set!(vocab_size, vocab);
    set!(max_context, max_context);
    set!(shared_experts, shared);
    m.sliding_window = window.or(m.sliding_window);
    m.sliding_layers = window_layers.or(m.sliding_layers);
    m.experts = experts.or(m.experts);
    m.experts_per_token = per_token.or(m.experts_per_token);
    m.kv_lora_rank = rank.or(m.kv_lora_rank);
    m.rope_head_dim = rope.or(m.rope_head_dim);
    if let Some(t) = &a.tied_embeddings {
        m.tied_embeddings = t.v;
    }
    if let Some(t) = &a.dtype {
        m.dtype = t.v.clone();
    }
    if let Some(q) = &a.quantization {
        m.quantization = Some(q.v.clone());
    }
    let problems = models::check("", &m);
    for p in &problems {
        let message = p
            .message
            .strip_prefix(&format!("`{}`", p.path))
            .map_or(p.message.clone(), |rest| {
                format!("`{}`{rest}", key(&p.path))
            });
        d.push(
            Diagnostic::new(&codes::E0224, message)
                .at(
                    a.span_of(&p.path),
                    "not what the model's config.json would say",
                )
                .help(p.help),
        );
    }
    if !problems.is_empty() {
        return None;
    }
    let name = match &a.like {
        Some(like) => format!("{} (as `{path}.architecture` adjusts it)", like.v),
        None => format!("{path}.architecture"),
    };
    Some((m, name))
}
