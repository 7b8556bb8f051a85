//! Batch proofs and their public values.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::proof::ProofWithPublicInputs;

use super::{BatchCircuit, CircuitError, C, D, NUM_PUBLIC_INPUTS};
use crate::state::{Digest, F};

/// A proof of one batch.
#[derive(Clone, Debug)]
pub struct BatchProof {
    pub(crate) proof: ProofWithPublicInputs<F, C, D>,
}

/// What a batch proof states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchPublicValues {
    /// State root before the batch.
    pub old_root: Digest,
    /// State root after the batch.
    pub new_root: Digest,
    /// SHA-256 of the batch's pubdata.
    pub commitment: [u8; 32],
}

impl BatchPublicValues {
    /// Decodes the 16 public values that start the public inputs (a proof in a
    /// recursion shape has more after them).
    pub fn from_public_inputs(pi: &[F]) -> Result<Self, CircuitError> {
        if pi.len() < NUM_PUBLIC_INPUTS {
            return Err(CircuitError::Malformed(format!(
                "{} public inputs, expected at least {NUM_PUBLIC_INPUTS}",
                pi.len()
            )));
        }
        let mut commitment = [0u8; 32];
        for (i, w) in pi[8..16].iter().enumerate() {
            let v = w.to_canonical_u64();
            let v = u32::try_from(v).map_err(|_| {
                CircuitError::Malformed(format!("commitment word {i} = {v} exceeds 32 bits"))
            })?;
            commitment[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
        }
        Ok(Self {
            old_root: HashOut::from_partial(&pi[0..4]),
            new_root: HashOut::from_partial(&pi[4..8]),
            commitment,
        })
    }

    /// The 16 public inputs.
    pub fn to_public_inputs(&self) -> Vec<F> {
        let mut out = Vec::with_capacity(NUM_PUBLIC_INPUTS);
        out.extend_from_slice(&self.old_root.elements);
        out.extend_from_slice(&self.new_root.elements);
        for c in self.commitment.chunks(4) {
            let w = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            out.push(F::from_canonical_u32(w));
        }
        out
    }
}

/// Decodes a plonky2 proof of the circuit `common` from its canonical
/// encoding only: plonky2's decoder takes a field element's 8 bytes as they
/// come, so a value at or past the field's order would decode (one proof,
/// several byte strings). The error is the reason, for the caller's type.
pub fn decode_canonical(
    bytes: &[u8],
    common: &CommonCircuitData<F, D>,
) -> Result<ProofWithPublicInputs<F, C, D>, String> {
    let proof =
        ProofWithPublicInputs::from_bytes(bytes.to_vec(), common).map_err(|e| e.to_string())?;
    if proof.to_bytes() != bytes {
        return Err(
            "not the canonical encoding of a proof (a field element at or past the field's order)"
                .into(),
        );
    }
    Ok(proof)
}

impl BatchProof {
    /// The proven public values.
    pub fn public_values(&self) -> Result<BatchPublicValues, CircuitError> {
        BatchPublicValues::from_public_inputs(&self.proof.public_inputs)
    }

    /// Serialized proof (plonky2's encoding, public inputs included).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.proof.to_bytes()
    }

    /// Decodes a proof of `circuit` from its canonical encoding ([`decode_canonical`]).
    pub fn from_bytes(bytes: &[u8], circuit: &BatchCircuit) -> Result<Self, CircuitError> {
        let proof =
            decode_canonical(bytes, &circuit.data().common).map_err(CircuitError::Malformed)?;
        Ok(Self { proof })
    }

    /// The inner plonky2 proof (for recursion).
    pub fn inner(&self) -> &ProofWithPublicInputs<F, C, D> {
        &self.proof
    }

    /// Wraps a plonky2 proof (checked only when verified).
    pub fn from_inner(proof: ProofWithPublicInputs<F, C, D>) -> Self {
        Self { proof }
    }
}
