//! Unpacking decimal floats (`mantissa * 10^exponent`) into 128-bit limbs, the
//! in-circuit twin of `ops::unpack`.

use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::uint128::U128Target;

/// 16-bit digits of 10^e (10^31 < 2^103, so seven digits).
const POW_DIGITS: usize = 7;
const DIGIT_BITS: usize = 16;
/// Exponents are 5 bits.
const EXPONENTS: usize = 32;

/// The product `mantissa * 10^exponent` as limbs, with the witnessed digits and
/// carries of the schoolbook multiplication.
#[derive(Clone, Debug)]
pub struct Unpack {
    /// The value, limbs < 2^32 (the value is < 2^128 or the circuit is unsatisfied).
    pub value: U128Target,
    digits: [Target; POW_DIGITS],
    carries: [Target; POW_DIGITS],
}

fn pow10_digit(e: usize, j: usize) -> u64 {
    ((10u128.pow(e as u32) >> (DIGIT_BITS * j)) & 0xffff) as u64
}

impl Unpack {
    /// Constrains `value = mantissa * 10^exponent < 2^128`. The caller range-checks
    /// `mantissa` to at most 35 bits; the exponent's 5-bit range is enforced by the
    /// table lookup.
    pub fn build<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        mantissa: Target,
        exponent: Target,
    ) -> Self {
        let digits: [Target; POW_DIGITS] = std::array::from_fn(|_| builder.add_virtual_target());
        let carries: [Target; POW_DIGITS] = std::array::from_fn(|_| builder.add_virtual_target());
        let base = F::from_canonical_u64(1 << DIGIT_BITS);
        for j in 0..POW_DIGITS {
            let table: Vec<Target> = (0..EXPONENTS)
                .map(|e| builder.constant(F::from_canonical_u64(pow10_digit(e, j))))
                .collect();
            let p = builder.random_access(exponent, table);
            // column j: mantissa * p_j + carry_{j-1} == digit_j + 2^16 carry_j
            let mut col = builder.mul(mantissa, p);
            if j > 0 {
                col = builder.add(col, carries[j - 1]);
            }
            let rhs = builder.mul_const_add(base, carries[j], digits[j]);
            builder.connect(col, rhs);
            builder.range_check(digits[j], DIGIT_BITS);
            // Columns are < 2^51 (35-bit mantissa, 16-bit digit), so carries < 2^36;
            // the last carry is the top 16 bits of the 128-bit value.
            let carry_bits = if j + 1 < POW_DIGITS { 36 } else { DIGIT_BITS };
            builder.range_check(carries[j], carry_bits);
        }
        let value = std::array::from_fn(|k| {
            let (lo, hi) = if 2 * k + 1 < POW_DIGITS {
                (digits[2 * k], digits[2 * k + 1])
            } else {
                (digits[2 * k], carries[POW_DIGITS - 1])
            };
            builder.mul_const_add(base, hi, lo)
        });
        Self {
            value,
            digits,
            carries,
        }
    }

    /// Sets digits and carries for the given mantissa and exponent.
    pub fn assign<F: Field>(
        &self,
        pw: &mut PartialWitness<F>,
        mantissa: u64,
        exponent: u32,
    ) -> anyhow::Result<()> {
        let e = (exponent as usize).min(EXPONENTS - 1);
        let mut carry: u128 = 0;
        for j in 0..POW_DIGITS {
            let t = mantissa as u128 * pow10_digit(e, j) as u128 + carry;
            pw.set_target(self.digits[j], F::from_canonical_u64((t & 0xffff) as u64))?;
            carry = t >> DIGIT_BITS;
            // An oversized last carry stays as it is: its range check rejects it.
            pw.set_target(self.carries[j], F::from_noncanonical_u128(carry))?;
        }
        Ok(())
    }
}
