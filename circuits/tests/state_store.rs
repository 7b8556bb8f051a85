//! The redb state store: restart continues from the last batch; a rejected batch
//! leaves the file exactly as it was; memory and disk agree.

use zkr_circuits::executor::apply;
use zkr_circuits::ops::signing::{self, DEFAULT_CHAIN_ID as CHAIN};
use zkr_circuits::ops::{Batch, Deposit, Operation, Signature, Transfer};
use zkr_circuits::state::{MemoryBackend, RedbBackend, StateBackend, StateView};
use zkr_circuits::workload::{workload_key, workload_pubkey};

fn deposits() -> Batch {
    Batch {
        number: 1,
        operator: 0,
        operations: (0..3)
            .map(|i| {
                Operation::Deposit(Deposit {
                    account: i,
                    pubkey: workload_pubkey(i),
                    token: 3,
                    amount: 1_000_000,
                    priority_index: i as u64,
                })
            })
            .collect(),
    }
}

fn transfer(number: u64, nonce: u32) -> Batch {
    let mut op = Operation::Transfer(Transfer {
        from: 1,
        to: 2,
        token: 3,
        amount: 1000,
        fee: 10,
        nonce,
        signature: Signature::default(),
    });
    signing::sign(&mut op, &workload_key(1), CHAIN).expect("a transfer signs");
    Batch {
        number,
        operator: 0,
        operations: vec![op],
    }
}

#[test]
fn restart_on_same_directory_continues_from_last_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let root = {
        let mut s = RedbBackend::open(&path).unwrap();
        apply(&mut s, &deposits(), 16, CHAIN).unwrap();
        apply(&mut s, &transfer(2, 0), 16, CHAIN).unwrap().new_root
    };
    let mut s = RedbBackend::open(&path).unwrap();
    assert_eq!(
        s.meta().unwrap().last_batch,
        2,
        "last applied batch survives restart"
    );
    assert_eq!(
        StateView::new(&s).root().unwrap(),
        root,
        "root survives restart"
    );
    let exec = apply(&mut s, &transfer(3, 1), 16, CHAIN).expect("batch 3 applies after restart");
    assert_eq!(exec.old_root, root);
    assert_eq!(s.balance(2, 3).unwrap(), 1_000_000 + 2000);
    assert_eq!(s.balance(0, 3).unwrap(), 1_000_000 + 20);
}

#[test]
fn rejected_batch_changes_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        let mut s = RedbBackend::open(&path).unwrap();
        apply(&mut s, &deposits(), 16, CHAIN).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    {
        let mut s = RedbBackend::open(&path).unwrap();
        let mut bad = transfer(2, 0);
        bad.operations.push(transfer(2, 7).operations.remove(0));
        assert!(
            apply(&mut s, &bad, 16, CHAIN).is_err(),
            "second op has a bad nonce"
        );
    }
    let after = std::fs::read(&path).unwrap();
    assert!(before == after, "state file changed by a rejected batch");
}

#[test]
fn redb_and_memory_backends_reach_the_same_roots() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = RedbBackend::open(&dir.path().join("s.redb")).unwrap();
    let mut mem = MemoryBackend::new();
    for b in [deposits(), transfer(2, 0), transfer(3, 1)] {
        let a = apply(&mut disk, &b, 16, CHAIN).unwrap();
        let m = apply(&mut mem, &b, 16, CHAIN).unwrap();
        assert_eq!(a.new_root, m.new_root, "batch {}", b.number);
        assert_eq!(a.commitment, m.commitment, "batch {}", b.number);
    }
}
