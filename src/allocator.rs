//! How the `chingu` process asks glibc's allocator to behave (BENCHMARKS.md "Soak"):
//! at most two arenas, and blocks of 128 KiB and more always mapped on their own — so a
//! large buffer freed goes back to the system instead of staying in an arena that other
//! allocations then fragment. Measured with the 100-node, 30-minute soak: RSS 918 MiB at
//! 1,000 s instead of 1,341 (two arenas alone) and 1,327 (glibc's defaults), rising +18
//! MiB/min from there to 1,600 s instead of +30 and +39 — lower, not flat — with no more
//! CPU per message. mimalloc and jemalloc as the global allocator did no better in the
//! 41-node soak (mimalloc held twice the memory), so the binary keeps glibc.
//! An embedding program keeps its own allocator settings: only the `chingu` command
//! calls [`tune`]. [`return_free_memory`] hands freed memory back on demand (a KDF thread
//! going idle, a test net measuring its idle memory).

/// Hands the allocator's free memory back to the system (glibc `malloc_trim`: free pages
/// in every arena, not only at the top of the main one); does nothing where the C library
/// has no such call. Freed memory otherwise stays resident.
pub fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only walks the allocator's own free
    // lists and releases free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Sets the two options, unless the environment sets them (`MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`): call it first thing in `main`, before any thread starts.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let options = [
            ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, 2),
            ("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, 128 * 1024),
        ];
        for (variable, option, value) in options {
            if std::env::var_os(variable).is_none() {
                // SAFETY: mallopt only sets an allocator parameter; called before other
                // threads allocate.
                unsafe {
                    libc::mallopt(option, value);
                }
            }
        }
    }
}
