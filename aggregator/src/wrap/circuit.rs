//! The wrap circuit: the R1CS that is satisfiable exactly when a shrink proof
//! verifies, with one public input, the SHA-256 of the public values the
//! shrink proof states ([`super::public_input`]).
//!
//! It replays plonky2's `verify_with_challenges` for the one shrink circuit,
//! whose verifier data is constant: the public-inputs hash (Poseidon-Goldilocks),
//! the transcript, the vanishing polynomial at ζ against the quotient, then FRI.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use plonky2::plonk::circuit_data::CommonCircuitData;
use zkr_circuits::batch::{D, NUM_PUBLIC_INPUTS};

use super::algebra::GF;
use super::gates::cost::vanishing_cost;
use super::gates::vanishing::{check_vanishing, PlonkChallenges};
use super::gates::GateError;
use super::goldilocks::algebra::R1csAlgebra;
use super::goldilocks::poseidon::hash_no_pad_var;
use super::goldilocks::quadratic::QuadraticVar;
use super::public_input::{public_input_of, public_input_var};
use super::shrink::{ShrinkCircuit, ShrinkProof};
use super::verifier::challenger::Challenge;
use super::verifier::fri::{unsupported, verify_fri};
use super::verifier::proof::ProofVar;
use super::verifier::transcript::derive_challenges;

/// Why a wrap circuit cannot be formed.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    /// The shrink circuit's shape is outside what the R1CS verifier handles.
    #[error("the shrink circuit is not wrappable: {0}")]
    Unsupported(String),
    /// The proof does not belong to the shrink circuit or states malformed values.
    #[error("shrink proof: {0}")]
    BadProof(String),
}

/// The wrap of one shrink circuit, with or without a proof to assign (without
/// one it synthesizes the constraints only, for key generation).
#[derive(Clone, Copy, Debug)]
pub struct WrapCircuit<'a> {
    common: &'a CommonCircuitData<GF, D>,
    circuit_digest: Fr,
    constants_sigmas_root: Fr,
    proof: Option<&'a ShrinkProof>,
    input: Option<Fr>,
}

impl<'a> WrapCircuit<'a> {
    /// The wrap of `shrink`'s proofs, assigned with `proof` when given (which
    /// must verify natively: an invalid one would only make proving fail later).
    pub fn new(
        shrink: &'a ShrinkCircuit,
        proof: Option<&'a ShrinkProof>,
    ) -> Result<Self, WrapError> {
        let data = shrink.data();
        if let Some(why) = unsupported(&data.common) {
            return Err(WrapError::Unsupported(why));
        }
        if data.common.num_public_inputs != NUM_PUBLIC_INPUTS {
            return Err(WrapError::Unsupported(format!(
                "{} public inputs, the public input hashes {NUM_PUBLIC_INPUTS}",
                data.common.num_public_inputs
            )));
        }
        check_gates(&data.common)?;
        let cap = &data.verifier_only.constants_sigmas_cap.0;
        let [root] = cap[..] else {
            return Err(WrapError::Unsupported(format!(
                "a cap of {} roots",
                cap.len()
            )));
        };
        let input = match proof {
            Some(p) => {
                shrink
                    .verify(p)
                    .map_err(|e| WrapError::BadProof(e.to_string()))?;
                let values = ShrinkCircuit::public_values(p)
                    .map_err(|e| WrapError::BadProof(e.to_string()))?;
                Some(public_input_of(&values))
            }
            None => None,
        };
        Ok(Self {
            common: &data.common,
            circuit_digest: data.verifier_only.circuit_digest.0,
            constants_sigmas_root: root.0,
            proof,
            input,
        })
    }

    /// The same circuit with no proof (for key generation).
    pub fn shape(&self) -> Self {
        Self {
            proof: None,
            input: None,
            ..*self
        }
    }

    /// The same circuit with `proof` and `input` forced into the witness,
    /// unchecked: for soundness tests, which assign invalid proofs.
    pub fn assigned_unchecked(&self, proof: &'a ShrinkProof, input: Fr) -> Self {
        Self {
            proof: Some(proof),
            input: Some(input),
            ..*self
        }
    }

    /// The public input of the assigned proof: [`public_input_of`] its
    /// public values (`None` without a proof).
    pub fn public_input(&self) -> Option<Fr> {
        self.input
    }
}

/// Evaluates the vanishing check natively once, on arbitrary values, so that
/// an unsupported gate or a malformed shape is reported here rather than
/// failing synthesis later.
fn check_gates(common: &CommonCircuitData<GF, D>) -> Result<(), WrapError> {
    vanishing_cost(common)
        .map(|_| ())
        .map_err(|e| WrapError::Unsupported(e.to_string()))
}

fn lift(challenges: &[Challenge]) -> Result<Vec<QuadraticVar>, SynthesisError> {
    challenges
        .iter()
        .map(|c| Ok(QuadraticVar::from_base(c.goldilocks()?)))
        .collect()
}

/// Constraints per part of the wrap circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrapCost {
    /// The proof's values allocated and range-checked.
    pub allocation: usize,
    /// The public-inputs hash (Poseidon-Goldilocks).
    pub public_inputs_hash: usize,
    /// The Fiat-Shamir transcript.
    pub transcript: usize,
    /// The vanishing polynomial against the quotient at ζ.
    pub vanishing: usize,
    /// FRI.
    pub fri: usize,
    /// SHA-256 of the public values, equal to the public input.
    pub public_input: usize,
}

impl WrapCost {
    /// All constraints.
    pub fn total(&self) -> usize {
        self.allocation
            + self.public_inputs_hash
            + self.transcript
            + self.vanishing
            + self.fri
            + self.public_input
    }
}

impl WrapCircuit<'_> {
    /// The constraints' count per part, from synthesizing without a proof.
    pub fn cost(&self) -> Result<WrapCost, SynthesisError> {
        let cs = ark_relations::r1cs::ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(ark_relations::r1cs::SynthesisMode::Setup);
        self.shape().synthesize(cs)
    }

    fn synthesize(self, cs: ConstraintSystemRef<Fr>) -> Result<WrapCost, SynthesisError> {
        let mut cost = WrapCost::default();
        let mut mark = 0;
        let mut stage = |cs: &ConstraintSystemRef<Fr>| {
            let n = cs.num_constraints();
            let d = n - mark;
            mark = n;
            d
        };
        // The public input is allocated first: it is the only instance variable.
        let input = FpVar::new_input(cs.clone(), || {
            self.input.ok_or(SynthesisError::AssignmentMissing)
        })?;

        let proof = ProofVar::new_witness(cs.clone(), self.proof, self.common)?;
        cost.allocation = stage(&cs);

        // The public-inputs hash, canonical as the native challenger observes it.
        let hash = hash_no_pad_var(&proof.public_inputs)?;
        let mut pi_hash = Vec::with_capacity(hash.len());
        for h in &hash {
            pi_hash.push(h.to_canonical()?.0);
        }
        let pi_hash_fps: [FpVar<Fr>; 4] = core::array::from_fn(|i| pi_hash[i].fp().clone());
        cost.public_inputs_hash = stage(&cs);
        let ch = derive_challenges(&proof, &pi_hash_fps, self.common, self.circuit_digest)?;
        cost.transcript = stage(&cs);

        // The PLONK check at ζ.
        let challenges = PlonkChallenges {
            betas: lift(&ch.betas)?,
            gammas: lift(&ch.gammas)?,
            alphas: lift(&ch.alphas)?,
            zeta: Challenge::ext(&ch.zeta)?,
        };
        let pi_hash_ext: [QuadraticVar; 4] =
            core::array::from_fn(|i| QuadraticVar::from_base(pi_hash[i].clone()));
        let mut alg = R1csAlgebra::new(cs.clone());
        let pairs = check_vanishing(
            &mut alg,
            self.common,
            &proof.openings,
            &challenges,
            &pi_hash_ext,
        )
        .map_err(|e| match e {
            GateError::Algebra(e) => e,
            // The gates were checked when the circuit was formed.
            _ => SynthesisError::Unsatisfiable,
        })?;
        for (vanishing, quotient) in &pairs {
            vanishing.enforce_equal(quotient)?;
        }
        cost.vanishing = stage(&cs);

        verify_fri(&proof, &ch, self.common, self.constants_sigmas_root)?;
        cost.fri = stage(&cs);

        // The public input: SHA-256 of the stated values.
        let pis: Vec<FpVar<Fr>> = proof.public_inputs.iter().map(|x| x.fp().clone()).collect();
        let old_root: [FpVar<Fr>; 4] = core::array::from_fn(|i| pis[i].clone());
        let new_root: [FpVar<Fr>; 4] = core::array::from_fn(|i| pis[4 + i].clone());
        let commitment: [FpVar<Fr>; 8] = core::array::from_fn(|i| pis[8 + i].clone());
        public_input_var(cs.clone(), &old_root, &new_root, &commitment)?.enforce_equal(&input)?;
        cost.public_input = stage(&cs);
        Ok(cost)
    }
}

impl ConstraintSynthesizer<Fr> for WrapCircuit<'_> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs).map(|_| ())
    }
}
