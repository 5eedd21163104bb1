// The machine's CPU steal, included (`include!`) by examples/lsp_latency.rs
// and examples/vm_stalls.rs.

/// The machine's CPU time so far as /proc/stat counts it (Linux): (steal,
/// total) in clock ticks, or None elsewhere.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = cpu
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is
    // already in user).
    Some((*v.get(7)?, v.iter().take(8).sum()))
}

/// The share of the machine's time the hypervisor took between two
/// readings of [`cpu_ticks`], in percent.
fn steal_percent(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((s0, t0), (s1, t1)) = before.zip(after)?;
    (t1 > t0).then(|| 100.0 * s1.saturating_sub(s0) as f64 / (t1 - t0) as f64)
}
