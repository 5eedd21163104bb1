//! Counts the shell scripts dlint gives ShellCheck for some Dockerfiles, and
//! times ShellCheck on them (`cargo run --release --example shell_scripts --
//! FILES…`).
fn main() {
    let mut all = Vec::new();
    for f in std::env::args().skip(1) {
        let Ok(src) = dlint::source::read_source(std::path::Path::new(&f)) else {
            continue;
        };
        let m = dlint::model::Model::build(&src);
        all.extend(
            dlint::shellcheck::scripts(&m)
                .into_iter()
                .map(|s| s.text.to_string()),
        );
    }
    let unique: std::collections::HashSet<&str> = all.iter().map(String::as_str).collect();
    let bytes: usize = unique.iter().map(|s| s.len()).sum();
    println!(
        "scripts: {}, unique: {}, unique bytes: {bytes}",
        all.len(),
        unique.len()
    );
    let texts: Vec<&str> = unique.into_iter().collect();
    let runner = dlint::shellcheck::ShellCheck::get(&Default::default()).expect("shellcheck");
    let t = std::time::Instant::now();
    runner.prefetch(&texts);
    println!(
        "ShellCheck {}: {:.2} s wall",
        runner.version,
        t.elapsed().as_secs_f64()
    );
}
