//! Mailboxes (seed 004): each ready mailbox's target mail user stamped with
//! the source's ExchangeGuid, ArchiveGuid, an x500 proxy of its
//! LegacyExchangeDN and the external address (`Set-MailUser` through the
//! Exchange admin API's `InvokeCommand`), then one cross-tenant
//! `New-MigrationBatch` per batch CSV holding the ready mailboxes of that
//! file. The same commands go into `exchange.ps1`.

use super::{step, Ctx};
use crate::error::InputError;
use crate::execute::plan::{ExistsCheck, PlanItem, Service};
use crate::execute::runbook::{ps_quote, Runbooks, EXCHANGE};
use crate::inventory::{Mailbox, MigrationBatchRow};
use crate::rules::readiness::ItemResult;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Blockers a mailbox's own `set-mail-user` step fixes: the target mail
/// user's ExchangeGuid, ArchiveGuid, X500 of the LegacyExchangeDN and
/// external address (CrossTenantMailboxMigrationValidation.ps1 object checks
/// 15 to 18 and 22).
pub const STAMP_RULES: &[&str] = &["EXO-021", "EXO-022", "EXO-023", "EXO-027"];

fn unset_guid(g: Option<&str>) -> bool {
    g.is_none_or(|g| g.trim().is_empty() || g.trim_matches(['0', '-']).is_empty())
}

/// `--remediate`: a mailbox blocked only by [`STAMP_RULES`] whose stamps are
/// missing rather than wrong — no ExchangeGuid yet (a different one may
/// mean a wrong pairing: a person decides), no archive GUID where the
/// source has an archive (one the source lacks cannot be cleared by
/// Set-MailUser), a cloud mail user (a dir-synced one is stamped
/// on-premises), nothing excepted, nothing to review.
pub fn stampable(ctx: &Ctx, it: &ItemResult) -> bool {
    if it.kind != "mailbox"
        || it.readiness != crate::rules::readiness::Readiness::Blocked
        || it.blockers.is_empty()
        || !it.excepted.is_empty()
        || !it.review.is_empty()
        || !it
            .blockers
            .iter()
            .all(|b| STAMP_RULES.contains(&b.as_str()))
    {
        return false;
    }
    let Some(pair) = ctx.pairs.iter().find(|p| p.mailbox_id == it.id) else {
        return false;
    };
    if pair.mail_user_id.is_none() || pair.target_is_dir_synced == Some(true) {
        return false;
    }
    it.blockers.iter().all(|b| match b.as_str() {
        "EXO-021" => unset_guid(pair.target_exchange_guid.as_deref()),
        "EXO-022" => {
            !unset_guid(pair.source_archive_guid.as_deref())
                && unset_guid(pair.target_archive_guid.as_deref())
        }
        _ => true,
    })
}

/// The `InvokeCommand` request of one cmdlet.
fn invoke(cmdlet: &str, params: Map<String, Value>) -> Value {
    json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": Value::Object(params)}})
}

pub fn plan(
    ctx: &Ctx,
    items: &[&ItemResult],
    problems: &mut Vec<InputError>,
    notes: &mut Vec<String>,
    runbooks: &mut Runbooks,
) -> Vec<PlanItem> {
    let Some(tenant) = ctx.target_tenant_id.clone() else {
        problems.push(ctx.config_error(
            "the target tenant id is unknown, and Exchange requests are addressed by it",
            "set [target] tenant_id",
        ));
        return Vec::new();
    };
    let url = format!("{}/adminapi/beta/{tenant}/InvokeCommand", ctx.exchange);
    runbooks.header(
        EXCHANGE,
        format!(
            "# xtenant plan: Exchange Online cross-tenant mailbox moves, {} -> {}.\n\
             # The same commands as the plan's set-mail-user and new-migration-batch steps.\n\
             # Run in the TARGET tenant (id {tenant}), after reviewing each section.\n\
             #Requires -Modules ExchangeOnlineManagement\n\
             $ErrorActionPreference = 'Stop'\n\
             # Sign in as an Exchange administrator of the target tenant.\n\
             Connect-ExchangeOnline\n",
            ctx.cfg.source.name.as_deref().unwrap_or("source"),
            ctx.cfg.target.name.as_deref().unwrap_or("target"),
        ),
    );
    let mut out = Vec::new();
    // Planned mailbox: every address a batch row may name → its step id.
    let mut by_address: BTreeMap<String, String> = BTreeMap::new();
    for it in items {
        let Some(mbx) = ctx
            .inv
            .mailboxes
            .iter()
            .find(|m| m.tenant == "source" && m.id == it.id)
        else {
            problems.push(ctx.data_error(it, "the mailbox is not in the snapshot"));
            continue;
        };
        let Some(pair) = ctx.pairs.iter().find(|p| p.mailbox_id == it.id) else {
            problems.push(ctx.data_error(it, "no mailbox pair was derived for it"));
            continue;
        };
        let Some(mu) = pair.mail_user_id.as_deref().and_then(|id| {
            ctx.inv
                .mail_users
                .iter()
                .find(|u| u.tenant == "target" && u.id == id)
        }) else {
            problems.push(ctx.data_error(it, "its target mail user is not in the snapshot"));
            continue;
        };
        let (Some(guid), Some(primary)) = (&mbx.exchange_guid, &mbx.primary_smtp) else {
            problems.push(ctx.data_error(
                it,
                "the mailbox has no ExchangeGuid or primary SMTP address",
            ));
            continue;
        };
        let identity = mu
            .identity
            .clone()
            .or_else(|| mu.primary_smtp.clone())
            .unwrap_or_else(|| mu.id.clone());
        // The target's external address stays when it already is one of the
        // source's SMTP addresses (EXO-027 passes): changing it is a write
        // for nothing. Else the source's primary address.
        let current = pair
            .target_external_lc
            .as_deref()
            .map(|x| x.strip_prefix("smtp:").unwrap_or(x));
        let external = ctx
            .inv
            .proxy_addresses
            .iter()
            .find(|p| {
                p.tenant == "source"
                    && p.owner_kind == "mailbox"
                    && p.owner_id == mbx.id
                    && p.prefix == "smtp"
                    && Some(p.value_lc.as_str()) == current
            })
            .map(|p| p.address.get(5..).unwrap_or(&p.value_lc).to_string())
            .unwrap_or_else(|| primary.clone());
        let (params, ps) = set_mail_user(&identity, guid, mbx, &external);
        // Done when the mail user shows every value the step sets.
        let mut expect = BTreeMap::from([(
            "value.0.ExchangeGuid".to_string(),
            Value::from(guid.clone()),
        )]);
        if let Some(a) = params.get("ArchiveGuid") {
            expect.insert("value.0.ArchiveGuid".into(), a.clone());
        }
        if let Some(dn) = &mbx.legacy_exchange_dn {
            expect.insert(
                "value.0.EmailAddresses".into(),
                Value::from(format!("X500:{dn}")),
            );
        }
        expect.insert(
            "value.0.ExternalEmailAddress".into(),
            Value::from(format!("SMTP:{external}")),
        );
        let mut s = step(
            format!("{}/set-mail-user", it.name),
            "set-mail-user",
            Service::Exchange,
            "POST",
            url.clone(),
        );
        s.body = Some(invoke("Set-MailUser", params));
        s.exists_check = Some(ExistsCheck {
            method: "POST".into(),
            url: url.clone(),
            body: Some(invoke(
                "Get-MailUser",
                Map::from_iter([("Identity".to_string(), Value::from(identity.clone()))]),
            )),
            expect,
        });
        s.runbook = Some(runbooks.section(EXCHANGE, &s.id, ps));
        for a in [
            pair.target_primary_smtp_lc.clone(),
            pair.source_primary_smtp_lc.clone(),
            pair.target_external_lc.clone(),
            mbx.upn_lc.clone(),
            mu.upn_lc.clone(),
        ]
        .into_iter()
        .flatten()
        {
            by_address.insert(a, s.id.clone());
        }
        // The blockers its own stamp fixes (`--remediate`) are not re-run
        // before the step: they fail until it is done.
        let rules = ctx
            .rules_for(&it.kind)
            .into_iter()
            .filter(|r| !it.blockers.contains(r))
            .collect();
        out.push(PlanItem {
            item_id: it.id.clone(),
            workload: it.workload.clone(),
            kind: it.kind.clone(),
            name: it.name.clone(),
            rules,
            steps: vec![s],
        });
    }
    if !out.is_empty() {
        out.extend(batches(ctx, &url, &by_address, problems, notes, runbooks));
    }
    out
}

/// The parameters of Set-MailUser, as the API body and as a PowerShell line.
fn set_mail_user(
    identity: &str,
    guid: &str,
    mbx: &Mailbox,
    external: &str,
) -> (Map<String, Value>, String) {
    let mut p = Map::new();
    let mut ps = format!(
        "Set-MailUser -Identity {} -ExchangeGuid {}",
        ps_quote(identity),
        ps_quote(guid)
    );
    p.insert("Identity".into(), identity.into());
    p.insert("ExchangeGuid".into(), guid.into());
    if let Some(a) = &mbx.archive_guid {
        p.insert("ArchiveGuid".into(), a.clone().into());
        ps.push_str(&format!(" -ArchiveGuid {}", ps_quote(a)));
    }
    if let Some(dn) = &mbx.legacy_exchange_dn {
        let x500 = format!("x500:{dn}");
        p.insert("EmailAddresses".into(), json!({"Add": [x500]}));
        ps.push_str(&format!(" -EmailAddresses @{{Add={}}}", ps_quote(&x500)));
    }
    p.insert("ExternalEmailAddress".into(), external.into());
    ps.push_str(&format!(" -ExternalEmailAddress {}\n", ps_quote(external)));
    (p, ps)
}

/// One batch per batch CSV, holding the rows of ready mailboxes only.
fn batches(
    ctx: &Ctx,
    url: &str,
    by_address: &BTreeMap<String, String>,
    problems: &mut Vec<InputError>,
    notes: &mut Vec<String>,
    runbooks: &mut Runbooks,
) -> Vec<PlanItem> {
    let mut files: BTreeMap<&str, Vec<&MigrationBatchRow>> = BTreeMap::new();
    for r in &ctx.inv.migration_batch {
        files.entry(r.batch.as_str()).or_default().push(r);
    }
    if files.is_empty() {
        notes.push(
            "no migration batch CSV in the snapshot ([exchange] batches): mail users are stamped, no batch is created"
                .into(),
        );
        return Vec::new();
    }
    let mut endpoints: Vec<_> = ctx
        .inv
        .migration_endpoints
        .iter()
        .filter(|e| e.tenant == "target")
        .filter(|e| {
            e.endpoint_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("ExchangeRemoteMove"))
        })
        .collect();
    endpoints.sort_by(|a, b| a.name.cmp(&b.name));
    let Some(endpoint) = endpoints.first() else {
        problems.push(InputError {
            location: Default::default(),
            message: "no cross-tenant migration endpoint (ExchangeRemoteMove) in the target tenant".into(),
            fix: Some("create it with SetupCrossTenantRelationshipForTargetTenant.ps1, collect and assess again".into()),
        });
        return Vec::new();
    };
    let mut domains: Vec<&str> = ctx
        .inv
        .accepted_domains
        .iter()
        .filter(|d| d.tenant == "target" && d.domain.ends_with(".mail.onmicrosoft.com"))
        .map(|d| d.domain.as_str())
        .collect();
    domains.sort_unstable();
    let delivery = domains.first().map(|d| d.to_string()).or_else(|| {
        ctx.inv
            .tenants
            .iter()
            .find(|t| t.tenant == "target")
            .and_then(|t| t.initial_domain.clone())
    });
    let Some(delivery) = delivery else {
        problems.push(InputError {
            location: Default::default(),
            message: "the target tenant's delivery domain (*.mail.onmicrosoft.com) is unknown"
                .into(),
            fix: Some("collect the target's accepted domains and assess again".into()),
        });
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, mut rows) in files {
        rows.sort_by_key(|r| r.line);
        let mut emails = Vec::new();
        let mut after = Vec::new();
        let mut left = Vec::new();
        for r in rows {
            match by_address.get(&r.email_lc) {
                Some(step_id) => {
                    emails.push(r.email.clone());
                    if !after.contains(step_id) {
                        after.push(step_id.clone());
                    }
                }
                None => left.push(r.email.clone()),
            }
        }
        if !left.is_empty() {
            notes.push(format!(
                "batch {name}: {} row(s) left out because their mailboxes are not planned: {}",
                left.len(),
                left.join(", ")
            ));
        }
        if emails.is_empty() {
            continue;
        }
        let csv = format!("EmailAddress\r\n{}\r\n", emails.join("\r\n"));
        let mut params = Map::new();
        params.insert("Name".into(), name.into());
        params.insert("SourceEndpoint".into(), endpoint.name.clone().into());
        params.insert(
            "CSVData".into(),
            base64::engine::general_purpose::STANDARD
                .encode(csv.as_bytes())
                .into(),
        );
        params.insert("TargetDeliveryDomain".into(), delivery.clone().into());
        params.insert("AutoStart".into(), true.into());
        let mut s = step(
            format!("{name}/new-migration-batch"),
            "new-migration-batch",
            Service::Exchange,
            "POST",
            url.to_string(),
        );
        s.body = Some(invoke("New-MigrationBatch", params));
        s.exists_check = Some(ExistsCheck {
            method: "POST".into(),
            url: url.to_string(),
            body: Some(invoke(
                "Get-MigrationBatch",
                Map::from_iter([("Identity".to_string(), Value::from(name))]),
            )),
            expect: BTreeMap::from([("value.0.Identity".to_string(), Value::from(name))]),
        });
        s.after = after;
        let ps = format!(
            "$csv = @'\n{}\n'@\nNew-MigrationBatch -Name {} -SourceEndpoint {} -CSVData ([System.Text.Encoding]::UTF8.GetBytes($csv)) -TargetDeliveryDomain {} -AutoStart\n",
            csv.trim_end().replace("\r\n", "\n"),
            ps_quote(name),
            ps_quote(&endpoint.name),
            ps_quote(&delivery),
        );
        s.runbook = Some(runbooks.section(EXCHANGE, &s.id, ps));
        out.push(PlanItem {
            item_id: format!("migration-batch:{name}"),
            workload: "exchange".into(),
            kind: "migration-batch".into(),
            name: name.to_string(),
            rules: Vec::new(),
            steps: vec![s],
        });
    }
    out
}
