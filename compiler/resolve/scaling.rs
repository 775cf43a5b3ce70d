//! `[serve.scaling]` → `Replicas`: a fixed count, an HPA target (resource, per-pod custom or
//! external metric), or KEDA's triggers.

use super::check;
use crate::app::{Amount, IntOrPercent, Keda, Replicas, ScaleDown, Target, Trigger};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::read::Sp;
use crate::spec::{self, Serve};
use crate::stdlib::Catalog;
use crate::values::{cron, names, percent, timezone};

pub fn replicas(d: &mut Diagnostics, catalog: &Catalog, at: &str, s: &Serve) -> Replicas {
    let defaults = &catalog.defaults.serve;
    let Some(sc) = &s.scaling else {
        return Replicas::Fixed(defaults.replicas);
    };
    if let (Some(r), Some(other)) = (&sc.replicas, sc.min.as_ref().or(sc.max.as_ref())) {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{at}.scaling.replicas` cannot be used with `min`/`max`"),
            )
            .at(r.span, "a fixed count here")
            .also(other.span, "autoscaling bounds here")
            .help("use `replicas` for a fixed count, or `min` and `max` to autoscale"),
        );
        return Replicas::Fixed(r.v);
    }
    let autoscaler = [
        ("target", sc.target.as_ref().map(|t| t.span)),
        ("keda", sc.keda.as_ref().map(|k| k.span)),
    ];
    let scale_down = sc.scale_down.as_ref().and_then(|x| scale_down(d, at, x));
    if let Some(r) = &sc.replicas {
        let autoscaler = autoscaler
            .into_iter()
            .chain([("scale_down", sc.scale_down.as_ref().map(|x| x.span))]);
        for (key, span) in autoscaler {
            if let Some(span) = span {
                d.push(
                    Diagnostic::new(
                        &codes::E0007,
                        format!("`{at}.scaling.{key}` needs `min` and `max`, not `replicas`"),
                    )
                    .at(span, "an autoscaler")
                    .also(r.span, "with a fixed count")
                    .help("replace `replicas` with `min` and `max`"),
                );
            }
        }
        return Replicas::Fixed(r.v);
    }
    let (min, max) = match (&sc.min, &sc.max) {
        (None, None) => {
            if let Some(x) = &sc.scale_down {
                d.push(
                    Diagnostic::new(
                        &codes::E0007,
                        format!("`{at}.scaling.scale_down` needs an autoscaler: `min` and `max`"),
                    )
                    .at(x.span, "a fixed replica count never scales down")
                    .help(format!(
                        "add `min` and `max` to `[{at}.scaling]`, or drop `scale_down`"
                    )),
                );
            }
            if let Some(k) = &sc.keda {
                d.push(
                    Diagnostic::new(
                        &codes::E0004,
                        format!("`{at}.scaling.max` is required with `keda`"),
                    )
                    .at(k.span, "scaling on these triggers up to where?")
                    .help(format!("add `min = 0` and `max = 4` to `[{at}.scaling]`")),
                );
            }
            return Replicas::Fixed(defaults.replicas);
        }
        // A `max` whose value was refused is reported where it is, not as missing.
        (Some(m), None) if sc.max_written => (m.v, m.v),
        (Some(m), None) => {
            d.push(
                Diagnostic::new(
                    &codes::E0004,
                    format!("`{at}.scaling.max` is required with `min`"),
                )
                .at(m.span, "autoscaling from here to where?")
                .help(format!("add `max = {}`", (m.v.max(1)).saturating_mul(4))),
            );
            (m.v, m.v)
        }
        (None, Some(m)) => (1.min(m.v), m.v),
        (Some(a), Some(b)) => (a.v, b.v),
    };
    if let Some(k) = &sc.keda {
        if let Some(t) = &sc.target {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{at}.scaling.target` and `{at}.scaling.keda` cannot both be set"),
                )
                .at(t.span, "an HPA target")
                .also(k.span, "KEDA's triggers")
                .help("KEDA owns the autoscaler: scale on a metric with `keda.prometheus = { server, query, threshold }` instead of `target`"),
            );
        }
        let mut keda = keda(d, catalog, at, k);
        keda.scale_down = scale_down;
        return Replicas::Keda { min, max, keda };
    }
    let target = sc
        .target
        .as_ref()
        .and_then(|t| target(d, at, t))
        .unwrap_or_else(|| {
            Target::CpuUtilization(
                percent::parse_percent(&defaults.cpu_target).map_or(70, |p| p as i32),
            )
        });
    Replicas::Auto {
        min,
        max,
        target,
        scale_down,
    }
}

/// The HPA's limits on a scale-down: its stabilization window (0 to 1h) and at most `max` pods
/// or percent of them per `period` (1s to 30m, default 1m).
fn scale_down(d: &mut Diagnostics, at: &str, x: &spec::pod::ScaleDown) -> Option<ScaleDown> {
    let at = |k: &str| format!("{at}.scaling.scale_down.{k}");
    let mut ok = true;
    let mut within = |d: &mut Diagnostics, key: &str, sp: &Sp<String>, low: i64, high: i64| {
        let secs = check::seconds(d, &at(key), sp)?;
        if (low..=high).contains(&secs) {
            return i32::try_from(secs).ok();
        }
        ok = false;
        d.push(
            Diagnostic::new(
                &codes::E0106,
                format!(
                    "`{}` is {}, outside what the HPA takes ({low}s to {high}s)",
                    at(key),
                    sp.v
                ),
            )
            .at(sp.span, "out of range")
            .help(format!(
                "give a duration from {low}s to {}",
                if high == 3600 { "1h" } else { "30m" }
            )),
        );
        None
    };
    let stabilization = x
        .stabilization
        .as_ref()
        .and_then(|sp| within(d, "stabilization", sp, 0, 3600));
    let period = match &x.period {
        Some(sp) => within(d, "period", sp, 1, 1800),
        None => Some(60),
    };
    let max = match (&x.max, &x.period) {
        (Some(m), _) => {
            let v = check::ok(
                d,
                &codes::E0116,
                &at("max"),
                m,
                percent::parse_int_or_percent(&m.v),
                "write a pod count such as `1` or a percentage such as `10%`",
            )?;
            let v = match v {
                percent::IntOrPercent::Int(n) if n > 0 => IntOrPercent::Int(n),
                percent::IntOrPercent::Percent(p) if p > 0 => IntOrPercent::Percent(p),
                _ => {
                    d.push(
                        Diagnostic::new(&codes::E0116, format!("`{}` must be more than 0", at("max")))
                            .at(m.span, "never scales down")
                            .help("remove at least one pod (or 1%) per period; to hold replicas longer, raise `stabilization`"),
                    );
                    return None;
                }
            };
            Some((v, period?))
        }
        (None, Some(p)) => {
            d.push(
                Diagnostic::new(&codes::E0004, format!("`{}` needs `max`", at("period")))
                    .at(p.span, "a period of what?")
                    .help("add `max = 1` (pods) or `max = \"10%\"` removed per period"),
            );
            return None;
        }
        (None, None) => None,
    };
    ok.then_some(ScaleDown {
        stabilization_seconds: stabilization,
        max,
    })
}

fn target(d: &mut Diagnostics, at: &str, t: &spec::Target) -> Option<Target> {
    if !check::exactly_one(
        d,
        &format!("{at}.scaling.target"),
        t.span,
        &[
            ("cpu", &t.cpu),
            ("memory", &t.memory),
            ("metric", &t.metric),
            ("external", &t.external),
        ],
        "`target = { cpu = \"70%\" }` or `target = { metric = \"vllm:num_requests_waiting\", average = 5 }`",
    ) {
        return None;
    }
    let named = t.metric.as_ref().or(t.external.as_ref());
    let misplaced = |d: &mut Diagnostics, key: &str, span: Span, with: &str| {
        let mut diag = Diagnostic::new(
            &codes::E0007,
            format!("`{at}.scaling.target.{key}` goes with {with} only"),
        )
        .at(span, "not used by this target");
        if let Some(n) = named {
            diag = diag.also(n.span, "this metric");
        }
        d.push(diag.help(format!("drop `{key}`, or target {with}")));
    };
    if named.is_none()
        && let Some((k, _)) = t.selector.first()
    {
        misplaced(d, "selector", k.span, "`metric` or `external`");
    }
    if t.external.is_none()
        && let Some(v) = &t.value
    {
        misplaced(d, "value", v.span, "`external`");
    }
    if t.metric.is_none()
        && t.external.is_none()
        && let Some(a) = &t.average
    {
        misplaced(d, "average", a.span, "`metric` or `external`");
    }
    let pct = |d: &mut Diagnostics, key: &str, sp: &Sp<String>| -> Option<i32> {
        let p = check::ok(
            d,
            &codes::E0116,
            &format!("{at}.scaling.target.{key}"),
            sp,
            percent::parse_percent(&sp.v),
            "write a utilisation of the request such as `70%`",
        )?;
        if p == 0 {
            d.push(
                Diagnostic::new(
                    &codes::E0116,
                    format!("`{at}.scaling.target.{key}` must be above 0%"),
                )
                .at(sp.span, "zero")
                .help("a target of 0% would scale to `max` at once"),
            );
            return None;
        }
        i32::try_from(p).ok()
    };
    if let Some(c) = &t.cpu {
        return pct(d, "cpu", c).map(Target::CpuUtilization);
    }
    if let Some(m) = &t.memory {
        return pct(d, "memory", m).map(Target::MemoryUtilization);
    }
    let key = if t.metric.is_some() {
        "metric"
    } else {
        "external"
    };
    let sp = named?;
    let name = check::ok(
        d,
        &codes::E0140,
        &format!("{at}.scaling.target.{key}"),
        sp,
        names::metric_name(&sp.v),
        "write the name the metrics adapter serves, such as `vllm:num_requests_waiting`",
    );
    let selector = check::labels(
        d,
        &format!("{at}.scaling.target.selector"),
        &t.selector,
        true,
    );
    let amount = match (&t.average, &t.value) {
        (Some(a), Some(v)) if key == "external" => {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{at}.scaling.target.average` and `value` cannot both be set"),
                )
                .at(v.span, "the metric as a whole")
                .also(a.span, "the metric per replica")
                .help("`average` divides the metric by the replica count (a queue's depth per worker); `value` compares it as a whole"),
            );
            return None;
        }
        (Some(a), _) => Amount::Average(
            check::quantity(d, &format!("{at}.scaling.target.average"), a).map(|_| a.v.clone())?,
        ),
        (None, Some(v)) if key == "external" => Amount::Value(
            check::quantity(d, &format!("{at}.scaling.target.value"), v).map(|_| v.v.clone())?,
        ),
        _ => {
            let also = if key == "external" {
                " (or `value`)"
            } else {
                ""
            };
            d.push(
                Diagnostic::new(
                    &codes::E0004,
                    format!("`{at}.scaling.target.average`{also} is required with `{key}`"),
                )
                .at(sp.span, "per-pod average of this metric")
                .help("add `average = 5`: the value per pod the autoscaler keeps the metric at"),
            );
            return None;
        }
    };
    let name = name.map(|()| sp.v.clone())?;
    Some(match (key, amount) {
        ("metric", Amount::Average(average)) => Target::PodsMetric {
            name,
            average,
            selector,
        },
        (_, amount) => Target::External {
            name,
            amount,
            selector,
        },
    })
}

/// `[serve.scaling.keda]`: every trigger checked; polling and cooldown from the spec or
/// `stdlib/defaults.toml`.
fn keda(d: &mut Diagnostics, catalog: &Catalog, at: &str, k: &spec::Keda) -> Keda {
    let defaults = &catalog.defaults.keda;
    let mut secs = |key: &str, given: &Option<Sp<String>>, default: &str| -> i32 {
        let sp = given
            .clone()
            .unwrap_or_else(|| Sp::new(default.to_string(), Span::default()));
        let n = check::seconds(d, &format!("{at}.scaling.keda.{key}"), &sp).unwrap_or(0);
        i32::try_from(n).unwrap_or(i32::MAX)
    };
    let polling_seconds = secs("polling", &k.polling, &defaults.polling);
    let cooldown_seconds = secs("cooldown", &k.cooldown, &defaults.cooldown);
    if let Some(p) = &k.polling
        && polling_seconds == 0
    {
        d.push(
            Diagnostic::new(
                &codes::E0141,
                format!("`{at}.scaling.keda.polling` must be at least 1s"),
            )
            .at(p.span, "never polls")
            .help("KEDA checks its triggers every `polling`; `30s` is its default"),
        );
    }
    let mut triggers = Vec::new();
    if let Some(p) = &k.prometheus {
        triggers.extend(prometheus(d, at, p));
    }
    if let Some(c) = &k.cron {
        triggers.extend(cron_trigger(d, at, c));
    }
    if k.prometheus.is_none() && k.cron.is_none() {
        d.push(
            Diagnostic::new(&codes::E0004, format!("`{at}.scaling.keda` needs a trigger"))
                .at(k.span, "nothing to scale on")
                .help("add `prometheus = { server, query, threshold }` or `cron = { timezone, start, end, replicas }`"),
        );
    }
    Keda {
        polling_seconds,
        cooldown_seconds,
        triggers,
        scale_down: None,
    }
}

/// A positive (or, with `zero_ok`, non-negative) decimal number, as KEDA parses thresholds.
fn number(s: &str, zero_ok: bool) -> Result<(), String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (n > 0.0 || (zero_ok && n == 0.0)) => Ok(()),
        Ok(_) if zero_ok => Err(format!("`{s}` is negative")),
        Ok(_) => Err(format!("`{s}` is not above zero")),
        Err(_) => Err(format!("`{s}` is not a number")),
    }
}

fn prometheus(d: &mut Diagnostics, at: &str, p: &spec::Prometheus) -> Option<Trigger> {
    let at = &format!("{at}.scaling.keda.prometheus");
    let server = p.server.as_ref().and_then(|sp| {
        let rest =
            sp.v.strip_prefix("http://")
                .or_else(|| sp.v.strip_prefix("https://"));
        let ok = match rest {
            Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
            _ => Err(format!("`{}` is not an http:// or https:// URL", sp.v)),
        };
        check::ok(
            d,
            &codes::E0141,
            &format!("{at}.server"),
            sp,
            ok,
            "write the Prometheus server's URL, such as `http://prometheus.monitoring:9090`",
        )
        .map(|()| sp.v.clone())
    });
    let query = p.query.as_ref().and_then(|sp| {
        let ok = if sp.v.trim().is_empty() {
            Err("the query is empty".to_string())
        } else {
            Ok(())
        };
        check::ok(d, &codes::E0141, &format!("{at}.query"), sp, ok,
            "write a PromQL query that returns one number, such as `sum(vllm:num_requests_waiting)`")
            .map(|()| sp.v.clone())
    });
    let threshold = p.threshold.as_ref().and_then(|sp| {
        check::ok(
            d,
            &codes::E0141,
            &format!("{at}.threshold"),
            sp,
            number(&sp.v, false),
            "the query's value per replica: a number above zero, such as `5`",
        )
        .map(|()| sp.v.clone())
    });
    let activation = match &p.activation {
        Some(sp) => Some(
            check::ok(
                d,
                &codes::E0141,
                &format!("{at}.activation"),
                sp,
                number(&sp.v, true),
                "the value above which the server wakes from zero: a number, zero or more",
            )
            .map(|()| sp.v.clone())?,
        ),
        None => None,
    };
    Some(Trigger::Prometheus {
        server: server?,
        query: query?,
        threshold: threshold?,
        activation,
    })
}

fn cron_trigger(d: &mut Diagnostics, at: &str, c: &spec::Cron) -> Option<Trigger> {
    let at = &format!("{at}.scaling.keda.cron");
    let timezone = c.timezone.as_ref().and_then(|tz| {
        check::ok(
            d,
            &codes::E0108,
            &format!("{at}.timezone"),
            tz,
            timezone::timezone(&tz.v),
            "use an IANA name such as `Europe/Berlin` or `America/New_York`",
        )
        .map(|()| tz.v.clone())
    });
    let mut line =
        |key: &str, sp: &Option<Sp<String>>| {
            sp.as_ref().and_then(|l| {
                check::ok(d, &codes::E0107, &format!("{at}.{key}"), l, cron::parse_cron(&l.v),
                "write five fields: minute hour day-of-month month day-of-week, e.g. `0 8 * * 1-5`")
                .map(|_| l.v.clone())
            })
        };
    let start = line("start", &c.start);
    let end = line("end", &c.end);
    let replicas = c.replicas.as_ref().and_then(|r| {
        if r.v >= 1 {
            return Some(r.v);
        }
        d.push(
            Diagnostic::new(&codes::E0141, format!("`{at}.replicas` must be at least 1"))
                .at(r.span, "no pods in the window")
                .help(
                    "the window keeps this many replicas up; outside it the other triggers decide",
                ),
        );
        None
    });
    Some(Trigger::Cron {
        timezone: timezone?,
        start: start?,
        end: end?,
        replicas: replicas?,
    })
}

#[cfg(test)]
mod tests {
    use crate::compile_str;
    use crate::generate::Object;

    const BASE: &str = "[app]\nname = \"w\"\n[serve]\nimage = \"x:1@sha256:0000000000000000000000000000000000000000000000000000000000000000\"\n[serve.scaling]\nmin = 2\nmax = 8\n";

    fn hpa_metric(target: &str) -> serde_json::Value {
        let (objects, d) = compile_str(&format!("{BASE}target = {target}\n"));
        assert!(!d.iter().any(|x| x.code.id.starts_with('E')), "{d:?}");
        let hpa = objects
            .iter()
            .find(|o| matches!(o, Object::HorizontalPodAutoscaler(_)))
            .expect("an HPA");
        serde_json::to_value(hpa).unwrap()["spec"]["metrics"][0].clone()
    }

    #[test]
    fn external_metrics_by_average_or_value_with_a_selector_verify() {
        let m = hpa_metric(
            r#"{ external = "pubsub.googleapis.com|subscription|num_undelivered_messages", average = 10, selector = { "resource.labels.subscription_id" = "jobs" } }"#,
        );
        assert_eq!(m["type"], "External");
        assert_eq!(m["external"]["target"]["averageValue"], "10");
        assert_eq!(
            m["external"]["metric"]["selector"]["matchLabels"]["resource.labels.subscription_id"],
            "jobs"
        );
        let m = hpa_metric(r#"{ external = "queue_depth", value = 100 }"#);
        assert_eq!(m["external"]["target"]["type"], "Value");
        assert_eq!(m["external"]["target"]["value"], "100");
        let m = hpa_metric(
            r#"{ metric = "vllm:num_requests_waiting", average = 5, selector = { model = "llama" } }"#,
        );
        assert_eq!(
            m["pods"]["metric"]["selector"]["matchLabels"]["model"],
            "llama"
        );
    }

    #[test]
    fn malformed_targets_and_triggers_are_coded() {
        let codes = |extra: &str| -> Vec<&'static str> {
            let (_, d) = compile_str(&format!("{BASE}{extra}"));
            let mut c: Vec<_> = d
                .iter()
                .map(|x| x.code.id)
                .filter(|c| c.starts_with('E'))
                .collect();
            c.sort();
            c
        };
        assert_eq!(codes("target = { external = \"q\" }\n"), ["E0004"]);
        assert_eq!(
            codes("target = { external = \"q\", average = 1, value = 2 }\n"),
            ["E0007"]
        );
        assert_eq!(
            codes("target = { cpu = \"70%\", value = 2, selector = { a = \"b\" } }\n"),
            ["E0007", "E0007"]
        );
        assert_eq!(
            codes("target = { metric = \"..\", average = 1 }\n"),
            ["E0140"]
        );
        assert_eq!(
            codes("target = { metric = \"m\", average = 1, selector = { a = \"b c\" } }\n"),
            ["E0102"]
        );
        assert_eq!(codes("[serve.scaling.keda]\n"), ["E0004"]);
        assert_eq!(
            codes(
                "[serve.scaling.keda]\npolling = \"0s\"\ncron = { timezone = \"Mars/Olympus\", start = \"0 25 * * *\", end = \"0 8 * * *\", replicas = 0 }\n"
            ),
            ["E0107", "E0108", "E0141", "E0141"]
        );
        assert_eq!(
            codes(
                "[serve.scaling.keda]\nprometheus = { server = \"http://p:9090\", query = \" \", threshold = -1, activation = -2 }\n"
            ),
            ["E0141", "E0141", "E0141"]
        );
    }
}
