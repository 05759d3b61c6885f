//! Live collection against the in-process tenant simulator serving the demo
//! pair: the snapshot equals the offline one table by table, collection sends
//! no write, no token reaches a file, a collector that fails is reported as
//! such (exit code 2 from `audit`), and a token of the wrong tenant gets a
//! message naming the tenant and the fix.

mod common;

use std::path::{Path, PathBuf};
use xtenant::collect::live::{self, ArmSource, LiveOptions};
use xtenant::collect::Status;
use xtenant::config::Config;
use xtenant::raw::Side;
use xtenant::sim::serve::{SimHandle, SimOptions, Simulator};

const SOURCE: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const TARGET: &str = "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809";

fn demo_dir() -> PathBuf {
    common::manifest_dir().join("fixtures/demo")
}

/// The demo config, pointed at the simulator, signing in through a token
/// command (`curl` to the simulator's token endpoint, as a CI job would use a
/// command). The source tenant's command asks for a token of
/// `source_token_tenant` (`{tenant}`: its own).
///
/// The commands run in-process or as curl, never as the `xtenant` binary:
/// worktrees share one target directory, whose `debug/xtenant` may be
/// another branch's build at any moment.
fn config_text(sim: &SimHandle, source_token_tenant: &str) -> String {
    let demo = std::fs::read_to_string(demo_dir().join("xtenant.toml")).expect("demo config");
    let auth = |side: &str, tenant: &str| {
        format!(
            "\n[{side}.auth]\nkind = \"command\"\ncommand = [\"curl\", \"-sS\", \"-f\", \"--data\", \"grant_type=client_credentials\", \"--data\", \"client_id={}\", \"--data\", \"client_secret=simulator\", \"--data-urlencode\", \"scope={{scope}}\", \"{}/login/{tenant}/oauth2/v2.0/token\"]\n",
            xtenant::sim::serve::login::DEFAULT_CLIENT_ID,
            sim.base_url(),
        )
    };
    // The [source] and [target] tables end where the next table starts: put
    // each auth table right after its tenant's keys.
    let demo = demo
        .replacen(
            "\n[target]\n",
            &format!("{}\n[target]\n", auth("source", source_token_tenant)),
            1,
        )
        .replacen(
            "\n[identities.disk]\n",
            &format!("{}\n[identities.disk]\n", auth("target", "{tenant}")),
            1,
        );
    format!("{}\n{demo}", sim.endpoints_toml())
}

/// Runs the command line in-process: the exit code, and the error text
/// `main` would print.
fn run_cli(args: &[&std::ffi::OsStr]) -> (i32, String) {
    use clap::Parser;
    let mut argv: Vec<&std::ffi::OsStr> = vec![std::ffi::OsStr::new("xtenant")];
    argv.extend_from_slice(args);
    let cli = xtenant::cli::Cli::try_parse_from(argv).expect("arguments");
    match xtenant::app::run(cli) {
        Ok(code) => (code, String::new()),
        Err(e) => (e.exit_code(), e.to_string()),
    }
}

/// Writes the config next to the demo's user files (its paths are relative).
fn write_config(dir: &Path, text: &str) -> PathBuf {
    for f in ["usermapping.csv", "batch-wave1.csv"] {
        std::fs::copy(demo_dir().join(f), dir.join(f)).expect("copy user file");
    }
    let p = dir.join("xtenant.toml");
    std::fs::write(&p, text).expect("write config");
    p
}

fn sim() -> SimHandle {
    Simulator::start(SimOptions {
        // Small pages so every paging path is walked.
        page_size: Some(2),
        ..SimOptions::default()
    })
    .expect("start simulator")
}

/// Every row of a frame as text, sorted: the comparison ignores row order
/// (pages of one subscription may be split differently) but nothing else.
fn rows(df: &polars::prelude::DataFrame) -> Vec<String> {
    let cols = df.columns();
    let mut out: Vec<String> = (0..df.height())
        .map(|i| {
            cols.iter()
                .map(|c| format!("{:?}", c.get(i).expect("cell")))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    out.sort();
    out
}

/// Files under `dir` that contain a JWT-shaped string (`eyJ...`.`...`.`...`).
fn files_with_tokens(dir: &Path) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if has_jwt(&String::from_utf8_lossy(&bytes)) {
                    hits.push(p);
                }
            }
        }
    }
    hits
}

/// Files under `dir` holding any of `tokens` (the bearer tokens the
/// simulator issued during the run).
fn files_with(dir: &Path, tokens: &[String]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let text = String::from_utf8_lossy(&bytes);
                if tokens.iter().any(|t| text.contains(t.as_str())) {
                    hits.push(p);
                }
            }
        }
    }
    hits
}

fn has_jwt(text: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("eyJ").any(|(at, _)| {
        let tail = &text[at..];
        let token: String = tail.chars().take_while(|c| b64(*c) || *c == '.').collect();
        let parts: Vec<&str> = token.split('.').collect();
        parts.len() >= 3 && parts.iter().take(3).all(|p| p.len() >= 8)
    })
}

#[test]
fn live_snapshot_of_the_demo_equals_the_offline_one_and_sends_no_write() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg_path = write_config(dir.path(), &config_text(&sim, "{tenant}"));
    let config = Config::load(&cfg_path).expect("config");

    let offline = dir.path().join("offline");
    xtenant::collect::offline(&demo_dir(), &offline, &config).expect("offline collect");

    let raw = dir.path().join("raw");
    let live_snap = dir.path().join("live");
    let mut opts = LiveOptions::new(&raw);
    opts.arm_source = ArmSource::Rest;
    // ARM, Graph, Exchange, Power Platform and the registry data plane are
    // fetched live; only the token probes come from the offline export.
    opts.fill_from = Some(demo_dir());
    let (_, _, summary) =
        live::collect_to_snapshot(&config, &opts, &live_snap).expect("live collect");
    let incomplete: Vec<_> = summary.incomplete().collect();
    assert!(incomplete.is_empty(), "{incomplete:#?}");
    assert!(
        !summary.copied.iter().any(|c| c.contains("/arm/")
            || c.contains("/graph/")
            || c.contains("/powerplatform/")
            || c.contains("/exchange/")
            || c.contains("/acr/")),
        "ARM, Graph, Exchange, Power Platform and ACR must be fetched live, not copied: {:?}",
        summary.copied
    );
    assert!(
        summary.copied.iter().all(|c| c.contains("/auth/")),
        "only the token probes may be copied: {:?}",
        summary.copied
    );
    let acr_reports = summary
        .collections
        .iter()
        .filter(|c| c.collection.starts_with("acr/"))
        .count();
    assert_eq!(
        acr_reports,
        3 * 6,
        "three collections of each of the six registries"
    );
    // Per-object Exchange output lands under the object's name.
    for p in [
        "source/exchange/Get-DistributionGroupMember/t2t-scope@contoso.com/page-0001.json",
        "source/exchange/Export-MailboxDiagnosticLogs/org.hold@contoso.com/page-0001.json",
        "target/exchange/Test-MigrationServerAvailability/not.in.scope@fabrikam.com/page-0001.json",
    ] {
        assert!(raw.join(p).is_file(), "{p} not written");
    }

    assert_same_snapshot(&offline, &live_snap);

    // Read-only: GETs, Resource Graph query POSTs, Exchange InvokeCommand
    // (the guard checked each cmdlet) and token requests only (Entra's, and
    // the registries' token exchanges).
    let log = sim.log();
    assert!(log.len() > 50, "{} requests", log.len());
    for e in &log {
        let ok = e.method == "GET"
            || (e.method == "POST"
                && (e
                    .path
                    .contains("/providers/Microsoft.ResourceGraph/resources?")
                    || e.path.contains("/oauth2/v2.0/token")
                    || (e.service == "exchange" && e.path.contains("/InvokeCommand"))
                    || (e.service == "acr"
                        && (e.path.ends_with("/oauth2/exchange")
                            || e.path.ends_with("/oauth2/token")))));
        assert!(ok, "a write was sent: {} {}", e.method, e.path);
    }
    // Registry pages were walked by their Link header (page size 2).
    assert!(log
        .iter()
        .any(|e| e.service == "acr" && e.path.contains("/_tags?last=")));
    assert!(log
        .iter()
        .all(|e| e.service != "acr" || e.status == Some(200)));
    // Graph, ARM, Exchange, Power Platform and the registries were asked,
    // for both tenants.
    for t in [SOURCE, TARGET] {
        assert!(log
            .iter()
            .any(|e| e.tenant.as_deref() == Some(t) && e.service == "exchange"));
        assert!(log
            .iter()
            .any(|e| e.tenant.as_deref() == Some(t) && e.service == "graph"));
        assert!(log
            .iter()
            .any(|e| e.tenant.as_deref() == Some(t) && e.service == "arm"));
        assert!(log
            .iter()
            .any(|e| e.tenant.as_deref() == Some(t) && e.service == "acr"));
        for service in ["bap", "powerapps", "flow", "powerplatform", "dataverse"] {
            assert!(
                log.iter().any(|e| e.tenant.as_deref() == Some(t)
                    && e.service == service
                    && e.status == Some(200)),
                "no {service} request of {t}"
            );
        }
    }
    // Small pages: the environment list and a Dataverse table were paged.
    assert!(log
        .iter()
        .any(|e| e.service == "bap" && e.path.contains("skiptoken")));
    assert!(log
        .iter()
        .any(|e| e.service == "dataverse" && e.path.contains("skiptoken")));

    // No token in the raw export, the snapshot or the request log.
    let hits = files_with_tokens(dir.path());
    assert!(hits.is_empty(), "token text found in {hits:?}");
    let issued = sim.issued_tokens();
    assert!(
        issued.len() >= 4,
        "ARM and Graph tokens for both tenants: {}",
        issued.len()
    );
    let hits = files_with(dir.path(), &issued);
    assert!(hits.is_empty(), "a bearer token used was found in {hits:?}");
    let log_text =
        serde_json::to_string(&log.iter().map(|e| &e.path).collect::<Vec<_>>()).expect("log text");
    assert!(!has_jwt(&log_text));
}

/// Every table of two snapshots holds the same rows, and every table has the
/// same per-tenant status.
fn assert_same_snapshot(expected: &Path, got: &Path) {
    assert_same_snapshot_but(expected, got, &[]);
}

/// As [`assert_same_snapshot`], except that the tables in `superset` may
/// hold more rows live (every offline row still has to be there).
fn assert_same_snapshot_but(expected: &Path, got: &Path, superset: &[&str]) {
    let a = xtenant::snapshot::read(expected).expect("read offline");
    let b = xtenant::snapshot::read(got).expect("read live");
    let mut compared = 0;
    for (name, df) in &a.frames {
        let other = b.frames.get(name).expect("table in live snapshot");
        assert_eq!(
            df.get_column_names(),
            other.get_column_names(),
            "columns of {name}"
        );
        let (ra, rb) = (rows(df), rows(other));
        if superset.contains(&name.as_str()) {
            let missing: Vec<_> = ra.iter().filter(|r| !rb.contains(r)).take(3).collect();
            assert!(
                missing.is_empty(),
                "table {name} lacks rows live: {missing:#?}"
            );
            compared += df.height();
            continue;
        }
        if ra != rb {
            let only_a: Vec<_> = ra.iter().filter(|r| !rb.contains(r)).take(3).collect();
            let only_b: Vec<_> = rb.iter().filter(|r| !ra.contains(r)).take(3).collect();
            panic!(
                "table {name} differs: {} offline rows, {} live rows\n offline only: {only_a:#?}\n live only: {only_b:#?}",
                ra.len(),
                rb.len()
            );
        }
        compared += df.height();
    }
    assert!(compared > 500, "the demo has hundreds of rows: {compared}");
    for (name, st) in &a.manifest.tables {
        let live_st = &b.manifest.tables[name];
        assert_eq!(
            (st.source, st.target),
            (live_st.source, live_st.target),
            "status of {name}"
        );
    }
}

/// The demo collected live from `sim` with `tune` applied to the options.
fn live_snapshot(
    sim: &SimHandle,
    dir: &Path,
    tune: impl FnOnce(&mut LiveOptions),
) -> (PathBuf, live::LiveSummary) {
    let cfg_path = write_config(dir, &config_text(sim, "{tenant}"));
    let config = Config::load(&cfg_path).expect("config");
    let mut opts = LiveOptions::new(dir.join("raw"));
    opts.fill_from = Some(demo_dir());
    tune(&mut opts);
    let snap = dir.join("live");
    let (_, _, summary) = live::collect_to_snapshot(&config, &opts, &snap).expect("live collect");
    (snap, summary)
}

fn offline_snapshot(dir: &Path) -> PathBuf {
    // The config live collection used (user file paths are columns too).
    let config = Config::load(&dir.join("xtenant.toml")).expect("config");
    let out = dir.join("offline");
    xtenant::collect::offline(&demo_dir(), &out, &config).expect("offline collect");
    out
}

#[test]
fn faults_and_throttling_do_not_change_the_snapshot() {
    let sim = Simulator::start(SimOptions {
        page_size: Some(3),
        faults: xtenant::sim::serve::faults::FaultSpec::parse(
            "429=10%,503=2%,reset=1%,truncate=0.5%",
        )
        .expect("faults"),
        seed: 7,
        ..SimOptions::default()
    })
    .expect("start simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let (snap, summary) = live_snapshot(&sim, dir.path(), |o| {
        o.arm_source = ArmSource::Rest;
        o.http.base_backoff = std::time::Duration::from_millis(5);
        o.http.max_backoff = std::time::Duration::from_millis(50);
        o.http.max_retries = 12;
    });
    let incomplete: Vec<_> = summary.incomplete().collect();
    assert!(incomplete.is_empty(), "{incomplete:#?}");
    let faults = sim.log().iter().filter(|e| e.fault.is_some()).count();
    assert!(faults > 10, "only {faults} faults injected");
    assert!(
        summary.stats.total().retries as usize >= faults / 2,
        "{:?}",
        summary.stats
    );
    assert_same_snapshot(&offline_snapshot(dir.path()), &snap);
}

/// `--only`: one family fetched live, the rest filled from a saved export,
/// gives the same snapshot, and nothing of the other families is asked for.
#[test]
fn only_one_family_is_fetched_and_the_rest_filled_gives_the_same_snapshot() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    let (snap, summary) = live_snapshot(&sim, dir.path(), |o| {
        o.arm_source = ArmSource::Rest;
        o.only = vec![live::Family::Exchange];
    });
    let incomplete: Vec<_> = summary.incomplete().collect();
    assert!(incomplete.is_empty(), "{incomplete:#?}");
    assert!(
        summary
            .collections
            .iter()
            .all(|c| c.collection.starts_with("exchange/")),
        "{:?}",
        summary
            .collections
            .iter()
            .map(|c| &c.collection)
            .collect::<Vec<_>>()
    );
    assert!(
        summary.copied.iter().any(|c| c.contains("/arm/"))
            && !summary.copied.iter().any(|c| c.contains("/exchange/")),
        "{:?}",
        summary.copied
    );
    let services: std::collections::BTreeSet<String> =
        sim.log().iter().map(|e| e.service.clone()).collect();
    assert!(
        services.iter().all(|s| s == "exchange" || s == "login"),
        "{services:?}"
    );
    assert!(services.contains("exchange"), "{services:?}");
    assert_same_snapshot(&offline_snapshot(dir.path()), &snap);
}

/// `per_mailbox = "batches"`: the per-mailbox cmdlets run only for the
/// mailboxes of the batch file (its target addresses matched on the local
/// part, a source address as is), one call each.
#[test]
fn per_mailbox_batches_asks_only_for_the_batch_mailboxes() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    let text = config_text(&sim, "{tenant}")
        .replace("[exchange]\n", "[exchange]\nper_mailbox = \"batches\"\n");
    assert!(
        text.contains("per_mailbox"),
        "the config has an [exchange] table"
    );
    let cfg_path = write_config(dir.path(), &text);
    let config = Config::load(&cfg_path).expect("config");
    let mut opts = LiveOptions::new(dir.path().join("raw"));
    opts.only = vec![live::Family::Exchange];
    let summary = live::collect_live(&config, &opts).expect("live collect");
    let batch = std::fs::read_to_string(demo_dir().join("batch-wave1.csv")).expect("batch");
    let rows = batch
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    let calls = |c: &str| {
        summary
            .collections
            .iter()
            .find(|r| r.side == xtenant::raw::Side::Source && r.collection == c)
            .map(|r| r.requests)
    };
    // Every batch row names a different person with a source mailbox.
    assert_eq!(calls("exchange/Get-MailboxStatistics"), Some(rows));
    assert_eq!(calls("exchange/Get-MailboxPermission"), Some(rows));
    assert_eq!(calls("exchange/Export-MailboxDiagnosticLogs"), Some(rows));
    let raw = xtenant::raw::RawExport::open(dir.path().join("raw")).expect("raw");
    let mut stats = 0;
    for p in raw
        .pages(xtenant::raw::Side::Source, "exchange/Get-MailboxStatistics")
        .expect("pages")
    {
        stats += p.body["value"].as_array().map_or(0, Vec::len);
    }
    assert_eq!(stats, rows, "one statistics row per batch mailbox");
}

/// The demo with `type` on the gallery image (version) objects, which the
/// hand-made demo pages leave out but ARM and Resource Graph always return.
fn demo_with_gallery_types(dir: &Path) -> PathBuf {
    let raw = common::build_case("demo", dir);
    for side in ["source", "target"] {
        for (coll, ty) in [
            ("gallery-images", "Microsoft.Compute/galleries/images"),
            (
                "gallery-image-versions",
                "Microsoft.Compute/galleries/images/versions",
            ),
        ] {
            let d = raw.join(side).join("arm").join(coll);
            for e in std::fs::read_dir(&d).expect("read pages").flatten() {
                let p = e.path();
                let name = p
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                if !name.starts_with("page-") || name.ends_with(".meta.json") {
                    continue;
                }
                let mut v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&p).expect("page")).expect("json");
                for item in v["value"].as_array_mut().into_iter().flatten() {
                    item.as_object_mut()
                        .expect("object")
                        .entry("type")
                        .or_insert_with(|| ty.into());
                }
                std::fs::write(&p, serde_json::to_vec_pretty(&v).expect("encode")).expect("write");
            }
        }
    }
    raw
}

#[test]
fn resource_graph_listing_gives_the_same_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = demo_with_gallery_types(&dir.path().join("data"));
    let sim = Simulator::start(SimOptions {
        data: xtenant::sim::serve::DataSource::Raw(data.clone()),
        page_size: Some(2),
        ..SimOptions::default()
    })
    .expect("start simulator");
    let (snap, summary) = live_snapshot(&sim, dir.path(), |o| {
        o.arm_source = ArmSource::ResourceGraph;
        o.fill_from = Some(data.clone());
    });
    assert_eq!(summary.resource_graph, [true, true]);
    let incomplete: Vec<_> = summary.incomplete().collect();
    assert!(incomplete.is_empty(), "{incomplete:#?}");
    // The bulk listings went through Resource Graph, not ARM REST.
    let log = sim.log();
    assert!(!log
        .iter()
        .any(|e| e.path.contains("/providers/Microsoft.Compute/disks?")));
    assert!(log.iter().any(|e| e.service == "resource-graph"));
    let config = Config::load(&dir.path().join("xtenant.toml")).expect("config");
    let offline = dir.path().join("offline");
    xtenant::collect::offline(&data, &offline, &config).expect("offline collect");
    // The demo's hand-made `arm/resources` lists 43 of the pair's resources;
    // Resource Graph indexes all of them, so those tables gain rows.
    assert_same_snapshot_but(&offline, &snap, &["resources", "resource_user_identities"]);
}

#[test]
fn jwt_detector_finds_a_token_and_ignores_prose() {
    assert!(has_jwt(
        "Authorization: Bearer eyJhbGciOiJI.eyJ0aWQiOiIx.c2lnbmF0dXJl"
    ));
    assert!(!has_jwt("{\"note\": \"eyJ is how JSON starts in base64\"}"));
}

#[test]
fn a_failing_collector_is_failed_in_the_manifest_and_audit_exits_2() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    // Graph answers 404 under a wrong prefix: every Graph collection fails
    // (not retried), ARM goes on.
    let text = config_text(&sim, "{tenant}").replacen(
        &format!("graph = \"{}/graph\"", sim.base_url()),
        &format!("graph = \"{}/not-graph\"", sim.base_url()),
        1,
    );
    let cfg = write_config(dir.path(), &text);
    let out = dir.path().join("out");
    let raw = dir.path().join("raw");
    let (code, err) = run_cli(&[
        "audit".as_ref(),
        "--quiet".as_ref(),
        "--arm-source".as_ref(),
        "rest".as_ref(),
        "--config".as_ref(),
        cfg.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--save-raw".as_ref(),
        raw.as_os_str(),
        "--fill-from".as_ref(),
        demo_dir().as_os_str(),
    ]);
    assert_eq!(code, 2, "{err}");

    let m = xtenant::snapshot::read_manifest(&out.join("snapshot")).expect("manifest");
    let users = m
        .collections
        .iter()
        .find(|c| c.collection == "graph/users" && c.side == Side::Source)
        .expect("graph/users outcome");
    assert_eq!(users.status, Status::Failed);
    let err = users.error.as_deref().unwrap_or("");
    assert!(err.contains("404"), "{err}");
    assert_eq!(m.table_status("users", Side::Source), Status::Failed);
    // ARM was unaffected.
    assert_eq!(m.table_status("disks", Side::Source), Status::Complete);
    // The rules that read Graph tables errored.
    let results: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("results/results.json")).expect("results.json"),
    )
    .expect("results json");
    let errors = results["summary"]["rule_errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!errors.is_empty(), "{}", results["summary"]);
    let hits = files_with_tokens(dir.path());
    assert!(hits.is_empty(), "token text found in {hits:?}");
    let issued = sim.issued_tokens();
    assert!(!issued.is_empty());
    let hits = files_with(dir.path(), &issued);
    assert!(hits.is_empty(), "a bearer token used was found in {hits:?}");
}

#[test]
fn a_token_of_the_wrong_tenant_names_the_tenant_and_the_fix() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    // The source tenant's token command signs in to the target tenant.
    let cfg = write_config(dir.path(), &config_text(&sim, TARGET));
    let snap = dir.path().join("snap");
    let (code, stderr) = run_cli(&[
        "collect".as_ref(),
        "--quiet".as_ref(),
        "--config".as_ref(),
        cfg.as_os_str(),
        "--out".as_ref(),
        snap.as_os_str(),
    ]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(SOURCE),
        "names the configured tenant: {stderr}"
    );
    assert!(
        stderr.contains(TARGET),
        "names the token's tenant: {stderr}"
    );
    assert!(
        stderr.contains("[source.auth]"),
        "says what to fix: {stderr}"
    );
    assert!(!has_jwt(&stderr));
    assert!(!snap.join("manifest.json").exists());
    // Nothing was collected from the wrong tenant.
    assert!(sim
        .log()
        .iter()
        .all(|e| e.service == "login" || e.status.is_none_or(|s| s >= 400)));
}

/// The doctor's reports for a config (in-process).
fn doctor_reports(cfg: &Path) -> Vec<live::doctor::TenantReport> {
    let config = Config::load(cfg).expect("config");
    let tenants = [
        xtenant::auth::TenantAuth::from_config(Side::Source, &config.source, &config)
            .expect("source auth"),
        xtenant::auth::TenantAuth::from_config(Side::Target, &config.target, &config)
            .expect("target auth"),
    ];
    let client = xtenant::http::Client::new(xtenant::http::HttpOptions::default()).expect("client");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(live::doctor::doctor(&client, &tenants, [&[], &[]]))
}

#[test]
fn doctor_passes_against_the_demo_and_names_what_is_missing() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(dir.path(), &config_text(&sim, "{tenant}"));
    let (code, err) = run_cli(&["doctor".as_ref(), "--config".as_ref(), cfg.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    let reports = doctor_reports(&cfg);
    assert_eq!(reports.len(), 2);
    for r in &reports {
        let failed: Vec<_> = r.checks.iter().filter(|c| !c.ok).collect();
        assert!(failed.is_empty(), "{}: {failed:#?}", r.tenant);
        for what in [
            "sign-in (ARM)",
            "Resource Graph query",
            "Graph Policy.Read.All",
            "Exchange Online (REST)",
            "Power Platform admin (environments)",
        ] {
            assert!(r.checks.iter().any(|c| c.what == what), "{what}");
        }
        // Each demo tenant has a public registry whose catalog is read.
        assert!(
            r.checks
                .iter()
                .any(|c| c.what.starts_with("Registry data plane (") && c.ok),
            "{:#?}",
            r.checks
        );
        assert!(r
            .checks
            .iter()
            .any(|c| c.what.starts_with("Reader on subscription")));
    }
    assert!(reports[0].tenant.contains(SOURCE) && reports[1].tenant.contains(TARGET));

    // Graph and the Power Platform admin API unreachable: their checks
    // fail with a fix, ARM still passes.
    let broken = config_text(&sim, "{tenant}")
        .replacen(
            &format!("graph = \"{}/graph\"", sim.base_url()),
            &format!("graph = \"{}/not-graph\"", sim.base_url()),
            1,
        )
        .replacen(
            &format!("bap = \"{}/bap\"", sim.base_url()),
            &format!("bap = \"{}/not-bap\"", sim.base_url()),
            1,
        );
    let cfg = write_config(dir.path(), &broken);
    let (code, _) = run_cli(&["doctor".as_ref(), "--config".as_ref(), cfg.as_os_str()]);
    assert_eq!(code, 4);
    for r in doctor_reports(&cfg) {
        let graph = r
            .checks
            .iter()
            .find(|c| c.what == "Graph Directory.Read.All")
            .expect("graph check");
        assert!(!graph.ok && graph.fix.is_some(), "{graph:?}");
        assert!(!has_jwt(&graph.detail));
        let pp = r
            .checks
            .iter()
            .find(|c| c.what == "Power Platform admin (environments)")
            .expect("pp check");
        assert!(
            !pp.ok
                && pp
                    .fix
                    .as_deref()
                    .is_some_and(|f| f.contains("Power Platform administrator")),
            "{pp:?}"
        );
        let rg = r
            .checks
            .iter()
            .find(|c| c.what == "Resource Graph query")
            .expect("rg");
        assert!(rg.ok, "{rg:?}");
    }
}

#[test]
fn a_configured_subscription_the_identity_cannot_see_makes_subscriptions_partial() {
    let sim = sim();
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = "0badc0de-0000-4000-8000-000000000001";
    let text = config_text(&sim, "{tenant}").replacen(
        "name = \"Contoso\"\n",
        &format!(
            "name = \"Contoso\"\nsubscriptions = [\"5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01\", \"{missing}\"]\n"
        ),
        1,
    );
    let cfg = write_config(dir.path(), &text);
    let config = Config::load(&cfg).expect("config");
    let mut opts = LiveOptions::new(dir.path().join("raw"));
    opts.arm_source = ArmSource::Rest;
    let snap = dir.path().join("snap");
    let (manifest, _, summary) =
        live::collect_to_snapshot(&config, &opts, &snap).expect("live collect");
    let subs = summary
        .collections
        .iter()
        .find(|c| c.side == Side::Source && c.collection == "arm/subscriptions")
        .expect("report");
    assert_eq!(subs.status, Status::Partial);
    assert!(
        subs.error.as_deref().unwrap_or("").contains(missing),
        "{subs:?}"
    );
    assert_eq!(
        manifest.table_status("subscriptions", Side::Source),
        Status::Partial
    );
    // Only the subscription in scope was listed.
    let log = sim.log();
    assert!(log.iter().any(|e| e
        .path
        .contains("5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/providers/Microsoft.Compute/disks")));
    assert!(!log.iter().any(|e| e
        .path
        .contains("9d4c2a1e-7b3f-4c5d-8e6a-1f2b3c4d5e02/providers/Microsoft.Compute/disks")));
}

/// Issue 5: `xtenant demo` collects the pair over HTTP from the in-process
/// simulator; its findings and item readiness must be those of the offline
/// path over the same export.
#[test]
fn the_demo_collected_live_assesses_exactly_like_the_offline_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("demo");
    let (code, err) = run_cli(&["demo".as_ref(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(code, 0, "demo failed: {err}");
    // The live run wrote its own raw export beside the extracted one.
    assert!(out.join("raw/source/graph/users").is_dir());
    assert!(out.join("raw/source/arm/disks").is_dir());

    let offline_snap = dir.path().join("offline-snapshot");
    let offline_res = dir.path().join("offline-results");
    let (code, err) = run_cli(&[
        "collect".as_ref(),
        "--from-dir".as_ref(),
        out.join("export").as_os_str(),
        "--out".as_ref(),
        offline_snap.as_os_str(),
    ]);
    assert!(
        code == 0 || code == 2,
        "offline collect failed ({code}): {err}"
    );
    let (code, err) = run_cli(&[
        "assess".as_ref(),
        "--snapshot".as_ref(),
        offline_snap.as_os_str(),
        "--out".as_ref(),
        offline_res.as_os_str(),
        "--report".as_ref(),
        "none".as_ref(),
    ]);
    assert!(code <= 2, "offline assess failed ({code}): {err}");

    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).expect("results")).expect("json")
    };
    let live = read(&out.join("results/results.json"));
    let offline = read(&offline_res.join("results.json"));
    for key in ["items", "findings", "collection_gaps"] {
        assert_eq!(
            live[key], offline[key],
            "{key} differ between live and offline"
        );
    }
    // The snapshot hashes differ: pages fetched concurrently may order a
    // table's rows differently, which the other tests here compare sorted.
    assert!(live["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

/// A Dataverse environment whose queries fail leaves its own `_status.json`
/// and makes the Dataverse tables `partial` (the others still come in); a
/// Power Automate endpoint that answers nothing but 404 makes flows `failed`
/// while the other Power Platform tables stay complete.
#[test]
fn a_failing_environment_makes_its_powerplatform_tables_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = common::build_case("demo", dir.path());
    let envs = raw.join("source/powerplatform/environments/page-0001.json");
    let mut page: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&envs).expect("page")).expect("json");
    let broken = page["value"]
        .as_array_mut()
        .expect("value")
        .iter_mut()
        .find(|e| e["properties"]["linkedEnvironmentMetadata"]["instanceUrl"].is_string())
        .expect("an environment with Dataverse");
    broken["properties"]["linkedEnvironmentMetadata"]["instanceUrl"] = "not a url".into();
    let broken_name = broken["name"].as_str().expect("name").to_string();
    std::fs::write(&envs, serde_json::to_vec(&page).expect("encode")).expect("write");

    let sim = Simulator::start(SimOptions {
        data: xtenant::sim::serve::DataSource::Raw(raw.clone()),
        page_size: Some(2),
        ..SimOptions::default()
    })
    .expect("start simulator");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let text = config_text(&sim, "{tenant}").replace(
        &format!("flow = \"{}/flow\"", sim.base_url()),
        &format!("flow = \"{}/nowhere\"", sim.base_url()),
    );
    let config = Config::load(&write_config(&work, &text)).expect("config");
    let mut opts = LiveOptions::new(work.join("raw"));
    opts.fill_from = Some(raw.clone());
    opts.http.max_retries = 1;
    let snap = work.join("live");
    let (manifest, _, summary) =
        live::collect_to_snapshot(&config, &opts, &snap).expect("live collect");

    let status = |t: &str| {
        let s = &manifest.tables[t];
        (s.source, s.target)
    };
    assert_eq!(status("pp_solutions"), (Status::Partial, Status::Complete));
    assert_eq!(status("pp_system_users").0, Status::Partial);
    assert_eq!(status("pp_flows"), (Status::Failed, Status::Failed));
    for t in [
        "pp_environments",
        "pp_apps",
        "pp_connections",
        "pp_tenant_capacity",
    ] {
        assert_eq!(status(t), (Status::Complete, Status::Complete), "{t}");
    }
    let st = work
        .join("raw/source/powerplatform/dataverse")
        .join(&broken_name)
        .join("solutions/_status.json");
    let text = std::fs::read_to_string(&st).expect("status of the failed environment");
    assert!(text.contains("partial"), "{text}");
    let report = summary
        .collections
        .iter()
        .find(|c| c.side == Side::Source && c.collection == "powerplatform/dataverse/*/solutions")
        .expect("report");
    assert_eq!(report.status, Status::Partial);
    assert!(
        report.error.as_deref().unwrap_or("").contains(&broken_name),
        "{report:?}"
    );
    // Nothing of Power Platform was copied in place of what failed.
    assert!(
        !summary.copied.iter().any(|c| c.contains("powerplatform")),
        "{:?}",
        summary.copied
    );
}

/// POSTs an InvokeCommand body to the simulator with curl; the status and body.
fn invoke(
    sim: &SimHandle,
    tenant: &str,
    token: &str,
    cmdlet: &str,
    url: Option<&str>,
) -> (u16, serde_json::Value) {
    let url = url.map(str::to_string).unwrap_or_else(|| {
        format!(
            "{}/exchange/adminapi/beta/{tenant}/InvokeCommand",
            sim.base_url()
        )
    });
    let body = serde_json::json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": {}}});
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "-w",
            "\n%{http_code}",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
        ])
        .args([
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-H",
            "Prefer: odata.maxpagesize=5",
        ])
        .args(["--data", &body.to_string(), &url])
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (json, code) = text.rsplit_once('\n').expect("status line");
    (
        code.trim().parse().expect("status"),
        serde_json::from_str(json).unwrap_or_default(),
    )
}

#[test]
fn the_exchange_endpoint_pages_checks_the_audience_and_refuses_writes() {
    let sim = Simulator::start(SimOptions::default()).expect("start simulator");
    let exo = sim.token(SOURCE, "https://outlook.office365.com", "app");
    // Paging: 44 source mailboxes in pages of 5, each next page by POST to the link.
    let (status, first) = invoke(&sim, SOURCE, &exo, "Get-Mailbox", None);
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["value"].as_array().map(Vec::len), Some(5));
    let mut seen = 5;
    let mut next = first["@odata.nextLink"].as_str().map(str::to_string);
    while let Some(link) = next {
        let (s, page) = invoke(&sim, SOURCE, &exo, "Get-Mailbox", Some(&link));
        assert_eq!(s, 200, "{page}");
        seen += page["value"].as_array().map_or(0, Vec::len);
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(seen, 44);
    // Export-Csv rows are served as objects (Get-AcceptedDomain.csv).
    let (_, domains) = invoke(&sim, SOURCE, &exo, "Get-AcceptedDomain", None);
    assert_eq!(domains["value"][0]["DomainName"], "contoso.com");

    // Write cmdlets are refused (but the two apply sends, Set-MailUser and
    // New-MigrationBatch, tested with the simulator's writes), unknown ones
    // are not recognised.
    for write in ["Set-Mailbox", "Remove-MailUser"] {
        let (s, e) = invoke(&sim, SOURCE, &exo, write, None);
        assert_eq!(s, 403, "{write}: {e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("read-only"),
            "{e}"
        );
    }
    let (s, e) = invoke(&sim, SOURCE, &exo, "Get-NoSuchThing", None);
    assert_eq!(s, 400, "{e}");
    // A Graph token, and a token for the other tenant, are refused.
    let graph = sim.token(SOURCE, "https://graph.microsoft.com", "app");
    let (s, e) = invoke(&sim, SOURCE, &graph, "Get-Mailbox", None);
    assert_eq!(s, 401, "{e}");
    let (s, e) = invoke(&sim, TARGET, &exo, "Get-Mailbox", None);
    assert_eq!(s, 401, "{e}");
    // Nothing the refused calls asked for reached the log as a success.
    assert!(sim
        .log()
        .iter()
        .filter(|e| e.service == "exchange" && e.status == Some(200))
        .all(|e| e.method == "POST" && e.path.contains("/InvokeCommand")));
}
