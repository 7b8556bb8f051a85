//! The ceremony's kernels: multiplying many points by their own scalars
//! (every contribution), zkr's split ladder against arkworks' `glv_mul` on
//! the same points in one run; and the group FFT of `ptau prepare`.
//!
//! `cargo bench -p zkr-benches --bench ceremony` (`ZKR_BENCH_QUICK=1`: short run).
//! Whole commands against snarkjs: the `ceremony_vs_snarkjs` bench.

mod curve;

use std::time::Duration;

use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use curve::inputs;
use rayon::prelude::*;
use zkr_benches::configure;
use zkr_ceremony::ptau::lagrange::{lagrange_points, Twiddles};
use zkr_ceremony::scalar_mul::mul_each;

/// arkworks' per-point GLV multiplication, in parallel as zkr's.
fn arkworks_each<P: GLVConfig<ScalarField = Fr>>(
    points: &[Affine<P>],
    scalars: &[Fr],
) -> Vec<Projective<P>> {
    points
        .par_iter()
        .zip(scalars.par_iter())
        .map(|(p, k)| P::glv_mul_projective(Projective::from(*p), *k))
        .collect()
}

fn scalar_mul(c: &mut Criterion) {
    let mut group = c.benchmark_group("ceremony scalar mul");
    configure(&mut group, Duration::from_secs(1), Duration::from_secs(10));
    let (g1, k1) = inputs::<G1Projective>(1 << 12, 1);
    group.bench_function(BenchmarkId::new("zkr", "G1 2^12"), |b| {
        b.iter(|| mul_each::<G1Config>(&g1, &k1))
    });
    group.bench_function(BenchmarkId::new("arkworks", "G1 2^12"), |b| {
        b.iter(|| arkworks_each::<G1Config>(&g1, &k1))
    });
    let (g2, k2) = inputs::<G2Projective>(1 << 10, 2);
    group.bench_function(BenchmarkId::new("zkr", "G2 2^10"), |b| {
        b.iter(|| mul_each::<G2Config>(&g2, &k2))
    });
    group.bench_function(BenchmarkId::new("arkworks", "G2 2^10"), |b| {
        b.iter(|| arkworks_each::<G2Config>(&g2, &k2))
    });
    group.finish();

    let mut group = c.benchmark_group("ceremony group FFT");
    configure(&mut group, Duration::from_secs(1), Duration::from_secs(10));
    let log_n = 10;
    let (points, _) = inputs::<G1Projective>(1 << log_n, 3);
    let twiddles = Twiddles::<G1Config>::new(log_n);
    group.bench_function(BenchmarkId::new("zkr", "G1 2^10"), |b| {
        b.iter(|| lagrange_points(&points, log_n, &twiddles))
    });
    group.finish();
}

criterion_group!(benches, scalar_mul);
criterion_main!(benches);
