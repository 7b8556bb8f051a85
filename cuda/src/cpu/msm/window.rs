//! The window size and the split of work over threads.

/// How one MSM is cut: window width `c`, number of windows, and slices of the points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Window width in bits (1 to 16: digits are stored as `i16`).
    pub c: u32,
    /// Number of signed-digit windows.
    pub windows: usize,
    /// Slices the points are cut into, each summed separately (1 unless threads outnumber windows).
    pub slices: usize,
}

/// Cost of summing one bucket into the window's total (a mixed and a full
/// Jacobian addition), in batched-affine additions.
const BUCKET_REDUCTION_COST: usize = 4;

impl Plan {
    /// The plan with the least estimated time for `points` points, scalars of
    /// `bits` bits and `threads` threads.
    ///
    /// A window costs one batched-affine addition per point plus the
    /// reduction of its `2^(c−1)` buckets; windows (times slices) are spread
    /// over the threads, so the time is the number of rounds times one task.
    pub fn choose(points: usize, bits: u32, threads: usize) -> Plan {
        let threads = threads.max(1);
        (1..=16u32)
            .map(|c| {
                // One bit of headroom for the signed digits' final carry.
                let windows = (bits as usize + 1).div_ceil(c as usize);
                let slices = threads.div_ceil(windows).min(points.max(1));
                let plan = Plan { c, windows, slices };
                let rounds = (windows * slices).div_ceil(threads);
                let task = points.div_ceil(slices) + BUCKET_REDUCTION_COST * (1 << (c - 1));
                (rounds * task, plan)
            })
            .min_by_key(|(cost, plan)| (*cost, plan.c))
            .map(|(_, plan)| plan)
            .expect("sixteen candidates")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_msms_on_two_cores_take_16_bit_windows() {
        let glv = Plan::choose(1 << 21, 127, 2);
        assert_eq!(
            (glv.c, glv.windows, glv.slices),
            (16, 8, 1),
            "2^20 G1 scalars as 2^21 GLV halves"
        );
        let g2 = Plan::choose(1 << 20, 254, 2);
        assert_eq!(
            (g2.c, g2.windows, g2.slices),
            (16, 16, 1),
            "2^20 G2 scalars"
        );
    }

    #[test]
    fn windows_always_cover_the_scalar_bits_plus_one() {
        for points in [1usize, 2, 3, 17, 1000, 1 << 16] {
            for bits in [2u32, 64, 127, 254] {
                for threads in [1usize, 2, 16] {
                    let plan = Plan::choose(points, bits, threads);
                    assert!(
                        plan.windows * plan.c as usize > bits as usize,
                        "{plan:?} for {bits}-bit scalars"
                    );
                    assert!(
                        plan.slices >= 1 && plan.slices <= points,
                        "{plan:?} for {points} points"
                    );
                }
            }
        }
    }

    #[test]
    fn many_threads_slice_the_points_when_windows_run_out() {
        let plan = Plan::choose(1 << 20, 127, 64);
        assert!(
            plan.windows * plan.slices >= 64,
            "{plan:?} keeps 64 threads busy"
        );
    }
}
