//! What each fuzz target checks, shared by the libFuzzer drivers in
//! `fuzz/libfuzzer/` (`cargo fuzz run TARGET`) and the normal test suite,
//! which runs every input kept in `fuzz/corpus/TARGET/`.
//!
//! A check feeds its bytes to one decoder of outside input, as the service or
//! a command line tool would, and goes on with what decodes (executing a
//! batch, verifying a proof): the decoder must answer with a value or an
//! error, never a panic, an abort or an allocation far beyond the input.

use std::path::PathBuf;
use std::sync::OnceLock;

use prost::Message;
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::{Circuits, RangeProof};
use zkr_circuits::batch::BatchProof;
use zkr_circuits::executor;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use zkr_circuits::ops::Batch;
use zkr_circuits::state::MemoryBackend;
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;

/// The capacity the checks execute batches and decode proofs at.
pub const CAPACITY: usize = 8;

/// One fuzz target: its name (the corpus folder and the libFuzzer binary)
/// and what it checks.
pub struct Target {
    /// Name of the target.
    pub name: &'static str,
    /// The check.
    pub check: fn(&[u8]),
}

/// Every fuzz target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "proto_batch",
        check: proto_batch,
    },
    Target {
        name: "batch_json",
        check: batch_json,
    },
    Target {
        name: "batch_proof",
        check: batch_proof,
    },
    Target {
        name: "range_proof",
        check: range_proof,
    },
    Target {
        name: "wrap_proof",
        check: wrap_proof,
    },
    Target {
        name: "keys_files",
        check: keys_files,
    },
    Target {
        name: "ptau",
        check: ptau,
    },
    Target {
        name: "zkey",
        check: zkey,
    },
    Target {
        name: "r1cs",
        check: r1cs,
    },
];

/// The state after the genesis batch of the standard workload, so that
/// decoded batches reach accounts that exist.
fn genesis_state() -> &'static MemoryBackend {
    static STATE: OnceLock<MemoryBackend> = OnceLock::new();
    STATE.get_or_init(|| {
        let mut state = MemoryBackend::new();
        if let Ok(chain) = zkr_circuits::workload::batch_chain(1, CAPACITY, DEFAULT_CHAIN_ID, 1) {
            for c in chain {
                let _ = executor::apply(&mut state, &c.batch, CAPACITY, DEFAULT_CHAIN_ID);
            }
        }
        state
    })
}

/// The capacity-8 circuits (built once per process).
pub fn circuits() -> &'static Circuits {
    static CIRCUITS: OnceLock<Circuits> = OnceLock::new();
    CIRCUITS.get_or_init(|| match Circuits::build(CAPACITY, DEFAULT_CHAIN_ID) {
        Ok(c) => c,
        Err(e) => panic!("the capacity-{CAPACITY} circuits build: {e}"),
    })
}

/// Executes `batch` on a copy of the genesis state, as the coordinator does
/// with a submission (it refuses more operations than the capacity first).
fn execute(batch: &Batch) {
    if batch.operations.len() > CAPACITY {
        return;
    }
    let mut state = genesis_state().clone();
    let _ = executor::apply(&mut state, batch, CAPACITY, DEFAULT_CHAIN_ID);
}

/// A `SubmitBatchRequest` as it arrives over gRPC: decoded, converted to a
/// batch submission, executed.
pub fn proto_batch(data: &[u8]) {
    let Ok(request) = v1::SubmitBatchRequest::decode(data) else {
        return;
    };
    if let Ok(submission) = BatchSubmission::try_from(request) {
        execute(&submission.batch);
    }
}

/// A batch file as `zkr submit` reads it: JSON, then executed.
pub fn batch_json(data: &[u8]) {
    if let Ok(batch) = serde_json::from_slice::<Batch>(data) {
        execute(&batch);
    }
}

/// A batch proof as a worker completes a job with it: decoded, verified.
pub fn batch_proof(data: &[u8]) {
    let batch = circuits().batch();
    if let Ok(proof) = BatchProof::from_bytes(data, batch) {
        let _ = proof.public_values();
        let _ = batch.verify(&proof);
    }
}

/// An aggregation step's or range's proof: decoded, verified.
pub fn range_proof(data: &[u8]) {
    let aggregation = circuits().aggregation();
    if let Ok(proof) = RangeProof::from_bytes(data, aggregation) {
        let _ = aggregation.verify(&proof);
    }
}

/// A wrapped proof: the 256-byte EVM encoding a wrap job completes with, and
/// the compressed encoding the keys tools read.
pub fn wrap_proof(data: &[u8]) {
    let _ = groth16::evm_to_proof(data);
    let _ = groth16::proof_from_bytes(data);
}

/// The files of a wrap keys directory: the first byte picks the file, the
/// rest is its content (manifest, `wrap.vk`, `verifying-key.json`).
pub fn keys_files(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let dir = scratch("keys");
            if std::fs::create_dir_all(&dir).is_ok()
                && std::fs::write(dir.join(zkr_aggregator::wrap::keys::MANIFEST_FILE), body).is_ok()
            {
                let _ = zkr_aggregator::wrap::keys::KeysDir::new(&dir).manifest();
            }
        }
        1 => {
            let _ = groth16::vk_from_bytes(body);
        }
        _ => {
            if let Ok(evm) = serde_json::from_slice::<groth16::EvmVerifyingKey>(body) {
                let _ = groth16::evm_to_vk(&evm);
            }
        }
    }
}

/// A `.ptau` file as the ceremony tools open it.
pub fn ptau(data: &[u8]) {
    with_file("ptau", data, |path| {
        let _ = zkr_ceremony::ptau::format::PtauFile::open(path);
    });
}

/// A `.zkey` file as the ceremony tools open it.
pub fn zkey(data: &[u8]) {
    with_file("zkey", data, |path| {
        let _ = zkr_ceremony::zkey::format::ZkeyFile::open(path);
    });
}

/// A `.r1cs` file as the ceremony tools read it.
pub fn r1cs(data: &[u8]) {
    with_file("r1cs", data, |path| {
        let _ = zkr_ceremony::r1cs::R1cs::read(path);
    });
}

/// A path of this process's own under the temporary folder (the file
/// decoders read paths, not bytes).
fn scratch(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("zkr-fuzz-{}-{what}", std::process::id()))
}

fn with_file(what: &str, data: &[u8], f: impl FnOnce(&std::path::Path)) {
    let path = scratch(what);
    if std::fs::write(&path, data).is_ok() {
        f(&path);
    }
}
