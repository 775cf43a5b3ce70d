//! `model = { uri = … }`: a model source from the catalog (stdlib/sources.toml) or an existing
//! claim, resolved into the volume the workload mounts and the init container that fills it:
//! `pvc.rs` (files already on a claim), `cache.rs` (the download volume: an emptyDir, a new
//! claim, or an existing one), `download.rs` (the downloader).

pub(crate) mod cache;
mod download;
mod pvc;

use super::check;
use crate::app::Model;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::model::Model as Spec;
use crate::spec::read::Sp;
use crate::stdlib::{Catalog, PVC_SCHEME};
use crate::values::suggest::suggest;
pub use download::{Download, SecretFile};

pub use cache::claim_name;

/// What the workload around the model says: its object name, its spec path, the directory its
/// runtime loads models from, and the pull policy of its images.
pub struct Around<'a> {
    pub workload: &'a str,
    pub path: &'a str,
    pub runtime_path: Option<String>,
    pub pull_policy: &'a str,
}

/// The model's files and, unless they are on a claim already (`pvc://`), their downloader.
pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &Around,
    m: &Spec,
) -> Option<(Model, Option<Download>)> {
    let p = |k: &str| format!("{}.model.{k}", at.path);
    let uri = m.uri.as_ref()?;
    let defaults = &catalog.defaults.model;
    let path = match &m.path {
        Some(sp) => mount_path(d, &p("path"), sp)?,
        None => at
            .runtime_path
            .clone()
            .unwrap_or_else(|| defaults.path.clone()),
    };
    let secret = m.secret.as_ref().and_then(|s| secret(d, &p("secret"), s));
    let Some((scheme, rest)) = uri.v.split_once("://") else {
        d.push(
            Diagnostic::new(
                &codes::E0150,
                format!("`{}` is not a model URI: {:?}", p("uri"), uri.v),
            )
            .at(uri.span, "no `SCHEME://`")
            .help(schemes_help(catalog)),
        );
        return None;
    };

    if scheme == PVC_SCHEME {
        return pvc::resolve(d, &p, m, uri, rest, path).map(|m| (m, None));
    }
    let Some(source) = catalog.source(scheme) else {
        let mut diag = Diagnostic::new(
            &codes::E0150,
            format!(
                "`{}`: mlspec cannot download `{scheme}://` models",
                p("uri")
            ),
        )
        .at(uri.span, "unknown source");
        let pvc = PVC_SCHEME.to_string();
        diag = match suggest(scheme, catalog.sources.keys().chain([&pvc])) {
            Some(s) => diag.help(format!(
                "did you mean `{s}://`? ({})",
                schemes_help(catalog)
            )),
            None => diag.help(format!(
                "{}; a platform's own source goes in a user catalog's sources.toml",
                schemes_help(catalog)
            )),
        };
        d.push(diag);
        return None;
    };

    let volume = cache::volume(d, at, m, &p, defaults)?;
    let download = download::download(
        d,
        &p,
        download::Request {
            m,
            uri,
            scheme,
            rest,
            source,
            dir: &path,
            volume: &volume,
            secret,
            pull_policy: at.pull_policy,
        },
        defaults,
    )?;
    Some((
        Model {
            path,
            volume,
            downloaded: true,
        },
        Some(download),
    ))
}

/// `model.secret`: a Secret's name, or `NAME/KEY` when its key is not the one the source reads.
fn secret(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<(String, Option<String>)> {
    match sp.v.split_once('/') {
        None => check::subdomain_name(d, path, sp).map(|n| (n, None)),
        Some(_) => match crate::values::names::secret_key_ref(&sp.v) {
            Some((n, k)) => Some((n.to_string(), Some(k.to_string()))),
            None => {
                d.push(
                    Diagnostic::new(
                        &codes::E0110,
                        format!("`{path}` must be a Secret's name, or `secret-name/key`, found {:?}", sp.v),
                    )
                    .at(sp.span, "not `secret-name` or `secret-name/key`")
                    .help("the Secret name is a DNS name; the key is letters, digits, `-`, `_` or `.`"),
                );
                None
            }
        },
    }
}

fn mount_path(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    let p = sp.v.trim_end_matches('/');
    if !p.starts_with('/') || p.split('/').skip(1).any(|s| s.is_empty() || s == "..") {
        d.push(
            Diagnostic::new(
                &codes::E0130,
                format!("`{path}` must be an absolute directory, found {:?}", sp.v),
            )
            .at(sp.span, "not an absolute path")
            .help("write the directory the container reads the model from, e.g. `\"/models\"`"),
        );
        return None;
    }
    Some(p.to_string())
}

fn schemes_help(catalog: &Catalog) -> String {
    let mut schemes: Vec<String> = catalog
        .sources
        .iter()
        .map(|(k, s)| {
            format!(
                "`{k}://` ({})",
                s.description.split(':').next().unwrap_or(k)
            )
        })
        .collect();
    schemes.push(format!(
        "`{PVC_SCHEME}://CLAIM/PATH` (files already on a claim)"
    ));
    format!("model sources: {}", schemes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{App, ModelVolume};

    fn server(model: &str) -> (Option<App>, Diagnostics) {
        let spec = format!(
            "[app]\nname = \"m\"\n\n[serve]\nimage = \"registry.example.com/m:1.0@sha256:{}\"\nmodel = {model}\n",
            "0".repeat(64)
        );
        let catalog = Catalog::builtin().expect("stdlib");
        let mut d = Diagnostics::default();
        let source = crate::source::SourceFile::new("app.toml", spec);
        let tree = crate::spec::Tree::parse(&source, &mut d).expect("small");
        let checked = crate::check(&tree, &catalog, None, None, None);
        d.extend(checked.diagnostics);
        (checked.app, d)
    }

    fn pod(app: &Option<App>) -> &crate::app::Pod {
        &app.as_ref()
            .expect("an app")
            .servers
            .first()
            .expect("a server")
            .workload
            .pod
    }

    fn model(app: &Option<App>) -> &Model {
        pod(app).model.as_ref().expect("a model")
    }

    fn downloader(app: &Option<App>) -> &crate::app::Container {
        pod(app).init.first().expect("a downloader")
    }

    #[test]
    fn an_hf_uri_becomes_the_downloaders_form_with_its_revision() {
        let (app, d) = server("{ uri = \"hf://org/name@abc123\" }");
        assert!(!d.has_errors(), "{d:?}");
        let args = &downloader(&app).args;
        assert_eq!(args, &["hf://org/name:abc123", "/models"]);
    }

    #[test]
    fn an_hf_uri_without_a_revision_takes_main_and_warns() {
        let (app, d) = server("{ uri = \"hf://org/name\" }");
        assert!(d.iter().any(|x| x.code.id == "W0011"));
        let args = &downloader(&app).args;
        assert_eq!(args[0], "hf://org/name:main");
    }

    #[test]
    fn access_modes_are_read_in_either_spelling() {
        for spelling in ["read-write-many", "ReadWriteMany", "readwritemany"] {
            let (app, d) = server(&format!(
                "{{ uri = \"s3://b/m\", cache = {{ size = \"1Gi\", access = \"{spelling}\" }} }}"
            ));
            assert!(!d.has_errors(), "{spelling}: {d:?}");
            let ModelVolume::Claim { new: Some(n), .. } = &model(&app).volume else {
                panic!("a new claim");
            };
            assert_eq!(n.access, "ReadWriteMany");
        }
        let (_, d) = server("{ uri = \"s3://b/m\", cache = { size = \"1Gi\", access = \"rwx\" } }");
        assert!(d.iter().any(|x| x.code.id == "E0008"));
    }

    #[test]
    fn a_cache_needs_a_size_or_a_claim() {
        let (_, d) = server("{ uri = \"gs://b/m\", cache = { storage_class = \"fast\" } }");
        assert!(d.iter().any(|x| x.code.id == "E0004"), "{d:?}");
    }
}
