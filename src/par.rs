//! Work shared over the machine's cores, for the few places where a large registry makes a
//! loop long enough to notice: parsing patient files or the summary index, checking files,
//! building the patient list's rows. Scoped threads, no pool kept around, no dependency.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of cores to use, asked once (std reads the cgroup files on every call).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8)
    })
}

/// Items a thread takes at a time: small enough that a thread slowed down (by another
/// `par_map` running beside it, as when opening lists files while parsing the index) leaves
/// the rest to the others, large enough that taking them costs nothing.
const BATCH: usize = 128;

/// Applies `f` to every item, shared out over the machine's cores when there are enough
/// items to pay for the threads; the results keep the items' order whatever the number of
/// threads. Threads take batches from a shared counter rather than a fixed share each, so
/// no core sits idle while another finishes a slow share.
pub fn par_map<I: Sync, T: Send>(items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let threads = cores();
    // Below a few hundred items a thread costs more than it saves.
    if threads < 2 || items.len() < 256 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(BATCH, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + BATCH).min(items.len());
            done.push((start, items[start..end].iter().map(&f).collect::<Vec<T>>()));
        }
    };
    let mut batches: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            all.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    batches.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(items.len());
    for (_, b) in batches {
        out.extend(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        for n in [0, 1, 255, 256, 257, 1000, 12_345] {
            let items: Vec<usize> = (0..n).collect();
            let out = par_map(&items, |i| i * 3);
            assert_eq!(out, items.iter().map(|i| i * 3).collect::<Vec<_>>(), "{n}");
        }
    }
}
