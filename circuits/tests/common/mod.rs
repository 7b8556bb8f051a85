//! Operations the circuit tests share: signed by their sender's workload key for [`CHAIN`],
//! and tampered variants whose only fault is the signature.

// Each test binary uses its own part of these.
#![allow(dead_code)]

use zkr_circuits::ecgfp5::{Point, Scalar};
use zkr_circuits::ops::signing::{self, ChainId, DEFAULT_CHAIN_ID};
use zkr_circuits::ops::{Batch, Operation, Signature, Transfer, Withdraw};
use zkr_circuits::state::PubKey;
use zkr_circuits::workload::workload_key;

/// The chain the tests sign for.
pub const CHAIN: ChainId = DEFAULT_CHAIN_ID;

/// `op` signed by its sender's workload key (deposits unchanged).
pub fn signed(mut op: Operation) -> Operation {
    let from = match &op {
        Operation::Deposit(_) => return op,
        Operation::Transfer(t) => t.from,
        Operation::Withdraw(w) => w.from,
    };
    signing::sign(&mut op, &workload_key(from), CHAIN).expect("transfers and withdrawals sign");
    op
}

/// A transfer of token 1, signed.
pub fn transfer(from: u32, to: u32, amount: u128, fee: u128, nonce: u32) -> Operation {
    signed(Operation::Transfer(Transfer {
        from,
        to,
        token: 1,
        amount,
        fee,
        nonce,
        signature: Signature::default(),
    }))
}

/// A withdrawal of token 1, signed.
pub fn withdraw(from: u32, amount: u128, fee: u128, nonce: u32) -> Operation {
    signed(Operation::Withdraw(Withdraw {
        from,
        token: 1,
        amount,
        fee,
        nonce,
        to_l1: [0xab; 20],
        signature: Signature::default(),
    }))
}

/// A signed transfer from 1 to 2 (or a withdrawal from 1) with one field changed after signing, or signed otherwise.
pub fn tampered_signed_ops() -> Vec<(&'static str, Operation)> {
    let edit = |f: fn(&mut Transfer)| {
        let mut op = transfer(1, 2, 10, 1, 0);
        if let Operation::Transfer(t) = &mut op {
            f(t);
        }
        op
    };
    let mut other_chain = transfer(1, 2, 10, 1, 0);
    signing::sign(&mut other_chain, &workload_key(1), CHAIN + 1).expect("signs");
    let mut other_key = transfer(1, 2, 10, 1, 0);
    signing::sign(&mut other_key, &workload_key(2), CHAIN).expect("signs");
    vec![
        ("signed by another key", other_key),
        ("signed for another chain", other_chain),
        ("amount changed", edit(|t| t.amount = 11)),
        ("recipient changed", edit(|t| t.to = 0)),
        ("fee changed", edit(|t| t.fee = 2)),
        ("nonce changed", {
            // Signed at nonce 1, carried at nonce 0 (the account's): only the signature is off.
            let mut op = transfer(1, 2, 10, 1, 1);
            if let Operation::Transfer(t) = &mut op {
                t.nonce = 0;
            }
            op
        }),
        ("token changed", edit(|t| t.token = 2)),
        (
            "s out of range (s + n)",
            edit(|t| {
                // s is bytes 40..80, little-endian; adding n gives the same point, a value >= n.
                let n_minus_one = (-Scalar::from_u64(1)).to_limbs();
                let mut carry = 1u128;
                for (i, limb) in n_minus_one.iter().enumerate() {
                    let at = 40 + 8 * i;
                    let s = u64::from_le_bytes(t.signature.0[at..at + 8].try_into().unwrap());
                    let sum = s as u128 + *limb as u128 + carry;
                    t.signature.0[at..at + 8].copy_from_slice(&(sum as u64).to_le_bytes());
                    carry = sum >> 64;
                }
            }),
        ),
        ("no signature", edit(|t| t.signature = Signature::default())),
        ("withdrawal's L1 address changed", {
            let mut op = withdraw(1, 10, 1, 0);
            if let Operation::Withdraw(w) = &mut op {
                w.to_l1 = [0xcd; 20];
            }
            op
        }),
    ]
}

/// A canonical key that is no curve point's encoding (deposits from L1 may name one).
pub fn off_curve_key() -> PubKey {
    let mut limbs = [5u64, 0, 0, 0, 0];
    while Point::from_limbs(&limbs).is_some() {
        limbs[0] += 1;
    }
    PubKey(limbs)
}

/// Batch `number` of `operations`, fees to account 0.
pub fn batch_of(number: u64, operations: Vec<Operation>) -> Batch {
    Batch {
        number,
        operator: 0,
        operations,
    }
}
