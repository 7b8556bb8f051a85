//! The whole wrap of one aggregation circuit's range proofs: shrink, then a
//! Groth16 proof of the wrap circuit, and its verification from the range's
//! public values alone (what L1 does).

use std::sync::Arc;
use std::time::Instant;

use ark_bn254::Fr;
use ark_std::rand::{CryptoRng, RngCore};
use zkr_circuits::batch::BatchPublicValues;
use zkr_cuda::{Backend, CpuBackend};

use super::circuit::{WrapCircuit, WrapError};
use super::groth16::{self, Groth16Error, PreparedKey, Proof, ProvingKey, VerifyingKey};
use super::keys::{circuit_id, KeysDir, KeysError, Manifest, Origin};
use super::public_input::public_input_of;
use super::shrink::{ShrinkCircuit, ShrinkError};
use crate::{AggregationCircuit, RangeProof};

/// What wrapping or checking a wrapped proof fails with.
#[derive(Debug, thiserror::Error)]
pub enum WrapperError {
    /// The range proof could not be shrunk.
    #[error(transparent)]
    Shrink(#[from] ShrinkError),
    /// The wrap circuit could not be formed.
    #[error(transparent)]
    Circuit(#[from] WrapError),
    /// Groth16 setup, proving or verification failed.
    #[error(transparent)]
    Groth16(#[from] Groth16Error),
    /// This wrapper holds only the verifying key.
    #[error("no proving key loaded: this wrapper can verify but not prove")]
    NoProvingKey,
    /// The keys directory could not be read or written.
    #[error(transparent)]
    Keys(#[from] KeysError),
}

/// A range's wrapped proof and the statement it proves.
#[derive(Clone, Debug, PartialEq)]
pub struct WrappedProof {
    /// The Groth16 proof.
    pub proof: Proof,
    /// Its one public input, [`public_input_of`] `values`.
    pub public_input: Fr,
    /// The range's public values: old root, new root, commitment.
    pub values: BatchPublicValues,
}

/// The shrink circuit of one aggregation circuit with the wrap's Groth16 keys.
pub struct Wrapper {
    shrink: ShrinkCircuit,
    circuit_id: String,
    pk: Option<ProvingKey>,
    vk: PreparedKey,
    /// Where the Groth16 prover's MSMs and NTTs run.
    backend: Arc<dyn Backend>,
}

impl std::fmt::Debug for Wrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys are large and say nothing to a reader: name the circuit.
        f.debug_struct("Wrapper")
            .field("circuit_id", &self.circuit_id)
            .field("proving_key", &self.pk.is_some())
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

impl Wrapper {
    /// INSECURE: builds the shrink circuit and generates the wrap's Groth16
    /// keys from `rng` (see [`groth16::setup_insecure_dev`]): dev and tests only.
    pub fn setup_insecure_dev<R: RngCore + CryptoRng>(
        aggregation: &AggregationCircuit,
        rng: &mut R,
    ) -> Result<Self, WrapperError> {
        let shrink = ShrinkCircuit::build(aggregation);
        let start = Instant::now();
        let (pk, vk) = groth16::setup_insecure_dev(WrapCircuit::new(&shrink, None)?, rng)?;
        tracing::info!(elapsed = ?start.elapsed(), "wrap keys generated (insecure dev setup)");
        Ok(Self {
            vk: PreparedKey::new(&vk)?,
            pk: Some(pk),
            circuit_id: circuit_id(&shrink),
            shrink,
            backend: Arc::new(CpuBackend),
        })
    }

    /// The wrap of `aggregation` with existing keys (no proving key: verify only).
    pub fn from_keys(
        aggregation: &AggregationCircuit,
        pk: Option<ProvingKey>,
        vk: &VerifyingKey,
    ) -> Result<Self, WrapperError> {
        let shrink = ShrinkCircuit::build(aggregation);
        Ok(Self {
            pk,
            vk: PreparedKey::new(vk)?,
            circuit_id: circuit_id(&shrink),
            shrink,
            backend: Arc::new(CpuBackend),
        })
    }

    /// The wrap of `aggregation` with the keys in `dir`, checked to be for its
    /// shrink circuit; the proving key is read only when `prover` is set.
    pub fn load(
        aggregation: &AggregationCircuit,
        dir: &KeysDir,
        prover: bool,
    ) -> Result<Self, WrapperError> {
        let shrink = ShrinkCircuit::build(aggregation);
        let id = circuit_id(&shrink);
        let vk = dir.verifying_key(&id)?;
        let pk = if prover {
            let start = Instant::now();
            let pk = dir.proving_key(&id)?;
            tracing::info!(elapsed = ?start.elapsed(), dir = %dir.path().display(), "wrap proving key loaded");
            Some(pk)
        } else {
            None
        };
        Ok(Self {
            pk,
            vk: PreparedKey::new(&vk)?,
            circuit_id: id,
            shrink,
            backend: Arc::new(CpuBackend),
        })
    }

    /// This wrapper, proving with `backend` (the CPU backend unless set).
    pub fn with_backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = backend;
        self
    }

    /// The backend the Groth16 prover runs on.
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    /// Writes this wrapper's keys (the proving key too, if held) to `dir`.
    pub fn save(&self, dir: &KeysDir, origin: Origin) -> Result<Manifest, WrapperError> {
        Ok(dir.write(&self.circuit_id, origin, self.pk.as_ref(), self.vk.vk())?)
    }

    /// The identity of the wrap circuit these keys are for ([`circuit_id`]).
    pub fn circuit_id(&self) -> &str {
        &self.circuit_id
    }

    /// The shrink circuit.
    pub fn shrink(&self) -> &ShrinkCircuit {
        &self.shrink
    }

    /// The proving key, if loaded.
    pub fn proving_key(&self) -> Option<&ProvingKey> {
        self.pk.as_ref()
    }

    /// The verifying key (what the L1 verifier is generated from).
    pub fn verifying_key(&self) -> &VerifyingKey {
        self.vk.vk()
    }

    /// Shrinks `range` (checked against `aggregation` first) and proves the
    /// wrap; the proof is verified before it is returned.
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        aggregation: &AggregationCircuit,
        range: &RangeProof,
        rng: &mut R,
    ) -> Result<WrappedProof, WrapperError> {
        let pk = self.pk.as_ref().ok_or(WrapperError::NoProvingKey)?;
        let start = Instant::now();
        let shrunk = self.shrink.prove(aggregation, range)?;
        tracing::info!(elapsed = ?start.elapsed(), "range proof shrunk");
        let values = ShrinkCircuit::public_values(&shrunk)?;
        let circuit = WrapCircuit::new(&self.shrink, Some(&shrunk))?;
        let start = Instant::now();
        let proof = groth16::prove_with(self.backend.as_ref(), pk, circuit, rng)?;
        tracing::info!(elapsed = ?start.elapsed(), backend = self.backend.name(), "wrap proven");
        let wrapped = WrappedProof {
            proof,
            public_input: public_input_of(&values),
            values,
        };
        self.verify(&wrapped)?;
        Ok(wrapped)
    }

    /// Checks a wrapped proof against its stated values: the public input is
    /// recomputed from them, not taken from the proof.
    pub fn verify(&self, wrapped: &WrappedProof) -> Result<(), WrapperError> {
        self.verify_values(&wrapped.proof, &wrapped.values)
    }

    /// Checks that `proof` proves the range values `values`.
    pub fn verify_values(
        &self,
        proof: &Proof,
        values: &BatchPublicValues,
    ) -> Result<(), WrapperError> {
        self.vk.verify(public_input_of(values), proof)?;
        Ok(())
    }
}
