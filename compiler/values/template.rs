//! Catalog templates: `{name}` placeholders in a runtime's flags or a model source's arguments,
//! filled in one pass. What fills a placeholder is never read again, so a user's value that
//! looks like a placeholder (`model_name = "{port}"`) stays as the user wrote it.

/// `template` with each `{name}` that `values` names replaced by its value; any other text,
/// braces included, is kept as it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_values_are_never_templates() {
        let v = [("model", "{port}"), ("port", "8000"), ("app", "{app}")];
        assert_eq!(
            fill("--model {model} --port {port}", &v),
            "--model {port} --port 8000"
        );
        assert_eq!(fill("{app}-{model}", &v), "{app}-{port}");
        assert_eq!(fill("{other} {} {port", &v), "{other} {} {port");
        assert_eq!(fill("{{port}}", &v), "{8000}");
        assert_eq!(fill("", &v), "");
        assert_eq!(fill("é{port}ü", &v), "é8000ü");
    }
}
