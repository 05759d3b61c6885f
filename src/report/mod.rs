//! `report`: `results.json` → the files people read. A self-contained
//! `report.html`, `report.xlsx`, `findings.csv` / `items.csv` /
//! `action-plan.csv`, `summary.md`, and `summary.json`; with `--previous`, a
//! "since last run" diff in each. Reads only `results.json` (see
//! docs/reports.md for the files and their columns).
//!
//! Templates (`templates/`, tera, autoescaping on for `.html`) are embedded
//! and can be overridden file by file with `--templates DIR`.

pub mod csv;
pub mod diff;
pub mod html;
pub mod markdown;
pub mod model;
pub mod xlsx;

use crate::assess::{self, Results};
use crate::error::{Error, Location, Result};
use include_dir::{include_dir, Dir};
use serde::Serialize;
use std::path::{Path, PathBuf};

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The template files, each overridable by a file of the same name in
/// `--templates DIR`.
pub const TEMPLATE_FILES: &[&str] = &["report.html", "report.css", "report.js", "summary.md"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Html,
    Xlsx,
    Csv,
    Md,
    Json,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Html,
        Format::Xlsx,
        Format::Csv,
        Format::Md,
        Format::Json,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Json => "json",
        }
    }

    /// Parses `html,xlsx,csv,md,json` (or `all`, or `none`).
    pub fn parse_list(s: &str) -> std::result::Result<Vec<Format>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "all" => out.extend(Format::ALL),
                "none" => {}
                p => match Format::ALL.iter().find(|f| f.as_str() == p) {
                    Some(f) => out.push(*f),
                    None => {
                        return Err(format!(
                        "unknown report format {p:?}: use html, xlsx, csv, md, json, all or none"
                    ))
                    }
                },
            }
        }
        out.dedup();
        Ok(out)
    }
}

/// Row caps for the HTML page. Beyond them the page says how many rows it
/// left out and where they are (CSV, Excel).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Caps {
    /// Item rows per workload table.
    pub items: usize,
    /// Finding rows per rule card (and rows per "since last run" table).
    pub findings: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            items: 1_000,
            findings: 200,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Directory holding `results.json`.
    pub results: PathBuf,
    /// Where to write [default: the results directory].
    pub out: Option<PathBuf>,
    pub formats: Vec<Format>,
    /// An earlier run's results directory, for "since last run".
    pub previous: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    /// Start the CSV files with a UTF-8 byte order mark (for Excel).
    pub bom: bool,
    pub caps: Caps,
}

impl Options {
    /// Every format into the results directory: what `assess` and `demo` do.
    pub fn defaults(results: &Path) -> Self {
        Options {
            results: results.to_path_buf(),
            out: None,
            formats: Format::ALL.to_vec(),
            previous: None,
            templates: None,
            bom: false,
            caps: Caps::default(),
        }
    }
}

/// What `report` wrote.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub files: Vec<PathBuf>,
    pub diff: Option<diff::Diff>,
}

pub fn run(opts: &Options) -> Result<Written> {
    let results = assess::read_results(&opts.results)?;
    let previous = match &opts.previous {
        Some(p) => Some(assess::read_results(p)?),
        None => None,
    };
    let out = opts.out.clone().unwrap_or_else(|| opts.results.clone());
    write(
        &results,
        previous.as_ref(),
        &out,
        &opts.formats,
        opts.templates.as_deref(),
        opts.bom,
        opts.caps,
    )
}

/// Writes the reports of `results` (already in memory) into `out`.
pub fn write(
    results: &Results,
    previous: Option<&Results>,
    out: &Path,
    formats: &[Format],
    templates: Option<&Path>,
    bom: bool,
    caps: Caps,
) -> Result<Written> {
    let templates = Templates::load(templates)?;
    std::fs::create_dir_all(out).map_err(|e| runtime(out, e))?;
    let idx = model::Index::new(results);
    let diff = previous.map(|p| diff::diff(p, results));
    let mut files = Vec::new();
    let has = |f: Format| formats.contains(&f);
    if has(Format::Csv) {
        for (name, w) in [
            (
                "findings.csv",
                csv::write_findings as fn(&Path, &Results, bool) -> Result<()>,
            ),
            ("items.csv", csv::write_items),
        ] {
            let p = out.join(name);
            w(&p, results, bom)?;
            files.push(p);
        }
        let p = out.join("action-plan.csv");
        csv::write_action_plan(&p, &idx, bom)?;
        files.push(p);
    }
    if has(Format::Xlsx) {
        let p = out.join("report.xlsx");
        xlsx::write(&p, results, &idx)?;
        files.push(p);
    }
    if has(Format::Html) {
        let html = html::render(
            results,
            &idx,
            diff.as_ref(),
            &caps,
            &templates,
            (has(Format::Csv), has(Format::Xlsx)),
        )?;
        let p = out.join("report.html");
        std::fs::write(&p, html).map_err(|e| runtime(&p, e))?;
        files.push(p);
    }
    if has(Format::Md) {
        let names: Vec<&str> = files
            .iter()
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()))
            .collect();
        let md = markdown::render(results, diff.as_ref(), &names, &templates)?;
        let p = out.join("summary.md");
        std::fs::write(&p, md).map_err(|e| runtime(&p, e))?;
        files.push(p);
    }
    if has(Format::Json) {
        let p = out.join("summary.json");
        let json = serde_json::to_string_pretty(&summary_json(results, diff.as_ref()))
            .map_err(|e| Error::Runtime(e.to_string()))?;
        std::fs::write(&p, json).map_err(|e| runtime(&p, e))?;
        files.push(p);
    }
    Ok(Written { files, diff })
}

pub const SUMMARY_FORMAT: &str = "xtenant-report-summary";

/// `summary.json`: the Markdown summary's facts for dashboards and CI, with
/// the full diff when there is a previous run.
fn summary_json(r: &Results, diff: Option<&diff::Diff>) -> serde_json::Value {
    serde_json::json!({
        "format": SUMMARY_FORMAT,
        "version": 1,
        "run": r.run,
        "items": r.items.len(),
        "readiness": r.summary.readiness,
        "findings": r.summary.findings,
        "excepted": r.summary.excepted,
        "top_blockers": r.summary.top_blockers,
        "rule_errors": r.summary.rule_errors,
        "exit_code": r.summary.exit_code,
        "diff": diff,
    })
}

fn runtime(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}

/// The templates of one report run: embedded, or overridden from a directory.
pub struct Templates {
    tera: tera::Tera,
    pub css: String,
    pub js: String,
    /// Where each template came from, for error messages.
    origin: Vec<(String, PathBuf)>,
}

impl Templates {
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        if let Some(d) = dir {
            if !d.is_dir() {
                return Err(Error::input(
                    Location::file(d),
                    "the templates directory does not exist",
                    format!(
                        "pass a directory holding any of {}",
                        TEMPLATE_FILES.join(", ")
                    ),
                ));
            }
        }
        let mut texts = Vec::new();
        for name in TEMPLATE_FILES {
            let over = dir.map(|d| d.join(name)).filter(|p| p.is_file());
            let (text, origin) = match over {
                Some(p) => (
                    std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?,
                    p,
                ),
                None => {
                    let f = EMBEDDED.get_file(name).ok_or_else(|| {
                        Error::Runtime(format!("template {name} is not embedded"))
                    })?;
                    let text = f
                        .contents_utf8()
                        .ok_or_else(|| Error::Runtime(format!("template {name} is not UTF-8")))?;
                    (text.to_string(), PathBuf::from("templates").join(name))
                }
            };
            texts.push((name.to_string(), text, origin));
        }
        let mut tera = tera::Tera::new();
        tera.register_filter("md", |s: &str, _: tera::Kwargs, _: &tera::State| {
            markdown::md_escape(s)
        });
        let mut css = String::new();
        let mut js = String::new();
        let mut origin = Vec::new();
        for (name, text, from) in texts {
            match name.as_str() {
                // Inlined verbatim (their hashes go into the CSP), not rendered.
                "report.css" => css = text,
                "report.js" => js = text,
                _ => {
                    tera.add_raw_template(&name, &text)
                        .map_err(|e| template_error(&from, &e))?;
                }
            }
            origin.push((name, from));
        }
        Ok(Templates {
            tera,
            css,
            js,
            origin,
        })
    }

    fn render<T: Serialize>(&self, name: &str, value: &T) -> Result<String> {
        let ctx = tera::Context::from_serialize(value)
            .map_err(|e| Error::Runtime(format!("report data for {name}: {e}")))?;
        self.tera.render(name, &ctx).map_err(|e| {
            let from = self
                .origin
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| PathBuf::from(name));
            template_error(&from, &e)
        })
    }
}

fn template_error(path: &Path, e: &tera::Error) -> Error {
    // tera's Display is the headline; the source chain says where.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    Error::input(
        Location::file(path),
        format!("template error: {msg}"),
        "fix the template, or remove it from --templates DIR to use the built-in one",
    )
}
