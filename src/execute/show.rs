//! `plan show`: a plan as a person reviews it before `apply`: what it was
//! derived from, when it expires, and per item each step with the tenant it
//! writes to, its method and URL, and which steps a person runs by hand.

use super::plan::{Plan, Step, Tenant};
use std::fmt::Write;

/// The text summary. `now` decides the "expires in" wording.
pub fn render(plan: &Plan, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut o = String::new();
    let tenant = |t: &super::plan::TenantRef| {
        format!(
            "{} ({})",
            t.name.as_deref().unwrap_or("unnamed"),
            t.tenant_id.as_deref().unwrap_or("tenant id unknown")
        )
    };
    let _ = writeln!(o, "plan {}", plan.digest);
    let _ = writeln!(o, "  {} -> {}", tenant(&plan.source), tenant(&plan.target));
    let _ = writeln!(
        o,
        "  created {}, expires {} ({})",
        plan.created,
        plan.expires,
        expiry(plan, now)
    );
    let d = &plan.derived_from;
    let _ = writeln!(
        o,
        "  derived from results {} (sha256 {})",
        d.results.path, d.results.sha256
    );
    let _ = writeln!(
        o,
        "               snapshot {} (content hash {})",
        d.snapshot.path, d.snapshot.content_hash
    );
    let _ = writeln!(
        o,
        "               config {}",
        d.config_sha256
            .as_deref()
            .map(|h| format!("sha256 {h}"))
            .unwrap_or_else(|| "stored in the snapshot".into())
    );
    let opts = &plan.options;
    let list = |v: &[String]| {
        if v.is_empty() {
            "all".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        o,
        "  options: workloads {}, items {}, remediate {}",
        list(&opts.workloads),
        list(&opts.items),
        if opts.remediate { "yes" } else { "no" }
    );
    let steps: Vec<&Step> = plan.steps().map(|(_, s)| s).collect();
    let writes = |t: Tenant| {
        steps
            .iter()
            .filter(|s| s.is_write() && s.tenant == t)
            .count()
    };
    let _ = writeln!(
        o,
        "  {} items, {} steps: {} writes to the target, {} to the source, {} manual, {} checks",
        plan.items.len(),
        steps.len(),
        writes(Tenant::Target),
        writes(Tenant::Source),
        steps.iter().filter(|s| s.manual).count(),
        steps.iter().filter(|s| !s.manual && !s.is_write()).count(),
    );
    for item in &plan.items {
        let _ = writeln!(o);
        let _ = writeln!(o, "{} {} {}", item.workload, item.kind, item.name);
        let _ = writeln!(o, "  id {}", item.item_id);
        if !item.rules.is_empty() {
            let _ = writeln!(o, "  re-checks {}", item.rules.join(", "));
        }
        for (n, s) in item.steps.iter().enumerate() {
            let _ = writeln!(o, "  {}. {}  [{}]", n + 1, s.id, s.action);
            if s.manual {
                let _ = writeln!(
                    o,
                    "     MANUAL, by the {} tenant's admin: {}",
                    s.tenant.as_str(),
                    s.runbook.as_deref().unwrap_or("no runbook")
                );
            } else {
                let mut who = format!(
                    "{} {}",
                    if s.is_write() { "writes" } else { "reads" },
                    s.tenant.as_str()
                );
                if let Some(a) = s.auxiliary_tenant {
                    let _ = write!(who, " (auxiliary token: {})", a.as_str());
                }
                let _ = writeln!(
                    o,
                    "     {who} via {}: {} {}",
                    s.service.as_str(),
                    s.method.as_deref().unwrap_or("-"),
                    s.url.as_deref().unwrap_or("-")
                );
                let mut flags = Vec::new();
                if s.long_running {
                    flags.push("long-running".to_string());
                }
                if s.exists_check.is_some() {
                    flags.push("done if it already exists".to_string());
                }
                if let Some(r) = &s.runbook {
                    flags.push(format!("also in {r}"));
                }
                if !flags.is_empty() {
                    let _ = writeln!(o, "     {}", flags.join("; "));
                }
            }
            if !s.after.is_empty() {
                let _ = writeln!(o, "     after {}", s.after.join(", "));
            }
        }
    }
    if !plan.runbooks.is_empty() {
        let _ = writeln!(o);
        let names: Vec<&str> = plan.runbooks.keys().map(String::as_str).collect();
        let _ = writeln!(o, "runbooks (beside the plan): {}", names.join(", "));
    }
    o
}

fn expiry(plan: &Plan, now: chrono::DateTime<chrono::Utc>) -> String {
    match chrono::DateTime::parse_from_rfc3339(&plan.expires) {
        Ok(t) => {
            let left = t.with_timezone(&chrono::Utc) - now;
            if left <= chrono::Duration::zero() {
                "EXPIRED: plan again".into()
            } else if left.num_hours() >= 1 {
                format!("in {} h {} min", left.num_hours(), left.num_minutes() % 60)
            } else {
                format!("in {} min", left.num_minutes())
            }
        }
        Err(_) => "not a time".into(),
    }
}
