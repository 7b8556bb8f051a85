//! Multi-scalar multiplication on the CPU.
//!
//! Pippenger's bucket method with signed digits (buckets for digit
//! magnitudes `1..=2^(c−1)`, negative digits add the negated point), bucket
//! sums in batched affine form ([`buckets`]), and in G1 the GLV endomorphism
//! ([`glv`]), which halves the scalars to 127 bits at the price of twice the
//! points. Scalars 0 and 1, most of a circuit's witness, skip the buckets: 0
//! is dropped and the points of 1 are summed in one batched-affine tree.
//! Windows (and, on many cores, slices of the points) run in parallel. The
//! bucket additions run on zkr's own inlined BN254 `Fq` and `Fq2` ([`fq`],
//! [`fq2`], behind [`coord`]), in arkworks' representation.

pub mod buckets;
pub mod coord;
pub mod fq;
pub mod fq2;
pub mod glv;
pub mod jacobian;
pub mod window;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, BigInteger, PrimeField, Zero};
use rayon::prelude::*;

use buckets::Pt;
use coord::BucketCurve;
use fq::Fq;
use window::Plan;

/// How the scalars split: indices of scalar 1, and of the others (neither 0 nor 1).
struct Split {
    ones: Vec<usize>,
    general: Vec<usize>,
    bigints: Vec<[u64; 4]>,
}

/// Drops zero scalars and points at infinity; separates the ones.
fn split<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[Fr]) -> Split {
    let bigints: Vec<[u64; 4]> = scalars.par_iter().map(|s| s.into_bigint().0).collect();
    let live = |i: &usize| !bases[*i].infinity && bigints[*i] != [0; 4];
    let ones = (0..bases.len())
        .into_par_iter()
        .filter(|i| live(i) && bigints[*i] == [1, 0, 0, 0])
        .collect();
    let general = (0..bases.len())
        .into_par_iter()
        .filter(|i| live(i) && bigints[*i] != [1, 0, 0, 0])
        .collect();
    Split {
        ones,
        general,
        bigints,
    }
}

/// `Σ points`, by one bucket.
fn sum_points<P: BucketCurve>(bases: &[Affine<P>], indices: &[usize]) -> Projective<P> {
    if indices.is_empty() {
        return Projective::zero();
    }
    let parts = rayon::current_num_threads()
        .min(indices.len().div_ceil(1 << 12))
        .max(1);
    let size = indices.len().div_ceil(parts);
    indices
        .par_chunks(size)
        .map(|chunk| {
            let points: Vec<Pt<P::Coord>> =
                chunk.iter().map(|&i| Pt::from_affine(&bases[i])).collect();
            let acc = buckets::accumulate::<P>(&points, |_| 1, 1);
            Projective::from(acc[0].to_affine::<P>())
        })
        .sum()
}

/// Signed base-2^c digits of `k` (little-endian), `out.len()` of them, as [`encode`]d.
///
/// Digits lie in `(−2^(c−1), 2^(c−1)]`: with at least one bit of headroom
/// (`out.len()·c > bits`), the top digit then never carries out.
fn signed_digits(k: &[u64], c: u32, out: &mut [i16]) {
    let mask = (1u64 << c) - 1;
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    for (w, digit) in out.iter_mut().enumerate() {
        let bit = w * c as usize;
        let limb = bit / 64;
        let shift = bit % 64;
        let mut raw = if limb < k.len() { k[limb] >> shift } else { 0 };
        if shift + c as usize > 64 && limb + 1 < k.len() {
            raw |= k[limb + 1] << (64 - shift);
        }
        let value = (raw & mask) as i64 + carry;
        if value > half {
            *digit = encode(value - (1 << c));
            carry = 1;
        } else {
            *digit = encode(value);
            carry = 0;
        }
    }
    debug_assert_eq!(carry, 0, "signed digits need one bit of headroom");
}

/// A digit of `(−2^15, 2^15]` in an `i16`: `2^15` wraps to `i16::MIN`, which no digit uses.
fn encode(digit: i64) -> i16 {
    digit as i16
}

/// The digit [`encode`] stored.
#[inline(always)]
fn decode(stored: i16) -> i32 {
    if stored == i16::MIN {
        1 << 15
    } else {
        stored as i32
    }
}

/// Pippenger over prepared points and scalar-major digits (`plan.windows` per point).
fn pippenger<P: BucketCurve>(
    points: &[Pt<P::Coord>],
    digits: &[i16],
    plan: &Plan,
) -> Projective<P> {
    let windows = plan.windows;
    let slices = plan.slices;
    let slice_len = points.len().div_ceil(slices).max(1);
    let buckets = 1usize << (plan.c - 1);
    let sums: Vec<Projective<P>> = (0..windows * slices)
        .into_par_iter()
        .map(|task| {
            let (w, s) = (task / slices, task % slices);
            let lo = (s * slice_len).min(points.len());
            let hi = ((s + 1) * slice_len).min(points.len());
            let acc = buckets::accumulate::<P>(
                &points[lo..hi],
                |i| decode(digits[(lo + i) * windows + w]),
                buckets,
            );
            buckets::weighted_sum::<P>(&acc)
        })
        .collect();
    // Σ_w 2^(c·w)·S_w, top window first.
    let mut result = Projective::<P>::zero();
    for w in (0..windows).rev() {
        for _ in 0..plan.c {
            result.double_in_place();
        }
        for s in 0..slices {
            result += &sums[w * slices + s];
        }
    }
    result
}

/// MSM in G1: `Σ scalars[i]·bases[i]` (lengths must match).
pub fn msm_g1(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let split = split(bases, scalars);
    let ones = sum_points(bases, &split.ones);
    if split.general.is_empty() {
        return ones;
    }
    let glv = glv::glv();
    // Each scalar becomes two 127-bit halves, on P and φ(P); a negative half negates its point.
    let halves: Vec<[(u128, bool); 2]> = split
        .general
        .par_iter()
        .map(|&i| {
            let (k1, k2) = glv.decompose(&split.bigints[i]);
            [k1, k2]
        })
        .collect();
    let bits = halves
        .par_iter()
        .map(|[a, b]| a.0 | b.0)
        .reduce(|| 0, |a, b| a | b);
    let bits = 128 - bits.leading_zeros();
    let plan = Plan::choose(2 * split.general.len(), bits, rayon::current_num_threads());
    let beta = Fq::from_ark(&glv.beta);
    let points: Vec<Pt<Fq>> = split
        .general
        .par_iter()
        .zip(halves.par_iter())
        .flat_map_iter(|(&i, [(_, n1), (_, n2)])| {
            let p = Pt::from_affine(&bases[i]);
            let phi = Pt {
                x: p.x * beta,
                y: p.y,
            };
            [
                if *n1 { p.neg() } else { p },
                if *n2 { phi.neg() } else { phi },
            ]
        })
        .collect();
    let mut digits = vec![0i16; points.len() * plan.windows];
    digits
        .par_chunks_mut(2 * plan.windows)
        .zip(halves.par_iter())
        .for_each(|(out, [(m1, _), (m2, _)])| {
            let (d1, d2) = out.split_at_mut(plan.windows);
            signed_digits(&[*m1 as u64, (*m1 >> 64) as u64], plan.c, d1);
            signed_digits(&[*m2 as u64, (*m2 >> 64) as u64], plan.c, d2);
        });
    drop(halves);
    ones + pippenger::<ark_bn254::g1::Config>(&points, &digits, &plan)
}

/// MSM in G2: `Σ scalars[i]·bases[i]` (lengths must match).
pub fn msm_g2(bases: &[G2Affine], scalars: &[Fr]) -> G2Projective {
    msm_plain(bases, scalars)
}

/// Pippenger without an endomorphism, for any short Weierstrass group over Fr.
fn msm_plain<P: BucketCurve<ScalarField = Fr>>(
    bases: &[Affine<P>],
    scalars: &[Fr],
) -> Projective<P> {
    let split = split(bases, scalars);
    let ones = sum_points(bases, &split.ones);
    if split.general.is_empty() {
        return ones;
    }
    let bits = split
        .general
        .iter()
        .map(|&i| ark_ff::BigInt(split.bigints[i]).num_bits())
        .max()
        .unwrap_or(0);
    let plan = Plan::choose(split.general.len(), bits, rayon::current_num_threads());
    let points: Vec<Pt<P::Coord>> = split
        .general
        .par_iter()
        .map(|&i| Pt::from_affine(&bases[i]))
        .collect();
    let mut digits = vec![0i16; points.len() * plan.windows];
    digits
        .par_chunks_mut(plan.windows)
        .zip(split.general.par_iter())
        .for_each(|(out, &i)| signed_digits(&split.bigints[i], plan.c, out));
    ones + pippenger::<P>(&points, &digits, &plan)
}
