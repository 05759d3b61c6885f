//! `execute`: the stage after assessment. `plan` is the file format (what
//! `apply` reads); `steps` builds a plan from results + snapshot + config,
//! one module per workload; `runbook` assembles the PowerShell equivalents;
//! `show` prints a plan for a person. `apply`, `journal` and `verify` read
//! only the plan.

pub mod apply;
pub mod journal;
pub mod lro;
pub mod plan;
pub mod recheck;
pub mod runbook;
pub mod show;
pub mod steps;
pub mod verify;
