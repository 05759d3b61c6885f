//! `auth/token-probes`: for each migration identity the config can sign in
//! as (`[identities.<workload>.auth]`), an ARM token request in each tenant —
//! a dry run of the sign-in the migration will make. Recorded in the shape
//! docs/raw-export.md gives; the token itself is never written, only its
//! `tid`, `oid` and `exp` claims.

use super::CollectionReport;
use crate::auth::TenantAuth;
use crate::collect::Status;
use crate::config::{Config, TenantConfig};
use crate::error::Result;
use crate::http::Service;
use crate::raw::write::RawWriter;
use crate::raw::PageMeta;
use serde_json::{json, Value};

pub const COLLECTION: &str = "auth/token-probes";

/// Probes every identity with sign-in settings in both tenants; writes
/// nothing (the collection stays not-collected) when none has any.
pub async fn probe_identities(
    cfg: &Config,
    tenants: &[TenantAuth; 2],
    writer: &RawWriter,
) -> Result<Vec<CollectionReport>> {
    let ids: Vec<(&String, &crate::config::Identity)> = cfg
        .identities
        .iter()
        .filter(|(_, i)| i.auth.is_some())
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut reports = Vec::new();
    for tenant in tenants {
        let side = tenant.side();
        let mut items = Vec::new();
        for (workload, id) in &ids {
            let name = id
                .upn
                .clone()
                .or_else(|| id.app_id.clone())
                .unwrap_or_else(|| workload.to_string());
            let tc = TenantConfig {
                tenant_id: Some(tenant.tenant_id().to_string()),
                name: tenant.name().map(str::to_string),
                subscriptions: None,
                cloud: Some(tenant.cloud().name.to_string()),
                auth: id.auth.clone().unwrap_or_default(),
            };
            let resource = format!("{}/.default", tenant.cloud().arm_audience);
            let probed_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let result = match TenantAuth::from_config(side, &tc, cfg) {
                Ok(a) => a.token(Service::Arm).await,
                Err(e) => Err(e),
            };
            items.push(match result {
                Ok(t) => json!({
                    "identity": name, "resource": resource, "acquired": true,
                    "claims": {"tid": t.claims.tid, "oid": t.claims.oid, "exp": t.claims.exp},
                    "probedAt": probed_at,
                }),
                Err(e) => {
                    let text = crate::auth::redact(&e.to_string());
                    let mut v = json!({
                        "identity": name, "resource": resource, "acquired": false,
                        "error": text, "probedAt": probed_at,
                    });
                    if let Some(code) = aadsts_code(&text) {
                        v["errorCode"] = Value::String(code);
                    }
                    v
                }
            });
        }
        let failed = items.iter().filter(|i| i["acquired"] == false).count();
        let body = serde_json::to_vec_pretty(&json!({ "value": items })).map_err(|e| {
            crate::error::Error::Runtime(format!("cannot encode token probes: {e}"))
        })?;
        let c = writer.collection(side, COLLECTION)?;
        c.write_page(
            &body,
            &PageMeta {
                method: Some("POST".into()),
                url: Some(format!(
                    "{}/{}/oauth2/v2.0/token",
                    tenant.endpoints().login,
                    tenant.tenant_id()
                )),
                status: None,
                fetched_at: Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            },
        )?;
        c.finish(None, None)?;
        // A refused token is a finding (ID-006), not a collection failure.
        tracing::info!(
            side = side.as_str(),
            probes = items.len(),
            failed,
            "token probes written"
        );
        reports.push(CollectionReport {
            side,
            collection: COLLECTION.to_string(),
            requests: items.len(),
            pages: 1,
            status: Status::Complete,
            error: None,
        });
    }
    Ok(reports)
}

/// `AADSTS50020` and the like, from a sign-in error text.
fn aadsts_code(text: &str) -> Option<String> {
    let at = text.find("AADSTS")?;
    let digits: String = text[at + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn aadsts_code_is_found_in_an_error_text() {
        assert_eq!(
            super::aadsts_code("sign-in failed: AADSTS53003: blocked by CA").as_deref(),
            Some("AADSTS53003")
        );
        assert_eq!(super::aadsts_code("no code"), None);
    }
}
