//! Range checks by bit decomposition: `n` boolean witnesses (one constraint
//! each) whose weighted sum is the checked value. With `n <= 252` the sum is
//! below `r`, so the decomposition is unique and proves `value < 2^n`.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, One, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};
use num_bigint::BigUint;

use super::{combine, fr_to_big, witness_int};

/// The widest decomposition allowed: `2^252 < r`, so packing never wraps.
pub const MAX_RANGE_BITS: usize = 252;

/// Allocates `n` boolean witnesses holding `value`'s low bits and returns their
/// packed sum with them (`n` constraints; the sum is a linear combination).
///
/// `value` is `None` in setup mode; in proving mode a missing value is
/// [`SynthesisError::AssignmentMissing`]. The caller is responsible for `value`
/// being below `2^n` (otherwise the sum differs from `value`).
pub fn alloc_bits(
    cs: &ConstraintSystemRef<Fr>,
    value: Option<&BigUint>,
    n: usize,
) -> Result<(FpVar<Fr>, Vec<Boolean<Fr>>), SynthesisError> {
    assert!(n <= MAX_RANGE_BITS, "range check of {n} bits would wrap Fr");
    let bits = (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                value
                    .map(|v| v.bit(i as u64))
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let packed = pack_bits(&bits)?;
    Ok((packed, bits))
}

/// `sum_i bits[i] * 2^i` as one linear combination (no constraint).
pub fn pack_bits(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    assert!(
        bits.len() <= MAX_RANGE_BITS,
        "packing {} bits would wrap Fr",
        bits.len()
    );
    let values: Vec<FpVar<Fr>> = bits.iter().cloned().map(FpVar::from).collect();
    let mut power = Fr::one();
    let mut terms = Vec::with_capacity(bits.len());
    for v in &values {
        terms.push((power, v));
        power.double_in_place();
    }
    combine(&terms, Fr::zero())
}

/// Enforces `0 <= x < 2^n` and returns `x`'s `n` little-endian bits (`n + 1`
/// constraints; a constant is checked at synthesis, free).
pub fn enforce_bits(
    cs: &ConstraintSystemRef<Fr>,
    x: &FpVar<Fr>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    assert!(n <= MAX_RANGE_BITS, "range check of {n} bits would wrap Fr");
    if let FpVar::Constant(c) = x {
        let c = fr_to_big(*c);
        if c.bits() > n as u64 {
            return Err(SynthesisError::Unsatisfiable);
        }
        return Ok((0..n).map(|i| Boolean::constant(c.bit(i as u64))).collect());
    }
    let value = witness_int(x)?;
    let (packed, bits) = alloc_bits(cs, value.as_ref(), n)?;
    x.enforce_equal(&packed)?;
    Ok(bits)
}

/// Enforces that 64 little-endian bits encode an integer below `p`, with one
/// constraint.
///
/// Writing the integer as `hi * 2^32 + lo`, it is below `p = (2^32 - 1) * 2^32
/// + 1` exactly when `hi < 2^32 - 1` or `lo = 0`. The constraint is
/// `(2^32 - 1 - hi) * w = lo` for a witness `w`: when `hi = 2^32 - 1` the left
/// side is zero, so `lo` must be; otherwise `w = lo / (2^32 - 1 - hi)` works.
pub fn enforce_below_goldilocks(bits: &[Boolean<Fr>]) -> Result<(), SynthesisError> {
    assert_eq!(bits.len(), 64, "a Goldilocks value has 64 bits");
    let lo = pack_bits(&bits[..32])?;
    let hi = pack_bits(&bits[32..])?;
    let gap = FpVar::Constant(Fr::from(u32::MAX)) - &hi;
    if let (FpVar::Constant(g), FpVar::Constant(l)) = (&gap, &lo) {
        return if g.is_zero() && !l.is_zero() {
            Err(SynthesisError::Unsatisfiable)
        } else {
            Ok(())
        };
    }
    let cs = gap.cs().or(lo.cs());
    let w = FpVar::new_witness(cs, || {
        let (g, l) = (gap.value()?, lo.value()?);
        // A value at or above p has g = 0 and l != 0: no w satisfies the
        // constraint, and 0 is as good as any.
        Ok(g.inverse().map_or(Fr::zero(), |g_inv| l * g_inv))
    })?;
    gap.mul_equals(&w, &lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::goldilocks::P;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::r1cs::ConstraintSystem;

    /// Whether `v` passes the 64-bit check and [`enforce_below_goldilocks`].
    fn below_p(v: u64) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(v))).expect("alloc");
        let bits = enforce_bits(&cs, &x, 64).expect("synthesis");
        enforce_below_goldilocks(&bits).expect("synthesis");
        let back: u64 = bits
            .iter()
            .rev()
            .fold(0, |acc, b| (acc << 1) | b.value().expect("assigned") as u64);
        assert_eq!(back, v, "bits recompose");
        cs.is_satisfied().expect("check")
    }

    #[test]
    fn canonical_values_pass_and_values_from_p_up_fail() {
        for v in [0, 1, P - 1, 0xffff_fffe_ffff_ffff, 0x1234_5678_9abc_def0] {
            assert!(below_p(v), "{v:#x} is canonical but was rejected");
        }
        for v in [P, P + 1, u64::MAX, 0xffff_ffff_0000_0001] {
            assert!(!below_p(v), "{v:#x} is not below p but was accepted");
        }
    }
}
