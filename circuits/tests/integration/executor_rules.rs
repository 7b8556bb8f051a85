//! Every rejection rule of the executor, and that a rejected batch changes nothing.

use crate::common::{
    batch_of, off_curve_key, signed, tampered_signed_ops, transfer, withdraw, CHAIN,
};

use zkr_circuits::executor::{apply, execute, ExecError, OpError, FEE_SLOTS};
use zkr_circuits::ops::signing;
use zkr_circuits::ops::{Batch, Deposit, Operation};
use zkr_circuits::state::{MemoryBackend, PubKey, StateBackend, StateView};
use zkr_circuits::workload::workload_pubkey;

const CAP: usize = 16;

fn deposit(account: u32, token: u16, amount: u128, priority_index: u64) -> Operation {
    Operation::Deposit(Deposit {
        account,
        pubkey: workload_pubkey(account),
        token,
        amount,
        priority_index,
    })
}

/// State with accounts 0 (operator), 1 and 2; account 1 holds 1000 of token 1.
fn genesis() -> MemoryBackend {
    let mut s = MemoryBackend::new();
    let b = batch_of(
        1,
        vec![
            deposit(0, 1, 0, 0),
            deposit(1, 1, 1000, 1),
            deposit(2, 1, 5, 2),
        ],
    );
    apply(&mut s, &b, CAP, CHAIN).expect("genesis applies");
    s
}

fn batch(ops: Vec<Operation>) -> Batch {
    batch_of(2, ops)
}

fn op_error(res: Result<impl std::fmt::Debug, ExecError>) -> (usize, OpError) {
    match res {
        Err(ExecError::Op { index, reason, .. }) => (index, reason),
        other => panic!("expected an operation error, got {other:?}"),
    }
}

#[test]
fn valid_batch_moves_balances_nonces_and_fees() {
    let mut s = genesis();
    let ops = vec![transfer(1, 2, 100, 3, 0), withdraw(1, 50, 2, 1)];
    let exec = apply(&mut s, &batch(ops), CAP, CHAIN).expect("valid batch applies");
    assert_ne!(exec.old_root, exec.new_root, "root must move");
    let v = StateView::new(&s);
    assert_eq!(v.balance(1, 1).unwrap(), 1000 - 103 - 52);
    assert_eq!(v.balance(2, 1).unwrap(), 105);
    assert_eq!(v.balance(0, 1).unwrap(), 5, "operator gets both fees");
    assert_eq!(v.account(1).unwrap().nonce, 2);
    assert_eq!(v.root().unwrap(), exec.new_root);
    assert_eq!(exec.pubdata.len(), 4 + CAP * 24);
}

#[test]
fn unknown_sender_and_recipient_are_rejected() {
    let s = genesis();
    assert_eq!(
        op_error(execute(
            &s,
            &batch(vec![transfer(7, 1, 1, 0, 0)]),
            CAP,
            CHAIN
        )),
        (0, OpError::UnknownAccount(7))
    );
    assert_eq!(
        op_error(execute(
            &s,
            &batch(vec![transfer(1, 9, 1, 0, 0)]),
            CAP,
            CHAIN
        )),
        (0, OpError::UnknownAccount(9))
    );
    assert_eq!(
        op_error(execute(&s, &batch(vec![withdraw(8, 1, 0, 0)]), CAP, CHAIN)),
        (0, OpError::UnknownAccount(8))
    );
}

#[test]
fn bad_nonce_and_replay_are_rejected() {
    let s = genesis();
    let replay = vec![transfer(1, 2, 1, 0, 0), transfer(1, 2, 1, 0, 0)];
    assert_eq!(
        op_error(execute(&s, &batch(replay), CAP, CHAIN)),
        (
            1,
            OpError::BadNonce {
                expected: 1,
                got: 0
            }
        )
    );
}

#[test]
fn overdraft_is_rejected_counting_the_fee() {
    let s = genesis();
    let (i, e) = op_error(execute(
        &s,
        &batch(vec![transfer(1, 2, 1000, 1, 0)]),
        CAP,
        CHAIN,
    ));
    assert_eq!(i, 0);
    assert!(
        matches!(
            e,
            OpError::InsufficientBalance {
                balance: 1000,
                amount: 1000,
                fee: 1,
                ..
            }
        ),
        "got {e:?}"
    );
    let (_, e) = op_error(execute(&s, &batch(vec![withdraw(2, 6, 0, 0)]), CAP, CHAIN));
    assert!(
        matches!(e, OpError::InsufficientBalance { .. }),
        "got {e:?}"
    );
}

#[test]
fn balance_overflow_is_rejected() {
    let mut s = genesis();
    let b = batch_of(2, vec![deposit(2, 1, u128::MAX - 5, 3)]);
    apply(&mut s, &b, CAP, CHAIN).expect("fills account 2 to the top");
    let b3 = batch_of(3, vec![transfer(1, 2, 1, 0, 0)]);
    let (_, e) = op_error(execute(&s, &b3, CAP, CHAIN));
    assert!(
        matches!(e, OpError::Overflow { account: 2, .. }),
        "got {e:?}"
    );
}

#[test]
fn token_out_of_range_is_rejected() {
    let s = genesis();
    let mut op = transfer(1, 2, 1, 0, 0);
    if let Operation::Transfer(t) = &mut op {
        t.token = 1024;
    }
    let op = signed(op);
    assert_eq!(
        op_error(execute(&s, &batch(vec![op]), CAP, CHAIN)),
        (0, OpError::TokenOutOfRange(1024))
    );
}

#[test]
fn unpackable_amounts_and_fees_are_rejected() {
    let s = genesis();
    let (_, e) = op_error(execute(
        &s,
        &batch(vec![transfer(1, 2, (1 << 35) + 1, 0, 0)]),
        CAP,
        CHAIN,
    ));
    assert!(matches!(e, OpError::NotEncodable(_)), "amount: got {e:?}");
    let (_, e) = op_error(execute(
        &s,
        &batch(vec![transfer(1, 2, 1, 2049, 0)]),
        CAP,
        CHAIN,
    ));
    assert!(matches!(e, OpError::NotEncodable(_)), "fee: got {e:?}");
}

#[test]
fn deposit_rules_key_and_priority_order() {
    let s = genesis();
    let mut wrong_key = deposit(1, 1, 5, 3);
    if let Operation::Deposit(d) = &mut wrong_key {
        d.pubkey = workload_pubkey(99);
    }
    assert_eq!(
        op_error(execute(&s, &batch(vec![wrong_key]), CAP, CHAIN)),
        (0, OpError::PubkeyMismatch(1))
    );
    let mut no_key = deposit(5, 1, 5, 3);
    if let Operation::Deposit(d) = &mut no_key {
        d.pubkey = PubKey::NONE;
    }
    assert_eq!(
        op_error(execute(&s, &batch(vec![no_key]), CAP, CHAIN)),
        (0, OpError::InvalidPubkey)
    );
    let mut non_canonical = deposit(5, 1, 5, 3);
    if let Operation::Deposit(d) = &mut non_canonical {
        d.pubkey.0[2] = u64::MAX;
    }
    assert_eq!(
        op_error(execute(&s, &batch(vec![non_canonical]), CAP, CHAIN)),
        (0, OpError::InvalidPubkey)
    );
    assert_eq!(
        op_error(execute(&s, &batch(vec![deposit(5, 1, 5, 4)]), CAP, CHAIN)),
        (
            0,
            OpError::PriorityIndex {
                expected: 3,
                got: 4
            }
        )
    );
}

#[test]
fn batch_level_rules_order_capacity_fee_tokens_operator() {
    let s = genesis();
    let mut b = batch(vec![]);
    b.number = 3;
    assert!(matches!(
        execute(&s, &b, CAP, CHAIN),
        Err(ExecError::OutOfOrder {
            expected: 2,
            got: 3
        })
    ));

    let ops = (0..6)
        .map(|i| deposit(10 + i, 1, 1, 3 + i as u64))
        .collect();
    let err = execute(&s, &batch(ops), CAP, CHAIN).expect_err("18 chunks exceed 16");
    assert!(
        matches!(
            err,
            ExecError::TooManyChunks {
                chunks: 18,
                capacity: 16,
                ..
            }
        ),
        "got {err:?}"
    );

    let mut ops = vec![];
    for t in 2..=(FEE_SLOTS as u16 + 1) {
        ops.push(deposit(1, t, 10, 3 + t as u64 - 2));
    }
    for (n, t) in (1..=(FEE_SLOTS as u16 + 1)).enumerate() {
        let mut op = transfer(1, 2, 1, 1, n as u32);
        if let Operation::Transfer(x) = &mut op {
            x.token = t;
        }
        ops.push(signed(op));
    }
    let err = execute(&s, &batch(ops), 32, CHAIN).expect_err("five fee tokens");
    assert!(
        matches!(err, ExecError::TooManyFeeTokens { tokens: 5, .. }),
        "got {err:?}"
    );

    let mut b = batch(vec![transfer(1, 2, 1, 1, 0)]);
    b.operator = 77;
    let err = execute(&s, &b, CAP, CHAIN).expect_err("operator 77 does not exist");
    assert!(
        matches!(
            err,
            ExecError::Operator {
                reason: OpError::UnknownAccount(77),
                ..
            }
        ),
        "got {err:?}"
    );
}

#[test]
fn rejected_batch_leaves_state_untouched() {
    let mut s = genesis();
    let root = StateView::new(&s).root().unwrap();
    let meta = s.meta().unwrap();
    // The first op is valid and would change the state; the second fails.
    let ops = vec![transfer(1, 2, 10, 0, 0), transfer(1, 2, 10, 0, 5)];
    assert!(apply(&mut s, &batch(ops), CAP, CHAIN).is_err());
    assert_eq!(StateView::new(&s).root().unwrap(), root, "root unchanged");
    assert_eq!(s.meta().unwrap(), meta, "counters unchanged");
    assert_eq!(s.balance(1, 1).unwrap(), 1000, "balance unchanged");
}

#[test]
fn error_message_names_batch_op_and_values() {
    let s = genesis();
    let err =
        execute(&s, &batch(vec![transfer(1, 2, 1, 0, 3)]), CAP, CHAIN).expect_err("bad nonce");
    assert_eq!(
        err.to_string(),
        "batch 2 rejected: op 0 (transfer): nonce 0 expected, got 3"
    );
}

#[test]
fn nonce_overflow_is_rejected() {
    let mut s = genesis();
    let mut writes = zkr_circuits::state::StateWrites::default();
    writes.accounts.insert(1, (workload_pubkey(1), u32::MAX));
    s.commit(&writes).unwrap();
    assert_eq!(
        op_error(execute(
            &s,
            &batch(vec![transfer(1, 2, 1, 0, u32::MAX)]),
            CAP,
            CHAIN
        )),
        (0, OpError::NonceOverflow(1))
    );
}

#[test]
fn transfers_not_signed_by_their_sender_over_their_fields_and_chain_are_rejected() {
    let s = genesis();
    for (what, op) in tampered_signed_ops() {
        let (index, reason) = op_error(execute(&s, &batch(vec![op]), CAP, CHAIN));
        assert!(
            index == 0 && matches!(reason, OpError::Signature(1, _)),
            "{what}: expected op 0 rejected for account 1's signature, got op {index}: {reason}"
        );
    }
    // A withdrawal signed as a transfer with the same fields is not a withdrawal's signature.
    let mut wd = withdraw(1, 10, 1, 0);
    let tr = transfer(1, 2, 10, 1, 0);
    if let (Operation::Withdraw(w), Operation::Transfer(t)) = (&mut wd, &tr) {
        w.signature = t.signature.clone();
    }
    let (_, reason) = op_error(execute(&s, &batch(vec![wd]), CAP, CHAIN));
    assert!(
        matches!(reason, OpError::Signature(1, _)),
        "expected a transfer's signature on a withdrawal to be rejected, got {reason}"
    );
    // And the valid ones pass, so the rejections above are the tampering's.
    let ok = batch(vec![transfer(1, 2, 10, 1, 0), withdraw(1, 10, 1, 1)]);
    if let Err(e) = execute(&s, &ok, CAP, CHAIN) {
        panic!("expected the untampered operations to execute, got {e}");
    }
}

#[test]
fn an_account_with_an_off_curve_key_cannot_send() {
    let mut s = genesis();
    // Deposits come from L1 and may name any canonical key; such an account can never sign.
    let mut dep = deposit(3, 1, 50, 3);
    if let Operation::Deposit(d) = &mut dep {
        d.pubkey = off_curve_key();
    }
    apply(&mut s, &batch(vec![dep]), CAP, CHAIN).expect("a deposit to any canonical key applies");
    let b = batch_of(3, vec![transfer(3, 1, 10, 0, 0)]);
    let (_, reason) = op_error(execute(&s, &b, CAP, CHAIN));
    assert!(
        matches!(
            reason,
            OpError::Signature(3, signing::SigningError::Schnorr(_))
        ),
        "expected the off-curve key to be refused, got {reason}"
    );
    assert!(
        reason.to_string().contains("public key"),
        "expected the error to name the public key, got: {reason}"
    );
}
