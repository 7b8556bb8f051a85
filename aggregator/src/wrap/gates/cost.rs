//! Counting the costly operations of an evaluation: in R1CS every `mul`,
//! `div` and `inner_product` reduces modulo the Goldilocks prime (hundreds of
//! constraints), while additions and scaling by constants are free.
//!
//! [`Counting`] wraps another algebra and counts; [`vanishing_cost`] runs the
//! whole vanishing check of a circuit through it and breaks the count down by gate.

use core::convert::Infallible;
use core::ops::{Add, Sub};

use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;

use super::selectors::{gate_filters, Selectors};
use super::vanishing::{check_vanishing, PlonkChallenges, PlonkOpenings};
use super::{eval_gate, lift, GateError, GateVars, D};
use crate::wrap::algebra::{ExtAlgebra, Native, GF, GF2};

/// How many costly operations an evaluation made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// `mul` calls (including squarings).
    pub muls: usize,
    /// `div` calls.
    pub divs: usize,
    /// `inner_product` calls, each one reduction whatever its length.
    pub inner_products: usize,
    /// The total length of those inner products.
    pub inner_product_terms: usize,
}

impl OpCounts {
    /// The number of modular reductions: `muls + divs + inner_products`.
    pub fn reductions(&self) -> usize {
        self.muls + self.divs + self.inner_products
    }
}

impl Add for OpCounts {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            muls: self.muls + o.muls,
            divs: self.divs + o.divs,
            inner_products: self.inner_products + o.inner_products,
            inner_product_terms: self.inner_product_terms + o.inner_product_terms,
        }
    }
}

impl Sub for OpCounts {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self {
            muls: self.muls - o.muls,
            divs: self.divs - o.divs,
            inner_products: self.inner_products - o.inner_products,
            inner_product_terms: self.inner_product_terms - o.inner_product_terms,
        }
    }
}

/// An algebra that forwards every operation to `inner` and counts the costly ones.
#[derive(Clone, Debug, Default)]
pub struct Counting<A> {
    /// The algebra doing the arithmetic.
    pub inner: A,
    /// What has been counted so far.
    pub counts: OpCounts,
}

impl<A> Counting<A> {
    /// Counting from zero over `inner`.
    pub fn new(inner: A) -> Self {
        Self {
            inner,
            counts: OpCounts::default(),
        }
    }
}

impl<A: ExtAlgebra> ExtAlgebra for Counting<A> {
    type Ext = A::Ext;
    type Error = A::Error;

    fn constant(&mut self, c: GF2) -> A::Ext {
        self.inner.constant(c)
    }
    fn add(&mut self, a: &A::Ext, b: &A::Ext) -> Result<A::Ext, A::Error> {
        self.inner.add(a, b)
    }
    fn sub(&mut self, a: &A::Ext, b: &A::Ext) -> Result<A::Ext, A::Error> {
        self.inner.sub(a, b)
    }
    fn mul(&mut self, a: &A::Ext, b: &A::Ext) -> Result<A::Ext, A::Error> {
        self.counts.muls += 1;
        self.inner.mul(a, b)
    }
    fn scale(&mut self, c: GF, a: &A::Ext) -> Result<A::Ext, A::Error> {
        self.inner.scale(c, a)
    }
    fn div(&mut self, a: &A::Ext, b: &A::Ext) -> Result<A::Ext, A::Error> {
        self.counts.divs += 1;
        self.inner.div(a, b)
    }
    fn inner_product(&mut self, a: &[A::Ext], b: &[A::Ext]) -> Result<A::Ext, A::Error> {
        self.counts.inner_products += 1;
        self.counts.inner_product_terms += a.len();
        self.inner.inner_product(a, b)
    }
    fn sum(&mut self, a: &[A::Ext]) -> Result<A::Ext, A::Error> {
        self.inner.sum(a)
    }
}

/// The cost of a circuit's whole vanishing check.
#[derive(Clone, Debug)]
pub struct VanishingCost {
    /// Each gate's unfiltered constraints, by plonky2 gate id, in the circuit's order.
    pub per_gate: Vec<(String, OpCounts)>,
    /// The gates' filters (products of selector differences).
    pub filters: OpCounts,
    /// The whole [`check_vanishing`]: gates, filters, combinations, the
    /// permutation argument and the quotient.
    pub total: OpCounts,
}

impl VanishingCost {
    /// The sum over the gates' unfiltered constraints.
    pub fn gates(&self) -> OpCounts {
        self.per_gate
            .iter()
            .fold(OpCounts::default(), |acc, (_, c)| acc + *c)
    }
}

/// Counts the operations [`check_vanishing`] makes for `common` (they do not
/// depend on the values, so it runs on placeholder openings).
pub fn vanishing_cost(
    common: &CommonCircuitData<GF, D>,
) -> Result<VanishingCost, GateError<Infallible>> {
    let config = &common.config;
    let n = config.num_challenges;
    let filler = |len: usize, seed: u64| -> Vec<GF2> {
        (0..len as u64)
            .map(|i| lift(GF::from_canonical_u64(seed + 3 * i + 2)))
            .collect()
    };
    let openings = PlonkOpenings {
        constants: filler(common.num_constants, 1),
        plonk_sigmas: filler(config.num_routed_wires, 2),
        wires: filler(config.num_wires, 3),
        plonk_zs: filler(n, 4),
        plonk_zs_next: filler(n, 5),
        partial_products: filler(n * common.num_partial_products, 6),
        quotient_polys: filler(n * common.quotient_degree_factor, 7),
    };
    let challenges = PlonkChallenges {
        betas: filler(n, 8),
        gammas: filler(n, 9),
        alphas: filler(n, 10),
        zeta: lift(GF::from_canonical_u64(5)),
    };
    let hash: [GF2; 4] = [GF2::ONE; 4];

    let mut alg = Counting::new(Native);
    check_vanishing(&mut alg, common, &openings, &challenges, &hash)?;
    let total = alg.counts;

    let skip = common.selectors_info.num_selectors() + common.num_lookup_selectors;
    let constants = openings.constants.get(skip..).unwrap_or_default();
    let vars = GateVars::<Counting<Native>>::new(constants, &openings.wires, &hash);
    let mut per_gate = Vec::with_capacity(common.gates.len());
    for gate in &common.gates {
        let mut alg = Counting::new(Native);
        eval_gate(&mut alg, gate, &vars)?;
        per_gate.push((gate.0.id(), alg.counts));
    }
    let selectors = Selectors::of(common).map_err(GateError::Selectors)?;
    let mut alg = Counting::new(Native);
    gate_filters(&mut alg, &selectors, &openings.constants)?;
    Ok(VanishingCost {
        per_gate,
        filters: alg.counts,
        total,
    })
}
