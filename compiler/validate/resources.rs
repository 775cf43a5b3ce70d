//! Resource arithmetic: a memory-backed /dev/shm is taken from the container's memory limit, so
//! it must be smaller than that limit.

use crate::app::{App, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::{Container, Spec};
use crate::values::quantity::Quantity;

pub fn check(d: &mut Diagnostics, spec: &Spec, app: &App) {
    for server in &app.servers {
        if let Some(s) = spec.server(&server.path) {
            shm(d, &server.path, &s.container, &server.workload);
        }
    }
    for ((path, b, _), wl) in super::batches(spec).zip(&app.batches) {
        shm(d, &path, &b.container, &wl.workload);
    }
}

fn shm(d: &mut Diagnostics, path: &str, c: &Container, w: &Workload) {
    let Some(shm) = &w.pod.shm else { return };
    let (Ok(shm_q), Ok(mem_q)) = (
        Quantity::parse(shm),
        Quantity::parse(&w.pod.main.resources.memory),
    ) else {
        return;
    };
    if shm_q < mem_q {
        return;
    }
    let r = c.resources.as_ref();
    let shm_span = r.and_then(|r| r.shm.as_ref()).map(|s| s.span);
    let mem_span = r.and_then(|r| r.memory.as_ref()).map(|s| s.span);
    let mut diag = Diagnostic::new(
        &codes::E0121,
        format!(
            "`{path}` mounts {shm} of /dev/shm but its memory limit is {}; shared memory counts against that limit",
            w.pod.main.resources.memory
        ),
    );
    diag = match (shm_span, mem_span) {
        (Some(s), Some(m)) => diag.at(s, "shared memory").also(m, "memory limit"),
        (Some(s), None) => diag.at(s, "shared memory"),
        (None, Some(m)) => diag.at(m, "memory limit"),
        (None, None) => diag.at(
            c.image.as_ref().map(|i| i.span).unwrap_or_default(),
            "in this workload",
        ),
    };
    d.push(diag.help(format!(
        "raise `{path}.resources.memory` above the /dev/shm size, or lower `{path}.resources.shm`"
    )));
}
