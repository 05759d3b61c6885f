//! Saved responses → records. (Being written.)

use super::super::{CollectionOutcome, CollectionSpec};
use crate::error::Result;
use crate::inventory::Inventory;
use crate::raw::{RawExport, Side};

pub const COLLECTIONS: &[CollectionSpec] = &[];

pub fn parse(
    _raw: &RawExport,
    _side: Side,
    _inv: &mut Inventory,
) -> Result<Vec<CollectionOutcome>> {
    Ok(Vec::new())
}
