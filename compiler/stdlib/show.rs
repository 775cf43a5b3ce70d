//! Catalog entries as their users wrote them: the text of one `[name]` table of a catalog
//! file, comments included, for `mlspec stdlib show`.

/// The built-in catalog files that hold named entries: (path in the repository, text).
pub const BUILTIN: [(&str, &str); 3] = [
    ("stdlib/accelerators.toml", super::ACCELERATORS),
    ("stdlib/runtimes.toml", super::RUNTIMES),
    ("stdlib/providers.toml", super::PROVIDERS),
];

/// The lines of `text` from the `[name]` header to the next table header, trailing blank lines
/// left out.
pub fn entry<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let header = format!("[{name}]");
    let subtable = format!("[{name}.");
    let mut start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let is_header = trimmed.starts_with('[') && trimmed.ends_with(']') && trimmed.len() > 2;
        match start {
            None if trimmed == header => start = Some(offset),
            Some(s) if is_header && !trimmed.starts_with(&subtable) => {
                return Some(text[s..offset].trim_end());
            }
            _ => {}
        }
        offset += line.len();
    }
    start.map(|s| text[s..].trim_end())
}

/// The catalog as two Markdown tables (accelerators, then runtimes), for the README.
pub fn markdown(c: &super::Catalog) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from(
        "| accelerator | resource | memory | per node | MIG profiles or TPU topologies | what |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, a) in &c.accelerators {
        let shapes = if a.mig.is_empty() {
            &a.topologies
        } else {
            &a.mig
        };
        let shapes = if shapes.is_empty() {
            "—".to_string()
        } else {
            shapes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.push_str(&format!(
            "| `{name}` | `{}` | {} | {} | {shapes} | {} |\n",
            a.resource,
            a.memory,
            a.max_per_node,
            cell(&a.description)
        ));
    }
    out.push_str(
        "\n| runtime | ports | readiness | startup budget | what |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for (name, r) in &c.runtimes {
        let ports: Vec<String> = r
            .ports
            .iter()
            .map(|p| format!("`{}` {}", p.name, p.port))
            .collect();
        let ready = r
            .health
            .readiness
            .as_deref()
            .map_or("—".to_string(), |p| format!("`{p}`"));
        out.push_str(&format!(
            "| `{name}` | {} | {ready} | {} | {} |\n",
            ports.join(", "),
            r.startup_timeout,
            cell(&r.description)
        ));
    }
    out.push_str(
        "\n| provider | pool label | accelerators it labels its own way | what |\n\
         | --- | --- | --- | --- |\n",
    );
    for (name, p) in &c.providers {
        let pool = p
            .pool_label
            .as_deref()
            .map_or("—".to_string(), |l| format!("`{l}`"));
        let accs: Vec<String> = p.accelerators.keys().map(|a| format!("`{a}`")).collect();
        let accs = if accs.is_empty() {
            "—".to_string()
        } else {
            accs.join(" ")
        };
        out.push_str(&format!(
            "| `{name}` | {pool} | {accs} | {} |\n",
            cell(&p.description)
        ));
    }
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
        {
            let found = BUILTIN.iter().filter_map(|(_, t)| entry(t, name)).count();
            assert_eq!(found, 1, "{name}");
        }
    }
}
