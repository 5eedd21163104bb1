// mimalloc on every target: dlint makes many small allocations on several threads, where
// glibc's malloc is 10-15% slower on the corpus and musl's (the static Linux release binaries)
// ~35% slower (docs/benchmark.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(dlint::cli::main());
}
