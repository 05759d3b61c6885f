//! Collections saved once per environment, in a directory named by the
//! environment's `name`:
//!
//! - `powerplatform/{flows,apps,connections,custom-connectors}/{env}/` for
//!   the Power Automate and Power Apps admin lists (every environment has
//!   them, Dataverse or not);
//! - `powerplatform/dataverse/{env}/{solutions,systemusers,bots,websites}/`
//!   for Dataverse Web API queries (environments with a database only).
//!
//! A spec writes the environment as `*`. One outcome covers all environments:
//! not collected when the family directory is absent; else the worst
//! `_status.json` (of the family directory or any environment's); partial
//! when an environment that should have the collection does not, since it
//! was not looked at.

use crate::collect::{CollectionOutcome, CollectionSpec, Status};
use crate::error::{Error, Location, Result};
use crate::inventory::Inventory;
use crate::raw::{items, Envelope, RawExport, RawItem, Side};

/// What an item parser knows besides the item.
pub(super) struct Ctx<'a> {
    pub tenant: &'a str,
    /// The environment's name, lower-case.
    pub env: String,
    /// The collection directory, for error messages.
    pub collection: &'a str,
}

pub(super) type ItemFn = fn(&RawItem, &Ctx, &mut Inventory) -> Result<()>;

pub(super) struct PerEnv {
    pub spec: crate::collect::CollectionSpec,
    /// Only environments with a Dataverse database have this collection.
    pub dataverse_only: bool,
    pub parse: ItemFn,
}

/// `powerplatform/flows/*` → (`powerplatform/flows`, ``);
/// `powerplatform/dataverse/*/bots` → (`powerplatform/dataverse`, `bots`).
fn split(spec: &CollectionSpec) -> (&'static str, &'static str) {
    let c = spec.collection;
    let (root, rest) = c.split_once("/*").unwrap_or((c, ""));
    (root, rest.trim_start_matches('/'))
}

fn collection_of(root: &str, env: &str, leaf: &str) -> String {
    if leaf.is_empty() {
        format!("{root}/{env}")
    } else {
        format!("{root}/{env}/{leaf}")
    }
}

/// Parses one per-environment collection for every environment directory
/// present; `expected` names the environments that should have it.
pub(super) fn parse(
    raw: &RawExport,
    side: Side,
    p: &PerEnv,
    expected: &[String],
    envs_collected: bool,
    inv: &mut Inventory,
) -> Result<CollectionOutcome> {
    let (root, leaf) = split(&p.spec);
    let root_dir = raw.side_dir(side).join(root);
    let mut present: Vec<String> = Vec::new();
    let mut count = 0;
    let mut worst: Option<Status> = None;
    let mut errors = Vec::new();
    if let Some(s) = raw.status(side, root)? {
        let st = Status::parse(&s.status).unwrap_or(Status::Failed);
        worst = Some(st);
        if st != Status::Complete {
            errors.push(format!(
                "{root}: {}",
                s.error.as_deref().unwrap_or(&s.status)
            ));
        }
    }
    for env in raw.children(side, root)? {
        // The Dataverse family nests one directory per table under the
        // environment; a stray file there is not an environment.
        if !leaf.is_empty() && !root_dir.join(&env).is_dir() {
            continue;
        }
        let collection = collection_of(root, &env, leaf);
        if !raw.has(side, &collection) {
            continue;
        }
        present.push(env.to_lowercase());
        let ctx = Ctx {
            tenant: side.as_str(),
            env: env.trim().to_lowercase(),
            collection: &collection,
        };
        let pages = raw.pages(side, &collection)?;
        for item in items(&pages, Envelope::Value)? {
            if !item.value.is_object() {
                return Err(bad_item(&item, &collection, "is not a JSON object"));
            }
            (p.parse)(&item, &ctx, inv)?;
            count += 1;
        }
        if let Some(s) = raw.status(side, &collection)? {
            let st = Status::parse(&s.status).unwrap_or(Status::Failed);
            worst = Some(worst.unwrap_or(Status::Complete).max(st));
            if st != Status::Complete {
                errors.push(format!(
                    "{env}: {}",
                    s.error.as_deref().unwrap_or(&s.status)
                ));
            }
        }
    }
    let missing: Vec<&str> = expected
        .iter()
        .filter(|e| !present.contains(&e.to_lowercase()))
        .map(String::as_str)
        .collect();
    let status = if !root_dir.exists() && raw.status(side, root)?.is_none() {
        // Nothing saved at all: complete only when there was nothing to
        // look at (the environments were listed and none needs it).
        if envs_collected && expected.is_empty() {
            Status::Complete
        } else {
            Status::NotCollected
        }
    } else {
        let mut st = worst.unwrap_or(Status::Complete);
        if !missing.is_empty() {
            st = st.max(Status::Partial);
            errors.push(format!("not collected for {}", missing.join(", ")));
        }
        st
    };
    Ok(CollectionOutcome {
        family: p.spec.family.to_string(),
        collection: p.spec.collection.to_string(),
        side,
        status,
        tables: p.spec.tables.iter().map(|t| t.to_string()).collect(),
        items: count,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    })
}

pub(super) fn bad_item(item: &RawItem, collection: &str, what: &str) -> Error {
    Error::input(
        Location::file(item.path),
        format!("value[{}] {what} ({collection})", item.index),
        "save the response body exactly as the API returned it (see docs/raw-export.md)",
    )
}
