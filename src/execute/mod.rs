//! `execute`: the stage after assessment. `plan` (the file format) and
//! `build` (results + snapshot + config → plan, with a module per workload in
//! `steps` and the PowerShell equivalents in `runbook`), then `apply`,
//! `journal` and `verify`, which read only the plan.

pub mod plan;
