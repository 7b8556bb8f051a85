//! The batch circuit: valid batches prove and verify with the executor's public
//! values; a witness that breaks one rule (built by the executor with that rule
//! switched off) cannot be proven.

use crate::common::{batch_of, off_curve_key, signed, tampered_signed_ops, transfer, CHAIN};

use std::sync::OnceLock;

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOut;
use zkr_circuits::batch::{BatchCircuit, BatchProof, CircuitError};
use zkr_circuits::executor::{apply, execute, execute_with, Rules};
use zkr_circuits::gadgets::sha256::sha256;
use zkr_circuits::ops::{Batch, Deposit, Operation, Signature, Withdraw};
use zkr_circuits::state::{MemoryBackend, F};
use zkr_circuits::witness::{generate, BatchWitness};
use zkr_circuits::workload::workload_pubkey;

const CAP: usize = 8;

fn circuit() -> &'static BatchCircuit {
    static C: OnceLock<BatchCircuit> = OnceLock::new();
    C.get_or_init(|| BatchCircuit::build(CAP, CHAIN))
}

fn deposit(account: u32, amount: u128, priority_index: u64) -> Operation {
    Operation::Deposit(Deposit {
        account,
        pubkey: workload_pubkey(account),
        token: 1,
        amount,
        priority_index,
    })
}

/// State after batch 1 (operator 0 and account 1 with 1000 of token 1).
fn genesis() -> (MemoryBackend, Batch) {
    let b1 = batch_of(1, vec![deposit(0, 0, 0), deposit(1, 1000, 1)]);
    (MemoryBackend::new(), b1)
}

/// Batch 2: a new account by deposit, a transfer to it, a withdrawal, a transfer back.
fn batch2() -> Batch {
    Batch {
        number: 2,
        operator: 0,
        operations: vec![
            deposit(2, 5, 2),
            transfer(1, 2, 300, 2, 0),
            signed(Operation::Withdraw(Withdraw {
                from: 1,
                token: 1,
                amount: 100,
                fee: 1,
                nonce: 1,
                to_l1: [0x5a; 20],
                signature: Signature::default(),
            })),
            transfer(2, 1, 5, 0, 0),
        ],
    }
}

fn state_after_genesis() -> MemoryBackend {
    let (mut s, b1) = genesis();
    apply(&mut s, &b1, CAP, CHAIN).expect("genesis applies");
    s
}

fn witness_unchecked(s: &MemoryBackend, b: &Batch) -> BatchWitness {
    let exec =
        execute_with(s, b, CAP, CHAIN, Rules::SkipForTesting).expect("executes with rules off");
    generate(&exec).expect("lays out")
}

fn assert_unprovable(w: &BatchWitness, what: &str) {
    match circuit().prove(w) {
        Err(CircuitError::Unsatisfied(_)) => {}
        Ok(_) => panic!("{what}: expected proving to fail, but a proof was made"),
        Err(e) => panic!("{what}: expected an unsatisfied witness, got {e}"),
    }
}

#[test]
fn valid_batches_prove_and_verify_with_executor_public_values() {
    let (mut s, b1) = genesis();
    for b in [b1, batch2()] {
        let exec = apply(&mut s, &b, CAP, CHAIN).expect("valid batch applies");
        let w = generate(&exec).expect("witness");
        let proof = circuit().prove(&w).expect("valid batch proves");
        circuit().verify(&proof).expect("proof verifies");
        let pv = proof.public_values().expect("public values decode");
        assert_eq!(pv.old_root, exec.old_root, "batch {} old root", b.number);
        assert_eq!(pv.new_root, exec.new_root, "batch {} new root", b.number);
        assert_eq!(
            pv.commitment,
            sha256(&exec.pubdata),
            "batch {} commitment",
            b.number
        );
        let bytes = proof.to_bytes();
        let back = BatchProof::from_bytes(&bytes, circuit()).expect("proof decodes");
        circuit().verify(&back).expect("decoded proof verifies");
    }
}

#[test]
fn altered_proof_bytes_are_rejected() {
    let s = state_after_genesis();
    let w = generate(&execute(&s, &batch2(), CAP, CHAIN).unwrap()).unwrap();
    let proof = circuit().prove(&w).expect("proves");
    let mut bytes = proof.to_bytes();
    // Past the public inputs, inside the proof proper.
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    let rejected = match BatchProof::from_bytes(&bytes, circuit()) {
        Err(_) => true,
        Ok(p) => circuit().verify(&p).is_err(),
    };
    assert!(rejected, "a proof with a flipped byte verified");

    // The field's order in place of the first element (of the wires' Merkle
    // cap): plonky2 decodes it as zero, and it is refused as another encoding.
    let mut bytes = proof.to_bytes();
    let order = <F as plonky2::field::types::Field64>::ORDER;
    bytes[..8].copy_from_slice(&order.to_le_bytes());
    match BatchProof::from_bytes(&bytes, circuit()) {
        Err(e) => assert!(
            e.to_string().contains("canonical"),
            "expected a non-canonical element refused as such, got {e}"
        ),
        Ok(_) => panic!("expected a proof with a non-canonical field element refused, it decoded"),
    }
}

#[test]
fn wrong_merkle_path_cannot_be_proven() {
    let s = state_after_genesis();
    let mut w = witness_unchecked(&s, &batch2());
    w.slots[3].lane_a.account_siblings[4] = HashOut {
        elements: [F::from_canonical_u64(42); 4],
    };
    assert_unprovable(&w, "altered account-tree sibling");
}

#[test]
fn overdraft_cannot_be_proven() {
    let s = state_after_genesis();
    let b = batch_of(2, vec![deposit(2, 5, 2), transfer(1, 2, 1000, 1, 0)]);
    assert!(
        execute(&s, &b, CAP, CHAIN).is_err(),
        "executor rejects the overdraft"
    );
    assert_unprovable(&witness_unchecked(&s, &b), "overdraft by the fee");
}

#[test]
fn nonce_replay_cannot_be_proven() {
    let s = state_after_genesis();
    let b = batch_of(
        2,
        vec![
            deposit(2, 5, 2),
            transfer(1, 2, 10, 0, 0),
            transfer(1, 2, 10, 0, 0),
        ],
    );
    assert!(
        execute(&s, &b, CAP, CHAIN).is_err(),
        "executor rejects the replay"
    );
    assert_unprovable(&witness_unchecked(&s, &b), "second use of nonce 0");
}

#[test]
fn transfer_to_missing_account_cannot_be_proven() {
    let s = state_after_genesis();
    let b = batch_of(2, vec![transfer(1, 9, 10, 0, 0)]);
    assert!(
        execute(&s, &b, CAP, CHAIN).is_err(),
        "executor rejects the unknown recipient"
    );
    assert_unprovable(&witness_unchecked(&s, &b), "recipient 9 does not exist");
}

#[test]
fn deposit_with_another_key_cannot_be_proven() {
    let s = state_after_genesis();
    let mut op = deposit(1, 5, 2);
    if let Operation::Deposit(d) = &mut op {
        d.pubkey = workload_pubkey(98);
    }
    let b = batch_of(2, vec![op]);
    assert!(
        execute(&s, &b, CAP, CHAIN).is_err(),
        "executor rejects the key change"
    );
    assert_unprovable(
        &witness_unchecked(&s, &b),
        "deposit replacing account 1's key",
    );
}

#[test]
fn altered_pubdata_byte_cannot_be_proven() {
    let s = state_after_genesis();
    let mut w = generate(&execute(&s, &batch2(), CAP, CHAIN).unwrap()).unwrap();
    // Claim pubdata whose withdrawal address differs in one byte.
    let at = 4 + 4 * 24 + 28 + 10;
    w.pubdata[at] ^= 0x01;
    w.commitment = sha256(&w.pubdata);
    assert_unprovable(&w, "commitment of altered pubdata");
}

#[test]
fn wrong_new_root_cannot_be_proven() {
    let s = state_after_genesis();
    let mut w = generate(&execute(&s, &batch2(), CAP, CHAIN).unwrap()).unwrap();
    w.new_root.elements[2] += F::ONE;
    assert_unprovable(&w, "claimed new root off by one");
}

#[test]
fn non_canonical_packed_amount_cannot_be_proven() {
    let s = state_after_genesis();
    let mut w = generate(&execute(&s, &batch2(), CAP, CHAIN).unwrap()).unwrap();
    // Slot 3 transfers 300 = (300, 10^0); (30, 10^1) is the same amount, not canonical.
    assert_eq!(
        (
            w.slots[3].amount_packed.mantissa,
            w.slots[3].amount_packed.exponent
        ),
        (300, 0)
    );
    w.slots[3].amount_packed.mantissa = 30;
    w.slots[3].amount_packed.exponent = 1;
    let at = 4 + 3 * 24 + 12;
    w.pubdata[at..at + 5].copy_from_slice(
        &w.slots[3]
            .amount_packed
            .to_bytes(zkr_circuits::ops::AMOUNT_PACKING),
    );
    w.commitment = sha256(&w.pubdata);
    assert_unprovable(&w, "transfer amount packed with exponent 1");
}

#[test]
fn stray_fee_on_a_noop_cannot_be_proven() {
    let s = state_after_genesis();
    let mut w = generate(&execute(&s, &batch2(), CAP, CHAIN).unwrap()).unwrap();
    // A fee credited to the operator from a padding slot, paid by nobody.
    let last = w.slots.len() - 1;
    w.slots[last].fee = 1;
    w.slots[last].fee_packed.mantissa = 1;
    w.fees[0].lane.balance_after += 1;
    assert_unprovable(&w, "fee from a no-op slot");
}

#[test]
fn rows_per_slot_stay_within_budget() {
    let small = circuit();
    let large = BatchCircuit::build(2 * CAP, CHAIN);
    let per_slot = (large.num_gates() - small.num_gates()) / CAP;
    println!(
        "capacity {CAP}: {} gates; capacity {}: {} gates; {per_slot} per slot",
        small.num_gates(),
        2 * CAP,
        large.num_gates()
    );
    // Measured 820 rows per 24-byte chunk slot: 327 for the rules (two lanes, amount/fee
    // unpacking, pubdata words, SHA-256 of the chunk) and 493 for the signature (the two
    // message hashes and the Schnorr verification).
    assert!(
        per_slot <= 830,
        "expected at most 830 rows per slot, got {per_slot}"
    );
    assert!(
        small.degree_bits() <= 13,
        "capacity {CAP}: expected at most 2^13 rows, got 2^{}",
        small.degree_bits()
    );
}

#[test]
#[ignore = "measurement: prints rows at several capacities"]
fn print_rows_by_capacity() {
    for cap in [8, 16, 32, 128] {
        let c = BatchCircuit::build(cap, CHAIN);
        println!(
            "capacity {cap}: {} gates, 2^{} rows",
            c.num_gates(),
            c.degree_bits()
        );
    }
}

#[test]
fn transfers_without_a_valid_signature_cannot_be_proven() {
    let s = state_after_genesis();
    for (what, op) in tampered_signed_ops() {
        let b = batch_of(2, vec![op]);
        assert!(
            execute(&s, &b, CAP, CHAIN).is_err(),
            "{what}: expected the executor to reject it"
        );
        assert_unprovable(&witness_unchecked(&s, &b), what);
    }
}

#[test]
fn a_transfer_from_an_off_curve_key_cannot_be_proven() {
    let mut s = state_after_genesis();
    let mut dep = deposit(2, 50, 2);
    if let Operation::Deposit(d) = &mut dep {
        d.pubkey = off_curve_key();
    }
    let b2 = batch_of(2, vec![dep]);
    apply(&mut s, &b2, CAP, CHAIN).expect("a deposit to any canonical key applies");
    let b3 = batch_of(3, vec![transfer(2, 1, 10, 0, 0)]);
    assert!(
        execute(&s, &b3, CAP, CHAIN).is_err(),
        "expected the executor to refuse a transfer from an off-curve key"
    );
    assert_unprovable(
        &witness_unchecked(&s, &b3),
        "transfer from an off-curve key",
    );
}
