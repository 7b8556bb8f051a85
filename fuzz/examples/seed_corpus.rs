//! Writes one valid input per fuzz target into `fuzz/corpus/TARGET/seed-*`,
//! so that fuzzing starts from what the decoders accept (a mutation of a real
//! proof reaches far deeper than random bytes do).
//!
//! `cargo run --release -p zkr-fuzz --example seed_corpus` (about a minute:
//! it builds the circuits and proves one batch and its range).

use std::path::{Path, PathBuf};

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use prost::Message;
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::wrap::keys::{KeysDir, Origin};
use zkr_ceremony::r1cs::{Constraint, R1cs, Term};
use zkr_circuits::executor;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use zkr_circuits::state::MemoryBackend;
use zkr_circuits::witness;
use zkr_fuzz::{circuits, CAPACITY};
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let put = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("seed-{name}")), bytes)
    };

    // Batches: the genesis deposits and a batch of transfers after them.
    let chain = zkr_circuits::workload::batch_chain(2, CAPACITY, DEFAULT_CHAIN_ID, 1)?;
    for (i, c) in chain.iter().enumerate() {
        let submission = BatchSubmission {
            batch: c.batch.clone(),
            expected_old_root: c.old_root,
            claimed_new_root: c.new_root,
        };
        put(
            "proto_batch",
            &format!("batch-{}", i + 1),
            &v1::SubmitBatchRequest::from(&submission).encode_to_vec(),
        )?;
        put(
            "batch_json",
            &format!("batch-{}", i + 1),
            &serde_json::to_vec(&c.batch)?,
        )?;
    }

    // A batch proof of the genesis batch and the range proof over it.
    let mut state = MemoryBackend::new();
    let exec = executor::apply(&mut state, &chain[0].batch, CAPACITY, DEFAULT_CHAIN_ID)?;
    let circuits = circuits();
    let proof = circuits.batch().prove(&witness::generate(&exec)?)?;
    put("batch_proof", "genesis", &proof.to_bytes())?;
    let range = circuits.prove_range(std::slice::from_ref(&proof))?;
    put("range_proof", "genesis", &range.to_bytes())?;

    // Groth16: a proof and a verifying key of valid points (the generators).
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let wrap = ark_groth16_proof(g1, g2);
    put("wrap_proof", "evm", &groth16::proof_to_evm(&wrap))?;
    put("wrap_proof", "compressed", &groth16::proof_to_bytes(&wrap))?;
    let vk = groth16::VerifyingKey {
        alpha_g1: g1,
        beta_g2: g2,
        gamma_g2: g2,
        delta_g2: g2,
        gamma_abc_g1: vec![g1, g1],
    };
    let keys = scratch("keys");
    let manifest = KeysDir::new(&keys).write("seed", Origin::InsecureDev, None, &vk)?;
    let tagged = |tag: u8, body: &[u8]| [&[tag][..], body].concat();
    put(
        "keys_files",
        "manifest",
        &tagged(0, &serde_json::to_vec(&manifest)?),
    )?;
    put("keys_files", "vk", &tagged(1, &groth16::vk_to_bytes(&vk)))?;
    put(
        "keys_files",
        "evm-vk",
        &tagged(2, &serde_json::to_vec(&groth16::vk_to_evm(&vk))?),
    )?;

    // The ceremony's files: a fresh and a prepared accumulator of 2^3, a
    // circuit x·x = y, and its initial keys.
    let fresh = scratch("fresh.ptau");
    zkr_ceremony::ptau::new::new_accumulator(&fresh, 3)?;
    put("ptau", "fresh", &std::fs::read(&fresh)?)?;
    let prepared = scratch("prepared.ptau");
    zkr_ceremony::ptau::prepare::prepare(
        &zkr_ceremony::ptau::format::PtauFile::open(&fresh)?,
        &prepared,
    )?;
    put("ptau", "prepared", &std::fs::read(&prepared)?)?;
    let term = |wire: u32| Term {
        wire,
        coeff: Fr::from(1u64),
    };
    let r1cs = R1cs {
        n_wires: 3,
        n_pub_out: 1,
        n_pub_in: 0,
        n_prv_in: 1,
        n_labels: 3,
        constraints: vec![Constraint {
            a: vec![term(2)],
            b: vec![term(2)],
            c: vec![term(1)],
        }],
        wire_labels: vec![0, 1, 2],
    };
    let r1cs_path = scratch("square.r1cs");
    r1cs.write(&r1cs_path)?;
    put("r1cs", "square", &std::fs::read(&r1cs_path)?)?;
    let zkey = scratch("square.zkey");
    zkr_ceremony::zkey::new::new_zkey(
        &r1cs,
        &zkr_ceremony::ptau::format::PtauFile::open(&prepared)?,
        &zkey,
    )?;
    put("zkey", "square", &std::fs::read(&zkey)?)?;
    println!("seeds written under {}", corpus.display());
    Ok(())
}

fn ark_groth16_proof(a: G1Affine, b: G2Affine) -> groth16::Proof {
    groth16::Proof { a, b, c: a }
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("zkr-fuzz-seed-{}-{name}", std::process::id()))
}
