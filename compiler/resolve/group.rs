//! `[serve.group]` → `Group`: a server over several nodes as a LeaderWorkerSet, with its
//! runtime's multi-node preset (the flags that join a group, the ports its pods talk on).

use crate::app::Group;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Serve;
use crate::stdlib::{DEFAULT_RUNTIME, Runtime, RuntimeGroup};

/// The server's group and the flags its pods add to the runtime's, if it has one.
pub fn resolve<'r>(
    d: &mut Diagnostics,
    at: &str,
    s: &Serve,
    runtime: Option<&'r Runtime>,
) -> Option<(Group, &'r RuntimeGroup)> {
    let g = s.group.as_ref()?;
    if let Some(st) = &s.state {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{at}.group` and `{at}.state` cannot both be set"),
            )
            .at(g.span, "a LeaderWorkerSet")
            .also(st.span, "a StatefulSet")
            .help("a server is one of them: a group of pods per replica, or a claim per replica"),
        );
        return None;
    }
    let size = g.size.as_ref()?;
    if size.v < 2 {
        d.push(
            Diagnostic::new(
                &codes::E0243,
                format!("`{at}.group.size` is {}: a group spans at least 2 pods", size.v),
            )
            .at(size.span, "fewer than 2")
            .help(format!(
                "set `size` to the nodes the model needs, or drop `[{at}.group]` to serve from one pod"
            )),
        );
        return None;
    }
    let name = s.runtime.as_ref().map_or(DEFAULT_RUNTIME, |r| r.v.as_str());
    let Some(preset) = runtime.and_then(|r| r.group.as_ref()) else {
        let span = s.runtime.as_ref().map_or(g.span, |r| r.span);
        d.push(
            Diagnostic::new(
                &codes::E0244,
                format!("runtime `{name}` has no multi-node preset, so `{at}.group` cannot join its pods"),
            )
            .at(span, "serves from one pod")
            .also(g.span, "a group of pods")
            .help("use a runtime with a `group` preset (`sglang`, `vllm`), or add one to your catalog (stdlib/runtimes.toml `[NAME.group]`)"),
        );
        return None;
    };
    let ports = preset
        .ports
        .iter()
        .map(|p| (i32::from(p.port), p.end_port.map(i32::from)))
        .collect();
    Some((
        Group {
            size: size.v,
            ports,
            // Filled by the caller, which has the runtime's placeholders.
            worker_command: None,
        },
        preset,
    ))
}
