//! Exchange Online writes (seed 004) through `InvokeCommand`:
//! `Set-MailUser` stamps an existing mail user (ExchangeGuid, ArchiveGuid,
//! EmailAddresses as a list or `@{Add=…; Remove=…}`, ExternalEmailAddress,
//! PrimarySmtpAddress) and `New-MigrationBatch` creates a batch and one
//! migration user per CSV row. Both change what the read cmdlets serve
//! (`Get-MailUser`, `Get-MigrationBatch`, `Get-MigrationUser`), so a later
//! exists check or live collection sees them; a read with `-Identity`
//! answers that one object or the real "couldn't be found" error.
//!
//! The changes live in [`ExoState`] inside the write state, per tenant; the
//! export's items stay as loaded.

use super::super::exchange::{error, Data};
use super::super::store::Tenant;
use super::{Reply, Shared, Written};
use axum::http::StatusCode;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Mail users changed by `Set-MailUser`, batches and migration users created.
#[derive(Debug, Default)]
pub struct ExoState {
    /// (tenant index, index in the export's Get-MailUser list) -> the mail user as it is now.
    pub mail_users: HashMap<(usize, usize), Value>,
    /// (tenant index, batch), in creation order.
    pub batches: Vec<(usize, Value)>,
    /// (tenant index, migration user), in creation order.
    pub migration_users: Vec<(usize, Value)>,
}

/// The write cmdlets served.
pub fn is_write(cmdlet: &str) -> bool {
    ["Set-MailUser", "New-MigrationBatch"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(cmdlet))
}

/// The read cmdlets whose answer the writes change, or that take `-Identity`
/// as a filter here.
pub fn overlays(cmdlet: &str) -> bool {
    ["Get-MailUser", "Get-MigrationBatch", "Get-MigrationUser"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(cmdlet))
}

fn param<'a>(params: &'a Value, name: &str) -> Option<&'a Value> {
    params
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn param_str(params: &Value, name: &str) -> Option<String> {
    param(params, name)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn missing(name: &str) -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("|System.Management.Automation.ParameterBindingException|Cannot process command because of one or more missing mandatory parameters: {name}."),
    )
}

fn not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object \"{id}\". Please make sure that it was spelled correctly or specify a different object."),
    )
}

/// Names `-Identity` may use for a recipient: Identity, Name, Alias,
/// addresses (primary, UPN, every smtp proxy), GUIDs, lowercased.
fn recipient_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = [
        "Identity",
        "Name",
        "Alias",
        "PrimarySmtpAddress",
        "UserPrincipalName",
        "ExternalDirectoryObjectId",
        "ExchangeGuid",
        "Guid",
        "DistinguishedName",
    ]
    .iter()
    .filter_map(|k| v.get(*k).and_then(Value::as_str))
    .map(|s| s.trim().to_lowercase())
    .filter(|s| !s.is_empty())
    .collect();
    for a in v
        .get("EmailAddresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if a.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("smtp:")) {
            keys.push(a[5..].trim().to_lowercase());
        }
    }
    keys
}

/// The mail users of a tenant as served now: the export's, with changes.
fn mail_users(ti: usize, d: &Data, st: &ExoState) -> Vec<Value> {
    d.list("get-mailuser")
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, text)| {
            st.mail_users
                .get(&(ti, i))
                .cloned()
                .unwrap_or_else(|| serde_json::from_str(text).unwrap_or(Value::Null))
        })
        .collect()
}

/// The answer of a read cmdlet the writes change: `Ok(items)` (JSON texts),
/// or the error of an `-Identity` that names nothing. `ResultSize` and the
/// other parameters the collector sends are accepted and ignored.
pub fn read(
    sh: &Shared,
    ti: usize,
    t: &Tenant,
    cmdlet: &str,
    params: &Value,
) -> std::result::Result<Vec<String>, Reply> {
    let st = sh.writes.lock();
    let exo = &st.exchange;
    let lc = cmdlet.to_ascii_lowercase();
    let items: Vec<Value> = match lc.as_str() {
        "get-mailuser" => mail_users(ti, &t.exchange, exo),
        "get-migrationbatch" => exo
            .batches
            .iter()
            .filter(|(i, _)| *i == ti)
            .map(|(_, b)| b.clone())
            .collect(),
        _ => t
            .exchange
            .list("get-migrationuser")
            .unwrap_or(&[])
            .iter()
            .map(|s| serde_json::from_str(s).unwrap_or(Value::Null))
            .chain(
                exo.migration_users
                    .iter()
                    .filter(|(i, _)| *i == ti)
                    .map(|(_, u)| u.clone()),
            )
            .collect(),
    };
    let picked: Vec<Value> = match param_str(params, "Identity") {
        None => items,
        Some(id) => {
            let want = id.to_lowercase();
            let hit: Vec<Value> = items
                .into_iter()
                .filter(|v| recipient_keys(v).contains(&want))
                .collect();
            if hit.is_empty() {
                return Err(not_found(&id));
            }
            hit
        }
    };
    // Get-MigrationBatch without a batch is an empty answer, not "not collected".
    Ok(picked.iter().map(Value::to_string).collect())
}

/// `Set-MailUser` / `New-MigrationBatch` in the token's tenant (the path's,
/// checked before). The reply carries what was written, for the log.
pub fn write(sh: &Shared, ti: usize, t: &Tenant, cmdlet: &str, params: &Value) -> Reply {
    if cmdlet.eq_ignore_ascii_case("Set-MailUser") {
        set_mail_user(sh, ti, t, params)
    } else {
        new_migration_batch(sh, ti, t, params)
    }
}

const SET_MAIL_USER_PARAMS: &[&str] = &[
    "Identity",
    "ExchangeGuid",
    "ArchiveGuid",
    "EmailAddresses",
    "ExternalEmailAddress",
    "PrimarySmtpAddress",
];

fn unknown_param(params: &Value, known: &[&str]) -> Option<Reply> {
    let bad = params
        .as_object()?
        .keys()
        .find(|k| !k.starts_with('@') && !known.iter().any(|n| n.eq_ignore_ascii_case(k)))?;
    Some(error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name '{bad}'."),
    ))
}

fn guid_param(params: &Value, name: &str) -> std::result::Result<Option<String>, Reply> {
    match param_str(params, name) {
        None => Ok(None),
        Some(g) => guid(&g).map(Some).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("|System.Management.Automation.ParameterBindingException|Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{g}\" to type \"System.Guid\"."),
            )
        }),
    }
}

/// A GUID in its canonical form (lowercase, dashed); the zero GUID is one
/// (Exchange shows "no archive" as it).
fn guid(s: &str) -> Option<String> {
    let g = s
        .trim()
        .trim_matches(|c| c == '{' || c == '}')
        .to_ascii_lowercase();
    let ok = g.len() == 36
        && g.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    ok.then_some(g)
}

/// A proxy address as Exchange stores it: `SMTP:`/`smtp:` kept (primary vs
/// secondary), other prefixes upper-cased (`X500:`), none means `smtp:`.
fn proxy(a: &str) -> String {
    let a = a.trim();
    match a.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => format!("{p}:{rest}"),
        Some((p, rest)) if !p.is_empty() && !p.contains('@') => {
            format!("{}:{rest}", p.to_ascii_uppercase())
        }
        _ => format!("smtp:{a}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn set_mail_user(sh: &Shared, ti: usize, t: &Tenant, params: &Value) -> Reply {
    if let Some(r) = unknown_param(params, SET_MAIL_USER_PARAMS) {
        return r;
    }
    let Some(id) = param_str(params, "Identity") else {
        return missing("Identity");
    };
    let exchange_guid = match guid_param(params, "ExchangeGuid") {
        Ok(g) => g,
        Err(r) => return r,
    };
    let archive_guid = match guid_param(params, "ArchiveGuid") {
        Ok(g) => g,
        Err(r) => return r,
    };
    let mut st = sh.writes.lock();
    let users = mail_users(ti, &t.exchange, &st.exchange);
    let want = id.to_lowercase();
    let Some(i) = users.iter().position(|v| recipient_keys(v).contains(&want)) else {
        return not_found(&id);
    };
    let mut u = users[i].clone();
    let Some(o) = u.as_object_mut() else {
        return not_found(&id);
    };
    if let Some(g) = exchange_guid {
        o.insert("ExchangeGuid".into(), g.into());
    }
    if let Some(g) = archive_guid {
        o.insert("ArchiveGuid".into(), g.into());
    }
    let mut addrs: Vec<String> = o.get("EmailAddresses").map(strings).unwrap_or_default();
    match param(params, "EmailAddresses") {
        Some(Value::Object(h)) => {
            let get = |k: &str| {
                h.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    .map(|(_, v)| strings(v))
                    .unwrap_or_default()
            };
            for a in get("Add") {
                let p = proxy(&a);
                if !addrs.iter().any(|x| x.eq_ignore_ascii_case(&p)) {
                    addrs.push(p);
                }
            }
            for a in get("Remove") {
                let p = proxy(&a);
                addrs.retain(|x| !x.eq_ignore_ascii_case(&p));
            }
        }
        Some(v @ (Value::Array(_) | Value::String(_))) => {
            addrs = strings(v).iter().map(|a| proxy(a)).collect();
        }
        _ => {}
    }
    if let Some(p) = param_str(params, "PrimarySmtpAddress") {
        for a in addrs.iter_mut() {
            if a.starts_with("SMTP:") {
                *a = format!("smtp:{}", &a[5..]);
            }
        }
        addrs.retain(|a| !a.get(5..).is_some_and(|x| x.eq_ignore_ascii_case(&p)));
        addrs.insert(0, format!("SMTP:{p}"));
        o.insert("PrimarySmtpAddress".into(), p.into());
    }
    o.insert(
        "EmailAddresses".into(),
        Value::Array(addrs.into_iter().map(Value::from).collect()),
    );
    if let Some(x) = param_str(params, "ExternalEmailAddress") {
        let x = if x.contains(':') {
            x
        } else {
            format!("SMTP:{x}")
        };
        o.insert("ExternalEmailAddress".into(), x.into());
    }
    let name = o
        .get("Identity")
        .and_then(Value::as_str)
        .unwrap_or(&id)
        .to_string();
    st.exchange.mail_users.insert((ti, i), u);
    // Set-* cmdlets return nothing.
    let mut r = empty_answer(t);
    r.written = Some(Written {
        created: false,
        resource_id: Some(format!("MailUser:{name}")),
    });
    r
}

fn empty_answer(t: &Tenant) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("https://outlook.office365.com/adminapi/beta/{}/$metadata#Collection(Exchange.GenericHashTable)", t.id),
            "adminapi.warnings@odata.type": "#Collection(String)",
            "adminapi.warnings": [],
            "value": [],
        }),
    )
}

const NEW_BATCH_PARAMS: &[&str] = &[
    "Name",
    "SourceEndpoint",
    "CSVData",
    "TargetDeliveryDomain",
    "AutoStart",
    "AutoComplete",
    "NotificationEmails",
    "BadItemLimit",
    "LargeItemLimit",
    "CompleteAfter",
];

fn new_migration_batch(sh: &Shared, ti: usize, t: &Tenant, params: &Value) -> Reply {
    if let Some(r) = unknown_param(params, NEW_BATCH_PARAMS) {
        return r;
    }
    let Some(name) = param_str(params, "Name") else {
        return missing("Name");
    };
    let Some(endpoint) = param_str(params, "SourceEndpoint") else {
        return missing("SourceEndpoint");
    };
    let Some(csv_b64) = param_str(params, "CSVData") else {
        return missing("CSVData");
    };
    let Some(delivery) = param_str(params, "TargetDeliveryDomain") else {
        return missing("TargetDeliveryDomain");
    };
    let endpoints: Vec<Value> = t
        .exchange
        .list("get-migrationendpoint")
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| serde_json::from_str(s).ok())
        .collect();
    let ep = endpoints.iter().find(|e| {
        ["Identity", "Name"]
            .iter()
            .filter_map(|k| e.get(*k).and_then(Value::as_str))
            .any(|n| n.trim().eq_ignore_ascii_case(&endpoint))
    });
    let Some(ep) = ep else {
        return error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The migration endpoint \"{endpoint}\" couldn't be found."),
        );
    };
    let Some(csv) = base64::engine::general_purpose::STANDARD
        .decode(csv_b64.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "|System.Management.Automation.ParameterBindingException|Cannot process argument transformation on parameter 'CSVData'. The value is not a base64-encoded byte array.",
        );
    };
    let mut lines = csv
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_matches('"').to_string());
    if !lines
        .next()
        .is_some_and(|h| h.eq_ignore_ascii_case("EmailAddress"))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "|Microsoft.Exchange.Migration.MigrationCSVParsingException|The CSV file must have an EmailAddress column header on its first line.",
        );
    }
    let rows: Vec<String> = lines.collect();
    if rows.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "|Microsoft.Exchange.Migration.MigrationCSVParsingException|The CSV file has no rows.",
        );
    }
    let auto_start = param(params, "AutoStart").and_then(Value::as_bool) == Some(true);
    let mut st = sh.writes.lock();
    if st
        .exchange
        .batches
        .iter()
        .any(|(i, b)| *i == ti && recipient_keys(b).contains(&name.to_lowercase()))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("|Microsoft.Exchange.Migration.MigrationBatchNameAlreadyExistsException|A migration batch with the name \"{name}\" already exists. Choose a different name."),
        );
    }
    let users = mail_users(ti, &t.exchange, &st.exchange);
    let existing: Vec<(String, String)> = t
        .exchange
        .list("get-migrationuser")
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| serde_json::from_str::<Value>(s).ok())
        .chain(
            st.exchange
                .migration_users
                .iter()
                .filter(|(i, _)| *i == ti)
                .map(|(_, u)| u.clone()),
        )
        .filter_map(|u| {
            Some((
                u.get("Identity")?.as_str()?.to_lowercase(),
                u.get("BatchId")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let status = if auto_start { "Syncing" } else { "Created" };
    let mut failed = 0usize;
    let mut made = Vec::new();
    for email in &rows {
        let lc = email.to_lowercase();
        let user = users.iter().find(|u| recipient_keys(u).contains(&lc));
        let (st_user, summary, guid) = match (user, existing.iter().find(|(i, _)| *i == lc)) {
            (_, Some((_, other))) => (
                "Failed",
                Some(format!("|Microsoft.Exchange.Migration.UserDuplicateInOtherBatchException|The user \"{email}\" already exists in migration batch \"{other}\".")),
                None,
            ),
            (None, _) => (
                "Failed",
                Some(format!("|Microsoft.Exchange.Migration.MigrationRecipientNotFoundException|A recipient wasn't found for \"{email}\" in the target organization.")),
                None,
            ),
            (Some(u), None) => (
                if auto_start { "Syncing" } else { "Queued" },
                None,
                u.get("ExchangeGuid").and_then(Value::as_str).map(str::to_string),
            ),
        };
        if st_user == "Failed" {
            failed += 1;
        }
        made.push(json!({
            "Identity": email,
            "Identifier": email,
            "MailboxEmailAddress": email,
            "BatchId": name,
            "RecipientType": "MailUser",
            "Status": st_user,
            "MailboxGuid": guid,
            "ErrorSummary": summary,
        }));
    }
    let batch = json!({
        "Identity": name,
        "Status": status,
        "MigrationType": "ExchangeRemoteMove",
        "BatchDirection": "Onboarding",
        "TotalCount": rows.len(),
        "ActiveCount": if auto_start { rows.len() - failed } else { 0 },
        "FailedCount": failed,
        "SourceEndpoint": ep.get("Identity").cloned().unwrap_or(Value::from(endpoint)),
        "TargetDeliveryDomain": delivery,
        "BatchGuid": super::super::request_id(),
        "CreationDateTime": super::now_rfc3339(),
    });
    st.exchange.batches.push((ti, batch.clone()));
    st.exchange
        .migration_users
        .extend(made.into_iter().map(|u| (ti, u)));
    let mut r = Reply::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("https://outlook.office365.com/adminapi/beta/{}/$metadata#Collection(Exchange.GenericHashTable)", t.id),
            "adminapi.warnings@odata.type": "#Collection(String)",
            "adminapi.warnings": [],
            "value": [batch],
        }),
    );
    r.written = Some(Written {
        created: true,
        resource_id: Some(format!("MigrationBatch:{name}")),
    });
    r
}
