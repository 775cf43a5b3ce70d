//! `mlspec init`: a commented starter spec for one runtime, from the catalog's `starter` entry,
//! that builds as it is. It never overwrites a file unless asked.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use mlspec::stdlib::{Catalog, Runtime, Starter};
use mlspec::values::names::dns1123_label;
use mlspec::values::suggest::suggest;

use super::args::InitArgs;
use super::report::Reporter;
use super::{EXIT_OK, EXIT_USAGE, io, report};

pub fn run(a: &InitArgs, out: &Reporter) -> i32 {
    let catalog = match super::catalog::load(a.stdlib.as_deref(), &Default::default(), out) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match write(a, &catalog) {
        Ok(()) => EXIT_OK,
        Err(msg) => {
            report::usage_error(&msg);
            EXIT_USAGE
        }
    }
}

/// "unknown runtime `vlm` (did you mean `vllm`?); the catalog has: http, tf-serving, vllm"
fn unknown<'a>(what: &str, name: &str, known: impl Iterator<Item = &'a String> + Clone) -> String {
    let hint =
        suggest(name, known.clone()).map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
    let all: Vec<&str> = known.map(String::as_str).collect();
    format!(
        "unknown {what} `{name}`{hint}; the catalog has: {}",
        all.join(", ")
    )
}

fn write(a: &InitArgs, catalog: &Catalog) -> Result<(), String> {
    let runtime = catalog
        .runtime(&a.runtime)
        .ok_or_else(|| unknown("runtime", &a.runtime, catalog.runtimes.keys()))?;
    let Some(s) = &runtime.starter else {
        return Err(format!(
            "runtime `{}` has no `starter` entry to start a spec from; add one to its catalog (a public image, and the model a first run needs), or start from an example",
            a.runtime
        ));
    };
    let accelerator = a.accelerator.as_ref().or(s.accelerator.as_ref());
    if let Some(name) = accelerator {
        match catalog.accelerator(name) {
            None => return Err(unknown("accelerator", name, catalog.accelerators.keys())),
            Some(acc) if acc.is_tpu() => {
                return Err(format!(
                    "`{name}` is a TPU, which needs a topology and usually a Job, not a server: start from examples/tpu-train/app.toml"
                ));
            }
            Some(_) => {}
        }
    }
    let name = match &a.name {
        Some(n) => n.clone(),
        None => folder_name(&a.path),
    };
    dns1123_label(&name).map_err(|e| {
        format!("`{name}` cannot name an app: {e}; choose one with `--name my-model`")
    })?;
    // A link counts as existing even when it points nowhere: writing would create its target.
    if std::fs::symlink_metadata(&a.path).is_ok() && !a.force {
        return Err(format!(
            "`{}` already exists; choose another FILE or pass --force to overwrite it",
            a.path.display()
        ));
    }
    let file = a.path.display().to_string();
    let stdlib = a
        .stdlib
        .as_deref()
        .map(|dir| relative_to_spec(&a.path, dir));
    let text = starter(
        &name,
        &file,
        &a.runtime,
        (runtime, s),
        accelerator.map(String::as_str),
        stdlib.as_deref(),
    );
    io::write_output(&a.path, &text)?;
    report::eprint(&format!(
        "wrote {}: build it with `mlspec build {}`, check it with `mlspec check {}`\n",
        a.path.display(),
        a.path.display(),
        a.path.display()
    ));
    Ok(())
}

/// The spec's folder name, lower-cased, when it is a valid app name; else `my-model`.
fn folder_name(path: &Path) -> String {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::env::current_dir().unwrap_or_default(),
    };
    dir.canonicalize()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .filter(|n| dns1123_label(n).is_ok())
        .unwrap_or_else(|| "my-model".to_string())
}

/// `dir` as a path relative to the folder of the spec at `spec` (what `[app] stdlib` holds),
/// or as given when either cannot be resolved.
fn relative_to_spec(spec: &Path, dir: &Path) -> String {
    let folder = match spec.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (Ok(from), Ok(to)) = (folder.canonicalize(), dir.canonicalize()) else {
        return dir.display().to_string();
    };
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    rel.extend(&to[common..]);
    rel.display().to_string()
}

/// A TOML string literal (JSON's escapes are a subset of TOML's basic strings).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn starter(
    name: &str,
    file: &str,
    runtime: &str,
    (rt, s): (&Runtime, &Starter),
    accelerator: Option<&str>,
    stdlib: Option<&str>,
) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# {name}: an mlspec app ({}).\n\
         # Build:  mlspec build {file} > bundle.yaml\n\
         # Fit:    mlspec place --inventory pools.toml {file}\n\
         # Every key: README.md, \"A tour of the spec\"; every diagnostic: mlspec explain CODE.\n\
         # Editor completion and hover docs: `mlspec schema > mlspec.schema.json`, then make\n\
         # `#:schema ./mlspec.schema.json` the first line of this file (Taplo, Even Better TOML).\n",
        rt.description
    );
    let _ = write!(
        t,
        "[app]\nname = {}\nnamespace = \"default\"\nversion = \"0.1.0\"\n",
        quoted(name)
    );
    if let Some(dir) = stdlib {
        let _ = writeln!(
            t,
            "# Your platform's catalog (accelerators.toml, runtimes.toml), relative to this file.\n\
             stdlib = {}",
            quoted(dir)
        );
    }
    t.push('\n');
    let _ = writeln!(
        t,
        "[serve]\n\
         # Your model server's image. Pin it by digest (`…@sha256:…`) before production:\n\
         # mlspec warns (W0002) until then.\n\
         image = {}\n\
         # Ports, health checks, writable directories and the startup budget come from the\n\
         # catalog's `{runtime}` entry (stdlib/runtimes.toml in the mlspec repository).\n\
         runtime = {}\n\
         # Its own app's pods may call it; who else may is declared (docs/traffic.md):\n\
         # callers = [{{ namespace = \"web\" }}]",
        quoted(&s.image),
        quoted(runtime)
    );
    if let Some(m) = &s.model_name {
        let _ = writeln!(
            t,
            "# The model the server loads: the runtime's flags for it are filled in.\nmodel_name = {}",
            quoted(m)
        );
    }
    if !s.args.is_empty() {
        let args: Vec<String> = s.args.iter().map(|a| quoted(a)).collect();
        let _ = writeln!(t, "args = [{}]", args.join(", "));
    }
    if !s.env.is_empty() {
        let env: Vec<String> = s
            .env
            .iter()
            .map(|(k, v)| format!("{k} = {}", quoted(v)))
            .collect();
        let _ = writeln!(t, "env = {{ {} }}", env.join(", "));
    }
    let cpu = rt.resources.cpu.as_deref().unwrap_or("1");
    let memory = rt.resources.memory.as_deref().unwrap_or("1Gi");
    let _ = writeln!(
        t,
        "\n[serve.resources]\n# Requests equal limits (Guaranteed QoS).\ncpu = {}\nmemory = {}",
        quoted(cpu),
        quoted(memory)
    );
    if let Some(acc) = accelerator {
        let _ = writeln!(
            t,
            "# Node selector, toleration and /dev/shm come from the catalog's `{acc}` entry.\n\
             accelerator = {}\ngpus = 1",
            quoted(acc)
        );
    }
    let _ = writeln!(
        t,
        "\n[serve.scaling]\n\
         # Two or more replicas get a PodDisruptionBudget; the HPA scales on CPU.\n\
         min = 2\nmax = 4\ntarget = {{ cpu = \"70%\" }}"
    );
    let _ = writeln!(
        t,
        "\n# Clients in the cluster reach it as http://{name}.default (port 80). To publish it,\n\
         # a load balancer that accepts only your clients' addresses (docs/traffic.md):\n\
         # [serve.service]\n\
         # type = \"load-balancer\"\n\
         # ports = {{ {port} = 80 }}\n\
         # source_ranges = [\"203.0.113.0/24\"]\n\
         # or an Ingress through your ingress controller:\n\
         # [serve.ingress]\n\
         # host = \"{name}.example.com\"\n\
         # tls = {{ cluster_issuer = \"letsencrypt-prod\" }}",
        port = rt.ports.first().map_or("http", |p| p.name.as_str())
    );
    t
}
