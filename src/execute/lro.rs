//! Long-running operations (wire-facts §3): after a 201/202, poll
//! `Azure-AsyncOperation` (its `status` until `Succeeded`, `Failed` or
//! `Canceled`), else `Location` (202 until a final answer), at the cadence
//! the service asks for with `Retry-After`. An operation that reports
//! `Succeeded` is the end: its status is ARM's terminal signal, and reading
//! the resource again would only spend the subscription's read quota (one
//! read per step, a third of apply's reads at 1,000 disks). A PUT answered
//! without an operation header, or followed through `Location`, is read until
//! its `provisioningState` settles: a 200 that says `Creating` or `Updating`
//! is not done.

use crate::auth::{redact, TenantAuth};
use crate::error::{Error, Result};
use crate::execute::plan::Service;
use crate::http::write::{WriteClient, WriteResponse};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy)]
pub struct LroOptions {
    /// Poll interval when the service names none.
    pub default_poll: Duration,
    /// Give up on an operation after this long.
    pub max_wait: Duration,
}

impl Default for LroOptions {
    fn default() -> LroOptions {
        LroOptions {
            default_poll: Duration::from_secs(5),
            max_wait: Duration::from_secs(3600),
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Default)]
pub struct Settled {
    pub polls: u32,
    /// The last resource (or operation) body read.
    pub body: Option<Value>,
}

/// States of `provisioningState` / operation `status` that are still moving.
pub fn in_progress(state: &str) -> bool {
    matches!(
        state.to_ascii_lowercase().as_str(),
        "creating" | "updating" | "accepted" | "inprogress" | "running" | "notstarted" | "deleting"
    )
}

fn failed(state: &str) -> bool {
    matches!(
        state.to_ascii_lowercase().as_str(),
        "failed" | "canceled" | "cancelled"
    )
}

fn header(r: &WriteResponse, name: &str) -> Option<String> {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn wait_of(r: &WriteResponse, opts: &LroOptions) -> Duration {
    crate::http::retry::server_wait(&r.headers, SystemTime::now())
        .unwrap_or(opts.default_poll)
        .min(Duration::from_secs(120))
}

pub fn provisioning_state(v: &Value) -> Option<&str> {
    v.pointer("/properties/provisioningState")
        .and_then(Value::as_str)
}

/// Follows `first` (the answer to `method resource_url`) to its end.
pub async fn settle(
    client: &WriteClient,
    service: Service,
    auth: &TenantAuth,
    first: &WriteResponse,
    method: &str,
    resource_url: &str,
    opts: &LroOptions,
) -> Result<Settled> {
    let started = Instant::now();
    let mut out = Settled {
        polls: 0,
        body: first.json(),
    };
    let timed_out = || {
        Error::Runtime(format!(
            "{method} {}: the operation did not finish within {} s",
            redact(resource_url),
            opts.max_wait.as_secs()
        ))
    };
    if matches!(first.status, 201 | 202) {
        let mut wait = wait_of(first, opts);
        if let Some(op) = header(first, "azure-asyncoperation") {
            loop {
                if started.elapsed() > opts.max_wait {
                    return Err(timed_out());
                }
                tokio::time::sleep(wait).await;
                let r = client.get(&op, service, auth).await?;
                out.polls += 1;
                if !r.ok() {
                    return Err(Error::Runtime(format!(
                        "polling the operation of {method} {}: {}",
                        redact(resource_url),
                        r.error_text()
                    )));
                }
                let v = r.json().unwrap_or(Value::Null);
                let status = v.get("status").and_then(Value::as_str).unwrap_or("");
                if failed(status) {
                    let why = v
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or(status);
                    return Err(Error::Runtime(format!(
                        "{method} {}: the operation ended {status}: {}",
                        redact(resource_url),
                        redact(why)
                    )));
                }
                if status.eq_ignore_ascii_case("succeeded") {
                    return Ok(out);
                }
                wait = wait_of(&r, opts);
            }
        } else if let Some(loc) = header(first, "location").filter(|_| first.status == 202) {
            loop {
                if started.elapsed() > opts.max_wait {
                    return Err(timed_out());
                }
                tokio::time::sleep(wait).await;
                let r = client.get(&loc, service, auth).await?;
                out.polls += 1;
                if r.status == 202 {
                    wait = wait_of(&r, opts);
                    continue;
                }
                if !r.ok() {
                    return Err(Error::Runtime(format!(
                        "{method} {}: the operation ended with {}",
                        redact(resource_url),
                        r.error_text()
                    )));
                }
                out.body = r.json();
                break;
            }
        }
    }
    if !method.eq_ignore_ascii_case("PUT") {
        return Ok(out);
    }
    // The resource itself: a PUT is done when it says Succeeded.
    let mut state = out
        .body
        .as_ref()
        .and_then(provisioning_state)
        .map(str::to_string);
    let mut wait = wait_of(first, opts);
    let mut read_once = out.polls == 0 && first.status == 200;
    loop {
        if let Some(s) = &state {
            if failed(s) {
                return Err(Error::Runtime(format!(
                    "{method} {}: provisioningState {s}",
                    redact(resource_url)
                )));
            }
            if !in_progress(s) && read_once {
                return Ok(out);
            }
        } else if read_once {
            return Ok(out);
        }
        if started.elapsed() > opts.max_wait {
            return Err(timed_out());
        }
        if state.as_deref().is_some_and(in_progress) {
            tokio::time::sleep(wait).await;
        }
        let r = client.get(resource_url, service, auth).await?;
        out.polls += 1;
        read_once = true;
        if !r.ok() {
            return Err(Error::Runtime(format!(
                "reading {} after {method}: {}",
                redact(resource_url),
                r.error_text()
            )));
        }
        wait = wait_of(&r, opts);
        out.body = r.json();
        state = out
            .body
            .as_ref()
            .and_then(provisioning_state)
            .map(str::to_string);
    }
}
