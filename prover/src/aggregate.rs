//! Aggregation jobs between the coordinator and workers: the witness of one
//! aggregation step (the step and its child proofs) in its wire encoding, and
//! proving it.
//!
//! Encoding of `Job.witness` for `JOB_KIND_AGGREGATE`: bincode 1 (fixed-width
//! little-endian integers, `u64` length prefixes) of [`AggregateWitness`]: the
//! [`Step`], then the left child, then an option tag (0 or 1) and the right
//! child; a child is its [`Part`] (a variant index, then the batch number or
//! the range's start and end) and its proof bytes. A `Part::Batch` child's
//! proof is a batch proof, a `Part::Range` child's a range proof, both in
//! plonky2's encoding with public inputs.

use bincode::Options;
use serde::{Deserialize, Serialize};
use zkr_aggregator::{AggregationError, Child, Circuits, Part, RangeProof, Step};
use zkr_circuits::batch::BatchProof;

/// Why an aggregation witness does not decode or prove.
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// The witness bytes do not decode.
    #[error("aggregation witness malformed: {0}")]
    Malformed(String),
    /// The witness does not match its step.
    #[error("aggregation witness of step {start}..{end}: {why}")]
    Mismatch {
        /// First batch of the step.
        start: u64,
        /// One past its last batch.
        end: u64,
        /// What does not match.
        why: String,
    },
    /// A child proof does not decode.
    #[error("{side} child proof ({part:?}) malformed: {reason}")]
    BadChild {
        /// "left" or "right".
        side: &'static str,
        /// The child.
        part: Part,
        /// Why.
        reason: String,
    },
    /// Aggregating failed.
    #[error(transparent)]
    Aggregation(#[from] AggregationError),
}

/// One child of a step: what it covers and its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildProof {
    /// The batch or range the proof covers.
    pub part: Part,
    /// The proof bytes: a batch proof for `Part::Batch`, a range proof for `Part::Range`.
    pub proof: Vec<u8>,
}

/// The witness of one aggregation step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateWitness {
    /// The step to prove.
    pub step: Step,
    /// Its left child.
    pub left: ChildProof,
    /// Its right child; `None` for a range of one batch.
    pub right: Option<ChildProof>,
}

fn options() -> impl Options {
    bincode::DefaultOptions::new().with_fixint_encoding()
}

impl AggregateWitness {
    /// The wire encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain data of known shape: serialization cannot fail.
        options().serialize(self).unwrap_or_default()
    }

    /// Decodes the wire encoding, reading no further than `bytes` allow.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AggregateError> {
        options()
            .with_limit(bytes.len() as u64)
            .reject_trailing_bytes()
            .deserialize(bytes)
            .map_err(|e| AggregateError::Malformed(e.to_string()))
    }

    /// Proves the step with `circuits` (checking the children natively first).
    pub fn prove(&self, circuits: &Circuits) -> Result<RangeProof, AggregateError> {
        let step = self.step;
        let mismatch = |why: String| AggregateError::Mismatch {
            start: step.start,
            end: step.end,
            why,
        };
        if self.left.part != step.left {
            return Err(mismatch(format!(
                "left child is {:?}, the step's is {:?}",
                self.left.part, step.left
            )));
        }
        if self.right.as_ref().map(|c| c.part) != step.right {
            return Err(mismatch(format!(
                "right child is {:?}, the step's is {:?}",
                self.right.as_ref().map(|c| c.part),
                step.right
            )));
        }
        let left = Decoded::of("left", &self.left, circuits)?;
        let right = self
            .right
            .as_ref()
            .map(|c| Decoded::of("right", c, circuits))
            .transpose()?;
        Ok(circuits.aggregate(left.child(), right.as_ref().map(Decoded::child))?)
    }
}

/// A decoded child proof.
enum Decoded {
    Batch(BatchProof),
    Range(RangeProof),
}

impl Decoded {
    fn of(side: &'static str, c: &ChildProof, circuits: &Circuits) -> Result<Self, AggregateError> {
        let bad = |reason: String| AggregateError::BadChild {
            side,
            part: c.part,
            reason,
        };
        match c.part {
            Part::Batch(_) => BatchProof::from_bytes(&c.proof, circuits.batch())
                .map(Decoded::Batch)
                .map_err(|e| bad(e.to_string())),
            Part::Range { .. } => RangeProof::from_bytes(&c.proof, circuits.aggregation())
                .map(Decoded::Range)
                .map_err(|e| bad(e.to_string())),
        }
    }

    fn child(&self) -> Child<'_> {
        match self {
            Decoded::Batch(p) => Child::Batch(p),
            Decoded::Range(p) => Child::Range(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkr_aggregator::plan;

    #[test]
    fn witness_round_trips_and_rejects_truncation_and_trailing_bytes() {
        let step = plan(1, 6)[3];
        let w = AggregateWitness {
            step,
            left: ChildProof {
                part: step.left,
                proof: vec![1, 2, 3],
            },
            right: step.right.map(|part| ChildProof {
                part,
                proof: vec![4; 40],
            }),
        };
        let bytes = w.to_bytes();
        assert_eq!(
            AggregateWitness::from_bytes(&bytes).expect("decodes"),
            w,
            "round trip"
        );
        assert!(
            AggregateWitness::from_bytes(&bytes[..bytes.len() - 1]).is_err(),
            "a truncated witness is refused"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            AggregateWitness::from_bytes(&longer).is_err(),
            "trailing bytes are refused"
        );
        // A length prefix far beyond the input is refused, not allocated.
        let mut huge = bytes;
        let at = huge.len() - 40 - 8;
        huge[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(AggregateWitness::from_bytes(&huge).is_err());
    }
}
