//! The canonical aggregation tree of a range, as the steps that prove it.
//!
//! A range `[start, end)` of `n >= 2` batches is proven by one aggregation step
//! over `[start, start + k)` and `[start + k, end)`, `k` as in
//! [`crate::commitment::split_point`]; a part of one batch is that batch's own
//! proof. A range of one batch is one step with a single child.

use serde::{Deserialize, Serialize};

use crate::commitment::split_point;

/// What one side of a step consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Part {
    /// The proof of one batch.
    Batch(u64),
    /// The range proof of `[start, end)` (at least two batches).
    Range {
        /// First batch.
        start: u64,
        /// One past the last batch.
        end: u64,
    },
}

/// One aggregation step: proves `[start, end)` from its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Step {
    /// First batch of the range.
    pub start: u64,
    /// One past the last batch.
    pub end: u64,
    /// Left child.
    pub left: Part,
    /// Right child; `None` for a range of one batch.
    pub right: Option<Part>,
}

impl Step {
    /// Height in the tree: 1 for a step over batch proofs only.
    pub fn level(&self) -> u32 {
        let n = self.end - self.start;
        if n <= 1 {
            1
        } else {
            // The left subtree is complete and at least as tall as the right.
            (64 - (n - 1).leading_zeros()).max(1)
        }
    }

    /// Number of batches covered.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Never true: a step covers at least one batch.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

fn part(start: u64, end: u64) -> Part {
    if end - start == 1 {
        Part::Batch(start)
    } else {
        Part::Range { start, end }
    }
}

/// The steps that prove `[start, end)`, children before parents; the last is the root.
///
/// # Panics
/// If the range is empty.
pub fn plan(start: u64, end: u64) -> Vec<Step> {
    assert!(end > start, "empty range {start}..{end}");
    if end - start == 1 {
        return vec![Step {
            start,
            end,
            left: Part::Batch(start),
            right: None,
        }];
    }
    let mut steps = Vec::new();
    collect(start, end, &mut steps);
    steps
}

fn collect(start: u64, end: u64, steps: &mut Vec<Step>) {
    let mid = start + split_point(end - start);
    for (s, e) in [(start, mid), (mid, end)] {
        if e - s >= 2 {
            collect(s, e, steps);
        }
    }
    steps.push(Step {
        start,
        end,
        left: part(start, mid),
        right: Some(part(mid, end)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_of_one_batch_is_one_single_child_step() {
        assert_eq!(
            plan(7, 8),
            vec![Step {
                start: 7,
                end: 8,
                left: Part::Batch(7),
                right: None
            }]
        );
    }

    #[test]
    fn plan_of_five_batches_has_four_steps_children_first() {
        let steps = plan(0, 5);
        let ranges: Vec<(u64, u64)> = steps.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(ranges, vec![(0, 2), (2, 4), (0, 4), (0, 5)]);
        let root = steps.last().expect("root step");
        assert_eq!(root.left, Part::Range { start: 0, end: 4 });
        assert_eq!(root.right, Some(Part::Batch(4)));
        let levels: Vec<u32> = steps.iter().map(Step::level).collect();
        assert_eq!(levels, vec![1, 1, 2, 3], "levels of 0..2, 2..4, 0..4, 0..5");
    }

    #[test]
    fn plan_of_n_batches_has_n_minus_one_steps() {
        for n in 2..40u64 {
            let steps = plan(100, 100 + n);
            assert_eq!(steps.len() as u64, n - 1, "steps for {n} batches");
            // Every range part is produced by an earlier step.
            for (i, s) in steps.iter().enumerate() {
                for p in [Some(s.left), s.right].into_iter().flatten() {
                    if let Part::Range { start, end } = p {
                        assert!(
                            steps[..i].iter().any(|t| t.start == start && t.end == end),
                            "range {start}..{end} used before it is proven"
                        );
                    }
                }
            }
        }
    }
}
