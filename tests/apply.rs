//! `xtenant apply` and `verify` against the in-process simulator serving the
//! demo pair: plan → apply → verify → a new assessment sees the copied disks
//! in the target; refusals (no --yes off a terminal, a changed or expired
//! plan, changed results, a journal of another plan); `--no-source-writes`;
//! drift between plan and apply; Ctrl-C finishes the steps in flight;
//! SIGKILL at random points and resume.
//!
//! Runs in-process (library calls, `Simulator::start`) except the crash
//! test, which must kill a real process.

mod common;

use common::{run_cli, s};
use serde_json::Value;
use std::path::{Path, PathBuf};
use xtenant::execute::apply::{self, ApplyOptions, ItemState};
use xtenant::execute::journal::{self, Event};
use xtenant::sim::serve::{SimHandle, SimOptions, Simulator};

fn demo_dir() -> PathBuf {
    common::manifest_dir().join("fixtures/demo")
}

const SOURCE: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const TARGET: &str = "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809";
const ARM: &str = "https://management.azure.com";
/// The demo's disk identity, migrator@fabrikam.com: its object in the
/// target, and its guest object in the source (which holds the role on the
/// source disks that the cross-tenant snapshot copy needs).
const MIGRATOR_TARGET: &str = "96fc599b-2f86-59e3-8ada-e45689cb45e4";
const MIGRATOR_SOURCE: &str = "d012cc5a-d1e2-59e6-af2d-daa25d4e7758";
/// The Gallery Share App's service principals (source, target): Reader on
/// the source gallery.
const GALLERY_APP_SOURCE: &str = "0e00ca11-f157-556d-a8a4-e5c6f14f1fc1";
const GALLERY_APP_TARGET: &str = "353d0274-d133-5fda-8cdd-2e5309c8a16e";

/// The demo config pointed at the simulator. ARM tokens are the disk
/// identity's (minted by the simulator into a file the token command
/// prints); other scopes come from the token endpoint through curl. Never
/// the shared `debug/xtenant`, which may be another branch's build.
fn config_text(sim: &SimHandle, dir: &Path) -> String {
    config_text_as(sim, dir, [MIGRATOR_SOURCE, MIGRATOR_TARGET])
}

/// As [`config_text`], signed in to ARM as the principals `oids` (source,
/// target); the token files go into `dir`.
fn config_text_as(sim: &SimHandle, dir: &Path, oids: [&str; 2]) -> String {
    let demo = std::fs::read_to_string(demo_dir().join("xtenant.toml")).expect("demo config");
    for (tenant, oid) in [(SOURCE, oids[0]), (TARGET, oids[1])] {
        let t = sim.token_as(tenant, ARM, "xtenant-apply", oid);
        std::fs::write(dir.join(format!("{tenant}.arm.tok")), t).expect("token file");
    }
    let script = format!(
        "case \"$1\" in *management*) cat {}/$2.arm.tok;; *) curl -sS -f --data grant_type=client_credentials --data client_id={} --data client_secret=simulator --data-urlencode scope=$1 {}/login/$2/oauth2/v2.0/token;; esac",
        dir.display(),
        xtenant::sim::serve::login::DEFAULT_CLIENT_ID,
        sim.base_url()
    );
    let auth = |side: &str| {
        format!(
            "\n[{side}.auth]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", {}, \"sh\", \"{{scope}}\", \"{{tenant}}\"]\n",
            Value::String(script.clone())
        )
    };
    let demo = demo
        .replacen(
            "\n[target]\n",
            &format!("{}\n[target]\n", auth("source")),
            1,
        )
        .replacen(
            "\n[identities.disk]\n",
            &format!("{}\n[identities.disk]\n", auth("target")),
            1,
        );
    format!("{}\n{demo}", sim.endpoints_toml())
}

struct Setup {
    sim: SimHandle,
    dir: tempfile::TempDir,
    config: PathBuf,
    plan: PathBuf,
}

fn sim_with_log(dir: &Path) -> SimHandle {
    Simulator::start(SimOptions {
        log_file: Some(dir.join("sim-log.jsonl")),
        ..SimOptions::default()
    })
    .expect("start simulator")
}

/// A simulator on the demo, the demo collected and assessed (offline), and
/// a disk-only plan whose URLs point at the simulator.
fn setup(extra_plan_args: &[&str]) -> Setup {
    setup_for("disk", extra_plan_args)
}

/// As [`setup`], for the given `--workload` list.
fn setup_for(workloads: &str, extra_plan_args: &[&str]) -> Setup {
    setup_edited(workloads, extra_plan_args, |c| c)
}

/// As [`setup_for`], planning and applying with the demo config changed by `edit`.
fn setup_edited(
    workloads: &str,
    extra_plan_args: &[&str],
    edit: impl Fn(String) -> String,
) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim_with_log(dir.path());
    for f in ["usermapping.csv", "batch-wave1.csv"] {
        std::fs::copy(demo_dir().join(f), dir.path().join(f)).expect("copy user file");
    }
    let config = dir.path().join("xtenant.toml");
    std::fs::write(&config, edit(config_text(&sim, dir.path()))).expect("config");
    let out = dir.path().join("demo");
    let (code, err) = run_cli(&["demo", "--out", s(&out)]);
    assert!(code <= 1, "demo: {code} {err}");
    let plan = dir.path().join("plan.json");
    let mut args = vec![
        "plan",
        "--results",
        s(&out.join("results")).to_string().leak(),
        "--out",
        s(&plan).to_string().leak(),
        "--config",
        s(&config).to_string().leak(),
        "--workload",
        workloads.to_string().leak(),
    ];
    args.extend_from_slice(extra_plan_args);
    let (code, err) = run_cli(&args);
    assert_eq!(code, 0, "plan: {err}");
    Setup {
        sim,
        dir,
        config,
        plan,
    }
}

fn opts(st: &Setup) -> ApplyOptions {
    let mut o = ApplyOptions::new(&st.plan);
    o.config = Some(st.config.clone());
    o.yes = true;
    o.interactive = Some(false);
    o.lro.default_poll = std::time::Duration::from_millis(200);
    o
}

fn plan_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("plan")).expect("json")
}

fn writes(sim: &SimHandle) -> Vec<xtenant::sim::serve::log::LogEntry> {
    sim.log()
        .into_iter()
        .filter(|e| e.method != "GET" && e.service == "arm")
        .collect()
}

#[test]
fn refusals_need_no_network() {
    let st = setup(&[]);
    // Off a terminal without --yes.
    let mut o = opts(&st);
    o.yes = false;
    let e = apply::run(o).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("not a terminal"), "{e}");

    // Expired.
    let mut o = opts(&st);
    o.now = Some(chrono::Utc::now() + chrono::Duration::days(2));
    let e = apply::run(o).unwrap_err().to_string();
    assert!(e.contains("expired"), "{e}");

    // Tampered: one character of a step URL.
    let tampered = st.dir.path().join("tampered.json");
    let text = std::fs::read_to_string(&st.plan).expect("plan").replacen(
        "rg-migrated-disks",
        "rg-migrated-diskz",
        1,
    );
    std::fs::write(&tampered, text).expect("write");
    let mut o = opts(&st);
    o.plan = tampered;
    let e = apply::run(o).unwrap_err().to_string();
    assert!(e.contains("changed after it was written"), "{e}");

    // The results the plan came from changed.
    let p = plan_json(&st.plan);
    let results = PathBuf::from(p["derived_from"]["results"]["path"].as_str().expect("path"));
    let original = std::fs::read(&results).expect("results");
    let mut changed = original.clone();
    changed.extend_from_slice(b"\n");
    std::fs::write(&results, &changed).expect("write");
    let e = apply::run(opts(&st)).unwrap_err().to_string();
    std::fs::write(&results, &original).expect("restore");
    assert!(e.contains("changed since the plan was made"), "{e}");

    // A journal of another plan.
    let j = journal::default_path(&st.plan);
    std::fs::write(
        &j,
        "{\"ts\":\"2026-01-01T00:00:00Z\",\"plan_digest\":\"other\",\"item_id\":\"x\",\"step_id\":\"x/a\",\"tenant\":\"target\",\"event\":\"done\",\"request_id\":null,\"correlation_id\":null,\"status\":200,\"error\":null,\"reason\":null,\"rule_id\":null}\n",
    )
    .expect("journal");
    let mut o = opts(&st);
    o.resume = true;
    let e = apply::run(o).unwrap_err().to_string();
    assert!(e.contains("belongs to another plan"), "{e}");
    // ... and any journal without --resume.
    let e = apply::run(opts(&st)).unwrap_err().to_string();
    assert!(e.contains("--resume"), "{e}");
    std::fs::remove_file(&j).expect("rm journal");

    // The write client sends only the plan's requests: another URL, or the
    // plan's URL with another body, is refused before anything is sent.
    let loaded = xtenant::execute::plan::load(&st.plan).expect("plan");
    let step = loaded.items[0].steps[0].clone();
    let client =
        xtenant::http::write::WriteClient::new(&loaded, Default::default()).expect("client");
    let base = st.sim.base_url();
    let auth = xtenant::auth::TenantAuth::fixed(
        xtenant::raw::Side::Target,
        TARGET,
        None,
        xtenant::auth::Endpoints::resolve(
            &xtenant::auth::cloud::AZURE_CLOUD,
            &xtenant::config::EndpointsConfig {
                login: Some(format!("{base}/login")),
                arm: Some(format!("{base}/arm")),
                graph: Some(format!("{base}/graph")),
                ..Default::default()
            },
        )
        .expect("endpoints"),
        xtenant::auth::Secret::new(st.sim.token(TARGET, ARM, "x")),
    );
    let url = step.url.clone().expect("url");
    let mut body = step.body.clone().expect("body");
    body["location"] = "eastus".into();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    for (u, b) in [
        (url.replace("xt-", "zz-"), step.body.clone()),
        (url.clone(), Some(body)),
    ] {
        let e = rt
            .block_on(client.send("PUT", &u, b.as_ref(), step.service, &auth, None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a request of the plan"), "{e}");
    }
    assert!(client.planned("PUT", &url, step.body.as_ref()));

    // Nothing of the above sent a write.
    assert!(writes(&st.sim).is_empty(), "{:?}", writes(&st.sim));
}

fn journal_entries(st: &Setup) -> Vec<journal::Entry> {
    journal::read(&journal::default_path(&st.plan)).expect("journal")
}

/// Creations per resource path in the simulator's log (PUTs answered 201, or
/// 200/202 marked created).
fn created_paths(st: &Setup) -> Vec<String> {
    st.sim
        .log()
        .into_iter()
        .filter(|e| e.created)
        .map(|e| e.resource_id.unwrap_or(e.path).to_ascii_lowercase())
        .collect()
}

#[test]
fn plan_apply_verify_then_assess_sees_the_disks_in_the_target() {
    let st = setup(&[]);
    let plan = plan_json(&st.plan);
    let disks: Vec<String> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_string())
        .collect();
    assert!(disks.len() >= 2, "{disks:?}");
    let mut o = opts(&st);
    o.print = true;
    let sum = apply::run(o).expect("apply");
    eprintln!("{sum:#?}");
    assert_eq!(sum.count(ItemState::Done), disks.len(), "{sum:#?}");
    assert_eq!(sum.exit_code, 0);
    let j = journal_entries(&st);
    for it in plan["items"].as_array().expect("items") {
        for step in it["steps"].as_array().expect("steps") {
            let id = step["id"].as_str().expect("id");
            let last = j
                .iter()
                .rev()
                .find(|e| e.step_id.as_deref() == Some(id))
                .expect("journaled");
            assert!(
                matches!(last.event, Event::Done | Event::AlreadyDone),
                "{id}: {last:?}"
            );
        }
    }
    // One PUT per created resource; the rest are exists checks and polls.
    let steps = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["steps"].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    assert_eq!(writes(&st.sim).len(), steps, "{:#?}", writes(&st.sim));
    assert_eq!(sum.stats.writes as usize, steps);
    eprintln!(
        "figures: {} items, {steps} PUTs, {} GETs (exists checks + polls), {:.1} s",
        disks.len(),
        sum.stats.reads,
        sum.elapsed.as_secs_f64()
    );
    // Every write went to the target tenant.
    let target = plan["target"]["tenant_id"]
        .as_str()
        .expect("target")
        .to_string();
    for w in writes(&st.sim) {
        assert_eq!(w.tenant.as_deref(), Some(target.as_str()), "{w:?}");
    }
    // No duplicate creation.
    let created = created_paths(&st);
    let mut uniq = created.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(created.len(), uniq.len(), "{created:#?}");

    // Applying again (resume) sends no write: every step is finished.
    let before = writes(&st.sim).len();
    let mut o = opts(&st);
    o.resume = true;
    let again = apply::run(o).expect("apply again");
    assert_eq!(again.count(ItemState::Done), disks.len());
    assert_eq!(writes(&st.sim).len(), before);

    // verify: every disk present with its source size and SKU.
    let (report, files) = xtenant::execute::verify::run(&xtenant::execute::verify::VerifyOptions {
        plan: st.plan.clone(),
        journal: None,
        out: None,
        config: Some(st.config.clone()),
        auth: None,
    })
    .expect("verify");
    assert_eq!(
        report.summary.get("verified").copied(),
        Some(disks.len()),
        "{report:#?}"
    );
    assert!(files.iter().all(|f| f.exists()));
    let csv = std::fs::read_to_string(&files[1]).expect("verify.csv");
    assert_eq!(csv.matches(",verified,").count(), disks.len(), "{csv}");

    // A new collection and assessment sees the disks in the target.
    let snap = st.dir.path().join("after-snap");
    let cfg = xtenant::config::Config::load(&st.config).expect("config");
    let mut lo = xtenant::collect::live::LiveOptions::new(st.dir.path().join("after-raw"));
    lo.fill_from = Some(demo_dir());
    let (_, inv, _) =
        xtenant::collect::live::collect_to_snapshot(&cfg, &lo, &snap).expect("collect");
    for d in &disks {
        assert!(
            inv.disks.iter().any(|x| x.tenant == "target"
                && &x.name == d
                && x.resource_group.eq_ignore_ascii_case("rg-migrated-disks")),
            "{d} is not in the target"
        );
    }
    let (code, err) = run_cli(&[
        "assess",
        "--snapshot",
        s(&snap),
        "--out",
        s(&st.dir.path().join("after-results")),
    ]);
    assert!(code <= 2, "{err}");

    // A disk removed in the target afterwards fails verification.
    let gone = plan["items"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["action"] == "create-disk")
        .and_then(|s| s["url"].as_str())
        .expect("create-disk url")
        .to_string();
    let path = gone.split("/arm").nth(1).expect("arm path").to_string();
    let tok = st.sim.token(TARGET, ARM, "admin");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let status = rt.block_on(async {
        reqwest::Client::new()
            .delete(format!("{}/arm{path}", st.sim.base_url()))
            .bearer_auth(tok)
            .send()
            .await
            .expect("delete")
            .status()
            .as_u16()
    });
    assert!((200..300).contains(&status), "DELETE {path}: {status}");
    let (report2, _) = xtenant::execute::verify::run(&xtenant::execute::verify::VerifyOptions {
        plan: st.plan.clone(),
        journal: None,
        out: Some(st.dir.path().join("verify2")),
        config: Some(st.config.clone()),
        auth: None,
    })
    .expect("verify again");
    assert_eq!(
        report2.summary.get("failed").copied(),
        Some(1),
        "{report2:#?}"
    );
}

/// The operator's grant an import by source resource id needs: Reader for
/// the migration identity's source account on contosotoolsacr (`name`: the
/// role assignment's id).
fn grant_source_registry_reader(sim: &SimHandle, name: &str) {
    let reg = "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/contosotoolsacr";
    let put = admin(
        sim,
        reqwest::Method::PUT,
        &format!(
            "{reg}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01"
        ),
        Some(serde_json::json!({"properties": {
            "roleDefinitionId": "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "principalId": MIGRATOR_SOURCE, "principalType": "User"}})),
    );
    assert!(put == 200 || put == 201, "grant Reader: {put}");
}

/// An admin's ARM request to the simulator, outside apply (the drift).
fn admin(sim: &SimHandle, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
    admin_in(sim, SOURCE, method, path, body)
}

/// [`admin`] in the given tenant.
fn admin_in(
    sim: &SimHandle,
    tenant: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> u16 {
    let tok = sim.token(tenant, ARM, "admin");
    let url = format!("{}/arm{path}", sim.base_url());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut rb = reqwest::Client::new()
            .request(method, &url)
            .bearer_auth(tok);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.expect("send").status().as_u16()
    })
}

#[test]
fn drift_between_plan_and_apply_skips_the_items_it_affects_with_the_rule() {
    let st = setup(&[]);
    // The disk identity's role on rg-app-prod moves down to one disk: that
    // disk still passes, the other three lose read + beginGetAccess.
    let rg = "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourceGroups/rg-app-prod";
    let keep = format!("{rg}/providers/Microsoft.Compute/disks/disk-app-archive01");
    let role = "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/providers/Microsoft.Authorization/roleDefinitions/b7e4c1d2-5f6a-4b8c-9d0e-2f3a4b5c6d7e";
    let put = admin(
        &st.sim,
        reqwest::Method::PUT,
        &format!("{keep}/providers/Microsoft.Authorization/roleAssignments/9a9a9a9a-0000-4000-8000-00000000d1f7?api-version=2022-04-01"),
        Some(serde_json::json!({"properties": {"roleDefinitionId": role, "principalId": MIGRATOR_SOURCE, "principalType": "User"}})),
    );
    assert!(put == 200 || put == 201, "PUT role assignment: {put}");
    let del = admin(
        &st.sim,
        reqwest::Method::DELETE,
        &format!("{rg}/providers/Microsoft.Authorization/roleAssignments/3ca36be1-db42-591e-a5f9-c459a6547f32?api-version=2022-04-01"),
        None,
    );
    assert_eq!(del, 200, "DELETE role assignment");

    let sum = apply::run(opts(&st)).expect("apply");
    assert_eq!(sum.count(ItemState::Done), 1, "{sum:#?}");
    assert_eq!(sum.count(ItemState::Skipped), 3, "{sum:#?}");
    assert!(sum
        .items
        .iter()
        .any(|(id, s)| id.ends_with("/disk-app-archive01") && *s == ItemState::Done));
    let rules: Vec<&str> = sum
        .skipped
        .iter()
        .filter_map(|(_, r, _)| r.as_deref())
        .collect();
    assert_eq!(rules.len(), 3, "{sum:#?}");
    assert!(rules.iter().all(|r| r.starts_with("DISK-")), "{rules:?}");
    // The skipped items' entries name the rule; none of their steps was sent.
    let j = journal_entries(&st);
    let skipped: Vec<_> = j.iter().filter(|e| e.event == Event::Skipped).collect();
    assert_eq!(skipped.len(), 3, "{j:#?}");
    assert!(skipped
        .iter()
        .all(|e| e.step_id.is_none() && e.rule_id.is_some() && e.reason.is_some()));
    for e in &skipped {
        assert!(!j
            .iter()
            .any(|x| x.item_id == e.item_id && x.event == Event::Started));
    }
    eprintln!("skipped with {:?}", sum.skipped);
}

/// The demo's plan plus one `--remediate`-style step that writes to the
/// source (a role assignment on rg-app-prod), sealed again: the demo's disk
/// identity already has its roles, so `plan --remediate` plans none there.
fn with_source_write(st: &Setup) -> String {
    use xtenant::execute::plan::{self, PlanItem, Service, Step, Tenant};
    let mut p = plan::load(&st.plan).expect("plan");
    let arm = p.endpoints["arm"].clone();
    let scope = "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourceGroups/rg-app-prod";
    let url = format!("{arm}{scope}/providers/Microsoft.Authorization/roleAssignments/9a9a9a9a-0000-4000-8000-0000000050c1?api-version=2022-04-01");
    p.options.remediate = true;
    p.items.push(PlanItem {
        item_id: "prerequisites:disk".into(),
        workload: "disk".into(),
        kind: "prerequisite".into(),
        name: "disk-prerequisites".into(),
        rules: vec![],
        steps: vec![Step {
            id: "disk-prerequisites/source-role".into(),
            action: "create-role-assignment".into(),
            tenant: Tenant::Source,
            service: Service::Arm,
            method: Some("PUT".into()),
            url: Some(url.clone()),
            body: Some(serde_json::json!({"properties": {
                "roleDefinitionId": "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/providers/Microsoft.Authorization/roleDefinitions/b7e4c1d2-5f6a-4b8c-9d0e-2f3a4b5c6d7e",
                "principalId": MIGRATOR_SOURCE, "principalType": "User"}})),
            auxiliary_tenant: None,
            long_running: false,
            exists_check: None,
            after: vec![],
            manual: false,
            runbook: None,
        }],
    });
    p.seal().expect("seal");
    std::fs::write(&st.plan, p.to_json().expect("json")).expect("write plan");
    url
}

fn source_writes(sim: &SimHandle) -> Vec<xtenant::sim::serve::log::LogEntry> {
    sim.log()
        .into_iter()
        .filter(|e| {
            // Query POSTs of the re-check's live collection (Resource Graph,
            // Exchange Get-* cmdlets, ACR token exchanges) are reads; anything
            // that created or changed a resource is a write whatever its verb.
            let query = e.path.contains("Microsoft.ResourceGraph")
                || e.path.ends_with("/InvokeCommand")
                || e.path.contains("/oauth2/");
            let wrote = e.created || e.resource_id.is_some();
            (wrote || (e.method != "GET" && e.service != "login" && !query))
                && (e.tenant.as_deref() == Some(SOURCE)
                    || e.path
                        .to_ascii_lowercase()
                        .contains("/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/"))
        })
        .collect()
}

#[test]
fn no_source_writes_sends_nothing_to_the_source_and_nothing_is_deleted_there() {
    let st = setup(&[]);
    with_source_write(&st);
    let mut o = opts(&st);
    o.no_source_writes = true;
    let sum = apply::run(o).expect("apply");
    assert!(
        source_writes(&st.sim).is_empty(),
        "{:#?}",
        source_writes(&st.sim)
    );
    let refused: Vec<_> = journal_entries(&st)
        .into_iter()
        .filter(|e| {
            e.reason
                .as_deref()
                .is_some_and(|r| r.contains("--no-source-writes"))
        })
        .collect();
    assert_eq!(refused.len(), 1, "{sum:#?}");
    assert_eq!(
        refused[0].step_id.as_deref(),
        Some("disk-prerequisites/source-role")
    );
    // The disks still moved: they do not wait for the refused step.
    assert_eq!(sum.count(ItemState::Done), 4, "{sum:#?}");

    // Without the flag the same step does reach the source (the check above
    // can fail), and still nothing is deleted there.
    let mut o = opts(&st);
    o.resume = true;
    apply::run(o).expect("apply again");
    let sent = source_writes(&st.sim);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].method, "PUT");
    assert!(st.sim.log().iter().all(|e| !(e.method == "DELETE"
        && (e.tenant.as_deref() == Some(SOURCE)
            || e.path
                .to_ascii_lowercase()
                .contains("5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01")))));
}

#[test]
fn killed_at_random_points_and_resumed_ends_with_every_disk_created_once() {
    let st = setup(&[]);
    let bin = env!("CARGO_BIN_EXE_xtenant");
    let args = [
        "apply",
        "--plan",
        s(&st.plan),
        "--yes",
        "--resume",
        "--config",
        s(&st.config),
    ];
    // Ctrl-C once a step is in flight: that step finishes and is journaled,
    // nothing new starts, exit code 4.
    let mut child = std::process::Command::new(bin)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn apply");
    let jpath = journal::default_path(&st.plan);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !std::fs::read_to_string(&jpath).is_ok_and(|t| t.contains("\"started\""))
        && std::time::Instant::now() < deadline
        && child.try_wait().expect("wait").is_none()
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sigint = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sigint.success());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let j = journal_entries(&st);
    for e in j.iter().filter(|e| e.event == Event::Started) {
        assert!(
            j.iter().any(|x| x.step_id == e.step_id
                && matches!(x.event, Event::Done | Event::AlreadyDone | Event::Failed)),
            "{:?} was left in flight by Ctrl-C",
            e.step_id
        );
    }
    let after_int = j.len();

    // Kill points spread over the run (re-check, PUTs, polls), varied per run.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(7);
    let mut kills = 0;
    for k in 0..5u64 {
        let mut child = std::process::Command::new(bin)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn apply");
        let ms = 300 + (seed.wrapping_mul(k + 3).wrapping_add(k * 7919)) % 2500;
        std::thread::sleep(std::time::Duration::from_millis(ms));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("unrecognized subcommand"),
            "the shared debug/xtenant is another branch's build; rebuild and re-run: {err}"
        );
    }
    // The last run goes to the end.
    let out = std::process::Command::new(bin)
        .args(args)
        .output()
        .expect("run apply");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let j = journal_entries(&st);
    let started = j.iter().filter(|e| e.event == Event::Started).count();
    let already = j.iter().filter(|e| e.event == Event::AlreadyDone).count();
    eprintln!("{kills} runs killed; journal: {started} started, {already} already-done ({after_int} entries after Ctrl-C)");

    // Every resource created exactly once.
    let created = created_paths(&st);
    let mut uniq = created.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(
        created.len(),
        uniq.len(),
        "duplicate creations: {created:#?}"
    );
    let plan = plan_json(&st.plan);
    let steps: Vec<&Value> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["steps"].as_array().expect("steps").iter())
        .collect();
    assert_eq!(created.len(), steps.len(), "{created:#?}");
    // The journal agrees: each step finished once, and what it says was
    // created is what the simulator created.
    for step in &steps {
        let id = step["id"].as_str().expect("id");
        let finished = j
            .iter()
            .filter(|e| {
                e.step_id.as_deref() == Some(id)
                    && matches!(e.event, Event::Done | Event::AlreadyDone)
            })
            .count();
        assert_eq!(finished, 1, "{id} finished {finished} times");
        let url = step["url"].as_str().expect("url").to_ascii_lowercase();
        assert!(
            created.iter().any(|c| url.contains(c.as_str())),
            "{url} not created: {created:#?}"
        );
    }
}

/// Exchange writes in the simulator's log: (cmdlet, object, created).
fn exchange_writes(sim: &SimHandle) -> Vec<(String, String, bool)> {
    sim.log()
        .into_iter()
        .filter(|e| e.service == "exchange" && e.resource_id.is_some())
        .map(|e| {
            (
                e.cmdlet.unwrap_or_default(),
                e.resource_id.unwrap_or_default(),
                e.created,
            )
        })
        .collect()
}

/// Every request that changed something (ARM non-GETs that are not name
/// checks, Exchange write cmdlets), with its tenant.
fn all_writes(sim: &SimHandle) -> Vec<xtenant::sim::serve::log::LogEntry> {
    sim.log()
        .into_iter()
        .filter(|e| {
            (e.service == "arm" && e.method != "GET" && !e.path.contains("checkNameAvailability"))
                || (e.service == "exchange" && e.resource_id.is_some())
        })
        .collect()
}

#[test]
fn registries_galleries_and_mailboxes_apply_verify_and_show_in_a_new_assessment() {
    let started = std::time::Instant::now();
    // --remediate: mailboxes held back only by their target mail user's
    // missing stamps are planned too; their Set-MailUser is the fix.
    let st = setup_for("acr,exchange", &["--remediate"]);
    // Image versions are copied by the Gallery Share App (the demo's
    // [identities.gallery], with Reader on the source gallery), registries
    // and mailboxes by the migration identity: apply signs in as one
    // principal per tenant, so the gallery plan is its own, applied as the app.
    let gdir = st.dir.path().join("gallery");
    std::fs::create_dir_all(&gdir).expect("mkdir");
    for f in ["usermapping.csv", "batch-wave1.csv"] {
        std::fs::copy(demo_dir().join(f), gdir.join(f)).expect("copy user file");
    }
    let gconfig = gdir.join("xtenant.toml");
    std::fs::write(
        &gconfig,
        config_text_as(&st.sim, &gdir, [GALLERY_APP_SOURCE, GALLERY_APP_TARGET]),
    )
    .expect("gallery config");
    let gplan = gdir.join("plan.json");
    let results = plan_json(&st.plan)["derived_from"]["results"]["path"]
        .as_str()
        .expect("results")
        .trim_end_matches("/results.json")
        .to_string();
    let (code, err) = run_cli(&[
        "plan",
        "--results",
        &results,
        "--out",
        s(&gplan),
        "--config",
        s(&gconfig),
        "--workload",
        "gallery",
    ]);
    assert_eq!(code, 0, "gallery plan: {err}");
    let plan = plan_json(&st.plan);
    let gallery_plan = plan_json(&gplan);
    let mut all_items = plan["items"].as_array().expect("items").clone();
    all_items.extend(
        gallery_plan["items"]
            .as_array()
            .expect("items")
            .iter()
            .cloned(),
    );
    let items = &all_items;
    let kinds = |k: &str| items.iter().filter(|i| i["kind"] == k).count();
    let steps: Vec<&Value> = items
        .iter()
        .flat_map(|i| i["steps"].as_array().expect("steps").iter())
        .collect();
    let by_action = |a: &str| steps.iter().filter(|s| s["action"] == a).count();
    assert_eq!(kinds("registry"), 1, "{items:#?}");
    assert_eq!(kinds("image-version"), 3);
    assert!(kinds("mailbox") >= 10, "{}", kinds("mailbox"));
    assert_eq!(kinds("migration-batch"), 1);
    let planned = |n: &str| items.iter().any(|i| i["name"] == n);
    for m in ["x500.missing", "external.wrong", "archive.missing"] {
        assert!(planned(&format!("{m}@contoso.com")), "{m} is not planned");
    }
    // A different ExchangeGuid, or an archive the source lacks, is not a
    // missing stamp: a person decides.
    for m in ["guid.mismatch", "archive.extra"] {
        assert!(!planned(&format!("{m}@contoso.com")), "{m} is planned");
    }
    let imports = by_action("import-image");
    assert!(imports >= 2, "{imports}");

    // The import names the source registry by resource id with the source
    // token as auxiliary, so the migration identity's source account reads
    // the registry: the operator grants it Reader there (the demo hands a
    // repository token over instead, which ACR-004 counts; see the report).
    grant_source_registry_reader(&st.sim, "9a9a9a9a-0000-4000-8000-0000000ac401");

    let mut o = opts(&st);
    o.print = true;
    let sum = apply::run(o).expect("apply");
    assert_eq!(sum.exit_code, 0, "{sum:#?}");
    let gopts = || {
        let mut o = opts(&st);
        o.plan = gplan.clone();
        o.config = Some(gconfig.clone());
        o
    };
    let gsum = apply::run(gopts()).expect("apply the gallery plan");
    assert_eq!(gsum.exit_code, 0, "{gsum:#?}");
    assert_eq!(
        sum.count(ItemState::Done) + gsum.count(ItemState::Done),
        items.len()
    );

    // One write per created or stamped object, all to the target.
    let target = plan["target"]["tenant_id"].as_str().expect("target");
    // (The admin's role grant in the source is not apply's.)
    let writes: Vec<_> = all_writes(&st.sim)
        .into_iter()
        .filter(|w| !w.path.contains("roleAssignments"))
        .collect();
    for w in &writes {
        assert_eq!(w.tenant.as_deref(), Some(target), "{w:?}");
    }
    let created = created_paths(&st);
    let mut uniq = created.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(created.len(), uniq.len(), "duplicates: {created:#?}");
    let arm_writes = writes.iter().filter(|w| w.service == "arm").count() + 1;
    // Imports, versions, and one image definition per distinct image (two
    // versions of one image share theirs: the second finds it, or repeats
    // the same PUT, which creates nothing).
    let defs: std::collections::BTreeSet<&str> = steps
        .iter()
        .filter(|s| s["action"] == "create-image-definition")
        .filter_map(|s| s["url"].as_str())
        .collect();
    let made = |needle: &str| created.iter().filter(|c| c.contains(needle)).count();
    assert_eq!(made("/registries/fabrikamacr/"), imports, "{created:#?}");
    assert_eq!(made("/versions/"), 3, "{created:#?}");
    assert_eq!(
        created
            .iter()
            .filter(|c| c.contains("/images/") && !c.contains("/versions/"))
            .count(),
        defs.len(),
        "{created:#?}"
    );
    let galleries: std::collections::BTreeSet<&str> = steps
        .iter()
        .filter(|s| s["action"] == "create-gallery")
        .filter_map(|s| s["url"].as_str())
        .collect();
    assert_eq!(
        made("/galleries/") - made("/images/"),
        galleries.len(),
        "{created:#?}"
    );
    // The role grant above, then the plan's writes; steps that share a
    // gallery or image definition may each send their identical PUT.
    assert!(
        arm_writes - 1
            <= imports + 3 + by_action("create-image-definition") + by_action("create-gallery"),
        "{writes:#?}"
    );
    let exo = exchange_writes(&st.sim);
    let batches: Vec<_> = exo.iter().filter(|w| w.0 == "New-MigrationBatch").collect();
    assert_eq!(batches.len(), 1, "{exo:#?}");
    assert!(batches[0].2, "the batch was created");
    let stamps = exo.iter().filter(|w| w.0 == "Set-MailUser").count();
    let set_steps = by_action("set-mail-user");
    let mut j = journal_entries(&st);
    j.extend(journal::read(&journal::default_path(&gplan)).expect("gallery journal"));
    let sent = |action: &str| {
        steps
            .iter()
            .filter(|s| s["action"] == action)
            .filter(|s| {
                j.iter()
                    .any(|e| e.step_id.as_deref() == s["id"].as_str() && e.event == Event::Done)
            })
            .count()
    };
    assert_eq!(stamps, sent("set-mail-user"), "{exo:#?}");
    // The ready mail users were stamped already; the three above were not.
    assert_eq!(stamps, 3, "{exo:#?}");
    eprintln!(
        "figures: {} items; {imports} imports, {} gallery, {} image definitions, 3 versions, {stamps} of {set_steps} mail users stamped (the rest already were), 1 batch; {} writes ({} ARM, {} of them identical repeats of a shared gallery or image PUT; {} Exchange), {} reads by apply; {:.1} s of apply",
        items.len(),
        galleries.len(),
        defs.len(),
        writes.len(),
        arm_writes - 1,
        writes.iter().filter(|w| w.service == "arm" && !w.created).count(),
        writes.iter().filter(|w| w.service == "exchange").count(),
        sum.stats.reads + gsum.stats.reads,
        sum.elapsed.as_secs_f64() + gsum.elapsed.as_secs_f64()
    );

    // Resume: nothing left to send.
    let before = all_writes(&st.sim).len();
    let mut o = opts(&st);
    o.resume = true;
    let again = apply::run(o).expect("resume");
    let mut o = gopts();
    o.resume = true;
    let gagain = apply::run(o).expect("resume the gallery plan");
    assert_eq!(
        again.count(ItemState::Done) + gagain.count(ItemState::Done),
        items.len()
    );
    assert_eq!(all_writes(&st.sim).len(), before);
    // A fresh apply of the same plan (its own journal, no re-check: the
    // batch now makes EXO-039 see its users in a batch) finds every write
    // done by its exists check.
    let mut o = opts(&st);
    o.journal = Some(st.dir.path().join("second.journal.jsonl"));
    o.recheck = false;
    let fresh = apply::run(o).expect("fresh apply");
    let mut o = gopts();
    o.journal = Some(gdir.join("second.journal.jsonl"));
    o.recheck = false;
    let gfresh = apply::run(o).expect("fresh apply of the gallery plan");
    assert_eq!(
        fresh.count(ItemState::Done) + gfresh.count(ItemState::Done),
        items.len(),
        "{fresh:#?} {gfresh:#?}"
    );
    for jp in [
        st.dir.path().join("second.journal.jsonl"),
        gdir.join("second.journal.jsonl"),
    ] {
        let j2 = journal::read(&jp).expect("journal");
        // Only the digest checks (reads) are sent again.
        let sent: Vec<_> = j2
            .iter()
            .filter(|e| e.event == Event::Started)
            .filter(|e| {
                !e.step_id
                    .as_deref()
                    .is_some_and(|id| id.contains("/verify/"))
            })
            .collect();
        assert!(sent.is_empty(), "sent again: {sent:#?}");
    }
    assert_eq!(
        all_writes(&st.sim).len(),
        before,
        "{:#?}",
        all_writes(&st.sim)
    );

    // verify: every item verified.
    let (report, _) = xtenant::execute::verify::run(&xtenant::execute::verify::VerifyOptions {
        plan: st.plan.clone(),
        journal: None,
        out: None,
        config: Some(st.config.clone()),
        auth: None,
    })
    .expect("verify");
    let (greport, _) = xtenant::execute::verify::run(&xtenant::execute::verify::VerifyOptions {
        plan: gplan.clone(),
        journal: None,
        out: None,
        config: Some(gconfig.clone()),
        auth: None,
    })
    .expect("verify the gallery plan");
    assert_eq!(
        report.summary.get("verified").copied().unwrap_or(0)
            + greport.summary.get("verified").copied().unwrap_or(0),
        items.len(),
        "{report:#?} {greport:#?}"
    );
    // The version checks name replication to every target region.
    assert!(
        greport.items.iter().all(|i| i
            .checks
            .iter()
            .any(|c| c.ok && c.what.contains("replicated"))),
        "{greport:#?}"
    );

    // A new collection and assessment sees them in the target.
    let snap = st.dir.path().join("after-snap");
    let cfg = xtenant::config::Config::load(&st.config).expect("config");
    let mut lo = xtenant::collect::live::LiveOptions::new(st.dir.path().join("after-raw"));
    lo.fill_from = Some(demo_dir());
    let (_, inv, _) =
        xtenant::collect::live::collect_to_snapshot(&cfg, &lo, &snap).expect("collect");
    let src_tags: Vec<_> = inv
        .registry_tags
        .iter()
        .filter(|t| t.tenant == "source" && t.registry == "contosotoolsacr.azurecr.io")
        .collect();
    assert_eq!(src_tags.len(), imports);
    for t in &src_tags {
        assert!(
            inv.registry_tags.iter().any(|x| x.tenant == "target"
                && x.registry == "fabrikamacr.azurecr.io"
                && x.repository == t.repository
                && x.tag == t.tag
                && x.digest == t.digest),
            "{}:{} is not in fabrikamacr with digest {:?}",
            t.repository,
            t.tag,
            t.digest
        );
    }
    for it in items.iter().filter(|i| i["kind"] == "image-version") {
        let name = it["name"].as_str().expect("name");
        let version = name.rsplit('/').next().expect("version");
        let image = name.split('/').nth(1).expect("image");
        assert!(
            inv.gallery_image_versions
                .iter()
                .any(|v| v.tenant == "target" && v.image_name == image && v.name == version),
            "{name} is not in the target gallery"
        );
    }
    let (code, err) = run_cli(&[
        "assess",
        "--snapshot",
        s(&snap),
        "--out",
        s(&st.dir.path().join("after-results")),
    ]);
    assert!(code <= 2, "{err}");
    let after =
        xtenant::assess::read_results(&st.dir.path().join("after-results")).expect("results");
    for it in items.iter().filter(|i| i["kind"] == "mailbox") {
        let id = it["item_id"].as_str().expect("id");
        for rule in ["EXO-021", "EXO-022", "EXO-023", "EXO-027"] {
            assert!(
                !after.findings.iter().any(|f| f.rule_id == rule
                    && f.object_id.eq_ignore_ascii_case(id)
                    && f.status == "fail"),
                "{rule} still fails for {id}"
            );
        }
    }
    eprintln!(
        "wall time of the test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_registry_that_does_not_exist_is_checked_created_and_imported_into_once() {
    // contosotoolsacr goes to a new registry, fabrikamtoolsacr, in an
    // existing target resource group.
    let st = setup_edited("acr", &[], |c| {
        c.replace(
            "target_subscription_id = \"e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03\"\ntarget_resource_group = \"rg-registries\"",
            "target_subscription_id = \"7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c04\"\ntarget_resource_group = \"rg-shared\"",
        )
        .replace(
            "[acr.targets]\n",
            "[acr.targets]\ncontosotoolsacr = \"fabrikamtoolsacr\"\n",
        )
    });
    let plan = plan_json(&st.plan);
    let steps: Vec<&Value> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["steps"].as_array().expect("steps").iter())
        .collect();
    let actions: Vec<&str> = steps.iter().filter_map(|s| s["action"].as_str()).collect();
    assert_eq!(
        &actions[..2],
        ["check-registry-name", "create-registry"],
        "{actions:?}"
    );
    let imports = actions.iter().filter(|a| **a == "import-image").count();
    // The operator's grant the import needs (as in the test above).
    grant_source_registry_reader(&st.sim, "9a9a9a9a-0000-4000-8000-0000000ac402");
    // ... and the import rights where the registry is to be created
    // (without them the re-check skips the item with ACR-005).
    let rg = "/subscriptions/7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c04/resourceGroups/rg-shared";
    let put = admin_in(
        &st.sim,
        TARGET,
        reqwest::Method::PUT,
        &format!("{rg}/providers/Microsoft.Authorization/roleAssignments/9a9a9a9a-0000-4000-8000-0000000ac403?api-version=2022-04-01"),
        Some(serde_json::json!({"properties": {
            "roleDefinitionId": "/subscriptions/7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c04/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
            "principalId": MIGRATOR_TARGET, "principalType": "User"}})),
    );
    assert!(put == 200 || put == 201, "grant Contributor: {put}");
    let sum = apply::run(opts(&st)).expect("apply");
    assert_eq!(sum.exit_code, 0, "{sum:#?}");
    let created: Vec<String> = created_paths(&st)
        .into_iter()
        .filter(|c| c.contains("fabrikamtoolsacr"))
        .collect();
    // The registry once, each tag once.
    assert_eq!(created.len(), 1 + imports, "{created:#?}");
    assert_eq!(
        created
            .iter()
            .filter(|c| c.ends_with("/fabrikamtoolsacr"))
            .count(),
        1
    );
    let tags = st.sim.imported_tags(
        "/subscriptions/7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c04/resourceGroups/rg-shared/providers/Microsoft.ContainerRegistry/registries/fabrikamtoolsacr",
    );
    assert_eq!(tags.values().map(|t| t.len()).sum::<usize>(), imports);

    // A fresh apply (its own journal, no re-check: the name is ours now)
    // finds the registry Succeeded, the name check and every tag done.
    let before = all_writes(&st.sim).len();
    let mut o = opts(&st);
    o.journal = Some(st.dir.path().join("again.journal.jsonl"));
    o.recheck = false;
    let again = apply::run(o).expect("apply again");
    assert_eq!(again.exit_code, 0, "{again:#?}");
    assert_eq!(
        all_writes(&st.sim).len(),
        before,
        "{:#?}",
        all_writes(&st.sim)
    );
    let j = journal::read(&st.dir.path().join("again.journal.jsonl")).expect("journal");
    for id in ["contosotoolsacr/check-name", "contosotoolsacr/registry"] {
        assert!(
            j.iter()
                .any(|e| e.step_id.as_deref() == Some(id) && e.event == Event::AlreadyDone),
            "{id}: {j:#?}"
        );
    }

    // verify reads the new registry's data plane: every tag with the source digest.
    let (report, _) = xtenant::execute::verify::run(&xtenant::execute::verify::VerifyOptions {
        plan: st.plan.clone(),
        journal: None,
        out: None,
        config: Some(st.config.clone()),
        auth: None,
    })
    .expect("verify");
    assert_eq!(
        report.summary.get("verified").copied(),
        Some(1),
        "{report:#?}"
    );
}
