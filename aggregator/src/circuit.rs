//! The 2-to-1 aggregation circuit.
//!
//! Public inputs (84): `old_root[4] || new_root[4] || commitment[8]` (as in the
//! batch circuit), then this circuit's own verifier data (`circuit_digest[4]`,
//! `constants_sigmas_cap[64]`) so that a child proof of this same circuit can be
//! checked against it: plonky2's cyclic-recursion pattern. A verifier must
//! check that trailing verifier data against the real one ([`AggregationCircuit::verify`]).
//!
//! Each child is a batch proof, verified with the batch circuit's verifier data
//! built in as constants (its trailing public inputs must be zero), or a proof
//! of this circuit, verified with the verifier data in this proof's public
//! inputs (its trailing public inputs must equal them). Both have one shape
//! ([`crate::shape`]). The children must chain (`left.new_root == right.old_root`);
//! the commitment is `SHA-256(left.commitment || right.commitment)` computed
//! here. With the `single` flag the right child is verified but ignored and the
//! public values are the left child's: the range proof of one batch.

use plonky2::field::types::Field as _;
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::merkle_tree::MerkleCap;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{
    CircuitData, CommonCircuitData, VerifierCircuitTarget, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};
use plonky2::recursion::cyclic_recursion::check_cyclic_proof_verifier_data;
use zkr_circuits::batch::{BatchCircuit, BatchProof, BatchPublicValues, C, D, NUM_PUBLIC_INPUTS};
use zkr_circuits::gadgets::sha256::{digest_words, sha256_circuit};
use zkr_circuits::recursion::{pad_to_shape, prove_catching_panics};
use zkr_circuits::state::F;

use crate::proof::RangeProof;

/// Why aggregating or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum AggregationError {
    /// The children do not chain.
    #[error("children do not chain: left ends at root {left_new}, right starts at {right_old}")]
    NotChained {
        /// The left child's new root.
        left_new: String,
        /// The right child's old root.
        right_old: String,
    },
    /// A child proof does not verify against its circuit.
    #[error("{side} child rejected: {reason}")]
    BadChild {
        /// "left" or "right".
        side: &'static str,
        /// Why.
        reason: String,
    },
    /// The witness breaks the aggregation circuit.
    #[error("aggregation witness does not satisfy the circuit: {0}")]
    Unsatisfied(String),
    /// A range proof does not verify.
    #[error("range proof rejected: {0}")]
    Invalid(String),
    /// Proof bytes do not decode.
    #[error("range proof bytes malformed: {0}")]
    Malformed(String),
    /// A range must hold at least one batch.
    #[error("a range holds at least one batch, got none")]
    EmptyRange,
    /// The batch and aggregation circuits did not settle on one shape.
    #[error("recursion shape did not converge: {0}")]
    Shape(String),
}

/// A child of an aggregation step.
#[derive(Clone, Copy, Debug)]
pub enum Child<'a> {
    /// A proof of one batch.
    Batch(&'a BatchProof),
    /// A proof of a range (this circuit).
    Range(&'a RangeProof),
}

impl Child<'_> {
    fn inner(&self) -> &ProofWithPublicInputs<F, C, D> {
        match self {
            Child::Batch(p) => p.inner(),
            Child::Range(p) => p.inner(),
        }
    }

    fn is_range(&self) -> bool {
        matches!(self, Child::Range(_))
    }

    /// The child's public values.
    pub fn public_values(&self) -> Result<BatchPublicValues, AggregationError> {
        BatchPublicValues::from_public_inputs(&self.inner().public_inputs)
            .map_err(|e| AggregationError::Malformed(e.to_string()))
    }
}

/// Whether [`AggregationCircuit::prove_with`] checks its children natively first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Verify the children and their chaining before proving (clear errors).
    Native,
    /// Hand the children to the circuit unchecked: for tests that show the
    /// circuit itself rejects what the native checks would.
    SkipForTesting,
}

struct ChildTargets {
    proof: ProofWithPublicInputsTarget<D>,
    is_range: BoolTarget,
}

/// The built aggregation circuit.
pub struct AggregationCircuit {
    data: CircuitData<F, C, D>,
    left: ChildTargets,
    right: ChildTargets,
    single: BoolTarget,
    own_verifier: VerifierCircuitTarget,
    num_gates: usize,
}

impl std::fmt::Debug for AggregationCircuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregationCircuit")
            .field("degree_bits", &self.degree_bits())
            .field("num_gates", &self.num_gates)
            .finish()
    }
}

/// Verifier data flattened in public-input order: digest, then cap.
fn verifier_targets(vd: &VerifierCircuitTarget) -> Vec<Target> {
    let mut out = vd.circuit_digest.elements.to_vec();
    for h in &vd.constants_sigmas_cap.0 {
        out.extend_from_slice(&h.elements);
    }
    out
}

/// The 32 big-endian bits of each of `words`, most significant first.
fn words_to_bits(b: &mut CircuitBuilder<F, D>, words: &[Target]) -> Vec<BoolTarget> {
    let mut bits = Vec::with_capacity(32 * words.len());
    for &w in words {
        let mut le = b.split_le(w, 32);
        le.reverse();
        bits.extend(le);
    }
    bits
}

impl AggregationCircuit {
    /// Builds the circuit verifying children of `shape`, batch children against
    /// `batch_verifier`, padded to `shape`.
    pub(crate) fn build(
        shape: &CommonCircuitData<F, D>,
        batch_verifier: &VerifierOnlyCircuitData<C, D>,
    ) -> Self {
        Self::build_inner(shape, batch_verifier, true)
    }

    /// The shape (common data) of the circuit [`AggregationCircuit::build`]
    /// makes over children of `shape`, without committing to its constants
    /// and permutation (the costliest part of a build): a stand-in of the
    /// same size replaces the batch circuit's verifier data, which only the
    /// constants' values depend on.
    pub(crate) fn shape_over(shape: &CommonCircuitData<F, D>) -> CommonCircuitData<F, D> {
        let cap = (0..1u64 << shape.config.fri_config.cap_height)
            .map(|i| HashOut {
                elements: core::array::from_fn(|j| F::from_canonical_u64(4 * i + j as u64 + 1)),
            })
            .collect();
        let stand_in = VerifierOnlyCircuitData::<C, D> {
            constants_sigmas_cap: MerkleCap(cap),
            circuit_digest: HashOut {
                elements: core::array::from_fn(|j| F::from_canonical_u64(u64::MAX / 2 - j as u64)),
            },
        };
        Self::build_inner(shape, &stand_in, false).data.common
    }

    /// `commit` false leaves the constants and permutation uncommitted: data
    /// that only [`AggregationCircuit::shape_over`] may read.
    fn build_inner(
        shape: &CommonCircuitData<F, D>,
        batch_verifier: &VerifierOnlyCircuitData<C, D>,
        commit: bool,
    ) -> Self {
        let mut b = CircuitBuilder::<F, D>::new(shape.config.clone());
        let child = |b: &mut CircuitBuilder<F, D>| ChildTargets {
            proof: b.add_virtual_proof_with_pis(shape),
            is_range: b.add_virtual_bool_target_safe(),
        };
        let left = child(&mut b);
        let right = child(&mut b);
        let single = b.add_virtual_bool_target_safe();

        let l = left.proof.public_inputs[..NUM_PUBLIC_INPUTS].to_vec();
        let r = right.proof.public_inputs[..NUM_PUBLIC_INPUTS].to_vec();

        // Chaining, unless single: select(single, r_old, l_new) == r_old.
        for i in 0..4 {
            let lhs = b.select(single, r[i], l[4 + i]);
            b.connect(lhs, r[i]);
        }
        let new_root: Vec<Target> = (0..4)
            .map(|i| b.select(single, l[4 + i], r[4 + i]))
            .collect();

        // SHA-256(left.commitment || right.commitment); splitting the words also
        // range-checks them to 32 bits.
        let message = words_to_bits(&mut b, &[&l[8..16], &r[8..16]].concat());
        let digest = sha256_circuit(&mut b, &message);
        let node = digest_words(&mut b, &digest);
        let commitment: Vec<Target> = (0..8)
            .map(|i| b.select(single, l[8 + i], node[i]))
            .collect();

        b.register_public_inputs(&l[0..4]);
        b.register_public_inputs(&new_root);
        b.register_public_inputs(&commitment);
        // Must be the last public inputs registered.
        let own_verifier = b.add_verifier_data_public_inputs();
        let own_flat = verifier_targets(&own_verifier);
        let batch_vd = b.constant_verifier_data::<C>(batch_verifier);

        for c in [&left, &right] {
            // A range child carries this circuit's verifier data; a batch child zeros.
            for (&got, &own) in c.proof.public_inputs[NUM_PUBLIC_INPUTS..]
                .iter()
                .zip(&own_flat)
            {
                let want = b.mul(c.is_range.target, own);
                b.connect(got, want);
            }
            let vd = b.select_verifier_data(c.is_range, &own_verifier, &batch_vd);
            b.verify_proof::<C>(&c.proof, &vd, shape);
        }

        let num_gates = b.num_gates();
        pad_to_shape(&mut b, shape);
        let data = b.build_with_options::<C>(commit);
        Self {
            data,
            left,
            right,
            single,
            own_verifier,
            num_gates,
        }
    }

    /// The circuit data.
    pub fn data(&self) -> &CircuitData<F, C, D> {
        &self.data
    }

    /// log2 of the padded row count.
    pub fn degree_bits(&self) -> usize {
        self.data.common.degree_bits()
    }

    /// Rows used before padding to the shape.
    pub fn num_gates(&self) -> usize {
        self.num_gates
    }

    /// Proves the range covered by `left` and `right` (or `left` alone), checking
    /// the children natively first.
    pub fn prove(
        &self,
        batch: &BatchCircuit,
        left: Child<'_>,
        right: Option<Child<'_>>,
    ) -> Result<RangeProof, AggregationError> {
        self.prove_with(batch, left, right, Checks::Native)
    }

    /// [`Self::prove`], with the native checks optional.
    pub fn prove_with(
        &self,
        batch: &BatchCircuit,
        left: Child<'_>,
        right: Option<Child<'_>>,
        checks: Checks,
    ) -> Result<RangeProof, AggregationError> {
        if checks == Checks::Native {
            self.check_child(batch, "left", left)?;
            if let Some(right) = right {
                self.check_child(batch, "right", right)?;
                let (l, r) = (left.public_values()?, right.public_values()?);
                if l.new_root != r.old_root {
                    return Err(AggregationError::NotChained {
                        left_new: format!("{:?}", l.new_root.elements),
                        right_old: format!("{:?}", r.old_root.elements),
                    });
                }
            }
        }
        let single = right.is_none();
        let right = right.unwrap_or(left);
        let mut pw = PartialWitness::new();
        let set = |pw: &mut PartialWitness<F>, t: &ChildTargets, c: Child<'_>| {
            pw.set_proof_with_pis_target(&t.proof, c.inner())?;
            pw.set_bool_target(t.is_range, c.is_range())
        };
        set(&mut pw, &self.left, left)
            .and_then(|_| set(&mut pw, &self.right, right))
            .and_then(|_| pw.set_bool_target(self.single, single))
            .and_then(|_| pw.set_verifier_data_target(&self.own_verifier, &self.data.verifier_only))
            .map_err(|e| AggregationError::Unsatisfied(e.to_string()))?;
        let proof =
            prove_catching_panics(self.data(), pw).map_err(AggregationError::Unsatisfied)?;
        let proof = RangeProof::from_inner(proof);
        self.verify(&proof)
            .map_err(|e| AggregationError::Unsatisfied(e.to_string()))?;
        Ok(proof)
    }

    fn check_child(
        &self,
        batch: &BatchCircuit,
        side: &'static str,
        child: Child<'_>,
    ) -> Result<(), AggregationError> {
        let result = match child {
            Child::Batch(p) => batch.verify(p).map_err(|e| e.to_string()),
            Child::Range(p) => self.verify(p).map_err(|e| e.to_string()),
        };
        result.map_err(|reason| AggregationError::BadChild { side, reason })
    }

    /// Verifies a range proof: the proof itself, and that the verifier data it
    /// carries for its children is this circuit's.
    pub fn verify(&self, proof: &RangeProof) -> Result<(), AggregationError> {
        check_cyclic_proof_verifier_data(
            proof.inner(),
            &self.data.verifier_only,
            &self.data.common,
        )
        .map_err(|e| {
            AggregationError::Invalid(format!(
                "carries other verifier data than this circuit's: {e}"
            ))
        })?;
        self.data
            .verify(proof.inner().clone())
            .map_err(|e| AggregationError::Invalid(e.to_string()))
    }
}
