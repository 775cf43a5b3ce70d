//! Issue 21, items 1–7, 22 and `init`'s part of 24: nothing is written or removed outside the
//! target, a failed `--out-dir` build leaves DIR as it was, concurrent builds take turns, modes
//! follow the umask or the file replaced, and `-o` respects links, devices and `-`.
//! (The disk-full case, item 4, is `cli::out_dir`'s unit test with a failing disk.)

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use super::{APP, snapshot_tree, tmp};
use crate::support::{mlspec, stderr, stdout};

fn build_into(dir: &Path, out: &str) -> std::process::Output {
    mlspec(
        dir,
        &["build", "app.toml", "--out-dir", out, "-A", "warnings"],
    )
}

#[test]
fn item_1_out_dir_never_writes_through_a_link_out_of_dir() {
    let dir = tmp();
    let root = dir.path();
    std::fs::create_dir_all(root.join("outside")).expect("mkdir");
    std::fs::create_dir_all(root.join("deploy")).expect("mkdir");
    std::fs::write(root.join("outside/deployment-demo.yaml"), "mine\n").expect("write");
    symlink("../outside", root.join("deploy/demo")).expect("link");
    let before = snapshot_tree(root);
    let o = build_into(root, "deploy");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`deploy/demo` is in the way: it is a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot_tree(root), before, "nothing written anywhere");

    // A link where a file goes, to a file outside: neither followed nor replaced.
    std::fs::remove_file(root.join("deploy/demo")).expect("unlink");
    std::fs::create_dir(root.join("deploy/demo")).expect("mkdir");
    symlink(
        "../../outside/deployment-demo.yaml",
        root.join("deploy/demo/deployment-demo.yaml"),
    )
    .expect("link");
    let o = build_into(root, "deploy");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(root.join("outside/deployment-demo.yaml")).expect("read"),
        "mine\n"
    );
    assert!(
        std::fs::symlink_metadata(root.join("deploy/demo/deployment-demo.yaml"))
            .expect("still there")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn item_2_output_keeps_links_writes_devices_in_place_and_dash_is_stdout() {
    let dir = tmp();
    let root = dir.path();
    let o = mlspec(root, &["build", "app.toml", "-o", "-", "-A", "warnings"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("---\napiVersion: v1\n"));
    assert!(!root.join("-").exists());

    // /dev/null stays a device (CI runs as root, which could replace it).
    let o = mlspec(
        root,
        &["build", "app.toml", "-o", "/dev/null", "-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let null = std::fs::metadata("/dev/null").expect("exists");
    assert!(!null.is_file(), "/dev/null is still a device");

    // /dev/stdout is a link to this process's stdout (a pipe here): the bundle reaches it.
    let o = mlspec(
        root,
        &["build", "app.toml", "-o", "/dev/stdout", "-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("kind: Deployment"), "{}", stdout(&o));

    // A FIFO is written in place, for whoever reads it, and stays a FIFO.
    let fifo = root.join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let path = fifo.clone();
        let reader = std::thread::spawn(move || std::fs::read_to_string(path).expect("read"));
        let o = mlspec(root, &["build", "app.toml", "-o", "pipe", "-A", "warnings"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(reader.join().expect("reader").contains("kind: Deployment"));
        use std::os::unix::fs::FileTypeExt;
        let kind = std::fs::symlink_metadata(&fifo)
            .expect("exists")
            .file_type();
        assert!(kind.is_fifo());
    }

    // A link to a file: the file is written, the link stays, so does a dangling one's target.
    symlink("real.yaml", root.join("link.yaml")).expect("link");
    let o = mlspec(
        root,
        &["build", "app.toml", "-o", "link.yaml", "-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let link = std::fs::symlink_metadata(root.join("link.yaml")).expect("link");
    assert!(link.file_type().is_symlink());
    assert!(
        std::fs::read_to_string(root.join("real.yaml"))
            .expect("written")
            .contains("kind: Deployment")
    );
    let o = mlspec(
        root,
        &[
            "build",
            "app.toml",
            "-o",
            "link.yaml",
            "--check",
            "-A",
            "warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A folder is refused clearly, before anything is written.
    std::fs::create_dir(root.join("folder")).expect("mkdir");
    let o = mlspec(
        root,
        &["build", "app.toml", "-o", "folder", "-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`folder` is a directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn item_3_everything_in_the_way_is_found_before_the_first_write() {
    for (what, make) in [
        ("a file where the app folder goes", "file"),
        ("a folder named kustomization.yaml", "kustomization"),
        ("a folder where an object file goes", "object"),
    ] {
        let dir = tmp();
        let root = dir.path();
        let deploy = root.join("deploy");
        std::fs::create_dir_all(&deploy).expect("mkdir");
        match make {
            "file" => std::fs::write(deploy.join("demo"), "x").expect("write"),
            "kustomization" => {
                std::fs::create_dir(deploy.join("kustomization.yaml")).expect("mkdir")
            }
            _ => std::fs::create_dir_all(deploy.join("demo/deployment-demo.yaml")).expect("mkdir"),
        }
        let before = snapshot_tree(root);
        let o = build_into(root, "deploy");
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is in the way"),
            "{what}: {}",
            stderr(&o)
        );
        assert_eq!(snapshot_tree(root), before, "{what}: nothing written");
    }
}

#[test]
fn item_5_concurrent_builds_take_turns_and_leave_a_buildable_folder() {
    let dir = tmp();
    let root = dir.path();
    // Two versions of the app, so concurrent builds really change files under each other.
    std::fs::write(root.join("v2.toml"), APP.replace("min = 2", "min = 3")).expect("write");
    for round in 0..3 {
        let children: Vec<std::process::Child> = (0..6)
            .map(|i| {
                let spec = if i % 2 == 0 { "app.toml" } else { "v2.toml" };
                std::process::Command::new(env!("CARGO_BIN_EXE_mlspec"))
                    .args(["build", spec, "--out-dir", "deploy", "-A", "warnings"])
                    .current_dir(root)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().expect("wait");
            assert_eq!(o.status.code(), Some(0), "round {round}: {}", stderr(&o));
        }
        // Whatever build came last, the folder is one whole build: --check agrees with one.
        let a = mlspec(
            root,
            &[
                "build",
                "app.toml",
                "--out-dir",
                "deploy",
                "--check",
                "-A",
                "warnings",
            ],
        );
        let b = mlspec(
            root,
            &[
                "build",
                "v2.toml",
                "--out-dir",
                "deploy",
                "--check",
                "-A",
                "warnings",
            ],
        );
        assert!(
            a.status.code() == Some(0) || b.status.code() == Some(0),
            "round {round}: neither build's output: {}{}",
            stderr(&a),
            stderr(&b)
        );
        let hidden: Vec<String> = std::fs::read_dir(root.join("deploy"))
            .expect("read")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(hidden.is_empty(), "no lock or staged file left: {hidden:?}");
    }
}

#[test]
fn item_6_new_files_follow_the_umask_and_replaced_files_keep_their_mode() {
    let dir = tmp();
    let root = dir.path();
    let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    // Tests run under the umask the harness has; a new file is 0666 less that umask.
    let probe = root.join("probe");
    std::fs::File::create(&probe).expect("create");
    let expected = mode(&probe);

    let o = mlspec(
        root,
        &["build", "app.toml", "-o", "out.yaml", "-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&root.join("out.yaml")), expected);
    assert_eq!(build_into(root, "deploy").status.code(), Some(0));
    assert_eq!(mode(&root.join("deploy/kustomization.yaml")), expected);
    assert_eq!(
        mode(&root.join("deploy/demo/deployment-demo.yaml")),
        expected
    );
    let o = mlspec(root, &["init", "new.toml", "--name", "x"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&root.join("new.toml")), expected);

    // An existing file's mode is kept, more open or more closed than the umask's.
    for (file, m) in [
        ("out.yaml", 0o644),
        ("deploy/demo/deployment-demo.yaml", 0o640),
    ] {
        std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(m))
            .expect("chmod");
    }
    std::fs::write(root.join("app.toml"), APP.replace("min = 2", "min = 3")).expect("edit");
    assert_eq!(
        mlspec(
            root,
            &["build", "app.toml", "-o", "out.yaml", "-A", "warnings"]
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(build_into(root, "deploy").status.code(), Some(0));
    assert_eq!(mode(&root.join("out.yaml")), 0o644);
    assert_eq!(mode(&root.join("deploy/demo/deployment-demo.yaml")), 0o640);
}

#[test]
fn item_7_only_paths_of_the_layout_are_removed() {
    let dir = tmp();
    let root = dir.path();
    assert_eq!(build_into(root, "deploy").status.code(), Some(0));
    let header = mlspec::emit::gitops::HEADER;
    let deploy = root.join("deploy");
    std::fs::create_dir_all(deploy.join("patches")).expect("mkdir");
    for f in ["x.yaml", "patches/x.yaml", "demo/notes.yaml"] {
        std::fs::write(deploy.join(f), format!("{header}kind: Mine\n")).expect("write");
    }
    // A file mlspec wrote for an object it no longer builds goes.
    std::fs::write(
        deploy.join("demo/service-old.yaml"),
        format!("{header}kind: Service\n"),
    )
    .expect("write");
    let o = build_into(root, "deploy");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in ["x.yaml", "patches/x.yaml", "demo/notes.yaml"] {
        assert!(deploy.join(f).exists(), "{f} was removed");
    }
    assert!(!deploy.join("demo/service-old.yaml").exists());
}

#[test]
fn item_22_check_says_what_is_wrong_with_the_file() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tmp();
    let root = dir.path();
    std::fs::create_dir(root.join("folder")).expect("mkdir");
    let o = mlspec(
        root,
        &[
            "build", "app.toml", "-o", "folder", "--check", "-A", "warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`folder` is a directory"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("does not exist"));

    // A file name that is not UTF-8 is a file like any other.
    let name = std::ffi::OsStr::from_bytes(b"out-\xff.yaml");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_mlspec"))
        .arg("build")
        .arg("app.toml")
        .arg("-o")
        .arg(name)
        .args(["-A", "warnings"])
        .current_dir(root)
        .output()
        .expect("runs");
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_mlspec"))
        .arg("build")
        .arg("app.toml")
        .arg("-o")
        .arg(name)
        .args(["--check", "-A", "warnings"])
        .current_dir(root)
        .output()
        .expect("runs");
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));

    // Content that is not UTF-8 is stale, not missing.
    std::fs::write(root.join("bytes.yaml"), b"\xff\xfe").expect("write");
    let o = mlspec(
        root,
        &[
            "build",
            "app.toml",
            "-o",
            "bytes.yaml",
            "--check",
            "-A",
            "warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is stale"), "{}", stderr(&o));
    let o = mlspec(
        root,
        &["build", "app.toml", "-o", "-", "--check", "-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`-o -` is stdout"), "{}", stderr(&o));
}

#[test]
fn item_24_init_never_replaces_a_dangling_link_without_force() {
    let dir = tmp();
    let root = dir.path();
    symlink("elsewhere.toml", root.join("spec.toml")).expect("link");
    let o = mlspec(root, &["init", "spec.toml", "--name", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(!root.join("elsewhere.toml").exists());
    // With --force the link is written through and kept.
    let o = mlspec(root, &["init", "spec.toml", "--name", "x", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(root.join("spec.toml"))
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert!(root.join("elsewhere.toml").is_file());
}
