//! hdrhistogram's bucket layout at three significant digits and a lowest
//! value of 1, as plain index arithmetic: which counter a latency falls in,
//! and the values a counter stands for. The workers' tallies and the
//! sampler's histograms both count in this layout, so what they report is
//! exactly what hdrhistogram would (a test checks it against the crate).

/// log2 of the sub-buckets per bucket. hdrhistogram at three significant
/// digits and a lowest value of 1 uses 2048: it needs 2 × 10³ values at a
/// resolution of one.
const SUB_BUCKET_BITS: u32 = 11;
const HALF_BITS: u32 = SUB_BUCKET_BITS - 1;
const HALF: usize = 1 << HALF_BITS;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_BITS) - 1;

/// The counter index of `value`, as hdrhistogram computes it.
#[inline]
pub const fn index_of(value: u64) -> usize {
    let bucket = (u64::BITS - SUB_BUCKET_BITS) - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize) << HALF_BITS) + sub_bucket
}

/// The bucket (doubling) counter `index` belongs to; its values are this
/// many bits coarse.
#[inline]
fn bucket_of(index: usize) -> u32 {
    ((index >> HALF_BITS).saturating_sub(1)) as u32
}

/// The lowest value counted at `index` (hdrhistogram's `value_for`).
#[inline]
pub fn lowest_value_at(index: usize) -> u64 {
    let sub_bucket = if index < HALF {
        index
    } else {
        (index & (HALF - 1)) + HALF
    };
    (sub_bucket as u64) << bucket_of(index)
}

/// The highest value counted at `index` (hdrhistogram's
/// `highest_equivalent`).
#[inline]
pub fn highest_value_at(index: usize) -> u64 {
    lowest_value_at(index) + ((1u64 << bucket_of(index)) - 1)
}

/// The middle of the values counted at `index`, rounded up (hdrhistogram's
/// `median_equivalent`, what its mean averages).
#[inline]
pub fn median_value_at(index: usize) -> u64 {
    lowest_value_at(index) + ((1u64 << bucket_of(index)) >> 1)
}

#[cfg(test)]
mod tests {
    use hdrhistogram::Histogram;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_layout_is_hdrhistograms_at_three_digits() {
        let reference: Histogram<u64> = Histogram::new(3).expect("valid precision");
        for value in [1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 1 << 40] {
            let index = index_of(value);
            let lowest = lowest_value_at(index);
            assert_eq!(lowest, reference.lowest_equivalent(value), "value {value}");
            assert_eq!(index_of(lowest), index);
            // The next bucket starts right after this one's highest value.
            let highest = reference.highest_equivalent(value);
            assert_eq!(highest_value_at(index), highest);
            assert_eq!(index_of(highest), index);
            assert_eq!(index_of(highest + 1), index + 1);
        }
    }

    proptest! {
        #[test]
        fn every_value_maps_as_hdrhistogram_maps_it(value in 1u64..(1 << 42)) {
            let reference: Histogram<u64> = Histogram::new(3).expect("valid precision");
            let index = index_of(value);
            prop_assert_eq!(lowest_value_at(index), reference.lowest_equivalent(value));
            prop_assert_eq!(highest_value_at(index), reference.highest_equivalent(value));
            prop_assert_eq!(median_value_at(index), reference.median_equivalent(value));
        }
    }
}
