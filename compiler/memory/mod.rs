//! Will the model fit? For a server on an LLM runtime whose model mlspec knows, the weights and
//! the KV cache are accounted for on the devices of one pod the way the runtime does at startup:
//! the weights split over the tensor- and pipeline-parallel devices, the runtime's overheads and
//! profiled activations, and what is left of its share of each device for the KV cache. Errors
//! when the weights alone do not fit (E0220) or the KV cache cannot hold one sequence of the
//! maximum context (E0221), a warning when only a few fit (W0070); the model's download is
//! checked against its volume (E0222).
//!
//! `server` is the check of one server, from its spec section and resolved workload, so an app
//! of several servers checks each. `assess` runs it for the app; its `Assessment`s are what
//! `mlspec memory` reports. Like validate, this stage reads the resolved `App` and points at the
//! `Spec`'s spans; it parses only the values it owns (`serve.architecture`, the runtime's
//! memory flags in `args`).

pub mod account;
pub mod knobs;
pub mod model;
pub mod report;
mod verdict;

use account::{Account, Rules, Setup};

use std::collections::BTreeMap;

use crate::app::{App, EnvValue, ModelVolume, VolumeSource, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::{Serve, Spec};
use crate::stdlib::memory::{Knob, RuntimeMemory, bytes};
use crate::stdlib::{Catalog, DEFAULT_RUNTIME, Runtime};

/// One server's memory, per device of one pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The spec section (`serve`).
    pub path: String,
    /// The workload's object name.
    pub workload: String,
    pub runtime: String,
    /// The catalog entry (or `serve.architecture`).
    pub model: String,
    pub repository: Option<String>,
    pub parameters: f64,
    pub active_parameters: Option<f64>,
    pub accelerator: String,
    pub mig: Option<String>,
    /// Devices (GPUs, MIG slices, TPU chips, or the cores of devices that hold several) of one pod.
    pub devices: u64,
    /// What one device is called: `GPU`, `chip` for a TPU, `core` for a NeuronCore.
    pub device_word: &'static str,
    /// Bytes of one device.
    pub device_bytes: f64,
    pub tensor_parallel: u64,
    pub pipeline_parallel: u64,
    /// What the unquantized weights are held in.
    pub dtype: String,
    /// The quantization of the weights, the server's or the checkpoint's.
    pub quantization: Option<String>,
    pub kv_cache_dtype: String,
    pub fraction: f64,
    pub max_context: u64,
    pub max_sequences: Option<u64>,
    pub batched_tokens: Option<u64>,
    pub account: Account,
    /// The checkpoint's bytes and the volume it is downloaded into, when the spec has one.
    pub download: Option<Download>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub bytes: f64,
    /// The download volume's size (`None`: an existing claim of unknown size).
    pub volume: Option<(String, f64)>,
}

/// What the check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Fits,
    /// Fewer sequences of the maximum context than `[memory] few_sequences` (W0070).
    FewSequences,
    /// Not one sequence of the maximum context (E0221).
    KvCacheTooSmall,
    /// The weights alone are more than the runtime may use (E0220).
    WeightsTooLarge,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fits => "fits",
            Verdict::FewSequences => "few-sequences",
            Verdict::KvCacheTooSmall => "kv-cache-too-small",
            Verdict::WeightsTooLarge => "weights-do-not-fit",
        }
    }
}

/// Every server of the app that runs an LLM runtime on an accelerator with a model mlspec knows.
pub fn assess(spec: &Spec, app: &App, catalog: &Catalog) -> (Vec<Assessment>, Diagnostics) {
    let mut d = Diagnostics::default();
    let mut out = Vec::new();
    for server in &app.servers {
        if let Some(s) = spec.server(&server.path)
            && let Some(a) = server_memory(&mut d, catalog, &server.path, s, &server.workload)
        {
            out.push(a);
        }
    }
    (out, d)
}

/// What the server's args and env set, with the runtime's reading rules.
struct Reader<'a> {
    w: &'a Workload,
    s: &'a Serve,
    underscores: bool,
}

impl Reader<'_> {
    /// The main container's literal variables: one from a Secret or a field is not known at
    /// build time.
    fn env(&self) -> BTreeMap<String, String> {
        self.w
            .pod
            .main
            .env
            .iter()
            .filter_map(|e| match &e.value {
                EnvValue::Literal(v) => Some((e.name.clone(), v.clone())),
                _ => None,
            })
            .collect()
    }

    fn get(&self, knob: &Knob) -> Option<knobs::Set> {
        knobs::read(
            knob,
            &self.w.pod.main.args,
            &self.env(),
            &self.s.container,
            self.underscores,
        )
    }

    /// Whether the switch `knob` is on.
    fn switch(&self, knob: &Knob) -> bool {
        knobs::switch(knob, &self.w.pod.main.args, &self.env())
    }
}

/// The span to point at for a knob the spec sets, else `fallback`.
fn at(set: Option<&knobs::Set>, fallback: Span) -> Span {
    set.and_then(|s| s.span).unwrap_or(fallback)
}

/// A knob's value as a number, E0225 when it is not one in `range`.
fn number(
    d: &mut Diagnostics,
    path: &str,
    set: Option<&knobs::Set>,
    fallback: Span,
    range: std::ops::RangeInclusive<f64>,
    what: &str,
) -> Result<Option<f64>, ()> {
    let Some(set) = set else {
        return Ok(None);
    };
    match set.value.trim().parse::<f64>() {
        Ok(v) if range.contains(&v) => Ok(Some(v)),
        _ => {
            d.push(
                Diagnostic::new(
                    &codes::E0225,
                    format!("`{}` in `{path}` is `{}`, not {what}", set.name, set.value),
                )
                .at(at(Some(set), fallback), "the server would refuse it")
                .help(format!("give `{}` {what}", set.name)),
            );
            Err(())
        }
    }
}

/// A knob's value as one of `table`'s names, E0225 when it is none of them.
fn choice(
    d: &mut Diagnostics,
    path: &str,
    set: Option<&knobs::Set>,
    fallback: Span,
    table: &std::collections::BTreeMap<String, f64>,
) -> Result<Option<(String, f64)>, ()> {
    let Some(set) = set else {
        return Ok(None);
    };
    if let Some(v) = table.get(&set.value) {
        return Ok(Some((set.value.clone(), *v)));
    }
    let names: Vec<&str> = table.keys().map(String::as_str).collect();
    d.push(
        Diagnostic::new(
            &codes::E0225,
            format!(
                "`{}` in `{path}` is `{}`, which the runtime does not take",
                set.name, set.value
            ),
        )
        .at(at(Some(set), fallback), "not one of its values")
        .help(format!(
            "use one of {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    );
    Err(())
}

/// The runtime a server names (or the default), with its memory rules, if it has any.
fn rules<'c>(catalog: &'c Catalog, s: &Serve) -> Option<(&'c str, &'c Runtime, &'c RuntimeMemory)> {
    let name = s.runtime.as_ref().map_or(DEFAULT_RUNTIME, |r| r.v.as_str());
    let (name, runtime) = catalog.runtimes.get_key_value(name)?;
    Some((name.as_str(), runtime, runtime.memory.as_ref()?))
}

/// The pipeline-parallel stages `s` runs (its runtime's flag, else 1), for checks that count
/// the GPUs a server's parallelism needs (E0132: tensor × pipeline degree).
pub fn pipeline_stages(catalog: &Catalog, s: &Serve, w: &Workload) -> i64 {
    let Some((_, _, m)) = rules(catalog, s) else {
        return 1;
    };
    let reader = Reader {
        w,
        s,
        underscores: m.rules == "vllm",
    };
    m.pipeline_parallel
        .as_ref()
        .and_then(|k| reader.get(k))
        .and_then(|set| set.value.parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

/// The memory check of one server: its spec section at `path` and its resolved workload.
/// `None` when there is nothing to account for (not an LLM runtime, no accelerator, a model
/// mlspec does not know) or a setting stops the server before memory matters.
pub fn server_memory(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    s: &Serve,
    w: &Workload,
) -> Option<Assessment> {
    let (runtime_name, runtime, m) = rules(catalog, s)?;
    let version = crate::stdlib::memory::image_version(&w.pod.main.image, runtime_name);
    let m = &m.for_version(version.as_deref());
    let rules_kind = Rules::parse(&m.rules)?;
    let res = s.container.resources.as_ref()?;
    let accel_ref = res.accelerator.as_ref()?;
    let accelerator = catalog.accelerator(&accel_ref.name.v)?;
    let mig = accel_ref.mig.as_ref().map(|p| p.v.clone());
    // A device of several cores (an AWS Neuron device's NeuronCores) is that many ranks, each
    // with its share of the device's memory: the account is per core.
    let cores = u64::from(accelerator.cores());
    let device_bytes = accelerator.device_bytes(mig.as_deref())? / cores as f64;
    let devices: u64 = w
        .pod
        .main
        .resources
        .devices
        .values()
        .map(|n| u64::try_from(*n).unwrap_or(0))
        .sum::<u64>()
        * cores
        // A `[serve.group]` splits the model over the devices of all its pods.
        * s.group
            .as_ref()
            .and_then(|g| g.size.as_ref())
            .map_or(1, |n| u64::try_from(n.v).unwrap_or(1).max(1));
    if devices == 0 {
        return None;
    }
    let found = model::find(d, catalog, path, s, w, runtime)?;
    let entry = &found.entry;
    let reader = Reader {
        w,
        s,
        underscores: rules_kind == Rules::Vllm,
    };
    let runtime_span = s.runtime.as_ref().map_or(s.span, |r| r.span);

    // Parallelism: the runtime's tensor-parallel setting (E0132 checks it against the GPUs).
    let tp_set = runtime.tensor_parallel.as_ref().and_then(|tp| {
        reader.get(&Knob {
            flags: tp.flags.clone(),
            env: tp.env.clone(),
            ..Knob::default()
        })
    });
    let pp_set = m.pipeline_parallel.as_ref().and_then(|k| reader.get(k));
    let tp = number(
        d,
        path,
        tp_set.as_ref(),
        runtime_span,
        1.0..=1024.0,
        "a whole number of GPUs",
    );
    let pp = number(
        d,
        path,
        pp_set.as_ref(),
        runtime_span,
        1.0..=1024.0,
        "a whole number of pipeline stages",
    );
    let failed = tp.is_err() || pp.is_err();
    let (tp, pp) = (tp.unwrap_or(None), pp.unwrap_or(None));
    let tensor = tp.map_or(if m.shards_by_default { devices } else { 1 }, |v| v as u64);
    let pipeline = pp.map_or(1, |v| v as u64);
    if failed || tensor * pipeline != devices {
        // The parallel degrees and the pod's devices disagree: E0132 says so.
        return None;
    }
    let tp_span = at(tp_set.as_ref(), runtime_span);
    let units = match device_word(accelerator) {
        "chip" => "chips",
        "core" => "cores",
        _ => "GPUs",
    };
    if !entry.splits_over(tensor) {
        d.push(
            Diagnostic::new(
                &codes::E0226,
                format!(
                    "`{path}` splits {} over {tensor} {units}, but its {} attention heads ({} KV heads) do not divide evenly over them",
                    found.name, entry.attention_heads, entry.kv_heads
                ),
            )
            .at(tp_span, "tensor-parallel degree")
            .also(found.span, "the model")
            .help(format!(
                "use a degree that divides {} and {} (such as {}), and as many {units}",
                entry.attention_heads,
                entry.kv_heads,
                divisors(entry, tensor)
            )),
        );
        return None;
    }

    // The knobs.
    let large = m.large_device.as_ref().is_some_and(|l| {
        bytes(&l.memory).is_some_and(|min| device_bytes >= min)
            && !l.except.contains(&accel_ref.name.v)
    });
    let fraction_set = reader.get(&m.fraction);
    let ctx_set = reader.get(&m.max_context);
    let kv_set = reader.get(&m.kv_dtype);
    let dtype_set = reader.get(&m.dtype);
    let q_set = reader.get(&m.quantization);
    let seqs_set = m.max_sequences.as_ref().and_then(|k| reader.get(k));
    let batch_set = m.batched_tokens.as_ref().and_then(|k| reader.get(k));
    let mut failed = false;
    let mut ok = |r: Result<Option<f64>, ()>| {
        r.unwrap_or_else(|()| {
            failed = true;
            None
        })
    };
    let fraction = ok(number(
        d,
        path,
        fraction_set.as_ref(),
        runtime_span,
        0.01..=1.0,
        "a share of the GPU's memory between 0 and 1",
    ));
    let max_context = ok(number(
        d,
        path,
        ctx_set.as_ref(),
        runtime_span,
        1.0..=1e12,
        "a number of tokens",
    ));
    let max_sequences = ok(number(
        d,
        path,
        seqs_set.as_ref(),
        runtime_span,
        1.0..=1e9,
        "a number of sequences",
    ));
    let batched = ok(number(
        d,
        path,
        batch_set.as_ref(),
        runtime_span,
        1.0..=1e12,
        "a number of tokens",
    ));
    let kv = choice(d, path, kv_set.as_ref(), runtime_span, &m.kv_dtypes);
    let dtype = choice(d, path, dtype_set.as_ref(), runtime_span, &m.dtypes);
    let quantization = choice(d, path, q_set.as_ref(), runtime_span, &m.quantizations);
    let (Ok(kv), Ok(dtype), Ok(quantization)) = (kv, dtype, quantization) else {
        return None;
    };
    if failed {
        return None;
    }
    let fraction = fraction
        .or_else(|| m.fraction.default_number(large, tensor))
        .unwrap_or(0.9)
        * if entry.multimodal {
            m.multimodal_fraction.unwrap_or(1.0)
        } else {
            1.0
        };
    let model_bytes = entry.dtype_bytes();
    let weight_bytes = dtype.as_ref().map_or(
        model_bytes,
        |(_, b)| if *b > 0.0 { *b } else { model_bytes },
    );
    let kv_bytes = kv.as_ref().map_or(
        weight_bytes,
        |(_, b)| if *b > 0.0 { *b } else { weight_bytes },
    );
    let default_context = m
        .max_context
        .cap
        .map_or(entry.max_context, |c| c.min(entry.max_context));
    let max_context = match max_context {
        Some(c) if c as u64 > entry.max_context => {
            d.push(
                Diagnostic::new(
                    &codes::E0227,
                    format!(
                        "`{path}` asks for a {}-token context, longer than {}'s {} tokens",
                        report::count(c),
                        found.name,
                        report::count(entry.max_context as f64)
                    ),
                )
                .at(at(ctx_set.as_ref(), runtime_span), "longer than the model's")
                .also(found.span, "the model")
                .help(format!(
                    "use at most {} (max_position_embeddings in its config.json); a longer context needs a model trained or scaled for it",
                    entry.max_context
                )),
            );
            return None;
        }
        Some(c) => c as u64,
        None => default_context,
    };
    let parallel = match &m.pcie_parallel_overhead {
        Some(p) if accelerator.pcie_only => p,
        _ => &m.parallel_overhead,
    };
    let overhead = bytes(&m.overhead).unwrap_or(0.0)
        + if tensor * pipeline > 1 {
            bytes(parallel).unwrap_or(0.0)
        } else {
            0.0
        };
    let pick = |k: Option<&Knob>, set: Option<f64>| -> Option<u64> {
        set.map(|v| v as u64)
            .or_else(|| k?.default_number(large, tensor).map(|v| v as u64))
    };
    let max_sequences = pick(m.max_sequences.as_ref(), max_sequences);
    let batched_tokens = match (batched, m.batched_tokens.as_ref()) {
        (Some(b), _) => Some(b as u64),
        // vLLM's V0 engine profiled one prefill of the whole context when it is short enough.
        (None, Some(k)) if k.whole_context_up_to.is_some_and(|up| max_context <= up) => {
            pick(Some(k), None).map(|d| d.max(max_context))
        }
        (None, k) => pick(k, None),
    };
    let setup = Setup {
        rules: rules_kind,
        device_bytes,
        tensor,
        pipeline,
        fraction,
        max_context,
        weight_bytes,
        quantization: quantization.clone(),
        checkpoint_bits: entry
            .quantization
            .as_ref()
            .and_then(|q| m.quantizations.get(q).copied()),
        kv_bytes,
        max_sequences: max_sequences.unwrap_or(0),
        batched_tokens: batched_tokens.unwrap_or(0),
        overhead,
        mlp_activations: m.mlp_activations,
        hidden_activations: m.hidden_activations,
        sampler_bytes: m.sampler_bytes,
        prefill_logits: m.prefill_logits
            || m.prefill_logits_switch
                .as_ref()
                .is_some_and(|k| reader.switch(k)),
        kv_share: m.kv_share.unwrap_or(1.0),
        budget_share: m.budget_share.unwrap_or(1.0),
        windowed: m.windowed,
    };
    let acc = account::account(entry, &setup);

    let context = verdict::Context {
        path,
        catalog,
        runtime_name,
        runtime,
        rules: m,
        model: &found,
        accelerator_name: &accel_ref.name.v,
        accelerator,
        accel_span: accel_ref.span,
        gpus_span: res.gpus.as_ref().map(|g| g.span),
        fraction_set: fraction_set.as_ref(),
        ctx_set: ctx_set.as_ref(),
        setup: &setup,
        account: &acc,
        devices,
        large,
    };
    let verdict = verdict::judge(d, &context);
    let download = download(d, path, s, w, &found);

    let kv_cache_dtype = match &kv {
        Some((name, b)) if *b > 0.0 => name.clone(),
        _ => dtype_name(entry, weight_bytes),
    };
    Some(Assessment {
        path: path.to_string(),
        workload: w.name.clone(),
        runtime: runtime_name.to_string(),
        model: found.name.clone(),
        repository: found.repository.clone(),
        parameters: entry.total_parameters(),
        active_parameters: entry
            .active_parameters
            .as_deref()
            .and_then(|p| crate::stdlib::models::parse_count(p).ok()),
        device_word: device_word(accelerator),
        accelerator: accel_ref.name.v.clone(),
        mig,
        devices,
        device_bytes,
        tensor_parallel: tensor,
        pipeline_parallel: pipeline,
        dtype: dtype_name(entry, weight_bytes),
        quantization: quantization
            .map(|(q, _)| q)
            .or_else(|| entry.quantization.clone()),
        kv_cache_dtype,
        fraction,
        max_context,
        max_sequences,
        batched_tokens,
        account: acc,
        download,
        verdict,
    })
}

/// What one device of the account is called: a TPU `chip`, a `core` of a device that holds
/// several (AWS Neuron), else a `GPU`.
pub(crate) fn device_word(a: &crate::stdlib::Accelerator) -> &'static str {
    if a.is_tpu() {
        "chip"
    } else if a.cores() > 1 {
        "core"
    } else {
        "GPU"
    }
}

/// The name of a dtype of `bytes` per value: the model's own when it is that size.
fn dtype_name(m: &crate::stdlib::models::ModelEntry, bytes: f64) -> String {
    if (m.dtype_bytes() - bytes).abs() < f64::EPSILON {
        m.dtype.clone()
    } else if bytes >= 4.0 {
        "float32".into()
    } else if bytes >= 2.0 {
        "float16".into()
    } else {
        "fp8".into()
    }
}

/// Tensor-parallel degrees near `around` that divide both head counts, for a help line.
fn divisors(m: &crate::stdlib::models::ModelEntry, around: u64) -> String {
    let ok: Vec<String> = [1u64, 2, 4, 8, 16]
        .into_iter()
        .filter(|n| m.splits_over(*n))
        .filter(|n| *n != around)
        .map(|n| n.to_string())
        .collect();
    ok.join(", ")
}

/// A server that downloads the model itself (a Hugging Face repository in `model_name` or the
/// runtime's model flag, no `model` source) into its cache directory — `HF_HUB_CACHE`, else
/// `HF_HOME`, as the Hugging Face libraries pick it — against that directory's scratch space
/// (E0222): an emptyDir past its size limit gets the pod evicted mid-download.
fn self_download(
    d: &mut Diagnostics,
    path: &str,
    s: &Serve,
    w: &Workload,
    found: &model::Found,
) -> Option<Download> {
    found.repository.as_ref()?;
    let main = &w.pod.main;
    let home = ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME"]
        .iter()
        .find_map(|name| {
            main.env
                .iter()
                .find(|e| e.name == *name)
                .and_then(|e| match &e.value {
                    EnvValue::Literal(v) => Some(v.clone()),
                    _ => None,
                })
        })?;
    let mount = main
        .mounts
        .iter()
        .filter(|m| {
            let dir = m.path.trim_end_matches('/');
            home == dir || home.starts_with(&format!("{dir}/"))
        })
        .max_by_key(|m| m.path.len())?;
    let size = w.pod.volumes.iter().find_map(|v| match &v.source {
        VolumeSource::EmptyDir {
            size,
            memory: false,
        } if v.name == mount.volume => Some(size.clone()),
        _ => None,
    })?;
    let need = account::download(&found.entry);
    let volume = bytes(&size)?;
    if need > volume {
        let want = room_for(need);
        let resized = s
            .container
            .volumes
            .iter()
            .flatten()
            .find(|v| v.path.as_ref().is_some_and(|p| p.v == mount.path))
            .and_then(|v| v.size.as_ref());
        let diag = Diagnostic::new(
            &codes::E0222,
            format!(
                "`{path}` downloads {} of weights for {} into `{}`, scratch space of {size}",
                report::size(need),
                found.name,
                mount.path
            ),
        );
        let diag = match resized {
            Some(sp) => diag
                .at(sp.span, format!("`{}`: {size}", mount.path))
                .also(found.span, "the model, downloaded by the server"),
            None => diag.at(
                found.span,
                format!("downloaded by the server into `{}` ({size})", mount.path),
            ),
        };
        d.push(diag.help(format!(
            "give it room: `volumes = [{{ path = \"{}\", size = \"{want}Gi\" }}]` in `[{path}]`, \
             or download the model once into a claim the replicas share with \
             `model = {{ uri = \"hf://…\", cache = {{ size = \"{want}Gi\" }} }}`",
            mount.path
        )));
    }
    Some(Download {
        bytes: need,
        volume: Some((size, volume)),
    })
}

/// The volume size E0222's help suggests for a checkpoint of `need` bytes: a tenth more, in
/// whole GiB, for the download's partial files and the rest of the repository.
fn room_for(need: f64) -> f64 {
    (need * 1.1 / report::GIB).ceil()
}

/// The checkpoint's size against the volume it is downloaded into (E0222).
fn download(
    d: &mut Diagnostics,
    path: &str,
    s: &Serve,
    w: &Workload,
    found: &model::Found,
) -> Option<Download> {
    let Some(spec_model) = s.container.model.as_ref() else {
        return self_download(d, path, s, w, found);
    };
    let m = w.pod.model.as_ref().filter(|m| m.downloaded)?;
    let need = account::download(&found.entry);
    let (size, span, label) = match &m.volume {
        ModelVolume::EmptyDir(size) => match &spec_model.size {
            Some(sp) => (size.clone(), sp.span, "the download volume"),
            None => (
                size.clone(),
                spec_model.uri.as_ref().map_or(spec_model.span, |u| u.span),
                "downloaded into the default emptyDir",
            ),
        },
        ModelVolume::Claim {
            new: Some(claim), ..
        }
        | ModelVolume::PerReplica(claim) => {
            let span = spec_model
                .cache
                .as_ref()
                .and_then(|c| c.size.as_ref().map(|s| s.span))
                .unwrap_or(spec_model.span);
            (claim.size.clone(), span, "the model cache")
        }
        ModelVolume::Claim { new: None, .. } => {
            return Some(Download {
                bytes: need,
                volume: None,
            });
        }
    };
    let volume = bytes(&size)?;
    if need > volume {
        let key = if matches!(m.volume, ModelVolume::EmptyDir(_)) {
            format!("{path}.model.size")
        } else {
            format!("{path}.model.cache.size")
        };
        let want = room_for(need);
        d.push(
            Diagnostic::new(
                &codes::E0222,
                format!(
                    "`{path}.model` downloads {} of weights for {} into {size}",
                    report::size(need),
                    found.name
                ),
            )
            .at(span, format!("{label}: {size}"))
            .also(found.span, "the model")
            .help(format!(
                "set `{key}` to at least {want}Gi: a download that fills the volume fails (an emptyDir over its limit gets the pod evicted)"
            )),
        );
    }
    Some(Download {
        bytes: need,
        volume: Some((size, volume)),
    })
}
