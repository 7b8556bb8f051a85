//! G1 and G2 multiplications eight at a time, on AVX-512 IFMA
//! (zkr-cuda's [`Fq8`], [`Fq2x8`] and their Jacobian points).
//!
//! Lanes run in lockstep, so the digits are the regular kind: each GLV half
//! (below 2^127) is recoded in radix 16 with Booth digits in −8..=8, 32
//! digits, and every lane adds at the same positions (a digit 0 leaves its
//! lane unchanged). Per lane that is 124 doublings and 64 mixed additions
//! from a table of 1P..8P (and its endomorphism image); the one-lane ladder
//! does fewer additions (width-5 NAF) but each costs over three times more.
//! Lanes whose addition meets P = ±Q (which the formula does not cover) are
//! left to the one-lane ladder.

use std::arch::x86_64::__mmask8;

use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, G1Projective, G2Projective};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::Projective;
use ark_ff::Zero;
use zkr_cuda::cpu::ifma::{
    self,
    fq2x8::Fq2x8,
    fq8::Fq8,
    jac8::{Aff8, Aff8G2, Jac8, Jac8G2},
};
use zkr_cuda::cpu::msm::{
    buckets::Pt,
    coord::BucketCurve,
    fq::Fq,
    fq2::Fq2,
    jacobian::{normalize_batch, Jac},
};

use super::{Scalar, Split};

/// Lanes per register.
const LANES: usize = 8;
/// Table entries: 1P..8P.
const ENTRIES: usize = 8;
/// Radix-16 digits of a half below 2^127.
const DIGITS: usize = 32;

/// Booth radix-16 digits of `k` (< 2^127), least significant first, each
/// in −8..=8: digit i is b(4i−1) + b(4i) + 2b(4i+1) + 4b(4i+2) − 8b(4i+3).
fn booth(k: u128) -> [i8; DIGITS] {
    // Bit 127 is clear, so the top digit ends the recoding.
    let shifted = k << 1;
    std::array::from_fn(|i| {
        let w = ((shifted >> (4 * i)) & 0x1f) as i8;
        (w & 1) + (w >> 1) - 16 * (w >> 4)
    })
}

/// 1P..8P for each point, affine (one inversion for all).
fn tables<P: BucketCurve>(points: &[Projective<P>]) -> Vec<Pt<P::Coord>> {
    let mut jac = Vec::with_capacity(points.len() * ENTRIES);
    for p in points {
        let p1 = Jac::from_projective(p);
        let p2 = p1.double();
        let p3 = p2.add(&p1);
        let p4 = p2.double();
        let p5 = p4.add(&p1);
        let p6 = p3.double();
        let p7 = p6.add(&p1);
        let p8 = p4.double();
        jac.extend([p1, p2, p3, p4, p5, p6, p7, p8]);
    }
    normalize_batch(&jac)
}

/// Defines `$ladder`, k_i · P_i on eight lanes of `$curve` from the affine
/// tables of the eight points (`table[lane]` holds 1P..8P): the points, and
/// the lanes to redo.
macro_rules! lane_ladder {
    ($ladder:ident, $curve:ty, $coord:ident, $field:ident, $jac:ident, $aff:ident, $limbs:ty) => {
        mod $ladder {
            use super::*;

            /// One GLV half on each lane: its table (x, y), digits and sign.
            struct Half {
                x: [[$limbs; LANES]; ENTRIES],
                y: [[$limbs; LANES]; ENTRIES],
                digits: [[i8; DIGITS]; LANES],
                negative: [bool; LANES],
            }

            impl Half {
                /// The lanes' points to add at digit position `i`: which
                /// lanes add, and the points (negated where the digit and
                /// the half's sign disagree).
                #[inline]
                #[target_feature(enable = "avx512f,avx512ifma")]
                fn pick(&self, i: usize) -> (__mmask8, $aff) {
                    let mut active: __mmask8 = 0;
                    let mut negate: __mmask8 = 0;
                    let mut xs = [<$limbs>::default(); LANES];
                    let mut ys = [<$limbs>::default(); LANES];
                    for lane in 0..LANES {
                        let d = self.digits[lane][i];
                        if d == 0 {
                            continue;
                        }
                        active |= 1 << lane;
                        let e = usize::from(d.unsigned_abs()) - 1;
                        xs[lane] = self.x[e][lane];
                        ys[lane] = self.y[e][lane];
                        if (d < 0) != self.negative[lane] {
                            negate |= 1 << lane;
                        }
                    }
                    let y = $field::from_limbs(&ys);
                    (
                        active,
                        $aff {
                            x: $field::from_limbs(&xs),
                            y: $field::select(negate, y.neg(), y),
                        },
                    )
                }
            }

            #[target_feature(enable = "avx512f,avx512ifma")]
            pub fn ladder(
                table: &[&[Pt<$coord>]; LANES],
                splits: &[Split; LANES],
            ) -> ([Jac<$coord>; LANES], __mmask8) {
                let beta = $field::load(
                    &[<$curve as BucketCurve>::coord(&<$curve as GLVConfig>::ENDO_COEFFS[0]);
                        LANES],
                );
                let mut first = Half {
                    x: [[<$limbs>::default(); LANES]; ENTRIES],
                    y: [[<$limbs>::default(); LANES]; ENTRIES],
                    digits: splits.map(|s| booth(s.k1)),
                    negative: splits.map(|s| s.neg1),
                };
                let mut second = Half {
                    x: first.x,
                    y: first.y,
                    digits: splits.map(|s| booth(s.k2)),
                    negative: splits.map(|s| s.neg2),
                };
                for e in 0..ENTRIES {
                    let entry = $aff::load(&std::array::from_fn(|lane| table[lane][e]));
                    first.x[e] = entry.x.to_limbs();
                    first.y[e] = entry.y.to_limbs();
                    // The endomorphism: (x, y) -> (beta·x, y).
                    second.x[e] = entry.x.mul(beta).to_limbs();
                    second.y[e] = first.y[e];
                }
                let mut acc = $jac::infinity();
                let mut redo: __mmask8 = 0;
                for i in (0..DIGITS).rev() {
                    if i + 1 < DIGITS {
                        acc = acc.double().double().double().double();
                    }
                    for half in [&first, &second] {
                        let (active, q) = half.pick(i);
                        if active != 0 {
                            let (sum, exceptional) = acc.add_affine(&q, active);
                            acc = sum;
                            redo |= exceptional;
                        }
                    }
                }
                (acc.store(), redo)
            }
        }
    };
}

lane_ladder!(g1_ladder, G1Config, Fq, Fq8, Jac8, Aff8, [u64; 5]);
lane_ladder!(
    g2_ladder,
    G2Config,
    Fq2,
    Fq2x8,
    Jac8G2,
    Aff8G2,
    [[u64; 5]; 2]
);

/// The eight-lane ladder of one curve.
type Ladder<C> = unsafe fn(&[&[Pt<C>]; LANES], &[Split; LANES]) -> ([Jac<C>; LANES], __mmask8);

/// [`super::LadderCurve::mul_lanes`]: the items with a split scalar and a
/// point other than infinity, eight at a time; returns the others' indices
/// and those of lanes that met an exceptional addition.
fn mul_with<P: BucketCurve>(
    items: &[(Projective<P>, Option<&Scalar>)],
    out: &mut [Projective<P>],
    ladder: Ladder<P::Coord>,
) -> Vec<usize> {
    if !ifma::available() {
        return (0..items.len()).collect();
    }
    let mut left = Vec::new();
    let mut lanes = Vec::with_capacity(items.len());
    for (i, (p, k)) in items.iter().enumerate() {
        match k {
            Some(Scalar {
                split: Some(split), ..
            }) if !p.is_zero() => lanes.push((i, *split)),
            _ => left.push(i),
        }
    }
    let points: Vec<Projective<P>> = lanes.iter().map(|(i, _)| items[*i].0).collect();
    let table = tables(&points);
    for (group, chunk) in lanes.chunks(LANES).enumerate() {
        // A short last group repeats its first lane.
        let at = |lane: usize| group * LANES + if lane < chunk.len() { lane } else { 0 };
        let tables: [&[Pt<P::Coord>]; LANES] =
            std::array::from_fn(|lane| &table[at(lane) * ENTRIES..(at(lane) + 1) * ENTRIES]);
        let splits = std::array::from_fn(|lane| lanes[at(lane)].1);
        // SAFETY: the CPU has AVX-512F and IFMA (checked above).
        let (points, redo) = unsafe { ladder(&tables, &splits) };
        for (lane, (i, _)) in chunk.iter().enumerate() {
            if redo & (1 << lane) != 0 {
                left.push(*i);
            } else {
                out[*i] = points[lane].to_projective::<P>();
            }
        }
    }
    left
}

/// [`super::LadderCurve::mul_lanes`] for G1.
pub fn mul_g1(items: &[(G1Projective, Option<&Scalar>)], out: &mut [G1Projective]) -> Vec<usize> {
    mul_with(items, out, g1_ladder::ladder)
}

/// [`super::LadderCurve::mul_lanes`] for G2.
pub fn mul_g2(items: &[(G2Projective, Option<&Scalar>)], out: &mut [G2Projective]) -> Vec<usize> {
    mul_with(items, out, g2_ladder::ladder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ec::PrimeGroup;
    use ark_ff::{Field, UniformRand};

    #[test]
    fn booth_digits_sum_to_the_scalar() {
        let mut rng = ark_std::test_rng();
        let mut ks: Vec<u128> = (0..200).map(|_| u128::rand(&mut rng) >> 1).collect();
        ks.extend([0, 1, 8, 9, 15, 16, (1 << 127) - 1, 0x8888_8888_8888_8888]);
        let sixteen = Fr::from(16u64);
        for k in ks {
            let digits = booth(k);
            assert!(
                digits.iter().all(|d| (-8..=8).contains(d)),
                "digits of {k} in −8..=8: {digits:?}"
            );
            let sum: Fr = digits
                .iter()
                .enumerate()
                .map(|(i, d)| Fr::from(i64::from(*d)) * sixteen.pow([i as u64]))
                .sum();
            assert_eq!(sum, Fr::from(k), "Booth digits of {k}");
        }
    }

    #[test]
    fn eight_lane_products_equal_arkworks_for_edge_scalars_and_points() {
        let mut rng = ark_std::test_rng();
        let g = G1Projective::generator();
        let mut points: Vec<G1Projective> = (0..21).map(|_| g * Fr::rand(&mut rng)).collect();
        let mut scalars: Vec<Scalar> = (0..21)
            .map(|_| Scalar::new::<G1Config>(Fr::rand(&mut rng)))
            .collect();
        // Small, negative, zero and one scalars (digits only at the bottom,
        // the sign handling, a ladder that stays at infinity), a point at
        // infinity (left to the one-lane ladder) and a short last group.
        // Lanes where P = ±Q are checked in zkr-cuda's `jac8` tests: with
        // GLV halves they need a short lattice vector, never met here.
        points[3] = g;
        scalars[3] = Scalar::new::<G1Config>(Fr::from(2u64));
        points[4] = g;
        scalars[4] = Scalar::new::<G1Config>(-Fr::ONE);
        scalars[5] = Scalar::new::<G1Config>(Fr::ONE);
        scalars[6] = Scalar::new::<G1Config>(Fr::from(0u64));
        points[7] = G1Projective::default();
        let items: Vec<_> = points
            .iter()
            .zip(&scalars)
            .map(|(p, k)| (*p, Some(k)))
            .collect();
        let mut out = vec![G1Projective::default(); items.len()];
        let left = mul_g1(&items, &mut out);
        assert!(
            left.contains(&7),
            "the point at infinity is left to the one-lane ladder"
        );
        for (i, (p, k)) in points.iter().zip(&scalars).enumerate() {
            if !left.contains(&i) {
                assert_eq!(out[i], *p * k.whole, "item {i}: k·P on eight lanes");
            }
        }
        if ifma::available() {
            assert!(
                left.len() < items.len(),
                "eight-lane path taken on an IFMA CPU"
            );
        }
    }

    #[test]
    fn eight_lane_g2_products_equal_arkworks() {
        let mut rng = ark_std::test_rng();
        let g = G2Projective::generator();
        let points: Vec<G2Projective> = (0..11).map(|_| g * Fr::rand(&mut rng)).collect();
        let mut scalars: Vec<Scalar> = (0..11)
            .map(|_| Scalar::new::<G2Config>(Fr::rand(&mut rng)))
            .collect();
        scalars[2] = Scalar::new::<G2Config>(-Fr::from(3u64));
        let items: Vec<_> = points
            .iter()
            .zip(&scalars)
            .map(|(p, k)| (*p, Some(k)))
            .collect();
        let mut out = vec![G2Projective::default(); items.len()];
        let left = mul_g2(&items, &mut out);
        for (i, (p, k)) in points.iter().zip(&scalars).enumerate() {
            if !left.contains(&i) {
                assert_eq!(out[i], *p * k.whole, "item {i}: k·P in G2 on eight lanes");
            }
        }
        if ifma::available() {
            assert!(
                left.is_empty(),
                "every G2 item on eight lanes, left {left:?}"
            );
        }
    }
}
