//! `[jobs.NAME]` and `[schedules.NAME]` → `Batch`: retries, deadlines, TTL, cron and time zone.

use super::check;
use super::ident::Ident;
use super::pod::{self, Fill};
use crate::app::{Batch, Schedule, Scheduling};
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
    }
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
