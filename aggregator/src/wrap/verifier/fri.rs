//! FRI verification of a shrink proof in R1CS, as plonky2's `verify_fri_proof`:
//! the proof-of-work, then per query the initial Merkle openings, the
//! combination of the opened values into one point of the batched quotient,
//! each folding step (consistency with the previous step, Merkle opening of
//! the coset, interpolation at β), and the final polynomial.
//!
//! Supported shape (checked by [`unsupported`]): cap height 0 (one root per
//! tree), no hiding (no salt in the leaves), two opening points (`ζ` for
//! everything, `g·ζ` for the permutation accumulators), no lookups.

use ark_bn254::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::SynthesisError;
use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;
use zkr_circuits::batch::D;

use super::challenger::Challenge;
use super::merkle::{hash_leaf, verify_path};
use super::proof::{ExtVar, ProofVar, QueryRoundVar};
use super::transcript::ChallengesVar;
use crate::wrap::algebra::GF;
use crate::wrap::goldilocks::field::GoldilocksVar;
use crate::wrap::goldilocks::quadratic::QuadraticVar;

/// Why a circuit's proofs are outside what this verifier handles, if they are.
pub fn unsupported(common: &CommonCircuitData<GF, D>) -> Option<String> {
    let fri = &common.fri_params;
    if fri.config.cap_height != 0 {
        return Some(format!(
            "Merkle cap height {} (only 0 is supported)",
            fri.config.cap_height
        ));
    }
    if fri.hiding {
        return Some("hiding (salted) FRI openings".into());
    }
    if !common.luts.is_empty() || common.num_lookup_polys != 0 || common.num_lookup_selectors != 0 {
        return Some("lookup tables".into());
    }
    if fri.config.proof_of_work_bits > 63 {
        return Some(format!(
            "{} proof-of-work bits",
            fri.config.proof_of_work_bits
        ));
    }
    None
}

/// Enforces that `proof`'s FRI opening proof is valid for the challenges `ch`,
/// with the preprocessed (constants and sigmas) tree's root fixed to
/// `constants_sigmas_root`. The circuit must be [`unsupported`]-free.
pub fn verify_fri(
    proof: &ProofVar,
    ch: &ChallengesVar,
    common: &CommonCircuitData<GF, D>,
    constants_sigmas_root: Fr,
) -> Result<(), SynthesisError> {
    if unsupported(common).is_some() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let fri = &common.fri_params;

    // Proof of work: the response's top bits are zero.
    let pow_bits = fri.config.proof_of_work_bits as usize;
    for bit in &ch.pow_response.bits[64 - pow_bits..] {
        bit.enforce_equal(&Boolean::FALSE)?;
    }

    let openings = Openings::new(proof, ch, common)?;
    let roots = [
        FpVar::constant(constants_sigmas_root),
        proof.wires_cap[0].clone(),
        proof.zs_cap[0].clone(),
        proof.quotient_cap[0].clone(),
    ];
    for (round, query) in proof.queries.iter().zip(&ch.queries) {
        verify_query(proof, ch, common, &openings, &roots, round, query)?;
    }
    Ok(())
}

/// What every query shares: powers of FRI's α and the openings reduced by them.
struct Openings {
    /// `α^0, α^1, ...`, as many as the larger batch has values, reduced.
    alpha_powers: Vec<QuadraticVar>,
    /// `ζ`.
    zeta: QuadraticVar,
    /// `g·ζ`, `g` generating the trace domain.
    zeta_next: QuadraticVar,
    /// `Σ α^i v_i` over the values opened at `ζ`.
    reduced_zeta: QuadraticVar,
    /// `Σ α^i v_i` over the values opened at `g·ζ`.
    reduced_zeta_next: QuadraticVar,
    /// How many polynomials are opened at `g·ζ` (the permutation accumulators,
    /// the first ones of the third tree).
    num_next: usize,
}

impl Openings {
    fn new(
        proof: &ProofVar,
        ch: &ChallengesVar,
        common: &CommonCircuitData<GF, D>,
    ) -> Result<Self, SynthesisError> {
        let alpha = Challenge::ext(&ch.fri_alpha)?;
        let zeta = Challenge::ext(&ch.zeta)?;
        let zeta_batch = proof.openings.zeta_batch();
        let next_batch = &proof.openings.plonk_zs_next;
        let mut alpha_powers = vec![QuadraticVar::one(), alpha.clone()];
        while alpha_powers.len() < zeta_batch.len().max(next_batch.len() + 1) {
            let last = alpha_powers.last().expect("starts with two powers");
            let next = last.mul(&alpha)?.reduce()?;
            alpha_powers.push(next);
        }
        let reduced = |values: &[ExtVar]| {
            QuadraticVar::inner_product(&alpha_powers[..values.len()], values)?.reduce()
        };
        let g = GF::primitive_root_of_unity(common.degree_bits());
        Ok(Self {
            reduced_zeta: reduced(&zeta_batch)?,
            reduced_zeta_next: reduced(next_batch)?,
            zeta_next: zeta.scale(g)?,
            zeta,
            num_next: next_batch.len(),
            alpha_powers,
        })
    }

    /// `Σ α^i v_i` for base-field values `v` (two constraints per value).
    fn reduce_base(&self, values: &[GoldilocksVar]) -> Result<QuadraticVar, SynthesisError> {
        let terms = values
            .iter()
            .zip(&self.alpha_powers)
            .map(|(v, a)| a.mul_base(v))
            .collect::<Result<Vec<_>, _>>()?;
        QuadraticVar::sum(&terms)?.reduce()
    }
}

/// The low `num_bits` bits of `n` in reverse order.
fn reverse_bits(n: usize, num_bits: usize) -> usize {
    (0..num_bits).fold(0, |acc, i| (acc << 1) | ((n >> i) & 1))
}

/// `1 + bit·(c - 1)`: `c` when the bit is set, else 1 (linear).
fn power_if(bit: &Boolean<Fr>, c: GF) -> Result<GoldilocksVar, SynthesisError> {
    GoldilocksVar::from_boolean(bit)
        .mul_const(c - GF::ONE)?
        .add_const(GF::ONE)
}

/// `values[index]` for the little-endian `index_bits` (a binary tree of selects).
fn select(values: &[ExtVar], index_bits: &[Boolean<Fr>]) -> Result<ExtVar, SynthesisError> {
    let mut level = values.to_vec();
    for bit in index_bits {
        level = level
            .chunks(2)
            .map(|pair| {
                Ok(QuadraticVar::new(
                    GoldilocksVar::select(bit, &pair[1].0[0], &pair[0].0[0])?,
                    GoldilocksVar::select(bit, &pair[1].0[1], &pair[0].0[1])?,
                ))
            })
            .collect::<Result<Vec<_>, SynthesisError>>()?;
    }
    Ok(level.pop().expect("one value per index"))
}

fn verify_query(
    proof: &ProofVar,
    ch: &ChallengesVar,
    common: &CommonCircuitData<GF, D>,
    openings: &Openings,
    roots: &[FpVar<Fr>; 4],
    round: &QueryRoundVar,
    query: &Challenge,
) -> Result<(), SynthesisError> {
    let fri = &common.fri_params;
    let lde_bits = fri.lde_bits();
    // The query index is the challenge mod 2^lde_bits.
    let bits = &query.bits[..lde_bits];

    // The initial trees open the same row; their values, in order, are the
    // batch opened at ζ.
    let mut row = Vec::new();
    for (opening, root) in round.initial.iter().zip(roots) {
        let fps: Vec<FpVar<Fr>> = opening.values.iter().map(|v| v.fp().clone()).collect();
        verify_path(&hash_leaf(&fps)?, bits, &opening.siblings, root)?;
        row.extend(opening.values.iter().cloned());
    }

    // The row's point: g·ω^rev(index), ω generating the LDE domain.
    let omega = GF::primitive_root_of_unity(lde_bits);
    let mut x = GoldilocksVar::constant(GF::MULTIPLICATIVE_GROUP_GENERATOR);
    for (i, bit) in bits.iter().enumerate() {
        x = x.mul(&power_if(bit, omega.exp_power_of_2(lde_bits - 1 - i))?)?;
    }
    let x = x.reduce()?;

    // α^n·(R_ζ(x) - R_ζ)/(x - ζ) + (R_gζ(x) - R_gζ)/(x - g·ζ), n the size
    // of the second batch (plonky2's `fri_combine_initial`).
    let x_ext = QuadraticVar::from_base(x.clone());
    let at_zeta = openings
        .reduce_base(&row)?
        .sub(&openings.reduced_zeta)?
        .div(&x_ext.sub(&openings.zeta)?)?;
    let next_values = &round.initial[2].values[..openings.num_next];
    let at_zeta_next = openings
        .reduce_base(next_values)?
        .sub(&openings.reduced_zeta_next)?
        .div(&x_ext.sub(&openings.zeta_next)?)?;
    let mut eval = openings.alpha_powers[openings.num_next]
        .mul(&at_zeta)?
        .add(&at_zeta_next)?;

    let mut x = x;
    let mut offset = 0;
    for (s, &arity_bits) in fri.reduction_arity_bits.iter().enumerate() {
        let step = &round.steps[s];
        let within = &bits[offset..offset + arity_bits];
        let coset = &bits[offset + arity_bits..];

        // The coset holds the previous step's value at x.
        select(&step.values, within)?.enforce_equal(&eval)?;
        let fps: Vec<FpVar<Fr>> = step
            .values
            .iter()
            .flat_map(|e| e.fps().map(Clone::clone))
            .collect();
        verify_path(
            &hash_leaf(&fps)?,
            coset,
            &step.siblings,
            &proof.commit_caps[s][0],
        )?;

        eval = fold(&x, within, &step.values, &Challenge::ext(&ch.fri_betas[s])?)?;
        x = x.exp_power_of_2(arity_bits)?.reduce()?;
        offset += arity_bits;
    }

    // The final polynomial at x, by Horner's rule.
    let mut last = QuadraticVar::zero();
    for c in proof.final_poly.iter().rev() {
        last = last.mul_base(&x)?.add(c)?;
    }
    last.enforce_equal(&eval)
}

/// The folded value at `x^arity`: the polynomial of degree below `arity`
/// through the coset's evaluations, at β (plonky2's `compute_evaluation`).
///
/// `evals` are the evaluations in bit-reversed order; after reordering,
/// `y_j` is the value at `c·g^j` with `c = x·g^-rev(i)` the coset's start
/// (`i` is x's position, `within`). With `Y = IDFT(y)`, the polynomial is
/// `P(X) = Σ_k Y_k (X/c)^k`, so `P(β) = Σ_k Y_k t^k` for `t = β/c`; the
/// `Y_k` are constant combinations of the `y_j`.
fn fold(
    x: &GoldilocksVar,
    within: &[Boolean<Fr>],
    evals: &[ExtVar],
    beta: &QuadraticVar,
) -> Result<QuadraticVar, SynthesisError> {
    let arity_bits = within.len();
    let arity = evals.len();
    let g_inv = GF::primitive_root_of_unity(arity_bits).inverse();
    // g^-rev(i) = Π_j (g^-(2^(arity_bits - 1 - j)))^(bit j of i).
    let mut start = x.clone();
    for (j, bit) in within.iter().enumerate() {
        start = start.mul(&power_if(bit, g_inv.exp_power_of_2(arity_bits - 1 - j))?)?;
    }
    let t = beta.mul_base(&start.inverse()?)?.reduce()?;
    let mut t_powers = vec![QuadraticVar::one(), t.clone()];
    while t_powers.len() < arity {
        let last = t_powers.last().expect("starts with two powers");
        let next = last.mul(&t)?.reduce()?;
        t_powers.push(next);
    }
    t_powers.truncate(arity);

    let y: Vec<&ExtVar> = (0..arity)
        .map(|j| &evals[reverse_bits(j, arity_bits)])
        .collect();
    let n_inv = GF::from_canonical_usize(arity).inverse();
    let coefficients = (0..arity)
        .map(|k| {
            let weights: Vec<GF> = (0..arity)
                .map(|j| n_inv * g_inv.exp_u64((j * k) as u64))
                .collect();
            let coordinate = |c: usize| {
                let xs: Vec<GoldilocksVar> = y.iter().map(|e| e.0[c].clone()).collect();
                GoldilocksVar::linear_combination(&weights, &xs)
            };
            Ok(QuadraticVar::new(coordinate(0)?, coordinate(1)?))
        })
        .collect::<Result<Vec<_>, SynthesisError>>()?;
    QuadraticVar::inner_product(&coefficients, &t_powers)
}
