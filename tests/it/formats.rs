//! `--format json|sarif|github`: diagnostics for machines, from `check`, `build` and `place`.

use serde_json::Value;

use crate::support::{mlspec, root, stderr, stdout};

/// A spec with an error that has a related label, and warnings.
const MIN_ABOVE_MAX: &str = "tests/bad/E0118-min-above-max.toml";

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("the vendored SARIF schema is readable");
    jsonschema::draft4::new(&json_of(&text)).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let schema = sarif_schema();
    let errors: Vec<String> = schema
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{log:#}");
}

#[test]
fn check_json_is_one_array_on_stdout() {
    let out = mlspec(&root(), &["check", "--format", "json", MIN_ABOVE_MAX]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing but the document");
    insta::assert_snapshot!(stdout(&out));
    let diags = json_of(&stdout(&out));
    let error = diags
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == "E0118"))
        .expect("the E0118 diagnostic");
    for key in ["line", "column", "end_line", "end_column"] {
        assert!(error[key].as_u64().is_some_and(|n| n > 0), "{key}: {error}");
    }
    assert_eq!(error["file"], MIN_ABOVE_MAX);
    assert!(error["help"].is_string());
}

#[test]
fn check_sarif_validates_against_the_sarif_schema() {
    let out = mlspec(&root(), &["check", "--format", "sarif", MIN_ABOVE_MAX]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log = json_of(&stdout(&out));
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("a rule index") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "{r}");
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            MIN_ABOVE_MAX
        );
    }
    let error = results
        .iter()
        .find(|r| r["ruleId"] == "E0118")
        .expect("E0118");
    assert_eq!(error["level"], "error");
    assert!(error["relatedLocations"].is_array(), "{error}");
    insta::assert_json_snapshot!(error);
}

#[test]
fn a_clean_run_still_writes_a_valid_sarif_log() {
    let out = mlspec(
        &root(),
        &[
            "check",
            "--format",
            "sarif",
            "-A",
            "warnings",
            "examples/sentiment/app.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = json_of(&stdout(&out));
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
}

#[test]
fn check_github_writes_workflow_commands() {
    let out = mlspec(&root(), &["check", "--format", "github", MIN_ABOVE_MAX]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines()
            .all(|l| l.starts_with("::error ") || l.starts_with("::warning ")),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn build_keeps_stdout_for_the_bundle() {
    let out = mlspec(
        &root(),
        &["build", "--format", "json", "examples/sentiment/app.toml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\nkind: Deployment\n"),
        "YAML on stdout"
    );
    let diags = json_of(&stderr(&out));
    assert!(
        diags
            .as_array()
            .is_some_and(|a| a.iter().any(|d| d["code"] == "W0008")),
        "the waiver warning, as JSON on stderr: {diags}"
    );
}

/// `mlspec COMMAND [--format FORMAT] -A warnings --inventory … sentiment`: the example whose
/// rollout stalls on its own inventory.
fn sentiment_on_its_inventory(command: &str, format: Option<&str>) -> std::process::Output {
    let mut args = vec![command];
    if let Some(f) = format {
        args.extend(["--format", f]);
    }
    args.extend([
        "-A",
        "warnings",
        "--inventory",
        "examples/sentiment/inventory.toml",
        "examples/sentiment/app.toml",
    ]);
    mlspec(&root(), &args)
}

#[test]
fn what_does_not_fit_is_a_diagnostic_in_machine_formats() {
    let out = sentiment_on_its_inventory("place", Some("github"));
    assert_eq!(out.status.code(), Some(1), "sentiment stalls at surge");
    assert!(stdout(&out).contains("does not fit"), "the table on stdout");
    insta::assert_snapshot!(stderr(&out));

    let out = sentiment_on_its_inventory("place", Some("sarif"));
    let log = json_of(&stderr(&out));
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "E0205");

    // `--format json` keeps the report contract on stdout.
    let out = sentiment_on_its_inventory("place", Some("json"));
    assert_eq!(json_of(&stdout(&out))["feasible"], false);
    assert_eq!(json_of(&stderr(&out))[0]["code"], "E0205");
}

#[test]
fn build_with_an_inventory_reports_the_misfit_on_the_inventory() {
    let out = sentiment_on_its_inventory("build", Some("github"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "", "no bundle for what does not fit");
    let err = stderr(&out);
    assert!(
        err.contains("::error file=examples/sentiment/inventory.toml,title=E0205 does-not-fit::`Deployment/ml/sentiment` does not fit"),
        "{err}"
    );
    assert!(
        !err.contains("0/5 nodes are available:\n"),
        "no human table: {err}"
    );
}

#[test]
fn people_get_the_table_and_the_coded_error() {
    let out = sentiment_on_its_inventory("check", None);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out));
}
