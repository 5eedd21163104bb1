// The static musl builds (release binaries for Linux) use mimalloc: musl's malloc is slow under
// dlint's many small allocations and rayon threads.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(dlint::cli::main());
}
