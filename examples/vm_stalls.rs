//! How often this machine stops a busy thread, and for how long: spins
//! for a few seconds reading the clock and counts the gaps between two
//! reads over 1 ms (the thread was not running: the hypervisor took the
//! virtual CPU, or the guest ran something else), with the machine's CPU
//! steal share over the same time (Linux, /proc/stat).
//!
//!     cargo run --release --example vm_stalls            # 5 seconds
//!     cargo run --release --example vm_stalls -- 10
//!
//! It puts a floor under any latency percentile measured at the same time
//! (`lsp_latency`): when an instant waits over 5 ms for a thread that does
//! nothing but read the clock to run again more than 1% of the time, no
//! edit can have a p99 under 5 ms, however little work it does.

use std::time::{Duration, Instant};

// `cpu_ticks()` and `steal_percent()`.
include!("common/steal.rs");

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5.0);
    let run = Duration::from_secs_f64(secs);
    let before = cpu_ticks();
    let start = Instant::now();
    let mut last = start;
    let mut gaps: Vec<Duration> = Vec::new();
    while last - start < run {
        let now = Instant::now();
        if now - last > Duration::from_millis(1) {
            gaps.push(now - last);
        }
        last = now;
    }
    let elapsed = last - start;
    gaps.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let stopped: Duration = gaps.iter().sum();
    // The share of the time at which an event would wait over 5 ms for
    // this thread to run again: the first (gap - 5 ms) of each gap.
    let over_5: Duration = gaps
        .iter()
        .map(|g| g.saturating_sub(Duration::from_millis(5)))
        .sum();
    println!(
        "{:.1} s: {} stops over 1 ms, {} over 5 ms; stopped {:.2}% of the time; an instant waits over 5 ms {:.2}% of the time",
        elapsed.as_secs_f64(),
        gaps.len(),
        gaps.iter().filter(|g| **g > Duration::from_millis(5)).count(),
        100.0 * stopped.as_secs_f64() / elapsed.as_secs_f64(),
        100.0 * over_5.as_secs_f64() / elapsed.as_secs_f64(),
    );
    let longest: Vec<String> = gaps
        .iter()
        .rev()
        .take(5)
        .map(|g| format!("{:.1}", ms(*g)))
        .collect();
    if !longest.is_empty() {
        println!("  longest: {} ms", longest.join(", "));
    }
    if let Some(st) = steal_percent(before, cpu_ticks()) {
        println!("  CPU steal: {st:.1}% of the machine's time");
    }
}
