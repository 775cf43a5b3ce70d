//! Tolerations written as `key[=value]:Effect` (the form `kubectl taint` uses), or as tables.

use crate::app::Toleration;

/// A taint's effects, which a toleration may name.
pub const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
/// A toleration's operators (any case).
pub const OPERATORS: [&str; 2] = ["Exists", "Equal"];

/// Parse `key=value:Effect`, `key:Effect`, `key=value`, `key` or `:Effect`.
pub fn parse(s: &str) -> Result<Toleration, String> {
    let (kv, effect) = match s.rsplit_once(':') {
        Some((kv, e)) => (kv, Some(effect(e)?)),
        None => (s, None),
    };
    let (key, value) = match kv.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (kv, None),
    };
    build(
        (!key.is_empty()).then_some(key),
        None,
        value,
        effect.as_deref(),
    )
    .map_err(|e| format!("{s:?}: {e}"))
}

/// Check and normalise the parts of a toleration.
pub fn build(
    key: Option<&str>,
    operator: Option<&str>,
    value: Option<&str>,
    effect: Option<&str>,
) -> Result<Toleration, String> {
    if let Some(k) = key {
        crate::values::names::label_key(k).map_err(|e| format!("bad key: {e}"))?;
    }
    if let Some(v) = value {
        crate::values::names::label_value(v).map_err(|e| format!("bad value: {e}"))?;
    }
    let operator = match (operator, value) {
        (Some(o), _) => OPERATORS
            .into_iter()
            .find(|x| x.eq_ignore_ascii_case(o))
            .ok_or_else(|| format!("operator `{o}` is not `Exists` or `Equal`"))?,
        (None, Some(_)) => "Equal",
        (None, None) => "Exists",
    };
    if operator == "Exists" && value.is_some_and(|v| !v.is_empty()) {
        return Err("operator `Exists` takes no value".to_string());
    }
    if key.is_none() && operator != "Exists" {
        return Err("a toleration without a key must use operator `Exists`".to_string());
    }
    let effect = effect.map(self::effect).transpose()?;
    Ok(Toleration {
        key: key.map(str::to_string),
        operator: operator.to_string(),
        value: value.filter(|v| !v.is_empty()).map(str::to_string),
        effect,
    })
}

fn effect(e: &str) -> Result<String, String> {
    EFFECTS
        .iter()
        .find(|x| x.eq_ignore_ascii_case(e))
        .map(|x| x.to_string())
        .ok_or_else(|| {
            format!("effect `{e}` is not one of NoSchedule, PreferNoSchedule, NoExecute")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        let t = parse("nvidia.com/gpu=present:NoSchedule").expect("parses");
        assert_eq!(t.key.as_deref(), Some("nvidia.com/gpu"));
        assert_eq!(t.operator, "Equal");
        assert_eq!(t.value.as_deref(), Some("present"));
        assert_eq!(t.effect.as_deref(), Some("NoSchedule"));
        let t = parse("nvidia.com/gpu:NoSchedule").expect("parses");
        assert_eq!(t.operator, "Exists");
        assert!(parse("a:Sometimes").is_err());
        assert!(parse("=v:NoSchedule").is_err());
    }
}
