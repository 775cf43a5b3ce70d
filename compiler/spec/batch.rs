//! `[jobs.NAME]` and `[schedules.NAME]`: run-to-completion work, once or on a cron schedule.

use super::read::{Fields, Sp};
use super::workload::Container;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// Fields shared by a one-off Job and a scheduled one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub container: Container,
    pub retries: Option<Sp<i32>>,
    /// The longest one run may take (activeDeadlineSeconds).
    pub deadline: Option<Sp<String>>,
    /// How long a finished Job is kept (ttlSecondsAfterFinished).
    pub ttl: Option<Sp<String>>,
    pub restart: Option<Sp<String>>,
    pub parallelism: Option<Sp<i32>>,
    pub completions: Option<Sp<i32>>,
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
            span: f.span(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    pub batch: Batch,
    pub cron: Option<Sp<String>>,
    pub timezone: Option<Sp<String>>,
    pub concurrency: Option<Sp<String>>,
    /// A run missed by more than this is skipped (startingDeadlineSeconds).
    pub starting_deadline: Option<Sp<String>>,
    pub history: Option<History>,
    pub suspend: Option<Sp<bool>>,
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub successful: Option<Sp<i32>>,
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
