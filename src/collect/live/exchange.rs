//! Live Exchange Online: runs the catalogue of `collect::exchange::fetch`
//! for one tenant through the `InvokeCommand` endpoint. The listings go
//! first, concurrently; the fan-outs then read their objects back from the
//! written pages (mailboxes, groups, mail users). Per-object output is saved
//! under `exchange/<Cmdlet>/<object>/`, per-mailbox output as parts of one
//! collection, both as docs/raw-export.md describes.

use super::{CollectionReport, Ctx, Req};
use crate::auth::TenantAuth;
use crate::collect::exchange::fetch::{self, ExoSpec, Fan};
use crate::collect::Status;
use crate::http::{Paging, Service};
use crate::raw::write::EMPTY_LIST;

impl Ctx<'_> {
    /// Every Exchange collection of one tenant.
    pub(super) async fn exchange_family(&self, auth: &TenantAuth) {
        futures_util::future::join_all(fetch::LISTS.iter().map(|s| {
            let req = self.exo_request(auth, s, None, &fetch::Context::default());
            self.run(auth, s.collection, vec![req], Some(EMPTY_LIST))
        }))
        .await;
        let side = auth.side();
        let ctx = fetch::Context {
            operator: self.cfg.exchange.operator.clone(),
            endpoint: fetch::endpoint(&self.raw, side).ok().flatten(),
        };
        futures_util::future::join_all(
            fetch::FANOUTS
                .iter()
                .map(|s| self.exo_fanout(auth, s, &ctx)),
        )
        .await;
    }

    fn exo_request(
        &self,
        auth: &TenantAuth,
        spec: &ExoSpec,
        object: Option<&str>,
        ctx: &fetch::Context,
    ) -> Req {
        let tenant = auth.tenant_id();
        Req {
            service: Service::Exchange,
            url: fetch::invoke_url(&auth.endpoints().exchange, tenant),
            body: Some(fetch::body(spec.cmdlet, &spec.params(object, ctx))),
            subscription: None,
            paging: Paging::ExchangeNextLink,
            consistency: false,
            absent_ok: false,
            headers: fetch::headers(spec.cmdlet, tenant),
            audience: None,
        }
    }

    async fn exo_fanout(
        &self,
        auth: &TenantAuth,
        spec: &ExoSpec,
        ctx: &fetch::Context,
    ) -> CollectionReport {
        let side = auth.side();
        if !spec.sides.includes(side) {
            // Collected and empty, as the offline procedure saves it for the
            // tenant where the cmdlet does not apply.
            return match self.writer.collection(side, spec.collection) {
                Ok(_) => self.record(CollectionReport {
                    side,
                    collection: spec.collection.to_string(),
                    requests: 0,
                    pages: 0,
                    status: Status::Complete,
                    error: None,
                }),
                Err(e) => self.give_up(side, spec.collection, &e.to_string()),
            };
        }
        for dep in spec.depends_on() {
            if let Some(r) = self
                .report_of(side, dep)
                .filter(|r| r.status == Status::Failed)
            {
                let why = format!(
                    "not fetched: {dep} failed ({})",
                    r.error.as_deref().unwrap_or("see its _status.json")
                );
                return self.give_up(side, spec.collection, &why);
            }
        }
        let objects = match spec.fan {
            Fan::Tenant => Ok(Vec::new()),
            Fan::PerMailbox => fetch::per_mailbox(&self.raw, side, &self.cfg.exchange),
            Fan::PerObject(o) => fetch::objects(&self.raw, side, o, &self.cfg.exchange),
        };
        let objects = match objects {
            Ok(o) => o,
            Err(e) => {
                return self.give_up(
                    side,
                    spec.collection,
                    &format!("not fetched: reading its objects failed: {e}"),
                )
            }
        };
        match spec.fan {
            Fan::PerObject(_) => {
                self.run_per_object(auth, spec.collection, &objects, |o| {
                    self.exo_request(auth, spec, Some(o), ctx)
                })
                .await
            }
            _ => {
                let reqs = objects
                    .iter()
                    .map(|o| self.exo_request(auth, spec, Some(o), ctx))
                    .collect();
                self.run(auth, spec.collection, reqs, Some(EMPTY_LIST))
                    .await
            }
        }
    }
}
