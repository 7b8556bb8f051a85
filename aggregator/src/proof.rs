//! Range proofs: proofs of the aggregation circuit.

use plonky2::plonk::proof::ProofWithPublicInputs;
use zkr_circuits::batch::{BatchPublicValues, C, D};
use zkr_circuits::state::F;

use crate::circuit::{AggregationCircuit, AggregationError};

/// A proof that a contiguous range of batches moves the state from `old_root`
/// to `new_root`, with the range commitment of their pubdata.
#[derive(Clone, Debug)]
pub struct RangeProof {
    proof: ProofWithPublicInputs<F, C, D>,
}

impl RangeProof {
    /// Wraps a plonky2 proof (checked only when verified).
    pub fn from_inner(proof: ProofWithPublicInputs<F, C, D>) -> Self {
        Self { proof }
    }

    /// The proven public values (`commitment` is the range commitment).
    pub fn public_values(&self) -> Result<BatchPublicValues, AggregationError> {
        BatchPublicValues::from_public_inputs(&self.proof.public_inputs)
            .map_err(|e| AggregationError::Malformed(e.to_string()))
    }

    /// Serialized proof (plonky2's encoding, public inputs included).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.proof.to_bytes()
    }

    /// Decodes a proof of `circuit` (not verified) from its canonical encoding
    /// ([`zkr_circuits::batch::decode_canonical`]).
    pub fn from_bytes(
        bytes: &[u8],
        circuit: &AggregationCircuit,
    ) -> Result<Self, AggregationError> {
        zkr_circuits::batch::decode_canonical(bytes, &circuit.data().common)
            .map(Self::from_inner)
            .map_err(AggregationError::Malformed)
    }

    /// The inner plonky2 proof (for recursion).
    pub fn inner(&self) -> &ProofWithPublicInputs<F, C, D> {
        &self.proof
    }

    /// Mutable access to the inner proof, for tests that tamper with it.
    pub fn inner_mut(&mut self) -> &mut ProofWithPublicInputs<F, C, D> {
        &mut self.proof
    }
}
