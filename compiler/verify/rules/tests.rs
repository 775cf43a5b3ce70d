//! Tests of the helpers the rules share: JSON pointer segments, extended resource names.

use super::resources::is_extended;
use super::seg;

#[test]
fn pointer_segments_escape_slashes_and_tildes() {
    assert_eq!(seg("nvidia.com/gpu"), "nvidia.com~1gpu");
    assert_eq!(seg("a~b"), "a~0b");
}

#[test]
fn extended_resources_are_the_prefixed_ones() {
    assert!(is_extended("nvidia.com/gpu"));
    assert!(is_extended("nvidia.com/mig-3g.40gb"));
    assert!(is_extended("google.com/tpu"));
    assert!(!is_extended("cpu"));
    assert!(!is_extended("ephemeral-storage"));
    assert!(!is_extended("kubernetes.io/something"));
}
