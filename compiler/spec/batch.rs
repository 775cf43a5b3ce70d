//! `[jobs.NAME]` and `[schedules.NAME]`: run-to-completion work, once or on a cron schedule.

use schemars::JsonSchema;

use super::read::{Fields, Sp};
use super::workload::Container;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// `[jobs.NAME]`: one-off work, a Job. (Its fields are shared by a schedule's, but `ttl`.)
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Batch {
    #[schemars(flatten)]
    pub container: Container,
    /// Retries before the Job fails (backoffLimit; default 2).
    #[schemars(range(min = 0))]
    pub retries: Option<Sp<i32>>,
    /// The longest one run may take (activeDeadlineSeconds).
    #[schemars(extend("examples" = ["4h", "30m"]))]
    pub deadline: Option<Sp<String>>,
    /// How long a finished Job is kept (ttlSecondsAfterFinished; default `1d`); `"never"` keeps
    /// it (W0007). Jobs only: a schedule's runs are kept by `history`.
    #[schemars(extend("examples" = ["1d", "never"]))]
    pub ttl: Option<Sp<String>>,
    /// The pod's restart policy: `never` (default) or `on-failure`.
    #[schemars(extend("enum" = crate::resolve::batch::RESTART_POLICIES))]
    pub restart: Option<Sp<String>>,
    /// Pods that run at once, as on a Job.
    #[schemars(range(min = 0))]
    pub parallelism: Option<Sp<i32>>,
    /// Successful pods the Job needs, as on a Job.
    #[schemars(range(min = 0))]
    pub completions: Option<Sp<i32>>,
    /// The Kueue LocalQueue that admits the work (`kueue.x-k8s.io/queue-name`): the Job (or
    /// JobSet) is created suspended, and Kueue starts it when the queue's quota has room.
    #[schemars(extend("examples" = ["team-a"]))]
    pub queue: Option<Sp<String>>,
    /// Slices of a multi-host TPU topology that train together: the job becomes a JobSet
    /// (jobset.x-k8s.io) of one Indexed Job per slice, joined by GKE's Multislice variables;
    /// `1` makes a JobSet of one slice. Jobs only.
    #[schemars(range(min = 1))]
    pub slices: Option<Sp<i32>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Batch {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Batch {
        Batch {
            container: Container::read(f, d),
            retries: f.count(d, "retries"),
            deadline: f.string(d, "deadline"),
            ttl: f.string(d, "ttl"),
            restart: f.string(d, "restart"),
            parallelism: f.count(d, "parallelism"),
            completions: f.count(d, "completions"),
            queue: f.string(d, "queue"),
            slices: f.count(d, "slices"),
            span: f.span(),
        }
    }
}

/// `[schedules.NAME]`: work on a cron schedule, a CronJob. Every key of a job but `ttl`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, transform = schedule_keys)]
pub struct Schedule {
    #[schemars(flatten)]
    pub batch: Batch,
    /// Five fields (`30 2 * * *`), with ranges, steps and names (`MON-FRI`), or `@daily`-style.
    #[schemars(required, extend("examples" = ["0 3 * * *", "@daily"]))]
    pub cron: Option<Sp<String>>,
    /// The IANA time zone `cron` is read in (default: the kube-controller-manager's).
    #[schemars(extend("examples" = ["Europe/Berlin", "America/New_York"]))]
    pub timezone: Option<Sp<String>>,
    /// When a run is due while the last still runs: `forbid` (default), `allow`, `replace`.
    #[schemars(extend("enum" = crate::resolve::batch::CONCURRENCY_POLICIES))]
    pub concurrency: Option<Sp<String>>,
    /// A run missed by more than this is skipped (startingDeadlineSeconds; default `1h`).
    #[schemars(extend("examples" = ["1h"]))]
    pub starting_deadline: Option<Sp<String>>,
    /// How many finished runs are kept.
    pub history: Option<History>,
    /// `true` pauses the schedule.
    pub suspend: Option<Sp<bool>>,
}

/// A schedule's Jobs have no TTL and are no JobSet (resolve reports `ttl` and `slices` there as
/// unknown keys), so its schema drops the keys the shared `Batch` brings.
fn schedule_keys(schema: &mut schemars::Schema) {
    if let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        props.remove("ttl");
        props.remove("slices");
    }
}

impl Schedule {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Schedule {
        Schedule {
            cron: f.required(d, "cron", |f, d, k| f.string(d, k), "\"0 3 * * *\""),
            timezone: f.string(d, "timezone"),
            concurrency: f.string(d, "concurrency"),
            starting_deadline: f.string(d, "starting_deadline"),
            history: f.table(d, "history", History::read),
            suspend: f.bool(d, "suspend"),
            batch: Batch::read(f, d),
        }
    }
}

/// `history = { successful = 3, failed = 3 }`: finished runs a CronJob keeps.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct History {
    /// Successful runs kept.
    #[schemars(range(min = 0))]
    pub successful: Option<Sp<i32>>,
    /// Failed runs kept.
    #[schemars(range(min = 0))]
    pub failed: Option<Sp<i32>>,
}

impl History {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> History {
        History {
            successful: f.count(d, "successful"),
            failed: f.count(d, "failed"),
        }
    }
}
