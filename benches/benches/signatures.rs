//! Native EcGFp5 Schnorr: key generation (hashing a seed, a fixed-base
//! multiplication), signing an operation (Poseidon message, deterministic
//! nonce, fixed-base multiplication) and verifying it (decodings, a fixed-
//! and a variable-base multiplication), as the executor and wallets run them.
//! Then in a circuit: proving one signature verification (the `verify_schnorr` gadget
//! alone, its row count printed).
//! `ZKR_BENCH_QUICK=1` shortens warm-up and measurement (CI).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::Field;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitConfig;
use plonky2::plonk::config::PoseidonGoldilocksConfig;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkr_benches::quick_mode;
use zkr_circuits::ecgfp5::{Point, Scalar, SecretKey};
use zkr_circuits::gadgets::ecgfp5::{
    CircuitBuilderGfp5, CircuitBuilderSchnorr, WitnessWriteGfp5, WitnessWriteSignature,
};
use zkr_circuits::ops::signing;
use zkr_circuits::ops::{Operation, Signature, Transfer};

const CHAIN: signing::ChainId = 1;

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
    if quick_mode() {
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

fn bench_signature_circuit(c: &mut Criterion) {
    type F = GoldilocksField;
    let mut b = CircuitBuilder::<F, 2>::new(CircuitConfig::standard_recursion_config());
    let pk = b.add_virtual_gfp5_target();
    let msg = b.add_virtual_target_arr::<4>();
    let sig = b.add_virtual_signature_target();
    let before = b.num_gates();
    b.verify_schnorr(pk, &msg, &sig);
    println!(
        "rows per in-circuit signature verification: {}",
        b.num_gates() - before
    );
    let data = b.build::<PoseidonGoldilocksConfig>();

    let key = SecretKey::from_seed(b"bench circuit");
    let m = [1u64, 2, 3, 4].map(F::from_canonical_u64);
    let signature = key.sign(&m);
    let witness = || {
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(pk, key.public_key().encoding())
            .expect("fresh witness");
        pw.set_target_arr(&msg, &m).expect("fresh witness");
        pw.set_signature_target(&sig, &signature)
            .expect("fresh witness");
        pw
    };
    data.verify(data.prove(witness()).expect("a valid signature proves"))
        .expect("and verifies");

    let mut group = c.benchmark_group("schnorr_circuit");
    group.sample_size(10);
    if quick_mode() {
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
    }
    group.bench_function("prove one verification", |bch| {
        bch.iter(|| data.prove(witness()).expect("a valid signature proves"));
    });
    group.finish();
}

criterion_group!(benches, bench_signatures, bench_signature_circuit);
criterion_main!(benches);
