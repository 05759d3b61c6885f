//! The Exchange Online request catalogue: every cmdlet collection of
//! docs/raw-export.md §Exchange as an `InvokeCommand` call (cmdlet name and
//! parameters), and the objects the per-object cmdlets fan out over, read back
//! from the pages already written (docs/exchange-rest.md). `collect::live`
//! sends them and writes `exchange/<Cmdlet>/page-NNNN.json`, the REST form the
//! parser reads.

use super::source::{for_each_item, Cmdlet};
use crate::error::Result;
use crate::normalize::str_at;
use crate::raw::{RawExport, Side};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// `{exchange}/adminapi/beta/{tenant}/InvokeCommand`.
pub fn invoke_url(exchange: &str, tenant: &str) -> String {
    format!(
        "{}/adminapi/beta/{tenant}/InvokeCommand",
        exchange.trim_end_matches('/')
    )
}

/// Items per page asked for with `Prefer: odata.maxpagesize=N` (the EXO V3
/// module asks for 1000; the service may return fewer).
pub const PAGE_SIZE: usize = 1000;

/// The mailbox the module anchors app-only calls on, so the request is routed
/// to the tenant's forest (`X-AnchorMailbox: UPN:...`).
pub fn anchor_mailbox(tenant: &str) -> String {
    format!("UPN:SystemMailbox{{bb558c35-97f1-4cb9-8ff7-d53741dc928c}}@{tenant}")
}

/// The request body of one cmdlet call.
pub fn body(cmdlet: &str, params: &[(&str, Value)]) -> Value {
    let p: Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": p}})
}

/// The headers the EXO V3 module sends with every `InvokeCommand` call.
pub fn headers(cmdlet: &str, tenant: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-CmdletName", cmdlet.to_string()),
        ("X-ResponseFormat", "json".to_string()),
        ("X-AnchorMailbox", anchor_mailbox(tenant)),
        ("Prefer", format!("odata.maxpagesize={PAGE_SIZE}")),
    ]
}

/// Which side a collection is fetched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    Both,
    /// Fetched in this side; in the other the collection is written empty
    /// (collected, nothing there), as the offline procedure saves it.
    Only(Side),
}

impl Sides {
    pub fn includes(self, side: Side) -> bool {
        match self {
            Sides::Both => true,
            Sides::Only(s) => s == side,
        }
    }
}

/// How a collection's calls are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fan {
    /// One call for the tenant.
    Tenant,
    /// One call per mailbox (`Identity` = its ExchangeGuid), all pages in the
    /// one collection: the pipeline `Get-Mailbox | <cmdlet>` the procedure runs.
    PerMailbox,
    /// One call per object, each saved under `<collection>/<object>/`,
    /// because the output does not name the object.
    PerObject(Objects),
}

/// The objects of a per-object collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objects {
    /// Each group Get-DistributionGroup listed, and the scope group.
    Groups,
    /// The ArchiveGuid of each mailbox with an archive.
    Archives,
    /// Each mailbox's primary SMTP address.
    Mailboxes,
    /// The target mail users to probe (`[exchange] test_mailboxes`, else the
    /// first [`TEST_MAILBOXES`] prepared ones).
    TestMailboxes,
}

/// Mail users probed with Test-MigrationServerAvailability when the config
/// names none: a probe is a live check of the endpoint, not an inventory.
pub const TEST_MAILBOXES: usize = 3;

#[derive(Debug, Clone, Copy)]
pub struct ExoSpec {
    /// `exchange/<Cmdlet>`.
    pub collection: &'static str,
    pub cmdlet: &'static str,
    /// Constant parameters; per-object ones are added by [`ExoSpec::params`].
    pub params: &'static [(&'static str, Param)],
    pub fan: Fan,
    pub sides: Sides,
}

/// A parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Str(&'static str),
    Bool(bool),
}

impl Param {
    fn value(self) -> Value {
        match self {
            Param::Str(s) => Value::String(s.into()),
            Param::Bool(b) => Value::Bool(b),
        }
    }
}

const UNLIMITED: (&str, Param) = ("ResultSize", Param::Str("Unlimited"));

const fn spec(collection: &'static str, cmdlet: &'static str) -> ExoSpec {
    ExoSpec {
        collection,
        cmdlet,
        params: &[],
        fan: Fan::Tenant,
        sides: Sides::Both,
    }
}

/// Listings that need nothing fetched before them.
pub const LISTS: &[ExoSpec] = &[
    ExoSpec {
        params: &[UNLIMITED],
        ..spec("exchange/Get-Mailbox", "Get-Mailbox")
    },
    ExoSpec {
        params: &[UNLIMITED],
        ..spec("exchange/Get-MailUser", "Get-MailUser")
    },
    spec(
        "exchange/Get-OrganizationRelationship",
        "Get-OrganizationRelationship",
    ),
    spec("exchange/Get-AcceptedDomain", "Get-AcceptedDomain"),
    spec("exchange/Get-MigrationEndpoint", "Get-MigrationEndpoint"),
    ExoSpec {
        params: &[UNLIMITED],
        ..spec("exchange/Get-DistributionGroup", "Get-DistributionGroup")
    },
    spec("exchange/Get-OrganizationConfig", "Get-OrganizationConfig"),
    ExoSpec {
        params: &[UNLIMITED],
        ..spec("exchange/Get-MoveRequest", "Get-MoveRequest")
    },
    ExoSpec {
        params: &[UNLIMITED],
        ..spec("exchange/Get-MigrationUser", "Get-MigrationUser")
    },
    ExoSpec {
        params: &[UNLIMITED],
        ..spec("exchange/Get-User", "Get-User")
    },
    ExoSpec {
        params: &[("GetEffectiveUsers", Param::Bool(true))],
        ..spec(
            "exchange/Get-ManagementRoleAssignment",
            "Get-ManagementRoleAssignment",
        )
    },
    ExoSpec {
        params: &[("Identity", Param::Str("*\\Set-MailUser"))],
        ..spec(
            "exchange/Get-ManagementRoleEntry",
            "Get-ManagementRoleEntry",
        )
    },
];

/// Collections that fan out from the listings above.
pub const FANOUTS: &[ExoSpec] = &[
    ExoSpec {
        fan: Fan::PerMailbox,
        ..spec("exchange/Get-MailboxStatistics", "Get-MailboxStatistics")
    },
    ExoSpec {
        fan: Fan::PerMailbox,
        ..spec("exchange/Get-MailboxPermission", "Get-MailboxPermission")
    },
    ExoSpec {
        params: &[UNLIMITED],
        fan: Fan::PerObject(Objects::Groups),
        ..spec(
            "exchange/Get-DistributionGroupMember",
            "Get-DistributionGroupMember",
        )
    },
    ExoSpec {
        params: &[("FolderScope", Param::Str("RecoverableItems"))],
        fan: Fan::PerObject(Objects::Archives),
        ..spec(
            "exchange/Get-MailboxFolderStatistics",
            "Get-MailboxFolderStatistics",
        )
    },
    // Every source mailbox, not only those with holds: an organization-wide
    // retention policy shows in no mailbox property, only in this log (EXO-032).
    ExoSpec {
        params: &[("ComponentName", Param::Str("HoldTracking"))],
        fan: Fan::PerObject(Objects::Mailboxes),
        sides: Sides::Only(Side::Source),
        ..spec(
            "exchange/Export-MailboxDiagnosticLogs",
            "Export-MailboxDiagnosticLogs",
        )
    },
    ExoSpec {
        fan: Fan::PerObject(Objects::TestMailboxes),
        sides: Sides::Only(Side::Target),
        ..spec(
            "exchange/Test-MigrationServerAvailability",
            "Test-MigrationServerAvailability",
        )
    },
];

impl ExoSpec {
    /// The collections a fan-out reads its objects from.
    pub fn depends_on(&self) -> &'static [&'static str] {
        match self.fan {
            Fan::Tenant => &[],
            Fan::PerMailbox
            | Fan::PerObject(Objects::Archives)
            | Fan::PerObject(Objects::Mailboxes) => &["exchange/Get-Mailbox"],
            Fan::PerObject(Objects::Groups) => &["exchange/Get-DistributionGroup"],
            Fan::PerObject(Objects::TestMailboxes) => {
                &["exchange/Get-MailUser", "exchange/Get-MigrationEndpoint"]
            }
        }
    }

    /// The parameters of one call: the constant ones, then the object's.
    pub fn params(&self, object: Option<&str>, ctx: &Context) -> Vec<(&'static str, Value)> {
        let mut p: Vec<(&'static str, Value)> =
            self.params.iter().map(|(k, v)| (*k, v.value())).collect();
        if self.cmdlet == "Get-ManagementRoleAssignment" {
            if let Some(op) = &ctx.operator {
                p.push(("RoleAssignee", Value::String(op.clone())));
            }
        }
        let Some(o) = object else { return p };
        match self.fan {
            Fan::PerObject(Objects::TestMailboxes) => {
                if let Some(e) = &ctx.endpoint {
                    p.push(("Endpoint", Value::String(e.clone())));
                }
                p.push(("TestMailbox", Value::String(o.to_string())));
            }
            _ => p.push(("Identity", Value::String(o.to_string()))),
        }
        p
    }
}

/// What per-call parameters depend on beyond the object.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub operator: Option<String>,
    /// The migration endpoint probed (the target's first ExchangeRemoteMove one).
    pub endpoint: Option<String>,
}

/// One mailbox as the fan-outs need it.
#[derive(Debug, Clone)]
struct MailboxRef {
    exchange_guid: Option<String>,
    archive_guid: Option<String>,
    smtp: Option<String>,
}

fn each<F: FnMut(&Value)>(raw: &RawExport, side: Side, collection: &str, mut f: F) -> Result<()> {
    // Per-object collections (`exchange/<Cmdlet>/<object>`) name their cmdlet first.
    let name = LISTS
        .iter()
        .chain(FANOUTS)
        .find(|s| {
            collection == s.collection || collection.starts_with(&format!("{}/", s.collection))
        })
        .map_or("the Exchange cmdlet", |s| s.cmdlet);
    // Type-name checks belong to the parser; here only the values are read.
    let cmdlet = Cmdlet { name, fields: &[] };
    for_each_item(raw, side, collection, &cmdlet, |item| {
        f(item.value);
        Ok(())
    })?;
    Ok(())
}

/// Every item saved for `collection` in whichever form (REST pages,
/// ConvertTo-Json, Export-Csv rows as objects of strings), as the objects the
/// REST endpoint returns: the tenant simulator serves them.
pub fn saved_items(raw: &RawExport, side: Side, collection: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    each(raw, side, collection, |v| out.push(v.clone()))?;
    Ok(out)
}

fn text(v: &Value, key: &str) -> Option<String> {
    str_at(v, key)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn is_zero_guid(g: &str) -> bool {
    g.chars().all(|c| c == '0' || c == '-')
}

fn mailboxes(raw: &RawExport, side: Side) -> Result<Vec<MailboxRef>> {
    let mut out = Vec::new();
    each(raw, side, "exchange/Get-Mailbox", |v| {
        out.push(MailboxRef {
            exchange_guid: text(v, "ExchangeGuid").filter(|g| !is_zero_guid(g)),
            archive_guid: text(v, "ArchiveGuid").filter(|g| !is_zero_guid(g)),
            smtp: text(v, "PrimarySmtpAddress").map(|s| s.to_lowercase()),
        });
    })?;
    Ok(out)
}

/// Keeps the first of each (case-insensitive) value, in order.
fn dedup(list: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    list.into_iter()
        .filter(|s| seen.insert(s.to_lowercase()))
        .collect()
}

/// The `Identity` of each call of a per-mailbox collection.
pub fn per_mailbox(
    raw: &RawExport,
    side: Side,
    cfg: &crate::config::ExchangeConfig,
) -> Result<Vec<String>> {
    Ok(dedup(
        scoped_mailboxes(raw, side, cfg)?
            .into_iter()
            .filter_map(|m| m.exchange_guid.or(m.smtp))
            .collect(),
    ))
}

/// The mailboxes the per-mailbox cmdlets run for: all, or those of the
/// batch files (`[exchange] per_mailbox = "batches"`).
fn scoped_mailboxes(
    raw: &RawExport,
    side: Side,
    cfg: &crate::config::ExchangeConfig,
) -> Result<Vec<MailboxRef>> {
    let all = mailboxes(raw, side)?;
    if cfg.per_mailbox == crate::config::PerMailbox::All {
        return Ok(all);
    }
    let mut wanted = HashSet::new();
    for path in &cfg.batches {
        for row in crate::userfiles::batch::load(path, "")?.rows {
            let local = row.email_lc.split('@').next().unwrap_or("").to_string();
            wanted.insert(row.email_lc);
            wanted.insert(local);
        }
    }
    Ok(all
        .into_iter()
        .filter(|m| {
            m.smtp.as_deref().is_some_and(|s| {
                wanted.contains(s) || wanted.contains(s.split('@').next().unwrap_or(""))
            })
        })
        .collect())
}

/// The objects of a per-object collection, in the order they were listed.
pub fn objects(
    raw: &RawExport,
    side: Side,
    which: Objects,
    cfg: &crate::config::ExchangeConfig,
) -> Result<Vec<String>> {
    let list = match which {
        Objects::Groups => {
            let mut g = Vec::new();
            if side == Side::Source {
                g.extend(cfg.scope_group.iter().map(|s| s.trim().to_lowercase()));
            }
            each(raw, side, "exchange/Get-DistributionGroup", |v| {
                if let Some(a) = text(v, "PrimarySmtpAddress").or_else(|| text(v, "Identity")) {
                    g.push(a.to_lowercase());
                }
            })?;
            g
        }
        Objects::Archives => scoped_mailboxes(raw, side, cfg)?
            .into_iter()
            .filter_map(|m| m.archive_guid.map(|g| g.to_lowercase()))
            .collect(),
        Objects::Mailboxes => scoped_mailboxes(raw, side, cfg)?
            .into_iter()
            .filter_map(|m| m.smtp)
            .collect(),
        Objects::TestMailboxes => match &cfg.test_mailboxes {
            Some(list) => list.iter().map(|s| s.trim().to_lowercase()).collect(),
            None => prepared_mail_users(raw, side)?,
        },
    };
    Ok(dedup(list.into_iter().filter(|s| !s.is_empty()).collect()))
}

/// The first mail users that carry an ExchangeGuid: those prepared for a
/// move (a target mail user gets the source mailbox's ExchangeGuid). Read
/// from this side only, because the two tenants are collected concurrently.
fn prepared_mail_users(raw: &RawExport, side: Side) -> Result<Vec<String>> {
    let mut out = Vec::new();
    each(raw, side, "exchange/Get-MailUser", |v| {
        let prepared = text(v, "ExchangeGuid").is_some_and(|g| !is_zero_guid(&g));
        if prepared && out.len() < TEST_MAILBOXES {
            if let Some(s) = text(v, "PrimarySmtpAddress") {
                out.push(s.to_lowercase());
            }
        }
    })?;
    Ok(out)
}

/// The target's migration endpoint to probe: the first ExchangeRemoteMove one.
pub fn endpoint(raw: &RawExport, side: Side) -> Result<Option<String>> {
    let mut first = None;
    let mut remote = None;
    each(raw, side, "exchange/Get-MigrationEndpoint", |v| {
        let id = text(v, "Identity").or_else(|| text(v, "Name"));
        if first.is_none() {
            first = id.clone();
        }
        let ty = text(v, "EndpointType").unwrap_or_default();
        if remote.is_none() && ty.eq_ignore_ascii_case("ExchangeRemoteMove") {
            remote = id;
        }
    })?;
    Ok(remote.or(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exchange_collection_the_parser_reads_is_requested_once() {
        let requested: Vec<&str> = LISTS.iter().chain(FANOUTS).map(|s| s.collection).collect();
        for c in super::super::parse::COLLECTIONS {
            assert!(
                requested.contains(&c.collection),
                "{} is parsed but never requested",
                c.collection
            );
        }
        let mut sorted = requested.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), requested.len());
        for s in LISTS.iter().chain(FANOUTS) {
            assert!(
                crate::http::guard::read_only_cmdlet(s.cmdlet),
                "{} would be refused",
                s.cmdlet
            );
            assert_eq!(s.collection, format!("exchange/{}", s.cmdlet));
        }
    }

    #[test]
    fn body_and_headers_have_the_module_shape() {
        let b = body(
            "Get-Mailbox",
            &[("ResultSize", Value::String("Unlimited".into()))],
        );
        assert_eq!(
            b,
            json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"ResultSize": "Unlimited"}}})
        );
        let h = headers("Get-Mailbox", "t1");
        assert!(h.contains(&("X-CmdletName", "Get-Mailbox".to_string())));
        assert!(h.contains(&("Prefer", "odata.maxpagesize=1000".to_string())));
        assert_eq!(
            invoke_url("http://h/exchange/", "t1"),
            "http://h/exchange/adminapi/beta/t1/InvokeCommand"
        );
    }

    #[test]
    fn probe_parameters_name_the_endpoint_and_the_mailbox() {
        let probe = FANOUTS
            .iter()
            .find(|s| s.cmdlet == "Test-MigrationServerAvailability")
            .unwrap();
        let ctx = Context {
            operator: None,
            endpoint: Some("Contoso_T2T_Endpoint".into()),
        };
        let p = probe.params(Some("a@fabrikam.com"), &ctx);
        assert_eq!(
            p,
            vec![
                ("Endpoint", json!("Contoso_T2T_Endpoint")),
                ("TestMailbox", json!("a@fabrikam.com"))
            ]
        );
    }
}
