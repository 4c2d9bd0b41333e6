//! A process's memory as Linux reports it, for the benches that measure the server's.

/// A field of a process's `/proc/PID/status` in kB (`VmRSS:`, `VmHWM:`): 0 where there is none.
pub fn status_kb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}
