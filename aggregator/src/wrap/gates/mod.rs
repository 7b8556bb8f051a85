//! plonky2's gate constraints and PLONK vanishing check, written once over
//! [`ExtAlgebra`] so that the same code runs natively (checked against plonky2)
//! and in R1CS (the Groth16 wrap).
//!
//! * this file: [`GateVars`] (a row's openings), [`GateError`], the
//!   [`GenericGate`] trait and the dispatcher [`eval_gate`].
//! * one file per gate family, each implementing [`GenericGate`] for plonky2's
//!   gate structs: [`misc`] (noop, constant, public input), [`arithmetic`]
//!   (base and extension multiply-add, extension multiply), [`base_sum`],
//!   [`reducing`] (base and extension coefficients), [`random_access`],
//!   [`interpolation`] (coset interpolation), [`poseidon`] (permutation and MDS).
//! * [`selectors`]: which selector each gate uses, its filter, and the filtered
//!   sum of all gates' constraints ([`evaluate_gate_constraints`],
//!   [`combined_constraints`]).
//! * [`powers`]: powers of a challenge laid out so that `Σ αⁱ tᵢ` is a few
//!   inner products.
//! * [`vanishing`]: the whole check at ζ, `vanishing(ζ) = Z_H(ζ)·t(ζ)`.
//! * [`cost`]: an algebra that counts multiplications, the R1CS cost driver.
//!
//! Every function returns exactly plonky2's values in plonky2's order; how they
//! are computed is chosen to make few multiplications (`mul`, `div`,
//! `inner_product`), since additions and scaling by constants are free in R1CS.

use core::fmt::Debug;

use plonky2::field::extension::{Extendable, FieldExtension};
use plonky2::field::types::Field;
use plonky2::gates::arithmetic_base::ArithmeticGate;
use plonky2::gates::arithmetic_extension::ArithmeticExtensionGate;
use plonky2::gates::base_sum::BaseSumGate;
use plonky2::gates::constant::ConstantGate;
use plonky2::gates::coset_interpolation::CosetInterpolationGate;
use plonky2::gates::gate::GateRef;
use plonky2::gates::multiplication_extension::MulExtensionGate;
use plonky2::gates::noop::NoopGate;
use plonky2::gates::poseidon::PoseidonGate;
use plonky2::gates::poseidon_mds::PoseidonMdsGate;
use plonky2::gates::public_input::PublicInputGate;
use plonky2::gates::random_access::RandomAccessGate;
use plonky2::gates::reducing::ReducingGate;
use plonky2::gates::reducing_extension::ReducingExtensionGate;

use super::algebra::{ExtAlgebra, GF, GF2};

pub mod arithmetic;
pub mod base_sum;
pub mod cost;
pub mod interpolation;
pub mod misc;
pub mod poseidon;
pub mod powers;
pub mod random_access;
pub mod reducing;
pub mod selectors;
pub mod vanishing;

#[cfg(test)]
mod test_util;

pub use selectors::{combined_constraints, evaluate_gate_constraints};
pub use vanishing::{check_vanishing, vanishing_terms};

/// The extension degree of the wrapped circuit.
pub const D: usize = 2;

/// The openings of one row that a gate's constraints read: plonky2's
/// `EvaluationVars` with every value in the algebra's representation.
pub struct GateVars<'a, A: ExtAlgebra> {
    /// The constant columns (selectors first, unless already removed).
    pub local_constants: &'a [A::Ext],
    /// The wire columns.
    pub local_wires: &'a [A::Ext],
    /// The hash of the public inputs, each base element lifted.
    pub public_inputs_hash: &'a [A::Ext; 4],
}

impl<A: ExtAlgebra> Clone for GateVars<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: ExtAlgebra> Copy for GateVars<'_, A> {}

impl<'a, A: ExtAlgebra> GateVars<'a, A> {
    /// Vars over the given constant and wire openings and public-inputs hash.
    pub fn new(
        local_constants: &'a [A::Ext],
        local_wires: &'a [A::Ext],
        public_inputs_hash: &'a [A::Ext; 4],
    ) -> Self {
        Self {
            local_constants,
            local_wires,
            public_inputs_hash,
        }
    }

    /// The same vars without the first `n` constants (plonky2's `remove_prefix`).
    ///
    /// Panics if there are fewer than `n` constants.
    pub fn without_constant_prefix(&self, n: usize) -> Self {
        Self {
            local_constants: &self.local_constants[n..],
            ..*self
        }
    }

    /// The extension-algebra element on wires `start` and `start + 1`.
    pub(crate) fn wire_pair(&self, start: usize) -> Pair<A::Ext> {
        [
            self.local_wires[start].clone(),
            self.local_wires[start + 1].clone(),
        ]
    }
}

/// What evaluating a circuit's gates or vanishing polynomial can fail with.
#[derive(Debug, thiserror::Error)]
pub enum GateError<E: Debug> {
    /// The gate (named by its plonky2 id) has no generic implementation.
    #[error("gate {0} is not supported by the generic verifier")]
    Unsupported(String),
    /// The gate's parameters are outside what plonky2 itself can evaluate.
    #[error("gate {gate}: malformed parameters: {reason}")]
    Malformed {
        /// The gate's plonky2 id.
        gate: String,
        /// What is wrong.
        reason: String,
    },
    /// The circuit uses plonky2's lookup argument, which is not implemented.
    #[error(
        "circuit uses lookups ({polys} lookup polynomials, {selectors} lookup selectors, \
         {tables} tables); the generic verifier has no lookup argument"
    )]
    Lookups {
        /// `num_lookup_polys` of the circuit.
        polys: usize,
        /// `num_lookup_selectors` of the circuit.
        selectors: usize,
        /// The number of lookup tables.
        tables: usize,
    },
    /// A row's openings are too short for a gate.
    #[error("gate {gate}: needs {needed} {what}, the row has {got}")]
    TooFewVars {
        /// The gate's plonky2 id.
        gate: String,
        /// `"wires"` or `"constants"`.
        what: &'static str,
        /// How many the gate reads.
        needed: usize,
        /// How many the row has.
        got: usize,
    },
    /// A gate yields more constraints than the circuit's `num_gate_constraints`.
    #[error("gate {gate}: yields {got} constraints, the circuit has {max}")]
    TooManyConstraints {
        /// The gate's plonky2 id.
        gate: String,
        /// How many the gate yielded.
        got: usize,
        /// `num_gate_constraints` of the circuit.
        max: usize,
    },
    /// The circuit's selector data is inconsistent or unreadable.
    #[error("selectors: {0}")]
    Selectors(String),
    /// An input has the wrong number of values.
    #[error("{what}: expected {expected} values, got {got}")]
    Shape {
        /// Which input (an opening, a challenge list).
        what: &'static str,
        /// How many the circuit calls for.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// An operation of the algebra failed.
    #[error("algebra operation failed: {0:?}")]
    Algebra(E),
}

impl<E: Debug> From<E> for GateError<E> {
    fn from(e: E) -> Self {
        GateError::Algebra(e)
    }
}

/// A plonky2 gate whose constraints can be evaluated over any [`ExtAlgebra`].
pub trait GenericGate {
    /// The gate's unfiltered constraints at `vars`: exactly plonky2's
    /// `Gate::eval_unfiltered`, value for value and in its order.
    ///
    /// Panics if `vars` has fewer wires or constants than the gate reads
    /// ([`eval_gate`] checks this and returns an error instead).
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error>;
}

/// An element `a[0] + a[1]·X` of plonky2's `ExtensionAlgebra<GF2, 2>`
/// (`X² = W`), as two wires read.
pub(crate) type Pair<E> = [E; 2];

/// The product `a·b` of two extension-algebra elements, as an inner-product term.
pub(crate) type PairProduct<'a, E> = (&'a Pair<E>, &'a Pair<E>);

/// `Σ_k a_k · b_k` in the extension algebra: two inner products, whatever the
/// number of products.
pub(crate) fn algebra_dot<A: ExtAlgebra>(
    alg: &mut A,
    products: &[PairProduct<'_, A::Ext>],
) -> Result<Pair<A::Ext>, A::Error> {
    let w = <GF as Extendable<D>>::W;
    let mut left_0 = Vec::with_capacity(2 * products.len());
    let mut right_0 = Vec::with_capacity(2 * products.len());
    let mut left_1 = Vec::with_capacity(2 * products.len());
    let mut right_1 = Vec::with_capacity(2 * products.len());
    for (a, b) in products {
        // (a0 + a1 X)(b0 + b1 X) = (a0 b0 + W a1 b1) + (a0 b1 + a1 b0) X.
        left_0.push(a[0].clone());
        right_0.push(b[0].clone());
        left_0.push(alg.scale(w, &a[1])?);
        right_0.push(b[1].clone());
        left_1.push(a[0].clone());
        right_1.push(b[1].clone());
        left_1.push(a[1].clone());
        right_1.push(b[0].clone());
    }
    Ok([
        alg.inner_product(&left_0, &right_0)?,
        alg.inner_product(&left_1, &right_1)?,
    ])
}

/// `a - b` in the extension algebra.
pub(crate) fn pair_sub<A: ExtAlgebra>(
    alg: &mut A,
    a: &Pair<A::Ext>,
    b: &Pair<A::Ext>,
) -> Result<Pair<A::Ext>, A::Error> {
    Ok([alg.sub(&a[0], &b[0])?, alg.sub(&a[1], &b[1])?])
}

/// A base-field element as an extension element.
pub fn lift(x: GF) -> GF2 {
    <GF2 as FieldExtension<D>>::from_basefield(x)
}

/// `Π factors`; one when empty. `len - 1` multiplications.
pub(crate) fn product<A: ExtAlgebra>(alg: &mut A, factors: &[A::Ext]) -> Result<A::Ext, A::Error> {
    let Some((first, rest)) = factors.split_first() else {
        return Ok(alg.constant(GF2::ONE));
    };
    let mut acc = first.clone();
    for f in rest {
        acc = alg.mul(&acc, f)?;
    }
    Ok(acc)
}

/// Evaluates the gate as each listed type in turn, returning from the caller on
/// the first that matches.
macro_rules! try_gate_types {
    ($alg:expr, $any:expr, $vars:expr, $($ty:ty),+ $(,)?) => {
        $(
            if let Some(g) = $any.downcast_ref::<$ty>() {
                return Ok(GenericGate::eval_unfiltered(g, $alg, $vars)?);
            }
        )+
    };
}

/// The unfiltered constraints of `gate` at `vars` (selectors already removed
/// from the constants), exactly as plonky2's `gate.0.eval_unfiltered`.
///
/// Gate parameters are read from the gate struct; an unknown gate type gives
/// [`GateError::Unsupported`], and too short `vars` [`GateError::TooFewVars`].
pub fn eval_gate<A: ExtAlgebra>(
    alg: &mut A,
    gate: &GateRef<GF, D>,
    vars: &GateVars<'_, A>,
) -> Result<Vec<A::Ext>, GateError<A::Error>> {
    let g = gate.0.as_ref();
    let any = g.as_any();
    // Before asking the gate its size: plonky2 divides by `degree - 1` there.
    if let Some(c) = any.downcast_ref::<CosetInterpolationGate<GF, D>>() {
        interpolation::validate(c).map_err(|reason| GateError::Malformed {
            gate: g.id(),
            reason,
        })?;
    }
    let needed_wires = g.num_wires();
    if vars.local_wires.len() < needed_wires {
        return Err(GateError::TooFewVars {
            gate: g.id(),
            what: "wires",
            needed: needed_wires,
            got: vars.local_wires.len(),
        });
    }
    let needed_constants = g.num_constants();
    if vars.local_constants.len() < needed_constants {
        return Err(GateError::TooFewVars {
            gate: g.id(),
            what: "constants",
            needed: needed_constants,
            got: vars.local_constants.len(),
        });
    }
    try_gate_types!(
        alg,
        any,
        vars,
        NoopGate,
        ConstantGate,
        PublicInputGate,
        ArithmeticGate,
        ArithmeticExtensionGate<D>,
        MulExtensionGate<D>,
        ReducingGate<D>,
        ReducingExtensionGate<D>,
        RandomAccessGate<GF, D>,
        CosetInterpolationGate<GF, D>,
        PoseidonGate<GF, D>,
        PoseidonMdsGate<GF, D>,
        BaseSumGate<2>,
        BaseSumGate<3>,
        BaseSumGate<4>,
        BaseSumGate<5>,
        BaseSumGate<6>,
        BaseSumGate<7>,
        BaseSumGate<8>,
        BaseSumGate<16>,
    );
    Err(GateError::Unsupported(g.id()))
}

#[cfg(test)]
mod tests {
    use plonky2::gates::exponentiation::ExponentiationGate;
    use plonky2::gates::gate::GateRef;
    use plonky2::plonk::circuit_data::CircuitConfig;

    use super::test_util::{recursion_common, RandomRow};
    use super::*;
    use crate::wrap::algebra::Native;

    #[test]
    fn eval_gate_matches_plonky2_for_every_gate_of_a_recursion_circuit() {
        let common = recursion_common();
        for gate in &common.gates {
            let g = gate.0.as_ref();
            let row = RandomRow::new(g.num_constants(), g.num_wires());
            let expected = g.eval_unfiltered(row.plonky2_vars());
            let got = eval_gate(&mut Native, gate, &row.generic_vars())
                .unwrap_or_else(|e| panic!("{}: {e}", g.id()));
            assert_eq!(got, expected, "{}", g.id());
        }
    }

    #[test]
    fn eval_gate_rejects_an_unsupported_gate_by_its_id() {
        let config = CircuitConfig::standard_recursion_config();
        let gate = GateRef::new(ExponentiationGate::<GF, D>::new_from_config(&config));
        let row = RandomRow::new(gate.0.num_constants(), gate.0.num_wires());
        match eval_gate(&mut Native, &gate, &row.generic_vars()) {
            Err(GateError::Unsupported(id)) => {
                assert!(id.contains("ExponentiationGate"), "{id}")
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn eval_gate_rejects_a_row_with_too_few_wires() {
        let gate = GateRef::new(ArithmeticGate { num_ops: 20 });
        let row = RandomRow::new(2, 79);
        match eval_gate(&mut Native, &gate, &row.generic_vars()) {
            Err(GateError::TooFewVars {
                what: "wires",
                needed: 80,
                got: 79,
                ..
            }) => {}
            other => panic!("expected TooFewVars, got {other:?}"),
        }
        let row = RandomRow::new(1, 80);
        assert!(matches!(
            eval_gate(&mut Native, &gate, &row.generic_vars()),
            Err(GateError::TooFewVars {
                what: "constants",
                ..
            })
        ));
    }
}
