//! The one thread pool xtenant's own parallel work runs on.
//!
//! Rayon's global pool has 2 MiB stacks, and a worker that waits inside polars
//! (writing Parquet, running a query) steals other queued jobs onto the same
//! stack; with several collections, tables or tests in flight the stacks pile
//! up and overflow in debug builds. Our pool has roomy stacks (virtual memory,
//! committed only as used) and is used for every `par_iter` and `join` of
//! collection, snapshot writing and derived tables.

use std::sync::OnceLock;

const STACK: usize = 64 << 20;

/// Runs `f` on xtenant's pool (or on the global one if it cannot be built).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("xtenant-{i}"))
            .stack_size(STACK)
            .build()
            .ok()
    });
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}
