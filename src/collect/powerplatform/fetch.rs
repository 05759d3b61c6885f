//! The Power Platform requests of live collection (docs/raw-export.md,
//! `powerplatform/`), and the environments they fan out to.
//!
//! - Tenant level: the admin environment list (BAP, `$expand=properties.capacity`,
//!   `nextLink` paging), the tenant's capacity (Power Platform API, one
//!   object) and tenant-to-tenant migration requests (BAP).
//! - Per environment, into `powerplatform/{collection}/{envName}/`: flows
//!   (Power Automate admin), apps, connections and custom connectors (Power
//!   Apps admin), `nextLink` paging.
//! - Per environment with Dataverse (`properties.linkedEnvironmentMetadata.instanceUrl`),
//!   into `powerplatform/dataverse/{envName}/{table}/`: Web API queries at
//!   the instance URL, `@odata.nextLink` paging with `Prefer: odata.maxpagesize`,
//!   a token whose audience is that instance URL.
//!
//! Token audiences: BAP and Power Apps `https://service.powerapps.com/`,
//! Power Automate `https://service.flow.microsoft.com/`, licensing
//! `https://api.powerplatform.com/`, Dataverse the instance URL.

use crate::collect::live::spec::{Base, Fanout, Spec};
use crate::error::Result;
use crate::normalize::str_at;
use crate::raw::{items, Envelope, RawExport, Side};

pub const ENVIRONMENTS: Spec = Spec {
    collection: "powerplatform/environments",
    base: Base::Bap,
    path: "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments",
    query: "api-version=2021-04-01&$expand=properties.capacity",
    fanout: Fanout::Tenant,
    consistency: false,
    single_object: false,
};

const fn tenant(
    collection: &'static str,
    base: Base,
    path: &'static str,
    query: &'static str,
) -> Spec {
    Spec {
        collection,
        base,
        path,
        query,
        fanout: Fanout::Tenant,
        consistency: false,
        single_object: false,
    }
}

/// Tenant-level collections besides the environment list.
pub const TENANT: &[Spec] = &[
    tenant(
        "powerplatform/tenant-capacity",
        Base::PowerPlatform,
        "/licensing/tenantCapacity",
        "api-version=2022-03-01-preview",
    )
    .single(),
    tenant(
        "powerplatform/t2t-migrations",
        Base::Bap,
        "/providers/Microsoft.BusinessAppPlatform/t2tmigrations",
        "api-version=2021-04-01",
    ),
];

const fn per_env(
    collection: &'static str,
    base: Base,
    path: &'static str,
    query: &'static str,
) -> Spec {
    tenant(collection, base, path, query).fanout(Fanout::Environment)
}

/// Per-environment admin lists, every environment (Dataverse or not).
pub const PER_ENVIRONMENT: &[Spec] = &[
    per_env(
        "powerplatform/flows",
        Base::Flow,
        "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows",
        "api-version=2016-11-01",
    ),
    per_env(
        "powerplatform/apps",
        Base::PowerApps,
        "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps",
        "api-version=2016-11-01",
    ),
    per_env(
        "powerplatform/connections",
        Base::PowerApps,
        "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/connections",
        "api-version=2016-11-01",
    ),
    per_env(
        "powerplatform/custom-connectors",
        Base::PowerApps,
        "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis",
        "api-version=2017-05-01",
    ),
];

/// The Dataverse family directory: `dataverse/{envName}/{table}/`.
pub const DATAVERSE: &str = "powerplatform/dataverse";

/// The Web API root under an instance URL.
pub const WEB_API: &str = "/api/data/v9.2";

/// Dataverse pages: 5,000 rows is the Web API's largest page.
pub const MAX_PAGE_SIZE: &str = "odata.maxpagesize=5000";

/// One Web API query: entity set and `$select`.
#[derive(Debug, Clone, Copy)]
pub struct EntitySet {
    pub name: &'static str,
    pub select: &'static str,
    /// Absent where an optional solution is not installed: Dataverse answers
    /// 404 for an unknown entity set, which then means "none".
    pub optional: bool,
}

/// One Dataverse collection: its directory under the environment and the
/// queries whose pages it holds (websites: both Power Pages data models).
#[derive(Debug, Clone, Copy)]
pub struct DataverseTable {
    pub leaf: &'static str,
    pub sets: &'static [EntitySet],
}

const fn set(name: &'static str, select: &'static str) -> EntitySet {
    EntitySet {
        name,
        select,
        optional: false,
    }
}

pub const DATAVERSE_TABLES: &[DataverseTable] = &[
    DataverseTable {
        leaf: "solutions",
        sets: &[set("solutions", "solutionid,uniquename,friendlyname,ismanaged,version")],
    },
    DataverseTable {
        leaf: "systemusers",
        sets: &[set(
            "systemusers",
            "systemuserid,fullname,domainname,internalemailaddress,isdisabled,accessmode,azureactivedirectoryobjectid",
        )],
    },
    DataverseTable {
        leaf: "bots",
        sets: &[set("bots", "botid,name,schemaname,statecode")],
    },
    DataverseTable {
        leaf: "websites",
        sets: &[
            set("powerpagesites", "powerpagesiteid,name,statecode"),
            EntitySet {
                name: "adx_websites",
                select: "adx_websiteid,adx_name,statecode",
                optional: true,
            },
        ],
    },
];

impl EntitySet {
    /// The request URL under a Web API base (`{dataverse}` with the host filled).
    pub fn url(&self, base: &str) -> String {
        format!(
            "{}{WEB_API}/{}?$select={}",
            base.trim_end_matches('/'),
            self.name,
            self.select
        )
    }
}

/// An environment as the per-environment requests need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// `name`: `Default-{tenantId}` or a GUID, also the directory name.
    pub name: String,
    /// `properties.linkedEnvironmentMetadata.instanceUrl`, when the
    /// environment has Dataverse (the parser's test too).
    pub instance_url: Option<String>,
}

/// The environments of the written environment list, in order, each once.
pub fn environments(raw: &RawExport, side: Side) -> Result<Vec<Environment>> {
    let mut out: Vec<Environment> = Vec::new();
    raw.for_each_page(side, ENVIRONMENTS.collection, |page| {
        for item in items(std::slice::from_ref(page), Envelope::Value)? {
            let Some(name) = str_at(item.value, "name").filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            if out.iter().any(|e| e.name.eq_ignore_ascii_case(&name)) {
                continue;
            }
            out.push(Environment {
                name,
                instance_url: str_at(
                    item.value,
                    "properties.linkedEnvironmentMetadata.instanceUrl",
                )
                .filter(|u| !u.trim().is_empty()),
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// The token resource of an instance URL: its origin (`https://org.crm4.dynamics.com`).
pub fn instance_audience(instance_url: &str) -> Option<String> {
    let u = url::Url::parse(instance_url.trim()).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(format!("{}://{host}", u.scheme()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_powerplatform_collection_the_parser_reads_is_requested() {
        let mut requested: Vec<String> = std::iter::once(&ENVIRONMENTS)
            .chain(TENANT)
            .map(|s| s.collection.to_string())
            .chain(
                PER_ENVIRONMENT
                    .iter()
                    .map(|s| format!("{}/*", s.collection)),
            )
            .chain(
                DATAVERSE_TABLES
                    .iter()
                    .map(|t| format!("{DATAVERSE}/*/{}", t.leaf)),
            )
            .collect();
        for c in crate::collect::powerplatform::parse::COLLECTIONS {
            assert!(
                requested.iter().any(|r| r == c.collection),
                "{} is parsed but never requested",
                c.collection
            );
        }
        let n = requested.len();
        requested.sort();
        requested.dedup();
        assert_eq!(requested.len(), n);
        assert_eq!(n, crate::collect::powerplatform::parse::COLLECTIONS.len());
    }

    #[test]
    fn demo_environments_and_their_instance_urls() {
        let raw = RawExport::open(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo")).unwrap();
        let envs = environments(&raw, Side::Source).unwrap();
        assert_eq!(envs.len(), 4, "{envs:?}");
        assert!(envs[0].name.starts_with("Default-"));
        assert!(envs[0].instance_url.is_none());
        let with_db: Vec<_> = envs.iter().filter(|e| e.instance_url.is_some()).collect();
        assert_eq!(with_db.len(), 3);
        let url = with_db[0].instance_url.as_deref().unwrap();
        assert!(instance_audience(url).unwrap().ends_with(".dynamics.com"));
    }

    #[test]
    fn entity_set_urls_keep_the_select_list() {
        let s = DATAVERSE_TABLES[3].sets[1];
        assert_eq!(
            s.url("http://127.0.0.1:9/dataverse/org.crm4.dynamics.com/"),
            "http://127.0.0.1:9/dataverse/org.crm4.dynamics.com/api/data/v9.2/adx_websites?$select=adx_websiteid,adx_name,statecode"
        );
        assert_eq!(
            instance_audience("https://Org.crm4.dynamics.com/").as_deref(),
            Some("https://org.crm4.dynamics.com")
        );
    }
}
