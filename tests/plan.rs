//! `xtenant plan` end to end on the demo, with the real binary: only ready
//! items are planned, every write goes to the target unless `--remediate`,
//! nothing is ever deleted in the source, names are stable across runs, a
//! changed plan is refused, and the runbooks hold every planned mailbox.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn xtenant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtenant"))
        .args(args)
        .output()
        .expect("run xtenant")
}

fn ok(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{out}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The demo, collected and assessed once for every test in this file
/// (`demo` writes raw/, snapshot/ and results/).
fn demo() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("tempdir");
        ok(&xtenant(&["demo", "--out", s(d.path())]));
        d
    })
    .path()
}

fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("results"))
        .expect("json")
}

fn read_plan(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("plan")).expect("plan json")
}

fn steps(plan: &Value) -> Vec<&Value> {
    plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["steps"].as_array().expect("steps").iter())
        .collect()
}

fn plan_demo(out: &Path, extra: &[&str]) -> Value {
    let results = demo().join("results");
    let mut args = vec!["plan", "--results", s(&results), "--out", s(out)];
    args.extend_from_slice(extra);
    ok(&xtenant(&args));
    read_plan(out)
}

/// A copy of the demo's results beside its snapshot, with the named items
/// turned ready: the demo has no ready mailbox or environment (organisation
/// rules block them all), and the planner trusts the assessment's verdict.
fn results_with_ready(name: &str, ready: &[&str]) -> PathBuf {
    let dir = demo().join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut r = results(&demo().join("results"));
    for it in r["items"].as_array_mut().expect("items") {
        if ready.contains(&it["name"].as_str().unwrap_or("")) {
            it["readiness"] = "ready".into();
            it["blockers"] = Value::Array(vec![]);
        }
    }
    std::fs::write(dir.join("results.json"), r.to_string()).expect("write");
    dir
}

#[test]
fn only_ready_items_are_planned_and_writes_go_to_the_target() {
    let d = tempfile::tempdir().expect("tempdir");
    let plan = plan_demo(&d.path().join("plan.json"), &[]);
    let r = results(&demo().join("results"));
    let planned: Vec<&str> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["item_id"].as_str().expect("id"))
        .collect();
    let mut ready_with_steps = 0;
    for it in r["items"].as_array().expect("items") {
        let id = it["id"].as_str().expect("id");
        let ready =
            it["readiness"] == "ready" && it["excepted"].as_array().is_some_and(|e| e.is_empty());
        if !ready {
            assert!(
                !planned.contains(&id),
                "{id} is {} but planned",
                it["readiness"]
            );
        } else if ["disk", "acr", "gallery", "exchange"]
            .contains(&it["workload"].as_str().unwrap_or(""))
        {
            ready_with_steps += 1;
            assert!(planned.contains(&id), "ready {id} is not planned");
        }
    }
    // The demo: 4 ready disks, 1 ready registry, 3 ready image versions,
    // 17 ready mailboxes, and the batch of batch-wave1.csv's ready rows.
    assert_eq!(ready_with_steps, 25);
    assert_eq!(planned.len(), 26);
    assert!(
        planned.contains(&"migration-batch:batch-wave1"),
        "{planned:?}"
    );
    for st in steps(&plan) {
        let id = st["id"].as_str().expect("step id");
        let method = st["method"].as_str().unwrap_or("");
        if method != "GET" && st["manual"] == false {
            assert_eq!(st["tenant"], "target", "{id} writes to {}", st["tenant"]);
        }
        assert!(
            !(method == "DELETE" && st["tenant"] == "source"),
            "{id} deletes in the source"
        );
        let url = st["url"].as_str().unwrap_or("");
        assert!(url.starts_with("https://"), "{id}: {url}");
    }
    // The one-call cross-tenant snapshot: target token, source as auxiliary.
    let snap = steps(&plan)
        .into_iter()
        .find(|s| s["id"] == "disk-app-archive01/snapshot")
        .expect("snapshot step");
    assert_eq!(snap["action"], "create-snapshot");
    assert_eq!(snap["auxiliary_tenant"], "source");
    assert_eq!(
        snap["body"]["properties"]["creationData"]["createOption"],
        "Copy"
    );
    assert!(snap["url"]
        .as_str()
        .expect("url")
        .contains("/resourceGroups/rg-migrated-disks/providers/Microsoft.Compute/snapshots/xt-"));
    assert_eq!(
        plan["derived_from"]["snapshot"]["content_hash"],
        r["run"]["snapshot_hash"]
    );
}

#[test]
fn names_and_digest_are_deterministic_across_runs() {
    let d = tempfile::tempdir().expect("tempdir");
    let a = plan_demo(&d.path().join("a.json"), &[]);
    let b = plan_demo(&d.path().join("b.json"), &[]);
    let ids = |p: &Value| -> Vec<(String, String)> {
        steps(p)
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap_or("").to_string(),
                    s["url"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a["items"], b["items"]);
    // Only the times differ (and so the digest) between two runs.
    let mut a2 = a.clone();
    for k in ["created", "expires", "digest"] {
        a2[k] = b[k].clone();
    }
    assert_eq!(a2["derived_from"], b["derived_from"]);
    assert_eq!(a2["items"], b["items"]);
}

#[test]
fn tampered_plans_are_refused() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("plan.json");
    plan_demo(&p, &[]);
    ok(&xtenant(&["plan", "show", s(&p)]));
    let text = std::fs::read_to_string(&p).expect("read");
    let changed = text.replacen("rg-migrated-disks", "rg-elsewhere", 1);
    assert_ne!(changed, text);
    std::fs::write(&p, changed).expect("write");
    let o = xtenant(&["plan", "show", s(&p)]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("changed after it was written"), "{err}");
}

#[test]
fn show_prints_items_steps_tenants_and_expiry() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("plan.json");
    plan_demo(&p, &["--valid-for", "2h"]);
    let out = ok(&xtenant(&["plan", "show", s(&p)]));
    for want in [
        "Contoso",
        "Fabrikam",
        "(in 1 h 59 min)",
        "derived from results",
        "disk disk disk-app-archive01",
        "writes target (auxiliary token: source) via arm: PUT https://management.azure.com/",
        "acr registry contosotoolsacr",
        "[import-image]",
        "0 to the source",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let json = ok(&xtenant(&["plan", "show", s(&p), "--format", "json"]));
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["format"], "xtenant-plan");
}

#[test]
fn a_snapshot_that_is_not_the_assessed_one_is_refused() {
    let d = tempfile::tempdir().expect("tempdir");
    // The results name another snapshot hash than the demo's.
    let dir = d.path().join("results");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut r = results(&demo().join("results"));
    r["run"]["snapshot_hash"] = "0".repeat(64).into();
    std::fs::write(dir.join("results.json"), r.to_string()).expect("write");
    let o = xtenant(&[
        "plan",
        "--results",
        s(&dir),
        "--snapshot",
        s(&demo().join("snapshot")),
        "--out",
        s(&d.path().join("plan.json")),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is not the one the results were assessed from"),
        "{err}"
    );
    assert!(!d.path().join("plan.json").exists());
}

#[test]
fn mailboxes_get_set_mail_user_steps_a_batch_and_a_runbook() {
    let dir = results_with_ready(
        "results-exo",
        &[
            "adele.vance@contoso.com",
            "alex.wilber@contoso.com",
            "grady.archie@contoso.com",
        ],
    );
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("plan.json");
    ok(&xtenant(&[
        "plan",
        "--results",
        s(&dir),
        "--out",
        s(&p),
        "--workload",
        "exchange",
        // Today's other ready mailboxes are left out by the selection.
        "--items",
        "adele.vance@contoso.com,alex.wilber@contoso.com,grady.archie@contoso.com",
    ]));
    let plan = read_plan(&p);
    let book = std::fs::read_to_string(d.path().join("exchange.ps1")).expect("exchange.ps1");
    assert_eq!(
        plan["runbooks"]["exchange.ps1"].as_str(),
        Some(book.as_str())
    );
    let all = steps(&plan);
    for m in ["adele.vance", "alex.wilber", "grady.archie"] {
        let st = all
            .iter()
            .find(|s| s["id"] == format!("{m}@contoso.com/set-mail-user"))
            .unwrap_or_else(|| panic!("no set-mail-user for {m}"));
        let params = &st["body"]["CmdletInput"]["Parameters"];
        assert_eq!(st["body"]["CmdletInput"]["CmdletName"], "Set-MailUser");
        assert!(params["ExchangeGuid"].is_string());
        assert!(params["EmailAddresses"]["Add"][0]
            .as_str()
            .is_some_and(|x| x.starts_with("x500:/o=ExchangeLabs")));
        // The target's external address is kept when it already is one of
        // the source's addresses (the demo's: the onmicrosoft.com one).
        let external = params["ExternalEmailAddress"].as_str().unwrap_or("");
        assert!(
            external.eq_ignore_ascii_case(&format!("{m}@contoso.com"))
                || external.eq_ignore_ascii_case(&format!("{m}@contoso.onmicrosoft.com")),
            "{external}"
        );
        assert!(
            book.contains(&format!("Set-MailUser -Identity '{m}'")),
            "runbook lacks {m}"
        );
    }
    // The batch holds the planned mailboxes of batch-wave1.csv and nothing else.
    let batch = all
        .iter()
        .find(|s| s["action"] == "new-migration-batch")
        .expect("batch step");
    assert_eq!(
        batch["after"],
        serde_json::json!([
            "adele.vance@contoso.com/set-mail-user",
            "alex.wilber@contoso.com/set-mail-user"
        ])
    );
    assert!(book.contains("adele.vance@fabrikam.com\nalex.wilber@fabrikam.com\n'@"));
    assert!(
        !book.contains("megan.bowen"),
        "a mailbox not planned is in the runbook"
    );
}

#[test]
fn remediate_vm_and_power_platform_options() {
    let dir = results_with_ready("results-pp", &["Contoso Sales"]);
    let d = tempfile::tempdir().expect("tempdir");
    let cfg = d.path().join("xtenant.toml");
    let base = std::fs::read_to_string(demo().join("export/xtenant.toml")).expect("demo config");
    let cfg_text = base
        .replace(
            "[disk]\n",
            "[disk]\ncreate_vm = true\ndelete_snapshot = true\nvm_subnet_id = \"/subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps\"\n",
        )
        .replace(
            "user_mapping = \"usermapping.csv\"\n",
            "user_mapping = \"usermapping.csv\"\nguest_admin_email = \"pp-admin_contoso.com#EXT#@fabrikam.onmicrosoft.com\"\n",
        );
    assert_ne!(cfg_text, base, "the demo config changed shape");
    std::fs::write(&cfg, cfg_text).expect("write config");
    let p = d.path().join("plan.json");
    ok(&xtenant(&[
        "plan",
        "--results",
        s(&dir),
        "--out",
        s(&p),
        "--config",
        s(&cfg),
        "--remediate",
    ]));
    let plan = read_plan(&p);
    assert_eq!(plan["options"]["remediate"], true);
    assert!(plan["derived_from"]["config_sha256"].is_string());
    let all = steps(&plan);
    let actions: Vec<&str> = all.iter().filter_map(|s| s["action"].as_str()).collect();
    for a in [
        "create-vm",
        "create-nic",
        "delete-snapshot",
        "pp-submit-request",
        "pp-migrate",
    ] {
        assert!(actions.contains(&a), "no {a} step in {actions:?}");
    }
    for st in &all {
        let id = st["id"].as_str().unwrap_or("");
        let method = st["method"].as_str().unwrap_or("");
        assert!(
            !(method == "DELETE" && st["tenant"] == "source"),
            "{id} deletes in the source"
        );
        if st["tenant"] == "source" && st["manual"] == false && method != "GET" {
            assert!(
                id.starts_with("disk-prerequisites/"),
                "{id} writes to the source and is not a --remediate step"
            );
        }
        if st["action"] == "delete-snapshot" {
            assert_eq!(st["tenant"], "target");
            assert!(st["url"].as_str().unwrap_or("").contains("/snapshots/xt-"));
        }
        if st["manual"] == true {
            assert!(st["url"].is_null() && st["runbook"].is_string(), "{id}");
        }
    }
    // The VM of vm-web01 waits for both its disks.
    let vm = all.iter().find(|s| s["action"] == "create-vm").expect("vm");
    let after: Vec<&str> = vm["after"]
        .as_array()
        .expect("after")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        after.iter().any(|a| a.starts_with("vm-web01-data01/")),
        "{after:?}"
    );
    let pp = std::fs::read_to_string(d.path().join("powerplatform.ps1")).expect("pp runbook");
    for cmd in [
        "TenantToTenant-SubmitMigrationRequest -EnvironmentName",
        "TenantToTenant-ApproveMigration",
        "TenantToTenant-PrepareMigration -EnvironmentName",
        "-ReadOnlyUserMappingFileContainerUri $SASUri",
        "TenantToTenant-MigratePowerAppEnvironment -EnvironmentName",
        "-GuestAdminUserEmail 'pp-admin_contoso.com#EXT#@fabrikam.onmicrosoft.com'",
    ] {
        assert!(pp.contains(cmd), "powerplatform.ps1 lacks {cmd}");
    }
}

#[test]
fn an_unknown_workload_or_item_is_an_input_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("plan.json");
    let results_dir = demo().join("results");
    let o = xtenant(&[
        "plan",
        "--results",
        s(&results_dir),
        "--out",
        s(&p),
        "--workload",
        "mail",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let o = xtenant(&[
        "plan",
        "--results",
        s(&results_dir),
        "--out",
        s(&p),
        "--items",
        "no-such-disk",
    ]);
    assert_eq!(o.status.code(), Some(3));
    // A blocked item named explicitly is reported, not planned.
    let out = ok(&xtenant(&[
        "plan",
        "--results",
        s(&results_dir),
        "--out",
        s(&p),
        "--items",
        "disk-reports01,disk-app-archive01",
    ]));
    assert!(
        out.contains("disk-reports01 is blocked (blocked by DISK-006)"),
        "{out}"
    );
    let plan = read_plan(&p);
    assert_eq!(plan["items"].as_array().map(Vec::len), Some(1));
}

#[test]
fn gallery_versions_and_new_registries_are_planned_from_the_snapshot() {
    let dir = results_with_ready(
        "results-gal-acr",
        &[
            "gal_contoso_images/img-win2022-web/1.2.0",
            "contosobuildacr",
        ],
    );
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("plan.json");
    ok(&xtenant(&[
        "plan",
        "--results",
        s(&dir),
        "--out",
        s(&p),
        "--workload",
        "gallery,acr",
    ]));
    let plan = read_plan(&p);
    let all = steps(&plan);
    let find = |id: &str| {
        *all.iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    let copy = find("gal_contoso_images/img-win2022-web/1.2.0/copy-version");
    assert_eq!(copy["auxiliary_tenant"], "source");
    let source_id = copy["body"]["properties"]["storageProfile"]["source"]["id"]
        .as_str()
        .expect("source id");
    assert!(
        source_id.ends_with("/images/img-win2022-web/versions/1.2.0"),
        "{source_id}"
    );
    assert!(copy["url"]
        .as_str()
        .expect("url")
        .contains("/providers/Microsoft.Compute/galleries/gal_contoso_images/images/img-win2022-web/versions/1.2.0?api-version=2023-07-03"));
    assert_eq!(
        copy["after"],
        serde_json::json!(["gal_contoso_images/img-win2022-web/1.2.0/image-definition"])
    );
    let def = find("gal_contoso_images/img-win2022-web/1.2.0/image-definition");
    assert!(def["body"]["properties"]["identifier"]["publisher"].is_string());
    // contosobuildacr maps to fabrikambuildacr ([acr.targets]), which does
    // not exist yet: name check, creation, then the imports.
    let check = find("contosobuildacr/check-name");
    assert_eq!(check["body"]["name"], "fabrikambuildacr");
    let create = find("contosobuildacr/registry");
    assert_eq!(
        create["after"],
        serde_json::json!(["contosobuildacr/check-name"])
    );
    let imports: Vec<&&Value> = all
        .iter()
        .filter(|s| {
            s["action"] == "import-image"
                && s["id"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("contosobuildacr/")
        })
        .collect();
    assert!(!imports.is_empty());
    for i in imports {
        assert_eq!(i["after"], serde_json::json!(["contosobuildacr/registry"]));
        assert_eq!(i["body"]["mode"], "NoForce");
        assert_eq!(
            i["body"]["targetTags"][0],
            i["body"]["source"]["sourceImage"]
        );
    }
}

#[test]
fn excepted_items_are_never_planned() {
    let dir = demo().join("results-excepted");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut r = results(&demo().join("results"));
    for it in r["items"].as_array_mut().expect("items") {
        if it["name"] == "disk-reports01" {
            it["readiness"] = "ready".into();
            it["blockers"] = Value::Array(vec![]);
            it["excepted"] = serde_json::json!(["DISK-006"]);
        }
    }
    std::fs::write(dir.join("results.json"), r.to_string()).expect("write");
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("plan.json");
    ok(&xtenant(&["plan", "--results", s(&dir), "--out", s(&p)]));
    let plan = read_plan(&p);
    assert!(steps(&plan).iter().all(|s| !s["id"]
        .as_str()
        .unwrap_or("")
        .starts_with("disk-reports01/")));
}

#[test]
fn a_changed_snapshot_is_refused() {
    let d = tempfile::tempdir().expect("tempdir");
    let snap = d.path().join("snapshot");
    let tables = snap.join("tables");
    std::fs::create_dir_all(&tables).expect("mkdir");
    let src = demo().join("snapshot");
    for f in ["manifest.json", "config.toml"] {
        std::fs::copy(src.join(f), snap.join(f)).expect("copy");
    }
    for e in std::fs::read_dir(src.join("tables")).expect("tables") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), tables.join(e.file_name())).expect("copy table");
    }
    let mut disks = std::fs::read(tables.join("disks.parquet")).expect("disks");
    disks.push(0);
    std::fs::write(tables.join("disks.parquet"), disks).expect("write");
    let results_dir = demo().join("results");
    let o = xtenant(&[
        "plan",
        "--results",
        s(&results_dir),
        "--snapshot",
        s(&snap),
        "--out",
        s(&d.path().join("plan.json")),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tables changed after collection"), "{err}");
}
