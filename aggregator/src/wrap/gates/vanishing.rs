//! The PLONK check at the opening point ζ, as plonky2's verifier makes it
//! (`eval_vanishing_poly` and the quotient check of `verify_with_challenges`),
//! without lookups.
//!
//! For each challenge `i`, the vanishing terms are
//! `L_0(ζ)·(Z_i(ζ) - 1)`, the partial-product checks of the permutation
//! argument (`max_degree` wires per chunk:
//! `prev·Π(w + β·k·ζ + γ) - next·Π(w + β·σ + γ)`), then the filtered gate
//! constraints; [`check_vanishing`] combines them with powers of `α_i` and
//! pairs the result with `Z_H(ζ)·Σ_j ζ^(j·n)·t_{i,j}(ζ)`.

use core::fmt::Debug;

use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::proof::{OpeningSet, ProofChallenges};

use super::powers::ChallengePowers;
use super::selectors::{gate_terms, reject_lookups, GateTerms};
use super::{lift, product, GateError, GateVars, D};
use crate::wrap::algebra::{ExtAlgebra, GF, GF2};

/// The openings the check reads: plonky2's `OpeningSet` without lookups. All
/// at ζ except `plonk_zs_next`, at `g·ζ`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkOpenings<E> {
    /// The constant columns (selectors first).
    pub constants: Vec<E>,
    /// The permutation's σ polynomials, one per routed wire.
    pub plonk_sigmas: Vec<E>,
    /// The wire columns.
    pub wires: Vec<E>,
    /// The permutation accumulators `Z`, one per challenge.
    pub plonk_zs: Vec<E>,
    /// `Z(g·ζ)`, one per challenge.
    pub plonk_zs_next: Vec<E>,
    /// The partial products, `num_partial_products` per challenge.
    pub partial_products: Vec<E>,
    /// The quotient chunks, `quotient_degree_factor` per challenge.
    pub quotient_polys: Vec<E>,
}

impl PlonkOpenings<GF2> {
    /// The non-lookup openings of a proof.
    pub fn from_opening_set(o: &OpeningSet<GF, D>) -> Self {
        Self {
            constants: o.constants.clone(),
            plonk_sigmas: o.plonk_sigmas.clone(),
            wires: o.wires.clone(),
            plonk_zs: o.plonk_zs.clone(),
            plonk_zs_next: o.plonk_zs_next.clone(),
            partial_products: o.partial_products.clone(),
            quotient_polys: o.quotient_polys.clone(),
        }
    }
}

impl<E: Clone> PlonkOpenings<E> {
    /// The values opened at ζ, in FRI's batch order: constants, sigmas,
    /// wires, accumulators, partial products, quotient chunks.
    pub fn zeta_batch(&self) -> Vec<E> {
        [
            &self.constants[..],
            &self.plonk_sigmas,
            &self.wires,
            &self.plonk_zs,
            &self.partial_products,
            &self.quotient_polys,
        ]
        .concat()
    }
}

impl<E> PlonkOpenings<E> {
    /// The same openings with `f` applied to each value (e.g. allocating them).
    pub fn try_map<T, Er>(
        &self,
        mut f: impl FnMut(&E) -> Result<T, Er>,
    ) -> Result<PlonkOpenings<T>, Er> {
        let mut map = |v: &[E]| v.iter().map(&mut f).collect::<Result<Vec<_>, Er>>();
        Ok(PlonkOpenings {
            constants: map(&self.constants)?,
            plonk_sigmas: map(&self.plonk_sigmas)?,
            wires: map(&self.wires)?,
            plonk_zs: map(&self.plonk_zs)?,
            plonk_zs_next: map(&self.plonk_zs_next)?,
            partial_products: map(&self.partial_products)?,
            quotient_polys: map(&self.quotient_polys)?,
        })
    }
}

/// The PLONK challenges the check reads (base-field challenges lifted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkChallenges<E> {
    /// The permutation's β, one per challenge.
    pub betas: Vec<E>,
    /// The permutation's γ, one per challenge.
    pub gammas: Vec<E>,
    /// The constraint-combining α, one per challenge.
    pub alphas: Vec<E>,
    /// The opening point ζ.
    pub zeta: E,
}

impl PlonkChallenges<GF2> {
    /// The PLONK part of a proof's challenges, lifted to the extension.
    pub fn from_proof_challenges(c: &ProofChallenges<GF, D>) -> Self {
        let lift = |v: &[GF]| v.iter().map(|&x| lift(x)).collect();
        Self {
            betas: lift(&c.plonk_betas),
            gammas: lift(&c.plonk_gammas),
            alphas: lift(&c.plonk_alphas),
            zeta: c.plonk_zeta,
        }
    }
}

impl<E> PlonkChallenges<E> {
    /// The same challenges with `f` applied to each value.
    pub fn try_map<T, Er>(
        &self,
        mut f: impl FnMut(&E) -> Result<T, Er>,
    ) -> Result<PlonkChallenges<T>, Er> {
        let mut map = |v: &[E]| v.iter().map(&mut f).collect::<Result<Vec<_>, Er>>();
        Ok(PlonkChallenges {
            betas: map(&self.betas)?,
            gammas: map(&self.gammas)?,
            alphas: map(&self.alphas)?,
            zeta: f(&self.zeta)?,
        })
    }
}

/// Checks that every input has the size `common` calls for.
fn check_shapes<E, Er: Debug>(
    common: &CommonCircuitData<GF, D>,
    o: &PlonkOpenings<E>,
    c: &PlonkChallenges<E>,
) -> Result<(), GateError<Er>> {
    let config = &common.config;
    let n = config.num_challenges;
    let qdf = common.quotient_degree_factor;
    let expect = |what, expected, got| {
        if expected == got {
            Ok(())
        } else {
            Err(GateError::Shape {
                what,
                expected,
                got,
            })
        }
    };
    if config.num_routed_wires > config.num_wires {
        return Err(GateError::Shape {
            what: "num_routed_wires (at most num_wires)",
            expected: config.num_wires,
            got: config.num_routed_wires,
        });
    }
    expect(
        "constants openings",
        common.num_constants,
        o.constants.len(),
    )?;
    expect(
        "plonk_sigmas openings",
        config.num_routed_wires,
        o.plonk_sigmas.len(),
    )?;
    expect("wires openings", config.num_wires, o.wires.len())?;
    expect("plonk_zs openings", n, o.plonk_zs.len())?;
    expect("plonk_zs_next openings", n, o.plonk_zs_next.len())?;
    expect(
        "partial_products openings",
        n * common.num_partial_products,
        o.partial_products.len(),
    )?;
    expect("quotient_polys openings", n * qdf, o.quotient_polys.len())?;
    expect("betas", n, c.betas.len())?;
    expect("gammas", n, c.gammas.len())?;
    expect("alphas", n, c.alphas.len())?;
    expect("k_is", config.num_routed_wires, common.k_is.len())?;
    if qdf < 2 {
        return Err(GateError::Shape {
            what: "quotient_degree_factor (at least 2)",
            expected: 2,
            got: qdf,
        });
    }
    expect(
        "num_partial_products (chunks of routed wires, less one)",
        config.num_routed_wires.div_ceil(qdf).saturating_sub(1),
        common.num_partial_products,
    )?;
    Ok(())
}

/// Everything the check computes before combining with α.
struct Evaluation<E> {
    /// `L_0(ζ)·(Z_i(ζ) - 1)` for each challenge, then each challenge's
    /// partial-product checks.
    permutation_terms: Vec<E>,
    /// The gates' filters and constraints.
    gates: GateTerms<E>,
    /// `ζ^n`.
    zeta_n: E,
    /// `Z_H(ζ) = ζ^n - 1`.
    z_h: E,
}

fn evaluate<A: ExtAlgebra>(
    alg: &mut A,
    common: &CommonCircuitData<GF, D>,
    o: &PlonkOpenings<A::Ext>,
    c: &PlonkChallenges<A::Ext>,
    public_inputs_hash: &[A::Ext; 4],
) -> Result<Evaluation<A::Ext>, GateError<A::Error>> {
    reject_lookups(common)?;
    check_shapes(common, o, c)?;
    let config = &common.config;
    let one = alg.constant(GF2::ONE);

    let zeta = &c.zeta;
    let zeta_n = alg.exp_power_of_2(zeta, common.degree_bits())?;
    let z_h = alg.sub(&zeta_n, &one)?;
    // L_0(ζ) = Z_H(ζ) / (n·(ζ - 1)); ζ = 1 has negligible probability.
    let zeta_minus_one = alg.sub(zeta, &one)?;
    let denominator = alg.scale(GF::from_canonical_usize(common.degree()), &zeta_minus_one)?;
    let l_0 = alg.div(&z_h, &denominator)?;

    let mut permutation_terms = Vec::new();
    for z in &o.plonk_zs {
        let z_minus_one = alg.sub(z, &one)?;
        permutation_terms.push(alg.mul(&l_0, &z_minus_one)?);
    }
    let num_prods = common.num_partial_products;
    let chunk = common.quotient_degree_factor;
    let routed = &o.wires[..config.num_routed_wires];
    for i in 0..config.num_challenges {
        let (beta, gamma) = (&c.betas[i], &c.gammas[i]);
        let beta_zeta = alg.mul(beta, zeta)?;
        let mut numerators = Vec::with_capacity(routed.len());
        let mut denominators = Vec::with_capacity(routed.len());
        for ((w, &k), sigma) in routed.iter().zip(&common.k_is).zip(&o.plonk_sigmas) {
            let w_gamma = alg.add(w, gamma)?;
            let s_id = alg.scale(k, &beta_zeta)?;
            numerators.push(alg.add(&w_gamma, &s_id)?);
            let beta_sigma = alg.mul(beta, sigma)?;
            denominators.push(alg.add(&w_gamma, &beta_sigma)?);
        }
        let partials = &o.partial_products[i * num_prods..(i + 1) * num_prods];
        let accumulators = core::iter::once(&o.plonk_zs[i])
            .chain(partials)
            .chain(core::iter::once(&o.plonk_zs_next[i]))
            .collect::<Vec<_>>();
        for (j, (nums, dens)) in numerators
            .chunks(chunk)
            .zip(denominators.chunks(chunk))
            .enumerate()
        {
            let num_product = product(alg, nums)?;
            let den_product = product(alg, dens)?;
            let zero = alg.constant(GF2::ZERO);
            let minus_next = alg.sub(&zero, accumulators[j + 1])?;
            // prev·Π num - next·Π den, as one inner product.
            permutation_terms.push(alg.inner_product(
                &[accumulators[j].clone(), minus_next],
                &[num_product, den_product],
            )?);
        }
    }

    let vars = GateVars::new(&o.constants, &o.wires, public_inputs_hash);
    let gates = gate_terms(alg, common, &vars)?;
    Ok(Evaluation {
        permutation_terms,
        gates,
        zeta_n,
        z_h,
    })
}

/// All vanishing terms at ζ before combining, in plonky2's order: the
/// `L_0·(Z - 1)` terms, the partial-product checks, the filtered gate constraints.
pub fn vanishing_terms<A: ExtAlgebra>(
    alg: &mut A,
    common: &CommonCircuitData<GF, D>,
    openings: &PlonkOpenings<A::Ext>,
    challenges: &PlonkChallenges<A::Ext>,
    public_inputs_hash: &[A::Ext; 4],
) -> Result<Vec<A::Ext>, GateError<A::Error>> {
    let e = evaluate(alg, common, openings, challenges, public_inputs_hash)?;
    let mut terms = e.permutation_terms;
    terms.extend(e.gates.filtered(alg)?);
    Ok(terms)
}

/// `(vanishing(ζ), Z_H(ζ)·t(ζ))` for one challenge: equal for a valid proof.
pub type VanishingPair<E> = (E, E);

/// For each challenge, the vanishing polynomial at ζ (plonky2's
/// `eval_vanishing_poly`) paired with `Z_H(ζ)·t(ζ)` from the quotient
/// openings; the proof passes the PLONK check iff every pair is equal.
pub fn check_vanishing<A: ExtAlgebra>(
    alg: &mut A,
    common: &CommonCircuitData<GF, D>,
    openings: &PlonkOpenings<A::Ext>,
    challenges: &PlonkChallenges<A::Ext>,
    public_inputs_hash: &[A::Ext; 4],
) -> Result<Vec<VanishingPair<A::Ext>>, GateError<A::Error>> {
    let e = evaluate(alg, common, openings, challenges, public_inputs_hash)?;
    let offset = e.permutation_terms.len();
    let mut lengths = e.gates.lengths();
    lengths.push(offset);

    // (ζ^n)^j for the quotient chunks.
    let qdf = common.quotient_degree_factor;
    let mut zeta_n_powers = vec![alg.constant(GF2::ONE), e.zeta_n.clone()];
    while zeta_n_powers.len() < qdf {
        let last = zeta_n_powers.last().expect("starts with two powers");
        let next = alg.mul(last, &e.zeta_n)?;
        zeta_n_powers.push(next);
    }
    zeta_n_powers.truncate(qdf);

    let mut pairs = Vec::with_capacity(challenges.alphas.len());
    for (alpha, quotient) in challenges
        .alphas
        .iter()
        .zip(openings.quotient_polys.chunks(qdf))
    {
        let powers = ChallengePowers::new(alg, alpha, &lengths, &[offset])?;
        let early = powers.combine(alg, &e.permutation_terms)?;
        let gates = e.gates.combine(alg, &powers)?;
        let shift = powers.power(alg, offset)?;
        let shifted_gates = alg.mul(&shift, &gates)?;
        let vanishing = alg.add(&early, &shifted_gates)?;
        let t = alg.inner_product(&zeta_n_powers, quotient)?;
        let z_h_t = alg.mul(&e.z_h, &t)?;
        pairs.push((vanishing, z_h_t));
    }
    Ok(pairs)
}
