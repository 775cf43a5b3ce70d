//! `[overlays.ENV]`: deep-merge one overlay table over the rest of the file.
//!
//! The merge happens on the spanned tree, before typed reading, so every value keeps the span of
//! the line that set it: an error in a value that `--env prod` supplied points into
//! `[overlays.prod]`.

use super::tree::{Node, Value};

/// Merge `overlay` into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut Node, overlay: &Node) {
    match (&mut base.value, &overlay.value) {
        (Value::Table(b), Value::Table(o)) => {
            for (k, entry) in &o.entries {
                match b.entries.get_mut(k) {
                    Some(existing) => merge(&mut existing.node, &entry.node),
                    None => {
                        b.entries.insert(k.clone(), entry.clone());
                    }
                }
            }
        }
        _ => *base = overlay.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::spec::tree;

    #[test]
    fn tables_merge_and_scalars_replace() {
        let mut d = Diagnostics::default();
        let mut base = tree::parse("[s]\nmin = 1\nmax = 2\n[t]\nx = [1]\n", &mut d);
        let over = tree::parse("s = { min = 4 }\nt = { x = [9, 9] }\n", &mut d);
        merge(&mut base, &over);
        let expect = tree::parse("[s]\nmin = 4\nmax = 2\n[t]\nx = [9, 9]\n", &mut d);
        let strip = |n: &Node| {
            format!(
                "{:?}",
                n.as_table().map(|t| t.entries.keys().collect::<Vec<_>>())
            )
        };
        assert_eq!(strip(&base), strip(&expect));
        let s = base
            .as_table()
            .and_then(|t| t.get("s"))
            .and_then(|e| e.node.as_table())
            .expect("s");
        assert_eq!(
            s.get("min").map(|e| e.node.value.clone()),
            Some(Value::Int(4))
        );
        assert_eq!(
            s.get("max").map(|e| e.node.value.clone()),
            Some(Value::Int(2))
        );
    }
}
