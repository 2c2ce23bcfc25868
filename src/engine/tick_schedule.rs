//! When the control loop samples, and what it missed: a tick is due every
//! period; a tick served late moves the next one past now and counts the
//! periods it passed without a snapshot, so no tick is lost silently. The
//! count is reported as a `ticks-skipped` event, at most once a second so
//! that a run that keeps falling behind does not flood its event log.

/// Skipped ticks are reported at most this often (nanoseconds).
const REPORT_EVERY_NS: u64 = 1_000_000_000;

/// The ticks skipped, counted and reported.
#[derive(Debug, Default)]
pub(crate) struct SkippedTicks {
    total: u64,
    unreported: u64,
    reported_at_ns: Option<u64>,
}

impl SkippedTicks {
    /// After a tick at `now_ns` that served the deadline `*next_ns`:
    /// moves the deadline to the first period boundary after `now_ns`, and
    /// counts the boundaries it passed beyond the one served.
    pub(crate) fn advance(&mut self, next_ns: &mut u64, now_ns: u64, period_ns: u64) {
        let period_ns = period_ns.max(1);
        if now_ns < *next_ns {
            return;
        }
        let passed = (now_ns - *next_ns) / period_ns;
        *next_ns = next_ns.saturating_add((passed + 1).saturating_mul(period_ns));
        self.total += passed;
        self.unreported += passed;
    }

    /// What to report now, as (skipped since the last report, total): the
    /// first skip at once, then at most once a second, and what is left
    /// when the run ends (`last`).
    pub(crate) fn report(&mut self, now_ns: u64, last: bool) -> Option<(u64, u64)> {
        if self.unreported == 0 {
            return None;
        }
        let due = self
            .reported_at_ns
            .is_none_or(|at| now_ns.saturating_sub(at) >= REPORT_EVERY_NS);
        if !(due || last) {
            return None;
        }
        self.reported_at_ns = Some(now_ns);
        Some((std::mem::take(&mut self.unreported), self.total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn a_tick_on_time_skips_nothing_and_a_late_one_counts_what_it_passed() {
        let mut skipped = SkippedTicks::default();
        let mut next = 10 * MS;
        skipped.advance(&mut next, 10 * MS, 10 * MS);
        assert_eq!((next, skipped.total), (20 * MS, 0));
        skipped.advance(&mut next, 23 * MS, 10 * MS);
        assert_eq!(
            (next, skipped.total),
            (30 * MS, 0),
            "late within its period"
        );
        // Served at 65 ms: the 30 ms tick is served, 40, 50 and 60 are skipped.
        skipped.advance(&mut next, 65 * MS, 10 * MS);
        assert_eq!((next, skipped.total), (70 * MS, 3));
        // A tick before its deadline (the final one) moves nothing.
        skipped.advance(&mut next, 66 * MS, 10 * MS);
        assert_eq!((next, skipped.total), (70 * MS, 3));
    }

    #[test]
    fn every_period_is_either_sampled_or_counted() {
        let mut skipped = SkippedTicks::default();
        let (period, mut next, mut sampled) = (7 * MS, 7 * MS, 0);
        // Ticks served at irregular, often very late, times.
        for now in [7, 15, 40, 41, 100, 101, 102, 250, 700].map(|t| t * MS) {
            if now >= next {
                sampled += 1;
                skipped.advance(&mut next, now, period);
            }
        }
        let deadlines_passed = (next - period) / period;
        assert_eq!(sampled + skipped.total, deadlines_passed);
    }

    #[test]
    fn skips_are_reported_at_once_then_at_most_each_second_and_at_the_end() {
        let mut skipped = SkippedTicks::default();
        let mut next = 10 * MS;
        assert_eq!(skipped.report(0, false), None, "nothing skipped");
        skipped.advance(&mut next, 35 * MS, 10 * MS);
        assert_eq!(skipped.report(36 * MS, false), Some((2, 2)));
        skipped.advance(&mut next, 75 * MS, 10 * MS);
        assert_eq!(skipped.report(76 * MS, false), None, "within the second");
        skipped.advance(&mut next, 105 * MS, 10 * MS);
        assert_eq!(skipped.report(106 * MS, true), Some((5, 7)), "the end");
        assert_eq!(skipped.report(2_000 * MS, true), None, "all reported");
    }
}
