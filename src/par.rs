//! Work shared over the machine's cores, for the few places where a large registry makes a
//! loop long enough to notice: parsing patient files or the summary index, checking files,
//! building the patient list's rows. Scoped threads, no pool kept around, no dependency.

/// Applies `f` to every item, shared out over the machine's cores (scoped threads, no pool
/// kept around) when there are enough to pay for the threads; the results keep the items'
/// order whatever the number of threads.
pub fn par_map<I: Sync, T: Send>(names: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    // Below a few hundred items a thread costs more than it saves.
    if threads < 2 || names.len() < 256 {
        return names.iter().map(f).collect();
    }
    let chunk = names.len().div_ceil(threads);
    let f = &f;
    let parts: Vec<Vec<T>> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.into_iter().flatten().collect()
}
