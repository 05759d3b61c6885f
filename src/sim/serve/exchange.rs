//! Exchange Online admin API under `/exchange`: `POST
//! /adminapi/beta/{tenant}/InvokeCommand` for the read-only cmdlets of
//! docs/raw-export.md §Exchange, served from the export's `exchange/*` data in
//! any of its three forms (Export-Csv rows become objects of strings, which
//! the parser reads exactly as it reads the CSV), re-paged with
//! `@odata.nextLink` (`Prefer: odata.maxpagesize`), with the token audience
//! checked (`https://outlook.office365.com`), a per-tenant budget, and
//! OData error bodies. The write cmdlets `xtenant apply` sends
//! (`Set-MailUser`, `New-MigrationBatch`) are answered by
//! [`super::write::exchange`], which also overlays what they changed on
//! `Get-MailUser`, `Get-MigrationBatch` and `Get-MigrationUser`; every other
//! write cmdlet is refused. See docs/exchange-rest.md.

use super::paging;
use super::quota::{retry_after_secs, Take};
use super::tokens::{self, Claims, TokenError};
use super::{write, Ctx, Reply, Shared};
use crate::collect::exchange::fetch;
use crate::error::Result;
use crate::raw::{RawExport, Side};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Token audiences of Exchange Online per cloud.
pub const AUDIENCES: &[&str] = &[
    "https://outlook.office365.com",
    "https://outlook.office.com",
    "https://outlook.office365.us",
    "https://partner.outlook.cn",
];

/// Cmdlets whose output is saved per object, and the parameter naming it.
const PER_OBJECT: &[(&str, &str)] = &[
    ("Get-DistributionGroupMember", "Identity"),
    ("Get-MailboxFolderStatistics", "Identity"),
    ("Export-MailboxDiagnosticLogs", "Identity"),
    ("Test-MigrationServerAvailability", "TestMailbox"),
];

/// Cmdlets saved as one list for all mailboxes (`Get-Mailbox | <cmdlet>`)
/// and asked for one mailbox at a time: answered by filtering the list.
const PER_MAILBOX: &[&str] = &["Get-MailboxStatistics", "Get-MailboxPermission"];

/// The page size when the client sends no `Prefer: odata.maxpagesize`.
const DEFAULT_PAGE: usize = 1000;

/// The budget: 50 calls per 5 s per tenant and app, the client's own pacing
/// (`http::pace::EXCHANGE`), so a collector that paces right is never refused.
const BUDGET: f64 = 50.0;
const BUDGET_PER_SEC: f64 = 10.0;

/// One tenant's Exchange data: item texts per cmdlet (lowercased name).
#[derive(Debug, Default)]
pub struct Data {
    lists: HashMap<String, Vec<Box<str>>>,
    /// Per-object cmdlet -> lowercased object -> items.
    objects: HashMap<String, HashMap<String, Vec<Box<str>>>>,
    /// Per-mailbox cmdlets: each mailbox's name keys (lowercased
    /// ExchangeGuid, PrimarySmtpAddress, Identity, Alias, Name, UPN) -> its key set index.
    mailbox_keys: HashMap<String, usize>,
    mailboxes: Vec<HashSet<String>>,
}

impl Data {
    /// Reads `exchange/*` of one side: every cmdlet the collector asks for.
    pub fn load(raw: &RawExport, side: Side) -> Result<Data> {
        let mut d = Data::default();
        for spec in fetch::LISTS.iter().chain(fetch::FANOUTS) {
            if !raw.has(side, spec.collection) {
                continue;
            }
            let key = spec.cmdlet.to_ascii_lowercase();
            if PER_OBJECT
                .iter()
                .any(|(c, _)| c.eq_ignore_ascii_case(spec.cmdlet))
            {
                let mut map = HashMap::new();
                for child in raw.children(side, spec.collection)? {
                    let coll = format!("{}/{child}", spec.collection);
                    map.insert(child.to_lowercase(), texts(raw, side, &coll)?);
                }
                d.objects.insert(key, map);
            } else {
                d.lists.insert(key, texts(raw, side, spec.collection)?);
            }
        }
        if let Some(mbx) = d.lists.get("get-mailbox") {
            for text in mbx {
                let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                let keys: HashSet<String> = [
                    "ExchangeGuid",
                    "PrimarySmtpAddress",
                    "Identity",
                    "Alias",
                    "Name",
                    "UserPrincipalName",
                ]
                .iter()
                .filter_map(|k| v.get(*k).and_then(Value::as_str))
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect();
                let i = d.mailboxes.len();
                for k in &keys {
                    d.mailbox_keys.entry(k.clone()).or_insert(i);
                }
                d.mailboxes.push(keys);
            }
        }
        Ok(d)
    }

    /// The export's items of a list cmdlet (lowercased name), as JSON texts.
    pub fn list(&self, cmdlet_lc: &str) -> Option<&[Box<str>]> {
        self.lists.get(cmdlet_lc).map(Vec::as_slice)
    }

    fn is_empty(&self) -> bool {
        self.lists.is_empty() && self.objects.is_empty()
    }
}

fn texts(raw: &RawExport, side: Side, collection: &str) -> Result<Vec<Box<str>>> {
    Ok(fetch::saved_items(raw, side, collection)?
        .into_iter()
        .map(|v| v.to_string().into_boxed_str())
        .collect())
}

/// The OData error body the admin API answers with.
pub fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {
            "code": code,
            "message": message,
            "details": [{"code": "Context", "target": "", "message": message}],
            "innererror": {"message": message, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}
        }}),
    )
}

fn unauthorized(why: &str) -> Reply {
    // The admin API answers a bad token with an empty body and the reason in
    // WWW-Authenticate; a JSON body is added so people see it too.
    error(StatusCode::UNAUTHORIZED, "Unauthorized", why).header(
        "www-authenticate",
        format!("Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", token_types=\"app_asserted_user_v1 service_asserted_app_v1\", error=\"invalid_token\", error_description=\"{why}\""),
    )
}

fn authenticate(sh: &Shared, ctx: &Ctx) -> std::result::Result<Claims, Reply> {
    let claims = ctx.verify(&sh.issuer).map_err(|e| match e {
        TokenError::Missing => unauthorized("The access token is missing."),
        TokenError::Malformed => unauthorized("The access token is not a JWT."),
        TokenError::BadSignature => unauthorized("The access token's signature is invalid."),
        TokenError::Expired { .. } => unauthorized("The access token has expired."),
    })?;
    if !tokens::audience_ok(&claims.aud, AUDIENCES) {
        return Err(unauthorized(&format!(
            "The audience '{}' is invalid: Exchange Online takes tokens for https://outlook.office365.com.",
            claims.aud
        )));
    }
    Ok(claims)
}

pub fn handle(sh: &Shared, ctx: &Ctx, tenant_out: &mut Option<String>) -> Reply {
    let claims = match authenticate(sh, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    *tenant_out = Some(claims.tid.clone());
    let rest = ctx.path.get("/exchange".len()..).unwrap_or("");
    let segs: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let url_tenant = match segs.as_slice() {
        [a, b, t, cmd]
            if a.eq_ignore_ascii_case("adminapi")
                && b.eq_ignore_ascii_case("beta")
                && cmd.eq_ignore_ascii_case("InvokeCommand") =>
        {
            *t
        }
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("The simulator's Exchange admin API serves POST /adminapi/beta/{{tenant}}/InvokeCommand; '{}' is not it.", ctx.path),
            )
        }
    };
    let Some((ti, t)) = sh.store.tenant(&claims.tid) else {
        return unauthorized("The token's tenant is not served here.");
    };
    // The path names the tenant too; the token must be for that tenant.
    let same = sh
        .store
        .tenant(url_tenant)
        .is_some_and(|(_, u)| u.id == t.id);
    if !same {
        return unauthorized(&format!(
            "The token is for tenant {}, not for '{url_tenant}'.",
            claims.tid
        ));
    }
    if ctx.method != Method::POST {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "InvokeCommand takes POST.",
        );
    }
    let body: Value = match serde_json::from_slice(ctx.body) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("The request body is not JSON: {e}"),
            )
        }
    };
    let Some(cmdlet) = body
        .pointer("/CmdletInput/CmdletName")
        .and_then(Value::as_str)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "CmdletInput.CmdletName is required.",
        );
    };
    let params = body
        .pointer("/CmdletInput/Parameters")
        .cloned()
        .unwrap_or(json!({}));
    let writes = write::exchange::is_write(cmdlet);
    if !writes && !crate::http::guard::read_only_cmdlet(cmdlet) {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!("|Microsoft.Exchange.Configuration.Tasks.CmdletAccessDeniedException|The cmdlet '{cmdlet}' changes the organization; the xtenant simulator serves read-only cmdlets and the writes of xtenant apply only (Get-*, Test-MigrationServerAvailability, Export-MailboxDiagnosticLogs, Set-MailUser, New-MigrationBatch)."),
        );
    }
    if let Err(r) = take(sh, &claims) {
        return r;
    }
    // The token's tenant is the path's (checked above): a write lands in the
    // tenant whose token sent it, never in the other.
    if writes {
        return write::exchange::write(sh, ti, t, cmdlet, &params);
    }
    // A list the export lacks stays "not collected" (below); batches exist
    // only once created.
    let collected = t.exchange.list(&cmdlet.to_ascii_lowercase()).is_some()
        || cmdlet.eq_ignore_ascii_case("Get-MigrationBatch");
    if write::exchange::overlays(cmdlet) && collected {
        let texts = match write::exchange::read(sh, ti, t, cmdlet, &params) {
            Ok(t) => t,
            Err(r) => return r,
        };
        let items: Vec<&str> = texts.iter().map(String::as_str).collect();
        return page(sh, ctx, &claims, cmdlet, &params, &items);
    }
    let d = &t.exchange;
    let lc = cmdlet.to_ascii_lowercase();
    let param = |name: &str| -> Option<String> {
        params
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(|s| s.trim().to_lowercase())
    };
    let items: Vec<&str> = if let Some((_, p)) = PER_OBJECT
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(cmdlet))
    {
        let Some(map) = d.objects.get(&lc) else {
            return not_collected(cmdlet, d);
        };
        let Some(obj) = param(p) else {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("|System.Management.Automation.ParameterBindingException|Cannot process command because of one or more missing mandatory parameters: {p}."),
            );
        };
        // Collected for other objects only: this one has nothing to report.
        map.get(&obj)
            .map(|v| v.iter().map(|s| &**s).collect())
            .unwrap_or_default()
    } else if PER_MAILBOX.iter().any(|c| c.eq_ignore_ascii_case(cmdlet)) {
        let Some(list) = d.lists.get(&lc) else {
            return not_collected(cmdlet, d);
        };
        let Some(id) = param("Identity") else {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "|System.Management.Automation.ParameterBindingException|Cannot process command because of one or more missing mandatory parameters: Identity.",
            );
        };
        let Some(&m) = d.mailbox_keys.get(&id) else {
            return error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '{id}' couldn't be found."),
            );
        };
        let keys = &d.mailboxes[m];
        list.iter()
            .filter(|text| {
                let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                ["MailboxGuid", "Identity", "ExchangeGuid"]
                    .iter()
                    .filter_map(|k| v.get(*k).and_then(Value::as_str))
                    .any(|s| keys.contains(&s.trim().to_lowercase()))
            })
            .map(|s| &**s)
            .collect()
    } else {
        match d.lists.get(&lc) {
            Some(list) => list.iter().map(|s| &**s).collect(),
            None if known(cmdlet) => return not_collected(cmdlet, d),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("|System.Management.Automation.CommandNotFoundException|The term '{cmdlet}' is not recognized as a name of a cmdlet the admin API runs."),
                )
            }
        }
    };
    page(sh, ctx, &claims, cmdlet, &params, &items)
}

fn known(cmdlet: &str) -> bool {
    fetch::LISTS
        .iter()
        .chain(fetch::FANOUTS)
        .any(|s| s.cmdlet.eq_ignore_ascii_case(cmdlet))
}

/// The export did not save this cmdlet: the identity cannot see it, as when
/// no management role grants it.
fn not_collected(cmdlet: &str, d: &Data) -> Reply {
    let why = if d.is_empty() {
        "the tenant's export has no Exchange data"
    } else {
        "the export did not save its output"
    };
    error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!("|Microsoft.Exchange.Configuration.Tasks.CmdletAccessDeniedException|The user isn't assigned to any management roles that let it run '{cmdlet}' ({why})."),
    )
}

fn take(sh: &Shared, claims: &Claims) -> std::result::Result<(), Reply> {
    let key = format!("exchange:{}:{}", claims.tid, claims.appid);
    match sh.quotas.bucket(&key, 1.0, BUDGET, BUDGET_PER_SEC) {
        Take::Ok { .. } => Ok(()),
        Take::Throttled { retry_after } => Err(throttled(retry_after)),
    }
}

/// The budget answer: 429 with `Retry-After`.
pub fn throttled(retry_after: Duration) -> Reply {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "|Microsoft.Exchange.Data.Storage.ServerBusyException|The server is busy: the request exceeded the tenant's budget. Retry after the time in Retry-After.",
    )
    .header("retry-after", retry_after_secs(retry_after).to_string())
}

fn page(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    cmdlet: &str,
    params: &Value,
    items: &[&str],
) -> Reply {
    let scope = format!(
        "{}|exchange|{}|{params}",
        claims.tid,
        cmdlet.to_ascii_lowercase()
    );
    let offset = match ctx.param("$skiptoken") {
        None => 0,
        Some(tok) => match paging::decode(&sh.issuer, &scope, tok) {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "The $skiptoken is not valid for this cmdlet call.",
                )
            }
        },
    };
    let requested = ctx
        .headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|p| {
            p.split(',')
                .find_map(|x| x.trim().strip_prefix("odata.maxpagesize="))
                .and_then(|n| n.trim().parse::<usize>().ok())
        });
    let size = paging::size(requested, DEFAULT_PAGE, DEFAULT_PAGE, sh.page_size);
    let (range, more) = paging::window(items.len(), offset, size);
    let tenant_path = ctx.path.trim_end_matches('/');
    let mut tail = Vec::new();
    if more {
        let tok = paging::encode(&sh.issuer, &scope, range.end);
        tail.push((
            "@odata.nextLink",
            Value::String(format!("{}{tenant_path}?$skiptoken={tok}", ctx.base)),
        ));
    }
    let context = format!(
        "https://outlook.office365.com/adminapi/beta/{}/$metadata#Collection(Exchange.GenericHashTable)",
        claims.tid
    );
    let body = super::list_body(
        &[
            ("@odata.context", Value::String(context)),
            (
                "adminapi.warnings@odata.type",
                Value::String("#Collection(String)".into()),
            ),
            ("adminapi.warnings", json!([])),
        ],
        "value",
        items[range].iter().copied(),
        &tail,
    );
    let mut r = Reply::raw_json(StatusCode::OK, body);
    if let Some(p) = requested {
        r = r.header("preference-applied", format!("odata.maxpagesize={p}"));
    }
    r
}
