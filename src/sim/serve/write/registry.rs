//! Container registry writes (placeholder until the registry step lands).

use super::{no_route_pub, Ctx, Reply, ResPath, Shared};
use crate::sim::serve::tokens::Claims;

pub fn check_name(_sh: &Shared, ctx: &Ctx) -> Reply {
    no_route_pub(ctx)
}
pub fn put_registry(_sh: &Shared, ctx: &Ctx, _ti: usize, _rp: &ResPath) -> Reply {
    no_route_pub(ctx)
}
pub fn import_image(_sh: &Shared, ctx: &Ctx, _c: &Claims, _ti: usize, _rp: &ResPath) -> Reply {
    no_route_pub(ctx)
}
