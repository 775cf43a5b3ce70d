//! The one integration-test binary: each module drives the library or the real `mlspec` binary
//! with real files.

#![allow(clippy::disallowed_methods)]

mod annotate;
mod bad_input;
mod catalog;
mod ci;
mod cli;
mod docs;
mod examples;
mod formats;
mod fuzz;
mod gitops;
mod hardening;
mod kube_scheduler;
mod link;
mod linters;
mod memory;
mod network;
mod patches;
mod place;
mod pod;
mod properties;
mod robustness;
mod schema;
mod stdlib;
mod support;
mod verify;
