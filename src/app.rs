//! What each command does: glue between the arguments and the stage modules.
//! Returns the process exit code.

use crate::assess;
use crate::cli::*;
use crate::config::{self, Config};
use crate::error::{exit, Error, Result};
use crate::inventory::{derived, Inventory, TableDef};
use crate::report;
use crate::rules::pack::{Pack, Severity};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Collect(a) => collect(&a),
        Command::Audit(a) => audit(&a),
        Command::Init(a) => init(&a),
        Command::Doctor(a) => doctor(&a),
        Command::Assess(a) => assess_cmd(&a),
        Command::Report(a) => report_cmd(&a),
        Command::Diff(a) => diff_cmd(&a),
        Command::Demo(a) => demo(&a),
        Command::Plan(a) => plan_cmd(a),
        Command::Apply(a) => apply_cmd(a),
        Command::Verify(a) => verify_cmd(a),
        Command::Schema(a) => schema(&a),
        Command::Rules(r) => rules(r),
        Command::Validate(v) => validate(v),
        Command::Sim(SimCommand::Generate {
            out,
            scale,
            seed,
            subscriptions,
            disks,
            registries,
            environments,
            role_assignments,
        }) => {
            use crate::sim::generate::{GenerateOptions, SizeOverrides};
            let opts = GenerateOptions {
                sizes: SizeOverrides {
                    subscriptions,
                    disks,
                    registries,
                    environments,
                    role_assignments,
                },
                ..GenerateOptions::new(scale, seed)
            };
            let stats = crate::sim::generate::generate(&out, &opts)?;
            println!(
                "wrote {} files ({} bytes) to {}",
                stats.files,
                stats.bytes,
                out.display()
            );
            for (k, n) in stats.counts {
                println!("  {k:<28} {n:>10}");
            }
            Ok(exit::OK)
        }
        Command::Sim(SimCommand::Serve(a)) => sim_serve(&a),
        Command::Sim(SimCommand::Token(a)) => {
            let client = a
                .client_id
                .as_deref()
                .unwrap_or(crate::sim::serve::login::DEFAULT_CLIENT_ID);
            let token = match &a.username {
                Some(u) => crate::sim::serve::login::fetch_user_token(
                    &a.url, &a.tenant, &a.scope, client, u,
                )?,
                None => crate::sim::serve::login::fetch_token(&a.url, &a.tenant, &a.scope, client)?,
            };
            println!("{token}");
            Ok(exit::OK)
        }
        Command::Sim(SimCommand::Results {
            out,
            findings,
            seed,
        }) => {
            let r = crate::sim::results::generate(&crate::sim::results::ResultsOptions {
                findings,
                seed,
            })?;
            assess::outputs::write_all(&out, &r)?;
            println!(
                "wrote {} ({} items, {} findings)",
                out.join("results.json").display(),
                r.items.len(),
                r.findings.len()
            );
            Ok(exit::OK)
        }
    }
}

/// The config: the one named, else `RAW/xtenant.toml`, else `./xtenant.toml`, else empty.
fn resolve_config(explicit: Option<&Path>, raw: &Path) -> Result<Config> {
    if let Some(p) = explicit {
        return Config::load(p);
    }
    for p in [
        raw.join(config::FILE_NAME),
        PathBuf::from(config::FILE_NAME),
    ] {
        if p.is_file() {
            return Config::load(&p);
        }
    }
    Ok(Config::default())
}

fn collect(a: &CollectArgs) -> Result<i32> {
    let Some(from_dir) = &a.from_dir else {
        let path = a.config.as_deref().ok_or_else(|| {
            Error::input(
                crate::error::Location::default(),
                "live collection needs --config FILE (the tenants and how to sign in to each)",
                "pass --config xtenant.toml (`xtenant init` writes one), or --from-dir RAW to collect offline from a raw export",
            )
        })?;
        let config = Config::load(path)?;
        let (manifest, inv, summary) = live_collect(&config, &a.out, &a.live)?;
        print_live_summary(&summary, a.live.save_raw.as_deref());
        print_collect_summary(&manifest, &inv, &a.out);
        return Ok(if summary.incomplete().next().is_some() {
            exit::RULE_ERROR
        } else {
            exit::OK
        });
    };
    if a.live.save_raw.is_some() || a.live.fill_from.is_some() {
        return Err(Error::input(
            crate::error::Location::default(),
            "--save-raw and --fill-from belong to live collection, not to --from-dir",
            "drop them (the raw export is already on disk), or drop --from-dir to collect live",
        ));
    }
    let config = resolve_config(a.config.as_deref(), from_dir)?;
    let (manifest, inv) = crate::collect::offline(from_dir, &a.out, &config)?;
    print_collect_summary(&manifest, &inv, &a.out);
    Ok(exit::OK)
}

/// Live collection into the snapshot `out`: the raw export goes to
/// `--save-raw DIR`, else to a temporary directory inside `out`, removed after.
pub fn live_collect(
    config: &Config,
    out: &Path,
    args: &LiveArgs,
) -> Result<(
    crate::snapshot::Manifest,
    Inventory,
    crate::collect::live::LiveSummary,
)> {
    use crate::collect::live::{self, ArmSource, LiveOptions};
    let (raw_dir, temporary) = match &args.save_raw {
        Some(d) => (d.clone(), false),
        None => (out.join(format!(".raw-{}", std::process::id())), true),
    };
    let opts = LiveOptions {
        raw_dir: raw_dir.clone(),
        http: crate::http::HttpOptions::from_config(&config.http),
        progress: !args.quiet,
        arm_source: match args.arm_source {
            ArmSourceArg::Auto => ArmSource::Auto,
            ArmSourceArg::Rest => ArmSource::Rest,
            ArmSourceArg::ResourceGraph => ArmSource::ResourceGraph,
        },
        fill_from: args.fill_from.clone(),
        auth: None,
        only: args
            .only
            .iter()
            .map(|f| match f {
                FamilyArg::Arm => live::Family::Arm,
                FamilyArg::Graph => live::Family::Graph,
                FamilyArg::Exchange => live::Family::Exchange,
                FamilyArg::Acr => live::Family::Acr,
                FamilyArg::PowerPlatform => live::Family::PowerPlatform,
            })
            .collect(),
    };
    let result = live::collect_to_snapshot(config, &opts, out);
    if temporary {
        // Best effort: a leftover directory is harmless, a lost error is not.
        let _ = std::fs::remove_dir_all(&raw_dir);
    }
    result
}

pub fn print_live_summary(s: &crate::collect::live::LiveSummary, saved: Option<&Path>) {
    let t = s.stats.total();
    println!(
        "collected live in {:.1} s: {} requests, {} retries, {} throttled, {:.1} MB{}",
        s.elapsed.as_secs_f64(),
        t.requests,
        t.retries,
        t.throttled,
        t.bytes as f64 / 1_000_000.0,
        s.peak_rss_bytes
            .map(|b| format!(", peak memory {} MB", b / 1_000_000))
            .unwrap_or_default()
    );
    for (name, st) in &s.stats.services {
        println!(
            "  {name:<15} {:>7} requests {:>5} retries {:>5} throttled {:>8.1} s waiting for quota or backoff",
            st.requests,
            st.retries,
            st.throttled,
            st.waited_ms as f64 / 1000.0
        );
    }
    for (side, rg) in crate::raw::Side::BOTH.iter().zip(s.resource_graph) {
        if rg {
            println!(
                "  {}: resources listed through Resource Graph",
                side.as_str()
            );
        }
    }
    if !s.copied.is_empty() {
        println!(
            "  {} collections the live run did not write were copied from --fill-from",
            s.copied.len()
        );
    }
    if let Some(dir) = saved {
        println!("  raw export saved to {}", dir.display());
    }
}

fn audit(a: &AuditArgs) -> Result<i32> {
    let config = Config::load(&a.config)?;
    let snap = a.out.join("snapshot");
    let (manifest, inv, summary) = live_collect(&config, &snap, &a.live)?;
    print_live_summary(&summary, a.live.save_raw.as_deref());
    print_collect_summary(&manifest, &inv, &snap);
    let formats = report_formats(&a.report, "--report")?;
    let results_dir = a.out.join("results");
    let results = assess::run(&assess::Options {
        snapshot: snap,
        out: results_dir.clone(),
        rules: a.rules.clone(),
        exceptions: a.exceptions.clone(),
        config: None,
        baseline: a.baseline.clone(),
        fail_on: fail_on(a.fail_on),
        include_passing: false,
    })?;
    let written = report::write(
        &results,
        None,
        &results_dir,
        &formats,
        None,
        false,
        report::Caps::default(),
    )?;
    println!();
    print_assess_summary(&results, &results_dir, &written);
    Ok(results.summary.exit_code)
}

fn init(a: &InitArgs) -> Result<i32> {
    if a.out.exists() {
        return Err(Error::input(
            crate::error::Location::file(&a.out),
            "the file exists already",
            "choose another name with --out, or remove it first",
        ));
    }
    std::fs::write(&a.out, crate::config::template::TEMPLATE)
        .map_err(|e| Error::Runtime(format!("cannot write {}: {e}", a.out.display())))?;
    println!(
        "wrote {}: fill in the tenant ids, then run `xtenant doctor --config {}`",
        a.out.display(),
        a.out.display()
    );
    Ok(exit::OK)
}

fn doctor(a: &DoctorArgs) -> Result<i32> {
    use crate::auth::TenantAuth;
    use crate::raw::Side;
    let config = Config::load(&a.config)?;
    let tenants = [
        TenantAuth::from_config(Side::Source, &config.source, &config)?,
        TenantAuth::from_config(Side::Target, &config.target, &config)?,
    ];
    let client = crate::http::Client::new(crate::http::HttpOptions::from_config(&config.http))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    let subs = |t: &crate::config::TenantConfig| t.subscriptions.clone().unwrap_or_default();
    let (s, t) = (subs(&config.source), subs(&config.target));
    let reports = rt.block_on(crate::collect::live::doctor::doctor(
        &client,
        &tenants,
        [&s, &t],
    ));
    let mut all_ok = true;
    for r in &reports {
        println!("{}", r.tenant);
        for c in &r.checks {
            // An error text may carry its own fix line; print one fix only.
            let (detail, own_fix) = match c.detail.split_once("\n  fix: ") {
                Some((d, f)) => (d, Some(f.to_string())),
                None => (c.detail.as_str(), None),
            };
            println!(
                "  {} {:<40} {detail}",
                if c.ok { "ok     " } else { "MISSING" },
                c.what
            );
            if let Some(fix) = own_fix.or_else(|| c.fix.clone()) {
                println!("          fix: {fix}");
            }
        }
        all_ok &= r.ok();
        println!();
    }
    println!(
        "{}",
        if all_ok {
            "every collector has what it needs"
        } else {
            "some collectors would fail or collect partially: see the fixes above"
        }
    );
    Ok(if all_ok { exit::OK } else { exit::RUNTIME })
}

fn print_collect_summary(m: &crate::snapshot::Manifest, inv: &Inventory, out: &Path) {
    let rows: usize = inv.counts().iter().map(|(_, n)| n).sum();
    println!(
        "snapshot written to {} ({} rows in {} tables)",
        out.display(),
        rows,
        m.tables.len()
    );
    // A collection that stands in for another (Resource Graph for ARM lists)
    // is no gap when its tables are complete anyway.
    let gaps: Vec<_> = m
        .collections
        .iter()
        .filter(|c| c.status != crate::collect::Status::Complete)
        .filter(|c| {
            c.tables
                .iter()
                .any(|t| m.table_status(t, c.side) != crate::collect::Status::Complete)
        })
        .collect();
    if !gaps.is_empty() {
        println!("not complete:");
        for g in gaps {
            // The manifest keeps the whole error; the terminal gets a line.
            let err = g
                .error
                .as_deref()
                .map(|e| match e.char_indices().nth(150) {
                    Some((i, _)) => format!(": {}… (see manifest.json)", &e[..i]),
                    None => format!(": {e}"),
                })
                .unwrap_or_default();
            println!(
                "  {:<7} {:<40} {}{err}",
                g.side.as_str(),
                g.collection,
                g.status.as_str()
            );
        }
    }
    for issue in &inv.user_file_issues {
        eprintln!("{}", crate::userfiles::format_issue(issue));
    }
}

fn fail_on(f: FailOn) -> Severity {
    match f {
        FailOn::Blocker => Severity::Blocker,
        FailOn::Warning => Severity::Warning,
    }
}

fn assess_cmd(a: &AssessArgs) -> Result<i32> {
    let opts = assess::Options {
        snapshot: a.snapshot.clone(),
        out: a.out.clone(),
        rules: a.rules.clone(),
        exceptions: a.exceptions.clone(),
        config: a.config.clone(),
        baseline: a.baseline.clone(),
        fail_on: fail_on(a.fail_on),
        include_passing: a.include_passing,
    };
    let formats = report_formats(&a.report, "--report")?;
    let results = assess::run(&opts)?;
    let previous = match &a.report_settings.previous {
        Some(p) => Some(assess::read_results(p)?),
        None => None,
    };
    let written = report::write(
        &results,
        previous.as_ref(),
        &a.out,
        &formats,
        a.report_settings.templates.as_deref(),
        a.report_settings.bom,
        caps(&a.report_settings),
    )?;
    print_assess_summary(&results, &a.out, &written);
    Ok(results.summary.exit_code)
}

fn report_formats(list: &str, flag: &str) -> Result<Vec<report::Format>> {
    report::Format::parse_list(list).map_err(|e| {
        Error::input(
            crate::error::Location::default(),
            format!("{flag} {list:?}: {e}"),
            "e.g. --format html,xlsx or --format all",
        )
    })
}

fn caps(s: &ReportSettings) -> report::Caps {
    report::Caps {
        items: s.max_items,
        findings: s.max_findings,
    }
}

fn report_cmd(a: &ReportArgs) -> Result<i32> {
    let formats = report_formats(&a.format, "--format")?;
    let written = report::run(&report::Options {
        results: a.results.clone(),
        out: a.out.clone(),
        formats,
        previous: a.settings.previous.clone(),
        templates: a.settings.templates.clone(),
        bom: a.settings.bom,
        caps: caps(&a.settings),
    })?;
    if let Some(d) = &written.diff {
        println!("{}", diff_line(d));
    }
    for f in &written.files {
        println!("{}", f.display());
    }
    Ok(exit::OK)
}

fn diff_line(d: &report::diff::Diff) -> String {
    let c = &d.counts;
    format!(
        "since {}: {} new, {} resolved, {} changed findings; {} items worsened, {} improved",
        d.old.assessed_at, c.new, c.resolved, c.changed, c.worsened, c.improved
    )
}

fn diff_cmd(a: &DiffArgs) -> Result<i32> {
    let old = assess::read_results(&a.old)?;
    let new = assess::read_results(&a.new)?;
    let d = report::diff::diff(&old, &new);
    match a.format {
        DiffFormat::Text => print!("{}", report::diff::render_text(&d)),
        DiffFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&d).map_err(|e| Error::Runtime(e.to_string()))?
        ),
    }
    Ok(exit::OK)
}

pub fn print_assess_summary(r: &assess::Results, out: &Path, written: &report::Written) {
    let mut s = std::io::stdout().lock();
    let src = r.run.source.name.as_deref().unwrap_or("source");
    let tgt = r.run.target.name.as_deref().unwrap_or("target");
    let _ = writeln!(
        s,
        "{src} → {tgt}: {} rules, {} items, {} findings",
        r.rules.len(),
        r.items.len(),
        r.findings.len()
    );
    let _ = writeln!(
        s,
        "\n  {:<15} {:>7} {:>13} {:>8} {:>13}",
        "workload", "ready", "needs-review", "blocked", "not-assessed"
    );
    for (w, counts) in &r.summary.readiness {
        let c = |k: &str| counts.get(k).copied().unwrap_or(0);
        let _ = writeln!(
            s,
            "  {:<15} {:>7} {:>13} {:>8} {:>13}",
            w,
            c("ready"),
            c("needs-review"),
            c("blocked"),
            c("not-assessed")
        );
    }
    if !r.summary.top_blockers.is_empty() {
        let _ = writeln!(s, "\ntop blockers:");
        for b in r.summary.top_blockers.iter().take(8) {
            let _ = writeln!(s, "  {:>4} items  {}  {}", b.items, b.rule_id, b.title);
        }
    }
    for e in &r.summary.rule_errors {
        let _ = writeln!(s, "\nrule {} could not run: {}", e.rule_id, e.error);
    }
    let ex = &r.exceptions;
    if !(ex.applied.is_empty() && ex.expired.is_empty() && ex.unused.is_empty()) {
        let _ = writeln!(
            s,
            "\nexceptions: {} applied, {} expired, {} unused",
            ex.applied.len(),
            ex.expired.len(),
            ex.unused.len()
        );
    }
    if let Some(d) = &written.diff {
        let _ = writeln!(s, "\n{}", diff_line(d));
    }
    let _ = writeln!(s, "\nresults: {}", out.join("results.json").display());
    for f in &written.files {
        let _ = writeln!(s, "         {}", f.display());
    }
}

fn demo(a: &DemoArgs) -> Result<i32> {
    // Day 1 and today are independent until today's reports, which say what
    // was fixed since day 1; assessing is mostly single-threaded, so the two
    // runs share the cores instead of doubling the wait.
    let day_1_dir = a.out.join(crate::demo::DAY_1);
    let (day_1, today) = std::thread::scope(|s| {
        let day_1 = s.spawn(|| -> Result<DemoRun> {
            let run = demo_assess(&day_1_dir, crate::demo::extract_day_1)?;
            demo_report(&run, None)?;
            Ok(run)
        });
        let today = demo_assess(&a.out, crate::demo::extract);
        let day_1 = day_1
            .join()
            .unwrap_or_else(|_| Err(Error::Runtime("the day-1 demo run panicked".into())));
        (day_1, today)
    });
    let (day_1, today) = (day_1?, today?);
    let written = demo_report(&today, Some(&day_1.results))?;
    println!("{}", today.live);
    print_collect_summary(&today.manifest, &today.inventory, &today.snapshot);
    println!("{}", day_1_line(&day_1.results, &day_1.results_dir));
    println!();
    print_assess_summary(&today.results, &today.results_dir, &written);
    // The demo shows findings; it succeeded if it ran.
    Ok(exit::OK)
}

/// What one run of the demo pipeline produced.
struct DemoRun {
    results: assess::Results,
    results_dir: PathBuf,
    manifest: crate::snapshot::Manifest,
    inventory: Inventory,
    snapshot: PathBuf,
    /// How the pair was collected from the simulator, for the console.
    live: String,
}

/// One run of the demo pipeline under `out` (raw/, snapshot/, results/):
/// extract, collect, assess.
fn demo_assess(out: &Path, extract: fn(&Path) -> Result<()>) -> Result<DemoRun> {
    let export = out.join("export");
    extract(&export)?;
    let config = Config::load(&export.join(config::FILE_NAME))?;
    let snapshot = out.join("snapshot");
    let (manifest, inventory, live) =
        demo_collect_live(&export, &out.join("raw"), &snapshot, &config)?;
    let results_dir = out.join("results");
    let results = assess::run(&assess::Options {
        snapshot: snapshot.clone(),
        out: results_dir.clone(),
        rules: None,
        exceptions: None,
        config: None,
        baseline: "latest".into(),
        fail_on: Severity::Blocker,
        include_passing: false,
    })?;
    Ok(DemoRun {
        results,
        results_dir,
        manifest,
        inventory,
        snapshot,
        live,
    })
}

/// Collects the demo pair the way a real run collects two tenants: the
/// simulator serves the extracted export on a free loopback port, and the live
/// collectors sign in to it and fetch every collection over HTTP into `raw`
/// (what the demo does not fetch live, the token probes, is copied from the
/// export), which is then parsed like any raw export. The snapshot equals the offline one
/// (tests/live.rs), so the demo exercises the same client code as a real run.
fn demo_collect_live(
    export: &Path,
    raw: &Path,
    snapshot: &Path,
    config: &Config,
) -> Result<(crate::snapshot::Manifest, Inventory, String)> {
    use crate::auth::{cloud::Endpoints, Secret, TenantAuth};
    use crate::raw::Side;
    use crate::sim::serve::{login::DEFAULT_CLIENT_ID, DataSource, SimOptions, Simulator};
    let sim = Simulator::start(SimOptions {
        data: DataSource::Raw(export.to_path_buf()),
        ..SimOptions::default()
    })?;
    let base = sim.base_url();
    // The simulator says where each of its services listens, as the
    // `[endpoints]` table a user would paste into xtenant.toml.
    #[derive(serde::Deserialize)]
    struct SimEndpoints {
        endpoints: config::EndpointsConfig,
    }
    let sim_endpoints: SimEndpoints = toml::from_str(&sim.endpoints_toml())
        .map_err(|e| Error::Runtime(format!("the simulator's endpoints do not parse: {e}")))?;
    let original = config;
    let mut config = config.clone();
    config.endpoints = sim_endpoints.endpoints;
    let endpoints = Endpoints::resolve(&crate::auth::cloud::AZURE_CLOUD, &config.endpoints)?;
    let sign_in = |side: Side, t: &config::TenantConfig| -> Result<TenantAuth> {
        let tenant = t.tenant_id.as_deref().ok_or_else(|| {
            Error::Runtime(format!(
                "the demo config names no {} tenant id",
                side.as_str()
            ))
        })?;
        Ok(TenantAuth::client_secret(
            side,
            tenant,
            t.name.as_deref(),
            endpoints.clone(),
            DEFAULT_CLIENT_ID,
            // The simulator's token endpoint accepts any secret for its client.
            Secret::new("simulator"),
        ))
    };
    let auth = [
        sign_in(Side::Source, &config.source)?,
        sign_in(Side::Target, &config.target)?,
    ];
    // A raw export left by an earlier demo run would hide collections from
    // the copy below (it copies only what the live run did not write).
    if raw.join(crate::raw::MARKER_FILE).is_file() {
        std::fs::remove_dir_all(raw).map_err(|e| Error::io(raw, e))?;
    }
    let mut opts = crate::collect::live::LiveOptions::new(raw);
    opts.fill_from = Some(export.to_path_buf());
    opts.auth = Some(auth);
    let summary = crate::collect::live::collect_live(&config, &opts)?;
    // The snapshot keeps the demo's own config: the simulator's loopback
    // endpoints die with this function, and a plan made from the snapshot
    // must name the real services (apply overrides them with --config).
    let (manifest, inventory) = crate::collect::from_raw(raw, snapshot, original, "live")?;
    let total = summary.stats.total();
    let line = format!(
        "collected live over HTTP from the tenant simulator at {base}: {} requests, {} KB in {:.1} s ({} collections not fetched live copied from {})",
        total.requests,
        total.bytes / 1024,
        summary.elapsed.as_secs_f64(),
        summary.copied.len(),
        export.display()
    );
    Ok((manifest, inventory, line))
}

/// Every report of a demo run, beside its results.
fn demo_report(run: &DemoRun, previous: Option<&assess::Results>) -> Result<report::Written> {
    report::write(
        &run.results,
        previous,
        &run.results_dir,
        &report::Format::ALL,
        None,
        false,
        report::Caps::default(),
    )
}

/// The console line about the day-1 run: how far the pair was from ready
/// before the organisation prerequisites were done.
fn day_1_line(r: &assess::Results, results_dir: &Path) -> String {
    let ready = r
        .items
        .iter()
        .filter(|i| i.readiness == crate::rules::readiness::Readiness::Ready)
        .count();
    let failing: std::collections::BTreeSet<&str> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker && f.status == "fail")
        .map(|f| f.rule_id.as_str())
        .collect();
    format!(
        "day 1, before the organisation prerequisites: {ready} of {} items ready, {} blocker rules failing (reports in {})",
        r.items.len(),
        failing.len(),
        results_dir.display()
    )
}

/// Every table a rule can read, base and derived.
pub fn all_defs() -> Vec<TableDef> {
    let mut defs = Inventory::table_defs();
    defs.extend(derived::table_defs());
    defs
}

fn schema(a: &SchemaArgs) -> Result<i32> {
    let defs: Vec<TableDef> = all_defs()
        .into_iter()
        .filter(|d| a.table.as_deref().is_none_or(|t| t == d.name))
        .collect();
    if defs.is_empty() {
        return Err(Error::input(
            crate::error::Location::default(),
            format!("unknown table {:?}", a.table.as_deref().unwrap_or("")),
            "run `xtenant schema` to list the tables",
        ));
    }
    print!("{}", render_schema(&defs, a.format));
    Ok(exit::OK)
}

pub fn render_schema(defs: &[TableDef], format: SchemaFormat) -> String {
    let mut s = String::new();
    match format {
        SchemaFormat::Json => {
            let v: Vec<serde_json::Value> = defs
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "name": d.name, "doc": d.doc, "source": d.source,
                        "columns": d.columns.iter().map(|c| serde_json::json!({
                            "name": c.name, "type": c.ty.name(c.nullable), "doc": c.doc
                        })).collect::<Vec<_>>()
                    })
                })
                .collect();
            s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
        }
        SchemaFormat::Markdown => {
            for d in defs {
                s.push_str(&format!(
                    "## `{}`\n\n{}\n\nSource: {}\n\n| column | type | meaning |\n|---|---|---|\n",
                    d.name, d.doc, d.source
                ));
                for c in &d.columns {
                    s.push_str(&format!(
                        "| `{}` | {} | {} |\n",
                        c.name,
                        c.ty.name(c.nullable),
                        c.doc.replace('|', "\\|")
                    ));
                }
                s.push('\n');
            }
        }
        SchemaFormat::Text => {
            for d in defs {
                s.push_str(&format!("{}  ({})\n  {}\n", d.name, d.source, d.doc));
                for c in &d.columns {
                    s.push_str(&format!(
                        "    {:<32} {:<9} {}\n",
                        c.name,
                        c.ty.name(c.nullable),
                        c.doc
                    ));
                }
                s.push('\n');
            }
        }
    }
    s
}

fn rules(cmd: RulesCommand) -> Result<i32> {
    match cmd {
        RulesCommand::List {
            rules,
            baseline,
            baselines,
        } => {
            let pack = Pack::load(rules.as_deref())?;
            if baselines {
                println!("latest  every rule of this version ({})", pack.rules.len());
                for b in &pack.baselines {
                    let obs = if b.obsolete { " (obsolete)" } else { "" };
                    println!(
                        "{}  {} ({} rules){obs}",
                        b.name,
                        b.description,
                        b.rules.len()
                    );
                }
                return Ok(exit::OK);
            }
            for r in pack.select(&baseline)? {
                println!(
                    "{:<9} {:<8} {:<14} {}",
                    r.id,
                    r.severity.as_str(),
                    r.workload,
                    r.title
                );
            }
            Ok(exit::OK)
        }
        RulesCommand::Explain { text, rules } => {
            let pack = Pack::load(rules.as_deref())?;
            let found = pack.explain(&text);
            if found.is_empty() {
                println!("no rule predicts that error; `xtenant rules list` shows them all");
                return Ok(exit::FAILING);
            }
            for r in found {
                println!("{}  [{}]  {}", r.id, r.severity.as_str(), r.title);
                if !r.predicts.is_empty() {
                    println!("predicts: {}", r.predicts.join(", "));
                }
                println!("\n{}\n", r.description.trim());
                println!("remediation:\n{}\n", r.remediation.trim());
                for u in &r.references {
                    println!("  {u}");
                }
                println!();
            }
            Ok(exit::OK)
        }
        RulesCommand::Lint { dir } => {
            let pack = match &dir {
                Some(d) => Pack::load_dir_only(d)?,
                None => Pack::load(None)?,
            };
            let all: Vec<_> = pack.rules.iter().collect();
            assess::validate_rules(&all)?;
            println!("{} rules lint clean", all.len());
            Ok(exit::OK)
        }
    }
}

fn validate(cmd: ValidateCommand) -> Result<i32> {
    let issues = match cmd {
        ValidateCommand::Usermapping { file } => crate::userfiles::mapping::load(&file)?.issues,
        ValidateCommand::Batch { file } => {
            let name = file
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            crate::userfiles::batch::load(&file, &name)?.issues
        }
    };
    for i in &issues {
        println!("{}", crate::userfiles::format_issue(i));
    }
    let errors = issues.iter().filter(|i| i.severity == "error").count();
    println!("{} errors, {} warnings", errors, issues.len() - errors);
    Ok(if errors > 0 {
        exit::INVALID_INPUT
    } else {
        exit::OK
    })
}

/// `--lro-seconds`: a finite, non-negative number of seconds.
fn lro_duration(secs: f64) -> Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(secs).map_err(|_| {
        Error::input(
            crate::error::Location::default(),
            format!("--lro-seconds {secs}: not a duration"),
            "give a number of seconds of 0 or more, e.g. --lro-seconds 30",
        )
    })
}

/// What a run asked of the simulator: requests by service and status, and
/// the quotas' floor (the least time any client needs for that demand), for
/// benchmarks to compare their wall time with.
fn print_sim_summary(sim: &crate::sim::serve::SimHandle) {
    use std::collections::BTreeMap;
    let log = sim.log();
    let mut by: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &log {
        let status = e
            .status
            .map_or_else(|| "reset".to_string(), |s| s.to_string());
        *by.entry((e.service.clone(), status)).or_default() += 1;
    }
    println!("\nrequests served: {}", log.len());
    for ((service, status), n) in &by {
        println!("  {service:<16} {status:>5} {n:>9}");
    }
    let demand = sim.quota_demand();
    if let Some(top) = demand.first() {
        println!(
            "quota floor: {:.1} s ({}, {} requests)",
            top.floor.as_secs_f64(),
            top.key,
            top.requests
        );
    }
    println!("busiest quotas (key, requests, cost, floor):");
    for d in demand.iter().take(8) {
        println!(
            "  {:<60} {:>8} {:>10.0} {:>8.1} s",
            d.key,
            d.requests,
            d.cost,
            d.floor.as_secs_f64()
        );
    }
}

/// `xtenant sim serve`: starts the simulator and serves until Ctrl-C.
fn sim_serve(a: &SimServeArgs) -> Result<i32> {
    use crate::sim::serve::{faults::FaultSpec, DataSource, QuotaOptions, SimOptions, Simulator};
    let opts = SimOptions {
        data: match &a.raw {
            Some(dir) => DataSource::Raw(dir.clone()),
            None => DataSource::Demo,
        },
        addr: a.addr,
        latency: std::time::Duration::from_millis(a.latency_ms),
        faults: FaultSpec::parse(&a.faults)?,
        seed: a.seed,
        quotas: QuotaOptions {
            enabled: a.quotas == OnOff::On,
            ..QuotaOptions::default()
        },
        page_size: a.page_size,
        log_file: a.log.clone(),
        lro: lro_duration(a.lro_seconds)?,
        ..SimOptions::default()
    };
    let sim = Simulator::start(opts)?;
    println!("xtenant simulator listening on {}", sim.base_url());
    for (side, tenant) in sim.tenants() {
        println!("  {:<6} tenant {tenant}", side.as_str());
    }
    println!("\nPaste into xtenant.toml:\n\n{}", sim.endpoints_toml());
    // The full path of this binary, so the command works without xtenant on PATH.
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "xtenant".into());
    println!(
        "Token command for [source.auth] / [target.auth] (kind = \"command\"):\n  command = [{exe:?}, \"sim\", \"token\", \"--url\", \"{}\", \"--tenant\", \"{{tenant}}\", \"--scope\", \"{{scope}}\"]",
        sim.base_url()
    );
    println!("\nCtrl-C stops it.");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start a runtime: {e}")))?;
    rt.block_on(tokio::signal::ctrl_c())
        .map_err(|e| Error::Runtime(format!("cannot wait for Ctrl-C: {e}")))?;
    print_sim_summary(&sim);
    drop(sim);
    Ok(exit::OK)
}

fn apply_cmd(a: ApplyArgs) -> Result<i32> {
    use crate::execute::apply::{self, ItemState};
    let mut o = apply::ApplyOptions::new(&a.plan);
    o.journal = a.journal;
    o.yes = a.yes;
    o.resume = a.resume;
    o.no_source_writes = a.no_source_writes;
    o.max_items = a.max_items;
    o.max_failures = a.max_failures;
    o.config = a.config;
    o.concurrency = a.concurrency;
    o.print = true;
    let s = apply::run(o)?;
    if s.declined {
        println!("not applied: nothing was sent");
        return Ok(s.exit_code);
    }
    let ev = |k: &str| s.events.get(k).copied().unwrap_or(0);
    println!(
        "apply: {} items done, {} skipped, {} failed, {} not started ({} steps done, {} already done, {} failed in this run; {} writes, {} reads, {} retries, {:.1} s)",
        s.count(ItemState::Done),
        s.count(ItemState::Skipped),
        s.count(ItemState::Failed),
        s.count(ItemState::Pending),
        ev("done"),
        ev("already-done"),
        ev("failed"),
        s.stats.writes,
        s.stats.reads,
        s.stats.retries,
        s.elapsed.as_secs_f64()
    );
    for (id, rule, why) in &s.skipped {
        println!(
            "  skipped {id}: {}{why}",
            rule.as_deref()
                .map(|r| format!("{r}: "))
                .unwrap_or_default()
        );
    }
    for (id, why) in &s.failed {
        println!("  failed {id}: {why}");
    }
    if s.interrupted {
        println!(
            "  interrupted: continue with `xtenant apply --plan {} --resume`",
            a.plan.display()
        );
    }
    println!("journal: {}", s.journal.display());
    Ok(s.exit_code)
}

fn verify_cmd(a: VerifyArgs) -> Result<i32> {
    use crate::execute::verify;
    let (r, written) = verify::run(&verify::VerifyOptions {
        plan: a.plan,
        journal: a.journal,
        out: a.out,
        config: a.config,
        auth: None,
    })?;
    let n = |k: &str| r.summary.get(k).copied().unwrap_or(0);
    println!(
        "verify: {} items verified, {} failed, {} partial, {} not executed",
        n("verified"),
        n("failed"),
        n("partial"),
        n("not-executed")
    );
    for i in r.items.iter().filter(|i| i.state == "failed") {
        for c in i.checks.iter().filter(|c| !c.ok) {
            println!("  {}: {}: {}", i.name, c.what, c.detail);
        }
    }
    for f in &written {
        println!("  wrote {}", f.display());
    }
    Ok(if n("failed") > 0 {
        exit::RUNTIME
    } else if n("verified") == r.items.len() {
        exit::OK
    } else {
        exit::FAILING
    })
}

fn plan_cmd(a: PlanArgs) -> Result<i32> {
    use crate::execute::{plan, show, steps};
    if let Some(PlanCommand::Show { plan: path, format }) = a.command {
        let p = plan::load(&path)?;
        match format {
            DiffFormat::Text => print!("{}", show::render(&p, chrono::Utc::now())),
            DiffFormat::Json => print!("{}", p.to_json()?),
        }
        return Ok(exit::OK);
    }
    // clap enforces both unless a subcommand was given.
    let (Some(results), Some(out)) = (a.results, a.out) else {
        return Err(Error::input(
            crate::error::Location::default(),
            "plan needs --results DIR and --out FILE",
            "e.g. xtenant plan --results out/results --out plan.json",
        ));
    };
    let valid_for = steps::parse_duration(&a.valid_for).map_err(|e| {
        Error::input(
            crate::error::Location::default(),
            format!("--valid-for {e}"),
            "e.g. --valid-for 24h",
        )
    })?;
    let built = steps::build(&steps::Options {
        results,
        snapshot: a.snapshot,
        config: a.config,
        workloads: a.workload,
        items: a.items,
        remediate: a.remediate,
        valid_for,
        now: chrono::Utc::now(),
    })?;
    let written = steps::write(&built.plan, &out)?;
    let p = &built.plan;
    let count = p.steps().count();
    println!(
        "plan {} written: {} items, {} steps, expires {}",
        out.display(),
        p.items.len(),
        count,
        p.expires
    );
    for f in written.iter().skip(1) {
        println!("  runbook {}", f.display());
    }
    for n in &built.notes {
        println!("  note: {n}");
    }
    println!("review it with `xtenant plan show {}`", out.display());
    Ok(exit::OK)
}
