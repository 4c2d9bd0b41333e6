//! The `seika` binary; everything lives in the library.

/// mimalloc rather than glibc's allocator: a payout run over a million records allocates a few
/// hundred megabytes on whichever blocking thread serves it, and glibc keeps each thread arena's
/// freed memory, so the server's footprint grew with every run on a new thread (to 1 GB under the
/// write mix); mimalloc returns freed memory to the system. See docs/DECISIONS.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    seika::cli::main()
}
