//! The apply journal (docs/journal.md): `<plan>.journal.jsonl`, one JSON
//! object per line, appended and fsync'd per entry, so after a crash or
//! Ctrl-C the file says exactly which steps were sent and how they ended.
//! [`Replay`] reads it back for `apply --resume` and `verify`.

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    Started,
    Done,
    AlreadyDone,
    Skipped,
    Failed,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Started => "started",
            Event::Done => "done",
            Event::AlreadyDone => "already-done",
            Event::Skipped => "skipped",
            Event::Failed => "failed",
        }
    }
    /// The step needs nothing more.
    pub fn finished(self) -> bool {
        matches!(self, Event::Done | Event::AlreadyDone)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// RFC 3339 UTC with milliseconds.
    pub ts: String,
    pub plan_digest: String,
    pub item_id: String,
    /// `None` for item-level entries (an item skipped by the re-check).
    pub step_id: Option<String>,
    pub tenant: Option<String>,
    pub event: Event,
    pub request_id: Option<String>,
    pub correlation_id: Option<String>,
    /// HTTP status of the step's request (or of its exists check).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub reason: Option<String>,
    pub rule_id: Option<String>,
}

impl Entry {
    pub fn new(plan_digest: &str, item_id: &str, step_id: Option<&str>, event: Event) -> Entry {
        Entry {
            ts: chrono::Utc::now()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            plan_digest: plan_digest.to_string(),
            item_id: item_id.to_string(),
            step_id: step_id.map(str::to_string),
            tenant: None,
            event,
            request_id: None,
            correlation_id: None,
            status: None,
            error: None,
            reason: None,
            rule_id: None,
        }
    }
}

/// Where the journal of a plan lives by default: beside it.
pub fn default_path(plan: &Path) -> PathBuf {
    let name = plan
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "plan.json".into());
    plan.with_file_name(format!("{name}.journal.jsonl"))
}

/// An open journal: appends are serialised and each is on disk before the
/// call returns.
pub struct Journal {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Journal {
    /// Opens for appending. A final line without its newline (the process
    /// died inside a write) is cut off first, so the next entry starts on a
    /// line of its own.
    pub fn open(path: &Path) -> Result<Journal> {
        if let Ok(bytes) = std::fs::read(path) {
            if !bytes.is_empty() && !bytes.ends_with(b"\n") {
                let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?;
                f.set_len(keep as u64).map_err(|e| Error::io(path, e))?;
                f.sync_all().map_err(|e| Error::io(path, e))?;
            }
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, e: &Entry) -> Result<()> {
        let mut line = serde_json::to_string(e)
            .map_err(|x| Error::Runtime(format!("cannot serialise a journal entry: {x}")))?;
        line.push('\n');
        let mut f = match self.file.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // One write of the whole line, then fsync: a crash leaves at most a
        // torn last line, which `open` and `read` drop.
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|x| Error::io(&self.path, x))
    }
}

/// Every complete entry of a journal; a torn last line is ignored. A missing
/// file is an empty journal.
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => out.push(e),
            Err(_) if i + 1 == lines.len() && !complete => {}
            Err(e) => {
                return Err(Error::input(
                    Location::at(path, i + 1, None),
                    format!("journal line {} is not a journal entry: {e}", i + 1),
                    "the journal is append-only; restore it from a backup, or move it away and apply again (steps already done are found by their exists checks)",
                ))
            }
        }
    }
    Ok(out)
}

/// The journal folded per step: its last event and that entry.
#[derive(Debug, Default, Clone)]
pub struct Replay {
    pub steps: BTreeMap<String, Entry>,
    pub entries: usize,
}

impl Replay {
    /// Refuses a journal written for another plan.
    pub fn of(entries: Vec<Entry>, plan_digest: &str, path: &Path) -> Result<Replay> {
        let mut r = Replay {
            entries: entries.len(),
            ..Replay::default()
        };
        for e in entries {
            if e.plan_digest != plan_digest {
                return Err(Error::input(
                    Location::file(path),
                    format!(
                        "the journal belongs to another plan (digest {}, this plan's is {plan_digest})",
                        e.plan_digest
                    ),
                    "pass the plan this journal was written for, or another --journal file",
                ));
            }
            if let Some(s) = e.step_id.clone() {
                r.steps.insert(s, e);
            }
        }
        Ok(r)
    }

    pub fn last(&self, step_id: &str) -> Option<Event> {
        self.steps.get(step_id).map(|e| e.event)
    }

    pub fn finished(&self, step_id: &str) -> bool {
        self.last(step_id).is_some_and(Event::finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "xtenant-journal-{}-{name}.jsonl",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&p);
        p
    }

    #[test]
    fn torn_last_line_is_dropped_and_cut_before_appending() {
        let p = tmp("torn");
        let j = Journal::open(&p).unwrap();
        j.append(&Entry::new("d", "i", Some("i/a"), Event::Started))
            .unwrap();
        j.append(&Entry::new("d", "i", Some("i/a"), Event::Done))
            .unwrap();
        drop(j);
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(br#"{"ts":"2026-11-26T10:00:00Z","plan_dig"#)
            .unwrap();
        drop(f);
        assert_eq!(read(&p).unwrap().len(), 2);
        let j = Journal::open(&p).unwrap();
        j.append(&Entry::new("d", "i", Some("i/b"), Event::Started))
            .unwrap();
        let all = read(&p).unwrap();
        assert_eq!(all.len(), 3);
        let r = Replay::of(all, "d", &p).unwrap();
        assert!(r.finished("i/a"));
        assert_eq!(r.last("i/b"), Some(Event::Started));
        assert!(!r.finished("i/b"));
    }

    #[test]
    fn a_damaged_middle_line_and_another_plan_are_refused() {
        let p = tmp("bad");
        std::fs::write(&p, "not json\n{}\n").unwrap();
        assert!(read(&p).unwrap_err().to_string().contains("line 1"));
        let p = tmp("other");
        let j = Journal::open(&p).unwrap();
        j.append(&Entry::new("other", "i", Some("i/a"), Event::Done))
            .unwrap();
        let e = Replay::of(read(&p).unwrap(), "mine", &p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("belongs to another plan"), "{e}");
    }
}
