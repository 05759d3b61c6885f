//! Command-line arguments, and nothing else: what each command does lives in
//! `app` and the stage modules.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  no failing, non-excepted finding at or above --fail-on (and no rule error)
  1  failing blockers (or warnings with --fail-on warning)
  2  a rule errored, or data it needed was not collected
  3  invalid input: config, rule pack, exceptions file, mapping file, raw export, snapshot
  4  runtime, network or authentication failure";

const APPLY_EXIT_CODES: &str = "\
Exit codes:
  0  every item of the plan is done (apply) / verified (verify)
  1  some items were skipped (re-check, manual step, refused source write), not started, or
     declined at the prompt (apply); some items not executed (verify)
  3  refused: plan expired, changed, or no longer matching its results/snapshot; no --yes off a
     terminal; a journal of another plan; a journal exists without --resume
  4  a step or check failed, apply was interrupted (resume with --resume), or a network or sign-in
     failure";

#[derive(Debug, Parser)]
#[command(
    name = "xtenant",
    version,
    about = "Cross-tenant migration readiness for Azure and Microsoft 365: collect both tenants, assess what can move, report, execute what is ready.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// More log output (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log format on stderr: `text`, or `json` (one object per line, for pipelines).
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect both tenants into a snapshot: live (ARM, Resource Graph,
    /// Microsoft Graph) with --config, or offline from a raw export with --from-dir.
    #[command(after_help = EXIT_CODES)]
    Collect(CollectArgs),
    /// Collect both tenants live, assess and report: the main job.
    #[command(after_help = EXIT_CODES)]
    Audit(AuditArgs),
    /// Write a commented xtenant.toml to start from.
    Init(InitArgs),
    /// Sign in to both tenants and check the permissions every collector needs.
    #[command(after_help = EXIT_CODES)]
    Doctor(DoctorArgs),
    /// Run the rule packs over a snapshot: findings and readiness per item.
    #[command(after_help = EXIT_CODES)]
    Assess(AssessArgs),
    /// Write the reports of an assessment: HTML, Excel, CSV, Markdown, JSON.
    #[command(after_help = EXIT_CODES)]
    Report(ReportArgs),
    /// Compare two assessments: new, resolved and changed findings, readiness moves.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
    /// Run collect, assess and report on the embedded Contoso → Fabrikam demo pair, on day 1
    /// (before the organisation prerequisites) and today, with today compared to day 1.
    #[command(after_help = EXIT_CODES)]
    Demo(DemoArgs),
    /// Plan the migrations of the ready items: exact requests, tenants, expiry (`plan show` prints one).
    #[command(after_help = EXIT_CODES)]
    Plan(PlanArgs),
    /// Run a reviewed plan: re-check each item, write with a journal, resume after a crash.
    #[command(after_help = APPLY_EXIT_CODES)]
    Apply(ApplyArgs),
    /// Check in the target that each executed item of a plan is there (verify.json, verify.csv).
    #[command(after_help = APPLY_EXIT_CODES)]
    Verify(VerifyArgs),
    /// Print the inventory tables, their columns, types, meaning and source API.
    Schema(SchemaArgs),
    /// List, explain and lint rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Check a user file (usermapping.csv or a migration batch CSV).
    #[command(subcommand, after_help = EXIT_CODES)]
    Validate(ValidateCommand),
    /// The tenant simulator's tools.
    #[command(subcommand)]
    Sim(SimCommand),
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Raw export directory (xtenant-raw.json, source/, target/): collect
    /// offline from it. Without it, collection is live (needs --config).
    #[arg(long, value_name = "RAW")]
    pub from_dir: Option<PathBuf>,
    /// Snapshot directory to write.
    #[arg(long, value_name = "SNAPSHOT")]
    pub out: PathBuf,
    /// Config file [default: RAW/xtenant.toml, else ./xtenant.toml, if present].
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Settings of live collection.
#[derive(Debug, Clone, Args)]
pub struct LiveArgs {
    /// Keep what was fetched as a raw export in DIR (re-assess offline later
    /// with `collect --from-dir DIR`); default: a temporary directory, removed.
    #[arg(long, value_name = "DIR")]
    pub save_raw: Option<PathBuf>,
    /// Where ARM resource listings come from: `auto` (Resource Graph above
    /// 10 subscriptions per tenant), `rest` or `resource-graph`.
    #[arg(long, value_enum, default_value = "auto")]
    pub arm_source: ArmSourceArg,
    /// Take the collections this run did not fetch (families left out by
    /// `--only`) from this raw export, e.g. one saved by an earlier run.
    #[arg(long, value_name = "RAW")]
    pub fill_from: Option<PathBuf>,
    /// Fetch only these API families (comma-separated); the others are not
    /// collected unless `--fill-from` supplies them. `acr` brings `arm`
    /// (it reads the registry list). Use it to re-run what a report says
    /// failed.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FAMILY,...")]
    pub only: Vec<FamilyArg>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    Arm,
    Graph,
    Exchange,
    Acr,
    #[value(name = "powerplatform")]
    PowerPlatform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArmSourceArg {
    Auto,
    Rest,
    ResourceGraph,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Config file: the tenants, how to sign in to each, the plan.
    #[arg(long)]
    pub config: PathBuf,
    /// Output directory: snapshot/, results/ (results.json and the reports).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub live: LiveArgs,
    /// Exceptions file (accepted findings with reason, owner, expiry).
    #[arg(long)]
    pub exceptions: Option<PathBuf>,
    /// Extra or overriding rules (<workload>/<ID>.toml).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Rule baseline: `latest` or a dated one (see `rules list --baselines`).
    #[arg(long, default_value = "latest")]
    pub baseline: String,
    /// Lowest severity whose failures make the exit code 1.
    #[arg(long, value_enum, default_value = "blocker")]
    pub fail_on: FailOn,
    /// Reports to write: html, xlsx, csv, md, json (comma-separated), `all`, or `none`.
    #[arg(long, value_name = "FORMATS", default_value = "all")]
    pub report: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// File to write (refused if it exists).
    #[arg(long, default_value = "xtenant.toml")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Config file: the tenants and how to sign in to each.
    #[arg(long)]
    pub config: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    Blocker,
    Warning,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Snapshot directory written by `collect`.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Directory for results.json and the reports.
    #[arg(long)]
    pub out: PathBuf,
    /// Extra or overriding rules (<workload>/<ID>.toml).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Exceptions file (accepted findings with reason, owner, expiry).
    #[arg(long)]
    pub exceptions: Option<PathBuf>,
    /// Config to use instead of the one stored in the snapshot.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Rule baseline: `latest` or a dated one (see `rules list --baselines`).
    #[arg(long, default_value = "latest")]
    pub baseline: String,
    /// Lowest severity whose failures make the exit code 1.
    #[arg(long, value_enum, default_value = "blocker")]
    pub fail_on: FailOn,
    /// Also write every passing finding to results.json and findings.csv
    /// (by default they are counted, not listed).
    #[arg(long)]
    pub include_passing: bool,
    /// Reports to write next to results.json: html, xlsx, csv, md, json
    /// (comma-separated), `all`, or `none`.
    #[arg(long, value_name = "FORMATS", default_value = "all")]
    pub report: String,
    #[command(flatten)]
    pub report_settings: ReportSettings,
}

/// Report settings shared by `assess` and `report`.
#[derive(Debug, Clone, Args)]
pub struct ReportSettings {
    /// An earlier run's results directory: adds "since last run" (the diff).
    #[arg(long, value_name = "OLD_DIR")]
    pub previous: Option<PathBuf>,
    /// Directory of templates overriding the built-in ones, file by file
    /// (report.html, report.css, report.js, summary.md).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Start the CSV files with a UTF-8 byte order mark (Excel on Windows
    /// needs it to read non-ASCII names).
    #[arg(long)]
    pub bom: bool,
    /// Item rows per workload table in report.html (all are in the CSV and Excel files).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_items: usize,
    /// Finding rows per rule in report.html (all are in the CSV and Excel files).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_findings: usize,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results directory written by `assess` (holds results.json).
    #[arg(long, value_name = "DIR")]
    pub results: PathBuf,
    /// Reports to write: html, xlsx, csv, md, json (comma-separated), or `all`.
    #[arg(long, value_name = "FORMATS", default_value = "all")]
    pub format: String,
    /// Output directory [default: the results directory].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub settings: ReportSettings,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier results directory.
    pub old: PathBuf,
    /// The later results directory.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output directory (raw/, snapshot/, results/ with the reports; day-1/ the same for day 1).
    #[arg(long, default_value = "xtenant-demo")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub command: Option<PlanCommand>,
    /// Results directory written by `assess` (holds results.json).
    #[arg(long, value_name = "DIR", required = true)]
    pub results: Option<PathBuf>,
    /// The plan file to write; runbooks (exchange.ps1, powerplatform.ps1) go beside it.
    #[arg(long, value_name = "FILE", required = true)]
    pub out: Option<PathBuf>,
    /// The snapshot the results were assessed from [default: DIR/../snapshot, else DIR/snapshot].
    #[arg(long, value_name = "SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
    /// Only these workloads: disk, acr, gallery, exchange, powerplatform (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub workload: Vec<String>,
    /// Only these items, by id or name (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub items: Vec<String>,
    /// Also plan the missing prerequisites (roles, guest invitations); the only
    /// steps that write to the source tenant, never a delete.
    #[arg(long)]
    pub remediate: bool,
    /// How long the plan stays valid: 24h, 90m, 2d.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub valid_for: String,
    /// Config to plan with (target placement) instead of the one stored in the snapshot.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan written by `xtenant plan` (reviewed with `xtenant plan show`).
    #[arg(long)]
    pub plan: PathBuf,
    /// Apply without asking (required when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Continue from the journal after a crash or Ctrl-C; finished steps are not sent again.
    #[arg(long)]
    pub resume: bool,
    /// Refuse every write to the source tenant (deletes in the source are always refused).
    #[arg(long)]
    pub no_source_writes: bool,
    /// Start at most N items in this run.
    #[arg(long, value_name = "N")]
    pub max_items: Option<usize>,
    /// Stop starting steps after N failed steps.
    #[arg(long, value_name = "N")]
    pub max_failures: Option<usize>,
    /// Requests in flight at once (operations being polled do not count).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// Journal file [default: PLAN.journal.jsonl beside the plan].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Config with the tenants' sign-in [default: the one stored in the plan's snapshot].
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The plan that was applied.
    #[arg(long)]
    pub plan: PathBuf,
    /// Journal file [default: PLAN.journal.jsonl beside the plan].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Directory for verify.json and verify.csv [default: beside the plan].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Config with the tenants' sign-in [default: the one stored in the plan's snapshot].
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Print a plan for review: items, steps, tenants written, URLs, manual steps, expiry.
    Show {
        /// The plan file.
        plan: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Only this table.
    #[arg(long)]
    pub table: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SchemaFormat,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (embedded, plus --rules DIR).
    List {
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Only this baseline's rules.
        #[arg(long, default_value = "latest")]
        baseline: String,
        /// List the baselines instead.
        #[arg(long)]
        baselines: bool,
    },
    /// Show a rule by id, or find the rules that predict a pasted error message.
    Explain {
        /// A rule id (EXO-021) or error text (MigrationRecipientNotFoundException ...).
        text: String,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Lint rules: parse, reject SQL polars runs wrongly, plan against the schemas.
    Lint {
        /// Directory of rules to lint [default: the embedded pack].
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ValidateCommand {
    /// Check a Power Platform usermapping.csv.
    Usermapping { file: PathBuf },
    /// Check an Exchange migration batch CSV (single EmailAddress column).
    Batch { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Write a synthetic tenant pair as a raw export (fixed seed, realistic ratios).
    Generate {
        #[arg(long)]
        out: PathBuf,
        /// 1 unit = 1,000 mailboxes, 500 disks, 2,500 role assignments per tenant.
        #[arg(long, default_value_t = 1)]
        scale: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Source subscriptions instead of the scale's (1 per 5,000 disks);
        /// the target gets a quarter.
        #[arg(long)]
        subscriptions: Option<u32>,
        /// Source managed disks instead of the scale's (VMs, NICs and
        /// resource groups follow them); the target gets a tenth.
        #[arg(long)]
        disks: Option<u32>,
        /// Source container registries (about 100 tags each); the target gets a tenth.
        #[arg(long)]
        registries: Option<u32>,
        /// Source Power Platform environments, the default one included.
        #[arg(long)]
        environments: Option<u32>,
        /// Role assignments per tenant.
        #[arg(long)]
        role_assignments: Option<u32>,
    },
    /// Serve a raw export over HTTP on loopback at the real ARM, Resource
    /// Graph, Graph and sign-in paths (see docs/simulator.md).
    Serve(SimServeArgs),
    /// Get a token from a running simulator and print it (a `command` auth
    /// kind for tests and the demo).
    Token(SimTokenArgs),
    /// Write a synthetic results.json with about N findings (report benchmark).
    Results {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        findings: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// Raw export directory to serve (xtenant-raw.json, source/, target/).
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "demo",
        required_unless_present = "demo"
    )]
    pub raw: Option<PathBuf>,
    /// Serve the embedded Contoso -> Fabrikam demo pair.
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on [default: 127.0.0.1 on a free port].
    #[arg(long, value_name = "IP:PORT")]
    pub addr: Option<std::net::SocketAddr>,
    /// Delay added to every request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// Injected faults, e.g. 429=5%,503=2%,reset=1%,truncate=0.5%
    /// (kinds: 429, 500, 503, reset, truncate).
    #[arg(long, value_name = "SPEC", default_value = "")]
    pub faults: String,
    /// Seed for the fault draws: the same seed faults the same requests.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Service quotas (ARM token buckets, Resource Graph 15 per 5 s, Graph
    /// resource units): 429 with Retry-After when exhausted.
    #[arg(long, value_enum, default_value = "on")]
    pub quotas: OnOff,
    /// Items per page for every list (default: each service's own).
    #[arg(long, value_name = "N")]
    pub page_size: Option<usize>,
    /// Also write the request log as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// How long each long-running write (snapshot, disk, VM, registry,
    /// import, image version) takes before it is Succeeded, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub lro_seconds: f64,
}

#[derive(Debug, Args)]
pub struct SimTokenArgs {
    /// The simulator's base URL (printed by `sim serve`).
    #[arg(long)]
    pub url: String,
    /// Tenant id the token is for.
    #[arg(long)]
    pub tenant: String,
    /// Scope, e.g. https://management.azure.com/.default
    #[arg(long)]
    pub scope: String,
    /// Client (application) id the token is issued to.
    #[arg(long)]
    pub client_id: Option<String>,
    /// Sign in as this user (UPN; password grant): the token carries the
    /// user's object id in --tenant, or its guest object's there.
    #[arg(long)]
    pub username: Option<String>,
}
