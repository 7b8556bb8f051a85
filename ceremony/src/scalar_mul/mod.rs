//! Multiplication of many points by scalars, the cost of every ceremony
//! step: the powers of a contribution, the group FFT of `prepare`, the
//! δ-inverse of phase 2.
//!
//! Each scalar is split once by the curve's GLV endomorphism
//! (k = k1 + k2 * lambda, |k1|, |k2| about 2^127) and multiplied with
//! width-5 signed digits sharing one doubling chain, the tables of odd
//! multiples made affine in batches (one inversion each) so that the
//! additions are mixed: about 128 doublings and 50 mixed additions, where
//! arkworks' `glv_mul` does 128 doublings and 96 full additions. The
//! arithmetic is zkr-cuda's inlined field and Jacobian formulas.
//!
//! On CPUs with AVX-512 IFMA, batches run eight multiplications at once
//! instead ([`lanes`]): 52-bit limbs, one lane per point, regular digits so
//! that the lanes stay in step. Both ways give the same points (tested
//! against arkworks); which one ran is not visible in any output.

#[cfg(target_arch = "x86_64")]
mod lanes;

use std::sync::OnceLock;

use ark_bn254::{
    g1::Config as G1Config, g2::Config as G2Config, Fq, Fq2, Fr, G1Projective, G2Affine,
    G2Projective,
};
use ark_ec::{
    scalar_mul::glv::GLVConfig,
    short_weierstrass::{Affine, Projective},
};
use ark_ff::{Field, PrimeField, Zero};
use rayon::prelude::*;
use zkr_cuda::cpu::msm::{
    buckets::Pt,
    coord::{BucketCurve, Coord},
    jacobian::{normalize_batch, Jac},
};

/// A scalar split by the GLV endomorphism: (-1)^neg1 * k1 + (-1)^neg2 * k2 * lambda.
#[derive(Debug, Clone, Copy)]
struct Split {
    k1: u128,
    neg1: bool,
    k2: u128,
    neg2: bool,
}

/// Halves below this bound keep the signed-digit recoding inside a `u128`.
const SPLIT_BOUND: u128 = 1 << 127;

impl Split {
    fn new<P: GLVConfig<ScalarField = Fr> + BucketCurve>(k: Fr) -> Option<Split> {
        let ((pos1, k1), (pos2, k2)) = P::scalar_decomposition(k);
        let small = |x: Fr| {
            let limbs = x.into_bigint().0;
            if limbs[2] != 0 || limbs[3] != 0 {
                return None;
            }
            let v = (u128::from(limbs[1]) << 64) | u128::from(limbs[0]);
            (v < SPLIT_BOUND).then_some(v)
        };
        Some(Split {
            k1: small(k1)?,
            neg1: !pos1,
            k2: small(k2)?,
            neg2: !pos2,
        })
    }
}

/// A scalar ready for repeated multiplications: GLV-split when the split is
/// short (always, for BN254), else kept whole.
#[derive(Debug, Clone, Copy)]
pub struct Scalar {
    /// The scalar.
    pub whole: Fr,
    split: Option<Split>,
}

impl Scalar {
    /// `k`, split for curve `P`.
    pub fn new<P: GLVConfig<ScalarField = Fr> + BucketCurve>(k: Fr) -> Self {
        Scalar {
            whole: k,
            split: Split::new::<P>(k),
        }
    }
}

/// Width of the signed digits: odd digits in -15..=15.
const WINDOW: u32 = 5;
/// Odd multiples p, 3p, ..., 15p in a table.
const TABLE: usize = 1 << (WINDOW - 2);

/// Width-5 non-adjacent form of `k` (< 2^127), least significant digit
/// first: odd digits in -15..=15, at most one nonzero digit in any five.
fn wnaf(mut k: u128, out: &mut [i8; 130]) -> usize {
    let full: i16 = 1 << WINDOW;
    let mut len = 0;
    while k != 0 {
        let digit = if k & 1 == 1 {
            let d = (k % full as u128) as i16;
            let d = if d >= full / 2 { d - full } else { d };
            if d > 0 {
                k -= d as u128;
            } else {
                k += u128::from(d.unsigned_abs());
            }
            d as i8
        } else {
            0
        };
        out[len] = digit;
        len += 1;
        k >>= 1;
    }
    len
}

#[inline(always)]
fn add_digit<C: Coord>(acc: &mut Jac<C>, digit: i8, odd: &[Pt<C>], neg: bool) {
    if digit != 0 {
        let q = &odd[usize::from(digit.unsigned_abs() / 2)];
        // One call site for the addition keeps the ladder's code small.
        let q = if (digit < 0) != neg { q.neg() } else { *q };
        *acc = acc.add_affine(&q);
    }
}

/// k * p from the affine odd multiples of p and the split of k: one
/// doubling chain for both halves, mixed additions.
fn ladder<C: Coord>(odd: &[Pt<C>], beta: C, s: &Split) -> Jac<C> {
    // The endomorphism of both BN254 groups: (x, y) -> (beta * x, y).
    let mut endo = [Pt::infinity(); TABLE];
    for (e, q) in endo.iter_mut().zip(odd) {
        *e = Pt {
            x: q.x * beta,
            y: q.y,
        };
    }
    let (mut d1, mut d2) = ([0i8; 130], [0i8; 130]);
    let len1 = wnaf(s.k1, &mut d1);
    let len2 = wnaf(s.k2, &mut d2);
    let mut acc = Jac::infinity();
    for i in (0..len1.max(len2)).rev() {
        acc = acc.double();
        add_digit(&mut acc, d1[i], odd, s.neg1);
        add_digit(&mut acc, d2[i], &endo, s.neg2);
    }
    acc
}

/// A curve whose multiplications may run on eight lanes at once.
pub trait LadderCurve: GLVConfig<ScalarField = Fr> + BucketCurve {
    /// Computes what it can of `out[i] = k_i * p_i` on eight lanes and
    /// returns the indices it left to the one-lane ladder (all of them
    /// where the CPU or the curve has no eight-lane arithmetic).
    fn mul_lanes(
        items: &[(Projective<Self>, Option<&Scalar>)],
        out: &mut [Projective<Self>],
    ) -> Vec<usize> {
        let _ = out;
        (0..items.len()).collect()
    }
}

impl LadderCurve for G2Config {
    #[cfg(target_arch = "x86_64")]
    fn mul_lanes(
        items: &[(G2Projective, Option<&Scalar>)],
        out: &mut [G2Projective],
    ) -> Vec<usize> {
        lanes::mul_g2(items, out)
    }
}

impl LadderCurve for G1Config {
    #[cfg(target_arch = "x86_64")]
    fn mul_lanes(
        items: &[(G1Projective, Option<&Scalar>)],
        out: &mut [G1Projective],
    ) -> Vec<usize> {
        lanes::mul_g1(items, out)
    }
}

/// out[i] = k_i * p_i for the pairs (p_i, k_i) of `items` (`None`: times
/// one): on eight lanes where the CPU can, else one at a time.
pub fn mul_batch<P: LadderCurve>(
    items: &[(Projective<P>, Option<&Scalar>)],
    out: &mut [Projective<P>],
) {
    let left = P::mul_lanes(items, out);
    if left.len() == items.len() {
        return mul_batch_one_lane(items, out);
    }
    if left.is_empty() {
        return;
    }
    let rest: Vec<_> = left.iter().map(|&i| items[i]).collect();
    let mut rest_out = vec![Projective::<P>::zero(); rest.len()];
    mul_batch_one_lane(&rest, &mut rest_out);
    for (&i, o) in left.iter().zip(rest_out) {
        out[i] = o;
    }
}

/// [`mul_batch`] one multiplication at a time. The tables of odd multiples
/// of the whole batch are made affine with one shared inversion, so the
/// ladders' additions are mixed ones. The arithmetic is zkr-cuda's inlined
/// field and Jacobian formulas.
fn mul_batch_one_lane<P: GLVConfig<ScalarField = Fr> + BucketCurve>(
    items: &[(Projective<P>, Option<&Scalar>)],
    out: &mut [Projective<P>],
) {
    let mut tables = Vec::with_capacity(items.len() * TABLE);
    for (p, k) in items {
        if matches!(k, Some(Scalar { split: Some(_), .. })) {
            let p = Jac::from_projective(p);
            let twice = p.double();
            let mut q = p;
            tables.push(q);
            for _ in 1..TABLE {
                q = q.add(&twice);
                tables.push(q);
            }
        }
    }
    let tables = normalize_batch(&tables);
    let mut tables = tables.chunks_exact(TABLE);
    let beta = P::coord(&P::ENDO_COEFFS[0]);
    for ((p, k), o) in items.iter().zip(out.iter_mut()) {
        *o = match k {
            None => *p,
            Some(Scalar { split: None, whole }) => *p * whole,
            Some(Scalar {
                split: Some(split), ..
            }) => match tables.next() {
                Some(odd) => ladder(odd, beta, split).to_projective::<P>(),
                None => *p * k.map_or(Fr::ONE, |k| k.whole),
            },
        };
    }
}

/// `k * p` (a batch of one).
#[cfg(test)]
fn mul<P: LadderCurve>(p: &Projective<P>, k: &Scalar) -> Projective<P> {
    let mut out = [Projective::<P>::zero()];
    mul_batch(&[(*p, Some(k))], &mut out);
    out[0]
}

/// Multiplications per batch (one shared inversion for their tables).
pub const BATCH: usize = 256;

/// `points[i] * scalars[i]` for every i, in parallel batches.
pub fn mul_each<P: LadderCurve>(points: &[Affine<P>], scalars: &[Fr]) -> Vec<Projective<P>> {
    assert_eq!(
        points.len(),
        scalars.len(),
        "mul_each: one scalar per point"
    );
    let mut out = vec![Projective::<P>::zero(); points.len()];
    out.par_chunks_mut(BATCH)
        .zip(points.par_chunks(BATCH).zip(scalars.par_chunks(BATCH)))
        .for_each(|(out, (points, scalars))| {
            let scalars: Vec<Scalar> = scalars.iter().map(|k| Scalar::new::<P>(*k)).collect();
            let items: Vec<_> = points
                .iter()
                .zip(&scalars)
                .map(|(p, k)| (Projective::from(*p), Some(k)))
                .collect();
            mul_batch(&items, out);
        });
    out
}

/// `points[i] * k` for every i, in parallel batches.
pub fn mul_all<P: LadderCurve>(points: &[Affine<P>], k: Fr) -> Vec<Projective<P>> {
    let k = Scalar::new::<P>(k);
    let mut out = vec![Projective::<P>::zero(); points.len()];
    out.par_chunks_mut(BATCH)
        .zip(points.par_chunks(BATCH))
        .for_each(|(out, points)| {
            let items: Vec<_> = points
                .iter()
                .map(|p| (Projective::from(*p), Some(&k)))
                .collect();
            mul_batch(&items, out);
        });
    out
}

/// BN254's seed x (the curve's parameter, 4965661367192848881).
const BN_X: u128 = 4_965_661_367_192_848_881;

/// ψ's coefficients: (u + 9)^((p − 1)/3) and (u + 9)^((p − 1)/2), p the
/// base field's modulus, u² = −1 (the twist of BN254's G2).
fn psi_coefficients() -> &'static (Fq2, Fq2) {
    static COEFFS: OnceLock<(Fq2, Fq2)> = OnceLock::new();
    COEFFS.get_or_init(|| {
        let xi = Fq2::new(Fq::from(9u64), Fq::ONE);
        let mut p_minus_1 = Fq::MODULUS.0;
        // The modulus is odd: no borrow.
        p_minus_1[0] -= 1;
        (
            xi.pow(div_small(p_minus_1, 3)),
            xi.pow(div_small(p_minus_1, 2)),
        )
    })
}

/// `limbs / d` (little-endian limbs), by long division.
fn div_small(mut limbs: [u64; 4], d: u64) -> [u64; 4] {
    let mut rem: u128 = 0;
    for limb in limbs.iter_mut().rev() {
        let cur = (rem << 64) | u128::from(*limb);
        *limb = (cur / u128::from(d)) as u64;
        rem = cur % u128::from(d);
    }
    limbs
}

/// ψ, the untwist-Frobenius-twist endomorphism of G2, on Jacobian
/// coordinates: (X, Y, Z) -> (cx·X̄, cy·Ȳ, Z̄), Frobenius on Fq2 being
/// conjugation.
fn psi(p: &Projective<G2Config>) -> Projective<G2Config> {
    let (cx, cy) = psi_coefficients();
    let conj = |mut f: Fq2| {
        f.c1 = -f.c1;
        f
    };
    Projective::new_unchecked(conj(p.x) * cx, conj(p.y) * cy, conj(p.z))
}

/// Whether a G2 point known to be on the curve lies in the prime-order
/// subgroup: [x + 1]P + ψ([x]P) + ψ²([x]P) = ψ³([2x]P), x the curve's
/// seed (Scott, "A note on group membership tests for G1, G2 and GT on BLS
/// pairing-friendly curves", eprint 2021/1130, the test for BN curves):
/// one 63-bit multiplication where arkworks' test ψ(P) = [6x²]P takes a
/// 127-bit one.
pub fn g2_in_subgroup(p: &G2Affine) -> bool {
    if p.infinity {
        return true;
    }
    let k = Scalar {
        whole: Fr::from(BN_X),
        split: Some(Split {
            k1: BN_X,
            neg1: false,
            k2: 0,
            neg2: false,
        }),
    };
    let mut xp = [Projective::<G2Config>::zero()];
    // One 63-bit multiplication: the one-lane ladder (eight lanes run 127 bits).
    mul_batch_one_lane(&[(Projective::from(*p), Some(&k))], &mut xp);
    let xp = xp[0];
    let psi_xp = psi(&xp);
    let lhs = xp + p + psi_xp + psi(&psi_xp);
    let rhs = psi(&psi(&psi(&(xp + xp))));
    lhs == rhs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;

    #[test]
    fn split_multiplication_equals_plain_multiplication() {
        let mut rng = ark_std::test_rng();
        for _ in 0..32 {
            let k = Fr::rand(&mut rng);
            let p = G1Projective::generator() * Fr::rand(&mut rng);
            let s = Scalar::new::<G1Config>(k);
            assert!(s.split.is_some(), "BN254 G1 split expected short for {k}");
            assert_eq!(mul(&p, &s), p * k, "G1: k * p for k = {k}");
            let q = G2Projective::generator() * Fr::rand(&mut rng);
            let s = Scalar::new::<G2Config>(k);
            assert!(s.split.is_some(), "BN254 G2 split expected short for {k}");
            assert_eq!(mul(&q, &s), q * k, "G2: k * q for k = {k}");
        }
        let s = Scalar::new::<G1Config>(Fr::ONE);
        let g = G1Projective::generator();
        assert_eq!(mul(&g, &s), g);
        let s = Scalar::new::<G1Config>(-Fr::ONE);
        assert_eq!(mul(&g, &s), -g);
    }

    #[test]
    fn g2_subgroup_test_agrees_with_arkworks_in_and_out_of_the_subgroup() {
        let mut rng = ark_std::test_rng();
        assert!(
            g2_in_subgroup(&ark_bn254::G2Affine::identity()),
            "infinity is in G2"
        );
        for _ in 0..8 {
            let p = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            assert!(
                g2_in_subgroup(&p),
                "a multiple of the generator must pass: {p}"
            );
        }
        // Points of the twist outside the subgroup (almost every x).
        let mut outside = 0;
        while outside < 32 {
            let x = Fq2::rand(&mut rng);
            let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) else {
                continue;
            };
            assert!(p.is_on_curve(), "constructed point on the twist");
            let arkworks = p.is_in_correct_subgroup_assuming_on_curve();
            assert_eq!(
                g2_in_subgroup(&p),
                arkworks,
                "subgroup test of {p}: arkworks says {arkworks}"
            );
            outside += usize::from(!arkworks);
        }
    }

    #[test]
    fn mul_each_and_mul_all_equal_arkworks_including_infinity_and_zero() {
        let mut rng = ark_std::test_rng();
        let n = BATCH + 3;
        let mut points: Vec<_> = (0..n)
            .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        points[5] = ark_bn254::G1Affine::identity();
        let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        scalars[7] = Fr::zero();
        scalars[8] = Fr::ONE;
        for (i, got) in mul_each(&points, &scalars).iter().enumerate() {
            assert_eq!(
                *got,
                points[i] * scalars[i],
                "G1 point {i} times its scalar"
            );
        }
        let k = Fr::rand(&mut rng);
        for (i, got) in mul_all(&points, k).iter().enumerate() {
            assert_eq!(*got, points[i] * k, "G1 point {i} times k");
        }
        let points2: Vec<_> = (0..40)
            .map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        for (i, got) in mul_each(&points2, &scalars[..40]).iter().enumerate() {
            assert_eq!(
                *got,
                points2[i] * scalars[i],
                "G2 point {i} times its scalar"
            );
        }
    }
}
