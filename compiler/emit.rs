//! Emit stage: objects → one deterministic multi-document YAML text.
//!
//! serde-saphyr quotes every string a YAML 1.1 reader (kubectl) could misread (`on`, `yes`,
//! `1_000`, `012`); keys come out in k8s-openapi's fixed order and maps are `BTreeMap`s.

use crate::generate::Object;

/// Serialize objects (already in bundle order) as `---`-separated YAML documents.
pub fn yaml(objects: &[Object]) -> Result<String, String> {
    let mut out = String::new();
    for o in objects {
        let doc =
            serde_saphyr::to_string(o).map_err(|e| format!("cannot write {}: {e}", o.id()))?;
        out.push_str("---\n");
        out.push_str(&doc);
        if !doc.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// Order objects of several apps for one bundle: by kind, then in input order.
pub fn order(objects: &mut [Object]) {
    objects.sort_by_key(Object::rank);
}
