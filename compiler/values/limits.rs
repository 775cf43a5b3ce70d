//! Sizes the API server enforces on what users write, checked where they write it so that an
//! oversized value is their error, with their span, not a generated object's.

/// All annotations of one object together (apimachinery's `TotalAnnotationSizeLimitB`).
pub const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// A ConfigMap's keys and data together (the object limit the API server enforces for it).
pub const CONFIG_MAP_MAX_BYTES: usize = 1024 * 1024;
