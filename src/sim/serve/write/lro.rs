//! Long-running operations: each write that ARM runs asynchronously gets an
//! operation that finishes `--lro-seconds` after it starts. Its status URL
//! answers the way wire-facts.md §3 describes: `Azure-AsyncOperation` always
//! 200 with `{status, startTime, endTime?, error?}`; `Location` 202 (no body)
//! while running, then what the synchronous call would have returned.

pub use super::state::OpKind;
use super::state::{Operation, WriteState};
use super::{owner, Ctx, Reply, Shared};
use crate::sim::serve::arm::error;
use crate::sim::serve::tokens::Claims;
use axum::http::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// API version echoed on status URLs.
const STATUS_API: &str = "2024-03-02";

/// Registers an operation and returns its id.
pub fn start(st: &mut WriteState, tenant: usize, duration: Duration, kind: OpKind) -> String {
    st.next_op += 1;
    let id = format!("00000000-0000-4000-a000-{:012x}", st.next_op);
    st.ops.insert(
        id.clone(),
        Operation {
            tenant,
            started: chrono::Utc::now(),
            duration,
            ready_at: Instant::now() + duration,
            kind,
            error: None,
        },
    );
    id
}

/// The absolute status URL of an operation (`operations` for
/// `Azure-AsyncOperation`, `operationResults` for `Location`).
pub fn url(ctx: &Ctx, sub: &str, op: &str) -> String {
    format!(
        "{}/arm/subscriptions/{sub}/providers/Microsoft.Compute/locations/simulator/operations/{op}?api-version={STATUS_API}",
        ctx.base
    )
}

pub fn result_url(ctx: &Ctx, sub: &str, op: &str) -> String {
    format!(
        "{}/arm/subscriptions/{sub}/providers/Microsoft.Compute/locations/simulator/operationResults/{op}?api-version={STATUS_API}",
        ctx.base
    )
}

/// Whole seconds to wait, at least 1 (ARM sends integers).
pub fn retry_after(left: Duration) -> String {
    let s = left.as_secs_f64().ceil() as u64;
    s.clamp(1, 600).to_string()
}

/// Answers a status URL (lowercased path without `/arm`), or `None` when the
/// path is not one.
pub fn status(sh: &Shared, ctx: &Ctx, claims: &Claims, lower: &str) -> Option<Reply> {
    let segs: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
    let (sub, which, op) = match segs.as_slice() {
        ["subscriptions", s, "providers", _, "locations", _, w @ ("operations" | "operationresults"), op] => {
            (*s, *w, *op)
        }
        _ => return None,
    };
    let (ti, _) = match owner(sh, claims, sub) {
        Ok(t) => t,
        Err(r) => return Some(r),
    };
    let st = sh.writes.lock();
    let Some(o) = st.ops.get(op).filter(|o| o.tenant == ti) else {
        return Some(error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The operation '{op}' was not found."),
        ));
    };
    let now = Instant::now();
    let done = now >= o.ready_at;
    let end = o.started + chrono::Duration::from_std(o.duration).unwrap_or_default();
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
    if which == "operationresults" {
        if let (true, OpKind::Location { status, body }) = (done, &o.kind) {
            let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
            return Some(match body {
                Some(b) => Reply::json(code, b),
                None => Reply {
                    status: code,
                    headers: Vec::new(),
                    body: Vec::new(),
                    written: None,
                },
            });
        }
        if !done {
            return Some(Reply {
                status: StatusCode::ACCEPTED,
                headers: vec![
                    ("location", result_url(ctx, sub, op)),
                    ("retry-after", retry_after(o.ready_at - now)),
                ],
                body: Vec::new(),
                written: None,
            });
        }
    }
    let mut body = json!({
        "name": op,
        "status": if done { if o.error.is_some() { "Failed" } else { "Succeeded" } } else { "InProgress" },
        "startTime": fmt(o.started),
    });
    if done {
        body["endTime"] = fmt(end).into();
        if let Some(e) = &o.error {
            body["error"] = e.clone();
        }
    }
    let mut r = Reply::json(StatusCode::OK, &body);
    if !done {
        r = r.header("retry-after", retry_after(o.ready_at - now));
    }
    Some(r)
}
