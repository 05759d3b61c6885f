//! Shared by the integration tests: build the demo pair, or a case patched
//! onto it, collect and assess it with the real library.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use xtenant::assess::{self, Results};
use xtenant::config::Config;
use xtenant::rules::pack::Severity;

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read case dir") {
        let p = e.expect("entry").path();
        let dst = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            std::fs::create_dir_all(&dst).expect("mkdir");
            copy_tree(&p, &dst);
        } else if p.file_name().is_some_and(|n| n != "README.md") {
            std::fs::copy(&p, &dst).expect("copy");
        }
    }
}

/// The case of the demo as it was on day 1 (`fixtures/demo/day-1`, embedded).
pub const DEMO_DAY_1: &str = "demo-day-1";

/// Extracts the demo (`demo`: today; `demo-day-1`: on day 1; otherwise today
/// patched with `fixtures/cases/<case>`) into `dir/raw` and returns that path.
pub fn build_case(case: &str, dir: &Path) -> PathBuf {
    let raw = dir.join("raw");
    if case == DEMO_DAY_1 {
        xtenant::demo::extract_day_1(&raw).expect("extract demo day 1");
        return raw;
    }
    xtenant::demo::extract(&raw).expect("extract demo");
    if case != "demo" {
        let patch = manifest_dir().join("fixtures/cases").join(case);
        assert!(patch.is_dir(), "no such case: {}", patch.display());
        copy_tree(&patch, &raw);
    }
    raw
}

/// Collects and assesses a case; returns the results.
pub fn assess_case(case: &str, dir: &Path) -> Results {
    let raw = build_case(case, dir);
    let config = Config::load(&raw.join("xtenant.toml")).expect("demo config");
    let snap = dir.join("snapshot");
    xtenant::collect::offline(&raw, &snap, &config).expect("collect");
    assess::run(&assess::Options {
        snapshot: snap,
        out: dir.join("results"),
        rules: None,
        exceptions: None,
        config: None,
        baseline: "latest".into(),
        fail_on: Severity::Blocker,
        // The examples check passing rows by name too.
        include_passing: true,
    })
    .expect("assess")
}

/// Runs the command line in-process: the exit code, and the error text
/// `main` would print.
pub fn run_cli(args: &[&str]) -> (i32, String) {
    use clap::Parser;
    let mut argv = vec!["xtenant"];
    argv.extend_from_slice(args);
    let cli = xtenant::cli::Cli::try_parse_from(argv).expect("arguments");
    match xtenant::app::run(cli) {
        Ok(code) => (code, String::new()),
        Err(e) => (e.exit_code(), e.to_string()),
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
