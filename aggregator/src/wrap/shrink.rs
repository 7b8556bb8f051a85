//! The shrink step: a plonky2 circuit that verifies a final range proof and is
//! itself proven under [`PoseidonBn254GoldilocksConfig`], so that the R1CS
//! wrap verifies it with BN254-native hashing.
//!
//! It pins the aggregation circuit's verifier data as constants: the range
//! proof is verified against it, and the verifier data the range proof carries
//! in its public inputs (for its own children) must equal it too. Its public
//! inputs are the range's 16 public values, unchanged.
//!
//! # FRI parameters and security
//! plonky2's conjectured soundness gives `rate_bits` bits per query plus the
//! grinding bits: `security = rate_bits · queries + pow_bits`. The shrink uses
//! [`SHRINK_FRI`], chosen to minimise the R1CS verifier's cost (dominated by
//! per-query Merkle paths and leaf range checks) at no less than 100 bits.

use plonky2::fri::reduction_strategies::FriReductionStrategy;
use plonky2::fri::FriConfig;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};
use thiserror::Error;
use zkr_circuits::batch::{BatchPublicValues, C, D, NUM_PUBLIC_INPUTS};
use zkr_circuits::recursion::prove_catching_panics;
use zkr_circuits::state::F;

use super::config::PoseidonBn254GoldilocksConfig;
use crate::circuit::AggregationCircuit;
use crate::proof::RangeProof;

/// The shrink proof's config.
pub type ShrinkConfig = PoseidonBn254GoldilocksConfig;
/// A shrink proof with its public inputs.
pub type ShrinkProof = ProofWithPublicInputs<F, ShrinkConfig, D>;

/// The shrink circuit's FRI parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShrinkFri {
    /// log2 of the blowup factor.
    pub rate_bits: usize,
    /// FRI queries.
    pub queries: usize,
    /// Proof-of-work (grinding) bits.
    pub pow_bits: u32,
    /// log2 of each FRI folding's arity.
    pub arity_bits: usize,
    /// log2 of the final polynomial's length bound.
    pub final_poly_bits: usize,
}

impl ShrinkFri {
    /// Conjectured security in bits: `rate_bits · queries + pow_bits`.
    pub fn security_bits(&self) -> usize {
        self.rate_bits * self.queries + self.pow_bits as usize
    }
}

/// The parameters the wrap uses.
pub const SHRINK_FRI: ShrinkFri = ShrinkFri {
    rate_bits: 3,
    queries: 28,
    pow_bits: 16,
    arity_bits: 3,
    final_poly_bits: 3,
};

/// Failures of the shrink step.
#[derive(Debug, Error)]
pub enum ShrinkError {
    /// The range proof does not verify against the pinned aggregation circuit.
    #[error("range proof rejected before shrinking: {0}")]
    BadRange(String),
    /// The witness does not satisfy the shrink circuit.
    #[error("shrink witness does not satisfy the circuit: {0}")]
    Unsatisfied(String),
    /// A shrink proof does not verify.
    #[error("shrink proof rejected: {0}")]
    Invalid(String),
    /// Shrink proof bytes do not decode.
    #[error("shrink proof bytes malformed: {0}")]
    Malformed(String),
}

/// The circuit config of the shrink: plonky2's recursion config with
/// [`SHRINK_FRI`] and a Merkle cap of one digest.
pub fn shrink_config(fri: ShrinkFri) -> CircuitConfig {
    let mut config = CircuitConfig::standard_recursion_config();
    config.security_bits = fri.security_bits();
    config.fri_config = FriConfig {
        rate_bits: fri.rate_bits,
        cap_height: 0,
        proof_of_work_bits: fri.pow_bits,
        reduction_strategy: FriReductionStrategy::ConstantArityBits(
            fri.arity_bits,
            fri.final_poly_bits,
        ),
        num_query_rounds: fri.queries,
    };
    config
}

/// The shrink circuit for one aggregation circuit.
#[derive(Debug)]
pub struct ShrinkCircuit {
    data: CircuitData<F, ShrinkConfig, D>,
    range: ProofWithPublicInputsTarget<D>,
}

impl ShrinkCircuit {
    /// Builds the shrink of `aggregation`'s proofs with [`SHRINK_FRI`].
    pub fn build(aggregation: &AggregationCircuit) -> Self {
        Self::build_with(aggregation, SHRINK_FRI)
    }

    /// Builds the shrink with other FRI parameters (for cost comparisons).
    pub fn build_with(aggregation: &AggregationCircuit, fri: ShrinkFri) -> Self {
        let inner = aggregation.data();
        let mut b = CircuitBuilder::<F, D>::new(shrink_config(fri));
        let range = b.add_virtual_proof_with_pis(&inner.common);
        let vd = b.constant_verifier_data(&inner.verifier_only);
        b.verify_proof::<C>(&range, &vd, &inner.common);
        // The verifier data the range proof carries for its children: digest, then cap.
        let carried = &range.public_inputs[NUM_PUBLIC_INPUTS..];
        let pinned = vd.circuit_digest.elements.iter().chain(
            vd.constants_sigmas_cap
                .0
                .iter()
                .flat_map(|h| h.elements.iter()),
        );
        assert_eq!(
            carried.len(),
            4 + 4 * vd.constants_sigmas_cap.0.len(),
            "range proofs carry the aggregation circuit's verifier data"
        );
        for (&c, &p) in carried.iter().zip(pinned) {
            b.connect(c, p);
        }
        b.register_public_inputs(&range.public_inputs[..NUM_PUBLIC_INPUTS]);
        let data = b.build::<ShrinkConfig>();
        Self { data, range }
    }

    /// The circuit data.
    pub fn data(&self) -> &CircuitData<F, ShrinkConfig, D> {
        &self.data
    }

    /// log2 of the number of rows.
    pub fn degree_bits(&self) -> usize {
        self.data.common.degree_bits()
    }

    /// Proves the shrink of a range proof (which is checked natively first).
    pub fn prove(
        &self,
        aggregation: &AggregationCircuit,
        range: &RangeProof,
    ) -> Result<ShrinkProof, ShrinkError> {
        aggregation
            .verify(range)
            .map_err(|e| ShrinkError::BadRange(e.to_string()))?;
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target::<C, D>(&self.range, range.inner())
            .map_err(|e| ShrinkError::Unsatisfied(e.to_string()))?;
        let proof = prove_catching_panics(&self.data, pw).map_err(ShrinkError::Unsatisfied)?;
        self.verify(&proof)
            .map_err(|e| ShrinkError::Unsatisfied(e.to_string()))?;
        Ok(proof)
    }

    /// Verifies a shrink proof with plonky2's native verifier.
    pub fn verify(&self, proof: &ShrinkProof) -> Result<(), ShrinkError> {
        self.data
            .verify(proof.clone())
            .map_err(|e| ShrinkError::Invalid(e.to_string()))
    }

    /// The range's public values a shrink proof states.
    pub fn public_values(proof: &ShrinkProof) -> Result<BatchPublicValues, ShrinkError> {
        BatchPublicValues::from_public_inputs(&proof.public_inputs)
            .map_err(|e| ShrinkError::Malformed(e.to_string()))
    }

    /// Serializes a shrink proof.
    pub fn proof_to_bytes(proof: &ShrinkProof) -> Vec<u8> {
        proof.to_bytes()
    }

    /// Deserializes a shrink proof of this circuit.
    pub fn proof_from_bytes(&self, bytes: &[u8]) -> Result<ShrinkProof, ShrinkError> {
        ShrinkProof::from_bytes(bytes.to_vec(), &self.data.common)
            .map_err(|e| ShrinkError::Malformed(e.to_string()))
    }
}
