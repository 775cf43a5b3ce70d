//! Scaling bounds: `min ≤ max`, and no scale-to-zero without KEDA (an HPA cannot scale to or
//! from zero).

use crate::app::{App, Replicas, Server};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Spec;

pub fn check(d: &mut Diagnostics, spec: &Spec, app: &App) {
    for server in &app.servers {
        if let Some(sc) = spec.server(&server.path).and_then(|s| s.scaling.as_ref()) {
            bounds(d, &server.path, server, sc);
        }
    }
}

fn bounds(d: &mut Diagnostics, at: &str, server: &Server, sc: &crate::spec::Scaling) {
    let (min, max, keda) = match server.replicas {
        Replicas::Fixed(_) => return,
        Replicas::Auto { min, max, .. } => (min, max, false),
        Replicas::Keda { min, max, .. } => (min, max, true),
    };
    if let (Some(lo), Some(hi)) = (&sc.min, &sc.max)
        && min > max
    {
        d.push(
            Diagnostic::new(
                &codes::E0118,
                format!("`{at}.scaling.min` ({min}) is greater than `{at}.scaling.max` ({max})"),
            )
            .at(lo.span, "minimum here")
            .also(hi.span, "maximum here")
            .help("raise `max` or lower `min`"),
        );
    }
    if max == 0 {
        if let Some(hi) = &sc.max {
            d.push(
                Diagnostic::new(
                    &codes::E0118,
                    format!("`{at}.scaling.max` must be at least 1"),
                )
                .at(hi.span, "no pods, ever")
                .help(format!("drop `[{at}]` if the server should not run")),
            );
        }
    } else if min == 0
        && !keda
        && let Some(lo) = &sc.min
    {
        d.push(
            Diagnostic::new(
                &codes::E0118,
                format!("`{at}.scaling.min = 0` needs an event-driven autoscaler"),
            )
            .at(lo.span, "scale to zero")
            .help(format!("a HorizontalPodAutoscaler cannot scale to or from zero: add `[{at}.scaling.keda]` with a trigger (e.g. `prometheus = {{ server, query, threshold }}`) to scale to zero through KEDA, or set `min = 1`")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::compile_str;

    #[test]
    fn min_above_max_is_reported_with_both_spans() {
        let (_, d) = compile_str(
            "[app]\nname = \"a\"\n[serve]\nimage = \"x:1\"\n[serve.scaling]\nmin = 5\nmax = 2\n",
        );
        let e = d.iter().find(|x| x.code.id == "E0118").expect("E0118");
        assert_eq!(e.secondary.len(), 1);
    }

    #[test]
    fn scale_to_zero_is_accepted_with_keda_only() {
        let base = "[app]\nname = \"a\"\n[serve]\nimage = \"x:1@sha256:0000000000000000000000000000000000000000000000000000000000000000\"\n[serve.scaling]\nmin = 0\nmax = 3\n";
        let (_, d) = compile_str(base);
        let e = d.iter().find(|x| x.code.id == "E0118").expect("E0118");
        assert!(
            e.help
                .as_deref()
                .unwrap_or_default()
                .contains("serve.scaling.keda"),
            "{e:?}"
        );
        let keda = format!(
            "{base}[serve.scaling.keda]\ncron = {{ timezone = \"UTC\", start = \"0 8 * * *\", end = \"0 18 * * *\", replicas = 1 }}\n"
        );
        let (objects, d) = compile_str(&keda);
        assert!(
            !d.iter()
                .any(|x| x.code.id.starts_with('E') || x.code.id == "W0004"),
            "{d:?}"
        );
        let kinds: Vec<_> = objects.iter().map(|o| o.kind()).collect();
        assert!(kinds.contains(&"ScaledObject"), "{kinds:?}");
        assert!(!kinds.contains(&"HorizontalPodAutoscaler"), "{kinds:?}");
        // Its maxUnavailable 1 never blocks KEDA's scale-down (a deletion, not an eviction).
        assert!(kinds.contains(&"PodDisruptionBudget"), "{kinds:?}");
    }
}
