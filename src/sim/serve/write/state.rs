//! The simulator's mutable state: resources created or changed by writes
//! (an overlay on the raw export's read-only items), ids deleted, long-running
//! operations in flight, images imported into registries, and the RBAC view
//! the cross-tenant checks evaluate. One struct behind one lock, so a write
//! and the reads that follow it never see half of a change.

use super::authorization::Rbac;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// A resource a write created or replaced.
#[derive(Debug, Clone)]
pub struct Created {
    /// Index of the owning tenant in `Store::tenants`.
    pub tenant: usize,
    /// The collection whose lists show it (`arm/snapshots`), or `None` for
    /// kinds the export has no list of (operations' targets such as NICs).
    pub coll: Option<&'static str>,
    /// Lowercased subscription id.
    pub sub: String,
    /// Lowercased id of the list the resource appears in (its parent path).
    pub list: String,
    /// The resource as GET returns it, except `properties.provisioningState`,
    /// which is filled in at read time from `ready_at`.
    pub body: Value,
    /// Digest of the request body that made it: the same body again is an
    /// idempotent repeat.
    pub request_digest: String,
    /// When the operation that made it finishes.
    pub ready_at: Instant,
    /// `Creating` or `Updating` while in flight.
    pub pending_state: &'static str,
    /// The operation id, for the `Azure-AsyncOperation` header of a repeat.
    pub op_id: Option<String>,
}

impl Created {
    pub fn provisioning_state(&self, now: Instant) -> &'static str {
        if now >= self.ready_at {
            "Succeeded"
        } else {
            self.pending_state
        }
    }

    /// The body with its current `provisioningState` (resources whose
    /// service reports none, such as role assignments, are left as they are).
    pub fn render(&self, now: Instant) -> Value {
        let mut v = self.body.clone();
        if let Some(p) = v.get_mut("properties").and_then(Value::as_object_mut) {
            if p.contains_key("provisioningState") {
                p.insert(
                    "provisioningState".into(),
                    Value::from(self.provisioning_state(now)),
                );
            }
        }
        v
    }
}

/// How a finished operation is read.
#[derive(Debug, Clone)]
pub enum OpKind {
    /// `Azure-AsyncOperation`: always 200 with `{status, ...}`.
    Async,
    /// `Location`: 202 while running, then this status and body.
    Location { status: u16, body: Option<Value> },
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub tenant: usize,
    pub started: chrono::DateTime<chrono::Utc>,
    pub duration: Duration,
    pub ready_at: Instant,
    pub kind: OpKind,
    /// `Failed` with this ARM error once done, instead of `Succeeded`.
    pub error: Option<Value>,
}

#[derive(Debug, Default)]
pub struct WriteState {
    /// Normalized id -> resource created or replaced by a write.
    pub resources: HashMap<String, Created>,
    /// Normalized ids of export items (or created resources) deleted since.
    pub deleted: HashSet<String>,
    /// Operation id -> operation.
    pub ops: HashMap<String, Operation>,
    /// Registry id (normalized) -> repository -> tag -> digest imported.
    pub imported: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Guest invitations: (tenant index, lowercased e-mail) -> invited user id.
    pub invited: BTreeMap<(usize, String), String>,
    /// Exchange mail users stamped, batches and migration users created.
    pub exchange: super::exchange::ExoState,
    /// The RBAC view; built on first need (parsing the export is not free).
    pub rbac: Option<Rbac>,
    /// Operation ids handed out so far (they count up).
    pub next_op: u64,
}

impl WriteState {
    /// Whether the export's item with this normalized id is hidden: deleted,
    /// or replaced by a created resource of the same id.
    pub fn hides(&self, id: &str) -> bool {
        self.deleted.contains(id) || self.resources.contains_key(id)
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.deleted.is_empty()
    }
}
