//! Native EcGFp5 Schnorr: key generation (hashing a seed, a fixed-base
//! multiplication), signing an operation (Poseidon message, deterministic
//! nonce, fixed-base multiplication) and verifying it (decodings, a fixed-
//! and a variable-base multiplication), as the executor and wallets run them.
//! `ZKR_BENCH_QUICK=1` shortens warm-up and measurement (CI).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkr_circuits::ecgfp5::{Point, Scalar, SecretKey};
use zkr_circuits::ops::signing;
use zkr_circuits::ops::{Operation, Signature, Transfer};

const CHAIN: signing::ChainId = 1;

fn quick() -> bool {
    std::env::var("ZKR_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn bench_signatures(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let key = SecretKey::random(&mut rng);
    let pubkey = key.public_key().to_pubkey();
    let mut op = Operation::Transfer(Transfer {
        from: 1,
        to: 2,
        token: 0,
        amount: 1_000_000,
        fee: 10,
        nonce: 5,
        signature: Signature::default(),
    });
    signing::sign(&mut op, &key, CHAIN).expect("a transfer signs");
    let scalar = Scalar::random(&mut rng);
    let point = Point::mulgen(&Scalar::random(&mut rng));

    let mut group = c.benchmark_group("schnorr_native");
    if quick() {
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(1));
    }
    group.bench_function("keygen from seed", |b| {
        b.iter(|| SecretKey::from_seed(black_box(b"bench seed")));
    });
    group.bench_function("sign transfer", |b| {
        b.iter(|| {
            let mut op = op.clone();
            signing::sign(&mut op, black_box(&key), CHAIN).expect("a transfer signs");
            op
        });
    });
    group.bench_function("verify transfer", |b| {
        b.iter(|| signing::verify(black_box(&op), &pubkey, CHAIN).expect("valid"));
    });
    group.bench_function("mulgen", |b| {
        b.iter(|| Point::mulgen(black_box(&scalar)));
    });
    group.bench_function("mul", |b| {
        b.iter(|| black_box(&point).mul(black_box(&scalar)));
    });
    group.finish();
}

criterion_group!(benches, bench_signatures);
criterion_main!(benches);
