//! `[serve.state]` → `State`: the StatefulSet's start order, its headless Service and a claim
//! per replica, each mounted where no other volume is.

use super::check;
use crate::app::{Claim, MODEL_VOLUME, ModelVolume, Mount, NewClaim, State, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Serve;
use crate::spec::read::Sp;
use crate::stdlib::Catalog;

/// `serve.state.start`, spelled as a spec writes it, and each one's podManagementPolicy.
pub const STARTS: &[&str] = &["parallel", "ordered"];
const POLICIES: [&str; 2] = ["Parallel", "OrderedReady"];

/// A StatefulSet's pods carry `controller-revision-hash: NAME-HASH`, a label value of at most
/// 63 characters with a 10-character hash and a `-`, so its name has at most 52.
pub const MAX_STATEFUL_NAME: usize = 52;

/// The server's `state`, if it has one; `w` is its resolved workload: a claim must not clash
/// with its volumes, and its main container mounts each claim.
pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    s: &Serve,
    w: &mut Workload,
) -> Option<State> {
    let st = s.state.as_ref()?;
    let defaults = &catalog.defaults.state;
    if let Some(r) = &s.rollout {
        let span = [&r.strategy, &r.max_surge, &r.max_unavailable]
            .into_iter()
            .flatten()
            .map(|v| v.span)
            .next()
            .unwrap_or(st.span);
        d.push(
            Diagnostic::new(
                &codes::E0241,
                format!("`{at}.rollout` does not apply to a stateful server: a StatefulSet replaces its pods one at a time, from the highest index down"),
            )
            .at(span, "no surge or recreate for a StatefulSet")
            .also(st.span, "a StatefulSet because of this")
            .help(format!("drop `[{at}.rollout]`")),
        );
    }
    let start = st
        .start
        .clone()
        .unwrap_or_else(|| Sp::new(defaults.start.clone(), st.span));
    let pod_management = check::choice(d, &format!("{at}.state.start"), &start, STARTS)
        .and_then(|c| STARTS.iter().position(|x| *x == c))
        .map_or(POLICIES[0], |i| POLICIES[i]);
    for (name, limit, what) in [
        (w.name.clone(), MAX_STATEFUL_NAME, "a StatefulSet's name"),
        (
            format!("{}{}", w.name, defaults.headless_suffix),
            63,
            "its headless Service's name",
        ),
    ] {
        if name.len() > limit {
            d.push(
                Diagnostic::new(
                    &codes::E0125,
                    format!(
                        "the object name `{name}` has {} characters; {what} may have {limit}",
                        name.len()
                    ),
                )
                .at(st.span, "a StatefulSet")
                .help(format!(
                    "shorten the server's or the app's name by {} characters",
                    name.len() - limit
                )),
            );
        }
    }
    let mut claims = claims(d, catalog, at, st, w);
    // The StatefulSet controller adds each claim to the pod as a volume of its name.
    let mounts = &mut w.pod.main.mounts;
    mounts.extend(claims.iter().map(|c| Mount {
        volume: c.name.clone(),
        path: c.path.clone(),
        sub_path: None,
        read_only: false,
    }));
    mounts.sort_by(|a, b| a.path.cmp(&b.path));
    // A model cache the bundle would create (`cache = { size }`) becomes a claim per replica:
    // one claim that every replica mounts would need read-write-many storage (E0151), and each
    // replica's own keeps its download across restarts. Its mounts stay as they are.
    if let Some(m) = w.pod.model.as_mut()
        && let ModelVolume::Claim {
            new: Some(c),
            sub_path: None,
            ..
        } = &m.volume
    {
        let c = c.clone();
        w.pod.volumes.retain(|v| v.name != MODEL_VOLUME);
        claims.push(Claim {
            name: MODEL_VOLUME.to_string(),
            path: m.path.clone(),
            claim: c.clone(),
        });
        claims.sort_by(|a, b| a.name.cmp(&b.name));
        m.volume = ModelVolume::PerReplica(c);
    }
    Some(State {
        pod_management: pod_management.to_string(),
        service: format!("{}{}", w.name, defaults.headless_suffix),
        claims,
    })
}

fn claims(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    st: &crate::spec::state::State,
    w: &Workload,
) -> Vec<Claim> {
    // What the pod has already: its volumes' names, and where its containers mount them.
    let mut names: Vec<String> = w.pod.volumes.iter().map(|v| v.name.clone()).collect();
    let mut taken: Vec<(String, String)> = std::iter::once(&w.pod.main)
        .chain(&w.pod.sidecars)
        .flat_map(|c| &c.mounts)
        .map(|m| (m.volume.clone(), m.path.clone()))
        .collect();
    let mut out = Vec::new();
    for (i, c) in st.claims.iter().flatten().enumerate() {
        let p = |k: &str| format!("{at}.state.claims[{i}].{k}");
        let (Some(name), Some(path), Some(size)) = (&c.name, &c.path, &c.size) else {
            continue;
        };
        let Some(name_v) = check::label_name(d, &p("name"), name) else {
            continue;
        };
        if let Some((other, _)) = taken.iter().find(|(n, _)| *n == name_v) {
            d.push(
                Diagnostic::new(
                    &codes::E0242,
                    format!(
                        "`{}` is `{name_v}`, the name of another volume of the pod",
                        p("name")
                    ),
                )
                .at(name.span, format!("`{other}` is taken"))
                .help("give each claim a name of its own"),
            );
            continue;
        }
        if !path.v.starts_with('/') {
            d.push(
                Diagnostic::new(
                    &codes::E0130,
                    format!(
                        "`{}` must be an absolute path, found {:?}",
                        p("path"),
                        path.v
                    ),
                )
                .at(path.span, "not absolute")
                .help(format!("write `\"/{}\"`", path.v.trim_start_matches('/'))),
            );
            continue;
        }
        if let Some((other, _)) = taken.iter().find(|(_, q)| *q == path.v) {
            d.push(
                Diagnostic::new(
                    &codes::E0130,
                    format!(
                        "`{}` is `{}`, where the `{other}` volume is mounted already",
                        p("path"),
                        path.v
                    ),
                )
                .at(path.span, "same mount path")
                .help("mount each claim at a directory of its own"),
            );
            continue;
        }
        if check::quantity(d, &p("size"), size).is_none() {
            continue;
        }
        let storage_class = match &c.storage_class {
            Some(sp) => match check::subdomain_name(d, &p("storage_class"), sp) {
                Some(v) => Some(v),
                None => continue,
            },
            None => None,
        };
        let access = match &c.access {
            Some(sp) => match check::access_mode(d, &p("access"), sp) {
                Some(a) => a,
                None => continue,
            },
            None => check::default_access(&catalog.defaults.model),
        };
        names.push(name_v.clone());
        taken.push((name_v.clone(), path.v.clone()));
        out.push(Claim {
            name: name_v,
            path: path.v.clone(),
            claim: NewClaim {
                size: size.v.clone(),
                storage_class,
                access: access.to_string(),
            },
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
