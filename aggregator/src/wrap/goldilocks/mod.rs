//! Goldilocks (`p = 2^64 - 2^32 + 1`) and its quadratic extension
//! `GF(p^2) = GF(p)[X] / (X^2 - 7)` emulated in R1CS over the BN254 scalar
//! field `Fr`, with lazy reduction.
//!
//! * [`range`]: bit decompositions, the only range check everything uses.
//! * [`field`]: [`GoldilocksVar`], one element of `GF(p)`.
//! * [`quadratic`]: [`QuadraticVar`], one element of `GF(p^2)`.
//! * [`algebra`]: [`R1csAlgebra`], the [`ExtAlgebra`](crate::wrap::algebra::ExtAlgebra)
//!   implementation the gate constraints are evaluated through.
//! * [`poseidon`]: plonky2's Poseidon permutation and `hash_no_pad`.
//!
//! # Representation
//!
//! A [`GoldilocksVar`] is one `Fr` variable holding an integer `x` with a
//! proven upper bound `x <= max`; it stands for `x mod p`. `max` is tracked
//! exactly (as an integer, not only as a bit length) and is always below
//! `2^MAX_BITS` with [`MAX_BITS`]` = 250`, while `r > 2^253.5`. Every operation
//! computes the bound of its result from the bounds of its operands, and first
//! reduces operands whenever the result would reach `2^MAX_BITS`, so no value
//! ever wraps around `r`: equalities between such values in `Fr` are equalities
//! between integers.
//!
//! * Additions and constant multiplications are linear (no constraint).
//!   Subtraction adds a multiple `k*p` of `p` at least the subtrahend's bound, so
//!   the integer stays non-negative; multiplication by a constant `c > p/2` is
//!   done as `k*p - (p - c)*x` to keep the bound small.
//! * A product costs one constraint and its bound is the product of the bounds.
//! * A reduction of `x <= max` witnesses `q = x div p` and `r = x mod p`, checks
//!   `r` to 64 bits and `q` to `bitlen(max / p)` bits, and enforces
//!   `x = q*p + r` (free inside the product constraint when fused with a
//!   multiplication, [`GoldilocksVar::mul_reduce`]). Both sides are below
//!   `2^252 < r`, so the equality holds over the integers and `r = x mod p`
//!   unless `r` is one of the two representatives below `2^64`; the bound of
//!   the result is `2^64 - 1`. A reduction costs `bitlen(max / p) + 64`
//!   constraints, plus one when not fused. Reductions are cached: reducing the
//!   same value twice costs nothing the second time.
//! * [`GoldilocksVar::to_canonical`] additionally proves `r < p` with one
//!   constraint, and returns the 64 bits of the canonical value.
//! * [`GoldilocksVar::enforce_equal`] checks `a - b + k*p = m*p` for a witness
//!   `m` of `bitlen(max / p)` bits: cheaper than reducing both sides.
//!
//! Nothing is reduced until it has to be: a product of two reduced values (128
//! bits) can be multiplied once more by a reduced value before it must be
//! reduced, and sums of products are reduced once. When a multiplication would
//! overflow, it reduces whichever operands make it fit at the lowest cost.

pub mod algebra;
pub mod field;
pub mod poseidon;
pub mod quadratic;
pub mod range;
#[cfg(test)]
mod testing;

use ark_bn254::Fr;
use ark_ff::{PrimeField, Zero};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use num_bigint::BigUint;
use plonky2::field::types::{Field, Field64, PrimeField64};

pub use crate::wrap::algebra::{GF, GF2};
pub use algebra::R1csAlgebra;
pub use field::GoldilocksVar;
pub use poseidon::{hash_no_pad_var, permute_var};
pub use quadratic::QuadraticVar;

/// The Goldilocks modulus `p = 2^64 - 2^32 + 1`.
pub const P: u64 = <GF as Field64>::ORDER;
/// Every tracked integer is below `2^MAX_BITS`, far enough below BN254's
/// `r > 2^253.5` that reduction and equality checks never wrap.
pub const MAX_BITS: u32 = 250;
/// `W` in `X^2 = W`: the extension's non-residue.
pub const W: u64 = 7;

/// `p` as a big integer.
fn p_big() -> BigUint {
    BigUint::from(P)
}

/// Whether an integer bound stays below `2^MAX_BITS`.
fn fits(max: &BigUint) -> bool {
    max.bits() <= u64::from(MAX_BITS)
}

/// The integer an `Fr` element represents, in `[0, r)`.
fn fr_to_big(x: Fr) -> BigUint {
    x.into_bigint().into()
}

/// An integer below `r` as an `Fr` element.
fn big_to_fr(x: &BigUint) -> Fr {
    Fr::from_le_bytes_mod_order(&x.to_bytes_le())
}

/// The Goldilocks element an integer stands for.
fn big_to_gf(x: &BigUint) -> GF {
    let r = x % p_big();
    GF::from_canonical_u64(r.iter_u64_digits().next().unwrap_or(0))
}

/// A Goldilocks element as its canonical `u64`.
fn canonical(x: GF) -> u64 {
    x.to_canonical_u64()
}

/// The integer value of a variable, or `None` in setup mode (when witnesses
/// are not computed).
fn witness_int(x: &FpVar<Fr>) -> Result<Option<BigUint>, SynthesisError> {
    match x {
        FpVar::Constant(c) => Ok(Some(fr_to_big(*c))),
        FpVar::Var(v) => {
            if v.cs.is_in_setup_mode() {
                Ok(None)
            } else {
                Ok(Some(fr_to_big(x.value()?)))
            }
        }
    }
}

/// `constant + sum_i coeff_i * x_i` as one linear combination (no constraint).
fn combine(terms: &[(Fr, &FpVar<Fr>)], constant: Fr) -> Result<FpVar<Fr>, SynthesisError> {
    let mut cs = ConstraintSystemRef::None;
    let mut lc = LinearCombination::zero();
    let mut value = Some(constant);
    let mut constant = constant;
    for (coeff, x) in terms {
        match x {
            FpVar::Constant(c) => {
                constant += *coeff * c;
                value = value.map(|v| v + *coeff * c);
            }
            FpVar::Var(v) => {
                cs = cs.or(v.cs.clone());
                lc += (*coeff, v.variable);
                value = match (value, x.value()) {
                    (Some(acc), Ok(xv)) => Some(acc + *coeff * xv),
                    _ => None,
                };
            }
        }
    }
    if cs.is_none() {
        return Ok(FpVar::Constant(constant));
    }
    if !constant.is_zero() {
        lc += (constant, Variable::One);
    }
    let variable = cs.new_lc(lc)?;
    Ok(FpVar::Var(AllocatedFp::new(value, variable, cs)))
}

/// The little-endian bits of a `u64` as constant booleans.
fn constant_bits(x: u64) -> Vec<Boolean<Fr>> {
    (0..64)
        .map(|i| Boolean::constant((x >> i) & 1 == 1))
        .collect()
}
