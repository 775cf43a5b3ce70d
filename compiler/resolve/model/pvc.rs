//! `pvc://CLAIM/FOLDER`: a model already on an existing claim, mounted read-only; nothing is
//! downloaded, so the keys that describe a download have no use.

use super::super::check;
use crate::app::{Model, ModelVolume};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::model::Model as Spec;
use crate::spec::read::Sp;

pub(super) fn resolve(
    d: &mut Diagnostics,
    p: &dyn Fn(&str) -> String,
    m: &Spec,
    uri: &Sp<String>,
    rest: &str,
    path: String,
) -> Option<Model> {
    let extra = [
        ("cache", m.cache.as_ref().map(|c| c.span)),
        ("size", m.size.as_ref().map(|s| s.span)),
        ("secret", m.secret.as_ref().map(|s| s.span)),
        ("image", m.image.as_ref().map(|s| s.span)),
    ];
    for (key, span) in extra {
        if let Some(span) = span {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{}` has no use with a `pvc://` model", p(key)),
                )
                .at(span, "nothing is downloaded")
                .also(uri.span, "the files are on this claim already")
                .help(format!(
                    "drop `{key}`: the claim is mounted read-only as it is"
                )),
            );
        }
    }
    let (claim, sub) = rest.split_once('/').unwrap_or((rest, ""));
    let claim = check::ok(
        d,
        &codes::E0150,
        &p("uri"),
        uri,
        crate::values::names::dns1123_subdomain(claim).map_err(|e| format!("claim {e}")),
        "write `pvc://CLAIM/PATH`: the name of a PersistentVolumeClaim in the app's namespace, then the folder on it",
    )
    .map(|()| claim.to_string())?;
    let sub_path = match sub.trim_end_matches('/') {
        "" => None,
        s => Some(relative_path(d, &p("uri"), uri, s)?),
    };
    Some(Model {
        path,
        volume: ModelVolume::Claim {
            name: claim,
            sub_path,
            new: None,
        },
        downloaded: false,
    })
}

fn relative_path(d: &mut Diagnostics, path: &str, uri: &Sp<String>, s: &str) -> Option<String> {
    if s.split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        || s.chars().any(|c| c.is_control())
    {
        d.push(
            Diagnostic::new(
                &codes::E0150,
                format!("`{path}` has a folder the claim cannot be mounted at: {s:?}"),
            )
            .at(uri.span, "not a plain folder")
            .help("write `pvc://CLAIM/FOLDER/…` with no empty, `.` or `..` parts"),
        );
        return None;
    }
    Some(s.to_string())
}
