//! `[jobs.NAME]` and `[schedules.NAME]` → `Batch`: retries, deadlines, TTL, cron and time zone,
//! a Kueue queue, and a job's TPU slices (a JobSet).

use std::collections::BTreeMap;

use super::check;
use super::ident::Ident;
use super::pod::{self, Fill};
use crate::app::{Batch, JobSet, Schedule, Scheduling};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::read::Sp;
use crate::spec::{self};
use crate::stdlib::Catalog;
use crate::values::{cron, timezone};

/// CronJob names leave room for the 11-character suffix of the Jobs they create.
pub const MAX_CRONJOB_NAME: usize = 52;
pub const MAX_JOB_NAME: usize = 63;
/// `schedules.NAME.concurrency`: what a CronJob does when a run is due while one still runs.
pub const CONCURRENCY_POLICIES: &[&str] = &["allow", "forbid", "replace"];
/// `restart` of a job or schedule: the pod's restartPolicy, spelled as a spec writes it.
pub const RESTART_POLICIES: &[&str] = &["never", "on-failure"];

pub fn job(
    d: &mut Diagnostics,
    catalog: &Catalog,
    app: &str,
    key: &Sp<String>,
    b: &spec::Batch,
    base: &Scheduling,
) -> Batch {
    let path = format!("jobs.{}", key.v);
    common(d, catalog, app, key, b, base, &path, "job", MAX_JOB_NAME)
}

pub fn schedule(
    d: &mut Diagnostics,
    catalog: &Catalog,
    app: &str,
    key: &Sp<String>,
    s: &spec::Schedule,
    base: &Scheduling,
) -> Batch {
    let path = format!("schedules.{}", key.v);
    let mut out = common(
        d,
        catalog,
        app,
        key,
        &s.batch,
        base,
        &path,
        "schedule",
        MAX_CRONJOB_NAME,
    );
    // A CronJob runs Jobs, never JobSets.
    if let Some(slices) = &s.batch.slices {
        d.push(
            Diagnostic::new(
                &codes::E0002,
                format!("`{path}.slices` is not a key of a schedule: a CronJob runs Jobs, not JobSets"),
            )
            .at(slices.span, "several slices need a JobSet")
            .help("run the slices as `[jobs.NAME]` with `slices`; a schedule runs one multi-host slice as an Indexed Job"),
        );
    }
    // A CronJob deletes runs beyond its history limits; a TTL on its Jobs would delete runs the
    // history still counts (kube-linter's job-ttl-seconds-after-finished), so `common` gives
    // them none.
    if let Some(ttl) = &s.batch.ttl {
        d.push(
            Diagnostic::new(
                &codes::E0002,
                format!("`{path}.ttl` is not a key of a schedule: its CronJob keeps the last `history` runs and deletes older ones"),
            )
            .at(ttl.span, "a TTL would delete runs the history still counts")
            .help("remove `ttl`; `history = { successful = 3, failed = 5 }` sets how many finished runs are kept"),
        );
    }
    if s.batch.deadline.is_none() {
        d.push(
            Diagnostic::new(
                &codes::W0006,
                format!("`{path}` has no `deadline`: a run that hangs runs, and holds its nodes, forever"),
            )
            .at(key.span, "no deadline")
            .help("add `deadline = \"4h\"` (activeDeadlineSeconds), well above the slowest healthy run"),
        );
    }
    let defaults = &catalog.defaults.schedules;
    let cron = s.cron.as_ref().and_then(|c| {
        check::ok(d, &codes::E0107, &format!("{path}.cron"), c, cron::parse_cron(&c.v),
            "five fields: minute hour day-of-month month day-of-week, e.g. `0 3 * * *` for 03:00 daily")
            .map(|_| c.v.clone())
    });
    let timezone = s.timezone.as_ref().and_then(|tz| {
        check::ok(
            d,
            &codes::E0108,
            &format!("{path}.timezone"),
            tz,
            timezone::timezone(&tz.v),
            "write an IANA zone name such as `Europe/Berlin`, `America/New_York` or `Etc/UTC`",
        )
        .map(|()| tz.v.clone())
    });
    let concurrency = match &s.concurrency {
        Some(c) => check::choice(d, &format!("{path}.concurrency"), c, CONCURRENCY_POLICIES),
        None => Some(defaults.concurrency.as_str()),
    };
    let starting = s
        .starting_deadline
        .clone()
        .unwrap_or_else(|| Sp::new(defaults.starting_deadline.clone(), Default::default()));
    out.schedule = Some(Schedule {
        cron: cron.unwrap_or_default(),
        timezone,
        concurrency: capitalise(concurrency.unwrap_or("forbid")),
        starting_deadline_seconds: check::seconds(
            d,
            &format!("{path}.starting_deadline"),
            &starting,
        ),
        successful_history: s
            .history
            .as_ref()
            .and_then(|h| h.successful.as_ref())
            .map_or(defaults.successful_history, |x| x.v),
        failed_history: s
            .history
            .as_ref()
            .and_then(|h| h.failed.as_ref())
            .map_or(defaults.failed_history, |x| x.v),
        suspend: s.suspend.as_ref().is_some_and(|x| x.v),
    });
    out
}

#[allow(clippy::too_many_arguments)]
fn common(
    d: &mut Diagnostics,
    catalog: &Catalog,
    app: &str,
    key: &Sp<String>,
    b: &spec::Batch,
    base: &Scheduling,
    path: &str,
    component: &str,
    max_name: usize,
) -> Batch {
    let defaults = &catalog.defaults.jobs;
    check::label_name(d, path, key);
    let name = format!("{app}-{}", key.v);
    if name.len() > max_name {
        d.push(
            Diagnostic::new(
                &codes::E0125,
                format!(
                    "the object name `{name}` has {} characters; a {} name may have {max_name}",
                    name.len(),
                    if component == "schedule" {
                        "CronJob"
                    } else {
                        "Job"
                    }
                ),
            )
            .at(key.span, "app name + this name")
            .help(format!(
                "shorten this name or `app.name` by {} characters",
                name.len() - max_name
            )),
        );
    }
    let id = Ident {
        app,
        name: name.clone(),
        component: component.to_string(),
        container: key.v.clone(),
        path: path.to_string(),
    };
    let fill = Fill::new(app, None, &b.container.env, None);
    let main = pod::Main {
        runtime: None,
        fill: &fill,
        ports: Vec::new(),
        health: None,
    };
    let workload = pod::resolve(d, catalog, id, &b.container, main, base);
    let hosts = super::accelerator::tpu_hosts(catalog, &b.container);
    if let Some((hosts, topology)) = hosts {
        multi_host(d, path, key, b, component, hosts, topology, &name, max_name);
    } else if let Some((_, topology)) = super::accelerator::tpu_slice(catalog, &b.container) {
        parallel_single_hosts(d, catalog, path, b, topology);
    }
    let slices = b
        .slices
        .as_ref()
        .filter(|_| component != "schedule")
        .and_then(|s| job_set(d, catalog, path, key, b, s, hosts.map(|(h, _)| h), &name));
    let hosts = hosts.map(|(h, _)| h);
    let restart = match &b.restart {
        Some(r) => check::choice(d, &format!("{path}.restart"), r, RESTART_POLICIES),
        None => Some(defaults.restart.as_str()),
    };
    let ttl = b
        .ttl
        .clone()
        .unwrap_or_else(|| Sp::new(defaults.ttl.clone(), Default::default()));
    Batch {
        workload,
        schedule: None,
        backoff_limit: b.retries.as_ref().map_or(defaults.backoff_limit, |r| r.v),
        active_deadline_seconds: b
            .deadline
            .as_ref()
            .and_then(|x| check::seconds(d, &format!("{path}.deadline"), x)),
        ttl_seconds: if component == "schedule" {
            None
        } else if ttl.v == "never" {
            d.push(
                Diagnostic::new(
                    &codes::W0007,
                    format!("`{path}.ttl = \"never\"` keeps the finished Job and its pods forever"),
                )
                .at(ttl.span, "never cleaned up")
                .help(
                    "give a duration such as `ttl = \"7d\"`, and ship logs and results elsewhere",
                ),
            );
            None
        } else {
            check::seconds(d, &format!("{path}.ttl"), &ttl).and_then(|s| i32::try_from(s).ok())
        },
        restart_policy: if restart == Some("on-failure") {
            "OnFailure"
        } else {
            "Never"
        }
        .to_string(),
        parallelism: hosts.or(b.parallelism.as_ref().map(|x| x.v)),
        completions: hosts.or(b.completions.as_ref().map(|x| x.v)),
        hosts,
        queue: b
            .queue
            .as_ref()
            .and_then(|q| check::label_name(d, &format!("{path}.queue"), q)),
        slices,
    }
}

/// A multi-host TPU slice runs one pod per host: `parallelism` and `completions`, if given,
/// must be the number of hosts, and each pod's hostname (`JOB-INDEX`, a DNS label) must fit in
/// 63 characters.
#[allow(clippy::too_many_arguments)]
fn multi_host(
    d: &mut Diagnostics,
    path: &str,
    key: &Sp<String>,
    b: &spec::Batch,
    component: &str,
    hosts: i32,
    topology: &Sp<String>,
    name: &str,
    max_name: usize,
) {
    for (field, v) in [
        ("parallelism", &b.parallelism),
        ("completions", &b.completions),
    ] {
        if let Some(v) = v.as_ref().filter(|v| v.v != hosts) {
            d.push(
                Diagnostic::new(
                    &codes::E0129,
                    format!(
                        "`{path}.{field}` is {} but topology `{}` runs {hosts} pods, one per host",
                        v.v, topology.v
                    ),
                )
                .at(v.span, "not the number of hosts")
                .also(topology.span, "a multi-host slice")
                .help(format!(
                    "drop `{field}`: a multi-host slice sets it to its hosts ({hosts})"
                )),
            );
        }
    }
    // Each pod's hostname is `JOB-INDEX`; a CronJob's runs are named `CRONJOB-<timestamp>`, for
    // which `MAX_CRONJOB_NAME` leaves 11 characters.
    let run_suffix = if component == "schedule" {
        MAX_JOB_NAME - MAX_CRONJOB_NAME
    } else {
        0
    };
    let index = (hosts - 1).max(0).to_string().len();
    let longest = MAX_JOB_NAME - run_suffix - 1 - index;
    // A name over `max_name` was reported already.
    if name.len() > longest && name.len() <= max_name {
        d.push(
            Diagnostic::new(
                &codes::E0125,
                format!(
                    "the pods of `{name}` are named `{}{}-{}` ({} characters); a pod's hostname may have 63",
                    name,
                    if run_suffix > 0 { "-<run>" } else { "" },
                    hosts - 1,
                    name.len() + run_suffix + 1 + index
                ),
            )
            .at(key.span, "app name + this name")
            .also(topology.span, format!("{hosts} hosts"))
            .help(format!(
                "shorten this name or `app.name` by {} characters",
                name.len() - longest
            )),
        );
    }
}

/// `slices`: a JobSet of one Indexed Job per slice of a multi-host TPU topology (E0240 without
/// one), the slices' variables (E0128 when the spec sets one too), and pod names the JobSet
/// webhook accepts (`JOBSET-SLICE_JOB-SLICE-HOST-xxxxx` in 63 characters, E0125).
#[allow(clippy::too_many_arguments)]
fn job_set(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    key: &Sp<String>,
    b: &spec::Batch,
    slices: &Sp<i32>,
    hosts: Option<i32>,
    name: &str,
) -> Option<JobSet> {
    if slices.v < 1 {
        d.push(
            Diagnostic::new(
                &codes::E0113,
                format!("`{path}.slices` must be at least 1, found {}", slices.v),
            )
            .at(slices.span, "no slice to run")
            .help("give the number of slices that train together, 1 or more"),
        );
        return None;
    }
    let Some(hosts) = hosts else {
        let accelerator = b
            .container
            .resources
            .as_ref()
            .and_then(|r| r.accelerator.as_ref());
        let why = match accelerator.map(|a| (a, catalog.accelerator(&a.name.v))) {
            Some((a, Some(entry))) if entry.is_tpu() && a.topology.is_some() => {
                "its TPU topology is a single host, and GKE joins only multi-host slices"
                    .to_string()
            }
            Some((a, _)) => format!("`{}` is no multi-host TPU slice", a.name.v),
            None => "the job asks for no accelerator".to_string(),
        };
        let mut diag = Diagnostic::new(
            &codes::E0240,
            format!("`{path}.slices` joins multi-host TPU slices, but {why}"),
        )
        .at(slices.span, "slices of what?");
        if let Some(t) = accelerator.and_then(|a| a.topology.as_ref()) {
            diag = diag.also(t.span, "topology");
        }
        d.push(diag.help(
            "ask for a multi-host topology (`accelerator = { type = \"tpu-v6e\", topology = \"4x4\" }`, or `gpus = 4` for 2x4 on two hosts), or drop `slices`",
        ));
        return None;
    };
    let defaults = &catalog.defaults.jobset;
    let rj = &defaults.replicated_job;
    let coordinator = format!("{name}-{rj}-0-0.{name}");
    let (env, label_env) = if slices.v > 1 {
        let env: BTreeMap<String, String> = defaults
            .slice_env
            .iter()
            .map(|(k, v)| {
                let v = v
                    .replace("{slices}", &slices.v.to_string())
                    .replace("{coordinator}", &coordinator);
                (k.clone(), v)
            })
            .collect();
        let label_env = BTreeMap::from([(
            defaults.slice_index_env.clone(),
            defaults.slice_index_label.clone(),
        )]);
        (env, label_env)
    } else {
        Default::default()
    };
    for (k, _) in b
        .container
        .env
        .iter()
        .chain(&b.container.secret_env)
        .filter(|(k, _)| env.contains_key(&k.v) || label_env.contains_key(&k.v))
    {
        d.push(
            Diagnostic::new(
                &codes::E0128,
                format!("`{}` is set in `{path}` and by `slices`", k.v),
            )
            .at(k.span, "set twice")
            .also(slices.span, "sets the slices' variables")
            .help(format!(
                "drop `{}`: a job of several slices gets it from the JobSet",
                k.v
            )),
        );
    }
    // The JobSet webhook's longest pod name: JOBSET-RJ-SLICE-HOST plus a 5-character suffix.
    let longest = format!("{name}-{rj}-{}-{}-xxxxx", slices.v - 1, hosts - 1).len();
    if longest > MAX_JOB_NAME {
        d.push(
            Diagnostic::new(
                &codes::E0125,
                format!(
                    "the pods of the JobSet `{name}` are named `{name}-{rj}-{}-{}-<suffix>` ({longest} characters); a pod's name may have 63",
                    slices.v - 1,
                    hosts - 1
                ),
            )
            .at(key.span, "app name + this name")
            .also(slices.span, format!("{} slices", slices.v))
            .help(format!(
                "shorten this name or `app.name` by {} characters",
                longest - MAX_JOB_NAME
            )),
        );
    }
    Some(JobSet {
        slices: slices.v,
        replicated_job: rj.clone(),
        env,
        label_env,
    })
}

/// W0081: several pods at once on a single-host TPU slice each get a host of their own and
/// train alone; a training meant to span hosts needs a multi-host slice.
fn parallel_single_hosts(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    b: &spec::Batch,
    topology: &Sp<String>,
) {
    let Some(p) = b.parallelism.as_ref().filter(|p| p.v > 1) else {
        return;
    };
    let Some(a) = b
        .container
        .resources
        .as_ref()
        .and_then(|r| r.accelerator.as_ref())
    else {
        return;
    };
    let Some(entry) = catalog.accelerator(&a.name.v) else {
        return;
    };
    // The same topology on smaller hosts, else the smallest multi-host topology.
    let several = entry
        .shapes(&topology.v)
        .into_iter()
        .find(|(s, _)| s.hosts > 1)
        .map(|(s, h)| {
            format!(
                "`{}` on {} `{}` hosts (`gpus = {}`)",
                topology.v, s.hosts, h.machine, s.chips_per_pod
            )
        })
        .or_else(|| {
            entry
                .all_topologies()
                .into_iter()
                .find_map(|t| entry.slice(t).filter(|s| s.hosts > 1).map(|s| (t, s)))
                .map(|(t, s)| format!("topology `{t}` ({} hosts)", s.hosts))
        });
    let help = match several {
        Some(s) => format!(
            "to train as one slice over several hosts use {s}; if the pods are independent runs, allow W0081 in `[lint]`"
        ),
        None => "if the pods are independent runs, allow W0081 in `[lint]`".to_string(),
    };
    d.push(
        Diagnostic::new(
            &codes::W0081,
            format!(
                "`{path}.parallelism` is {} on the single-host TPU slice `{}`: each pod gets a host of its own and trains alone",
                p.v, topology.v
            ),
        )
        .at(p.span, "pods that do not train together")
        .also(topology.span, "one host per slice")
        .help(help),
    );
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
