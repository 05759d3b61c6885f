//! The commented `xtenant.toml` that `xtenant init` writes. It must parse
//! with [`super::Config::parse`] as written (a test holds it to that), so a
//! new user starts from a file that works once the tenant ids are filled in.

pub const TEMPLATE: &str = r#"# xtenant configuration: the tenant pair, how to sign in to each, and the plan.
# Reference: docs/config.md. Unknown keys are errors, so a typo never goes unnoticed.

[source]
# The tenant items move FROM. Directory (tenant) id, a GUID.
tenant_id = "00000000-0000-0000-0000-000000000000"
name = "Source"
# Subscriptions in scope; leave out to read every subscription the identity can see.
# subscriptions = ["11111111-1111-1111-1111-111111111111"]
# AzureCloud (default), AzureUSGovernment or AzureChinaCloud.
# cloud = "AzureCloud"

[source.auth]
# How xtenant signs in to this tenant (read-only: Reader on the subscriptions,
# Graph Directory.Read.All, Application.Read.All, Policy.Read.All):
#   azure-cli          `az login --tenant <tenant_id>` once, as migration admins already do (default)
#   client-secret      an app registration; the secret sits in an environment variable, never here
#   client-certificate an app registration with a PEM certificate
#   managed-identity   on an Azure VM or container
#   workload-identity  federated credentials (AKS, GitHub Actions)
#   command            a program printing a bearer token; {tenant} and {scope} are substituted
kind = "azure-cli"
# client_id = "22222222-2222-2222-2222-222222222222"
# client_secret_env = "XTENANT_SOURCE_SECRET"
# certificate = "source-app.pem"
# command = ["my-token-tool", "--tenant", "{tenant}", "--scope", "{scope}"]

[target]
# The tenant items move TO.
tenant_id = "00000000-0000-0000-0000-000000000000"
name = "Target"
# subscriptions = ["33333333-3333-3333-3333-333333333333"]

[target.auth]
kind = "azure-cli"

# Service endpoints, when neither the cloud's defaults nor a proxy will do
# (e.g. the built-in tenant simulator: `xtenant sim serve`).
# [endpoints]
# login = "https://login.microsoftonline.com"
# arm = "https://management.azure.com"
# graph = "https://graph.microsoft.com"

# Live collection: timeouts, retries and requests in flight per service host.
# [http]
# timeout_secs = 60
# max_retries = 8
# concurrency = 8   # requests in flight per host and service (default: ARM 32, Graph 16, others 8)
# pacing = true

# Who runs each workload's cross-tenant steps. `mode = "push"`: at home in the
# source, a guest (or consented app) in the target; "pull": the reverse.
# An [identities.<workload>.auth] table (same keys as [source.auth]) lets
# live collection probe that identity's sign-in in both tenants.
# [identities.disk]
# kind = "user"
# upn = "migrator@target.example"
# mode = "pull"
#
# [identities.exchange]
# kind = "app"
# app_id = "44444444-4444-4444-4444-444444444444"
# mode = "pull"
#
# [identities.exchange.auth]
# kind = "client-secret"
# client_id = "44444444-4444-4444-4444-444444444444"
# client_secret_env = "XTENANT_T2T_APP_SECRET"

# Managed disks: where the snapshots go.
# [disk]
# target_region = "westeurope"
# target_subscription_id = "33333333-3333-3333-3333-333333333333"
# target_resource_group = "rg-migrated-disks"

# Container registries: where the source registries' artifacts are imported.
# [acr]
# target_registry = "targetacr"
# target_subscription_id = "33333333-3333-3333-3333-333333333333"
# target_resource_group = "rg-registries"
# target_sku = "Standard"

# Compute gallery images shared to the target.
# [gallery]
# target_subscription_id = "33333333-3333-3333-3333-333333333333"
# target_resource_group = "rg-images"
# vm_deployment = "cli"

# Exchange Online mailbox moves: the scope group and the batch files (paths
# relative to this file).
# [exchange]
# scope_group = "t2t-scope@source.example"
# batches = ["batch-wave1.csv"]
# Per-mailbox cmdlets (statistics, permissions, hold logs) cost one call per
# mailbox, about 10 calls/s: "batches" runs them for the batch files' mailboxes only.
# per_mailbox = "all"

# Power Platform tenant-to-tenant migration: the user mapping file.
# [powerplatform]
# user_mapping = "usermapping.csv"

# Rule parameter overrides, per rule id.
# [params."EXO-033"]
# max_aux_archives = 10

# Outputs: `xtenant audit --config xtenant.toml --out xtenant-out` writes the
# snapshot and the reports there; rules, baseline and exceptions are options
# of audit/assess (--rules DIR, --baseline NAME, --exceptions FILE).
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AuthKind, Config};
    use std::path::Path;

    #[test]
    fn the_template_parses_and_uncommented_examples_parse_too() {
        let cfg = Config::parse(TEMPLATE, Path::new("xtenant.toml")).unwrap();
        assert_eq!(cfg.source.auth.kind, AuthKind::AzureCli);
        assert_eq!(cfg.target.name.as_deref(), Some("Target"));
        // Every commented example line is valid too: uncomment all `# key = value`
        // and `# [table]` lines (not the prose) and parse again.
        let mut table = String::new();
        let uncommented: String = TEMPLATE
            .lines()
            .map(|l| {
                let t = l.trim_start();
                let body = t.strip_prefix("# ").unwrap_or(t);
                if body.starts_with('[') {
                    table = body.to_string();
                }
                let key = body
                    .split_once(" = ")
                    .map(|(k, _)| k)
                    .filter(|k| !k.contains(' '));
                // The lines under [source.auth] are alternatives for other kinds.
                let alternative = table == "[source.auth]" && key.is_some_and(|k| k != "kind");
                let is_example = body.starts_with('[') || key.is_some();
                if t.starts_with("# ") && is_example && !alternative {
                    body.to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        Config::parse(&uncommented, Path::new("xtenant.toml")).unwrap();
    }
}
