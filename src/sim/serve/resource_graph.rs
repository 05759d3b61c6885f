//! Azure Resource Graph: `POST /arm/providers/Microsoft.ResourceGraph/resources`
//! with `{"subscriptions", "query", "options": {"$top", "$skip", "$skipToken",
//! "resultFormat"}}`. Understands the query forms the collectors send —
//! `resources` or `resourcecontainers`, then `where` clauses (`type in~ (...)`,
//! `col =~ 'x'`, `col == 'x'`, `in`, joined by `and`), `project`, and
//! `order by` / `sort by` — and answers 400 `InvalidQuery` to anything else.
//! Rows come from the export's `resource-graph/*` collections and, unless
//! turned off, from `arm/*` objects turned into rows (lowercase `type`,
//! `subscriptionId`, `resourceGroup`, `tenantId`), each id once.

use super::arm;
use super::paging;
use super::quota::{hhmmss, retry_after_secs, Take};
use super::store::{normalize_id, subscription_of, Tenant};
use super::{Ctx, Reply, Shared};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// ARM collections whose objects Resource Graph also indexes in `resources`,
/// full payloads first; `arm/resources` (every type, lighter objects) last.
const ARM_RESOURCES: &[&str] = &[
    "arm/disks",
    "arm/snapshots",
    "arm/virtual-machines",
    "arm/disk-encryption-sets",
    "arm/registries",
    "arm/registry-replications",
    "arm/registry-webhooks",
    "arm/galleries",
    "arm/gallery-images",
    "arm/gallery-image-versions",
    "arm/key-vaults",
    "arm/sql-servers",
    "arm/storage-accounts",
    "arm/vm-extensions",
    "arm/resources",
];

/// How a row is made from its source item.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Make {
    /// A Resource Graph row saved in the export: served as is.
    Native,
    Resource,
    Subscription,
    ResourceGroup,
}

/// A row by reference: built only when its page is sent.
#[derive(Debug, Clone)]
struct RowRef {
    coll: &'static str,
    idx: usize,
    make: Make,
    ty: String,
    sub: String,
}

/// Each tenant's `resources` and `resourcecontainers` rows.
#[derive(Debug, Default)]
pub struct Tables {
    tables: HashMap<&'static str, Vec<RowRef>>,
}

impl Tables {
    pub fn build(t: &Tenant, from_arm: bool) -> Tables {
        let mut tables: HashMap<&'static str, Vec<RowRef>> = HashMap::new();
        for (table, native) in [
            ("resources", "resource-graph/resources"),
            ("resourcecontainers", "resource-graph/resourcecontainers"),
        ] {
            let mut seen = HashSet::new();
            let rows = tables.entry(table).or_default();
            let mut sources: Vec<(&'static str, Make)> = vec![(native, Make::Native)];
            if from_arm {
                if table == "resources" {
                    sources.extend(ARM_RESOURCES.iter().map(|c| (*c, Make::Resource)));
                } else {
                    sources.push(("arm/subscriptions", Make::Subscription));
                    sources.push(("arm/resource-groups", Make::ResourceGroup));
                }
            }
            for (coll, make) in sources {
                let Some(c) = t.collection(coll) else {
                    continue;
                };
                for (idx, item) in c.items.iter().enumerate() {
                    if !item.id.is_empty() && !seen.insert(item.id.clone()) {
                        continue;
                    }
                    let ty = match make {
                        Make::Subscription => "microsoft.resources/subscriptions".to_string(),
                        Make::ResourceGroup => {
                            "microsoft.resources/subscriptions/resourcegroups".to_string()
                        }
                        _ => item.ty.to_string(),
                    };
                    let sub = item.sub.clone().unwrap_or_default();
                    rows.push(RowRef {
                        coll,
                        idx,
                        make,
                        ty,
                        sub,
                    });
                }
            }
        }
        Tables { tables }
    }
}

/// Resource Graph's error body: a generic message with the specific codes in `details`.
fn rg_error(status: StatusCode, code: &str, details: Value) -> Reply {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
    Reply::json(
        status,
        &json!({"error": {
            "code": code,
            "message": format!("Please provide below info when asking for support: timestamp = {now}, correlationId = 00000000-0000-0000-0000-000000000000."),
            "details": details,
        }}),
    )
}

/// Resource Graph's 429: `RateLimiting`, `Retry-After` and the quota headers at 0.
pub fn throttled(retry_after: std::time::Duration) -> Reply {
    rg_error(
        StatusCode::TOO_MANY_REQUESTS,
        "RateLimiting",
        json!([{"code": "RateLimiting", "message": "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."}]),
    )
    .header("retry-after", retry_after_secs(retry_after).to_string())
    .header("x-ms-user-quota-remaining", "0")
    .header("x-ms-user-quota-resets-after", hhmmss(retry_after))
}

fn invalid_query(what: &str) -> Reply {
    rg_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        json!([
            {"code": "InvalidQuery", "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."},
            {"code": "ParserFailure", "message": what},
        ]),
    )
}

pub fn handle(sh: &Shared, ctx: &Ctx, tenant_out: &mut Option<String>) -> Reply {
    let claims = match arm::authenticate(sh, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    *tenant_out = Some(claims.tid.clone());
    let path = ctx.path.to_ascii_lowercase();
    if path.trim_end_matches('/') != "/arm/providers/microsoft.resourcegraph/resources" {
        return arm::error(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.ResourceGraph'. The simulator serves 'resources' (POST).",
        );
    }
    if ctx.method != Method::POST {
        return arm::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "The requested resource does not support http method '{}'.",
                ctx.method
            ),
        );
    }
    if ctx.param("api-version").is_none_or(str::is_empty) {
        return arm::error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    let q = &sh.quotas.opts;
    let key = format!("rg:{}:{}", claims.tid, claims.oid);
    let quota_headers = match sh.quotas.window(&key, q.rg_queries, q.rg_window) {
        Take::Ok {
            remaining,
            resets_after,
        } => vec![
            ("x-ms-user-quota-remaining", remaining.to_string()),
            ("x-ms-user-quota-resets-after", hhmmss(resets_after)),
        ],
        Take::Throttled { retry_after } => return throttled(retry_after),
    };
    let mut reply = match sh.store.tenant(&claims.tid) {
        Some((i, t)) => query(sh, ctx, &claims.tid, t, &sh.rg[i]),
        None => query(sh, ctx, &claims.tid, &empty_tenant(), &Tables::default()),
    };
    reply.headers.extend(quota_headers);
    reply
}

fn empty_tenant() -> Tenant {
    Tenant {
        side: crate::raw::Side::Source,
        id: String::new(),
        domains: Vec::new(),
        subscriptions: Vec::new(),
        collections: HashMap::new(),
        children: HashMap::new(),
        ids: HashSet::new(),
        user_count: 0,
        acr: Default::default(),
        exchange: Default::default(),
    }
}

fn query(sh: &Shared, ctx: &Ctx, tid: &str, t: &Tenant, tables: &Tables) -> Reply {
    let body: Value = match serde_json::from_slice(ctx.body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return rg_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                json!([{"code": "InvalidRequestContent", "message": "The request content was invalid and could not be deserialized: expected a JSON object with \"query\"."}]),
            )
        }
    };
    let Some(text) = body.get("query").and_then(Value::as_str) else {
        return rg_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            json!([{"code": "InvalidRequestContent", "message": "The request content was invalid: \"query\" is required."}]),
        );
    };
    let parsed = match parse(text) {
        Ok(q) => q,
        Err(e) => return invalid_query(&e),
    };
    let options = body.get("options").cloned().unwrap_or(Value::Null);
    if let Some(f) = options.get("resultFormat").and_then(Value::as_str) {
        if !f.eq_ignore_ascii_case("objectArray") {
            return rg_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                json!([{"code": "InvalidRequestContent", "message": format!("resultFormat '{f}' is not served by the simulator; use objectArray.")}]),
            );
        }
    }
    // Subscriptions the caller may not read are dropped, as the service does.
    // None named (or an empty list) is the tenant scope: every subscription.
    let mut subs: Vec<String> = match body
        .get("subscriptions")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        Some(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .filter(|s| t.subscriptions.contains(s))
            .collect(),
        None => t.subscriptions.clone(),
    };
    subs.sort();
    subs.dedup();
    let rows = tables
        .tables
        .get(parsed.table.as_str())
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    // Rows are filtered on their precomputed subscription, type and id; only
    // a filter or sort on another column builds every candidate row. A large
    // tenant's 100,000 resources are then a cheap scan per page, and only the
    // page's rows are built.
    let wanted: HashSet<&str> = subs.iter().map(String::as_str).collect();
    let cheap = |f: &Filter| f.col == "type" || f.col == "subscriptionId";
    let mut hits: Vec<(&RowRef, Option<Value>)> = rows
        .iter()
        .filter(|r| wanted.contains(r.sub.as_str()))
        .filter(|r| {
            parsed
                .filters
                .iter()
                .filter(|f| cheap(f))
                .all(|f| f.accepts_str(if f.col == "type" { &r.ty } else { &r.sub }))
        })
        .map(|r| (r, None))
        .collect();
    let by_id = parsed.order.as_ref().is_some_and(|(c, _)| c == "id");
    if parsed.filters.iter().any(|f| !cheap(f)) || (parsed.order.is_some() && !by_id) {
        hits = hits
            .into_iter()
            .map(|(r, _)| (r, Some(build(t, r))))
            .filter(|(_, row)| {
                let row = row.as_ref().unwrap_or(&Value::Null);
                parsed
                    .filters
                    .iter()
                    .all(|f| cheap(f) || f.accepts(field(row, &f.col)))
            })
            .collect();
    }
    if let Some((col, desc)) = &parsed.order {
        let key = |h: &(&RowRef, Option<Value>)| -> String {
            match &h.1 {
                Some(row) if !by_id => field(row, col).as_str().unwrap_or("").to_ascii_lowercase(),
                _ => item_id(t, h.0),
            }
        };
        hits.sort_by_cached_key(key);
        if *desc {
            hits.reverse();
        }
    }
    let mut truncated = false;
    if let Some(n) = parsed.limit {
        truncated = hits.len() > n;
        hits.truncate(n);
    }
    let scope = format!("{tid}|{text}|{}", subs.join(","));
    let mut offset = options.get("$skip").and_then(Value::as_u64).unwrap_or(0) as usize;
    if let Some(tok) = options.get("$skipToken").and_then(Value::as_str) {
        match paging::decode(&sh.issuer, &scope, tok) {
            Some(o) => offset = o,
            None => {
                return rg_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    json!([{"code": "InvalidSkipToken", "message": "The skip token is invalid or does not belong to this query."}]),
                )
            }
        }
    }
    let top = options
        .get("$top")
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    let size = paging::size(top, paging::RG_DEFAULT, paging::RG_MAX, sh.page_size);
    let (range, more) = paging::window(hits.len(), offset, size);
    // A limited query is not paged: the rows past the page are simply cut.
    let more = more && parsed.limit.is_none();
    truncated |= parsed.limit.is_some() && range.end < hits.len();
    let data: Vec<Value> = hits[range.clone()]
        .iter()
        .map(|(r, row)| match row {
            Some(row) => project(row, parsed.project.as_deref()),
            None => project(&build(t, r), parsed.project.as_deref()),
        })
        .collect();
    let mut out = json!({
        "totalRecords": hits.len(),
        "count": data.len(),
        "data": data,
        "facets": [],
        "resultTruncated": if truncated { "true" } else { "false" },
    });
    if more {
        out["$skipToken"] = Value::String(paging::encode(&sh.issuer, &scope, range.end));
    }
    let reply = Reply::json(StatusCode::OK, &out);
    if reply.body.len() > sh.rg_max_payload {
        // The service refuses a page over its payload cap; the client is to
        // ask for fewer rows ($top) or fewer columns.
        return rg_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            json!([{"code": "ResponsePayloadTooLarge", "message": format!(
                "Response payload size is {}, and has exceeded the limit of {}. Please consider querying less data at a time and make paginated call if needed.",
                reply.body.len(), sh.rg_max_payload
            )}]),
        );
    }
    reply
}

/// The lowercased id of a row's source item (the `order by id` key).
fn item_id(t: &Tenant, r: &RowRef) -> String {
    t.collection(r.coll)
        .and_then(|c| c.items.get(r.idx))
        .map(|i| i.id.clone())
        .unwrap_or_default()
}

fn field<'a>(row: &'a Value, col: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    row.get(col)
        .or_else(|| {
            row.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(col))
                    .map(|(_, v)| v)
            })
        })
        .unwrap_or(&NULL)
}

fn project(row: &Value, cols: Option<&[String]>) -> Value {
    match cols {
        None => row.clone(),
        Some(cols) => {
            let mut m = Map::new();
            for c in cols {
                m.insert(c.clone(), field(row, c).clone());
            }
            Value::Object(m)
        }
    }
}

fn build(t: &Tenant, r: &RowRef) -> Value {
    let Some(v) = t
        .collection(r.coll)
        .and_then(|c| c.items.get(r.idx))
        .map(|i| i.value())
    else {
        return Value::Null;
    };
    match r.make {
        Make::Native => v,
        _ => derived_row(t, r, &v),
    }
}

/// A row made from an ARM object (or subscription / resource group).
fn derived_row(t: &Tenant, r: &RowRef, v: &Value) -> Value {
    let s = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let s_or = |k: &str, d: Value| v.get(k).filter(|x| !x.is_null()).cloned().unwrap_or(d);
    let id = v.get("id").and_then(Value::as_str).unwrap_or("");
    let norm = normalize_id(id);
    let rg = norm
        .split('/')
        .skip_while(|s| *s != "resourcegroups")
        .nth(1)
        .unwrap_or("")
        .to_string();
    match r.make {
        Make::Native => v.clone(),
        Make::Resource => json!({
            "id": id, "name": s("name"), "type": r.ty, "tenantId": t.id,
            "kind": s_or("kind", json!("")), "location": s_or("location", json!("")),
            "resourceGroup": rg, "subscriptionId": r.sub,
            "managedBy": s_or("managedBy", json!("")), "sku": s("sku"), "plan": s("plan"),
            "properties": s_or("properties", json!({})), "tags": s_or("tags", json!({})),
            "identity": s("identity"), "zones": s("zones"), "extendedLocation": s("extendedLocation"),
        }),
        Make::Subscription => json!({
            "id": id, "name": s("displayName"), "type": r.ty,
            "tenantId": s_or("tenantId", json!(t.id)),
            "kind": "", "location": "", "resourceGroup": "", "subscriptionId": r.sub,
            "managedBy": "", "sku": null, "plan": null,
            "properties": {
                "state": s("state"),
                "subscriptionPolicies": s("subscriptionPolicies"),
                "managementGroupAncestorsChain": [],
            },
            "tags": s_or("tags", json!({})), "identity": null, "zones": null, "extendedLocation": null,
        }),
        Make::ResourceGroup => json!({
            "id": id, "name": s("name"), "type": r.ty, "tenantId": t.id,
            "kind": "", "location": s_or("location", json!("")),
            "resourceGroup": rg, "subscriptionId": subscription_of(&norm).unwrap_or_default(),
            "managedBy": s_or("managedBy", json!("")), "sku": null, "plan": null,
            "properties": s_or("properties", json!({})), "tags": s_or("tags", json!({})),
            "identity": null, "zones": null, "extendedLocation": null,
        }),
    }
}

/// A parsed query.
#[derive(Debug, PartialEq)]
pub struct Query {
    pub table: String,
    pub filters: Vec<Filter>,
    pub project: Option<Vec<String>>,
    pub order: Option<(String, bool)>,
    /// `limit N` / `take N`: at most N rows, no paging, `resultTruncated`
    /// "true" when rows were cut (the service's rule).
    pub limit: Option<usize>,
}

/// `col in~ (...)`, `col =~ 'x'` (case-insensitive) or `in` / `==` (exact).
#[derive(Debug, PartialEq)]
pub struct Filter {
    pub col: String,
    pub values: Vec<String>,
    pub ci: bool,
}

impl Filter {
    fn accepts(&self, v: &Value) -> bool {
        v.as_str().is_some_and(|s| self.accepts_str(s))
    }

    fn accepts_str(&self, s: &str) -> bool {
        if self.ci {
            self.values.iter().any(|x| x.eq_ignore_ascii_case(s))
        } else {
            self.values.iter().any(|x| x == s)
        }
    }
}

/// Splits on `sep` outside quotes and parentheses.
fn split_top(s: &str, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut cur) = (0i32, None::<char>, String::new());
    let mut i = 0;
    let chars: Vec<char> = s.chars().collect();
    let sepc: Vec<char> = sep.chars().collect();
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => {
                if depth == 0 && chars[i..].starts_with(&sepc) {
                    out.push(std::mem::take(&mut cur));
                    i += sepc.len();
                    continue;
                }
                match c {
                    '\'' | '"' => quote = Some(c),
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                cur.push(c);
            }
        }
        i += 1;
    }
    out.push(cur);
    out
}

fn unquote(s: &str) -> Option<String> {
    let s = s.trim();
    let q = s.chars().next()?;
    (matches!(q, '\'' | '"') && s.len() >= 2 && s.ends_with(q))
        .then(|| s[1..s.len() - 1].to_string())
}

/// Parses the supported subset of KQL; the error says what was not understood.
pub fn parse(text: &str) -> Result<Query, String> {
    let stages = split_top(text, "|");
    let table = stages[0].trim().to_ascii_lowercase();
    if table != "resources" && table != "resourcecontainers" {
        return Err(format!(
            "table '{}' is not served: the simulator answers 'resources' and 'resourcecontainers'",
            stages[0].trim()
        ));
    }
    let mut q = Query {
        table,
        filters: Vec::new(),
        project: None,
        order: None,
        limit: None,
    };
    for stage in &stages[1..] {
        let st = stage.trim();
        let (op, rest) = st.split_once(char::is_whitespace).unwrap_or((st, ""));
        match op.to_ascii_lowercase().as_str() {
            "where" => {
                for cond in split_top(rest, " and ") {
                    q.filters.push(parse_cond(cond.trim())?);
                }
            }
            "project" => {
                let cols: Vec<String> = rest.split(',').map(|c| c.trim().to_string()).collect();
                if cols.iter().any(|c| c.is_empty() || !c.chars().all(|ch| ch.is_alphanumeric() || ch == '_')) {
                    return Err(format!("project list '{rest}' is not plain column names"));
                }
                q.project = Some(cols);
            }
            "limit" | "take" => {
                let n: usize = rest
                    .trim()
                    .parse()
                    .map_err(|_| format!("'{st}': expected '{op} N' with a whole number"))?;
                q.limit = Some(q.limit.map_or(n, |m: usize| m.min(n)));
            }
            "order" | "sort" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                match words.as_slice() {
                    [by, col] if by.eq_ignore_ascii_case("by") => q.order = Some((col.to_string(), true)),
                    [by, col, dir] if by.eq_ignore_ascii_case("by") => {
                        q.order = Some((col.to_string(), dir.eq_ignore_ascii_case("desc")))
                    }
                    _ => return Err(format!("'{st}': expected 'order by COLUMN [asc|desc]'")),
                }
            }
            _ => return Err(format!("operator '{op}' is not served: the simulator understands where, project, order by and limit")),
        }
    }
    Ok(q)
}

fn parse_cond(cond: &str) -> Result<Filter, String> {
    let words: Vec<&str> = cond.splitn(3, char::is_whitespace).collect();
    let [col, op, rhs] = words.as_slice() else {
        return Err(format!(
            "condition '{cond}': expected COLUMN OPERATOR VALUE"
        ));
    };
    let col = col.to_string();
    match *op {
        "in~" | "in" => {
            let inner = rhs
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("condition '{cond}': expected a list in parentheses"))?;
            let values = split_top(inner, ",")
                .iter()
                .map(|v| {
                    unquote(v)
                        .ok_or_else(|| format!("condition '{cond}': {v} is not a quoted string"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Filter {
                col,
                values,
                ci: *op == "in~",
            })
        }
        "=~" | "==" => {
            let v = unquote(rhs)
                .ok_or_else(|| format!("condition '{cond}': {rhs} is not a quoted string"))?;
            Ok(Filter {
                col,
                values: vec![v],
                ci: *op == "=~",
            })
        }
        other => Err(format!(
            "condition '{cond}': operator '{other}' is not served (use in~, in, =~ or ==)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_collector_query_forms() {
        let q = parse("resources | where type in~ ('microsoft.compute/disks', 'Microsoft.Compute/snapshots') | project id, name, type, properties").expect("query");
        assert_eq!(q.table, "resources");
        assert_eq!(
            q.filters[0].values,
            vec!["microsoft.compute/disks", "Microsoft.Compute/snapshots"]
        );
        assert!(q.filters[0].ci);
        assert_eq!(q.project.as_deref().map(<[String]>::len), Some(4));
        let q = parse("resourcecontainers | where type =~ 'microsoft.resources/subscriptions' and subscriptionId in ('a','b') | order by id asc").expect("query");
        assert_eq!(q.filters.len(), 2);
        assert_eq!(q.order, Some(("id".into(), false)));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        assert!(parse("authorizationresources")
            .unwrap_err()
            .contains("not served"));
        assert_eq!(
            parse("resourcecontainers | project id | limit 1").map(|q| q.limit),
            Ok(Some(1))
        );
        assert!(parse("resources | limit many").is_err());
        assert!(parse("resources | summarize count()")
            .unwrap_err()
            .contains("'summarize'"));
        assert!(parse("resources | where type startswith 'x'")
            .unwrap_err()
            .contains("startswith"));
        assert!(parse("resources | where type in~ (microsoft)")
            .unwrap_err()
            .contains("quoted"));
    }

    #[test]
    fn pipes_and_ands_inside_quotes_are_values() {
        let q = parse("resources | where name == 'a | b and c'").expect("query");
        assert_eq!(q.filters[0].values, vec!["a | b and c"]);
    }
}
