//! The tenant simulator over real HTTP, driven from the raw export's own
//! collection list: every demo collection is requested at its documented path
//! (docs/raw-export.md), as a client would, and the concatenated pages must
//! equal the export's items for that tenant. Also: quotas, faults, the log.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use xtenant::raw::{RawExport, Side};
use xtenant::sim::serve::faults::FaultSpec;
use xtenant::sim::serve::{DataSource, QuotaOptions, SimHandle, SimOptions, Simulator};

const ARM: &str = "https://management.azure.com";
const GRAPH: &str = "https://graph.microsoft.com";
const SRC: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const SRC_SUB: &str = "5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01";

/// The client's side of docs/raw-export.md: subscription-level ARM lists.
const ARM_SUB_LISTS: &[(&str, &str)] = &[
    ("arm/resource-groups", "/subscriptions/{s}/resourcegroups?api-version=2021-04-01"),
    ("arm/disks", "/subscriptions/{s}/providers/Microsoft.Compute/disks?api-version=2024-03-02"),
    ("arm/snapshots", "/subscriptions/{s}/providers/Microsoft.Compute/snapshots?api-version=2024-03-02"),
    ("arm/virtual-machines", "/subscriptions/{s}/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01"),
    ("arm/disk-encryption-sets", "/subscriptions/{s}/providers/Microsoft.Compute/diskEncryptionSets?api-version=2024-03-02"),
    ("arm/registries", "/subscriptions/{s}/providers/Microsoft.ContainerRegistry/registries?api-version=2023-07-01"),
    ("arm/galleries", "/subscriptions/{s}/providers/Microsoft.Compute/galleries?api-version=2023-07-03&$expand=SharingProfile/Groups"),
    ("arm/role-definitions", "/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01"),
    ("arm/role-assignments", "/subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"),
    ("arm/deny-assignments", "/subscriptions/{s}/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01"),
    ("arm/locks", "/subscriptions/{s}/providers/Microsoft.Authorization/locks?api-version=2016-09-01"),
    ("arm/vm-instance-views", "/subscriptions/{s}/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01&statusOnly=true"),
    ("arm/providers", "/subscriptions/{s}/providers?api-version=2021-04-01"),
    ("arm/policy-assignments", "/subscriptions/{s}/providers/Microsoft.Authorization/policyAssignments?api-version=2023-04-01"),
    ("arm/resources", "/subscriptions/{s}/resources?api-version=2021-04-01"),
    ("arm/key-vaults", "/subscriptions/{s}/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01"),
    ("arm/sql-servers", "/subscriptions/{s}/providers/Microsoft.Sql/servers?api-version=2023-08-01"),
    ("arm/storage-accounts", "/subscriptions/{s}/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01"),
];

/// Per-parent ARM lists: the child segment after the parent's id.
const ARM_CHILD_LISTS: &[(&str, &str, &str)] = &[
    (
        "arm/registry-replications",
        "replications",
        "api-version=2023-07-01",
    ),
    (
        "arm/registry-webhooks",
        "webhooks",
        "api-version=2023-07-01",
    ),
    (
        "arm/registry-scope-maps",
        "scopeMaps",
        "api-version=2023-07-01",
    ),
    ("arm/registry-tokens", "tokens", "api-version=2023-07-01"),
    ("arm/vm-extensions", "extensions", "api-version=2024-07-01"),
    ("arm/gallery-images", "images", "api-version=2023-07-03"),
    (
        "arm/gallery-image-versions",
        "versions",
        "api-version=2023-07-03&$expand=ReplicationStatus",
    ),
];

const GRAPH_LISTS: &[(&str, &str)] = &[
    ("graph/organization", "/v1.0/organization"),
    ("graph/users", "/v1.0/users?$select=id,userPrincipalName,displayName,mail,userType,externalUserState,accountEnabled,assignedLicenses,createdDateTime,identities,otherMails,onPremisesSyncEnabled&$top=999"),
    ("graph/groups", "/v1.0/groups?$select=id,displayName,mail,securityEnabled,mailEnabled"),
    ("graph/applications", "/v1.0/applications?$select=id,appId,displayName,signInAudience,web,requiredResourceAccess,passwordCredentials,keyCredentials"),
    ("graph/service-principals", "/v1.0/servicePrincipals?$select=id,appId,displayName,appOwnerOrganizationId,accountEnabled,servicePrincipalType,appRoles"),
    ("graph/cross-tenant-access-partners", "/v1.0/policies/crossTenantAccessPolicy/partners"),
    ("graph/directory-role-assignments", "/v1.0/roleManagement/directory/roleAssignments?$select=id,principalId,roleDefinitionId,directoryScopeId"),
    ("graph/subscribed-skus", "/v1.0/subscribedSkus?$select=skuId,skuPartNumber,capabilityStatus,prepaidUnits,consumedUnits,servicePlans"),
    ("graph/cross-tenant-migration-jobs", "/v1.0/solutions/migrations/crossTenantMigrationJobs"),
];

const RG_QUERIES: &[(&str, &str)] = &[
    ("resource-graph/resources", "resources | project id, name, type, kind, location, subscriptionId, resourceGroup, tenantId, sku, zones, managedBy, identity, tags, properties"),
    ("resource-graph/resourcecontainers", "resourcecontainers | where type in~ ('microsoft.resources/subscriptions', 'microsoft.resources/subscriptions/resourcegroups')"),
];

fn demo_export() -> (tempfile::TempDir, RawExport) {
    let dir = tempfile::tempdir().expect("tempdir");
    xtenant::demo::extract(dir.path()).expect("demo");
    let raw = RawExport::open(dir.path()).expect("open");
    (dir, raw)
}

/// Items of one collection as the export holds them (any envelope).
fn raw_items(raw: &RawExport, side: Side, coll: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for p in raw.pages(side, coll).expect("pages") {
        match p.body {
            Value::Array(a) => out.extend(a),
            Value::Object(mut o) => match o.remove("value").or_else(|| o.remove("data")) {
                Some(Value::Array(a)) => out.extend(a),
                Some(_) => {}
                None => out.push(Value::Object(o)),
            },
            _ => panic!("unexpected page in {coll}"),
        }
    }
    out
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn get(&self, url: &str, token: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.base)
        };
        let r = self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        let st = r.status().as_u16();
        let h = r.headers().clone();
        (st, h, r.json().await.unwrap_or(Value::Null))
    }

    /// Follows `nextLink` / `@odata.nextLink` to the end.
    async fn all(&self, first: &str, token: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut url = first.to_string();
        for _ in 0..10_000 {
            let (st, _, b) = self.get(&url, token).await;
            assert_eq!(st, 200, "{url}: {b}");
            out.extend(b["value"].as_array().cloned().unwrap_or_default());
            match b
                .get("nextLink")
                .or_else(|| b.get("@odata.nextLink"))
                .and_then(Value::as_str)
            {
                Some(n) => url = n.to_string(),
                None => return out,
            }
        }
        panic!("paging did not end for {first}");
    }

    async fn rg(&self, query: &str, subs: &[String], token: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut skip: Option<String> = None;
        loop {
            let mut options = serde_json::json!({"$top": 1000, "resultFormat": "objectArray"});
            if let Some(s) = &skip {
                options["$skipToken"] = Value::String(s.clone());
            }
            let body =
                serde_json::json!({"subscriptions": subs, "query": query, "options": options});
            let r = self
                .http
                .post(format!(
                    "{}/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
                    self.base
                ))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send");
            assert_eq!(r.status().as_u16(), 200);
            let b: Value = r.json().await.expect("json");
            assert_eq!(b["resultTruncated"], "false");
            out.extend(b["data"].as_array().cloned().unwrap_or_default());
            match b.get("$skipToken").and_then(Value::as_str) {
                Some(t) => skip = Some(t.to_string()),
                None => return out,
            }
        }
    }
}

fn set(items: &[Value]) -> BTreeSet<String> {
    items.iter().map(|v| v.to_string()).collect()
}

/// The ARM path that lists an item of a per-parent collection: its page's
/// request URL when saved, else its id without the last segment.
fn list_paths(raw: &RawExport, side: Side, coll: &str, child: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in raw.pages(side, coll).expect("pages") {
        if let Some(url) = p.meta.as_ref().and_then(|m| m.url.clone()) {
            let path = url.split('?').next().unwrap_or("");
            let at = path
                .to_lowercase()
                .find("/subscriptions/")
                .expect("arm url");
            out.insert(path[at..].to_string());
            continue;
        }
        for v in p.body["value"].as_array().cloned().unwrap_or_default() {
            let id = v["id"].as_str().expect("id");
            let (parent, _) = id.rsplit_once('/').expect("id path");
            let (parent, seg) = parent.rsplit_once('/').expect("id path");
            assert!(seg.eq_ignore_ascii_case(child), "{id}");
            out.insert(format!("{parent}/{child}"));
        }
    }
    out
}

async fn check_tenant(
    sim: &SimHandle,
    raw: &RawExport,
    side: Side,
    tid: &str,
    checked: &mut BTreeMap<String, usize>,
) {
    let c = Client {
        http: reqwest::Client::new(),
        base: sim.base_url(),
    };
    let arm = sim.token(tid, ARM, "test-app");
    let graph = sim.token(tid, GRAPH, "test-app");
    let subs: Vec<String> = raw_items(raw, side, "arm/subscriptions")
        .iter()
        .map(|s| {
            s["subscriptionId"]
                .as_str()
                .expect("subscriptionId")
                .to_string()
        })
        .collect();
    let mut served: BTreeMap<String, Vec<Value>> = BTreeMap::new();

    served.insert(
        "arm/subscriptions".into(),
        c.all("/arm/subscriptions?api-version=2022-12-01", &arm)
            .await,
    );
    for (coll, tmpl) in ARM_SUB_LISTS {
        let mut all = Vec::new();
        for s in &subs {
            all.extend(
                c.all(&format!("/arm{}", tmpl.replace("{s}", s)), &arm)
                    .await,
            );
        }
        served.insert(coll.to_string(), all);
    }
    for (coll, child, q) in ARM_CHILD_LISTS {
        let mut all = Vec::new();
        for path in list_paths(raw, side, coll, child) {
            all.extend(c.all(&format!("/arm{path}?{q}"), &arm).await);
        }
        served.insert(coll.to_string(), all);
    }
    // SKUs carry no id: their pages' request URLs say where they were listed.
    let mut skus = Vec::new();
    for p in raw.pages(side, "arm/resource-skus").expect("pages") {
        if let Some(url) = p.meta.as_ref().and_then(|m| m.url.clone()) {
            let at = url.find("/subscriptions/").expect("arm url");
            skus.extend(c.all(&format!("/arm{}", &url[at..]), &arm).await);
        }
    }
    served.insert("arm/resource-skus".into(), skus);
    let mut agreements = Vec::new();
    for a in raw_items(raw, side, "arm/marketplace-agreements") {
        let id = a["id"].as_str().expect("agreement id");
        let (st, _, b) = c
            .get(&format!("/arm{id}?api-version=2021-01-01"), &arm)
            .await;
        assert_eq!(st, 200, "{id}: {b}");
        agreements.push(b);
    }
    served.insert("arm/marketplace-agreements".into(), agreements);

    for (coll, path) in GRAPH_LISTS {
        served.insert(
            coll.to_string(),
            c.all(&format!("/graph{path}"), &graph).await,
        );
    }
    let (st, _, b) = c
        .get(
            "/graph/v1.0/policies/crossTenantAccessPolicy/default",
            &graph,
        )
        .await;
    assert_eq!(st, 200);
    served.insert("graph/cross-tenant-access-default".into(), vec![b]);
    let mut assigned = Vec::new();
    let resources: BTreeSet<String> = raw_items(raw, side, "graph/app-role-assignments")
        .iter()
        .map(|a| a["resourceId"].as_str().expect("resourceId").to_string())
        .collect();
    for r in resources {
        assigned.extend(
            c.all(
                &format!("/graph/v1.0/servicePrincipals/{r}/appRoleAssignedTo"),
                &graph,
            )
            .await,
        );
    }
    served.insert("graph/app-role-assignments".into(), assigned);
    let (st, _, b) = c
        .get(
            &format!("/login/{tid}/v2.0/.well-known/openid-configuration"),
            "",
        )
        .await;
    assert_eq!(st, 200);
    served.insert("graph/openid-configuration".into(), vec![b]);
    for group in raw.children(side, "graph/group-members").expect("children") {
        let coll = format!("graph/group-members/{group}");
        let members = c
            .all(
                &format!("/graph/v1.0/groups/{group}/members?$select=id"),
                &graph,
            )
            .await;
        assert_eq!(members, raw_items(raw, side, &coll), "{coll}");
        *checked.entry("graph/group-members".into()).or_default() += members.len();
    }
    for (coll, q) in RG_QUERIES {
        served.insert(coll.to_string(), c.rg(q, &subs, &arm).await);
    }

    // Every collection of the export was requested, and its items came back.
    for family in ["arm", "graph", "resource-graph"] {
        let dir = raw.side_dir(side).join(family);
        for e in std::fs::read_dir(&dir).expect("family dir") {
            let name = e.expect("entry").file_name().to_string_lossy().to_string();
            let coll = format!("{family}/{name}");
            if coll == "graph/group-members" {
                continue;
            }
            let got = served
                .get(&coll)
                .unwrap_or_else(|| panic!("{coll} was not requested by this test"));
            let want = raw_items(raw, side, &coll);
            let ids: Vec<&str> = want.iter().filter_map(|v| v["id"].as_str()).collect();
            let distinct: BTreeSet<String> = ids.iter().map(|i| i.to_lowercase()).collect();
            if distinct.len() == ids.len() {
                // No item twice in the export: the same multiset, in any order.
                let mut a: Vec<String> = got.iter().map(Value::to_string).collect();
                let mut b: Vec<String> = want.iter().map(Value::to_string).collect();
                a.sort();
                b.sort();
                assert_eq!(a, b, "{} {coll}", side.as_str());
            } else {
                // Inherited policy assignments: once per subscription page.
                assert_eq!(set(got), set(&want), "{} {coll}", side.as_str());
            }
            *checked.entry(coll).or_default() += want.len();
        }
    }
}

fn start(dir: &std::path::Path, opts: SimOptions) -> SimHandle {
    Simulator::start(SimOptions {
        data: DataSource::Raw(dir.to_path_buf()),
        ..opts
    })
    .expect("simulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_collection_is_served_at_its_path_and_pages_concatenate_to_the_export() {
    let (dir, raw) = demo_export();
    // Small pages so every collection above three items spans pages; Resource
    // Graph answers from its own collections only, so the comparison is exact.
    let sim = start(
        dir.path(),
        SimOptions {
            page_size: Some(3),
            rg_from_arm: false,
            quotas: QuotaOptions {
                enabled: false,
                ..QuotaOptions::default()
            },
            ..SimOptions::default()
        },
    );
    let mut checked = BTreeMap::new();
    for (side, tid) in sim.tenants() {
        check_tenant(&sim, &raw, side, &tid, &mut checked).await;
    }
    assert!(checked.len() >= 40, "{checked:?}");
    assert!(
        checked["graph/users"] == 95 && checked["arm/disks"] == 20,
        "{checked:?}"
    );
    // Nothing but reads was sent, and every request was answered.
    let log = sim.log();
    assert!(log.len() > 150, "{}", log.len());
    assert!(log.iter().all(|e| e.status == Some(200)));
    assert!(log
        .iter()
        .all(|e| e.method == "GET" || e.service == "resource-graph"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_graph_also_answers_with_rows_made_from_arm_objects() {
    let (dir, _raw) = demo_export();
    let sim = start(dir.path(), SimOptions::default());
    let c = Client {
        http: reqwest::Client::new(),
        base: sim.base_url(),
    };
    let token = sim.token(SRC, ARM, "app");
    let rows = c
        .rg("resources | where type in~ ('Microsoft.Compute/disks') | project id, type, subscriptionId, resourceGroup, tenantId", &[SRC_SUB.to_string()], &token)
        .await;
    assert_eq!(rows.len(), 17);
    for r in &rows {
        assert_eq!(r["type"], "microsoft.compute/disks");
        assert_eq!(r["subscriptionId"], SRC_SUB);
        assert_eq!(r["tenantId"], SRC);
        assert!(r["resourceGroup"]
            .as_str()
            .is_some_and(|g| !g.is_empty() && g == g.to_lowercase()));
    }
    let containers = c.rg(RG_QUERIES[1].1, &[], &token).await;
    let subs = containers
        .iter()
        .filter(|r| r["type"] == "microsoft.resources/subscriptions")
        .count();
    assert_eq!(
        subs, 3,
        "every subscription of the tenant when none is named"
    );
    // A query form the simulator does not know gets Resource Graph's 400.
    let r = c
        .http
        .post(format!(
            "{}/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
            sim.base_url()
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"query": "resources | summarize count() by type"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let b: Value = r.json().await.expect("json");
    assert_eq!(b["error"]["code"], "BadRequest");
    assert_eq!(b["error"]["details"][0]["code"], "InvalidQuery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_answer_429_with_retry_after_and_remaining_headers() {
    let sim = Simulator::start(SimOptions {
        quotas: QuotaOptions {
            arm_reads: 3,
            arm_refill_per_sec: 0.5,
            rg_queries: 2,
            rg_window: Duration::from_secs(5),
            graph_units: Some(2),
            ..QuotaOptions::default()
        },
        ..SimOptions::default()
    })
    .expect("simulator");
    let c = Client {
        http: reqwest::Client::new(),
        base: sim.base_url(),
    };
    let arm = sim.token(SRC, ARM, "app");
    let url = format!("/arm/subscriptions/{SRC_SUB}/resourcegroups?api-version=2021-04-01");
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (st, h, _) = c.get(&url, &arm).await;
        assert_eq!(st, 200);
        remaining.push(
            h["x-ms-ratelimit-remaining-subscription-reads"]
                .to_str()
                .expect("ascii")
                .to_string(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let (st, h, b) = c.get(&url, &arm).await;
    assert_eq!(st, 429);
    assert_eq!(b["error"]["code"], "SubscriptionRequestsThrottled");
    let wait: u64 = h["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("integer seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    // Another principal has its own bucket.
    let (st, _, _) = c.get(&url, &sim.token(SRC, ARM, "other-app")).await;
    assert_eq!(st, 200);

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = c
            .http
            .post(format!(
                "{}/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
                sim.base_url()
            ))
            .bearer_auth(&arm)
            .json(&serde_json::json!({"query": "resourcecontainers"}))
            .send()
            .await
            .expect("send");
        let h = r.headers().clone();
        statuses.push((
            r.status().as_u16(),
            h["x-ms-user-quota-remaining"]
                .to_str()
                .expect("ascii")
                .to_string(),
        ));
        let resets = h["x-ms-user-quota-resets-after"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(
            resets.len() == 8 && resets.starts_with("00:00:0"),
            "{resets}"
        );
        if r.status().as_u16() == 429 {
            assert!(h.contains_key("retry-after"));
            let b: Value = r.json().await.expect("json");
            assert_eq!(b["error"]["code"], "RateLimiting");
        }
    }
    assert_eq!(
        statuses,
        [(200, "1".into()), (200, "0".into()), (429, "0".into())]
    );

    let graph = sim.token(SRC, GRAPH, "app");
    let (st, h, _) = c.get("/graph/v1.0/organization", &graph).await;
    assert_eq!(
        (st, h["x-ms-resource-unit"].to_str().ok()),
        (200, Some("1"))
    );
    c.get("/graph/v1.0/organization", &graph).await;
    let (st, h, b) = c.get("/graph/v1.0/organization", &graph).await;
    assert_eq!(st, 429);
    assert_eq!(b["error"]["code"], "TooManyRequests");
    assert_eq!(b["error"]["innerError"]["status"], "429");
    assert!(h.contains_key("retry-after"));
}

/// The faults a fixed request sequence meets.
async fn fault_run(seed: u64) -> Vec<(String, Option<u16>, Option<String>)> {
    let sim = Simulator::start(SimOptions {
        faults: FaultSpec::parse("429=10%,503=5%,reset=5%,truncate=5%").expect("spec"),
        seed,
        page_size: Some(2),
        ..SimOptions::default()
    })
    .expect("simulator");
    let token = sim.token(SRC, ARM, "app");
    let http = reqwest::Client::new();
    for s in ["resourcegroups", "providers", "resources"] {
        for i in 0..20 {
            let url = format!(
                "{}/arm/subscriptions/{SRC_SUB}/{s}?api-version=2021-04-01&n={i}",
                sim.base_url()
            );
            if let Ok(r) = http.get(&url).bearer_auth(&token).send().await {
                let _ = r.bytes().await;
            }
        }
    }
    assert!(
        sim.log().iter().all(|e| e.tenant.as_deref() == Some(SRC)),
        "faulted requests name their tenant too"
    );
    let mut log: Vec<_> = sim
        .log()
        .into_iter()
        .map(|e| (e.path, e.status, e.fault))
        .collect();
    log.sort();
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_at_a_fixed_seed_are_deterministic() {
    let a = fault_run(11).await;
    let b = fault_run(11).await;
    let c = fault_run(12).await;
    assert_eq!(a.len(), 60);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let faulted = a.iter().filter(|e| e.2.is_some()).count();
    assert!((5..=25).contains(&faulted), "{faulted} of 60 at 25%");
    for (path, status, fault) in &a {
        match fault.as_deref() {
            Some("429") => assert_eq!(*status, Some(429), "{path}"),
            Some("503") => assert_eq!(*status, Some(503), "{path}"),
            Some("reset") => assert_eq!(*status, None, "{path}"),
            Some("truncate") | None => assert_eq!(*status, Some(200), "{path}"),
            Some(other) => panic!("unexpected fault {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_records_every_request_and_never_a_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log_file = dir.path().join("sim.jsonl");
    let sim = Simulator::start(SimOptions {
        log_file: Some(log_file.clone()),
        ..SimOptions::default()
    })
    .expect("simulator");
    let http = reqwest::Client::new();
    // `xtenant sim token`'s code path, from inside a runtime.
    let arm = xtenant::sim::serve::login::fetch_token(
        &sim.base_url(),
        SRC,
        "https://management.azure.com/.default",
        "app",
    )
    .expect("token");
    let form = "grant_type=client_credentials&client_id=app&client_secret=VERY-SECRET&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";
    let r = http
        .post(format!("{}/login/{SRC}/oauth2/v2.0/token", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("token");
    let t: Value = r.json().await.expect("json");
    let graph = t["access_token"].as_str().expect("token").to_string();
    let c = Client {
        http,
        base: sim.base_url(),
    };
    c.get("/graph/v1.0/users", &graph).await;
    c.get("/arm/subscriptions?api-version=2022-12-01", &arm)
        .await;
    c.get(
        "/arm/subscriptions?api-version=2022-12-01",
        "forged.token.value",
    )
    .await;
    let entries = sim.log();
    assert_eq!(entries.len(), 5);
    assert_eq!(
        (entries[0].service.as_str(), entries[1].service.as_str()),
        ("login", "login")
    );
    assert_eq!(entries[2].tenant.as_deref(), Some(SRC));
    assert_eq!(entries[4].status, Some(401));
    assert_eq!(entries[4].tenant, None);
    drop(sim);
    let text = std::fs::read_to_string(&log_file).expect("log file");
    assert_eq!(text.lines().count(), 5);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON line");
        assert!(v["path"].is_string() && v["time"].is_string());
    }
    for secret in [
        graph.as_str(),
        arm.as_str(),
        "VERY-SECRET",
        "forged.token.value",
        "Bearer",
    ] {
        assert!(!text.contains(secret), "the log holds {secret}");
    }
}

#[test]
fn the_cli_refuses_a_bad_fault_spec_and_sim_token_prints_only_a_token() {
    let exe = env!("CARGO_BIN_EXE_xtenant");
    let out = std::process::Command::new(exe)
        .args(["sim", "serve", "--demo", "--faults", "429=5%,teapot=1%"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--faults: part 2 ('teapot=1%'): unknown kind 'teapot'"),
        "{err}"
    );
    assert!(
        err.contains("kinds: 429, 500, 503, reset, truncate"),
        "{err}"
    );

    let sim = Simulator::start(SimOptions::default()).expect("simulator");
    let out = std::process::Command::new(exe)
        .args([
            "sim",
            "token",
            "--url",
            &sim.base_url(),
            "--tenant",
            SRC,
            "--scope",
            "https://graph.microsoft.com/.default",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).expect("utf-8");
    let token = token.trim_end();
    assert_eq!(token.split('.').count(), 3, "{token}");
    assert!(!token.contains(char::is_whitespace));
    let out = std::process::Command::new(exe)
        .args([
            "sim",
            "token",
            "--url",
            &sim.base_url(),
            "--tenant",
            "nowhere.example",
            "--scope",
            "https://graph.microsoft.com/.default",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AADSTS90002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_graph_refuses_a_page_over_its_payload_cap_and_a_smaller_top_passes() {
    let sim = Simulator::start(SimOptions {
        rg_max_payload: 4_000,
        ..SimOptions::default()
    })
    .expect("simulator");
    let token = sim.token(SRC, ARM, "app");
    let http = reqwest::Client::new();
    let url = format!(
        "{}/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        sim.base_url()
    );
    let query = "resources | where type in~ ('microsoft.compute/disks') | project id, name, type, properties";
    let send = |top: u64| {
        http.post(&url)
            .bearer_auth(&token)
            .json(&serde_json::json!({"query": query, "options": {"$top": top}}))
            .send()
    };
    let r = send(1000).await.expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let b: Value = r.json().await.expect("json");
    assert_eq!(b["error"]["details"][0]["code"], "ResponsePayloadTooLarge");
    assert!(b["error"]["details"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("limit of 4000")));
    let r = send(1).await.expect("send");
    assert_eq!(r.status().as_u16(), 200);
}
