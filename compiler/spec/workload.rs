//! What every workload section shares: the container (image, command, env, secrets, files) and
//! its resources, including the accelerator.

use super::read::{Fields, Pairs, Sp, wrong_type};
use super::tree::Value;
use crate::diagnostics::Diagnostics;

/// The container of a server, job or schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Container {
    pub image: Option<Sp<String>>,
    pub command: Option<Vec<Sp<String>>>,
    pub args: Option<Vec<Sp<String>>>,
    pub env: Pairs,
    /// `NAME = "secret-name/key"`.
    pub secret_env: Pairs,
    /// Absolute path in the container → file content, served from a ConfigMap.
    pub files: Pairs,
    pub resources: Option<Resources>,
}

impl Container {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Container {
        Container {
            image: f.required(
                d,
                "image",
                |f, d, k| f.string(d, k),
                "\"registry/name:1.0\"",
            ),
            command: f.strings(d, "command"),
            args: f.strings(d, "args"),
            env: f.pairs(d, "env").unwrap_or_default(),
            secret_env: f.pairs(d, "secret_env").unwrap_or_default(),
            files: f.pairs(d, "files").unwrap_or_default(),
            resources: f.table(d, "resources", Resources::read),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub cpu: Option<Sp<String>>,
    pub memory: Option<Sp<String>>,
    pub ephemeral_storage: Option<Sp<String>>,
    pub accelerator: Option<AcceleratorRef>,
    /// Devices per pod: GPUs, or TPU chips. Kept as written so a fraction can be reported.
    pub gpus: Option<Sp<f64>>,
    pub shm: Option<Sp<String>>,
    /// `false` drops the CPU limit (Burstable QoS); W0003.
    pub cpu_limit: Option<Sp<bool>>,
}

impl Resources {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Resources {
        Resources {
            cpu: f.scalar_string(d, "cpu"),
            memory: f.string(d, "memory"),
            ephemeral_storage: f.string(d, "ephemeral_storage"),
            accelerator: AcceleratorRef::read(f, d),
            gpus: read_number(f, d, "gpus"),
            shm: f.string(d, "shm"),
            cpu_limit: f.bool(d, "cpu_limit"),
        }
    }
}

/// `accelerator = "nvidia-l4"` or `accelerator = { type = "nvidia-a100-80gb", mig = "3g.40gb" }`.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceleratorRef {
    pub name: Sp<String>,
    pub mig: Option<Sp<String>>,
    pub topology: Option<Sp<String>>,
    pub span: crate::source::Span,
}

impl AcceleratorRef {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Option<AcceleratorRef> {
        let path = f.key_path("accelerator");
        let entry = f.entry("accelerator")?;
        match &entry.node.value {
            Value::Str(s) => Some(AcceleratorRef {
                name: Sp::new(s.clone(), entry.node.span),
                mig: None,
                topology: None,
                span: entry.node.span,
            }),
            Value::Table(_) => {
                let mut t = Fields::new(&entry.node, &path, d)?;
                let name = t.required(d, "type", |t, d, k| t.string(d, k), "\"nvidia-a100-80gb\"");
                let mig = t.string(d, "mig");
                let topology = t.string(d, "topology");
                t.finish(d);
                Some(AcceleratorRef {
                    name: name?,
                    mig,
                    topology,
                    span: entry.node.span,
                })
            }
            _ => {
                d.push(wrong_type(
                    &path,
                    "a string or a table `{ type = …, mig = … }`",
                    &entry.node,
                ));
                None
            }
        }
    }
}

/// An integer or a float, kept as a float so validation can say "1.5 is not a whole number".
fn read_number(f: &mut Fields, d: &mut Diagnostics, key: &'static str) -> Option<Sp<f64>> {
    let path = f.key_path(key);
    let e = f.entry(key)?;
    match e.node.value {
        Value::Int(i) => Some(Sp::new(i as f64, e.node.span)),
        Value::Float(x) => Some(Sp::new(x, e.node.span)),
        _ => {
            d.push(wrong_type(&path, "a whole number", &e.node));
            None
        }
    }
}
