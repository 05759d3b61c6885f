//! The request log: one entry per request (time, method, path and query,
//! the token's tenant, status, injected fault, and for writes whether a
//! resource was created and which). Tests read it in-process; with
//! `--log FILE` it is also written as JSON lines. Built from the request line
//! and the verified claims only, so no header and no token ever reaches it.

use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LogEntry {
    /// RFC 3339 UTC, milliseconds.
    pub time: String,
    pub method: String,
    /// Path and query as received (paging tokens are not credentials).
    pub path: String,
    /// `arm`, `resource-graph`, `graph`, `login` or `unknown`.
    pub service: String,
    /// The `tid` of a verified token; none for anonymous or refused tokens.
    pub tenant: Option<String>,
    /// The status sent; none when the connection was dropped (`reset`).
    pub status: Option<u16>,
    /// `429`, `503`, `reset` or `truncate` when a fault was injected.
    pub fault: Option<String>,
    /// Time spent answering, injected latency included.
    pub ms: u64,
    /// A write brought a new resource into being (an idempotent repeat or an
    /// update does not): the crash test counts duplicates with it.
    pub created: bool,
    /// The resource a write named (PUT, DELETE, POST action), as the path wrote it;
    /// for Exchange writes `MailUser:<identity>` or `MigrationBatch:<name>`.
    pub resource_id: Option<String>,
    /// The cmdlet of an Exchange `InvokeCommand` (`Get-MailUser`, `Set-MailUser`):
    /// they all share one path.
    pub cmdlet: Option<String>,
}

pub struct RequestLog {
    entries: Mutex<Vec<LogEntry>>,
    file: Option<Mutex<std::io::BufWriter<std::fs::File>>>,
}

impl RequestLog {
    pub fn new(file: Option<&Path>) -> crate::Result<Self> {
        let file = match file {
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| crate::Error::io(p, e))?;
                Some(Mutex::new(std::io::BufWriter::new(f)))
            }
            None => None,
        };
        Ok(RequestLog {
            entries: Mutex::new(Vec::new()),
            file,
        })
    }

    pub fn record(&self, entry: LogEntry) {
        if let Some(f) = &self.file {
            if let (Ok(mut w), Ok(line)) = (f.lock(), serde_json::to_string(&entry)) {
                // A full disk must not take the simulator down; the in-memory
                // log still has the entry.
                let _ = writeln!(w, "{line}").and_then(|_| w.flush());
            }
        }
        if let Ok(mut e) = self.entries.lock() {
            e.push(entry);
        }
    }

    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }
}
