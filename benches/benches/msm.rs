//! Multi-scalar multiplication over BN254: zkr's CPU backend against
//! arkworks' `VariableBaseMSM`, on the same random points and scalars, in
//! one run so that the ratio is fair.
//!
//! G1 at 2^16, 2^18 and 2^20 points; G2 at 2^16.
//! `cargo bench -p zkr-benches --bench msm` (`ZKR_BENCH_QUICK=1`: CI's short run).

mod curve;

use std::time::Duration;

use ark_bn254::{G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use curve::inputs;
use zkr_benches::configure;
use zkr_cuda::{CpuBackend, MsmBackend};

fn msm(c: &mut Criterion) {
    let mut group = c.benchmark_group("msm G1");
    configure(&mut group, Duration::from_secs(2), Duration::from_secs(20));
    for log in [16, 18, 20] {
        let (points, scalars) = inputs::<G1Projective>(1 << log, log);
        let size = format!("2^{log}");
        group.bench_function(BenchmarkId::new("zkr", &size), |b| {
            b.iter(|| CpuBackend.msm_g1(&points, &scalars))
        });
        group.bench_function(BenchmarkId::new("arkworks", &size), |b| {
            b.iter(|| G1Projective::msm_unchecked(&points, &scalars))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("msm G2");
    configure(&mut group, Duration::from_secs(2), Duration::from_secs(20));
    let (points, scalars) = inputs::<G2Projective>(1 << 16, 2);
    group.bench_function(BenchmarkId::new("zkr", "2^16"), |b| {
        b.iter(|| CpuBackend.msm_g2(&points, &scalars))
    });
    group.bench_function(BenchmarkId::new("arkworks", "2^16"), |b| {
        b.iter(|| G2Projective::msm_unchecked(&points, &scalars))
    });
    group.finish();
}

criterion_group!(benches, msm);
criterion_main!(benches);
