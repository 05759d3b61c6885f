//! The Power Platform collections beyond the environment list: tenant
//! capacity, tenant-to-tenant migration requests, and per environment the
//! flows, apps, connections and custom connectors, plus the Dataverse
//! solutions, system users, agents and websites of environments with a
//! database. Shapes follow the admin APIs' responses as in `fixtures/demo`.
//!
//! Each environment gets one page per collection (at most a few hundred
//! objects), so the files grow with the environment count (capped at 300 in
//! the source), not with the scale.

use super::*;

/// The facts of an environment the per-environment collections need.
struct Env {
    name: String,
    /// `https://org….crm4.dynamics.com/` for environments with Dataverse.
    instance_url: Option<String>,
    db_mb: f64,
}

impl World {
    fn env_facts(&self, t: &Tenant, k: usize) -> Env {
        let v = self.environment(t, k);
        let props = &v["properties"];
        Env {
            name: v["name"].as_str().unwrap_or_default().to_string(),
            instance_url: props["linkedEnvironmentMetadata"]["instanceUrl"]
                .as_str()
                .map(str::to_string),
            db_mb: props["capacity"][0]["actualConsumption"]
                .as_f64()
                .unwrap_or(0.0),
        }
    }

    pub(super) fn pp_workloads(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let envs: Vec<Env> = (0..=t.envs).map(|k| self.env_facts(t, k)).collect();

        // Tenant capacity: the target has room for most environments' data,
        // not for the largest few (PP-020).
        let db_used: f64 = envs.iter().map(|e| e.db_mb).sum();
        let (db_total, file_total) = match side {
            Side::Source => (db_used * 1.3 + 10_240.0, 40_960.0 + 500.0 * t.envs as f64),
            Side::Target => (db_used + 3_600.0, 40_960.0),
        };
        let stamp = fmt_7(self.as_of - Duration::hours(9));
        let capacity = |kind: &str, total: f64, used: f64| {
            json!({
                "capacityType": kind,
                "capacityUnits": "MB",
                "totalCapacity": total.round(),
                "maxCapacity": 0,
                "consumption": { "actual": used, "rated": used, "actualUpdatedOn": stamp, "ratedUpdatedOn": stamp },
                "status": "Available",
                "overflowCapacity": [],
                "capacityEntitlements": [],
            })
        };
        let body = json!({
            "tenantId": t.id,
            "licenseModelType": "StorageDriven",
            "capacitySummary": { "status": "Available", "statusMessage": "You have available capacity across all storage types.", "statusMessageCode": "AllCapacityAvailable" },
            "tenantCapacities": [
                capacity("Database", db_total, (db_used * 100.0).round() / 100.0),
                capacity("File", file_total, 634.5),
                capacity("Log", 4_096.0, 0.0),
            ],
        });
        let mut cap = Coll::new(sink, side, "powerplatform/tenant-capacity");
        cap.write(&body)?;

        // Migration requests from the source to the target for ~8% of the
        // environments: approved, pending, or pending past the 7-day window.
        let mut requests = Coll::new(sink, side, "powerplatform/t2t-migrations");
        let items: Vec<Value> = match side {
            Side::Target => Vec::new(),
            Side::Source => envs
                .iter()
                .enumerate()
                .filter_map(|(k, e)| {
                    let mut r = self.rng(side, stream::PP_ITEMS, k + (1 << 20));
                    if k == 0 || !chance(&mut r, 0.08) {
                        return None;
                    }
                    let (status, days) = *weighted(
                        &mut r,
                        &[
                            (("Approved", 3i64), 5),
                            (("Pending", 1), 2),
                            (("Pending", 20), 2),
                            (("Rejected", 10), 1),
                        ],
                    );
                    let created = ago(&mut r, self.as_of, days, days + 1);
                    Some(json!({
                        "id": guid(&mut r),
                        "environmentId": e.name,
                        "targetTenantId": self.tgt.id,
                        "createdOnTime": fmt_7(created),
                        "createdBy": { "id": self.special(special::PP_ADMIN), "type": "User" },
                        "approvalStatus": status,
                        "approvalActionedBy": if status == "Pending" { Value::Null } else { json!({ "id": guid(&mut r), "type": "User" }) },
                    }))
                })
                .collect(),
        };
        requests.all(
            Style::Arm("https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/t2tmigrations?api-version=2021-04-01".into()),
            ARM_PAGE,
            items,
        )?;

        let mut n = PpCounts::default();
        for (k, e) in envs.iter().enumerate() {
            self.pp_environment_content(sink, side, k, e, &mut n)?;
        }
        Ok(vec![
            (kind!(side, "pp migration requests"), requests.items),
            (kind!(side, "pp flows"), n.flows),
            (kind!(side, "pp apps"), n.apps),
            (kind!(side, "pp connections"), n.connections),
            (kind!(side, "pp custom connectors"), n.connectors),
            (kind!(side, "pp solutions"), n.solutions),
            (kind!(side, "pp system users"), n.system_users),
            (kind!(side, "pp bots"), n.bots),
            (kind!(side, "pp websites"), n.websites),
        ])
    }

    fn pp_environment_content(
        &self,
        sink: &Sink,
        side: Side,
        k: usize,
        e: &Env,
        n: &mut PpCounts,
    ) -> Result<()> {
        let t = self.t(side);
        let env = &e.name;
        let mut r = self.rng(side, stream::PP_ITEMS, k);
        let env_ref = json!({ "id": format!("/providers/Microsoft.PowerApps/environments/{env}"), "name": env });
        let dataverse = e.instance_url.is_some();

        // Flows: in Dataverse environments most are solution-aware; about a
        // third of those environments still hold some that are not (PP-007).
        let flow_count = r.random_range(0..30usize);
        let outside_share = if !dataverse {
            1.0
        } else if chance(&mut r, 0.35) {
            0.3
        } else {
            0.0
        };
        let flows: Vec<Value> = (0..flow_count)
            .map(|f| {
                let id = guid(&mut r);
                let in_dv = !chance(&mut r, outside_share);
                let created = ago(&mut r, self.as_of, 30, 1_200);
                json!({
                    "name": id,
                    "id": format!("/providers/Microsoft.ProcessSimple/environments/{env}/flows/{id}"),
                    "type": "Microsoft.ProcessSimple/environments/flows",
                    "properties": {
                        "displayName": format!("{} flow {f}", pick(&mut r, &DEPARTMENTS)),
                        "state": if chance(&mut r, 0.85) { "Started" } else { "Stopped" },
                        "createdTime": fmt_z(created),
                        "lastModifiedTime": fmt_7(created + Duration::days(20)),
                        "workflowEntityId": if in_dv { json!(guid(&mut r)) } else { Value::Null },
                    },
                })
            })
            .collect();
        n.flows += flows.len();
        self.pp_page(sink, side, &format!("powerplatform/flows/{env}"), flows)?;

        // Apps: 40% of environments hold only model-driven apps (PP-008).
        let canvas = chance(&mut r, 0.6);
        let apps: Vec<Value> = (0..r.random_range(0..12usize))
            .map(|a| {
                let id = guid(&mut r);
                let app_type = if canvas && chance(&mut r, 0.6) {
                    "ClassicCanvasApp"
                } else {
                    "ModelDrivenApp"
                };
                let library = app_type == "ClassicCanvasApp" && chance(&mut r, 0.05);
                json!({
                    "name": id,
                    "id": format!("/providers/Microsoft.PowerApps/apps/{id}"),
                    "type": "Microsoft.PowerApps/apps",
                    "properties": {
                        "appVersion": fmt_z(ago(&mut r, self.as_of, 1, 300)),
                        "lifeCycleId": "Published",
                        "status": "Ready",
                        "displayName": format!("{} app {a}", pick(&mut r, &DEPARTMENTS)),
                        "description": "",
                        "createdTime": fmt_7(ago(&mut r, self.as_of, 100, 1_200)),
                        "lastModifiedTime": fmt_7(ago(&mut r, self.as_of, 1, 100)),
                        "environment": env_ref,
                        "almMode": if dataverse && chance(&mut r, 0.7) { "Solution" } else { "Environment" },
                    },
                    "isAppComponentLibrary": library,
                    "appType": app_type,
                })
            })
            .collect();
        n.apps += apps.len();
        self.pp_page(sink, side, &format!("powerplatform/apps/{env}"), apps)?;

        // Custom connectors (a few environments) and connections (most), some
        // through an on-premises data gateway (PP-011).
        let connectors: Vec<(String, String)> =
            (0..*weighted(&mut r, &[(0usize, 85), (1, 10), (2, 5)]))
                .map(|c| {
                    let api = format!(
                        "shared_{}-20{}-{}",
                        t.key,
                        WORKLOADS[c % WORKLOADS.len()],
                        hex_string(&mut r, 18)
                    );
                    (
                        api,
                        format!(
                            "{} {} API",
                            t.org,
                            WORKLOADS[c % WORKLOADS.len()].to_uppercase()
                        ),
                    )
                })
                .collect();
        let custom: Vec<Value> = connectors
            .iter()
            .map(|(api, display)| {
                json!({
                    "name": api,
                    "id": format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis/{api}"),
                    "type": "Microsoft.PowerApps/apis",
                    "properties": {
                        "displayName": display,
                        "description": "",
                        "createdTime": fmt_7(ago(&mut r, self.as_of, 100, 1_200)),
                        "environment": env_ref,
                    },
                })
            })
            .collect();
        n.connectors += custom.len();
        self.pp_page(
            sink,
            side,
            &format!("powerplatform/custom-connectors/{env}"),
            custom,
        )?;
        let connection_count = if chance(&mut r, 0.25) {
            0
        } else {
            r.random_range(1..25usize)
        };
        let connections: Vec<Value> = (0..connection_count)
            .map(|_| {
                let (api, gateway) = match connectors.first() {
                    Some((custom, _)) if chance(&mut r, 0.2) => (custom.clone(), false),
                    _ => {
                        let api = *pick(
                            &mut r,
                            &["shared_office365", "shared_sharepointonline", "shared_teams", "shared_sql", "shared_commondataserviceforapps"],
                        );
                        (api.to_string(), api == "shared_sql" && chance(&mut r, 0.5))
                    }
                };
                let id = format!("{}-{}", api.replace('_', "-"), guid(&mut r));
                let mut props = json!({
                    "apiId": format!("/providers/Microsoft.PowerApps/apis/{api}"),
                    "displayName": api.trim_start_matches("shared_"),
                    "statuses": [{ "status": if chance(&mut r, 0.95) { "Connected" } else { "Error" } }],
                    "createdBy": { "id": self.user_id(side, r.random_range(0..self.persons)), "type": "User", "tenantId": t.id },
                    "createdTime": fmt_7(ago(&mut r, self.as_of, 10, 1_200)),
                    "environment": env_ref,
                });
                if gateway {
                    props["connectionParameters"] = json!({
                        "server": format!("sql{:02}.corp.{}.com", r.random_range(1..20), t.key),
                        "database": "Operations",
                        "authType": "windows",
                        "gateway": { "id": format!("/providers/Microsoft.PowerApps/apis/shared_sql/gateways/{}", guid(&mut r)) },
                    });
                }
                json!({
                    "name": id,
                    "id": format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis/{api}/connections/{id}"),
                    "type": "Microsoft.PowerApps/scopes/admin/apis/connections",
                    "properties": props,
                })
            })
            .collect();
        n.connections += connections.len();
        self.pp_page(
            sink,
            side,
            &format!("powerplatform/connections/{env}"),
            connections,
        )?;

        if let Some(url) = &e.instance_url {
            self.pp_dataverse(sink, side, k, env, url.trim_end_matches('/'), n)?;
        }
        Ok(())
    }

    fn pp_dataverse(
        &self,
        sink: &Sink,
        side: Side,
        k: usize,
        env: &str,
        url: &str,
        n: &mut PpCounts,
    ) -> Result<()> {
        let t = self.t(side);
        let mut r = self.rng(side, stream::PP_DATAVERSE, k);
        let etag = |r: &mut R| format!("W/\"{}\"", r.random_range(1_000_000..9_999_999));
        let page = |entity: &str, select: &str, rows: Vec<Value>| {
            json!({
                "@odata.context": format!("{url}/api/data/v9.2/$metadata#{entity}({select})"),
                "value": rows,
            })
        };

        // Solutions: the system ones, a few custom ones, and in ~5% of the
        // environments an Omnichannel or Marketing solution (PP-006).
        let mut solutions = vec![
            ("Default", "Default Solution", false, "1.0".to_string()),
            (
                "System",
                "System Solution",
                true,
                "9.2.25013.154".to_string(),
            ),
            ("Basic", "Basic Solution", true, "9.2.25013.154".to_string()),
        ];
        for s in 0..r.random_range(0..5usize) {
            solutions.push((
                [
                    "ContosoCore",
                    "SalesExtensions",
                    "HrOnboarding",
                    "FieldService",
                    "Reporting",
                ][s],
                "Custom solution",
                chance(&mut r, 0.3),
                format!("1.{}.{}", r.random_range(0..9), r.random_range(0..40)),
            ));
        }
        if chance(&mut r, 0.05) {
            solutions.push((
                "msdyn_OmnichannelBase",
                "Omnichannel Base",
                true,
                "9.3.2501.4".to_string(),
            ));
        }
        let rows: Vec<Value> = solutions
            .into_iter()
            .map(|(unique, friendly, managed, version)| {
                json!({
                    "@odata.etag": etag(&mut r),
                    "solutionid": guid(&mut r),
                    "uniquename": unique,
                    "friendlyname": friendly,
                    "ismanaged": managed,
                    "version": version,
                })
            })
            .collect();
        n.solutions += rows.len();
        self.pp_body(
            sink,
            side,
            &format!("powerplatform/dataverse/{env}/solutions"),
            &page(
                "solutions",
                "uniquename,friendlyname,ismanaged,version,solutionid",
                rows,
            ),
        )?;

        // System users: SYSTEM, INTEGRATION and a sample of the people; a few
        // are people the user mapping does not list (PP-015).
        let mut rows = vec![
            json!({ "@odata.etag": etag(&mut r), "systemuserid": guid(&mut r), "fullname": "SYSTEM", "domainname": "", "internalemailaddress": Value::Null, "isdisabled": false, "accessmode": 0, "azureactivedirectoryobjectid": Value::Null }),
            json!({ "@odata.etag": etag(&mut r), "systemuserid": guid(&mut r), "fullname": "INTEGRATION", "domainname": "", "internalemailaddress": Value::Null, "isdisabled": false, "accessmode": 0, "azureactivedirectoryobjectid": Value::Null }),
        ];
        let unmapped_env = side == Side::Source && chance(&mut r, 0.1);
        for _ in 0..r.random_range(3..60usize) {
            let i = r.random_range(0..self.persons);
            let p = self.person(i);
            let (upn, name, oid) = match side {
                // Only user mailboxes are in the mapping; a shared mailbox's
                // account with a Dataverse user is one it misses.
                Side::Source if unmapped_env || p.kind == MailboxKind::User => {
                    (p.src_upn(self), p.display.clone(), p.src_user.clone())
                }
                Side::Source => continue,
                Side::Target => (p.tgt_upn(self), p.display.clone(), p.tgt_user.clone()),
            };
            let upn = if unmapped_env && chance(&mut r, 0.2) {
                let (id, alias, display, _) = self.extra(side, i % t.extras.max(1));
                rows.push(json!({
                    "@odata.etag": etag(&mut r), "systemuserid": guid(&mut r), "fullname": display,
                    "domainname": format!("{alias}@{}", t.domain), "internalemailaddress": format!("{alias}@{}", t.domain),
                    "isdisabled": false, "accessmode": 0, "azureactivedirectoryobjectid": id,
                }));
                continue;
            } else {
                upn
            };
            rows.push(json!({
                "@odata.etag": etag(&mut r),
                "systemuserid": guid(&mut r),
                "fullname": name,
                "domainname": upn,
                "internalemailaddress": upn,
                "isdisabled": chance(&mut r, 0.05),
                "accessmode": if chance(&mut r, 0.9) { 0 } else { 4 },
                "azureactivedirectoryobjectid": oid,
            }));
        }
        n.system_users += rows.len();
        self.pp_body(
            sink,
            side,
            &format!("powerplatform/dataverse/{env}/systemusers"),
            &page(
                "systemusers",
                "systemuserid,fullname,domainname,internalemailaddress,isdisabled,accessmode,azureactivedirectoryobjectid",
                rows,
            ),
        )?;

        // Copilot Studio agents in ~15% of the environments (PP-010).
        let bots: Vec<Value> = if chance(&mut r, 0.15) {
            (0..r.random_range(1..4usize))
                .map(|b| {
                    let dept = *pick(&mut r, &DEPARTMENTS);
                    json!({
                        "@odata.etag": etag(&mut r),
                        "botid": guid(&mut r),
                        "name": format!("{dept} Assistant {b}"),
                        "schemaname": format!("cr{}_{}Assistant{b}", hex_string(&mut r, 3), dept.to_lowercase()),
                        "statecode": 0,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        n.bots += bots.len();
        self.pp_body(
            sink,
            side,
            &format!("powerplatform/dataverse/{env}/bots"),
            &page("bots", "botid,name,schemaname,statecode", bots),
        )?;

        // Power Pages sites in ~8% of the environments (PP-009).
        let sites: Vec<Value> = if chance(&mut r, 0.08) {
            vec![json!({
                "@odata.etag": etag(&mut r),
                "powerpagesiteid": guid(&mut r),
                "name": format!("{} portal {k}", pick(&mut r, &DEPARTMENTS)),
                "statecode": 0,
            })]
        } else {
            Vec::new()
        };
        n.websites += sites.len();
        self.pp_body(
            sink,
            side,
            &format!("powerplatform/dataverse/{env}/websites"),
            &page("powerpagesites", "powerpagesiteid,name,statecode", sites),
        )?;
        Ok(())
    }

    /// One admin-API page (`{"value": [...]}`) for a per-environment collection.
    fn pp_page(&self, sink: &Sink, side: Side, collection: &str, items: Vec<Value>) -> Result<()> {
        self.pp_body(sink, side, collection, &json!({ "value": items }))
    }

    fn pp_body(&self, sink: &Sink, side: Side, collection: &str, body: &Value) -> Result<()> {
        Coll::new(sink, side, collection).write(body)
    }
}

#[derive(Default)]
struct PpCounts {
    flows: usize,
    apps: usize,
    connections: usize,
    connectors: usize,
    solutions: usize,
    system_users: usize,
    bots: usize,
    websites: usize,
}
