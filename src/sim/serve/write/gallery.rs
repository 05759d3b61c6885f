//! Gallery writes (placeholder until the gallery step lands).

use super::{no_route_pub, Ctx, Reply, ResPath, Shared};
use crate::sim::serve::tokens::Claims;

pub fn put(_sh: &Shared, ctx: &Ctx, _c: &Claims, _ti: usize, _rp: &ResPath) -> Reply {
    no_route_pub(ctx)
}
