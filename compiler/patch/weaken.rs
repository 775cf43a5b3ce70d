//! Relaxations a patch turns on: each row of [`crate::policy::relaxations`] that holds in a
//! patched object where it did not before is that row's warning, at the patch value that did it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{describe, near, patch_path};
use crate::diagnostics::Diagnostics;
use crate::document::{Document, Origin};
use crate::kinds;
use crate::policy::relaxations::{ALL, Hit, Relaxation, Test};
use crate::spec::Spec;

/// Warn about every relaxation the patches turned on. `before` holds each touched document
/// (by index) as generated; `doomed` the documents a patch deletes, with the `delete`.
pub fn check(
    spec: &Spec,
    docs: &[Document],
    before: &BTreeMap<usize, Value>,
    doomed: &BTreeMap<usize, Origin>,
    d: &mut Diagnostics,
) {
    for (i, was) in before {
        let doc = &docs[*i];
        for template in kinds::templates(doc.kind()) {
            let (Some(old), Some(new)) = (was.pointer(template), doc.value.pointer(template))
            else {
                continue;
            };
            for row in ALL {
                let fresh = new_hits(row.pod(old), row.pod(new));
                for hit in fresh {
                    let at = format!("{template}{}", hit.pointer);
                    warn(spec, row, doc, near(&doc.origins, &at), &hit, d);
                }
            }
        }
        if doc.kind() == "NetworkPolicy" {
            policies(spec, Some(was), Some(doc), None, d);
        }
    }
    for (i, origin) in doomed {
        let doc = &docs[*i];
        if doc.kind() == "NetworkPolicy" {
            let was = before.get(i).unwrap_or(&doc.value);
            policies(spec, Some(was), None, Some((doc, *origin)), d);
        }
    }
}

/// The NetworkPolicy rows over a policy before and after (`deleted`: the policy and the
/// `delete` that removes it).
fn policies(
    spec: &Spec,
    was: Option<&Value>,
    now: Option<&Document>,
    deleted: Option<(&Document, Origin)>,
    d: &mut Diagnostics,
) {
    for row in ALL {
        let Test::Policy(f) = row.test else {
            continue;
        };
        for hit in f(was, now.map(|doc| &doc.value)) {
            match (now, deleted) {
                (Some(doc), _) => warn(spec, row, doc, near(&doc.origins, &hit.pointer), &hit, d),
                (None, Some((doc, origin))) => warn(spec, row, doc, Some(origin), &hit, d),
                (None, None) => {}
            }
        }
    }
}

/// Hits after the patch that were not there before, compared by what they say (a list item
/// that moved is the same hit).
fn new_hits(old: Vec<Hit>, new: Vec<Hit>) -> Vec<Hit> {
    let seen: BTreeSet<String> = old.into_iter().map(|h| h.what).collect();
    new.into_iter()
        .filter(|h| !seen.contains(&h.what))
        .collect()
}

fn warn(
    spec: &Spec,
    row: &Relaxation,
    doc: &Document,
    origin: Option<Origin>,
    hit: &Hit,
    d: &mut Diagnostics,
) {
    let Some(origin) = origin.or_else(|| doc.origins.values().next().copied()) else {
        return;
    };
    d.push(row.warning(
        origin.span,
        format!(
            "`{}` weakens {}: {}",
            patch_path(spec, origin.patch),
            describe(&doc.value),
            hit.what
        ),
    ));
}
