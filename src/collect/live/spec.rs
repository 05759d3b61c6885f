//! The request catalogue as data: for each collection of docs/raw-export.md
//! that live collection fetches, the request (service, path, query, headers)
//! and its fan-out. The family catalogues (`arm::fetch`, `arm::fetch_rg`,
//! `graph::fetch`) are lists of [`Spec`]; `live` runs them.

/// Which base URL a path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `{arm}`: Azure Resource Manager.
    Arm,
    /// `{graph}/v1.0`: Microsoft Graph.
    Graph,
    /// `{login}`: the sign-in service's public metadata.
    Login,
    /// `{bap}`: Power Platform admin (environments, t2t migrations).
    Bap,
    /// `{powerapps}`: Power Apps admin.
    PowerApps,
    /// `{flow}`: Power Automate admin.
    Flow,
    /// `{powerplatform}`: the Power Platform API (licensing).
    PowerPlatform,
}

/// Where the parents of a per-parent collection come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// Each item `id` of an earlier ARM collection (`{parent}` = that id).
    ArmId(&'static str),
    /// Gallery images: `{parent}` = the image list request path + `/{name}`,
    /// because returned image ids carry an extra `locations/{region}` segment.
    GalleryImage,
    /// The groups whose members the rules need (see `graph::fetch::member_groups`).
    Group,
    /// The resource service principals whose app-role assignments the rules read.
    ResourceSp,
}

/// How many requests a collection makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fanout {
    /// One listing for the tenant.
    Tenant,
    /// One listing per subscription in scope: `{s}` in the path.
    Subscription,
    /// One listing per parent object: `{parent}` in the path.
    Parent(Parent),
    /// `arm/resource-skus`: the disk target subscription and region only.
    ResourceSkus,
    /// `arm/marketplace-agreements`: each plan in use, in its source and the
    /// target subscription (needs the source tenant's VMs and disks).
    MarketplaceAgreements,
    /// One listing per Power Platform environment: `{env}` in the path,
    /// pages in a directory named by the environment.
    Environment,
}

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Collection path under the tenant directory, e.g. `arm/disks`.
    pub collection: &'static str,
    pub base: Base,
    /// Path with `{s}`, `{parent}`, `{tenant}` placeholders.
    pub path: &'static str,
    /// Query string, unencoded except that it must not contain `&` or `=` in
    /// values (none does); spaces and quotes are encoded when the URL is built.
    pub query: &'static str,
    pub fanout: Fanout,
    /// Graph: send `ConsistencyLevel: eventual` (re-sent on every next page).
    pub consistency: bool,
    /// The response is one object, not a list (no paging; an empty result is
    /// an empty directory).
    pub single_object: bool,
}

impl Spec {
    pub const fn arm(collection: &'static str, path: &'static str, query: &'static str) -> Spec {
        Spec {
            collection,
            base: Base::Arm,
            path,
            query,
            fanout: Fanout::Subscription,
            consistency: false,
            single_object: false,
        }
    }

    pub const fn graph(collection: &'static str, path: &'static str, query: &'static str) -> Spec {
        Spec {
            collection,
            base: Base::Graph,
            path,
            query,
            fanout: Fanout::Tenant,
            consistency: false,
            single_object: false,
        }
    }

    pub const fn fanout(mut self, f: Fanout) -> Spec {
        self.fanout = f;
        self
    }

    pub const fn single(mut self) -> Spec {
        self.single_object = true;
        self
    }

    /// The collection this one's parents are read from, if any.
    pub fn depends_on(&self) -> Option<&'static str> {
        match self.fanout {
            Fanout::Parent(Parent::ArmId(c)) => Some(c),
            Fanout::Parent(Parent::GalleryImage) => Some("arm/gallery-images"),
            Fanout::Parent(Parent::Group) => Some("graph/groups"),
            Fanout::Parent(Parent::ResourceSp) => Some("graph/service-principals"),
            _ => None,
        }
    }

    /// The URL for one request: base + path with placeholders filled + query.
    pub fn url(&self, base: &str, vars: &[(&str, &str)]) -> String {
        let mut path = self.path.to_string();
        for (k, v) in vars {
            path = path.replace(&format!("{{{k}}}"), v);
        }
        let mut url = format!("{}{}", base.trim_end_matches('/'), path);
        if !self.query.is_empty() {
            let mut q = self.query.to_string();
            for (k, v) in vars {
                q = q.replace(&format!("{{{k}}}"), v);
            }
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&encode_query(&q));
        }
        url
    }
}

/// Encodes what a query value may hold that a URL may not (`$filter=location
/// eq 'westeurope'`); `$`, `,`, `/`, `=`, `&` stay as they are.
pub fn encode_query(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for c in q.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '\'' => out.push_str("%27"),
            '#' => out.push_str("%23"),
            '+' => out.push_str("%2B"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_fills_placeholders_and_encodes_filters() {
        let s = Spec::arm(
            "arm/resource-skus",
            "/subscriptions/{s}/providers/Microsoft.Compute/skus",
            "api-version=2021-07-01&$filter=location eq '{region}'",
        );
        assert_eq!(
            s.url("http://h/arm/", &[("s", "sub1"), ("region", "westeurope")]),
            "http://h/arm/subscriptions/sub1/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=location%20eq%20%27westeurope%27"
        );
    }
}
