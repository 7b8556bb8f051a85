//! Eight elements of BN254's Fq2 = Fq[u]/(u² + 1) at once, on [`Fq8`].

// Every function here has one safety condition, the CPU features of
// `super::available` (see the module docs), rather than one per function.
#![allow(clippy::missing_safety_doc)]

use std::arch::x86_64::__mmask8;

use super::fq8::Fq8;
use crate::cpu::msm::fq2::Fq2;

/// Eight Fq2 elements: c0 + c1·u in each lane.
#[derive(Clone, Copy, Debug)]
pub struct Fq2x8 {
    /// c0.
    pub c0: Fq8,
    /// c1.
    pub c1: Fq8,
}

impl Fq2x8 {
    /// Zero in every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn zero() -> Fq2x8 {
        Fq2x8 {
            c0: Fq8::zero(),
            c1: Fq8::zero(),
        }
    }

    /// One in every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn one() -> Fq2x8 {
        Fq2x8 {
            c0: Fq8::one(),
            c1: Fq8::zero(),
        }
    }

    /// From eight of zkr's Fq2 elements.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn load(x: &[Fq2; 8]) -> Fq2x8 {
        Fq2x8 {
            c0: Fq8::load(&x.map(|f| f.c0)),
            c1: Fq8::load(&x.map(|f| f.c1)),
        }
    }

    /// Back to eight of zkr's Fq2 elements.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn store(self) -> [Fq2; 8] {
        let (c0, c1) = (self.c0.store(), self.c1.store());
        std::array::from_fn(|k| Fq2 {
            c0: c0[k],
            c1: c1[k],
        })
    }

    /// From the lanes' limbs as [`Self::to_limbs`] gives them.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn from_limbs(limbs: &[[[u64; 5]; 2]; 8]) -> Fq2x8 {
        Fq2x8 {
            c0: Fq8::from_limbs(&limbs.map(|l| l[0])),
            c1: Fq8::from_limbs(&limbs.map(|l| l[1])),
        }
    }

    /// Each lane's limbs (c0, c1), in [`Fq8`]'s form.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn to_limbs(self) -> [[[u64; 5]; 2]; 8] {
        let (c0, c1) = (self.c0.to_limbs(), self.c1.to_limbs());
        std::array::from_fn(|k| [c0[k], c1[k]])
    }

    /// Lane i from `a` where bit i of `mask` is set, else from `b`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn select(mask: __mmask8, a: Fq2x8, b: Fq2x8) -> Fq2x8 {
        Fq2x8 {
            c0: Fq8::select(mask, a.c0, b.c0),
            c1: Fq8::select(mask, a.c1, b.c1),
        }
    }

    /// `self + rhs`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn add(self, rhs: Fq2x8) -> Fq2x8 {
        Fq2x8 {
            c0: self.c0.add(rhs.c0),
            c1: self.c1.add(rhs.c1),
        }
    }

    /// `self − rhs`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn sub(self, rhs: Fq2x8) -> Fq2x8 {
        Fq2x8 {
            c0: self.c0.sub(rhs.c0),
            c1: self.c1.sub(rhs.c1),
        }
    }

    /// `2·self`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn double(self) -> Fq2x8 {
        self.add(self)
    }

    /// `−self`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn neg(self) -> Fq2x8 {
        Fq2x8 {
            c0: self.c0.neg(),
            c1: self.c1.neg(),
        }
    }

    /// `self·rhs` (Karatsuba: three products).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn mul(self, rhs: Fq2x8) -> Fq2x8 {
        let v0 = self.c0.mul(rhs.c0);
        let v1 = self.c1.mul(rhs.c1);
        let s = self.c0.add(self.c1).mul(rhs.c0.add(rhs.c1));
        Fq2x8 {
            c0: v0.sub(v1),
            c1: s.sub(v0).sub(v1),
        }
    }

    /// `self²`: (c0 + c1)(c0 − c1) + 2·c0·c1·u.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn square(self) -> Fq2x8 {
        let m = self.c0.mul(self.c1);
        Fq2x8 {
            c0: self.c0.add(self.c1).mul(self.c0.sub(self.c1)),
            c1: m.double(),
        }
    }

    /// Lanes equal to zero.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn is_zero(self) -> __mmask8 {
        self.c0.is_zero() & self.c1.is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn lane_operations_equal_zkr_fq2_operations() {
        if !super::super::available() {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to check");
            return;
        }
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut values: Vec<ark_bn254::Fq2> =
            (0..160).map(|_| ark_bn254::Fq2::rand(&mut rng)).collect();
        values.extend([
            ark_bn254::Fq2::ZERO,
            ark_bn254::Fq2::ONE,
            -ark_bn254::Fq2::ONE,
        ]);
        values.resize(176, ark_bn254::Fq2::ZERO);
        for chunk in values.chunks_exact(16) {
            let a: [Fq2; 8] = std::array::from_fn(|k| Fq2::from_ark(&chunk[k]));
            let b: [Fq2; 8] = std::array::from_fn(|k| Fq2::from_ark(&chunk[8 + (k * 5) % 8]));
            // SAFETY: the CPU has AVX-512 IFMA (checked above).
            let got = unsafe {
                let (x, y) = (Fq2x8::load(&a), Fq2x8::load(&b));
                [
                    x.add(y).store(),
                    x.sub(y).store(),
                    x.mul(y).store(),
                    x.square().store(),
                    x.neg().store(),
                ]
            };
            for k in 0..8 {
                let (x, y) = (a[k].to_ark(), b[k].to_ark());
                let expected = [x + y, x - y, x * y, x.square(), -x];
                for (op, (g, e)) in got.iter().map(|g| g[k]).zip(expected).enumerate() {
                    assert_eq!(g.to_ark(), e, "lane {k}, operation {op}: {x}, {y}");
                }
            }
            // SAFETY: as above.
            let zeros = unsafe { Fq2x8::load(&a).is_zero() };
            for (k, x) in a.iter().enumerate() {
                assert_eq!(zeros & (1 << k) != 0, x.is_zero(), "is_zero of lane {k}");
            }
        }
    }
}
