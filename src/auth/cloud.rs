//! Azure clouds: their service endpoints and token audiences. Endpoints can be
//! overridden per run (`[endpoints]`, e.g. to point at the tenant simulator);
//! audiences cannot, because a token's `aud` must name the real service.

use crate::config::EndpointsConfig;
use crate::error::{Error, Location, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub name: &'static str,
    pub login: &'static str,
    pub arm: &'static str,
    pub graph: &'static str,
    /// Resource URI for ARM (and Resource Graph) tokens.
    pub arm_audience: &'static str,
    /// Resource URI for Microsoft Graph tokens.
    pub graph_audience: &'static str,
    /// The DNS suffix of container registry login servers (`{name}.azurecr.io`).
    pub acr_suffix: &'static str,
    /// Exchange Online (admin API `{exchange}/adminapi/beta/{tenant}/InvokeCommand`).
    pub exchange: &'static str,
    /// Resource URI for Exchange Online tokens.
    pub exchange_audience: &'static str,
}

pub const AZURE_CLOUD: Cloud = Cloud {
    name: "AzureCloud",
    login: "https://login.microsoftonline.com",
    arm: "https://management.azure.com",
    graph: "https://graph.microsoft.com",
    arm_audience: "https://management.azure.com",
    graph_audience: "https://graph.microsoft.com",
    acr_suffix: "azurecr.io",
    exchange: "https://outlook.office365.com",
    exchange_audience: "https://outlook.office365.com",
};

pub const AZURE_US_GOVERNMENT: Cloud = Cloud {
    name: "AzureUSGovernment",
    login: "https://login.microsoftonline.us",
    arm: "https://management.usgovcloudapi.net",
    graph: "https://graph.microsoft.us",
    arm_audience: "https://management.usgovcloudapi.net",
    graph_audience: "https://graph.microsoft.us",
    acr_suffix: "azurecr.us",
    // GCC High; DoD tenants use https://webmail.apps.mil (override [endpoints] exchange).
    exchange: "https://outlook.office365.us",
    exchange_audience: "https://outlook.office365.us",
};

pub const AZURE_CHINA_CLOUD: Cloud = Cloud {
    name: "AzureChinaCloud",
    login: "https://login.chinacloudapi.cn",
    arm: "https://management.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    arm_audience: "https://management.chinacloudapi.cn",
    graph_audience: "https://microsoftgraph.chinacloudapi.cn",
    acr_suffix: "azurecr.cn",
    exchange: "https://partner.outlook.cn",
    exchange_audience: "https://partner.outlook.cn",
};

pub const CLOUDS: [&Cloud; 3] = [&AZURE_CLOUD, &AZURE_US_GOVERNMENT, &AZURE_CHINA_CLOUD];

impl Cloud {
    /// The cloud named as `az cloud list` names them (case-insensitive).
    pub fn by_name(name: &str) -> Option<&'static Cloud> {
        CLOUDS
            .into_iter()
            .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
    }

    pub fn names() -> String {
        CLOUDS.map(|c| c.name).join(", ")
    }
}

/// The base URLs actually used, after `[endpoints]` overrides. No trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Authority host: the token endpoint is `{login}/{tenant}/oauth2/v2.0/token`.
    pub login: String,
    /// ARM and Resource Graph.
    pub arm: String,
    /// Microsoft Graph: requests go to `{graph}/v1.0/...`.
    pub graph: String,
    /// A registry's data plane, with `{host}` for its login server
    /// (`https://{host}`; the simulator: `http://127.0.0.1:PORT/acr/{host}`).
    pub acr: String,
    /// Where a registry token may go when `acr` puts `{host}` in the host:
    /// `https://*.{suffix}` of the cloud.
    pub acr_origin: Option<String>,
    /// Power Platform admin (BAP), Power Apps admin, Power Automate admin,
    /// Power Platform API.
    pub bap: String,
    pub powerapps: String,
    pub flow: String,
    pub powerplatform: String,
    /// Dataverse Web API base with `{host}` for the instance host.
    pub dataverse: String,
    /// Exchange Online: `{exchange}/adminapi/beta/{tenant}/InvokeCommand`.
    pub exchange: String,
}

impl Endpoints {
    pub fn resolve(cloud: &Cloud, overrides: &EndpointsConfig) -> Result<Endpoints> {
        let pp = PowerPlatformCloud::of(cloud);
        let pick = |key: &str, over: &Option<String>, default: &str| -> Result<String> {
            let Some(v) = over else {
                return Ok(default.to_string());
            };
            check_base_url(key, v)?;
            Ok(v.trim().trim_end_matches('/').to_string())
        };
        let acr = match &overrides.acr {
            None => "https://{host}".to_string(),
            Some(v) => {
                if !v.contains("{host}") {
                    return Err(Error::input(
                        Location::default(),
                        format!("[endpoints] acr = \"{v}\": it has no {{host}} placeholder"),
                        "put {host} where the registry's login server goes, e.g. \"https://{host}\" or \"http://127.0.0.1:8080/acr/{host}\"",
                    ));
                }
                check_base_url("acr", &v.replace("{host}", "registry.azurecr.io"))?;
                v.trim().trim_end_matches('/').to_string()
            }
        };
        let host_templated = url::Url::parse(&acr.replace("{host}", "registry.azurecr.io"))
            .ok()
            .and_then(|u| u.host_str().map(|h| h.contains("registry.azurecr.io")))
            .unwrap_or(true);
        let acr_origin = if host_templated {
            let scheme = acr.split("://").next().unwrap_or("https");
            Some(format!("{scheme}://*.{}", cloud.acr_suffix))
        } else {
            origin_of(&acr.replace("{host}", "registry.azurecr.io"))
        };
        Ok(Endpoints {
            login: pick("login", &overrides.login, cloud.login)?,
            arm: pick("arm", &overrides.arm, cloud.arm)?,
            graph: pick("graph", &overrides.graph, cloud.graph)?,
            acr,
            acr_origin,
            bap: pick("bap", &overrides.bap, pp.bap)?,
            powerapps: pick("powerapps", &overrides.powerapps, pp.powerapps)?,
            flow: pick("flow", &overrides.flow, pp.flow)?,
            powerplatform: pick("powerplatform", &overrides.powerplatform, pp.api)?,
            dataverse: pick("dataverse", &overrides.dataverse, DATAVERSE_DEFAULT)?,
            exchange: pick("exchange", &overrides.exchange, cloud.exchange)?,
        })
    }

    /// The base URL of one registry's data plane (`https://{loginServer}`).
    pub fn acr_base(&self, login_server: &str) -> String {
        self.acr
            .replace("{host}", &login_server.trim().to_ascii_lowercase())
    }

    /// The Dataverse Web API root of an instance URL
    /// (`https://org.crm4.dynamics.com` → `{dataverse}` with its host).
    pub fn dataverse_base(&self, instance_url: &str) -> Option<String> {
        let host = url::Url::parse(instance_url.trim())
            .ok()?
            .host_str()?
            .to_ascii_lowercase();
        Some(self.dataverse.replace("{host}", &host))
    }

    /// With the real Dataverse endpoint (no override), the origin of a
    /// Dataverse URL when its host is a Dataverse instance host: instance
    /// hosts come from the environment list, so no fixed list can hold them.
    pub fn dataverse_origin(&self, url: &str) -> Option<String> {
        if self.dataverse != DATAVERSE_DEFAULT {
            return None;
        }
        let u = url::Url::parse(url).ok()?;
        let host = u.host_str()?.to_ascii_lowercase();
        (u.scheme() == "https" && DATAVERSE_HOST_SUFFIXES.iter().any(|s| host.ends_with(s)))
            .then(|| format!("https://{host}"))
    }

    /// `scheme://host[:port]` of every endpoint: the only origins a bearer
    /// token may be sent to.
    pub fn origins(&self) -> Vec<String> {
        [
            &self.login,
            &self.arm,
            &self.graph,
            &self.bap,
            &self.powerapps,
            &self.flow,
            &self.powerplatform,
            &self.exchange,
        ]
        .into_iter()
        .chain((self.dataverse != DATAVERSE_DEFAULT).then_some(&self.dataverse))
        .filter_map(|u| origin_of(u))
        .chain(self.acr_origin.clone())
        .collect()
    }
}

/// The real Dataverse endpoint: each environment's own instance URL.
pub const DATAVERSE_DEFAULT: &str = "https://{host}";

/// Hosts of Dataverse instances (`org.crm4.dynamics.com`, GCC High
/// `org.crm.microsoftdynamics.us`, China `org.crm.dynamics.cn`).
const DATAVERSE_HOST_SUFFIXES: &[&str] = &[
    ".dynamics.com",
    ".microsoftdynamics.us",
    ".appsplatform.us",
    ".dynamics.cn",
];

/// Power Platform's hosts and token audiences in one Azure cloud. The
/// audiences keep the trailing slash the resources are registered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerPlatformCloud {
    pub bap: &'static str,
    pub powerapps: &'static str,
    pub flow: &'static str,
    pub api: &'static str,
    /// BAP and Power Apps admin.
    pub apps_audience: &'static str,
    pub flow_audience: &'static str,
    pub api_audience: &'static str,
}

const PP_PUBLIC: PowerPlatformCloud = PowerPlatformCloud {
    bap: "https://api.bap.microsoft.com",
    powerapps: "https://api.powerapps.com",
    flow: "https://api.flow.microsoft.com",
    api: "https://api.powerplatform.com",
    apps_audience: "https://service.powerapps.com/",
    flow_audience: "https://service.flow.microsoft.com/",
    api_audience: "https://api.powerplatform.com/",
};

/// GCC High (the Power Platform side of AzureUSGovernment sign-in).
const PP_US_GOV_HIGH: PowerPlatformCloud = PowerPlatformCloud {
    bap: "https://high.api.bap.microsoft.us",
    powerapps: "https://high.api.powerapps.us",
    flow: "https://high.api.flow.microsoft.us",
    api: "https://api.high.powerplatform.microsoft.us",
    apps_audience: "https://high.service.powerapps.us/",
    flow_audience: "https://high.service.flow.microsoft.us/",
    api_audience: "https://api.high.powerplatform.microsoft.us/",
};

const PP_CHINA: PowerPlatformCloud = PowerPlatformCloud {
    bap: "https://api.bap.partner.microsoftonline.cn",
    powerapps: "https://api.powerapps.cn",
    flow: "https://api.powerautomate.cn",
    api: "https://api.powerplatform.partner.microsoftonline.cn",
    apps_audience: "https://service.powerapps.cn/",
    flow_audience: "https://service.powerautomate.cn/",
    api_audience: "https://api.powerplatform.partner.microsoftonline.cn/",
};

impl PowerPlatformCloud {
    /// GCC (moderate) signs in to the public cloud but uses government
    /// Power Platform hosts: such tenants set `[endpoints]` (docs/auth.md).
    pub fn of(cloud: &Cloud) -> &'static PowerPlatformCloud {
        match cloud.name {
            "AzureUSGovernment" => &PP_US_GOV_HIGH,
            "AzureChinaCloud" => &PP_CHINA,
            _ => &PP_PUBLIC,
        }
    }
}

/// `scheme://host[:port]`, lowercase, with the default port left out.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

/// An endpoint override must be an absolute http(s) URL without a query.
pub fn check_base_url(key: &str, v: &str) -> Result<()> {
    let bad = |why: &str| {
        Error::input(
            Location::default(),
            format!("[endpoints] {key} = \"{v}\": {why}"),
            "give an absolute base URL such as \"https://management.azure.com\" or \"http://127.0.0.1:8080/arm\"",
        )
    };
    let u = url::Url::parse(v.trim()).map_err(|e| bad(&format!("not a URL ({e})")))?;
    if u.scheme() != "https" && u.scheme() != "http" {
        return Err(bad(
            "the scheme must be https (or http for a local simulator)",
        ));
    }
    if u.host_str().is_none() {
        return Err(bad("no host"));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad("a base URL takes no query or fragment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clouds_by_name_and_their_audiences() {
        let c = Cloud::by_name("azureusgovernment").unwrap();
        assert_eq!(c.login, "https://login.microsoftonline.us");
        assert_eq!(c.arm_audience, "https://management.usgovcloudapi.net");
        assert_eq!(
            Cloud::by_name("AzureChinaCloud").unwrap().graph,
            "https://microsoftgraph.chinacloudapi.cn"
        );
        assert!(Cloud::by_name("AzureGermanCloud").is_none());
    }

    #[test]
    fn overrides_replace_endpoints_but_not_audiences() {
        let over = EndpointsConfig {
            arm: Some("http://127.0.0.1:9000/arm/".into()),
            ..Default::default()
        };
        let e = Endpoints::resolve(&AZURE_CLOUD, &over).unwrap();
        assert_eq!(e.arm, "http://127.0.0.1:9000/arm");
        assert_eq!(e.graph, "https://graph.microsoft.com");
        assert_eq!(AZURE_CLOUD.arm_audience, "https://management.azure.com");
        assert!(e.origins().contains(&"http://127.0.0.1:9000".to_string()));
        // Registries: real login servers by the cloud's suffix only.
        assert_eq!(
            e.acr_base("Contoso.azurecr.io"),
            "https://contoso.azurecr.io"
        );
        assert!(e.origins().contains(&"https://*.azurecr.io".to_string()));
        let over = EndpointsConfig {
            acr: Some("http://127.0.0.1:9000/acr/{host}".into()),
            ..Default::default()
        };
        let e = Endpoints::resolve(&AZURE_US_GOVERNMENT, &over).unwrap();
        assert_eq!(
            e.acr_base("r.azurecr.us"),
            "http://127.0.0.1:9000/acr/r.azurecr.us"
        );
        assert!(!e.origins().iter().any(|o| o.contains('*')));
        let bad = EndpointsConfig {
            acr: Some("http://127.0.0.1:9000/acr".into()),
            ..Default::default()
        };
        let msg = Endpoints::resolve(&AZURE_CLOUD, &bad)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("{host}"), "{msg}");
    }

    #[test]
    fn rejects_a_bad_override() {
        let over = EndpointsConfig {
            graph: Some("graph.microsoft.com".into()),
            ..Default::default()
        };
        let msg = Endpoints::resolve(&AZURE_CLOUD, &over)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("[endpoints] graph"), "{msg}");
        let over = EndpointsConfig {
            login: Some("ftp://x".into()),
            ..Default::default()
        };
        assert!(Endpoints::resolve(&AZURE_CLOUD, &over).is_err());
    }
}
