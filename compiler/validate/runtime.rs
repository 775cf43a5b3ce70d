//! What a serving runtime asks of the rest of the spec: a startup budget no shorter than the
//! runtime's own (W0010), a tensor-parallel degree (times the pipeline stages) equal to the pod's GPUs, or
//! to its NeuronCores where a device holds several (E0132), and a
//! /dev/shm for NCCL when the model is split over GPUs (E0133).

use crate::app::{App, Server};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::read::Sp;
use crate::spec::{Serve, Spec};
use crate::stdlib::{Catalog, DEFAULT_RUNTIME, Runtime, TensorParallel};
use crate::values::{duration, quantity::Quantity};

pub fn check(d: &mut Diagnostics, spec: &Spec, app: &App, catalog: &Catalog) {
    for server in &app.servers {
        let Some(s) = spec.server(&server.path) else {
            continue;
        };
        let name = s.runtime.as_ref().map_or(DEFAULT_RUNTIME, |r| r.v.as_str());
        let Some(runtime) = catalog.runtime(name) else {
            continue;
        };
        startup_budget(d, &server.path, s, name, runtime);
        if let Some(tp) = &runtime.tensor_parallel {
            tensor_parallel(d, s, server, catalog, tp);
        }
    }
}

fn startup_budget(d: &mut Diagnostics, path: &str, s: &Serve, name: &str, runtime: &Runtime) {
    let Some(given) = s.health.as_ref().and_then(|h| h.startup_timeout.as_ref()) else {
        return;
    };
    let (Ok(ours), Ok(theirs)) = (
        duration::parse_duration(&given.v),
        duration::parse_duration(&runtime.startup_timeout),
    ) else {
        return;
    };
    if ours < theirs {
        d.push(
            Diagnostic::new(
                &codes::W0010,
                format!(
                    "`{path}.health.startup_timeout` is {}, shorter than runtime `{name}`'s default of {}",
                    given.v, runtime.startup_timeout
                ),
            )
            .at(given.span, "a shorter first load")
            .help(format!(
                "a pod that loads slower is restarted before it serves, and loads again; keep `{}` or more unless this model is known to load faster",
                runtime.startup_timeout
            )),
        );
    }
}

/// The degree the spec asks for, and where: `--flag N`, `--flag=N`, or the runtime's env.
fn degree(s: &Serve, tp: &TensorParallel) -> Option<(i64, Span)> {
    let args: Vec<&Sp<String>> = s.container.args.iter().flatten().collect();
    for (i, a) in args.iter().enumerate() {
        for flag in &tp.flags {
            let value = if a.v == *flag {
                args.get(i + 1).map(|v| (v.v.as_str(), v.span))
            } else {
                a.v.strip_prefix(flag.as_str())
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(|v| (v, a.span))
            };
            if let Some((v, span)) = value
                && let Ok(n) = v.parse::<i64>()
            {
                return Some((n, span));
            }
        }
    }
    let var = tp.env.as_ref()?;
    let (_, v) = s.container.env.iter().find(|(k, _)| k.v == *var)?;
    v.v.parse::<i64>().ok().map(|n| (n, v.span))
}

fn tensor_parallel(
    d: &mut Diagnostics,
    s: &Serve,
    server: &Server,
    catalog: &Catalog,
    tp: &TensorParallel,
) {
    let Some((tensor, at)) = degree(s, tp) else {
        return;
    };
    let w = &server.workload;
    let path = &server.path;
    // Pipeline stages multiply the GPUs: each stage holds a tensor-parallel group.
    let stages = crate::memory::pipeline_stages(catalog, s, w);
    let n = tensor * stages;
    let split = if stages > 1 {
        format!("tensor × pipeline parallelism ({tensor} × {stages}) splits the model")
    } else {
        "tensor parallelism splits the model".to_string()
    };
    let r = s.container.resources.as_ref();
    // A device of several cores (an AWS Neuron device's NeuronCores) holds that many ranks.
    let cores = r
        .and_then(|r| r.accelerator.as_ref())
        .and_then(|a| catalog.accelerator(&a.name.v))
        .map_or(1, |a| i64::from(a.cores()));
    // A group's pods (`[serve.group]`) split the model between them: count its devices.
    let pods = server.group.as_ref().map_or(1, |g| i64::from(g.size));
    let devices: i64 = w.pod.main.resources.devices.values().sum::<i64>() * pods;
    let gpus = devices * cores;
    let each = if pods > 1 {
        format!("each group of {pods} pods gets")
    } else {
        "each pod gets".to_string()
    };
    let unit = if cores > 1 { "cores" } else { "GPUs" };
    // What `gpus` (per pod) must be for the degree: the group shares it out.
    let want = if n % pods == 0 { n / pods } else { n };
    if n != gpus {
        let mut diag = Diagnostic::new(
            &codes::E0132,
            if gpus == 0 {
                format!("{split} over {n} {unit}, but the pod has none")
            } else if cores > 1 {
                format!(
                    "{split} over {n} cores, but {each} {gpus} ({devices} devices of {cores} cores)"
                )
            } else {
                format!("{split} over {n} GPUs, but {each} {gpus}")
            },
        )
        .at(at, "tensor-parallel degree");
        if let Some(g) = r.and_then(|r| r.gpus.as_ref()) {
            diag = diag.also(g.span, "GPUs per pod");
        } else if let Some(a) = r.and_then(|r| r.accelerator.as_ref()) {
            diag = diag.also(a.span, "one device per pod by default");
        }
        d.push(diag.help(if gpus == 0 {
            format!("add `accelerator` and `gpus = {want}` to `[{path}.resources]`")
        } else if cores > 1 && want % cores == 0 {
            format!(
                "set `gpus = {}` in `[{path}.resources]` ({n} cores), or the degree to {gpus}: `gpus` counts devices, and each holds {cores} cores",
                want / cores
            )
        } else if cores > 1 {
            format!(
                "set the degree to {gpus}, or to another multiple of {cores}: `gpus` counts devices, and each holds {cores} cores"
            )
        } else if stages > 1 {
            format!(
                "set `gpus = {want}` in `[{path}.resources]`, or degrees whose product is {gpus}: each shard of each stage needs its own GPU"
            )
        } else {
            format!(
                "set `gpus = {want}` in `[{path}.resources]`, or the degree to {gpus}: each shard needs its own GPU, and a GPU without a shard sits idle"
            )
        }));
    }
    if n <= 1 {
        return;
    }
    let floor = &catalog.defaults.resources.tensor_parallel_shm;
    let enough = match (&w.pod.shm, Quantity::parse(floor)) {
        (Some(shm), Ok(min)) => Quantity::parse(shm).is_ok_and(|q| q >= min),
        (None, _) => false,
        (Some(_), Err(_)) => true,
    };
    if enough {
        return;
    }
    let mut diag = Diagnostic::new(
        &codes::E0133,
        match &w.pod.shm {
            Some(shm) => format!(
                "{n}-way tensor parallelism with {shm} of /dev/shm; NCCL needs at least {floor}"
            ),
            None => format!(
                "{n}-way tensor parallelism without a /dev/shm; NCCL needs at least {floor}"
            ),
        },
    )
    .at(at, "tensor-parallel degree");
    if let Some(shm) = r.and_then(|r| r.shm.as_ref()) {
        diag = diag.also(shm.span, "shared memory");
    }
    d.push(diag.help(format!(
        "set `shm` in `[{path}.resources]` to {floor} or more (vLLM and SGLang suggest 16Gi), with `memory` above it"
    )));
}

#[cfg(test)]
mod tests {
    use crate::compile_str;

    fn codes(spec: &str) -> Vec<&'static str> {
        let (_, d) = compile_str(spec);
        d.iter().map(|x| x.code.id).collect()
    }

    const VLLM: &str =
        "[app]\nname = \"a\"\n[serve]\nimage = \"vllm/vllm-openai:v0.6.3\"\nruntime = \"vllm\"\n";

    #[test]
    fn a_matching_degree_passes_in_every_spelling() {
        for args in [
            "[\"--tensor-parallel-size\", \"2\"]",
            "[\"--tensor-parallel-size=2\"]",
            "[\"-tp\", \"2\"]",
        ] {
            let spec = format!(
                "{VLLM}args = {args}\n[serve.resources]\nmemory = \"64Gi\"\naccelerator = \"nvidia-l4\"\ngpus = 2\nshm = \"8Gi\"\n"
            );
            let c = codes(&spec);
            assert!(
                !c.contains(&"E0132") && !c.contains(&"E0133"),
                "{args}: {c:?}"
            );
        }
    }

    #[test]
    fn a_degree_without_gpus_or_enough_shm_is_both_errors() {
        let spec = format!("{VLLM}args = [\"-tp\", \"4\"]\n[serve.resources]\nshm = \"256Mi\"\n");
        let c = codes(&spec);
        assert!(c.contains(&"E0132") && c.contains(&"E0133"), "{c:?}");
    }

    #[test]
    fn pipeline_stages_multiply_the_gpus_the_degree_needs() {
        let spec = |gpus: u32| {
            format!(
                "{VLLM}args = [\"-tp\", \"2\", \"--pipeline-parallel-size\", \"2\"]\n[serve.resources]\nmemory = \"64Gi\"\naccelerator = \"nvidia-l4\"\ngpus = {gpus}\nshm = \"8Gi\"\n"
            )
        };
        assert!(!codes(&spec(4)).contains(&"E0132"));
        assert!(codes(&spec(2)).contains(&"E0132"));
    }

    #[test]
    fn tgi_reads_its_degree_from_the_env_too() {
        let spec = "[app]\nname = \"a\"\n[serve]\nimage = \"ghcr.io/huggingface/text-generation-inference:2.4.0\"\nruntime = \"tgi\"\nenv = { NUM_SHARD = \"2\" }\n[serve.resources]\naccelerator = \"nvidia-l4\"\n";
        assert!(codes(spec).contains(&"E0132"));
    }

    #[test]
    fn a_neuron_device_holds_several_tensor_parallel_ranks() {
        let spec = |acc: &str, gpus: u32, tp: u32| {
            format!(
                "{VLLM}args = [\"--tensor-parallel-size\", \"{tp}\"]\n[serve.resources]\nmemory = \"64Gi\"\naccelerator = \"{acc}\"\ngpus = {gpus}\nshm = \"8Gi\"\n"
            )
        };
        // An Inferentia2 device is two NeuronCores, a Trainium2 device four (LNC=2).
        assert!(!codes(&spec("aws-inferentia2", 1, 2)).contains(&"E0132"));
        assert!(!codes(&spec("aws-inferentia2", 12, 24)).contains(&"E0132"));
        assert!(!codes(&spec("aws-trainium2", 16, 64)).contains(&"E0132"));
        let (_, d) = crate::compile_str(&spec("aws-inferentia2", 2, 2));
        let e = d.iter().find(|x| x.code.id == "E0132").expect("E0132");
        assert!(
            e.message.contains("each pod gets 4 (2 devices of 2 cores)"),
            "{}",
            e.message
        );
        assert!(
            e.help.as_deref().is_some_and(|h| h.contains("`gpus = 1`")),
            "{e:?}"
        );
        assert!(codes(&spec("aws-trainium1", 1, 1)).contains(&"E0132"));
    }

    #[test]
    fn a_budget_below_the_runtime_is_a_warning_and_above_is_not() {
        let short = format!("{VLLM}[serve.health]\nstartup_timeout = \"5m\"\n");
        assert!(codes(&short).contains(&"W0010"));
        let long = format!("{VLLM}[serve.health]\nstartup_timeout = \"30m\"\n");
        assert!(!codes(&long).contains(&"W0010"));
    }
}
