//! The write endpoints over real HTTP on the demo pair: the cross-tenant
//! snapshot copy and its refusals, LRO progress, idempotency, role writes
//! changing the RBAC answer, and the request log.

use crate::sim::serve::{SimHandle, SimOptions, Simulator};
use serde_json::{json, Value};
use std::time::Duration;

const SRC: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const TGT: &str = "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809";
const SRC_SUB: &str = "5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01";
const TGT_SUB: &str = "e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03";
const ARM: &str = "https://management.azure.com";
/// A principal of the source with no role on the disk yet.
const COPIER: &str = "11111111-2222-4333-8444-555555555555";
const DISK: &str = "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourceGroups/rg-data-prod/providers/Microsoft.Compute/disks/disk-reports01";
const API: &str = "api-version=2024-03-02";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn sim(lro_ms: u64) -> SimHandle {
    Simulator::start(SimOptions {
        lro: Duration::from_millis(lro_ms),
        ..SimOptions::default()
    })
    .expect("simulator starts")
}

struct R {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(
    method: reqwest::Method,
    url: &str,
    token: &str,
    aux: Option<&str>,
    body: Option<&Value>,
) -> R {
    let mut rb = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(a) = aux {
        rb = rb.header("x-ms-authorization-auxiliary", format!("Bearer {a}"));
    }
    if let Some(b) = body {
        rb = rb.json(b);
    }
    let r = rb.send().await.expect("send");
    R {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.json::<Value>().await.unwrap_or(Value::Null),
    }
}

fn snap_url(s: &SimHandle, name: &str) -> String {
    format!(
        "{}/arm/subscriptions/{TGT_SUB}/resourceGroups/rg-migrated-disks/providers/Microsoft.Compute/snapshots/{name}?{API}",
        s.base_url()
    )
}

fn snap_body() -> Value {
    json!({"location": "westeurope", "sku": {"name": "Standard_LRS"},
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": DISK}, "incremental": false}})
}

/// Grants COPIER read + beginGetAccess on the source disk through a custom
/// role, as `--remediate` would; returns the assignment's URL.
async fn grant(s: &SimHandle, src_tok: &str) -> String {
    let def = format!(
        "/subscriptions/{SRC_SUB}/providers/Microsoft.Authorization/roleDefinitions/9a9a9a9a-0000-4000-8000-000000000001"
    );
    let r = send(
        reqwest::Method::PUT,
        &format!("{}/arm{def}?api-version=2022-04-01", s.base_url()),
        src_tok,
        None,
        Some(&json!({"properties": {"roleName": "sim test disk reader", "type": "CustomRole",
            "permissions": [{"actions": ["Microsoft.Compute/disks/read", "Microsoft.Compute/disks/beginGetAccess/action"]}],
            "assignableScopes": [format!("/subscriptions/{SRC_SUB}")]}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let url = format!(
        "{}/arm/subscriptions/{SRC_SUB}/resourceGroups/rg-data-prod/providers/Microsoft.Authorization/roleAssignments/9a9a9a9a-0000-4000-8000-000000000002?api-version=2022-04-01",
        s.base_url()
    );
    let r = send(
        reqwest::Method::PUT,
        &url,
        src_tok,
        None,
        Some(&json!({"properties": {"roleDefinitionId": def, "principalId": COPIER, "principalType": "ServicePrincipal"}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    url
}

#[test]
fn cross_tenant_snapshot_needs_the_right_tokens_and_permissions() {
    // Long enough that the two reads after the PUT land before it finishes, on
    // a loaded machine too (300 ms was flaky under parallel builds).
    let s = sim(2000);
    let tgt = s.token(TGT, ARM, "copier");
    let src_tok = s.token(SRC, ARM, "admin");
    let aux = s.token_as(SRC, ARM, "copier", COPIER);
    rt().block_on(async {
        let url = snap_url(&s, "xt-snap-1");
        // No auxiliary token: the target tenant cannot reach the source subscription.
        let r = send(reqwest::Method::PUT, &url, &tgt, None, Some(&snap_body())).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "LinkedAuthorizationFailed");
        assert!(r.body["error"]["message"].as_str().unwrap_or("").contains(SRC_SUB));
        // Auxiliary token, but its principal has no role on the disk.
        let r = send(reqwest::Method::PUT, &url, &tgt, Some(&aux), Some(&snap_body())).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "LinkedAuthorizationFailed");
        let msg = r.body["error"]["message"].as_str().unwrap_or("").to_string();
        assert!(msg.contains("Microsoft.Compute/disks/beginGetAccess/action") && msg.contains(COPIER), "{msg}");
        // A primary token of the source tenant does not own the target subscription.
        let r = send(reqwest::Method::PUT, &url, &src_tok, Some(&aux), Some(&snap_body())).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "InvalidAuthenticationTokenTenant");

        let assignment = grant(&s, &src_tok).await;
        let r = send(reqwest::Method::PUT, &url, &tgt, Some(&aux), Some(&snap_body())).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["properties"]["provisioningState"], "Creating");
        assert_eq!(r.body["properties"]["diskSizeGB"], 128, "{}", r.body);
        let op = r.headers["azure-asyncoperation"].to_str().expect("header").to_string();
        assert!(r.headers.contains_key("retry-after"));
        // Polled: in progress, then done; the resource follows.
        let r = send(reqwest::Method::GET, &op, &tgt, None, None).await;
        assert_eq!((r.status, r.body["status"].as_str()), (200, Some("InProgress")));
        let r = send(reqwest::Method::GET, &url, &tgt, None, None).await;
        assert_eq!(r.body["properties"]["provisioningState"], "Creating");
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let r = send(reqwest::Method::GET, &op, &tgt, None, None).await;
        assert_eq!(r.body["status"], "Succeeded", "{}", r.body);
        let r = send(reqwest::Method::GET, &url, &tgt, None, None).await;
        assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
        // Idempotent repeat: 200, nothing new.
        let r = send(reqwest::Method::PUT, &url, &tgt, Some(&aux), Some(&snap_body())).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The list shows it.
        let list = format!(
            "{}/arm/subscriptions/{TGT_SUB}/providers/Microsoft.Compute/snapshots?{API}",
            s.base_url()
        );
        let r = send(reqwest::Method::GET, &list, &tgt, None, None).await;
        let names: Vec<&str> = r.body["value"].as_array().into_iter().flatten()
            .filter_map(|v| v["name"].as_str()).collect();
        assert!(names.contains(&"xt-snap-1"), "{names:?}");

        // The prerequisite removed: the next copy is refused again.
        let r = send(reqwest::Method::DELETE, &assignment, &src_tok, None, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = send(reqwest::Method::DELETE, &assignment, &src_tok, None, None).await;
        assert_eq!(r.status, 204);
        let r = send(reqwest::Method::PUT, &snap_url(&s, "xt-snap-2"), &tgt, Some(&aux), Some(&snap_body())).await;
        assert_eq!(r.status, 403, "{}", r.body);

        // A disk from the snapshot, then the snapshot deleted.
        let disk_url = format!(
            "{}/arm/subscriptions/{TGT_SUB}/resourceGroups/rg-migrated-disks/providers/Microsoft.Compute/disks/disk-reports01?{API}",
            s.base_url()
        );
        let snap_id = format!("/subscriptions/{TGT_SUB}/resourceGroups/rg-migrated-disks/providers/Microsoft.Compute/snapshots/xt-snap-1");
        let r = send(reqwest::Method::PUT, &disk_url, &tgt, None, Some(&json!({"location": "westeurope",
            "sku": {"name": "Premium_LRS"},
            "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": snap_id}}}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["properties"]["diskSizeGB"], 128);
        let r = send(reqwest::Method::DELETE, &url, &tgt, None, None).await;
        assert_eq!(r.status, 202);
        let loc = r.headers["location"].to_str().expect("location").to_string();
        let r = send(reqwest::Method::GET, &loc, &tgt, None, None).await;
        assert_eq!(r.status, 202);
        let r = send(reqwest::Method::GET, &url, &tgt, None, None).await;
        assert_eq!(r.status, 404, "{}", r.body);
    });
    let log = s.log();
    let writes: Vec<_> = log.iter().filter(|e| e.method != "GET").collect();
    assert_eq!(writes.len(), 12, "{writes:#?}");
    let created: Vec<&str> = log
        .iter()
        .filter(|e| e.created)
        .filter_map(|e| e.resource_id.as_deref())
        .collect();
    assert_eq!(created.len(), 4, "{created:?}");
    assert_eq!(
        created.iter().filter(|c| c.ends_with("/xt-snap-1")).count(),
        1
    );
    assert!(
        writes
            .iter()
            .filter(|e| e.status.is_some_and(|s| s < 300))
            .all(|e| e.resource_id.is_some() && e.tenant.is_some()),
        "{writes:#?}"
    );
    assert!(log.iter().all(|e| e.path.starts_with("/arm/")));
}

#[test]
fn registry_created_after_name_check_and_import_brings_the_source_digest() {
    let s = sim(0);
    let tgt = s.token(TGT, ARM, "copier");
    let src_tok = s.token(SRC, ARM, "admin");
    let aux = s.token_as(SRC, ARM, "copier", COPIER);
    let b = s.base_url();
    let reg_id = format!("/subscriptions/{TGT_SUB}/resourceGroups/rg-migrated-disks/providers/Microsoft.ContainerRegistry/registries/fabrikamnewacr");
    rt().block_on(async {
        let check = format!("{b}/arm/subscriptions/{TGT_SUB}/providers/Microsoft.ContainerRegistry/checkNameAvailability?api-version=2023-07-01");
        let r = send(reqwest::Method::POST, &check, &tgt, None, Some(&json!({"name": "contosoprodacr", "type": "Microsoft.ContainerRegistry/registries"}))).await;
        assert_eq!((r.status, &r.body["reason"]), (200, &json!("AlreadyExists")), "{}", r.body);
        let r = send(reqwest::Method::POST, &check, &tgt, None, Some(&json!({"name": "fabrikamnewacr", "type": "Microsoft.ContainerRegistry/registries"}))).await;
        assert_eq!(r.body["nameAvailable"], true);
        let reg_url = format!("{b}/arm{reg_id}?api-version=2023-07-01");
        let r = send(reqwest::Method::PUT, &reg_url, &tgt, None, Some(&json!({"location": "westeurope", "sku": {"name": "Premium"}, "properties": {"adminUserEnabled": false}}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["properties"]["loginServer"], "fabrikamnewacr.azurecr.io");
        let r = send(reqwest::Method::POST, &check, &tgt, None, Some(&json!({"name": "FabrikamNewAcr", "type": "Microsoft.ContainerRegistry/registries"}))).await;
        assert_eq!(r.body["nameAvailable"], false);

        let import = format!("{b}/arm{reg_id}/importImage?api-version=2023-07-01");
        let src_reg = format!("/subscriptions/{SRC_SUB}/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/contosoprodacr");
        let body = json!({"source": {"resourceId": src_reg, "sourceImage": "base/dotnet-runtime:8.0"},
            "targetTags": ["base/dotnet-runtime:8.0"], "mode": "NoForce"});
        let r = send(reqwest::Method::POST, &import, &tgt, Some(&aux), Some(&body)).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "LinkedAuthorizationFailed");
        // Reader on the source registries' group, built in.
        let ra = format!("{b}/arm/subscriptions/{SRC_SUB}/resourceGroups/rg-registries/providers/Microsoft.Authorization/roleAssignments/9a9a9a9a-0000-4000-8000-000000000003?api-version=2022-04-01");
        let r = send(reqwest::Method::PUT, &ra, &src_tok, None, Some(&json!({"properties": {
            "roleDefinitionId": format!("/subscriptions/{SRC_SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"),
            "principalId": COPIER}}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = send(reqwest::Method::POST, &import, &tgt, Some(&aux), Some(&body)).await;
        assert_eq!(r.status, 202, "{}", r.body);
        assert!(r.headers.contains_key("location"));
        let r = send(reqwest::Method::POST, &import, &tgt, Some(&aux), Some(&body)).await;
        assert_eq!(r.status, 202, "a repeat of the same import is fine: {}", r.body);

        let inv = format!("{b}/graph/v1.0/invitations");
        let gt = s.token(TGT, "https://graph.microsoft.com", "admin");
        let ib = json!({"invitedUserEmailAddress": "migrator@contoso.com", "inviteRedirectUrl": "https://myapplications.microsoft.com"});
        let a = send(reqwest::Method::POST, &inv, &gt, None, Some(&ib)).await;
        let c = send(reqwest::Method::POST, &inv, &gt, None, Some(&ib)).await;
        assert_eq!((a.status, c.status), (201, 201), "{}", a.body);
        assert_eq!(a.body["invitedUser"]["id"], c.body["invitedUser"]["id"]);
    });
    let tags = s.imported_tags(&reg_id);
    assert_eq!(
        tags["base/dotnet-runtime"]["8.0"],
        "sha256:8bf1b4a1be113b2a922a18e609aad56b01109c1d820d363e60e3e368c3f15b6a"
    );
    let created: Vec<String> = s
        .log()
        .iter()
        .filter(|e| e.created)
        .filter_map(|e| e.resource_id.clone())
        .collect();
    assert_eq!(
        created.len(),
        4,
        "registry, assignment, import, invited user: {created:?}"
    );
}

/// One `InvokeCommand` call.
async fn exo(s: &SimHandle, tenant: &str, token: &str, cmdlet: &str, params: Value) -> R {
    let url = format!(
        "{}/exchange/adminapi/beta/{tenant}/InvokeCommand",
        s.base_url()
    );
    let body = json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}});
    send(reqwest::Method::POST, &url, token, None, Some(&body)).await
}

const EXO: &str = "https://outlook.office365.com";

#[test]
fn set_mail_user_stamps_the_target_mail_user_and_reads_show_it() {
    let s = sim(50);
    let tok = s.token(TGT, EXO, "apply");
    let rt = rt();
    rt.block_on(async {
        // -Identity filters: one object, or the real not-found error.
        let r = exo(&s, TGT, &tok, "Get-MailUser", json!({"Identity": "x500.missing"})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["value"].as_array().map(Vec::len), Some(1));
        let before = r.body["value"][0].clone();
        let dn = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-x500.missing";
        let r = exo(&s, TGT, &tok, "Set-MailUser", json!({
            "Identity": "x500.missing",
            "ExchangeGuid": "8EE42C34-81B1-5813-AF4C-CC21FE463EAA",
            "ArchiveGuid": "00000000-0000-0000-0000-000000000000",
            "EmailAddresses": {"@odata.type": "#Exchange.GenericHashTable", "Add": [format!("x500:{dn}")]},
            "ExternalEmailAddress": "x500.missing@contoso.com",
        }))
        .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["value"], json!([]));
        let r = exo(&s, TGT, &tok, "Get-MailUser", json!({"Identity": "x500.missing@fabrikam.com"})).await;
        let after = &r.body["value"][0];
        assert_eq!(after["ExchangeGuid"], "8ee42c34-81b1-5813-af4c-cc21fe463eaa");
        assert_eq!(after["ExternalEmailAddress"], "SMTP:x500.missing@contoso.com");
        let addrs = after["EmailAddresses"].as_array().expect("addresses");
        assert!(addrs.contains(&Value::from(format!("X500:{dn}"))), "{addrs:?}");
        assert_eq!(
            addrs.len(),
            before["EmailAddresses"].as_array().map_or(0, Vec::len) + 1
        );
        // The full list (the live collector's call) shows the change too.
        let r = exo(&s, TGT, &tok, "Get-MailUser", json!({"ResultSize": "Unlimited"})).await;
        let all = r.body["value"].as_array().expect("list");
        assert!(all.iter().any(|u| u["Identity"] == "x500.missing"
            && u["ExternalEmailAddress"] == "SMTP:x500.missing@contoso.com"));
        // Adding the same x500 again changes nothing.
        let again = exo(&s, TGT, &tok, "Set-MailUser", json!({"Identity": "x500.missing",
            "EmailAddresses": {"Add": [format!("X500:{dn}")]}})).await;
        assert_eq!(again.status, 200);
        let r = exo(&s, TGT, &tok, "Get-MailUser", json!({"Identity": "x500.missing"})).await;
        assert_eq!(r.body["value"][0]["EmailAddresses"].as_array().map(Vec::len), Some(addrs.len()));

        // An unknown identity, a bad GUID, an unknown parameter.
        let r = exo(&s, TGT, &tok, "Set-MailUser", json!({"Identity": "nobody", "ExchangeGuid": "8ee42c34-81b1-5813-af4c-cc21fe463eaa"})).await;
        assert_eq!(r.status, 404);
        let msg = r.body["error"]["message"].as_str().unwrap_or("");
        assert!(msg.contains("ManagementObjectNotFoundException") && msg.contains("Couldn't find object \"nobody\""), "{msg}");
        let r = exo(&s, TGT, &tok, "Set-MailUser", json!({"Identity": "x500.missing", "ExchangeGuid": "nope"})).await;
        assert_eq!(r.status, 400);
        let r = exo(&s, TGT, &tok, "Set-MailUser", json!({"Identity": "x500.missing", "Office": "2"})).await;
        assert_eq!(r.status, 400);
        assert!(r.body["error"]["message"].as_str().unwrap_or("").contains("'Office'"));
        let r = exo(&s, TGT, &tok, "Get-MailUser", json!({"Identity": "nobody"})).await;
        assert_eq!(r.status, 404);

        // The source's token cannot write in the target, and other write
        // cmdlets stay refused.
        let src = s.token(SRC, EXO, "apply");
        let url_tenant_mismatch = exo(&s, TGT, &src, "Set-MailUser", json!({"Identity": "x500.missing"})).await;
        assert_eq!(url_tenant_mismatch.status, 401);
        let r = exo(&s, TGT, &tok, "Remove-MailUser", json!({"Identity": "x500.missing"})).await;
        assert_eq!(r.status, 403);
    });
    // The log names the cmdlet and the object of each write.
    let log = s.log();
    let sets: Vec<_> = log
        .iter()
        .filter(|e| e.cmdlet.as_deref() == Some("Set-MailUser") && e.status == Some(200))
        .collect();
    assert_eq!(sets.len(), 2);
    assert!(sets.iter().all(
        |e| e.resource_id.as_deref() == Some("MailUser:x500.missing")
            && !e.created
            && e.tenant.as_deref() == Some(TGT)
    ));
}

#[test]
fn new_migration_batch_creates_a_batch_and_its_users_once() {
    use base64::Engine;
    let s = sim(50);
    let tok = s.token(TGT, EXO, "apply");
    let csv = base64::engine::general_purpose::STANDARD
        .encode("EmailAddress\r\nadele.vance@fabrikam.com\r\nnobody@fabrikam.com\r\n");
    let params = json!({"Name": "wave1", "SourceEndpoint": "Contoso_T2T_Endpoint", "CSVData": csv,
        "TargetDeliveryDomain": "fabrikam.mail.onmicrosoft.com", "AutoStart": true});
    rt().block_on(async {
        // No batch yet: by name it is not found; the list is empty.
        let r = exo(
            &s,
            TGT,
            &tok,
            "Get-MigrationBatch",
            json!({"Identity": "wave1"}),
        )
        .await;
        assert_eq!(r.status, 404);
        let r = exo(&s, TGT, &tok, "Get-MigrationBatch", json!({})).await;
        assert_eq!(r.body["value"], json!([]));
        let r = exo(&s, TGT, &tok, "New-MigrationBatch", params.clone()).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["value"][0]["Identity"], "wave1");
        assert_eq!(r.body["value"][0]["TotalCount"], 2);
        assert_eq!(r.body["value"][0]["FailedCount"], 1);
        let r = exo(
            &s,
            TGT,
            &tok,
            "Get-MigrationBatch",
            json!({"Identity": "wave1"}),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["value"][0]["Status"], "Syncing");
        let r = exo(
            &s,
            TGT,
            &tok,
            "Get-MigrationUser",
            json!({"ResultSize": "Unlimited"}),
        )
        .await;
        let users = r.body["value"].as_array().expect("users");
        let adele = users
            .iter()
            .find(|u| u["Identity"] == "adele.vance@fabrikam.com")
            .expect("adele");
        assert_eq!(adele["BatchId"], "wave1");
        assert_eq!(adele["MailboxGuid"], "8e254cea-8b0b-57af-9e1c-6deeff1c5e94");
        let nobody = users
            .iter()
            .find(|u| u["Identity"] == "nobody@fabrikam.com")
            .expect("nobody");
        assert_eq!(nobody["Status"], "Failed");
        // The same name again: the real refusal, nothing created.
        let r = exo(&s, TGT, &tok, "New-MigrationBatch", params.clone()).await;
        assert_eq!(r.status, 400);
        assert!(r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("already exists"));
        // An endpoint the tenant does not have.
        let mut p = params.clone();
        p["Name"] = "wave2".into();
        p["SourceEndpoint"] = "Nope".into();
        let r = exo(&s, TGT, &tok, "New-MigrationBatch", p).await;
        assert_eq!(r.status, 404);
    });
    let created: Vec<_> = s
        .log()
        .into_iter()
        .filter(|e| e.created)
        .map(|e| e.resource_id.unwrap_or_default())
        .collect();
    assert_eq!(created, vec!["MigrationBatch:wave1".to_string()]);
}
