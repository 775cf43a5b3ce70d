//! Every example in `examples/` builds with no error, and its full bundle is pinned by a snapshot.

use insta::assert_snapshot;
use mlspec::emit;

use crate::support::{compile_file, rendered, root};

#[test]
fn every_example_builds_and_matches_its_snapshot() {
    insta::glob!("../../examples", "*/app.toml", |path| {
        let (source, compiled) = compile_file(path, None);
        assert!(
            !compiled.diagnostics.has_errors(),
            "{} does not build:\n{}",
            source.name,
            rendered(&source, &compiled)
        );
        let yaml = emit::yaml(&compiled.objects).expect("serializes");
        assert_snapshot!(yaml);
    });
}

#[test]
fn overlays_change_what_they_name_and_nothing_else() {
    let path = root().join("examples/sentiment/app.toml");
    let (_, base) = compile_file(&path, None);
    let (_, prod) = compile_file(&path, Some("prod"));
    let base = emit::yaml(&base.objects).expect("yaml");
    let prod = emit::yaml(&prod.objects).expect("yaml");
    assert!(base.contains("namespace: ml\n") && !base.contains("ml-prod"));
    assert!(prod.contains("namespace: ml-prod\n") && !prod.contains("namespace: ml\n"));
    assert!(prod.contains("minReplicas: 4") && prod.contains("maxReplicas: 20"));
    assert_eq!(
        base.replace("namespace: ml\n", "namespace: ml-prod\n")
            .replace("minReplicas: 2", "minReplicas: 4")
            .replace("maxReplicas: 6", "maxReplicas: 20"),
        prod,
        "the overlay changes only the namespace and the scaling bounds"
    );
}

#[test]
fn builds_are_byte_identical() {
    insta::glob!("../../examples", "*/app.toml", |path| {
        let (_, a) = compile_file(path, None);
        let (_, b) = compile_file(path, None);
        assert_eq!(
            emit::yaml(&a.objects).expect("yaml"),
            emit::yaml(&b.objects).expect("yaml")
        );
    });
}
