//! The plonky2 batch circuit: proves that a batch moves the state root from
//! `old_root` to `new_root` under the rollup's rules and that `commitment` is the
//! SHA-256 of its pubdata.
//!
//! Public inputs (16 field elements): `old_root[4] || new_root[4] || commitment[8]`,
//! the commitment as eight big-endian 32-bit words. Built in a recursion shape
//! ([`BatchCircuit::build_in_shape`]), zeros follow up to the shape's count.
//! A circuit larger than the shape keeps its natural size and its proof is
//! brought into the shape by one [`LeafStep`] ([`BatchCircuit::with_leaf`]):
//! batch size is then free of the recursion shape.

mod lane;
mod proof;
mod slot;

pub use proof::{decode_canonical, BatchProof, BatchPublicValues};

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, CommonCircuitData};
use plonky2::plonk::config::PoseidonGoldilocksConfig;

use crate::executor::FEE_SLOTS;
use crate::gadgets::nonzero::NonZeroIf;
use crate::gadgets::sha256::{digest_words, digest_words_native, sha256_circuit};
use crate::gadgets::uint128::{limbs_of, SumEq, U128Target};
use crate::ops::signing::ChainId;
use crate::recursion::{pad_to_shape, prove_catching_panics, LeafStep};
use crate::state::{BALANCE_TREE_DEPTH, F};
use crate::witness::BatchWitness;
use lane::LaneTargets;
use slot::SlotTargets;

/// plonky2 configuration of every batch proof.
pub type C = PoseidonGoldilocksConfig;
/// Extension degree.
pub const D: usize = 2;
/// Number of public values (the circuit's first public inputs).
pub const NUM_PUBLIC_INPUTS: usize = 16;

/// Why proving or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum CircuitError {
    /// The witness was built for another capacity.
    #[error("witness has {got} slots, circuit capacity is {expected}")]
    Capacity {
        /// Circuit capacity.
        expected: usize,
        /// Witness slots.
        got: usize,
    },
    /// The witness breaks a constraint: the batch is invalid.
    #[error("witness does not satisfy the batch circuit: {0}")]
    Unsatisfied(String),
    /// The proof does not verify.
    #[error("batch proof rejected: {0}")]
    Invalid(String),
    /// Proof bytes do not decode.
    #[error("batch proof bytes malformed: {0}")]
    Malformed(String),
}

struct FeeCreditTargets {
    token: Target,
    lane: LaneTargets,
    sum: SumEq,
}

struct BatchTargets {
    old_root: HashOutTarget,
    operator: Target,
    slots: Vec<SlotTargets>,
    fees: Vec<FeeCreditTargets>,
    new_root: HashOutTarget,
    commitment: [Target; 8],
    operator_exists: NonZeroIf,
}

/// A built batch circuit of a fixed capacity (pubdata chunks).
pub struct BatchCircuit {
    capacity: usize,
    chain_id: ChainId,
    num_gates: usize,
    data: CircuitData<F, C, D>,
    targets: BatchTargets,
    leaf: Option<LeafStep>,
}

impl std::fmt::Debug for BatchCircuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchCircuit")
            .field("capacity", &self.capacity)
            .field("chain_id", &self.chain_id)
            .field("degree_bits", &self.degree_bits())
            .field("num_gates", &self.num_gates)
            .field("leaf", &self.leaf)
            .finish()
    }
}

fn be_bits(b: &mut CircuitBuilder<F, D>, word: Target) -> Vec<BoolTarget> {
    let mut bits = b.split_le(word, 32);
    bits.reverse();
    bits
}

impl BatchCircuit {
    /// Builds the circuit for `capacity` chunk slots and the rollup chain `chain_id` (which
    /// signatures are bound to), at its natural size.
    pub fn build(capacity: usize, chain_id: ChainId) -> Self {
        Self::build_inner(capacity, chain_id, None, true)
    }

    /// The shape (common data) of the circuit [`BatchCircuit::build`] makes,
    /// without the commitment to its constants and permutation that proving
    /// and verifying need: the costliest part of a build, and what sizing a
    /// recursion shape does not.
    pub fn shape(capacity: usize, chain_id: ChainId) -> CommonCircuitData<F, D> {
        Self::build_inner(capacity, chain_id, None, false)
            .data
            .common
    }

    /// Builds the circuit for `capacity` chunk slots padded to a recursion
    /// `shape` (the public inputs past the 16 values are zero): the form an
    /// aggregation circuit verifies.
    pub fn build_in_shape(
        capacity: usize,
        chain_id: ChainId,
        shape: &CommonCircuitData<F, D>,
    ) -> Self {
        Self::build_inner(capacity, chain_id, Some(shape), true)
    }

    /// `commit` false leaves the constants and permutation uncommitted: data
    /// that only [`BatchCircuit::shape`] may read.
    fn build_inner(
        capacity: usize,
        chain_id: ChainId,
        shape: Option<&CommonCircuitData<F, D>>,
        commit: bool,
    ) -> Self {
        assert!(capacity >= 3, "capacity must hold a deposit (3 chunks)");
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let old_root = b.add_virtual_hash();
        let operator = b.add_virtual_target();
        let op_bits_le = b.split_le(operator, 32);
        let fee_tokens: [Target; FEE_SLOTS] = std::array::from_fn(|_| b.add_virtual_target());

        let mut root = old_root;
        let mut slots: Vec<SlotTargets> = Vec::with_capacity(capacity);
        for _ in 0..capacity {
            let (slot, next) = SlotTargets::build(&mut b, root, &fee_tokens, chain_id);
            slots.push(slot);
            root = next;
        }

        // Chunk i is slot i's own chunk, or a continuation of the operation that
        // started one or two slots before: exactly one source (or none: a no-op).
        let mut message: Vec<BoolTarget> = op_bits_le.iter().rev().copied().collect();
        let zero = b.zero();
        for i in 0..capacity {
            let mut sources = vec![slots[i].active];
            let mut words = slots[i].own_words;
            if i >= 1 {
                let p = &slots[i - 1];
                sources.push(p.is_dep.target);
                sources.push(p.is_wd.target);
                for (w, n) in words.iter_mut().zip(p.next_words) {
                    *w = b.add(*w, n);
                }
            }
            if i >= 2 {
                let p = &slots[i - 2];
                sources.push(p.is_dep.target);
                for (w, n) in words.iter_mut().zip(p.next2_words) {
                    *w = b.add(*w, n);
                }
            }
            let s = b.add_many(sources);
            let s_minus_one = b.add_const(s, -F::ONE);
            let t = b.mul(s, s_minus_one);
            b.assert_zero(t);
            for w in words {
                message.extend(be_bits(&mut b, w));
            }
        }
        // Operations must end inside the batch.
        b.connect(slots[capacity - 1].is_dep.target, zero);
        b.connect(slots[capacity - 1].is_wd.target, zero);
        b.connect(slots[capacity - 2].is_dep.target, zero);

        // Fees: summed per slot token (limbs unnormalised), credited at the end.
        let fee_totals: Vec<U128Target> = (0..FEE_SLOTS)
            .map(|s| {
                std::array::from_fn(|i| {
                    let mut acc = zero;
                    for slot in &slots {
                        acc = b.mul_add(slot.fee_sel_target(s), slot.fee[i], acc);
                    }
                    acc
                })
            })
            .collect();
        let one = b.one();
        // Limb sums reach capacity * 2^32: carries need log2(capacity) + 3 bits.
        let carry_bits = (usize::BITS - (capacity + 2).leading_zeros()) as usize + 2;
        let mut fees = Vec::with_capacity(FEE_SLOTS);
        let mut operator_exists = None;
        for (s, &token) in fee_tokens.iter().enumerate() {
            let token_bits = b.split_le(token, BALANCE_TREE_DEPTH);
            let lane = LaneTargets::new(&mut b);
            if s == 0 {
                operator_exists = Some(NonZeroIf::build(&mut b, &lane.pk_before, one));
            }
            let sum = SumEq::build(
                &mut b,
                &[lane.bal_before, fee_totals[s]],
                &[lane.bal_after],
                carry_bits,
            );
            let pk = lane.pk_before;
            root = lane.apply(
                &mut b,
                root,
                one,
                &op_bits_le,
                &token_bits,
                &pk,
                lane.nonce_before,
            );
            fees.push(FeeCreditTargets { token, lane, sum });
        }
        let operator_exists = operator_exists.expect("FEE_SLOTS > 0");

        // The claimed new root and commitment are inputs, tied to what the circuit
        // computes: a wrong claim cannot be proven.
        let digest = sha256_circuit(&mut b, &message);
        let computed_commitment = digest_words(&mut b, &digest);
        let new_root = b.add_virtual_hash();
        b.connect_hashes(root, new_root);
        let commitment: [Target; 8] = std::array::from_fn(|_| b.add_virtual_target());
        for (c, d) in commitment.iter().zip(computed_commitment) {
            b.connect(*c, d);
        }
        b.register_public_inputs(&old_root.elements);
        b.register_public_inputs(&new_root.elements);
        b.register_public_inputs(&commitment);

        let num_gates = b.num_gates();
        if let Some(shape) = shape {
            pad_to_shape(&mut b, shape);
        }
        let data = b.build_with_options::<C>(commit);
        Self {
            capacity,
            chain_id,
            num_gates,
            data,
            targets: BatchTargets {
                old_root,
                operator,
                slots,
                fees,
                new_root,
                commitment,
                operator_exists,
            },
            leaf: None,
        }
    }

    /// Chunk slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The rollup chain id signatures are checked for.
    pub fn chain_id(&self) -> ChainId {
        self.chain_id
    }

    /// log2 of the padded row count of the rules circuit (the leaf step's are its own).
    pub fn degree_bits(&self) -> usize {
        self.data.common.degree_bits()
    }

    /// Rows of the rules circuit before padding to a power of two.
    pub fn num_gates(&self) -> usize {
        self.num_gates
    }

    /// The circuit data of the proofs [`Self::prove`] makes (the leaf step's,
    /// when there is one): for recursion, their verifier and common data.
    pub fn data(&self) -> &CircuitData<F, C, D> {
        self.leaf.as_ref().map_or(&self.data, LeafStep::data)
    }

    /// The leaf step that brings this circuit's proofs into a recursion shape, if any.
    pub fn leaf(&self) -> Option<&LeafStep> {
        self.leaf.as_ref()
    }

    /// This circuit (at its natural size) with `leaf`, built over it, as the
    /// last step of every proof.
    ///
    /// # Panics
    /// If this circuit already has a leaf step (a construction bug).
    pub fn with_leaf(mut self, leaf: LeafStep) -> Self {
        assert!(self.leaf.is_none(), "a batch circuit takes one leaf step");
        self.leaf = Some(leaf);
        self
    }

    /// The rules circuit's data, whatever step follows it (what a leaf step is built over).
    pub fn rules_data(&self) -> &CircuitData<F, C, D> {
        &self.data
    }

    fn assign(&self, w: &BatchWitness) -> anyhow::Result<PartialWitness<F>> {
        let t = &self.targets;
        let mut pw = PartialWitness::new();
        pw.set_hash_target(t.old_root, w.old_root)?;
        pw.set_target(t.operator, F::from_canonical_u32(w.operator))?;
        for (st, sw) in t.slots.iter().zip(&w.slots) {
            st.assign(&mut pw, sw)?;
        }
        for (s, (ft, fw)) in t.fees.iter().zip(&w.fees).enumerate() {
            pw.set_target(ft.token, F::from_canonical_u16(fw.token))?;
            ft.lane.assign(&mut pw, &fw.lane)?;
            // Unnormalised per-limb sums of the fees, as the circuit adds them.
            let mut totals = [0u64; 4];
            for sw in w.slots.iter().filter(|sw| sw.fee_slot == s) {
                for (acc, l) in totals.iter_mut().zip(limbs_of(sw.fee)) {
                    *acc += l;
                }
            }
            ft.sum.assign(
                &mut pw,
                &[limbs_of(fw.lane.balance_before), totals],
                &[limbs_of(fw.lane.balance_after)],
            )?;
            if s == 0 {
                t.operator_exists
                    .assign(&mut pw, &fw.lane.before.pubkey.elements(), true)?;
            }
        }
        pw.set_hash_target(t.new_root, w.new_root)?;
        for (c, v) in t.commitment.iter().zip(digest_words_native(&w.commitment)) {
            pw.set_target(*c, F::from_canonical_u32(v))?;
        }
        Ok(pw)
    }

    /// Proves a batch; fails if the witness breaks any rule of the circuit.
    pub fn prove(&self, witness: &BatchWitness) -> Result<BatchProof, CircuitError> {
        if witness.slots.len() != self.capacity {
            return Err(CircuitError::Capacity {
                expected: self.capacity,
                got: witness.slots.len(),
            });
        }
        let pw = self
            .assign(witness)
            .map_err(|e| CircuitError::Unsatisfied(e.to_string()))?;
        let proof = prove_catching_panics(&self.data, pw).map_err(CircuitError::Unsatisfied)?;
        let proof = match &self.leaf {
            None => proof,
            Some(leaf) => {
                // Checked here, where the error names the batch, not the leaf step.
                self.data
                    .verify(proof.clone())
                    .map_err(|e| CircuitError::Unsatisfied(e.to_string()))?;
                leaf.prove(&proof).map_err(CircuitError::Unsatisfied)?
            }
        };
        let proof = BatchProof { proof };
        self.verify(&proof)
            .map_err(|e| CircuitError::Unsatisfied(e.to_string()))?;
        Ok(proof)
    }

    /// Verifies a batch proof of this circuit (through its leaf step, if any).
    pub fn verify(&self, proof: &BatchProof) -> Result<(), CircuitError> {
        self.data()
            .verify(proof.proof.clone())
            .map_err(|e| CircuitError::Invalid(e.to_string()))
    }
}
