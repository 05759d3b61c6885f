//! The Power Platform family of live collection: the tenant-level lists,
//! then per environment the admin lists and, for environments with
//! Dataverse, the Web API queries at the instance URL (the catalogue is
//! `collect::powerplatform::fetch`). Environments are read back from the
//! written environment pages.
//!
//! Per-environment pages go to `{collection}/{envName}/`. An environment
//! whose request fails gets its own `_status.json` there with its error,
//! which the parser reads: `partial` while other environments came in,
//! `failed` when none did. When the environment list itself failed, each
//! per-environment collection is failed at its root without a request.

use super::{outcome, summarize, CollectionReport, Ctx, Req, FANOUT_CONCURRENCY};
use crate::auth::TenantAuth;
use crate::collect::powerplatform::fetch::{
    self as pp, DataverseTable, Environment, DATAVERSE, DATAVERSE_TABLES, ENVIRONMENTS,
    MAX_PAGE_SIZE, PER_ENVIRONMENT, TENANT,
};
use crate::collect::Status;
use crate::http::{Paging, Service};
use crate::raw::write::EMPTY_LIST;
use crate::raw::CollectionStatus;
use futures_util::StreamExt;

impl Ctx<'_> {
    pub(super) async fn powerplatform_family(&self, auth: &TenantAuth) {
        let side = auth.side();
        let (envs_report, _) = futures_util::join!(
            self.run_spec(auth, &ENVIRONMENTS, &[]),
            futures_util::future::join_all(TENANT.iter().map(|s| self.run_spec(auth, s, &[])))
        );
        let envs = if envs_report.status == Status::Failed {
            Err(format!(
                "not fetched: {} failed ({})",
                ENVIRONMENTS.collection,
                envs_report
                    .error
                    .as_deref()
                    .unwrap_or("see its _status.json")
            ))
        } else {
            pp::environments(&self.raw, side)
                .map_err(|e| format!("not fetched: reading the environments failed: {e}"))
        };
        let envs = match envs {
            Ok(e) => e,
            Err(why) => {
                for s in PER_ENVIRONMENT {
                    self.give_up(side, s.collection, &why);
                }
                self.give_up(side, DATAVERSE, &why);
                return;
            }
        };
        let admin = PER_ENVIRONMENT.iter().map(|spec| {
            let reqs = envs
                .iter()
                .map(|e| vec![self.request(auth, spec, &[("env", &e.name)], None)])
                .collect();
            self.run_per_env(auth, spec.collection, None, &envs, reqs)
        });
        let with_db: Vec<Environment> = envs
            .iter()
            .filter(|e| e.instance_url.is_some())
            .cloned()
            .collect();
        let dataverse = DATAVERSE_TABLES.iter().map(|t| {
            let reqs = with_db
                .iter()
                .map(|e| self.dataverse_requests(auth, e, t))
                .collect();
            self.run_per_env(auth, DATAVERSE, Some(t.leaf), &with_db, reqs)
        });
        futures_util::future::join_all(admin.chain(dataverse)).await;
    }

    /// The Web API queries of one table for one environment.
    fn dataverse_requests(
        &self,
        auth: &TenantAuth,
        env: &Environment,
        t: &DataverseTable,
    ) -> Vec<Req> {
        let instance = env.instance_url.as_deref().unwrap_or_default();
        let (Some(base), Some(audience)) = (
            auth.endpoints().dataverse_base(instance),
            pp::instance_audience(instance),
        ) else {
            // Not a URL: a request to it fails with the URL in the error,
            // which marks this environment's collection failed.
            return vec![Req {
                service: Service::Dataverse,
                url: instance.to_string(),
                body: None,
                subscription: None,
                paging: Paging::None,
                consistency: false,
                absent_ok: false,
                headers: Vec::new(),
                audience: None,
            }];
        };
        t.sets
            .iter()
            .map(|s| Req {
                service: Service::Dataverse,
                url: s.url(&base),
                body: None,
                subscription: None,
                paging: Paging::GraphNextLink,
                consistency: false,
                absent_ok: s.optional,
                headers: vec![("Prefer", MAX_PAGE_SIZE.to_string())],
                audience: Some(audience.clone()),
            })
            .collect()
    }

    /// One collection per environment: `{root}/{env}[/{leaf}]` each holding
    /// the pages of that environment's requests. Reported as
    /// `{root}/*[/{leaf}]`.
    async fn run_per_env(
        &self,
        auth: &TenantAuth,
        root: &str,
        leaf: Option<&str>,
        envs: &[Environment],
        reqs: Vec<Vec<Req>>,
    ) -> CollectionReport {
        let side = auth.side();
        let name = match leaf {
            Some(l) => format!("{root}/*/{l}"),
            None => format!("{root}/*"),
        };
        if let Err(e) = self.writer.collection(side, root) {
            return self.give_up(side, root, &e.to_string());
        }
        let results: Vec<CollectionReport> = futures_util::stream::iter(envs.iter().zip(reqs))
            .map(|(env, reqs)| {
                let collection = match leaf {
                    Some(l) => format!("{root}/{}/{l}", env.name),
                    None => format!("{root}/{}", env.name),
                };
                async move {
                    self.run_quiet(auth, &collection, reqs, Some(EMPTY_LIST))
                        .await
                }
            })
            .buffer_unordered(FANOUT_CONCURRENCY)
            .collect()
            .await;
        let errors: Vec<String> = results
            .iter()
            .filter_map(|r| {
                r.error.as_ref().map(|e| {
                    let env = r.collection[root.len()..].trim_start_matches('/');
                    format!("{}: {e}", env.split('/').next().unwrap_or(env))
                })
            })
            .collect();
        let status = outcome(
            &errors,
            results
                .iter()
                .filter(|r| r.status != Status::Failed)
                .count(),
            envs.len(),
        );
        let report = CollectionReport {
            side,
            collection: name,
            requests: results.iter().map(|r| r.requests).sum(),
            pages: results.iter().map(|r| r.pages).sum(),
            status,
            error: summarize(&errors, envs.len()),
        };
        // Each failed environment has its own `_status.json` (a root status
        // would cover every Dataverse table). The parser takes the worst
        // one, so while other environments came in it says `partial`.
        if status == Status::Partial {
            for r in results.iter().filter(|r| r.status == Status::Failed) {
                let dir = self.writer.root().join(side.as_str()).join(&r.collection);
                let _ = crate::raw::write::write_status(
                    &dir,
                    &CollectionStatus {
                        status: Status::Partial.as_str().to_string(),
                        error: r.error.clone(),
                    },
                );
            }
        }
        self.record(report)
    }
}
