//! The Lagrange basis of the powers of tau: an inverse discrete Fourier
//! transform whose "coefficients" are curve points.
//!
//! For a domain of size n = 2^k with generator w (BN254's Fr root of unity
//! of order n: `Fr::get_root_of_unity(n)`, 5^((r-1)/n), the root snarkjs
//! uses too), the Lagrange polynomials satisfy X^i = sum_j w^(ij) L_j(X), so
//! from the points P_i = tau^i * G (i < n):
//!
//! ```text
//! L_j(tau) * G = (1/n) * sum_i w^(-ij) * P_i
//! ```
//!
//! computed here as a radix-2 decimation-in-time FFT over the group in
//! Jacobian coordinates: n/2 * log2(n) butterflies, each costing one
//! multiplication by a twiddle w^(-j) ([`crate::scalar_mul`], each twiddle
//! split once). Each stage runs its multiplications in parallel batches,
//! then its additions; the 1/n factor is folded into the last stage's
//! twiddles.

use std::marker::PhantomData;

use crate::scalar_mul::LadderCurve;
use ark_bn254::Fr;
use ark_ec::{
    short_weierstrass::{Affine, Projective},
    CurveGroup,
};
use ark_ff::{FftField, Field, Zero};
use rayon::prelude::*;

use crate::scalar_mul::{mul_batch, Scalar, BATCH};

/// The largest domain the transform supports: 2^28, BN254's Fr 2-adicity.
pub const MAX_LOG_SIZE: u32 = 28;

/// The root of unity of order 2^`log_n` that snarkjs's transforms use.
pub fn root_of_unity(log_n: u32) -> Fr {
    // `get_root_of_unity` only fails above the 2-adicity, refused by callers.
    Fr::get_root_of_unity(1u64 << log_n.min(MAX_LOG_SIZE)).unwrap_or(Fr::ONE)
}

/// The twiddles w^(-j), j < 2^(log_n - 1), of the inverse transforms of
/// every size up to 2^`log_n` (a size-2^k transform takes every
/// 2^(log_n - k)-th one), split for curve `P`.
pub struct Twiddles<P> {
    log_n: u32,
    values: Vec<Fr>,
    scalars: Vec<Scalar>,
    curve: PhantomData<P>,
}

impl<P: LadderCurve> Twiddles<P> {
    /// Twiddles for transforms of size up to 2^`log_n` (at most 2^28).
    pub fn new(log_n: u32) -> Self {
        let log_n = log_n.min(MAX_LOG_SIZE);
        let half = (1usize << log_n) / 2;
        let w_inv = root_of_unity(log_n).inverse().unwrap_or(Fr::ONE);
        let mut values = Vec::with_capacity(half);
        let mut cur = Fr::ONE;
        for _ in 0..half {
            values.push(cur);
            cur *= w_inv;
        }
        let scalars = values.par_iter().map(|w| Scalar::new::<P>(*w)).collect();
        Twiddles {
            log_n,
            values,
            scalars,
            curve: PhantomData,
        }
    }

    /// The largest log2 size these twiddles serve.
    pub fn log_n(&self) -> u32 {
        self.log_n
    }
}

/// Replaces `x` (length n = 2^k, k <= `twiddles.log_n()`) by its inverse
/// transform: x_j <- (1/n) * sum_i w^(-ij) x_i.
pub fn inverse_dft<P: LadderCurve>(x: &mut [Projective<P>], twiddles: &Twiddles<P>) {
    let n = x.len();
    assert!(
        n.is_power_of_two() && n.trailing_zeros() <= twiddles.log_n,
        "inverse_dft: size {n} is not a power of two up to 2^{}",
        twiddles.log_n
    );
    if n == 1 {
        return;
    }
    bit_reverse(x);
    let full = 1usize << twiddles.log_n;
    let inv_n = Scalar::new::<P>(Fr::from(n as u64).inverse().unwrap_or(Fr::ONE));
    let mut products = vec![Projective::<P>::zero(); n / 2];
    let mut scaled = Vec::new();
    let mut half = 1;
    while half < n {
        let block = 2 * half;
        let stride = full / block;
        let last = block == n;
        // The last stage multiplies both halves by 1/n (its twiddles scaled).
        let last_scalars: Vec<Scalar> = if last {
            (0..half)
                .into_par_iter()
                .map(|j| Scalar::new::<P>(twiddles.values[j * stride] * inv_n.whole))
                .collect()
        } else {
            Vec::new()
        };
        // Butterfly i (i < n/2) joins x[a] and x[a + half], a = (i / half) * block + i % half.
        let x_ref = &*x;
        let twiddle = |j: usize| -> Option<&Scalar> {
            if last {
                Some(&last_scalars[j])
            } else if j == 0 {
                None
            } else {
                Some(&twiddles.scalars[j * stride])
            }
        };
        products
            .par_chunks_mut(BATCH)
            .enumerate()
            .for_each(|(c, out)| {
                let items: Vec<_> = (c * BATCH..c * BATCH + out.len())
                    .map(|i| {
                        let (b, j) = (i / half, i % half);
                        (x_ref[b * block + half + j], twiddle(j))
                    })
                    .collect();
                mul_batch(&items, out);
            });
        if last {
            scaled.resize(n / 2, Projective::<P>::zero());
            scaled
                .par_chunks_mut(BATCH)
                .enumerate()
                .for_each(|(c, out)| {
                    let items: Vec<_> = (c * BATCH..c * BATCH + out.len())
                        .map(|j| (x_ref[j], Some(&inv_n)))
                        .collect();
                    mul_batch(&items, out);
                });
        }
        let (products, scaled) = (&products, &scaled);
        x.par_chunks_mut(block).enumerate().for_each(|(b, chunk)| {
            let (lo, hi) = chunk.split_at_mut(half);
            let t = &products[b * half..(b + 1) * half];
            lo.par_iter_mut()
                .zip(hi.par_iter_mut())
                .zip(t.par_iter())
                .enumerate()
                .with_min_len(1024)
                .for_each(|(j, ((a, hi), t))| {
                    let a0 = if last { scaled[j] } else { *a };
                    *a = a0 + t;
                    *hi = a0 - t;
                });
        });
        half = block;
    }
}

fn bit_reverse<T>(x: &mut [T]) {
    let n = x.len();
    let bits = n.trailing_zeros();
    if bits == 0 {
        return;
    }
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if i < j {
            x.swap(i, j);
        }
    }
}

/// The Lagrange-basis points of the first n = 2^k points of `powers` (a
/// run tau^i * G), in affine form; when `powers` holds only n - 1 points the
/// last one is taken as the point at infinity (snarkjs's tauG1 at power p + 1).
pub fn lagrange_points<P: LadderCurve>(
    powers: &[Affine<P>],
    log_n: u32,
    twiddles: &Twiddles<P>,
) -> Vec<Affine<P>> {
    let n = 1usize << log_n;
    let mut x: Vec<Projective<P>> = powers
        .par_iter()
        .take(n)
        .map(|p| Projective::<P>::from(*p))
        .collect();
    x.resize(n, Projective::zero());
    inverse_dft(&mut x, twiddles);
    Projective::normalize_batch(&x)
}

/// The forward transform over Fr: c_j = sum_i w^(ij) r_i, for `r` of length
/// 2^k (k <= 28), with the same roots as [`inverse_dft`].
pub fn dft_fr(r: &mut [Fr]) {
    let n = r.len();
    assert!(
        n.is_power_of_two() && n.trailing_zeros() <= MAX_LOG_SIZE,
        "dft_fr: size {n} is not a power of two up to 2^{MAX_LOG_SIZE}"
    );
    bit_reverse(r);
    let mut half = 1;
    while half < n {
        let block = 2 * half;
        let w = root_of_unity(block.trailing_zeros());
        let mut powers = Vec::with_capacity(half);
        let mut cur = Fr::ONE;
        for _ in 0..half {
            powers.push(cur);
            cur *= w;
        }
        r.par_chunks_mut(block).for_each(|chunk| {
            let (lo, hi) = chunk.split_at_mut(half);
            for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(&powers) {
                let t = *b * w;
                *b = *a - t;
                *a += t;
            }
        });
        half = block;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{g1::Config as G1Config, G1Projective};
    use ark_ec::{AffineRepr, PrimeGroup};
    use ark_ff::UniformRand;

    #[test]
    fn inverse_dft_matches_the_definition_at_every_small_size() {
        let mut rng = ark_std::test_rng();
        let twiddles = Twiddles::<G1Config>::new(5);
        for log_n in 0..=5u32 {
            let n = 1usize << log_n;
            let x: Vec<G1Projective> = (0..n)
                .map(|_| G1Projective::generator() * Fr::rand(&mut rng))
                .collect();
            let mut got = x.clone();
            inverse_dft(&mut got, &twiddles);
            let w_inv = root_of_unity(log_n).inverse().expect("root is nonzero");
            let inv_n = Fr::from(n as u64).inverse().expect("n is nonzero");
            for (j, got_j) in got.iter().enumerate() {
                let expected: G1Projective = x
                    .iter()
                    .enumerate()
                    .map(|(i, p)| *p * (w_inv.pow([(i * j) as u64]) * inv_n))
                    .sum();
                assert_eq!(*got_j, expected, "size {n}: output {j}");
            }
        }
    }

    #[test]
    fn lagrange_points_of_powers_are_lagrange_polynomials_at_tau() {
        let mut rng = ark_std::test_rng();
        let tau = Fr::rand(&mut rng);
        let log_n = 4;
        let n = 1usize << log_n;
        let g = ark_bn254::G1Affine::generator();
        let powers: Vec<_> = (0..n)
            .map(|i| (g * tau.pow([i as u64])).into_affine())
            .collect();
        let got = lagrange_points(&powers, log_n, &Twiddles::<G1Config>::new(log_n));
        // L_j(tau) = w^j / n * (tau^n - 1) / (tau - w^j).
        let w = root_of_unity(log_n);
        let n_fr = Fr::from(n as u64);
        for (j, got_j) in got.iter().enumerate() {
            let wj = w.pow([j as u64]);
            let l = wj / n_fr * (tau.pow([n as u64]) - Fr::ONE) / (tau - wj);
            assert_eq!(*got_j, (g * l).into_affine(), "L_{j}(tau) * G");
        }
    }

    #[test]
    fn dft_fr_is_the_transpose_relation_of_the_inverse_dft() {
        // sum_i r_i P_i = sum_j c_j L_j with c = dft_fr(r), L = inverse_dft(P).
        let mut rng = ark_std::test_rng();
        let n = 8;
        let p: Vec<G1Projective> = (0..n)
            .map(|_| G1Projective::generator() * Fr::rand(&mut rng))
            .collect();
        let r: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut l = p.clone();
        inverse_dft(&mut l, &Twiddles::new(3));
        let mut c = r.clone();
        dft_fr(&mut c);
        let lhs: G1Projective = p.iter().zip(&r).map(|(p, r)| *p * r).sum();
        let rhs: G1Projective = l.iter().zip(&c).map(|(l, c)| *l * c).sum();
        assert_eq!(lhs, rhs);
    }
}
