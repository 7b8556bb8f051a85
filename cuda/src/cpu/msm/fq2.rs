//! BN254's quadratic extension `Fq[u]/(u² + 1)`, for G2's batched-affine
//! additions, on zkr's inlined [`Fq`].

use std::ops::{Add, Mul, Neg, Sub};

use ark_ff::Field;

use super::fq::Fq;

/// An element `c0 + c1·u` of `Fq2`, `u² = −1` (arkworks' `Fq2`, same limbs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fq2 {
    /// The constant coefficient.
    pub c0: Fq,
    /// The coefficient of `u`.
    pub c1: Fq,
}

impl Fq2 {
    /// Zero.
    pub const ZERO: Fq2 = Fq2 {
        c0: Fq::ZERO,
        c1: Fq::ZERO,
    };
    /// One.
    pub const ONE: Fq2 = Fq2 {
        c0: Fq::ONE,
        c1: Fq::ZERO,
    };

    /// From arkworks' element.
    #[inline(always)]
    pub fn from_ark(f: &ark_bn254::Fq2) -> Fq2 {
        Fq2 {
            c0: Fq::from_ark(&f.c0),
            c1: Fq::from_ark(&f.c1),
        }
    }

    /// To arkworks' element.
    #[inline(always)]
    pub fn to_ark(self) -> ark_bn254::Fq2 {
        ark_bn254::Fq2::new(self.c0.to_ark(), self.c1.to_ark())
    }

    /// Whether this is zero.
    #[inline(always)]
    pub fn is_zero(&self) -> bool {
        self.c0.is_zero() && self.c1.is_zero()
    }

    /// `self²`: `(c0 + c1)(c0 − c1) + 2·c0·c1·u`.
    #[inline(always)]
    pub fn square(&self) -> Fq2 {
        let product = self.c0 * self.c1;
        Fq2 {
            c0: (self.c0 + self.c1) * (self.c0 - self.c1),
            c1: product.double(),
        }
    }

    /// `2·self`.
    #[inline(always)]
    pub fn double(&self) -> Fq2 {
        *self + *self
    }

    /// `self⁻¹`, `None` for zero (one per batch, so arkworks' does it).
    pub fn inverse(&self) -> Option<Fq2> {
        self.to_ark().inverse().map(|f| Fq2::from_ark(&f))
    }
}

impl Add for Fq2 {
    type Output = Fq2;
    #[inline(always)]
    fn add(self, rhs: Fq2) -> Fq2 {
        Fq2 {
            c0: self.c0 + rhs.c0,
            c1: self.c1 + rhs.c1,
        }
    }
}

impl Sub for Fq2 {
    type Output = Fq2;
    #[inline(always)]
    fn sub(self, rhs: Fq2) -> Fq2 {
        Fq2 {
            c0: self.c0 - rhs.c0,
            c1: self.c1 - rhs.c1,
        }
    }
}

impl Neg for Fq2 {
    type Output = Fq2;
    #[inline(always)]
    fn neg(self) -> Fq2 {
        Fq2 {
            c0: -self.c0,
            c1: -self.c1,
        }
    }
}

impl Mul for Fq2 {
    type Output = Fq2;
    /// Karatsuba: three base-field products.
    #[inline(always)]
    fn mul(self, rhs: Fq2) -> Fq2 {
        let v0 = self.c0 * rhs.c0;
        let v1 = self.c1 * rhs.c1;
        let cross = (self.c0 + self.c1) * (rhs.c0 + rhs.c1);
        Fq2 {
            c0: v0 - v1,
            c1: cross - v0 - v1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Fp2Config, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn the_extension_is_by_u_squared_equal_to_minus_one() {
        assert_eq!(
            ark_bn254::Fq2Config::NONRESIDUE,
            -ark_bn254::Fq::ONE,
            "arkworks' Fq2 non-residue is not −1"
        );
        let u = Fq2 {
            c0: Fq::ZERO,
            c1: Fq::ONE,
        };
        assert_eq!(u * u, -Fq2::ONE, "u² should be −1");
    }

    #[test]
    fn operations_equal_arkworks_on_random_and_edge_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let mut values: Vec<ark_bn254::Fq2> =
            (0..1000).map(|_| ark_bn254::Fq2::rand(&mut rng)).collect();
        let one = ark_bn254::Fq::ONE;
        values.extend([
            ark_bn254::Fq2::ZERO,
            ark_bn254::Fq2::ONE,
            ark_bn254::Fq2::new(ark_bn254::Fq::ZERO, one),
            ark_bn254::Fq2::new(-one, -one),
        ]);
        for (k, a) in values.iter().enumerate() {
            let b = values[(k * 7 + 3) % values.len()];
            let (x, y) = (Fq2::from_ark(a), Fq2::from_ark(&b));
            assert_eq!((x + y).to_ark(), *a + b, "{a} + {b}");
            assert_eq!((x - y).to_ark(), *a - b, "{a} - {b}");
            assert_eq!((x * y).to_ark(), *a * b, "{a} * {b}");
            assert_eq!(x.square().to_ark(), a.square(), "{a}²");
            assert_eq!(x.double().to_ark(), a.double(), "2·{a}");
            assert_eq!((-x).to_ark(), -*a, "−{a}");
            assert_eq!(x.is_zero(), a.is_zero(), "is_zero({a})");
            assert_eq!(x.inverse().map(Fq2::to_ark), a.inverse(), "{a}⁻¹");
        }
    }
}
