//! Rule packs: rules as data (`rules/<workload>/<ID>.toml`), embedded in the
//! binary and extendable or overridable with `--rules DIR`. A rule is a polars
//! SQL query with a fixed output contract (see docs/rule-authoring.md).

use crate::config::toml_error;
use crate::error::{Error, InputError, Location, Result};
use include_dir::{include_dir, Dir};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const RULE_FIX: &str =
    "see docs/rule-authoring.md for the fields of rules, baselines and pack.toml";

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

pub const WORKLOADS: &[&str] = &[
    "identity",
    "disk",
    "acr",
    "gallery",
    "exchange",
    "powerplatform",
    "subscription",
];

/// Item kinds whose readiness rules decide.
pub const ITEM_KINDS: &[&str] = &[
    "disk",
    "registry",
    "image-version",
    "mailbox",
    "environment",
    "mapped-user",
    "subscription",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Blocker,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Blocker => "blocker",
        }
    }
}

/// Whether a rule's `object_id` names one item, or an organisation-level
/// object whose failure holds back every item of the kinds it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Item,
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Int,
    Float,
    String,
    Bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub default: toml::Value,
    pub description: String,
}

/// A planted case in the demo pair that the rule must classify as stated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// `object_name` (or `object_id`) of the finding, case-insensitive.
    pub object: String,
    /// pass, fail, warn, info, skip.
    pub status: String,
    /// The fixture the case lives in: `demo` (today), `demo-day-1` (the demo
    /// on day 1, `fixtures/demo/day-1/`), or a patch of the demo under
    /// `fixtures/cases/<case>/`.
    #[serde(default = "default_case")]
    pub case: String,
}

fn default_case() -> String {
    "demo".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// The compliant state, e.g. "Target mail user has the source ExchangeGuid".
    pub title: String,
    pub workload: String,
    pub severity: Severity,
    /// Item kinds whose readiness this rule decides.
    pub applies_to: Vec<String>,
    pub scope: Scope,
    pub description: String,
    /// Migration errors this rule predicts, verbatim.
    #[serde(default)]
    pub predicts: Vec<String>,
    pub remediation: String,
    pub references: Vec<String>,
    /// Tables the query reads (base, derived, or `src_`/`tgt_` views).
    pub requires: Vec<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Checks of Microsoft's scripts this rule covers.
    #[serde(default)]
    pub covers: Vec<String>,
    /// V verified, P partly verified, U unverified (ships as warning at most).
    #[serde(default = "default_confidence")]
    pub confidence: String,
    #[serde(default)]
    pub params: BTreeMap<String, ParamDef>,
    #[serde(default)]
    pub examples: Vec<Example>,
    pub query: String,
    /// Where the rule was loaded from (not part of the file).
    #[serde(skip)]
    pub origin: String,
}

fn default_confidence() -> String {
    "V".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    pub id: String,
    pub version: String,
    pub title: String,
}

/// A named, dated selection of rules, so that a run pinned to it does not gain
/// new failing rules when the tool is upgraded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub name: String,
    pub description: String,
    pub rules: Vec<String>,
    #[serde(default)]
    pub obsolete: bool,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub info: PackInfo,
    pub rules: Vec<Rule>,
    pub baselines: Vec<Baseline>,
}

/// A file of a pack, wherever it lives.
struct PackFile {
    origin: PathBuf,
    text: String,
}

fn embedded_files() -> Vec<PackFile> {
    let mut out = Vec::new();
    fn walk(d: &Dir<'_>, out: &mut Vec<PackFile>) {
        for f in d.files() {
            if f.path().extension().is_some_and(|e| e == "toml") {
                out.push(PackFile {
                    origin: Path::new("rules").join(f.path()),
                    text: f.contents_utf8().unwrap_or_default().to_string(),
                });
            }
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    walk(&EMBEDDED, &mut out);
    out.sort_by(|a, b| a.origin.cmp(&b.origin));
    out
}

fn dir_files(dir: &Path) -> Result<Vec<PackFile>> {
    if !dir.is_dir() {
        return Err(Error::input(
            Location::file(dir),
            "rules directory not found",
            "pass a directory of rule files (<workload>/<ID>.toml)",
        ));
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let p = e.map_err(|e| Error::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
                out.push(PackFile { origin: p, text });
            }
        }
    }
    out.sort_by(|a, b| a.origin.cmp(&b.origin));
    Ok(out)
}

impl Pack {
    /// The embedded pack, extended or overridden (same id) by `extra`.
    pub fn load(extra: Option<&Path>) -> Result<Pack> {
        let mut pack = Pack::from_files(embedded_files(), true)?;
        if let Some(dir) = extra {
            let more = Pack::from_files(dir_files(dir)?, false)?;
            for r in more.rules {
                match pack.rules.iter_mut().find(|x| x.id == r.id) {
                    Some(slot) => *slot = r,
                    None => pack.rules.push(r),
                }
            }
            pack.baselines.extend(more.baselines);
        }
        pack.rules.sort_by(|a, b| a.id.cmp(&b.id));
        pack.check()?;
        Ok(pack)
    }

    /// Only the files of `dir`, for `rules lint DIR`.
    pub fn load_dir_only(dir: &Path) -> Result<Pack> {
        let pack = Pack::from_files(dir_files(dir)?, false)?;
        pack.check()?;
        Ok(pack)
    }

    fn from_files(files: Vec<PackFile>, need_info: bool) -> Result<Pack> {
        let mut info = None;
        let mut rules = Vec::new();
        let mut baselines = Vec::new();
        let mut errors = Vec::new();
        for f in files {
            let name = f
                .origin
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let in_baselines = f.origin.components().any(|c| c.as_os_str() == "baselines");
            let res: Result<()> = if name == "pack.toml" {
                toml::from_str::<PackInfo>(&f.text)
                    .map(|p| info = Some(p))
                    .map_err(|e| toml_error(&f.origin, &f.text, &e, RULE_FIX))
            } else if in_baselines {
                toml::from_str::<Baseline>(&f.text)
                    .map(|b| baselines.push(b))
                    .map_err(|e| toml_error(&f.origin, &f.text, &e, RULE_FIX))
            } else {
                toml::from_str::<Rule>(&f.text)
                    .map(|mut r| {
                        r.origin = f.origin.display().to_string();
                        rules.push(r)
                    })
                    .map_err(|e| toml_error(&f.origin, &f.text, &e, RULE_FIX))
            };
            if let Err(Error::Input(e)) = res {
                errors.push(e);
            } else {
                res?;
            }
        }
        if !errors.is_empty() {
            return Err(Error::Inputs(errors));
        }
        let info = match info {
            Some(i) => i,
            None if !need_info => PackInfo {
                id: "local".into(),
                version: "0".into(),
                title: "Local rules".into(),
            },
            None => return Err(Error::Runtime("embedded pack has no pack.toml".into())),
        };
        Ok(Pack {
            info,
            rules,
            baselines,
        })
    }

    /// Structural checks that need no data: unique ids, known workloads,
    /// kinds and dependencies, unconfirmed rules never blockers, baselines
    /// naming existing rules.
    fn check(&self) -> Result<()> {
        let mut errs: Vec<InputError> = Vec::new();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        let err = |r: &Rule, msg: String, fix: &str| InputError {
            location: Location::file(&r.origin),
            message: format!("rule {}: {msg}", r.id),
            fix: Some(fix.to_string()),
        };
        for r in &self.rules {
            if let Some(prev) = seen.insert(&r.id, &r.origin) {
                errs.push(err(
                    r,
                    format!("duplicate id (also in {prev})"),
                    "give each rule a unique id",
                ));
            }
            if !WORKLOADS.contains(&r.workload.as_str()) {
                errs.push(err(
                    r,
                    format!("unknown workload {:?}", r.workload),
                    &format!("use one of {}", WORKLOADS.join(", ")),
                ));
            }
            for k in &r.applies_to {
                if !ITEM_KINDS.contains(&k.as_str()) {
                    errs.push(err(
                        r,
                        format!("unknown item kind {k:?} in applies_to"),
                        &format!("use one of {}", ITEM_KINDS.join(", ")),
                    ));
                }
            }
            if r.remediation.trim().is_empty() {
                errs.push(err(
                    r,
                    "remediation is empty".into(),
                    "say what to change to pass",
                ));
            }
            if r.references.is_empty() {
                errs.push(err(
                    r,
                    "no references".into(),
                    "add at least one URL to the source of the check",
                ));
            }
            if r.confidence == "U" && r.severity == Severity::Blocker {
                errs.push(err(
                    r,
                    "an unconfirmed ([U]) rule cannot be a blocker".into(),
                    "ship it as a warning with the open question in its description",
                ));
            }
            for d in &r.depends_on {
                if !self.rules.iter().any(|x| &x.id == d) {
                    errs.push(err(
                        r,
                        format!("depends on unknown rule {d}"),
                        "name an existing rule id",
                    ));
                }
            }
        }
        for b in &self.baselines {
            for id in &b.rules {
                if !self.rules.iter().any(|x| &x.id == id) {
                    errs.push(InputError {
                        location: Location::file("rules/baselines"),
                        message: format!("baseline {} names unknown rule {id}", b.name),
                        fix: Some("remove it or add the rule".into()),
                    });
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Error::Inputs(errs))
        }
    }

    /// The rules of a baseline: `latest` is every rule.
    pub fn select(&self, baseline: &str) -> Result<Vec<&Rule>> {
        if baseline == "latest" {
            return Ok(self.rules.iter().collect());
        }
        let b = self
            .baselines
            .iter()
            .find(|b| b.name == baseline)
            .ok_or_else(|| {
                let names: Vec<&str> = self.baselines.iter().map(|b| b.name.as_str()).collect();
                Error::input(
                    Location::default(),
                    format!("unknown baseline {baseline:?}"),
                    format!("use latest or one of: {}", names.join(", ")),
                )
            })?;
        if b.obsolete {
            tracing::warn!("baseline {} is obsolete", b.name);
        }
        Ok(self
            .rules
            .iter()
            .filter(|r| b.rules.contains(&r.id))
            .collect())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Rules that predict an error whose name or text appears in `text`, or
    /// whose id is `text`: `rules explain "<pasted error>"`.
    pub fn explain(&self, text: &str) -> Vec<&Rule> {
        if let Some(r) = self.get(text.trim()) {
            return vec![r];
        }
        let t = text.to_lowercase();
        self.rules
            .iter()
            .filter(|r| {
                r.predicts
                    .iter()
                    .any(|p| !p.is_empty() && t.contains(&p.to_lowercase()))
            })
            .collect()
    }
}
