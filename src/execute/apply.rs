//! `xtenant apply`: runs exactly the requests of a reviewed plan. Refuses a
//! plan that expired, was changed, or no longer matches the results and
//! snapshot it came from; asks before acting (`--yes` off a terminal);
//! re-checks each item before its first step ([`super::recheck`]); runs
//! steps in `after` order with items concurrent up to a bound; reads before
//! writing (a resource already in the expected state is `already-done`);
//! follows long-running operations ([`super::lro`]); journals every step
//! ([`super::journal`]) so `--resume` continues after a crash or Ctrl-C
//! without sending anything twice. Never a DELETE in the source; with
//! `--no-source-writes`, no write to the source at all.

use super::journal::{self, Entry, Event, Journal, Replay};
use super::lro::{self, LroOptions};
use super::plan::{self, Plan, PlanItem, Step, Tenant};
use super::recheck::{self, Drift};
use crate::auth::TenantAuth;
use crate::config::Config;
use crate::error::{exit, Error, Location, Result};
use crate::http::write::{WriteClient, WriteOptions, WriteStats};
use crate::raw::Side;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct ApplyOptions {
    pub plan: PathBuf,
    /// Default: `<plan>.journal.jsonl` beside the plan.
    pub journal: Option<PathBuf>,
    pub yes: bool,
    pub resume: bool,
    pub no_source_writes: bool,
    /// Items started in this run at most (items already done do not count).
    pub max_items: Option<usize>,
    /// Stop starting steps after this many failed.
    pub max_failures: Option<usize>,
    /// Config (sign-in); default: the one stored in the plan's snapshot.
    pub config: Option<PathBuf>,
    /// Requests (exists checks, writes) in flight at once; operations being
    /// polled do not count.
    pub concurrency: usize,
    /// Re-collect and re-assess before the first step of each item.
    pub recheck: bool,
    /// Sign-in to use instead of the config's (tests: fixed simulator tokens).
    pub auth: Option<[TenantAuth; 2]>,
    /// `Some` overrides terminal detection (tests).
    pub interactive: Option<bool>,
    pub lro: LroOptions,
    pub write: WriteOptions,
    /// "Now" for the expiry check (tests).
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Print progress lines on stdout.
    pub print: bool,
}

impl ApplyOptions {
    pub fn new(plan: impl Into<PathBuf>) -> ApplyOptions {
        ApplyOptions {
            plan: plan.into(),
            journal: None,
            yes: false,
            resume: false,
            no_source_writes: false,
            max_items: None,
            max_failures: None,
            config: None,
            concurrency: 16,
            recheck: true,
            auth: None,
            interactive: None,
            lro: LroOptions::default(),
            write: WriteOptions::default(),
            now: None,
            print: false,
        }
    }
}

/// How each item of the plan stands after this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemState {
    /// Every step done (in this run or before).
    Done,
    /// Skipped by the re-check, a manual step, or a refused source write.
    Skipped,
    Failed,
    /// Not started: `--max-items`, `--max-failures`, Ctrl-C.
    Pending,
}

#[derive(Debug, Clone)]
pub struct ApplySummary {
    pub journal: PathBuf,
    /// Journal events written in this run, by event.
    pub events: BTreeMap<&'static str, usize>,
    pub items: BTreeMap<String, ItemState>,
    /// Items skipped, with the rule and reason.
    pub skipped: Vec<(String, Option<String>, String)>,
    pub failed: Vec<(String, String)>,
    pub interrupted: bool,
    pub stats: WriteStats,
    pub elapsed: Duration,
    pub exit_code: i32,
    /// The operator declined at the prompt: nothing was sent.
    pub declined: bool,
}

impl ApplySummary {
    pub fn count(&self, s: ItemState) -> usize {
        self.items.values().filter(|v| **v == s).count()
    }
}

/// Checks everything that can be checked without the network: plan digest
/// and invariants (in [`plan::load`]), expiry, and that the results file and
/// snapshot still hash to what the plan was derived from.
pub fn load_checked(path: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<Plan> {
    let p = plan::load(path)?;
    plan::check_fresh(&p, path, now)?;
    let results = Path::new(&p.derived_from.results.path);
    let loc = || Location::file(path);
    let actual = plan::file_sha256(results).map_err(|e| {
        Error::input(
            loc(),
            format!(
                "the results the plan was made from cannot be read ({}): {e}",
                results.display()
            ),
            "apply on the machine and directory the plan was made in, or plan again",
        )
    })?;
    if actual != p.derived_from.results.sha256 {
        return Err(Error::input(
            loc(),
            format!(
                "{} changed since the plan was made (sha256 {actual}, the plan says {})",
                results.display(),
                p.derived_from.results.sha256
            ),
            "plan again from the current results and review it",
        ));
    }
    let snap = Path::new(&p.derived_from.snapshot.path);
    let hash = super::steps::content_hash(snap).map_err(|e| {
        Error::input(
            loc(),
            format!(
                "the snapshot the plan was made from cannot be read ({}): {e}",
                snap.display()
            ),
            "apply where the plan was made, or plan again",
        )
    })?;
    if hash != p.derived_from.snapshot.content_hash {
        return Err(Error::input(
            loc(),
            format!(
                "the snapshot {} changed since the plan was made (content hash {hash}, the plan says {})",
                snap.display(),
                p.derived_from.snapshot.content_hash
            ),
            "collect and assess again, then plan again",
        ));
    }
    Ok(p)
}

/// A short summary for the confirmation prompt.
pub fn summary_text(p: &Plan) -> String {
    let mut writes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut manual = 0;
    for (_, s) in p.steps() {
        if s.manual {
            manual += 1;
        } else if s.is_write() {
            *writes.entry(s.tenant.as_str()).or_default() += 1;
        }
    }
    let name = |t: &plan::TenantRef| {
        t.name
            .clone()
            .or_else(|| t.tenant_id.clone())
            .unwrap_or_else(|| "?".into())
    };
    let mut out = format!(
        "plan {}: {} items, {} steps, expires {}\n  source: {}  target: {}\n",
        &p.digest[..12.min(p.digest.len())],
        p.items.len(),
        p.steps().count(),
        p.expires,
        name(&p.source),
        name(&p.target)
    );
    for (t, n) in &writes {
        out.push_str(&format!("  writes to the {t} tenant: {n}\n"));
    }
    if manual > 0 {
        out.push_str(&format!("  manual steps (runbooks): {manual}\n"));
    }
    let mut by_workload: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &p.items {
        *by_workload.entry(i.workload.as_str()).or_default() += 1;
    }
    for (w, n) in by_workload {
        out.push_str(&format!("  {w}: {n} items\n"));
    }
    out
}

/// Runs `apply` (blocking; its own runtime).
pub fn run(opts: ApplyOptions) -> Result<ApplySummary> {
    let now = opts.now.unwrap_or_else(chrono::Utc::now);
    let p = load_checked(&opts.plan, now)?;
    let journal_path = opts
        .journal
        .clone()
        .unwrap_or_else(|| journal::default_path(&opts.plan));
    let entries = journal::read(&journal_path)?;
    if !entries.is_empty() && !opts.resume {
        return Err(Error::input(
            Location::file(&journal_path),
            format!(
                "this plan already has a journal ({} entries): it was applied before, or an apply was interrupted",
                entries.len()
            ),
            "continue it with `xtenant apply --plan … --resume`",
        ));
    }
    let replay = Replay::of(entries, &p.digest, &journal_path)?;
    let cfg = match &opts.config {
        Some(c) => Config::load(c)?,
        None => crate::snapshot::read(Path::new(&p.derived_from.snapshot.path))?.config,
    };
    if opts.print {
        print!("{}", summary_text(&p));
        if opts.no_source_writes {
            println!("  --no-source-writes: every write to the source tenant is refused");
        }
        if replay.entries > 0 {
            println!(
                "  resuming: {} of {} steps already done per {}",
                p.steps().filter(|(_, s)| replay.finished(&s.id)).count(),
                p.steps().count(),
                journal_path.display()
            );
        }
    }
    if !opts.yes {
        let tty = opts
            .interactive
            .unwrap_or_else(|| std::io::stdin().is_terminal() && std::io::stderr().is_terminal());
        if !tty {
            return Err(Error::input(
                Location::file(&opts.plan),
                "apply asks for confirmation and this is not a terminal",
                "review the plan with `xtenant plan show`, then pass --yes to apply it unattended",
            ));
        }
        eprint!("apply this plan? type yes to go on: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        if line.trim() != "yes" {
            return Ok(ApplySummary {
                journal: journal_path,
                events: BTreeMap::new(),
                items: BTreeMap::new(),
                skipped: Vec::new(),
                failed: Vec::new(),
                interrupted: false,
                stats: WriteStats::default(),
                elapsed: Duration::ZERO,
                exit_code: exit::FAILING,
                declined: true,
            });
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    let baseline = crate::assess::read_results(
        Path::new(&p.derived_from.results.path)
            .parent()
            .unwrap_or(Path::new(".")),
    )
    .map(|r| r.run.baseline)
    .unwrap_or_else(|_| "default".into());
    rt.block_on(execute(&opts, &p, &cfg, replay, journal_path, &baseline))
}

/// What happened to one step's prerequisite.
#[derive(Debug, Clone, PartialEq)]
enum StepState {
    Done,
    /// Will not run in this run; why.
    Blocked(String),
}

struct Ctx<'a> {
    plan: &'a Plan,
    opts: &'a ApplyOptions,
    client: WriteClient,
    auths: [TenantAuth; 2],
    journal: Journal,
    state: Mutex<HashMap<String, StepState>>,
    changed: tokio::sync::Notify,
    permits: tokio::sync::Semaphore,
    stop: AtomicBool,
    failures: AtomicUsize,
    events: Mutex<BTreeMap<&'static str, usize>>,
}

impl Ctx<'_> {
    fn auth(&self, t: Tenant) -> &TenantAuth {
        match t {
            Tenant::Source => &self.auths[0],
            Tenant::Target => &self.auths[1],
        }
    }

    fn log(&self, e: Entry) -> Result<()> {
        self.journal.append(&e)?;
        if let Ok(mut m) = self.events.lock() {
            *m.entry(e.event.as_str()).or_default() += 1;
        }
        Ok(())
    }

    fn entry(&self, item: &PlanItem, step: Option<&Step>, event: Event) -> Entry {
        let mut e = Entry::new(
            &self.plan.digest,
            &item.item_id,
            step.map(|s| s.id.as_str()),
            event,
        );
        e.tenant = step.map(|s| s.tenant.as_str().to_string());
        e
    }

    fn set(&self, step: &str, s: StepState) {
        if let Ok(mut m) = self.state.lock() {
            m.insert(step.to_string(), s);
        }
        self.changed.notify_waiters();
    }

    fn get(&self, step: &str) -> Option<StepState> {
        self.state.lock().ok().and_then(|m| m.get(step).cloned())
    }
}

async fn execute(
    opts: &ApplyOptions,
    p: &Plan,
    cfg: &Config,
    replay: Replay,
    journal_path: PathBuf,
    baseline: &str,
) -> Result<ApplySummary> {
    let started = Instant::now();
    let auths = match &opts.auth {
        Some(a) => a.clone(),
        None => [
            TenantAuth::from_config(Side::Source, &cfg.source, cfg)?,
            TenantAuth::from_config(Side::Target, &cfg.target, cfg)?,
        ],
    };
    let ctx = Ctx {
        plan: p,
        opts,
        client: WriteClient::new(p, opts.write.clone())?,
        auths,
        journal: Journal::open(&journal_path)?,
        state: Mutex::new(
            p.steps()
                .filter(|(_, s)| replay.finished(&s.id))
                .map(|(_, s)| (s.id.clone(), StepState::Done))
                .collect(),
        ),
        changed: tokio::sync::Notify::new(),
        permits: tokio::sync::Semaphore::new(opts.concurrency.max(1)),
        stop: AtomicBool::new(false),
        failures: AtomicUsize::new(0),
        events: Mutex::new(BTreeMap::new()),
    };

    // Items with something left to do, in plan order, capped by --max-items.
    let open: Vec<&PlanItem> = p
        .items
        .iter()
        .filter(|i| {
            i.steps
                .iter()
                .any(|s| ctx.get(&s.id) != Some(StepState::Done))
        })
        .collect();
    let (run_now, later) = open.split_at(opts.max_items.unwrap_or(usize::MAX).min(open.len()));
    for it in later {
        for s in &it.steps {
            if ctx.get(&s.id).is_none() {
                ctx.set(
                    &s.id,
                    StepState::Blocked("not started (--max-items)".into()),
                );
            }
        }
    }

    // The re-check, for items not begun yet: a begun item is finished
    // (its own writes could make a rule see a name clash).
    let fresh: Vec<&PlanItem> = run_now
        .iter()
        .copied()
        .filter(|i| !i.steps.iter().any(|s| replay.last(&s.id).is_some()))
        .collect();
    let mut drift: BTreeMap<String, Option<Drift>> = BTreeMap::new();
    if opts.recheck && fresh.iter().any(|i| !i.rules.is_empty()) {
        if opts.print {
            println!(
                "re-checking {} items: collecting both tenants and assessing again",
                fresh.len()
            );
        }
        drift = recheck::assess_again(
            cfg,
            Some(ctx.auths.clone()),
            baseline,
            &fresh,
            Path::new(&p.derived_from.snapshot.path),
        )
        .await?;
    }

    let ctrl_c = {
        let stop = &ctx.stop;
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted: finishing the steps in flight, then stopping (resume with --resume)");
                stop.store(true, Ordering::SeqCst);
            }
        }
    };
    let items = futures_util::future::join_all(run_now.iter().map(|it| {
        let d = drift.get(&it.item_id).cloned().flatten();
        run_item(&ctx, it, d)
    }));
    let outcomes = tokio::select! {
        o = items => o,
        _ = async { ctrl_c.await; std::future::pending::<()>().await } => unreachable_outcomes(),
    };

    let mut summary = ApplySummary {
        journal: journal_path,
        events: ctx.events.lock().map(|m| m.clone()).unwrap_or_default(),
        items: BTreeMap::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        interrupted: ctx.stop.load(Ordering::SeqCst)
            && opts
                .max_failures
                .is_none_or(|m| ctx.failures.load(Ordering::SeqCst) < m),
        stats: ctx.client.stats(),
        elapsed: started.elapsed(),
        exit_code: exit::OK,
        declined: false,
    };
    for it in &p.items {
        let st = outcomes
            .iter()
            .find(|(id, _)| *id == it.item_id)
            .map(|(_, o)| o.clone());
        let state = match st {
            Some(Outcome::Done) => ItemState::Done,
            Some(Outcome::Skipped(rule, why)) => {
                summary.skipped.push((it.item_id.clone(), rule, why));
                ItemState::Skipped
            }
            Some(Outcome::Failed(why)) => {
                summary.failed.push((it.item_id.clone(), why));
                ItemState::Failed
            }
            Some(Outcome::Pending) => ItemState::Pending,
            None if it
                .steps
                .iter()
                .all(|s| ctx.get(&s.id) == Some(StepState::Done)) =>
            {
                ItemState::Done
            }
            None => ItemState::Pending,
        };
        summary.items.insert(it.item_id.clone(), state);
    }
    summary.exit_code = if !summary.failed.is_empty() || summary.interrupted {
        exit::RUNTIME
    } else if summary.items.values().any(|s| *s != ItemState::Done) {
        exit::FAILING
    } else {
        exit::OK
    };
    Ok(summary)
}

/// The Ctrl-C arm never completes (it only sets the flag); this is its type.
fn unreachable_outcomes() -> Vec<(String, Outcome)> {
    Vec::new()
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Done,
    Skipped(Option<String>, String),
    Failed(String),
    Pending,
}

async fn run_item(ctx: &Ctx<'_>, item: &PlanItem, drift: Option<Drift>) -> (String, Outcome) {
    let id = item.item_id.clone();
    match run_item_inner(ctx, item, drift).await {
        Ok(o) => (id, o),
        Err(e) => {
            // A journal write failed: nothing more can be trusted; stop.
            ctx.stop.store(true, Ordering::SeqCst);
            block_rest(ctx, item, 0, "the journal could not be written");
            (id, Outcome::Failed(e.to_string()))
        }
    }
}

fn block_rest(ctx: &Ctx<'_>, item: &PlanItem, from: usize, why: &str) {
    for s in &item.steps[from..] {
        if ctx.get(&s.id) != Some(StepState::Done) {
            ctx.set(&s.id, StepState::Blocked(why.to_string()));
        }
    }
}

async fn run_item_inner(ctx: &Ctx<'_>, item: &PlanItem, drift: Option<Drift>) -> Result<Outcome> {
    let skip = |d: Drift| -> Result<Outcome> {
        let mut e = ctx.entry(item, None, Event::Skipped);
        e.rule_id = d.rule_id.clone();
        e.reason = Some(d.reason.clone());
        ctx.log(e)?;
        block_rest(ctx, item, 0, "the item was skipped");
        if ctx.opts.print {
            println!(
                "skipped {}: {}{}",
                item.name,
                d.rule_id
                    .as_deref()
                    .map(|r| format!("{r}: "))
                    .unwrap_or_default(),
                d.reason
            );
        }
        Ok(Outcome::Skipped(d.rule_id, d.reason))
    };
    if let Some(d) = drift {
        return skip(d);
    }
    for (n, step) in item.steps.iter().enumerate() {
        if ctx.get(&step.id) == Some(StepState::Done) {
            continue;
        }
        // Wait for the steps it comes after (possibly of other items).
        loop {
            let notified = ctx.changed.notified();
            let mut waiting = false;
            let mut blocked = None;
            for a in &step.after {
                match ctx.get(a) {
                    Some(StepState::Done) => {}
                    Some(StepState::Blocked(_)) => blocked = Some(a.clone()),
                    None => waiting = true,
                }
            }
            if let Some(a) = blocked {
                let why = format!("it waits for step {a}, which did not finish");
                let mut e = ctx.entry(item, Some(step), Event::Skipped);
                e.reason = Some(why.clone());
                ctx.log(e)?;
                block_rest(ctx, item, n, &why);
                return Ok(Outcome::Skipped(None, why));
            }
            if !waiting {
                break;
            }
            notified.await;
        }
        if ctx.stop.load(Ordering::SeqCst) {
            block_rest(ctx, item, n, "stopped before this step");
            return Ok(Outcome::Pending);
        }
        if step.manual {
            let why = format!(
                "manual step: run {} yourself, then apply again with --resume",
                step.runbook.as_deref().unwrap_or("its runbook section")
            );
            if ctx.opts.print {
                println!("{}: {why}", step.id);
                if let Some(text) = runbook_section(ctx.plan, step) {
                    println!("{text}");
                }
            }
            let mut e = ctx.entry(item, Some(step), Event::Skipped);
            e.reason = Some(why.clone());
            ctx.log(e)?;
            block_rest(ctx, item, n, &why);
            return Ok(Outcome::Skipped(None, why));
        }
        if let Some(why) = refused(ctx.opts, step) {
            let mut e = ctx.entry(item, Some(step), Event::Skipped);
            e.reason = Some(why.clone());
            ctx.log(e)?;
            block_rest(ctx, item, n, &why);
            return Ok(Outcome::Skipped(None, why));
        }
        let outcome = run_step(ctx, item, step).await?;
        match outcome {
            None => ctx.set(&step.id, StepState::Done),
            Some(why) => {
                let n_failed = ctx.failures.fetch_add(1, Ordering::SeqCst) + 1;
                if ctx.opts.max_failures.is_some_and(|m| n_failed >= m) {
                    ctx.stop.store(true, Ordering::SeqCst);
                }
                if ctx.opts.print {
                    println!("failed {}: {why}", step.id);
                }
                block_rest(ctx, item, n, &why);
                return Ok(Outcome::Failed(why));
            }
        }
    }
    if ctx.opts.print {
        println!("done {}", item.name);
    }
    Ok(Outcome::Done)
}

/// Why a step must not be sent, checked before anything is sent.
pub fn refused(opts: &ApplyOptions, step: &Step) -> Option<String> {
    let method = step.method.as_deref().unwrap_or("");
    if step.tenant == Tenant::Source && method.eq_ignore_ascii_case("DELETE") {
        return Some("refused: xtenant never deletes in the source tenant".into());
    }
    if opts.no_source_writes && step.tenant == Tenant::Source && step.is_write() {
        return Some("refused: --no-source-writes forbids writes to the source tenant".into());
    }
    None
}

fn runbook_section(p: &Plan, step: &Step) -> Option<String> {
    let r = step.runbook.as_deref()?;
    let (file, section) = r.split_once('#')?;
    let text = p.runbooks.get(file)?;
    let start = text.find(&format!("#region {section}"))?;
    let rest = &text[start..];
    let end = rest.find("#endregion").map_or(rest.len(), |i| {
        i + rest[i..].find('\n').unwrap_or(rest.len() - i)
    });
    Some(rest[..end].to_string())
}

/// Whether `v` has every `expect` value at its dotted path (strings compared
/// without case: ARM echoes ids in its own casing). A path that ends at an
/// array matches a scalar it contains (an address in `EmailAddresses`).
pub fn matches(v: &Value, expect: &BTreeMap<String, Value>) -> bool {
    expect.iter().all(|(path, want)| {
        let mut cur = v;
        for seg in path.split('.') {
            let next = match cur {
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                Value::Object(o) => o.get(seg),
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => return false,
            }
        }
        let same = |a: &Value, b: &Value| match (a, b) {
            (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        match (cur, want) {
            (Value::Array(items), w) if !w.is_array() => items.iter().any(|i| same(i, w)),
            (a, b) => same(a, b),
        }
    })
}

/// Runs one step: `None` when it is done (or already was), else why it failed.
async fn run_step(ctx: &Ctx<'_>, item: &PlanItem, step: &Step) -> Result<Option<String>> {
    let auth = ctx.auth(step.tenant);
    let aux = step.auxiliary_tenant.map(|t| ctx.auth(t));
    let (Some(method), Some(url)) = (step.method.as_deref(), step.url.as_deref()) else {
        return Ok(Some("the step has no request".into()));
    };
    // The bound is on requests in flight, not on operations: a 30 s
    // operation being polled must not hold a slot others could send with.
    let permit = ctx.permits.acquire().await;
    // Read before write; and before a name check, whose name our own
    // earlier creation holds (then the check is done, not a conflict).
    let reads_first = step.is_write() || step.action == "check-registry-name";
    if let Some(check) = step.exists_check.as_ref().filter(|_| reads_first) {
        match exists(ctx, step, check, auth).await {
            Ok(Some(status)) => {
                let mut e = ctx.entry(item, Some(step), Event::AlreadyDone);
                e.status = Some(status);
                ctx.log(e)?;
                return Ok(None);
            }
            Ok(None) => {}
            Err(why) => {
                let mut e = ctx.entry(item, Some(step), Event::Failed);
                e.error = Some(why.clone());
                ctx.log(e)?;
                return Ok(Some(why));
            }
        }
    }
    ctx.log(ctx.entry(item, Some(step), Event::Started))?;
    let fail = |status: Option<u16>, rid: Option<String>, cid: Option<String>, why: String| {
        let mut e = ctx.entry(item, Some(step), Event::Failed);
        e.status = status;
        e.request_id = rid;
        e.correlation_id = cid;
        e.error = Some(why.clone());
        ctx.log(e).map(|_| Some(why))
    };
    let r = match ctx
        .client
        .send(method, url, step.body.as_ref(), step.service, auth, aux)
        .await
    {
        Ok(r) => r,
        Err(e) => return fail(None, None, None, e.to_string()),
    };
    drop(permit);
    let (rid, cid) = (r.request_id.clone(), r.correlation_id.clone());
    if !r.ok() {
        return fail(Some(r.status), rid, cid, r.error_text());
    }
    match step.action.as_str() {
        "check-registry-name" => {
            let v = r.json().unwrap_or(Value::Null);
            if v.get("nameAvailable").and_then(Value::as_bool) != Some(true) {
                let why = v
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("the registry name is not available");
                return fail(Some(r.status), rid, cid, why.to_string());
            }
        }
        "verify-digests" => {
            let want = step.exists_check.as_ref().map(|c| c.expect.clone());
            if let Some(want) = want {
                if !matches(&r.json().unwrap_or(Value::Null), &want) {
                    return fail(
                        Some(r.status),
                        rid,
                        cid,
                        "the target's digest differs from the source's".into(),
                    );
                }
            }
        }
        _ => {}
    }
    if step.long_running || method.eq_ignore_ascii_case("PUT") {
        if let Err(e) = lro::settle(
            &ctx.client,
            step.service,
            auth,
            &r,
            method,
            url,
            &ctx.opts.lro,
        )
        .await
        {
            return fail(Some(r.status), rid, cid, e.to_string());
        }
    }
    let mut e = ctx.entry(item, Some(step), Event::Done);
    e.status = Some(r.status);
    e.request_id = rid;
    e.correlation_id = cid;
    ctx.log(e)?;
    Ok(None)
}

/// The exists check: `Some(status)` when the resource is there in the
/// expected state (waiting for one that is still being created, e.g. after a
/// crash between the PUT and its journal entry); `None` when it is not.
async fn exists(
    ctx: &Ctx<'_>,
    step: &Step,
    check: &plan::ExistsCheck,
    auth: &TenantAuth,
) -> std::result::Result<Option<u16>, String> {
    let deadline = Instant::now() + ctx.opts.lro.max_wait;
    loop {
        let r = ctx
            .client
            .send(
                &check.method,
                &check.url,
                check.body.as_ref(),
                check.service(step),
                auth,
                None,
            )
            .await
            .map_err(|e| format!("exists check: {e}"))?;
        if !r.ok() {
            return Ok(None);
        }
        let v = r.json().unwrap_or(Value::Null);
        if matches(&v, &check.expect) {
            return Ok(Some(r.status));
        }
        let moving = lro::provisioning_state(&v).is_some_and(lro::in_progress);
        if !moving || Instant::now() > deadline {
            return Ok(None);
        }
        let wait = crate::http::retry::server_wait(&r.headers, std::time::SystemTime::now())
            .unwrap_or(ctx.opts.lro.default_poll);
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_paths_index_arrays_and_ignore_case() {
        let v = serde_json::json!({"properties": {"provisioningState": "Succeeded"},
            "value": [{"ExchangeGuid": "ABC"}]});
        let e = |k: &str, x: &str| BTreeMap::from([(k.to_string(), Value::from(x))]);
        assert!(matches(&v, &e("properties.provisioningState", "succeeded")));
        assert!(matches(&v, &e("value.0.ExchangeGuid", "abc")));
        assert!(!matches(&v, &e("value.1.ExchangeGuid", "abc")));
        assert!(!matches(&v, &e("properties.provisioningState", "Creating")));
        assert!(matches(&v, &BTreeMap::new()));
        let mu = serde_json::json!({"value": [{"EmailAddresses": ["SMTP:a@b", "X500:/o=x/cn=a"]}]});
        assert!(matches(&mu, &e("value.0.EmailAddresses", "x500:/O=X/cn=a")));
        assert!(!matches(&mu, &e("value.0.EmailAddresses", "x500:/o=y")));
    }

    #[test]
    fn source_deletes_are_refused_always_and_source_writes_on_request() {
        let mut s = Step {
            id: "x/a".into(),
            action: "create-role-assignment".into(),
            tenant: Tenant::Source,
            service: plan::Service::Arm,
            method: Some("PUT".into()),
            url: Some("https://management.azure.com/x".into()),
            body: None,
            auxiliary_tenant: None,
            long_running: false,
            exists_check: None,
            after: vec![],
            manual: false,
            runbook: None,
        };
        let mut o = ApplyOptions::new("p.json");
        assert_eq!(refused(&o, &s), None);
        o.no_source_writes = true;
        assert!(refused(&o, &s).unwrap().contains("--no-source-writes"));
        o.no_source_writes = false;
        s.method = Some("DELETE".into());
        assert!(refused(&o, &s).unwrap().contains("never deletes"));
        s.tenant = Tenant::Target;
        assert_eq!(refused(&o, &s), None);
    }
}
