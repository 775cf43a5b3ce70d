//! A model source of the catalog (stdlib/sources.toml): the URI in the downloader's own form,
//! its image and credentials, and its argv — inside the catalog's cache script when the files
//! go to a claim.

use std::collections::BTreeMap;

use super::super::check;
use crate::app::{ModelVolume, Resources};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::model::Model as Spec;
use crate::spec::read::Sp;
use crate::stdlib::{ModelDefaults, Source};
use crate::values::quantity::Quantity;
use crate::values::template;

/// The downloader init container, before the pod around it is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub image: String,
    pub pull_policy: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Variable → (Secret name, key).
    pub secret_env: BTreeMap<String, (String, String)>,
    /// A key of a Secret mounted as a file.
    pub secret_file: Option<SecretFile>,
    pub resources: Resources,
}

/// A key of a Secret mounted as one file, and the variable that names its path, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretFile {
    pub secret: String,
    pub key: String,
    pub path: String,
    pub env: Option<String>,
}

/// One download: the spec's model and its URI split at `://`, the source the scheme names, and
/// where the files go.
pub(super) struct Request<'a> {
    pub m: &'a Spec,
    pub uri: &'a Sp<String>,
    pub scheme: &'a str,
    pub rest: &'a str,
    pub source: &'a Source,
    /// The directory the files are written to and read from.
    pub dir: &'a str,
    pub volume: &'a ModelVolume,
    /// The Secret `model.secret` names, once checked, and the key it gives (`NAME/KEY`).
    pub secret: Option<(String, Option<String>)>,
    pub pull_policy: &'a str,
}

pub(super) fn download(
    d: &mut Diagnostics,
    p: &dyn Fn(&str) -> String,
    r: Request,
    defaults: &ModelDefaults,
) -> Option<Download> {
    let (source, scheme, uri) = (r.source, r.scheme, r.uri);
    let location = location(d, &p("uri"), uri, scheme, r.rest, source)?;
    let image = match &r.m.image {
        Some(sp) => check::image(d, &p("image"), sp),
        None => {
            catalog_image(d, &p("uri"), uri.span, scheme, &source.image);
            source.image.clone()
        }
    };
    let secret = match (r.secret, &r.m.secret) {
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

    let fill = |t: &str| template::fill(t, &[("location", &location), ("dir", r.dir)]);
    let mut command: Vec<String> = source.command.iter().map(|a| fill(a)).collect();
    let mut args: Vec<String> = source.args.iter().map(|a| fill(a)).collect();
    if matches!(r.volume, ModelVolume::Claim { .. }) {
        // The cache script skips a download the claim already holds.
        let mut argv = vec![
            defaults.cache_script.clone(),
            "mlspec-model".to_string(),
            r.dir.to_string(),
            uri.v.clone(),
        ];
        argv.append(&mut command);
        argv.append(&mut args);
        command = vec!["/bin/sh".to_string(), "-c".to_string()];
        args = argv;
    }
    let keys = source.secret_env.len() + usize::from(source.secret_file.is_some());
    if let (Some((_, Some(key))), Some(sp)) = (&secret, &r.m.secret)
        && keys != 1
    {
        d.push(
            Diagnostic::new(
                &codes::E0110,
                format!("`{}` names the key `{key}`, but the `{scheme}` source reads {keys} keys of its Secret", p("secret")),
            )
            .at(sp.span, "which of them?")
            .help("name the Secret alone and give it the keys stdlib/sources.toml lists for this source"),
        );
        return None;
    }
    let secret_env: BTreeMap<String, (String, String)> = match &secret {
        Some((s, own)) => source
            .secret_env
            .iter()
            .map(|(var, key)| {
                (
                    var.clone(),
                    (s.clone(), own.clone().unwrap_or_else(|| key.clone())),
                )
            })
            .collect(),
        None => BTreeMap::new(),
    };
    let secret_file = secret.as_ref().and_then(|(s, own)| {
        source.secret_file.as_ref().map(|f| SecretFile {
            secret: s.clone(),
            key: own.clone().unwrap_or_else(|| f.key.clone()),
            path: f.path.clone(),
            env: f.env.clone(),
        })
    });
    let resources = resources(d, p, r.m, r.volume, defaults);
    Some(Download {
        image,
        pull_policy: r.pull_policy.to_string(),
        command,
        args,
        env: source
            .env
            .iter()
            .map(|(k, v)| (k.clone(), fill(v)))
            .collect(),
        secret_env,
        secret_file,
        resources,
    })
}

/// The downloader's resources: the catalog's, more for a larger model (`downloader_large`, by
/// the size of the volume it fills: more CPU and memory for more parallel streams), and what
/// `model.resources` sets.
fn resources(
    d: &mut Diagnostics,
    p: &dyn Fn(&str) -> String,
    m: &Spec,
    volume: &ModelVolume,
    defaults: &ModelDefaults,
) -> Resources {
    let size = match volume {
        ModelVolume::EmptyDir(s) => Some(s.as_str()),
        ModelVolume::Claim { new: Some(n), .. } | ModelVolume::PerReplica(n) => {
            Some(n.size.as_str())
        }
        ModelVolume::Claim { new: None, .. } => None,
    }
    .and_then(|s| Quantity::parse(s).ok());
    let base = &defaults.downloader;
    let (mut cpu, mut memory) = (base.cpu.as_str(), base.memory.as_str());
    for tier in &defaults.downloader_large {
        if let (Some(size), Ok(from)) = (size, Quantity::parse(&tier.from))
            && size >= from
        {
            cpu = &tier.cpu;
            memory = &tier.memory;
        }
    }
    super::super::resources::container(
        d,
        p("").trim_end_matches('.'),
        m.resources.as_ref(),
        cpu,
        memory,
        &base.ephemeral_storage,
    )
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
    Some(template::fill(
        &source.location,
        &[("path", object), ("revision", &revision)],
    ))
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
