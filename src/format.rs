//! Human units for numbers shown to people: latencies, rates, sizes, counts.

/// A latency in milliseconds as "850µs", "1.23ms", "45.6ms", "2.10s".
pub fn latency_ms(ms: f64) -> String {
    if !ms.is_finite() || ms <= 0.0 {
        "-".into()
    } else if ms < 1.0 {
        format!("{:.0}µs", ms * 1e3)
    } else if ms < 10.0 {
        format!("{ms:.2}ms")
    } else if ms < 1_000.0 {
        format!("{ms:.1}ms")
    } else {
        format!("{:.2}s", ms / 1e3)
    }
}

/// A count per second as "950/s", "12.3k/s", "1.20M/s".
pub fn rate(per_second: f64) -> String {
    format!("{}/s", si(per_second))
}

/// A count with a k/M/G suffix: "950", "12.3k", "1.20M".
pub fn si(n: f64) -> String {
    let n = if n.is_finite() { n.max(0.0) } else { 0.0 };
    if n < 1_000.0 {
        format!("{n:.0}")
    } else if n < 1e6 {
        format!("{:.1}k", n / 1e3)
    } else if n < 1e9 {
        format!("{:.2}M", n / 1e6)
    } else {
        format!("{:.2}G", n / 1e9)
    }
}

/// Bytes as "512 KiB", "123 MiB", "1.5 GiB".
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let n = n as f64;
    if n < KIB * KIB {
        format!("{:.0} KiB", n / KIB)
    } else if n < KIB * KIB * KIB {
        format!("{:.0} MiB", n / (KIB * KIB))
    } else {
        format!("{:.1} GiB", n / (KIB * KIB * KIB))
    }
}

/// A fraction 0..=1 as a whole percentage: "42%".
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_pick_a_readable_unit() {
        assert_eq!(latency_ms(0.85), "850µs");
        assert_eq!(latency_ms(1.234), "1.23ms");
        assert_eq!(latency_ms(45.61), "45.6ms");
        assert_eq!(latency_ms(2_100.0), "2.10s");
        assert_eq!(latency_ms(0.0), "-");
    }

    #[test]
    fn rates_and_sizes_use_suffixes() {
        assert_eq!(rate(950.0), "950/s");
        assert_eq!(rate(12_345.0), "12.3k/s");
        assert_eq!(si(1_200_000.0), "1.20M");
        assert_eq!(bytes(123 * 1024 * 1024), "123 MiB");
        assert_eq!(percent(0.423), "42%");
    }
}
