//! 128-bit amounts as four little-endian 32-bit limbs, and sums over them.

use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;

/// Number of limbs.
pub const LIMBS: usize = 4;
/// Bits per limb.
pub const LIMB_BITS: usize = 32;

/// A 128-bit amount: four little-endian limbs, each < 2^32 where it is written.
pub type U128Target = [Target; LIMBS];

/// Field element of a signed integer small enough not to wrap.
pub fn field_i64<F: Field>(x: i64) -> F {
    if x >= 0 {
        F::from_canonical_u64(x as u64)
    } else {
        -F::from_canonical_u64(x.unsigned_abs())
    }
}

/// Limbs of a 128-bit value.
pub fn limbs_of(v: u128) -> [u64; LIMBS] {
    std::array::from_fn(|i| ((v >> (LIMB_BITS * i)) as u64) & 0xffff_ffff)
}

/// Fresh limb targets range-checked to 32 bits each.
pub fn add_u128<F: RichField + Extendable<D>, const D: usize>(
    builder: &mut CircuitBuilder<F, D>,
) -> U128Target {
    std::array::from_fn(|_| {
        let t = builder.add_virtual_target();
        builder.range_check(t, LIMB_BITS);
        t
    })
}

/// `c * x` limb by limb, for a 0/1 selector `c`.
pub fn scale_u128<F: RichField + Extendable<D>, const D: usize>(
    builder: &mut CircuitBuilder<F, D>,
    c: Target,
    x: &U128Target,
) -> U128Target {
    std::array::from_fn(|i| builder.mul(c, x[i]))
}

/// Constraint `sum(left) == sum(right)` as integers, where each term's limbs are
/// below 2^33: carries between limbs are witnessed and range-checked, and the
/// carry out of the top limb must be zero (so nothing overflows 128 bits when the
/// right side is range-checked).
#[derive(Clone, Debug)]
pub struct SumEq {
    carries: [Target; LIMBS - 1],
    offset: i64,
}

impl SumEq {
    /// Adds the constraint; `carry_bits` bounds `|carry| < 2^(carry_bits - 1)`.
    pub fn build<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        left: &[U128Target],
        right: &[U128Target],
        carry_bits: usize,
    ) -> Self {
        let carries: [Target; LIMBS - 1] = std::array::from_fn(|_| builder.add_virtual_target());
        let offset = 1i64 << (carry_bits - 1);
        let offset_t = builder.constant(F::from_canonical_u64(offset as u64));
        for &k in &carries {
            let shifted = builder.add(k, offset_t);
            builder.range_check(shifted, carry_bits);
        }
        let base = F::from_canonical_u64(1 << LIMB_BITS);
        for i in 0..LIMBS {
            let l = builder.add_many(left.iter().map(|x| x[i]));
            let r = builder.add_many(right.iter().map(|x| x[i]));
            let mut d = builder.sub(l, r);
            if i > 0 {
                d = builder.add(d, carries[i - 1]);
            }
            if i < LIMBS - 1 {
                // d == carry * 2^32
                let scaled = builder.mul_const(base, carries[i]);
                builder.connect(d, scaled);
            } else {
                builder.assert_zero(d);
            }
        }
        Self { carries, offset }
    }

    /// Sets the carries from the terms' limb values.
    pub fn assign<F: Field>(
        &self,
        pw: &mut PartialWitness<F>,
        left: &[[u64; LIMBS]],
        right: &[[u64; LIMBS]],
    ) -> anyhow::Result<()> {
        let mut carry: i64 = 0;
        for i in 0..LIMBS - 1 {
            let l: i64 = left.iter().map(|v| v[i] as i64).sum();
            let r: i64 = right.iter().map(|v| v[i] as i64).sum();
            let d = l - r + carry;
            carry = d >> LIMB_BITS;
            // Keep an out-of-range carry in range so that the range check, not the
            // witness writer, is what rejects an inconsistent witness.
            let bounded = carry.clamp(-self.offset, self.offset - 1);
            pw.set_target(self.carries[i], field_i64(bounded))?;
        }
        Ok(())
    }
}
