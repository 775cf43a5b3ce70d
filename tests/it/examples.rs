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

/// Every example ships an inventory (`inventory.toml`, and `nodes.json` where a real
/// `kubectl get nodes -o json` document is kept); its placement report is pinned.
#[test]
fn every_example_placement_report_matches_its_snapshot() {
    use mlspec::inventory;
    use mlspec::place;
    use mlspec::source::SourceFile;

    insta::glob!("../../examples", "*/{inventory.toml,nodes.json}", |path| {
        let dir = path.parent().expect("example dir");
        let (_, compiled) = compile_file(&dir.join("app.toml"), None);
        let text = std::fs::read_to_string(path).expect("inventory");
        let (inv, d) = inventory::parse(
            &SourceFile::new("inventory", text),
            &crate::support::catalog(),
        );
        assert!(!d.has_errors(), "{}: {d:?}", path.display());
        let (manifests, d) = place::manifests::from_objects(&compiled.objects);
        // Every pod-bearing object is placed (JobSets and LeaderWorkerSets as gangs): nothing is
        // left out.
        assert!(d.is_empty(), "{d:?}");
        let report = place::simulate(
            &inv.expect("inventory"),
            &[],
            &manifests,
            &place::Options::default(),
        );
        insta::assert_snapshot!("text", report.to_text());
        insta::assert_json_snapshot!("json", report.to_json());
    });
}

#[test]
fn every_example_ships_an_inventory_and_one_a_real_node_list() {
    let examples = std::fs::read_dir(root().join("examples")).expect("examples");
    let mut node_lists = 0;
    for e in examples.filter_map(Result::ok) {
        assert!(
            e.path().join("inventory.toml").is_file(),
            "{} has no inventory.toml",
            e.path().display()
        );
        node_lists += usize::from(e.path().join("nodes.json").is_file());
    }
    assert!(node_lists >= 1);
}
