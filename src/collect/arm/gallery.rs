//! Azure compute galleries, gallery images and image versions.
//!
//! Image and version ids come back as
//! `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/locations/{region}/Galleries/{g}/Images/{i}/Versions/{v}`
//! (an extra `locations/{region}` segment, capitalised names), and one
//! published example returns `/providers/Microsoft.Compute/galleries/{g}/Images/{i}`
//! with no subscription at all. Such ids never equal the gallery's own id, so
//! these objects are keyed by names instead:
//!
//! - gallery, image and version names come from the page's `.meta.json`
//!   request URL when present, else from the id's `galleries/{g}/images/{i}/versions/{v}`
//!   segments matched case-insensitively; the object's own name is its `name`.
//! - the subscription and resource group come from the request URL, else from
//!   the id, else from the only gallery of that name parsed for the tenant.
//! - the canonical id is then rebuilt in the standard form
//!   `/subscriptions/{s}/resourcegroups/{rg}/providers/microsoft.compute/galleries/{g}/images/{i}/versions/{v}`.
//!   When the subscription and resource group stay unknown, the best
//!   available is the service's own subscription-less form
//!   `/providers/microsoft.compute/galleries/{g}/images/{i}[/versions/{v}]`:
//!   it still identifies the object by its names, and a rule can see that it
//!   was not placed.

use super::parse::{bad_item, base, date_at, id_at, object, region_at, resource_id, Sink};
use crate::error::Result;
use crate::inventory::{
    Gallery, GalleryImage, GalleryImageVersion, GalleryImageVersionRegion, GallerySharingGroup,
    Table,
};
use crate::normalize::{arr_at, bool_at, canonical_id, i64_at, str_at};
use crate::raw::RawItem;
use serde_json::Value;

pub(super) fn gallery(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    sink.note_gallery(&b.name, &b.subscription_id, &b.resource_group);
    if !sink.first(Gallery::NAME, &b.id) {
        return Ok(());
    }
    for g in arr_at(b.v, "properties.sharingProfile.groups") {
        let group_type = str_at(g, "type").ok_or_else(|| {
            bad_item(
                item,
                "has a sharingProfile.groups entry without \"type\"",
                "save the gallery list response unchanged",
            )
        })?;
        for member in arr_at(g, "ids") {
            let Some(member) = member.as_str().map(|m| m.trim().to_lowercase()) else {
                continue;
            };
            sink.inv.gallery_sharing_groups.push(GallerySharingGroup {
                tenant: sink.tenant.clone(),
                gallery_id: b.id.clone(),
                group_type: group_type.clone(),
                member_id: member,
            });
        }
    }
    sink.inv.galleries.push(Gallery {
        tenant: sink.tenant.clone(),
        sharing_permissions: str_at(b.v, "properties.sharingProfile.permissions"),
        provisioning_state: str_at(b.v, "properties.provisioningState"),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
    });
    Ok(())
}

pub(super) fn image(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let place = Place::of(item, sink, Level::Image)?;
    let id = place.image_id();
    if !sink.first(GalleryImage::NAME, &id) {
        return Ok(());
    }
    sink.inv.gallery_images.push(GalleryImage {
        tenant: sink.tenant.clone(),
        id,
        gallery_id: place.gallery_id(),
        name: place.image,
        location: region_at(v, "location"),
        os_type: str_at(v, "properties.osType"),
        os_state: str_at(v, "properties.osState"),
        hyper_v_generation: str_at(v, "properties.hyperVGeneration"),
        architecture: str_at(v, "properties.architecture"),
        publisher: str_at(v, "properties.identifier.publisher"),
        offer: str_at(v, "properties.identifier.offer"),
        sku: str_at(v, "properties.identifier.sku"),
        security_type: feature(v, "SecurityType"),
        purchase_plan_publisher: str_at(v, "properties.purchasePlan.publisher"),
        purchase_plan_product: str_at(v, "properties.purchasePlan.product"),
        purchase_plan_name: str_at(v, "properties.purchasePlan.name"),
        end_of_life_date: date_at(v, "properties.endOfLifeDate"),
    });
    Ok(())
}

pub(super) fn image_version(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let place = Place::of(item, sink, Level::Version)?;
    let id = place.version_id();
    if !sink.first(GalleryImageVersion::NAME, &id) {
        return Ok(());
    }
    let regions = regions(item, v, &sink.tenant, &id)?;
    let data_disks = arr_at(v, "properties.storageProfile.dataDiskImages");
    sink.inv.gallery_image_version_regions.extend(regions);
    sink.inv.gallery_image_versions.push(GalleryImageVersion {
        tenant: sink.tenant.clone(),
        image_id: place.image_id(),
        gallery_id: place.gallery_id(),
        id,
        gallery_name: place.gallery,
        image_name: place.image,
        name: place.version,
        location: region_at(v, "location"),
        exclude_from_latest: bool_at(v, "properties.publishingProfile.excludeFromLatest"),
        end_of_life_date: date_at(v, "properties.publishingProfile.endOfLifeDate"),
        storage_account_type: str_at(v, "properties.publishingProfile.storageAccountType"),
        source_id: [
            "properties.storageProfile.source.id",
            "properties.storageProfile.source.virtualMachineId",
            "properties.storageProfile.osDiskImage.source.id",
        ]
        .iter()
        .find_map(|p| id_at(v, p)),
        provisioning_state: str_at(v, "properties.provisioningState"),
        replication_state: str_at(v, "properties.replicationStatus.aggregatedState"),
        os_disk_size_gb: i64_at(v, "properties.storageProfile.osDiskImage.sizeInGB"),
        data_disk_size_gb: data_disks
            .iter()
            .filter_map(|d| i64_at(d, "sizeInGB"))
            .sum(),
        data_disk_count: data_disks.len() as i64,
        replication_mode: str_at(v, "properties.publishingProfile.replicationMode"),
    });
    Ok(())
}

/// A gallery image feature (`SecurityType`, ...) by name.
fn feature(v: &Value, name: &str) -> Option<String> {
    arr_at(v, "properties.features")
        .into_iter()
        .find(|f| str_at(f, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|f| str_at(f, "value"))
}

/// One row per region: the union of `publishingProfile.targetRegions` and
/// `replicationStatus.summary` (a region being removed can still report status).
fn regions(
    item: &RawItem,
    v: &Value,
    tenant: &str,
    version_id: &str,
) -> Result<Vec<GalleryImageVersionRegion>> {
    let mut rows: Vec<GalleryImageVersionRegion> = Vec::new();
    // Per the API, replicaCount applies to every region without its own count.
    let default_count = i64_at(v, "properties.publishingProfile.replicaCount");
    for t in arr_at(v, "properties.publishingProfile.targetRegions") {
        let region = region_at(t, "name").ok_or_else(|| {
            bad_item(
                item,
                "has a publishingProfile.targetRegions entry without \"name\"",
                "save the image version list response unchanged",
            )
        })?;
        let row = row_for(&mut rows, tenant, version_id, region);
        row.is_target = true;
        row.replica_count = i64_at(t, "regionalReplicaCount").or(default_count);
        // Published examples spell the id `diskEncryptionSet/` (singular):
        // kept as sent, canonicalised only.
        row.os_disk_encryption_set_id = id_at(t, "encryption.osDiskImage.diskEncryptionSetId");
        row.encrypted_data_disks = arr_at(t, "encryption.dataDiskImages")
            .into_iter()
            .filter(|d| str_at(d, "diskEncryptionSetId").is_some())
            .count() as i64;
    }
    for s in arr_at(v, "properties.replicationStatus.summary") {
        let region = region_at(s, "region").ok_or_else(|| {
            bad_item(
                item,
                "has a replicationStatus.summary entry without \"region\"",
                "save the image version list response unchanged",
            )
        })?;
        let row = row_for(&mut rows, tenant, version_id, region);
        row.state = str_at(s, "state");
        row.progress = i64_at(s, "progress");
    }
    Ok(rows)
}

fn row_for<'r>(
    rows: &'r mut Vec<GalleryImageVersionRegion>,
    tenant: &str,
    version_id: &str,
    region: String,
) -> &'r mut GalleryImageVersionRegion {
    let i = match rows.iter().position(|r| r.region == region) {
        Some(i) => i,
        None => {
            rows.push(GalleryImageVersionRegion {
                tenant: tenant.to_string(),
                version_id: version_id.to_string(),
                region,
                ..Default::default()
            });
            rows.len() - 1
        }
    };
    &mut rows[i]
}

#[derive(Clone, Copy, PartialEq)]
enum Level {
    Image,
    Version,
}

/// Names found along a request path or resource id.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct PathNames {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub gallery: Option<String>,
    pub image: Option<String>,
    pub version: Option<String>,
}

impl PathNames {
    /// Reads `subscriptions/{s}`, `resourceGroups/{rg}`, `galleries/{g}`,
    /// `images/{i}`, `versions/{v}` in that order, case-insensitively,
    /// skipping whatever lies between (`providers/...`, `locations/{region}`).
    /// A key in last position (a list request) has no name.
    pub fn scan(path: &str) -> PathNames {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut out = PathNames::default();
        let mut pos = 0;
        for (key, slot) in [
            ("subscriptions", &mut out.subscription),
            ("resourcegroups", &mut out.resource_group),
            ("galleries", &mut out.gallery),
            ("images", &mut out.image),
            ("versions", &mut out.version),
        ] {
            let found =
                (pos..segs.len().saturating_sub(1)).find(|&j| segs[j].eq_ignore_ascii_case(key));
            if let Some(j) = found {
                *slot = Some(segs[j + 1].to_string());
                pos = j + 2;
            }
        }
        out
    }

    /// From a request URL: its path, without scheme, host or query.
    pub fn from_url(url: &str) -> PathNames {
        let no_query = url.split(['?', '#']).next().unwrap_or("");
        let path = match no_query.find("://") {
            Some(i) => {
                let rest = &no_query[i + 3..];
                rest.find('/').map_or("", |j| &rest[j..])
            }
            None => no_query,
        };
        PathNames::scan(path)
    }

    fn home(&self) -> Option<(String, String)> {
        Some((
            self.subscription.as_ref()?.to_lowercase(),
            self.resource_group.as_ref()?.to_lowercase(),
        ))
    }
}

/// Where a gallery image or version sits, by names.
struct Place {
    home: Option<(String, String)>,
    gallery: String,
    image: String,
    version: String,
}

impl Place {
    fn of(item: &RawItem, sink: &Sink, level: Level) -> Result<Place> {
        let v = object(item)?;
        let (id_display, _) = resource_id(item)?;
        let url = item
            .meta
            .and_then(|m| m.url.as_deref())
            .map(PathNames::from_url)
            .unwrap_or_default();
        let id = PathNames::scan(&id_display);
        let own = str_at(v, "name");
        let missing = |what: &str| {
            bad_item(
                item,
                &format!("has no {what} name: neither the request URL, its \"name\" nor its id gives one"),
                "save the request next to the page as page-NNNN.meta.json with its \"url\" (see docs/raw-export.md)",
            )
        };
        let gallery = url
            .gallery
            .clone()
            .or(id.gallery.clone())
            .ok_or_else(|| missing("gallery"))?;
        let (image, version) = match level {
            Level::Image => (own.or(id.image.clone()), String::new()),
            Level::Version => (
                url.image.clone().or(id.image.clone()),
                own.or(id.version.clone())
                    .ok_or_else(|| missing("version"))?,
            ),
        };
        let image = image.ok_or_else(|| missing("image"))?;
        let home = url
            .home()
            .or_else(|| id.home())
            .or_else(|| sink.gallery_home(&gallery));
        Ok(Place {
            home,
            gallery,
            image,
            version,
        })
    }

    fn gallery_id(&self) -> String {
        let prefix = match &self.home {
            Some((s, rg)) => format!("/subscriptions/{s}/resourcegroups/{rg}"),
            None => String::new(),
        };
        canonical_id(&format!(
            "{prefix}/providers/microsoft.compute/galleries/{}",
            self.gallery
        ))
    }

    fn image_id(&self) -> String {
        canonical_id(&format!("{}/images/{}", self.gallery_id(), self.image))
    }

    fn version_id(&self) -> String {
        canonical_id(&format!("{}/versions/{}", self.image_id(), self.version))
    }
}
