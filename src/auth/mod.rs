//! Sign-in to the two tenants of a run: one [`TenantAuth`] per side, holding
//! the tenant, its cloud and endpoints, the configured credential and a token
//! cache. Every token's `tid` claim is checked against the configured tenant
//! before it is handed out, so a CLI signed in to the wrong tenant fails with
//! a message naming both tenants instead of collecting the wrong directory.
//!
//! Kinds (docs/auth.md): `azure-cli`, `managed-identity`, `workload-identity`
//! via azure_identity; `client-secret` via our own client-credentials request
//! (see [`oauth`]); `command` runs a program that prints a token;
//! `client-certificate` is refused with a pointer to the alternatives (see
//! docs/auth.md).

pub mod claims;
pub mod cloud;
pub mod command;
pub mod oauth;
pub mod secret;

pub use claims::Claims;
pub use cloud::{Cloud, Endpoints};
pub use secret::{redact, Secret};

use crate::config::{AuthKind, Config, TenantConfig};
use crate::error::{Error, Result};
use crate::http::Service;
use crate::raw::Side;
use azure_core::credentials::TokenCredential;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A bearer token with its expiry and (unverified) claims.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_on: DateTime<Utc>,
    pub claims: Claims,
}

/// How long a token is reused: until 5 minutes before it expires, or until
/// half its life for short-lived tokens (so a 60 s simulator token is not
/// fetched again for every request).
const REFRESH_MARGIN: chrono::Duration = chrono::Duration::minutes(5);
/// Assumed lifetime of a token whose expiry nobody told us.
const UNKNOWN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);
/// Time allowed to a credential (CLI, command, token endpoint) per token.
const CREDENTIAL_TIMEOUT: Duration = Duration::from_secs(60);

enum Credential {
    /// azure-cli, managed-identity, workload-identity.
    Azure(Arc<dyn TokenCredential>),
    ClientSecret {
        client_id: String,
        secret: Secret,
    },
    Command(Vec<String>),
    /// A token given up front (tests, demos); still tid-checked.
    Fixed(Secret),
}

/// Sign-in to one tenant. Cheap to clone (shared cache inside).
#[derive(Clone)]
pub struct TenantAuth {
    inner: Arc<Inner>,
}

struct Inner {
    side: Side,
    tenant_id: String,
    name: Option<String>,
    cloud: &'static Cloud,
    endpoints: Endpoints,
    kind: AuthKind,
    credential: Credential,
    /// One slot per scope; the async lock makes concurrent first requests
    /// wait for one sign-in instead of each starting `az`.
    cache: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
    http: reqwest::Client,
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: DateTime<Utc>,
}

impl std::fmt::Debug for TenantAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantAuth")
            .field("side", &self.inner.side)
            .field("tenant_id", &self.inner.tenant_id)
            .field("kind", &self.inner.kind.as_str())
            .field("endpoints", &self.inner.endpoints)
            .finish_non_exhaustive()
    }
}

impl TenantAuth {
    pub fn from_config(side: Side, tenant: &TenantConfig, cfg: &Config) -> Result<TenantAuth> {
        let s = side.as_str();
        let loc = cfg.location();
        let tenant_id = tenant
            .tenant_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::input(
                    loc.clone(),
                    format!("[{s}] tenant_id is needed to sign in to the {s} tenant"),
                    format!("add tenant_id = \"<directory id>\" under [{s}]"),
                )
            })?
            .to_string();
        let cloud = match &tenant.cloud {
            None => &cloud::AZURE_CLOUD,
            Some(name) => Cloud::by_name(name).ok_or_else(|| {
                Error::input(
                    loc.clone(),
                    format!("[{s}] cloud = \"{name}\": unknown cloud"),
                    format!("use one of: {}", Cloud::names()),
                )
            })?,
        };
        let endpoints = Endpoints::resolve(cloud, &cfg.endpoints).map_err(|e| match e {
            Error::Input(mut i) => {
                i.location = loc.clone();
                Error::Input(i)
            }
            other => other,
        })?;
        let a = &tenant.auth;
        let missing = |what: &str, fix: &str| {
            Error::input(
                loc.clone(),
                format!("[{s}.auth] kind = \"{}\" needs `{what}`", a.kind.as_str()),
                fix,
            )
        };
        let azure_err = |e: azure_core::Error| {
            Error::input(
                loc.clone(),
                format!(
                    "[{s}.auth] kind = \"{}\": {}",
                    a.kind.as_str(),
                    first_lines(&e.to_string())
                ),
                "see docs/auth.md for what this kind needs",
            )
        };
        let credential = match a.kind {
            AuthKind::AzureCli => {
                let opts = azure_identity::AzureCliCredentialOptions {
                    tenant_id: Some(tenant_id.clone()),
                    ..Default::default()
                };
                Credential::Azure(
                    azure_identity::AzureCliCredential::new(Some(opts)).map_err(azure_err)?,
                )
            }
            AuthKind::ManagedIdentity => {
                let opts = azure_identity::ManagedIdentityCredentialOptions {
                    user_assigned_id: a
                        .client_id
                        .clone()
                        .map(azure_identity::UserAssignedId::ClientId),
                    ..Default::default()
                };
                Credential::Azure(
                    azure_identity::ManagedIdentityCredential::new(Some(opts))
                        .map_err(azure_err)?,
                )
            }
            AuthKind::WorkloadIdentity => {
                let mut opts = azure_identity::WorkloadIdentityCredentialOptions {
                    tenant_id: Some(tenant_id.clone()),
                    client_id: a.client_id.clone(),
                    token_file_path: a.token_file.clone(),
                    ..Default::default()
                };
                if endpoints.login != cloud.login {
                    let mut custom = azure_core::cloud::CustomConfiguration::default();
                    custom.authority_host = endpoints.login.clone();
                    opts.credential_options.client_options.cloud =
                        Some(Arc::new(azure_core::cloud::CloudConfiguration::Custom(custom)));
                }
                Credential::Azure(
                    azure_identity::WorkloadIdentityCredential::new(Some(opts))
                        .map_err(azure_err)?,
                )
            }
            AuthKind::ClientSecret => {
                let client_id = a
                    .client_id
                    .clone()
                    .ok_or_else(|| missing("client_id", "add client_id = \"<application id>\""))?;
                let var = a.client_secret_env.as_deref().ok_or_else(|| {
                    missing(
                        "client_secret_env",
                        "add client_secret_env = \"NAME\" and export NAME=<secret>",
                    )
                })?;
                let secret = match std::env::var(var) {
                    Ok(v) if !v.trim().is_empty() => Secret::new(v.trim()),
                    _ => {
                        return Err(Error::input(
                            loc.clone(),
                            format!(
                                "[{s}.auth] client_secret_env = \"{var}\": the environment variable {var} is not set (or is empty)"
                            ),
                            format!("export {var}=<the client secret of app {client_id}> before running xtenant"),
                        ))
                    }
                };
                Credential::ClientSecret { client_id, secret }
            }
            AuthKind::ClientCertificate => {
                return Err(Error::input(
                    loc.clone(),
                    format!("[{s}.auth] kind = \"client-certificate\" is not available in this build"),
                    "use kind = \"workload-identity\", \"client-secret\", or kind = \"command\" with a tool that signs in with the certificate (docs/auth.md shows one)",
                ))
            }
            AuthKind::Command => {
                let argv = a
                    .command
                    .clone()
                    .filter(|c| c.first().is_some_and(|p| !p.trim().is_empty()))
                    .ok_or_else(|| {
                        missing("command", "add command = [\"program\", \"{tenant}\", \"{scope}\"]")
                    })?;
                Credential::Command(argv)
            }
        };
        Ok(TenantAuth::build(
            side,
            tenant_id,
            tenant.name.clone(),
            cloud,
            endpoints,
            a.kind,
            credential,
        ))
    }

    /// Client-credentials sign-in with a secret held in memory (the
    /// in-process demo signs in to its simulator this way: the same token
    /// request as `kind = "client-secret"`, without an environment variable).
    pub fn client_secret(
        side: Side,
        tenant_id: &str,
        name: Option<&str>,
        endpoints: Endpoints,
        client_id: &str,
        secret: Secret,
    ) -> TenantAuth {
        TenantAuth::build(
            side,
            tenant_id.to_string(),
            name.map(str::to_string),
            &cloud::AZURE_CLOUD,
            endpoints,
            AuthKind::ClientSecret,
            Credential::ClientSecret {
                client_id: client_id.to_string(),
                secret,
            },
        )
    }

    /// Sign-in with a token given up front, for tests and the in-process demo.
    /// The token is still checked against `tenant_id` when it is used.
    pub fn fixed(
        side: Side,
        tenant_id: &str,
        name: Option<&str>,
        endpoints: Endpoints,
        token: Secret,
    ) -> TenantAuth {
        TenantAuth::build(
            side,
            tenant_id.to_string(),
            name.map(str::to_string),
            &cloud::AZURE_CLOUD,
            endpoints,
            AuthKind::Command,
            Credential::Fixed(token),
        )
    }

    fn build(
        side: Side,
        tenant_id: String,
        name: Option<String>,
        cloud: &'static Cloud,
        endpoints: Endpoints,
        kind: AuthKind,
        credential: Credential,
    ) -> TenantAuth {
        TenantAuth {
            inner: Arc::new(Inner {
                side,
                tenant_id,
                name,
                cloud,
                endpoints,
                kind,
                credential,
                cache: Mutex::new(HashMap::new()),
                http: reqwest::Client::new(),
            }),
        }
    }

    pub fn tenant_id(&self) -> &str {
        &self.inner.tenant_id
    }
    pub fn side(&self) -> Side {
        self.inner.side
    }
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
    pub fn cloud(&self) -> &'static Cloud {
        self.inner.cloud
    }
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }
    pub fn kind(&self) -> AuthKind {
        self.inner.kind
    }

    /// "source tenant (Contoso, 8f1c...)": how messages name this tenant.
    pub fn describe(&self) -> String {
        let i = &self.inner;
        match &i.name {
            Some(n) => format!("{} tenant ({n}, {})", i.side.as_str(), i.tenant_id),
            None => format!("{} tenant ({})", i.side.as_str(), i.tenant_id),
        }
    }

    /// What to do when signing in to this tenant fails or lands in the wrong tenant.
    pub fn sign_in_fix(&self) -> String {
        let s = self.inner.side.as_str();
        match self.inner.kind {
            AuthKind::AzureCli => format!(
                "sign in to the {s} tenant: `az login --tenant {}` (or fix [{s}.auth])",
                self.inner.tenant_id
            ),
            _ => format!(
                "check [{s}.auth] (kind = \"{}\") and the tenant_id of [{s}]",
                self.inner.kind.as_str()
            ),
        }
    }

    /// The token scope for a service: the cloud's real audience, never an
    /// overridden endpoint.
    pub fn scope(&self, service: Service) -> Result<String> {
        let c = self.inner.cloud;
        match service {
            Service::Arm | Service::ResourceGraph => Ok(format!("{}/.default", c.arm_audience)),
            Service::Graph => Ok(format!("{}/.default", c.graph_audience)),
            Service::Exchange => Ok(format!("{}/.default", c.exchange_audience)),
            Service::Login => Err(Error::Runtime(
                "internal: the login endpoint takes no bearer token".into(),
            )),
            // The registry takes its own tokens, exchanged for an ARM one.
            Service::Acr => Ok(format!("{}/.default", c.arm_audience)),
            // Resources registered with a trailing slash keep it, so the
            // scope has two (`https://service.powerapps.com//.default`).
            Service::Bap | Service::PowerApps => {
                Ok(format!("{}/.default", self.power_platform().apps_audience))
            }
            Service::Flow => Ok(format!("{}/.default", self.power_platform().flow_audience)),
            Service::PowerPlatform => Ok(format!(
                "{}/.default",
                self.power_platform().api_audience.trim_end_matches('/')
            )),
            Service::Dataverse => Err(Error::Runtime(
                "internal: a Dataverse token names its environment's instance URL".into(),
            )),
        }
    }

    /// The Power Platform hosts and audiences of this tenant's cloud.
    fn power_platform(&self) -> &'static cloud::PowerPlatformCloud {
        cloud::PowerPlatformCloud::of(self.inner.cloud)
    }

    /// A token for a resource named per request (a Dataverse instance URL,
    /// `https://org.crm4.dynamics.com`), cached like [`Self::token`].
    pub async fn token_for_resource(&self, resource: &str) -> Result<AccessToken> {
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        self.token_scope(scope).await
    }

    /// A token for `service`, from the cache while it has more than the
    /// refresh margin left; checked against the configured tenant.
    pub async fn token(&self, service: Service) -> Result<AccessToken> {
        let scope = self.scope(service)?;
        self.token_scope(scope).await
    }

    async fn token_scope(&self, scope: String) -> Result<AccessToken> {
        let slot = {
            let mut cache = self
                .inner
                .cache
                .lock()
                .map_err(|_| Error::Runtime("internal: token cache poisoned".into()))?;
            cache.entry(scope.clone()).or_default().clone()
        };
        let mut slot = slot.lock().await;
        let now = Utc::now();
        if let Some(c) = slot.as_ref() {
            if now < c.refresh_at {
                return Ok(c.token.clone());
            }
        }
        let token = self.fetch(&scope).await?;
        let lifetime = token.expires_on - now;
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        *slot = Some(Cached {
            token: token.clone(),
            refresh_at: token.expires_on - margin,
        });
        tracing::debug!(
            side = self.inner.side.as_str(),
            scope = %scope,
            expires_on = %token.expires_on,
            "signed in"
        );
        Ok(token)
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken> {
        let i = &self.inner;
        let fail = |what: String| {
            Error::Runtime(format!(
                "signing in to the {} for {scope} failed: {what}\n  fix: {}",
                self.describe(),
                self.sign_in_fix()
            ))
        };
        let (token, expires_on) = match &i.credential {
            Credential::Azure(c) => {
                let t = tokio::time::timeout(CREDENTIAL_TIMEOUT, c.get_token(&[scope], None))
                    .await
                    .map_err(|_| {
                        fail(format!(
                            "no answer within {} s",
                            CREDENTIAL_TIMEOUT.as_secs()
                        ))
                    })?
                    .map_err(|e| fail(first_lines(&e.to_string())))?;
                let exp = DateTime::<Utc>::from_timestamp(t.expires_on.unix_timestamp(), 0);
                (Secret::new(t.token.secret()), exp)
            }
            Credential::ClientSecret { client_id, secret } => {
                let g = oauth::client_credentials(
                    &i.http,
                    &i.endpoints.login,
                    &i.tenant_id,
                    client_id,
                    oauth::Credential::Secret(secret),
                    scope,
                    CREDENTIAL_TIMEOUT,
                )
                .await
                .map_err(fail)?;
                (g.token, g.expires_on)
            }
            Credential::Command(argv) => {
                let argv = command::substitute(argv, &i.tenant_id, scope);
                let t = command::run(&argv, CREDENTIAL_TIMEOUT)
                    .await
                    .map_err(|e| fail(format!("the token command `{}`: {e}", argv[0])))?;
                (t.token, t.expires_on)
            }
            Credential::Fixed(t) => (t.clone(), None),
        };
        self.check(token, expires_on)
    }

    /// Decodes the claims and refuses a token issued by another tenant.
    fn check(&self, token: Secret, expires_on: Option<DateTime<Utc>>) -> Result<AccessToken> {
        let claims = Claims::decode(token.expose()).ok_or_else(|| {
            Error::Runtime(format!(
                "the token for the {} is not a JWT, so its tenant cannot be checked\n  fix: {}",
                self.describe(),
                self.sign_in_fix()
            ))
        })?;
        match claims.tid.as_deref() {
            Some(tid) if tid.trim().eq_ignore_ascii_case(&self.inner.tenant_id) => {}
            Some(tid) => {
                return Err(Error::Runtime(format!(
                    "the token for the {} was issued by tenant {tid}; {}",
                    self.describe(),
                    self.sign_in_fix()
                )))
            }
            None => {
                return Err(Error::Runtime(format!(
                "the token for the {} has no tid claim, so its tenant cannot be checked\n  fix: {}",
                self.describe(),
                self.sign_in_fix()
            )))
            }
        }
        let expires_on = expires_on
            .or_else(|| {
                claims
                    .exp
                    .and_then(|e| DateTime::<Utc>::from_timestamp(e, 0))
            })
            .unwrap_or_else(|| Utc::now() + UNKNOWN_LIFETIME);
        Ok(AccessToken {
            token,
            expires_on,
            claims,
        })
    }
}

/// The first two lines of a credential error (azure_identity appends
/// troubleshooting links), with anything token-shaped redacted.
fn first_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).take(2).collect();
    redact(&lines.join(" "))
}

#[cfg(test)]
mod tests;
