//! Every Fiat-Shamir challenge of a shrink proof, replayed in R1CS in the
//! order of plonky2's `get_challenges`: the FRI parameters, the circuit
//! digest, the public-inputs hash, the three commitment caps (with betas and
//! gammas, alphas, zeta drawn after each), the openings, then FRI's alpha, one
//! beta per folding commitment, the final polynomial, the proof-of-work
//! response and the query indices.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::SynthesisError;
use plonky2::field::types::PrimeField64;
use plonky2::plonk::circuit_data::CommonCircuitData;
use zkr_circuits::batch::D;

use super::challenger::{Challenge, ChallengerVar};
use super::proof::ProofVar;
use crate::wrap::algebra::GF;

/// The challenges of one proof.
#[derive(Clone, Debug)]
pub struct ChallengesVar {
    /// Permutation-argument betas, one per challenge round.
    pub betas: Vec<Challenge>,
    /// Permutation-argument gammas.
    pub gammas: Vec<Challenge>,
    /// Constraint-combining alphas.
    pub alphas: Vec<Challenge>,
    /// The opening point, `[c0, c1]`.
    pub zeta: [Challenge; 2],
    /// FRI's batching challenge.
    pub fri_alpha: [Challenge; 2],
    /// One folding challenge per commit-phase round.
    pub fri_betas: Vec<[Challenge; 2]>,
    /// The proof-of-work response.
    pub pow_response: Challenge,
    /// Query challenges; an index is the low `lde_bits` bits.
    pub queries: Vec<Challenge>,
}

fn ext(c: &mut ChallengerVar) -> Result<[Challenge; 2], SynthesisError> {
    Ok([c.challenge()?, c.challenge()?])
}

/// Derives the challenges of `proof` for the circuit `common` with digest
/// `circuit_digest` (a constant: the verifier data is fixed) and public-inputs
/// hash `pi_hash` (canonical elements).
pub fn derive_challenges(
    proof: &ProofVar,
    pi_hash: &[FpVar<Fr>; 4],
    common: &CommonCircuitData<GF, D>,
    circuit_digest: Fr,
) -> Result<ChallengesVar, SynthesisError> {
    let mut c = ChallengerVar::new();
    let fri = &common.fri_params;
    let cfg = &fri.config;
    for x in [
        cfg.rate_bits as u64,
        cfg.cap_height as u64,
        cfg.proof_of_work_bits as u64,
    ] {
        c.observe_constant(x)?;
    }
    for x in cfg.reduction_strategy.serialize::<GF>() {
        c.observe_constant(x.to_canonical_u64())?;
    }
    c.observe_constant(cfg.num_query_rounds as u64)?;
    c.observe_constant(fri.hiding as u64)?;
    c.observe_constant(fri.degree_bits as u64)?;
    for &b in &fri.reduction_arity_bits {
        c.observe_constant(b as u64)?;
    }

    c.observe_digest(&FpVar::constant(circuit_digest))?;
    c.observe_all(pi_hash)?;

    let n = common.config.num_challenges;
    proof
        .wires_cap
        .iter()
        .try_for_each(|d| c.observe_digest(d))?;
    let betas = c.challenges(n)?;
    let gammas = c.challenges(n)?;
    proof.zs_cap.iter().try_for_each(|d| c.observe_digest(d))?;
    let alphas = c.challenges(n)?;
    proof
        .quotient_cap
        .iter()
        .try_for_each(|d| c.observe_digest(d))?;
    let zeta = ext(&mut c)?;

    for e in proof
        .openings
        .zeta_batch()
        .iter()
        .chain(&proof.openings.plonk_zs_next)
    {
        c.observe_all(&e.fps().map(Clone::clone))?;
    }

    let fri_alpha = ext(&mut c)?;
    let mut fri_betas = Vec::with_capacity(proof.commit_caps.len());
    for cap in &proof.commit_caps {
        cap.iter().try_for_each(|d| c.observe_digest(d))?;
        fri_betas.push(ext(&mut c)?);
    }
    for e in &proof.final_poly {
        c.observe_all(&e.fps().map(Clone::clone))?;
    }
    c.observe(proof.pow_witness.fp())?;
    let pow_response = c.challenge()?;
    let queries = c.challenges(cfg.num_query_rounds)?;
    Ok(ChallengesVar {
        betas,
        gammas,
        alphas,
        zeta,
        fri_alpha,
        fri_betas,
        pow_response,
        queries,
    })
}
