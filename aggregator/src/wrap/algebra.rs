//! Arithmetic in Goldilocks' quadratic extension, behind a trait, so that the
//! verifier's algebra (gate constraints, the vanishing polynomial) is written
//! once and runs both natively, where it is checked against plonky2, and in
//! R1CS, where it is the wrap circuit.

use core::convert::Infallible;
use core::fmt::Debug;

use plonky2::field::extension::quadratic::QuadraticExtension;
use plonky2::field::extension::FieldExtension;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::Field;

/// The Goldilocks field.
pub type GF = GoldilocksField;
/// Goldilocks' quadratic extension, `GF[X] / (X^2 - 7)`.
pub type GF2 = QuadraticExtension<GoldilocksField>;

/// Field operations over `GF2` on some representation of its elements.
///
/// Every operation may fail: in R1CS, synthesis can (an unassigned witness, a
/// division by zero while assigning).
pub trait ExtAlgebra {
    /// An element of `GF2` in this representation.
    type Ext: Clone + Debug;
    /// What an operation can fail with.
    type Error: Debug;

    /// The constant `c`.
    fn constant(&mut self, c: GF2) -> Self::Ext;
    /// `a + b`.
    fn add(&mut self, a: &Self::Ext, b: &Self::Ext) -> Result<Self::Ext, Self::Error>;
    /// `a - b`.
    fn sub(&mut self, a: &Self::Ext, b: &Self::Ext) -> Result<Self::Ext, Self::Error>;
    /// `a * b`.
    fn mul(&mut self, a: &Self::Ext, b: &Self::Ext) -> Result<Self::Ext, Self::Error>;
    /// `c * a` for a base-field constant `c`.
    fn scale(&mut self, c: GF, a: &Self::Ext) -> Result<Self::Ext, Self::Error>;
    /// `a / b`; `b` must be non-zero.
    fn div(&mut self, a: &Self::Ext, b: &Self::Ext) -> Result<Self::Ext, Self::Error>;

    /// `a^2`.
    fn square(&mut self, a: &Self::Ext) -> Result<Self::Ext, Self::Error> {
        self.mul(a, a)
    }

    /// `a * b + c`.
    fn mul_add(
        &mut self,
        a: &Self::Ext,
        b: &Self::Ext,
        c: &Self::Ext,
    ) -> Result<Self::Ext, Self::Error> {
        let ab = self.mul(a, b)?;
        self.add(&ab, c)
    }

    /// `sum_i a_i * b_i` (zero when empty). R1CS representations override this
    /// to reduce once for the whole sum.
    fn inner_product(
        &mut self,
        a: &[Self::Ext],
        b: &[Self::Ext],
    ) -> Result<Self::Ext, Self::Error> {
        assert_eq!(a.len(), b.len(), "inner product of unequal lengths");
        let mut acc = self.constant(GF2::ZERO);
        for (x, y) in a.iter().zip(b) {
            acc = self.mul_add(x, y, &acc)?;
        }
        Ok(acc)
    }

    /// `sum_i a_i` (zero when empty).
    fn sum(&mut self, a: &[Self::Ext]) -> Result<Self::Ext, Self::Error> {
        let mut acc = self.constant(GF2::ZERO);
        for x in a {
            acc = self.add(&acc, x)?;
        }
        Ok(acc)
    }

    /// `a^(2^k)`.
    fn exp_power_of_2(&mut self, a: &Self::Ext, k: usize) -> Result<Self::Ext, Self::Error> {
        let mut acc = a.clone();
        for _ in 0..k {
            acc = self.square(&acc)?;
        }
        Ok(acc)
    }

    /// `a^e` for a constant exponent (square and multiply).
    fn exp_u64(&mut self, a: &Self::Ext, e: u64) -> Result<Self::Ext, Self::Error> {
        let mut acc = self.constant(GF2::ONE);
        for bit in (0..64 - e.leading_zeros()).rev() {
            acc = self.square(&acc)?;
            if (e >> bit) & 1 == 1 {
                acc = self.mul(&acc, a)?;
            }
        }
        Ok(acc)
    }
}

/// Plain `GF2` arithmetic: the reference every other representation is checked against.
#[derive(Clone, Copy, Debug, Default)]
pub struct Native;

impl ExtAlgebra for Native {
    type Ext = GF2;
    type Error = Infallible;

    fn constant(&mut self, c: GF2) -> GF2 {
        c
    }
    fn add(&mut self, a: &GF2, b: &GF2) -> Result<GF2, Infallible> {
        Ok(*a + *b)
    }
    fn sub(&mut self, a: &GF2, b: &GF2) -> Result<GF2, Infallible> {
        Ok(*a - *b)
    }
    fn mul(&mut self, a: &GF2, b: &GF2) -> Result<GF2, Infallible> {
        Ok(*a * *b)
    }
    fn scale(&mut self, c: GF, a: &GF2) -> Result<GF2, Infallible> {
        Ok(<GF2 as FieldExtension<2>>::scalar_mul(a, c))
    }
    fn div(&mut self, a: &GF2, b: &GF2) -> Result<GF2, Infallible> {
        Ok(*a / *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::Sample;

    #[test]
    fn provided_operations_agree_with_plonky2_field() {
        let mut n = Native;
        for _ in 0..16 {
            let (a, b, c) = (GF2::rand(), GF2::rand(), GF2::rand());
            assert_eq!(n.mul_add(&a, &b, &c).unwrap(), a * b + c);
            assert_eq!(n.exp_power_of_2(&a, 5).unwrap(), a.exp_power_of_2(5));
            let e = 0x1234_5678_9abc_def1u64;
            assert_eq!(n.exp_u64(&a, e).unwrap(), a.exp_u64(e));
            assert_eq!(n.exp_u64(&a, 0).unwrap(), GF2::ONE);
            assert_eq!(
                n.inner_product(&[a, b], &[c, a]).unwrap(),
                a * c + b * a,
                "inner product"
            );
            assert_eq!(n.sum(&[a, b, c]).unwrap(), a + b + c);
        }
    }
}
