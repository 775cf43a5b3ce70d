//! Catalog entries as their users wrote them: the text of one `[name]` table of a catalog
//! file, comments included, for `mlspec stdlib show`.

/// The built-in catalog files that hold named entries: (path in the repository, text).
pub const BUILTIN: [(&str, &str); 5] = [
    ("stdlib/accelerators.toml", super::ACCELERATORS),
    ("stdlib/runtimes.toml", super::RUNTIMES),
    ("stdlib/providers.toml", super::PROVIDERS),
    ("stdlib/sources.toml", super::SOURCES),
    ("stdlib/models.toml", super::MODELS),
];

/// The lines of `text` from the `[name]` header to the next table header, trailing blank lines
/// left out.
pub fn entry<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    // A name with a dot (`llama-3.1-8b`) is a quoted key: `["llama-3.1-8b"]`.
    let headers = [format!("[{name}]"), format!("[\"{name}\"]")];
    let subtables = [format!("[{name}."), format!("[\"{name}\".")];
    let mut start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let is_header = trimmed.starts_with('[') && trimmed.ends_with(']') && trimmed.len() > 2;
        match start {
            None if headers.iter().any(|h| trimmed == h) => start = Some(offset),
            Some(s) if is_header && !subtables.iter().any(|p| trimmed.starts_with(p.as_str())) => {
                return Some(text[s..offset].trim_end());
            }
            _ => {}
        }
        offset += line.len();
    }
    start.map(|s| text[s..].trim_end())
}

/// The catalog as Markdown tables, by name (`accelerators`, `runtimes`, `providers`,
/// `sources`): what the pages of docs/ show between `<!-- catalog:NAME -->` markers, kept current
/// by a test.
pub fn markdown_tables(c: &super::Catalog) -> [(&'static str, String); 4] {
    [
        ("accelerators", accelerators(c)),
        ("runtimes", runtimes(c)),
        ("providers", providers(c)),
        ("sources", sources(c)),
    ]
}

/// Every table, each after a blank line but the first (`mlspec stdlib list --markdown`); the
/// models' last (docs/memory.md shows it).
pub fn markdown(c: &super::Catalog) -> String {
    let mut all = markdown_tables(c).map(|(_, t)| t).join("\n");
    all.push('\n');
    all.push_str(&super::models::markdown(&c.models));
    all
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn code_list<'a>(items: impl IntoIterator<Item = &'a String>, sep: &str) -> String {
    let all: Vec<String> = items.into_iter().map(|s| format!("`{s}`")).collect();
    if all.is_empty() {
        "—".to_string()
    } else {
        all.join(sep)
    }
}

fn accelerators(c: &super::Catalog) -> String {
    let mut out = String::from(
        "| accelerator | resource | memory | per node | selected by | MIG profiles or TPU topologies |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, a) in &c.accelerators {
        let labels: Vec<String> = a
            .node_selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let shapes = if !a.mig.is_empty() {
            code_list(&a.mig, " ")
        } else {
            let mut s = code_list(a.single_host_topologies(), " ");
            for h in &a.hosts {
                let several: Vec<&String> = h
                    .topologies
                    .iter()
                    .filter(|t| {
                        a.shapes(t)
                            .iter()
                            .any(|(sl, o)| o.machine == h.machine && sl.hosts > 1)
                    })
                    .collect();
                if !several.is_empty() {
                    s.push_str(&format!(
                        "; on several `{}` hosts ({} chips each): {}",
                        h.machine,
                        h.chips,
                        code_list(several, " ")
                    ));
                }
            }
            s
        };
        let memory = match a.cores() {
            1 => a.memory.clone(),
            n => format!("{} ({n} cores)", a.memory),
        };
        out.push_str(&format!(
            "| `{name}` | `{}` | {memory} | {} | {} | {shapes} |\n",
            a.resource,
            a.max_per_node,
            code_list(&labels, " "),
        ));
    }
    out
}

fn runtimes(c: &super::Catalog) -> String {
    let mut out = String::from(
        "| runtime | ports | readiness / liveness | metrics | model flags (`model_name`) | loads `model` from | writable | /dev/shm | startup |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, r) in &c.runtimes {
        let ports: Vec<String> = r
            .ports
            .iter()
            .map(|p| format!("{} {}", p.name, p.port))
            .collect();
        let health = match (&r.health.readiness, &r.health.liveness) {
            (Some(a), Some(b)) if a != b => format!("`{a}` / `{b}`"),
            (Some(a), _) | (None, Some(a)) => format!("`{a}`"),
            (None, None) => "—".to_string(),
        };
        let metrics = r.metrics.as_ref().map_or("—".to_string(), |m| {
            let port = r
                .ports
                .iter()
                .find(|p| p.name == m.port)
                .map_or(0, |p| p.port);
            format!("{port} `{}`", m.path)
        });
        let model = if r.model_args.is_empty() {
            "—".to_string()
        } else {
            format!("`{}`", r.model_args.join(" "))
        };
        let src = &r.model_source;
        let mut loads: Vec<String> = vec![format!(
            "`{}`",
            src.path.as_deref().unwrap_or(&c.defaults.model.path)
        )];
        if !src.args.is_empty() {
            loads.push(format!("`{}`", src.args.join(" ")));
        }
        loads.extend(src.env.iter().map(|(k, v)| format!("`{k}={v}`")));
        let writable: Vec<&String> = r.volumes.iter().map(|v| &v.path).collect();
        out.push_str(&format!(
            "| `{name}` | {} | {health} | {metrics} | {model} | {} | {} | {} | {} |\n",
            ports.join(", "),
            loads.join(" "),
            code_list(writable, " "),
            r.shm.as_deref().unwrap_or("—"),
            r.startup_timeout,
        ));
    }
    out
}

fn providers(c: &super::Catalog) -> String {
    let mut out = String::from(
        "| provider | pool label | accelerators it labels its own way | what |\n\
         | --- | --- | --- | --- |\n",
    );
    for (name, p) in &c.providers {
        let pool = p
            .pool_label
            .as_deref()
            .map_or("—".to_string(), |l| format!("`{l}`"));
        out.push_str(&format!(
            "| `{name}` | {pool} | {} | {} |\n",
            code_list(p.accelerators.keys(), " "),
            cell(&p.description)
        ));
    }
    out
}

fn sources(c: &super::Catalog) -> String {
    let mut out = String::from(
        "| `model.uri` | downloader | the Secret's keys (`model.secret`) | what |\n\
         | --- | --- | --- | --- |\n",
    );
    for (name, s) in &c.sources {
        let keys: Vec<&String> = s
            .secret_env
            .values()
            .chain(s.secret_file.iter().map(|f| &f.key))
            .collect();
        let revision = if s.revision.is_some() {
            "@REVISION"
        } else {
            ""
        };
        out.push_str(&format!(
            "| `{name}://…{revision}` | `{}` | {} | {} |\n",
            s.image,
            code_list(keys, " "),
            cell(&s.description)
        ));
    }
    out.push_str(&format!(
        "| `{}://CLAIM/PATH` | — (mounted read-only) | — | files already on a PersistentVolumeClaim |\n",
        super::PVC_SCHEME
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_ends_at_the_next_header_not_at_a_closing_bracket() {
        let text = "[a]\nx = 1\n\n[b]\nports = [\n  1,\n]\nz = 2\n\n[c]\ny = 3\n[c.sub]\nq = 1\n";
        assert_eq!(entry(text, "a"), Some("[a]\nx = 1"));
        assert_eq!(entry(text, "b"), Some("[b]\nports = [\n  1,\n]\nz = 2"));
        assert_eq!(entry(text, "c"), Some("[c]\ny = 3\n[c.sub]\nq = 1"));
        assert_eq!(entry(text, "d"), None);
    }

    #[test]
    fn every_builtin_entry_can_be_shown() {
        let c = super::super::Catalog::builtin().expect("stdlib");
        for name in c
            .accelerators
            .keys()
            .chain(c.runtimes.keys())
            .chain(c.providers.keys())
            .chain(c.sources.keys())
            .chain(c.models.keys())
        {
            let found = BUILTIN.iter().filter_map(|(_, t)| entry(t, name)).count();
            assert_eq!(found, 1, "{name}");
        }
    }
}
