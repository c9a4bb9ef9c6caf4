//! What a process of the school-group system is made of, shared by the production binary
//! `edugroup` (src/main.rs) and the development tool `edugroup-dev` (tools/dev): the settings
//! and the safety rules they carry, the services and how a process starts them, and minting
//! tokens. Development-only parts — the demo county, its tokens, `up`'s own nats-server —
//! live in the tool, so the production binary does not contain them.

pub mod config;
pub mod system;
pub mod token;

/// mimalloc instead of glibc's malloc: under load the services allocate and free small
/// buffers on many threads, and glibc's arenas spent about 5 % of the process's CPU on it.
/// Declared here so every binary that runs the services (`edugroup`, `edugroup-dev up`, whose
/// figures the benchmarks report) uses it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
