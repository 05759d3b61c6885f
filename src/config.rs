//! `xtenant.toml`: the tenant pair, the migration identity of each workload,
//! the user files, and rule parameter overrides. Unknown keys are errors with
//! their line, so a typo never silently falls back to a default.

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod template;

pub const FILE_NAME: &str = "xtenant.toml";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub source: TenantConfig,
    #[serde(default)]
    pub target: TenantConfig,
    /// Migration identity per workload: `disk`, `acr`, `gallery`, `exchange`, `powerplatform`.
    #[serde(default)]
    pub identities: BTreeMap<String, Identity>,
    #[serde(default)]
    pub disk: DiskConfig,
    #[serde(default)]
    pub acr: AcrConfig,
    #[serde(default)]
    pub gallery: GalleryConfig,
    #[serde(default)]
    pub exchange: ExchangeConfig,
    #[serde(default)]
    pub powerplatform: PowerPlatformConfig,
    /// Rule parameter overrides: `[params."EXO-033"] max_aux_archives = 10`.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Table>,
    /// Service base URL overrides (live collection); default: the tenant's cloud.
    #[serde(default, skip_serializing_if = "is_default")]
    pub endpoints: EndpointsConfig,
    /// HTTP behaviour of live collection.
    #[serde(default, skip_serializing_if = "is_default")]
    pub http: HttpConfig,
    /// The file this config was read from, for error locations. Not a key.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// Subscriptions in scope; `None`: every subscription the identity can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Vec<String>>,
    /// `AzureCloud` (default), `AzureUSGovernment` or `AzureChinaCloud`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    /// How to sign in to this tenant; default: the Azure CLI.
    #[serde(default, skip_serializing_if = "is_default")]
    pub auth: AuthConfig,
}

/// Live-collection settings left at their defaults are not written back
/// (a snapshot's config.toml), so offline configs round-trip unchanged.
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// `[source.auth]` / `[target.auth]`. Secrets never sit in the file: a client
/// secret is named by the environment variable that holds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub kind: AuthKind,
    /// Application (client) id: client-secret, client-certificate, workload-identity
    /// (default `AZURE_CLIENT_ID`), managed-identity (a user-assigned identity's client id).
    #[serde(default)]
    pub client_id: Option<String>,
    /// client-secret: the environment variable holding the secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// client-certificate: PEM file with the certificate and its private key.
    #[serde(default)]
    pub certificate: Option<PathBuf>,
    /// workload-identity: the federated token file; default `AZURE_FEDERATED_TOKEN_FILE`.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// command: argv; `{tenant}` and `{scope}` are substituted in every argument.
    #[serde(default)]
    pub command: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    #[default]
    AzureCli,
    ClientSecret,
    ClientCertificate,
    ManagedIdentity,
    WorkloadIdentity,
    Command,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::AzureCli => "azure-cli",
            AuthKind::ClientSecret => "client-secret",
            AuthKind::ClientCertificate => "client-certificate",
            AuthKind::ManagedIdentity => "managed-identity",
            AuthKind::WorkloadIdentity => "workload-identity",
            AuthKind::Command => "command",
        }
    }
}

/// `[endpoints]`: base URLs replacing the cloud's (e.g. the tenant simulator).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndpointsConfig {
    /// Authority host; the token endpoint is `{login}/{tenant}/oauth2/v2.0/token`.
    #[serde(default)]
    pub login: Option<String>,
    /// ARM and Resource Graph.
    #[serde(default)]
    pub arm: Option<String>,
    /// Microsoft Graph (requests go to `{graph}/v1.0/...`).
    #[serde(default)]
    pub graph: Option<String>,
    /// Exchange Online admin API (`{exchange}/adminapi/beta/{tenant}/InvokeCommand`).
    #[serde(default)]
    pub exchange: Option<String>,
    /// Container registry data plane, with `{host}` for the login server
    /// (real: `https://{host}`).
    #[serde(default)]
    pub acr: Option<String>,
    /// Power Platform admin, BAP (real: https://api.bap.microsoft.com).
    #[serde(default)]
    pub bap: Option<String>,
    /// Power Apps admin (real: https://api.powerapps.com).
    #[serde(default)]
    pub powerapps: Option<String>,
    /// Power Automate admin (real: https://api.flow.microsoft.com).
    #[serde(default)]
    pub flow: Option<String>,
    /// Power Platform API (real: https://api.powerplatform.com).
    #[serde(default)]
    pub powerplatform: Option<String>,
    /// Dataverse Web API, with `{host}` standing for the environment's
    /// instance host (real: `https://{host}`, the instance URL).
    #[serde(default)]
    pub dataverse: Option<String>,
}

/// `[http]`: timeouts, retries and concurrency of live collection.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Per-request timeout in seconds (default 60).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Retries of one request before it fails (default 8).
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Requests in flight per host and service (default 8).
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Client-side pacing to the services' published limits (default true).
    #[serde(default)]
    pub pacing: Option<bool>,
}

/// Who runs the cross-tenant steps of a workload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub kind: IdentityKind,
    /// For users: the UPN in the home tenant.
    #[serde(default)]
    pub upn: Option<String>,
    /// For apps: the application (client) id of the multi-tenant app.
    #[serde(default)]
    pub app_id: Option<String>,
    /// `push`: the identity is at home in the source and a guest (or consented
    /// app) in the target; `pull`: at home in the target, guest in the source.
    #[serde(default = "default_mode")]
    pub mode: Mode,
    /// How xtenant can sign in as this identity to probe its tokens
    /// (`auth/token-probes`); none: the identity is not probed.
    #[serde(default)]
    pub auth: Option<AuthConfig>,
}

fn default_mode() -> Mode {
    Mode::Pull
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    User,
    App,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Push,
    Pull,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Push => "push",
            Mode::Pull => "pull",
        }
    }
    /// The tenant where the identity is at home.
    pub fn home(self) -> &'static str {
        match self {
            Mode::Push => "source",
            Mode::Pull => "target",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DiskConfig {
    /// Region the snapshots are created in (canonical or display name).
    #[serde(default)]
    pub target_region: Option<String>,
    #[serde(default)]
    pub target_subscription_id: Option<String>,
    #[serde(default)]
    pub target_resource_group: Option<String>,
    /// `plan`: also create a VM in the target from each ready OS disk, with
    /// its ready data disks attached and a new NIC in `vm_subnet_id`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_vm: bool,
    /// `plan`: subnet (resource id, target tenant) of the NICs of created VMs.
    #[serde(default)]
    pub vm_subnet_id: Option<String>,
    /// `plan`: delete the intermediate snapshot (in the target) once the disk exists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_snapshot: bool,
}

/// Where the source registries' artifacts are imported to. A target that
/// exists in the target export is checked as it is; one that does not is
/// planned in `target_subscription_id` / `target_resource_group`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AcrConfig {
    /// Registry (name) every source registry imports into, unless `targets` says otherwise.
    #[serde(default)]
    pub target_registry: Option<String>,
    /// Per source registry name: the target registry name (1:1 re-creation).
    #[serde(default)]
    pub targets: BTreeMap<String, String>,
    /// Subscription and resource group where targets that do not exist yet are created.
    #[serde(default)]
    pub target_subscription_id: Option<String>,
    #[serde(default)]
    pub target_resource_group: Option<String>,
    /// SKU of targets that do not exist yet (Basic, Standard, Premium).
    #[serde(default)]
    pub target_sku: Option<String>,
    /// Region of targets that do not exist yet; default: the source registry's region.
    #[serde(default)]
    pub target_region: Option<String>,
}

/// Where VMs are created from the shared gallery images (tenant 2).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GalleryConfig {
    #[serde(default)]
    pub target_subscription_id: Option<String>,
    #[serde(default)]
    pub target_resource_group: Option<String>,
    /// How the VMs are deployed: cli, powershell, rest, template or portal.
    #[serde(default)]
    pub vm_deployment: Option<String>,
    /// `plan`: the gallery (in the target subscription and resource group)
    /// ready image versions are copied into; default: the source gallery's name.
    #[serde(default)]
    pub target_gallery: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    /// The mail-enabled security group named in MailboxMovePublishedScopes.
    #[serde(default)]
    pub scope_group: Option<String>,
    /// Migration batch CSV files (single `EmailAddress` column), relative to this file.
    #[serde(default)]
    pub batches: Vec<PathBuf>,
    /// Live collection: the target mail users to probe with
    /// Test-MigrationServerAvailability; default the first few paired ones.
    #[serde(default)]
    pub test_mailboxes: Option<Vec<String>>,
    /// Live collection: the admin who will run the moves
    /// (Get-ManagementRoleAssignment -RoleAssignee); default every assignment.
    #[serde(default)]
    pub operator: Option<String>,
    /// Live collection: which source mailboxes the per-mailbox cmdlets
    /// (Get-MailboxStatistics, Get-MailboxPermission,
    /// Export-MailboxDiagnosticLogs, archive Get-MailboxFolderStatistics)
    /// are run for. Each is one call per mailbox, so at Exchange's pace
    /// (about 10 calls/s) 50,000 mailboxes cost hours; `batches` asks only
    /// for the mailboxes of the `batches` files (matched on the address, or
    /// on its local part since batch files name target addresses), and the
    /// rules say "no result saved" for the others.
    #[serde(default, skip_serializing_if = "PerMailbox::is_all")]
    pub per_mailbox: PerMailbox,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PerMailbox {
    #[default]
    All,
    Batches,
}

impl PerMailbox {
    fn is_all(&self) -> bool {
        *self == PerMailbox::All
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PowerPlatformConfig {
    /// The `usermapping.csv` file, relative to this file.
    #[serde(default)]
    pub user_mapping: Option<PathBuf>,
    /// `plan`: the guest admin in the target tenant passed to
    /// `TenantToTenant-MigratePowerAppEnvironment -GuestAdminUserEmail`.
    #[serde(default)]
    pub guest_admin_email: Option<String>,
}

impl Config {
    /// Reads a config file; relative paths inside it are resolved against its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut cfg = Config::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        cfg.resolve_paths(base);
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut cfg: Config = toml::from_str(text)
            .map_err(|e| toml_error(path, text, &e, "see docs/config.md for the accepted keys"))?;
        cfg.validate(path)?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Where errors about this config point.
    pub fn location(&self) -> Location {
        Location::file(self.path.as_deref().unwrap_or(Path::new(FILE_NAME)))
    }

    fn resolve_paths(&mut self, base: &Path) {
        for b in &mut self.exchange.batches {
            if b.is_relative() {
                *b = base.join(&*b);
            }
        }
        if let Some(m) = &mut self.powerplatform.user_mapping {
            if m.is_relative() {
                *m = base.join(&*m);
            }
        }
        for t in [&mut self.source, &mut self.target] {
            for p in [&mut t.auth.certificate, &mut t.auth.token_file]
                .into_iter()
                .flatten()
            {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
    }

    /// The tenant of one side.
    pub fn tenant(&self, side: crate::raw::Side) -> &TenantConfig {
        match side {
            crate::raw::Side::Source => &self.source,
            crate::raw::Side::Target => &self.target,
        }
    }

    fn validate(&self, path: &Path) -> Result<()> {
        const DEPLOYMENTS: &[&str] = &["cli", "powershell", "rest", "template", "portal"];
        if let Some(d) = &self.gallery.vm_deployment {
            if !DEPLOYMENTS.contains(&d.to_ascii_lowercase().as_str()) {
                return Err(Error::input(
                    Location::file(path),
                    format!("[gallery] vm_deployment = \"{d}\": unknown deployment method"),
                    format!("use one of: {}", DEPLOYMENTS.join(", ")),
                ));
            }
        }
        const SKUS: &[&str] = &["basic", "standard", "premium"];
        if let Some(sku) = &self.acr.target_sku {
            if !SKUS.contains(&sku.to_ascii_lowercase().as_str()) {
                return Err(Error::input(
                    Location::file(path),
                    format!("[acr] target_sku = \"{sku}\": unknown registry SKU"),
                    "use Basic, Standard or Premium",
                ));
            }
        }
        for side in crate::raw::Side::BOTH {
            self.tenant(side).validate(side.as_str(), path)?;
        }
        for (key, v) in [
            ("login", &self.endpoints.login),
            ("arm", &self.endpoints.arm),
            ("graph", &self.endpoints.graph),
            ("exchange", &self.endpoints.exchange),
        ] {
            if let Some(v) = v {
                crate::auth::cloud::check_base_url(key, v).map_err(|e| at_file(e, path))?;
            }
        }
        if self.http.concurrency == Some(0) {
            return Err(Error::input(
                Location::file(path),
                "[http] concurrency = 0: nothing could be sent",
                "use 1 or more (default 8)",
            ));
        }
        if self.http.timeout_secs == Some(0) {
            return Err(Error::input(
                Location::file(path),
                "[http] timeout_secs = 0: every request would time out",
                "use a number of seconds, e.g. 60",
            ));
        }
        const WORKLOADS: &[&str] = &["disk", "acr", "gallery", "exchange", "powerplatform"];
        for (name, id) in &self.identities {
            if !WORKLOADS.contains(&name.as_str()) {
                return Err(Error::input(
                    Location::file(path),
                    format!("[identities.{name}]: unknown workload"),
                    format!("use one of: {}", WORKLOADS.join(", ")),
                ));
            }
            match id.kind {
                IdentityKind::User if id.upn.is_none() => {
                    return Err(Error::input(
                        Location::file(path),
                        format!("[identities.{name}]: a user identity needs `upn`"),
                        "add upn = \"account@home-tenant-domain\"",
                    ))
                }
                IdentityKind::App if id.app_id.is_none() => {
                    return Err(Error::input(
                        Location::file(path),
                        format!("[identities.{name}]: an app identity needs `app_id`"),
                        "add app_id = \"<application (client) id>\"",
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl TenantConfig {
    fn validate(&self, side: &str, path: &Path) -> Result<()> {
        let err = |msg: String, fix: &str| Err(Error::input(Location::file(path), msg, fix));
        if let Some(c) = &self.cloud {
            if crate::auth::cloud::Cloud::by_name(c).is_none() {
                return err(
                    format!("[{side}] cloud = \"{c}\": unknown cloud"),
                    &format!("use one of: {}", crate::auth::cloud::Cloud::names()),
                );
            }
        }
        if let Some(subs) = &self.subscriptions {
            for s in subs {
                if !looks_like_guid(s) {
                    return err(
                        format!("[{side}] subscriptions: \"{s}\" is not a subscription id"),
                        "list subscription ids (GUIDs), as `az account list --query [].id` prints them",
                    );
                }
            }
        }
        let a = &self.auth;
        let kind = a.kind.as_str();
        let needs = |what: &str, example: &str| {
            err(
                format!("[{side}.auth] kind = \"{kind}\" needs `{what}`"),
                &format!("add {what} = {example}"),
            )
        };
        match a.kind {
            AuthKind::ClientSecret => {
                if a.client_id.is_none() {
                    return needs("client_id", "\"<application (client) id>\"");
                }
                if a.client_secret_env.is_none() {
                    return needs(
                        "client_secret_env",
                        "\"NAME_OF_THE_ENV_VAR\" (the secret itself never goes in the file)",
                    );
                }
            }
            AuthKind::ClientCertificate => {
                if a.client_id.is_none() {
                    return needs("client_id", "\"<application (client) id>\"");
                }
                if a.certificate.is_none() {
                    return needs("certificate", "\"path/to/cert.pem\"");
                }
            }
            AuthKind::Command => match &a.command {
                Some(c) if c.first().is_some_and(|p| !p.trim().is_empty()) => {}
                _ => return needs("command", "[\"program\", \"{tenant}\", \"{scope}\"]"),
            },
            AuthKind::AzureCli | AuthKind::ManagedIdentity | AuthKind::WorkloadIdentity => {}
        }
        // Settings that the kind ignores are almost always a mistake in the kind.
        let stray = [
            (
                "client_secret_env",
                a.client_secret_env.is_some(),
                AuthKind::ClientSecret,
            ),
            (
                "certificate",
                a.certificate.is_some(),
                AuthKind::ClientCertificate,
            ),
            ("command", a.command.is_some(), AuthKind::Command),
            (
                "token_file",
                a.token_file.is_some(),
                AuthKind::WorkloadIdentity,
            ),
        ];
        for (key, set, owner) in stray {
            if set && a.kind != owner {
                return err(
                    format!("[{side}.auth] `{key}` is set but kind = \"{kind}\" does not use it"),
                    &format!("set kind = \"{}\" or remove `{key}`", owner.as_str()),
                );
            }
        }
        Ok(())
    }
}

fn looks_like_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Puts an input error found without a file at `path`.
fn at_file(e: Error, path: &Path) -> Error {
    match e {
        Error::Input(mut i) => {
            i.location = Location::file(path);
            Error::Input(i)
        }
        other => other,
    }
}

/// A TOML error with the line and column of its span.
pub fn toml_error(path: &Path, text: &str, e: &toml::de::Error, fix: &str) -> Error {
    let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
    Error::input(
        Location::at(path, line, Some(col)),
        e.message().to_string(),
        fix,
    )
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_in_a_key_is_an_error_with_its_line() {
        let text = "[source]\ntenant_id = \"a\"\n\n[disk]\ntarget_regoin = \"westeurope\"\n";
        let err = Config::parse(text, Path::new("xtenant.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("xtenant.toml:5:1: unknown field `target_regoin`"),
            "{msg}"
        );
        assert_eq!(err.exit_code(), crate::error::exit::INVALID_INPUT);
    }

    #[test]
    fn acr_and_gallery_plans_parse_and_reject_unknown_values() {
        let text = "[acr]\ntarget_registry = \"fabrikamacr\"\ntarget_sku = \"Standard\"\n\n[acr.targets]\ncontosobuildacr = \"fabrikambuildacr\"\n\n[gallery]\nvm_deployment = \"cli\"\n";
        let cfg = Config::parse(text, Path::new("x.toml")).unwrap();
        assert_eq!(cfg.acr.target_registry.as_deref(), Some("fabrikamacr"));
        assert_eq!(
            cfg.acr.targets.get("contosobuildacr").map(String::as_str),
            Some("fabrikambuildacr")
        );
        assert_eq!(cfg.gallery.vm_deployment.as_deref(), Some("cli"));
        let bad = Config::parse(
            "[gallery]\nvm_deployment = \"bicep\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(bad.contains("unknown deployment method"), "{bad}");
        let bad = Config::parse("[acr]\ntarget_sku = \"Gold\"\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(bad.contains("unknown registry SKU"), "{bad}");
    }

    #[test]
    fn live_settings_at_their_defaults_are_not_written_back() {
        let text = "[source]\ntenant_id = \"a\"\nname = \"Contoso\"\n";
        let cfg = Config::parse(text, Path::new("x.toml")).unwrap();
        let out = toml::to_string(&cfg).unwrap();
        assert!(
            !out.contains("auth") && !out.contains("endpoints") && !out.contains("[http]"),
            "{out}"
        );
        let text =
            "[source.auth]\nkind = \"command\"\ncommand = [\"t\"]\n[http]\nmax_retries = 2\n";
        let cfg = Config::parse(text, Path::new("x.toml")).unwrap();
        let back = Config::parse(&toml::to_string(&cfg).unwrap(), Path::new("x.toml")).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn user_identity_needs_upn() {
        let text = "[identities.disk]\nkind = \"user\"\nmode = \"push\"\n";
        let msg = Config::parse(text, Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("[identities.disk]: a user identity needs `upn`"),
            "{msg}"
        );
    }
}
