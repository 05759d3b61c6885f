//! `xtenant.toml`: the tenant pair, the migration identity of each workload,
//! the user files, and rule parameter overrides. Unknown keys are errors with
//! their line, so a typo never silently falls back to a default.

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
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
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PowerPlatformConfig {
    /// The `usermapping.csv` file, relative to this file.
    #[serde(default)]
    pub user_mapping: Option<PathBuf>,
}

impl Config {
    /// Reads a config file; relative paths inside it are resolved against its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut cfg = Config::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        cfg.resolve_paths(base);
        Ok(cfg)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let cfg: Config = toml::from_str(text)
            .map_err(|e| toml_error(path, text, &e, "see docs/config.md for the accepted keys"))?;
        cfg.validate(path)?;
        Ok(cfg)
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
