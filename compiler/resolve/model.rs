//! `model = { uri = … }`: a model source from the catalog (stdlib/sources.toml) or an existing
//! claim, resolved into the volume the workload mounts and the init container that fills it.

use std::collections::BTreeMap;

use super::check;
use crate::app::{Download, Model, ModelVolume, NewClaim, SecretFile};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::model::{Cache, Model as Spec};
use crate::spec::read::Sp;
use crate::stdlib::{Catalog, PVC_SCHEME, Source};
use crate::values::suggest::suggest;

/// `model.cache.access`, spelled as a spec writes it, and the Kubernetes access mode of each.
pub const ACCESS_MODES: &[&str] = &["read-write-once", "read-write-many", "read-write-once-pod"];
const K8S_ACCESS_MODES: [&str; 3] = ["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"];

/// The name of the volume holding the model, in every container that mounts it.
pub const VOLUME: &str = "model";

/// What the workload around the model says: its object name, its spec path, the directory its
/// runtime loads models from, and the pull policy of its images.
pub struct Around<'a> {
    pub workload: &'a str,
    pub path: &'a str,
    pub runtime_path: Option<String>,
    pub pull_policy: &'a str,
}

pub fn resolve(d: &mut Diagnostics, catalog: &Catalog, at: &Around, m: &Spec) -> Option<Model> {
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
    let secret = m
        .secret
        .as_ref()
        .and_then(|s| check::subdomain_name(d, &p("secret"), s));
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
        return Some(Model {
            path,
            volume: ModelVolume::Claim {
                name: claim,
                sub_path,
                new: None,
            },
            download: None,
        });
    }

    let Some(source) = catalog.source(scheme) else {
        let known: Vec<&String> = catalog.sources.keys().collect();
        let mut diag = Diagnostic::new(
            &codes::E0150,
            format!(
                "`{}`: mlspec cannot download `{scheme}://` models",
                p("uri")
            ),
        )
        .at(uri.span, "unknown source");
        let pvc = PVC_SCHEME.to_string();
        diag = match suggest(scheme, known.iter().copied().chain([&pvc])) {
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

    let location = location(d, &p("uri"), uri, scheme, rest, source)?;
    let volume = volume(d, at, m, &p, defaults)?;
    let image = match &m.image {
        Some(sp) => super::workload::resolve_image(d, &p("image"), sp),
        None => {
            catalog_image(d, &p("uri"), uri.span, scheme, &source.image);
            source.image.clone()
        }
    };
    let secret = match (secret, &m.secret) {
        (Some(_), Some(sp)) if source.secret_env.is_empty() && source.secret_file.is_none() => {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("the `{scheme}` source reads no credentials from a Secret"),
                )
                .at(sp.span, "unused")
                .help(format!(
                    "drop `secret`, or give `{scheme}` a `secret_env` in your catalog"
                )),
            );
            None
        }
        (s, _) => s,
    };

    let fill = |t: &str| t.replace("{location}", &location).replace("{dir}", &path);
    let mut command: Vec<String> = source.command.iter().map(|a| fill(a)).collect();
    let mut args: Vec<String> = source.args.iter().map(|a| fill(a)).collect();
    if matches!(volume, ModelVolume::Claim { .. }) {
        // The cache script skips a download the claim already holds.
        let mut argv = vec![
            defaults.cache_script.clone(),
            "mlspec-model".to_string(),
            path.clone(),
            uri.v.clone(),
        ];
        argv.append(&mut command);
        argv.append(&mut args);
        command = vec!["/bin/sh".to_string(), "-c".to_string()];
        args = argv;
    }
    let secret_env: BTreeMap<String, (String, String)> = match &secret {
        Some(s) => source
            .secret_env
            .iter()
            .map(|(var, key)| (var.clone(), (s.clone(), key.clone())))
            .collect(),
        None => BTreeMap::new(),
    };
    let secret_file = secret.as_ref().and_then(|s| {
        source.secret_file.as_ref().map(|f| SecretFile {
            secret: s.clone(),
            key: f.key.clone(),
            path: f.path.clone(),
            env: f.env.clone(),
        })
    });
    let r = &defaults.downloader;
    Some(Model {
        path: path.clone(),
        volume,
        download: Some(Download {
            image,
            pull_policy: at.pull_policy.to_string(),
            command,
            args,
            env: source
                .env
                .iter()
                .map(|(k, v)| (k.clone(), fill(v)))
                .collect(),
            secret_env,
            secret_file,
            cpu: r.cpu.clone(),
            memory: r.memory.clone(),
            ephemeral_storage: r.ephemeral_storage.clone(),
        }),
    })
}

/// The URI in the downloader's form (`location`), with the revision for sources that take one.
fn location(
    d: &mut Diagnostics,
    path: &str,
    uri: &Sp<String>,
    scheme: &str,
    rest: &str,
    source: &Source,
) -> Option<String> {
    let (object, revision) = match &source.revision {
        Some(default) => match rest.rsplit_once('@') {
            Some((o, r)) if !r.is_empty() => (o, r.to_string()),
            Some(_) => {
                d.push(
                    Diagnostic::new(
                        &codes::E0150,
                        format!("`{path}` ends in `@` but names no revision"),
                    )
                    .at(uri.span, "empty revision")
                    .help("write the commit after `@` (`hf://org/name@0e9e39f…`), or drop the `@`"),
                );
                return None;
            }
            None => {
                d.push(
                    Diagnostic::new(
                        &codes::W0011,
                        format!(
                            "`{path}` names no revision: every start downloads whatever `{default}` is then"
                        ),
                    )
                    .at(uri.span, "unpinned")
                    .help(format!(
                        "pin the commit: `{scheme}://{rest}@COMMIT` (the repository's \"Files and versions\" page shows it), so each replica and each restart loads the same weights"
                    )),
                );
                (rest, default.clone())
            }
        },
        None => (rest, String::new()),
    };
    let object = object.trim_end_matches('/');
    let bad = object.is_empty()
        || object.starts_with('/')
        || object.chars().any(|c| c.is_whitespace() || c.is_control())
        || object.split('/').any(|s| s == ".." || s.is_empty());
    if bad {
        d.push(
            Diagnostic::new(
                &codes::E0150,
                format!(
                    "`{path}` does not name a `{scheme}://` location: {:?}",
                    uri.v
                ),
            )
            .at(uri.span, "no bucket or repository here")
            .help(format!("`{scheme}://` is {}", source.description)),
        );
        return None;
    }
    Some(
        source
            .location
            .replace("{path}", object)
            .replace("{revision}", &revision),
    )
}

/// The volume the files are downloaded into: an emptyDir, a new claim, or an existing one.
fn volume(
    d: &mut Diagnostics,
    at: &Around,
    m: &Spec,
    p: &dyn Fn(&str) -> String,
    defaults: &crate::stdlib::ModelDefaults,
) -> Option<ModelVolume> {
    let Some(cache) = &m.cache else {
        let size = match &m.size {
            Some(sp) => {
                check::quantity(d, &p("size"), sp)?;
                sp.v.clone()
            }
            None => defaults.size.clone(),
        };
        return Some(ModelVolume::EmptyDir(size));
    };
    if let Some(size) = &m.size {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{}` and `{}` both size the model", p("size"), p("cache")),
            )
            .at(size.span, "the download emptyDir's size")
            .also(cache.span, "but the files go to this claim")
            .help("move the size into the cache: `cache = { size = \"…\" }`"),
        );
        return None;
    }
    if let Some(claim) = &cache.claim {
        let extra = [
            ("size", &cache.size),
            ("storage_class", &cache.storage_class),
            ("access", &cache.access),
        ];
        let mut ok = true;
        for (key, v) in extra {
            if let Some(v) = v {
                ok = false;
                d.push(
                    Diagnostic::new(
                        &codes::E0007,
                        format!(
                            "`{}.{key}` describes a new claim, but `claim` names an existing one",
                            p("cache")
                        ),
                    )
                    .at(v.span, "for a new claim")
                    .also(claim.span, "an existing claim")
                    .help(format!(
                        "drop `{key}` (the claim has its own), or drop `claim` to create one"
                    )),
                );
            }
        }
        let name = check::subdomain_name(d, &format!("{}.claim", p("cache")), claim)?;
        return ok.then_some(ModelVolume::Claim {
            name,
            sub_path: None,
            new: None,
        });
    }
    new_claim(d, at, cache, p, defaults)
}

fn new_claim(
    d: &mut Diagnostics,
    at: &Around,
    cache: &Cache,
    p: &dyn Fn(&str) -> String,
    defaults: &crate::stdlib::ModelDefaults,
) -> Option<ModelVolume> {
    let Some(size) = &cache.size else {
        d.push(
            Diagnostic::new(
                &codes::E0004,
                format!("`{}` needs `size` (a new claim) or `claim` (an existing one)", p("cache")),
            )
            .at(cache.span, "how big, or which claim?")
            .help("write `cache = { size = \"40Gi\" }` (room for the model's files), or `cache = { claim = \"NAME\" }`"),
        );
        return None;
    };
    check::quantity(d, &format!("{}.size", p("cache")), size)?;
    let class = match &cache.storage_class {
        Some(sp) => Some(check::subdomain_name(
            d,
            &format!("{}.storage_class", p("cache")),
            sp,
        )?),
        None => None,
    };
    let access = match &cache.access {
        Some(sp) => access_mode(d, &format!("{}.access", p("cache")), sp)?,
        None => k8s_access(&defaults.access).unwrap_or(K8S_ACCESS_MODES[0]),
    };
    Some(ModelVolume::Claim {
        name: claim_name(at.workload),
        sub_path: None,
        new: Some(NewClaim {
            size: size.v.clone(),
            storage_class: class,
            access: access.to_string(),
        }),
    })
}

/// The PersistentVolumeClaim a workload's model cache gets.
pub fn claim_name(workload: &str) -> String {
    format!("{workload}-{VOLUME}")
}

/// The Kubernetes access mode a spec's spelling names (`read-write-many`; `ReadWriteMany` too).
fn k8s_access(s: &str) -> Option<&'static str> {
    let plain = s.replace('-', "");
    ACCESS_MODES
        .iter()
        .position(|a| a.replace('-', "").eq_ignore_ascii_case(&plain))
        .map(|i| K8S_ACCESS_MODES[i])
}

fn access_mode(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<&'static str> {
    k8s_access(&sp.v).or_else(|| {
        check::choice(d, path, sp, ACCESS_MODES);
        None
    })
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

/// A catalog downloader image pinned by tag only is the same risk as a user's (W0002).
fn catalog_image(d: &mut Diagnostics, path: &str, span: Span, scheme: &str, image: &str) {
    if crate::values::image::parse_image(image).is_ok_and(|r| !r.has_digest()) {
        d.push(
            Diagnostic::new(
                &codes::W0002,
                format!("the `{scheme}` downloader of `{path}` is pinned by tag only: `{image}` can be re-pushed"),
            )
            .at(span, "downloaded by this image")
            .help(format!("pin it: `model.image = \"{image}@sha256:…\"` (`crane digest {image}` prints it), or in your catalog's sources.toml")),
        );
    }
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
    use crate::app::App;

    fn server(model: &str) -> (Option<App>, Diagnostics) {
        let spec = format!(
            "[app]\nname = \"m\"\n\n[serve]\nimage = \"registry.example.com/m:1.0@sha256:{}\"\nmodel = {model}\n",
            "0".repeat(64)
        );
        let catalog = Catalog::builtin().expect("stdlib");
        let (_, d, app) = crate::check(
            &crate::source::SourceFile::new("app.toml", spec),
            &catalog,
            None,
            None,
        );
        (app, d)
    }

    fn model(app: &Option<App>) -> &Model {
        let w = &app
            .as_ref()
            .expect("an app")
            .serve
            .as_ref()
            .expect("a server")
            .workload;
        w.model.as_ref().expect("a model")
    }

    #[test]
    fn an_hf_uri_becomes_the_downloaders_form_with_its_revision() {
        let (app, d) = server("{ uri = \"hf://org/name@abc123\" }");
        assert!(!d.has_errors(), "{d:?}");
        let args = &model(&app).download.as_ref().expect("a download").args;
        assert_eq!(args, &["hf://org/name:abc123", "/models"]);
    }

    #[test]
    fn an_hf_uri_without_a_revision_takes_main_and_warns() {
        let (app, d) = server("{ uri = \"hf://org/name\" }");
        assert!(d.iter().any(|x| x.code.id == "W0011"));
        let args = &model(&app).download.as_ref().expect("a download").args;
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
