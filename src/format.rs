//! Human units for everything shown to people: durations (µs/ms/s), rates (k/M per second),
//! counts, bytes (MiB) and clocks. Every number on screen goes through here.

/// User text made safe for a terminal: control characters (an escape that
/// would clear the screen or retitle the window, a bell) are shown as their
/// escapes (`\u{1b}`) instead of being sent; newlines stay, tabs become a
/// space.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            '\t' => " ".to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A queue's fill as `len/cap`, compact (`1.2k/256`), `∞` for an unbounded queue.
pub fn queue_fill(len: usize, capacity: Option<usize>) -> String {
    let cap = capacity.map_or_else(|| "∞".to_string(), |c| count(c as f64));
    format!("{}/{cap}", count(len as f64))
}

/// A queue's fill as `len/cap` with every digit (`1234/4096`), `∞` for an
/// unbounded queue: for text that is read back, such as logs and summaries.
pub fn queue_fill_exact(len: usize, capacity: Option<usize>) -> String {
    let cap = capacity.map_or_else(|| "∞".to_string(), |c| c.to_string());
    format!("{len}/{cap}")
}

/// A latency in milliseconds as `850µs`, `12.3ms` or `1.20s`.
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() || ms <= 0.0 {
        "0".to_string()
    } else if ms < 1.0 {
        format!("{:.0}µs", ms * 1000.0)
    } else if ms < 10.0 {
        format!("{ms:.2}ms")
    } else if ms < 1000.0 {
        format!("{ms:.1}ms")
    } else if ms < 60_000.0 {
        format!("{:.2}s", ms / 1000.0)
    } else {
        format!("{:.1}m", ms / 60_000.0)
    }
}

/// A count with a k/M/G suffix past four digits: `980`, `12.3k`, `4.50M`.
pub fn count(n: f64) -> String {
    let n = if n.is_finite() { n.max(0.0) } else { 0.0 };
    if n < 10_000.0 {
        format!("{n:.0}")
    } else if n < 1e6 {
        format!("{:.1}k", n / 1e3)
    } else if n < 1e9 {
        format!("{:.2}M", n / 1e6)
    } else {
        format!("{:.2}G", n / 1e9)
    }
}

/// A rate in items per second: `1.2k/s`.
pub fn rate(per_second: f64) -> String {
    format!("{}/s", count(per_second))
}

/// Bytes as MiB (or GiB past 10 GiB): `42.1 MiB`.
pub fn bytes(b: u64) -> String {
    let mib = b as f64 / (1024.0 * 1024.0);
    if mib < 10_240.0 {
        format!("{mib:.1} MiB")
    } else {
        format!("{:.1} GiB", mib / 1024.0)
    }
}

/// A fraction in 0..=1 as a whole percentage: `87%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", (fraction * 100.0).clamp(0.0, 100.0))
}

/// Seconds since the start as `mm:ss` (or `h:mm:ss` past an hour).
pub fn elapsed(t_s: f64) -> String {
    let total = t_s.max(0.0) as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Wall-clock seconds since the Unix epoch as UTC `hh:mm:ss`.
pub fn wall_clock(unix_s: u64) -> String {
    let day = unix_s % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day / 60 % 60, day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_pick_the_readable_unit() {
        assert_eq!(millis(0.25), "250µs");
        assert_eq!(millis(2.5), "2.50ms");
        assert_eq!(millis(123.4), "123.4ms");
        assert_eq!(millis(2500.0), "2.50s");
        assert_eq!(millis(f64::NAN), "0");
    }

    #[test]
    fn rates_and_counts_use_k_and_m() {
        assert_eq!(rate(950.0), "950/s");
        assert_eq!(rate(12_345.0), "12.3k/s");
        assert_eq!(count(4_500_000.0), "4.50M");
        assert_eq!(bytes(44_040_192), "42.0 MiB");
    }

    #[test]
    fn clocks_are_zero_padded() {
        assert_eq!(elapsed(65.9), "01:05");
        assert_eq!(elapsed(3725.0), "1:02:05");
        assert_eq!(wall_clock(86_400 + 3_723), "01:02:03");
    }
}
