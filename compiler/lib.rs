//! mlspec: compile a short TOML spec of an ML application into validated, deterministic
//! Kubernetes objects.
//!
//! The library is pure: text and a catalog in, objects and diagnostics out. Only `cli` reads
//! files, the environment or the clock, and only it prints. See ARCHITECTURE.md for the map.

pub mod diagnostics;
pub mod inventory;
pub mod place;
pub mod source;
pub mod stdlib;
pub mod values;
