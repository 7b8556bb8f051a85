//! Eight G1 (or G2) points at once in Jacobian coordinates on [`Fq8`]
//! (or [`Fq2x8`]), with the
//! formulas of [`crate::cpu::msm::jacobian`] (dbl-2009-l, madd-2007-bl):
//! every lane runs the same instructions, so the cases the formulas do not
//! cover are handled by masks, or reported for the caller to redo.

// Every function here has one safety condition, the CPU features of
// `super::available` (see the module docs), rather than one per function.
#![allow(clippy::missing_safety_doc)]

use std::arch::x86_64::__mmask8;

use super::fq2x8::Fq2x8;
use super::fq8::Fq8;
use crate::cpu::msm::buckets::Pt;
use crate::cpu::msm::fq::Fq;
use crate::cpu::msm::fq2::Fq2;
use crate::cpu::msm::jacobian::Jac;

/// Defines eight-lane affine and Jacobian point types over a lane field
/// (`$field`, whose one-lane twin is `$coord`).
macro_rules! lanes_jacobian {
    ($aff:ident, $jac:ident, $field:ident, $coord:ident, $group:literal) => {
        #[doc = concat!("Eight affine points of ", $group, ".")]
        /// None at infinity. (no point at infinity among them).
        #[derive(Clone, Copy, Debug)]
        pub struct $aff {
            /// x.
            pub x: $field,
            /// y.
            pub y: $field,
        }

        #[doc = concat!("Eight Jacobian points of ", $group, ".")]
        /// A lane with Z ≡ 0 is the point at infinity.
        #[derive(Clone, Copy, Debug)]
        pub struct $jac {
            /// X.
            pub x: $field,
            /// Y.
            pub y: $field,
            /// Z.
            pub z: $field,
        }

        impl $jac {
            /// The point at infinity in every lane.
            #[inline]
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub fn infinity() -> $jac {
                $jac {
                    x: $field::one(),
                    y: $field::one(),
                    z: $field::zero(),
                }
            }

            /// `2P` in every lane (dbl-2009-l; infinity stays infinity: Z' = 2YZ).
            #[inline]
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub fn double(&self) -> $jac {
                let a = self.x.square();
                let b = self.y.square();
                let c = b.square();
                let d = self.x.add(b).square().sub(a).sub(c).double();
                let e = a.double().add(a);
                let f = e.square();
                let x = f.sub(d.double());
                let y = e.mul(d.sub(x)).sub(c.double().double().double());
                let z = self.y.mul(self.z).double();
                $jac { x, y, z }
            }

            /// `P + Q` in the lanes of `active`, the other lanes unchanged
            /// (madd-2007-bl; a lane at infinity takes Q). Also returns the active
            /// lanes where P = ±Q: the formula does not hold there, and the caller
            /// must recompute them.
            #[inline]
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub fn add_affine(&self, q: &$aff, active: __mmask8) -> ($jac, __mmask8) {
                let at_infinity = self.z.is_zero();
                let z1z1 = self.z.square();
                let u2 = q.x.mul(z1z1);
                let s2 = q.y.mul(self.z).mul(z1z1);
                let h = u2.sub(self.x);
                let r = s2.sub(self.y).double();
                let exceptional = h.is_zero() & !at_infinity & active;
                let hh = h.square();
                let i = hh.double().double();
                let j = h.mul(i);
                let v = self.x.mul(i);
                let x = r.square().sub(j).sub(v.double());
                let y = r.mul(v.sub(x)).sub(self.y.mul(j).double());
                let z = self.z.add(h).square().sub(z1z1).sub(hh);
                let sum = $jac {
                    x: $field::select(at_infinity, q.x, x),
                    y: $field::select(at_infinity, q.y, y),
                    z: $field::select(at_infinity, $field::one(), z),
                };
                let out = $jac {
                    x: $field::select(active, sum.x, self.x),
                    y: $field::select(active, sum.y, self.y),
                    z: $field::select(active, sum.z, self.z),
                };
                (out, exceptional)
            }

            /// The eight points as zkr's one-lane Jacobian points.
            #[inline]
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub fn store(&self) -> [Jac<$coord>; 8] {
                let (x, y, z) = (self.x.store(), self.y.store(), self.z.store());
                std::array::from_fn(|k| {
                    if z[k].is_zero() {
                        Jac::infinity()
                    } else {
                        Jac {
                            x: x[k],
                            y: y[k],
                            z: z[k],
                        }
                    }
                })
            }
        }

        impl $aff {
            /// From eight affine points, none at infinity.
            #[inline]
            #[target_feature(enable = "avx512f,avx512ifma")]
            pub fn load(points: &[Pt<$coord>; 8]) -> $aff {
                $aff {
                    x: $field::load(&points.map(|p| p.x)),
                    y: $field::load(&points.map(|p| p.y)),
                }
            }
        }
    };
}

lanes_jacobian!(Aff8, Jac8, Fq8, Fq, "G1");
lanes_jacobian!(Aff8G2, Jac8G2, Fq2x8, Fq2, "G2");

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective};
    use ark_ec::{AdditiveGroup, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn eight_lanes_double_and_add_as_one_lane_does() {
        if !super::super::available() {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to check");
            return;
        }
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let p: [G1Projective; 8] =
            std::array::from_fn(|_| G1Projective::generator() * Fr::rand(&mut rng));
        let mut q: [G1Projective; 8] =
            std::array::from_fn(|_| G1Projective::generator() * Fr::rand(&mut rng));
        // Lane 2 adds P to itself, lane 3 adds −P: both exceptional.
        q[2] = p[2];
        q[3] = -p[3];
        let qa = G1Projective::normalize_batch(&q);
        let q_pts: [Pt<Fq>; 8] = std::array::from_fn(|k| Pt::from_affine(&qa[k]));
        let jp: [Jac<Fq>; 8] = std::array::from_fn(|k| Jac::from_projective(&p[k]));
        // Lane 4 starts at infinity; lane 6 is inactive.
        let active = 0b1011_1111u8;
        let mut start = jp;
        start[4] = Jac::infinity();
        // SAFETY: the CPU has AVX-512 IFMA (checked above).
        let (doubled, (sum, exceptional)) = unsafe {
            let load = |pts: &[Jac<Fq>; 8]| Jac8 {
                x: Fq8::load(&pts.map(|p| p.x)),
                y: Fq8::load(&pts.map(|p| p.y)),
                z: Fq8::load(&pts.map(|p| p.z)),
            };
            let acc = load(&start);
            let q8 = Aff8::load(&q_pts);
            let (sum, exc) = acc.add_affine(&q8, active);
            (acc.double().store(), (sum.store(), exc))
        };
        assert_eq!(exceptional, 0b0000_1100, "lanes 2 and 3 are P = ±Q");
        for k in 0..8 {
            let expected_double = if k == 4 {
                G1Projective::ZERO
            } else {
                p[k].double()
            };
            assert_eq!(
                doubled[k].to_projective::<ark_bn254::g1::Config>(),
                expected_double,
                "2P in lane {k}"
            );
            if k == 2 || k == 3 {
                continue;
            }
            let base = if k == 4 { G1Projective::ZERO } else { p[k] };
            let expected = if active & (1 << k) == 0 {
                base
            } else {
                base + q[k]
            };
            assert_eq!(
                sum[k].to_projective::<ark_bn254::g1::Config>(),
                expected,
                "P + Q in lane {k}"
            );
        }
    }
}
