//! The redb state store: restart continues from the last batch; a rejected batch
//! leaves the file exactly as it was; memory and disk agree.

use zkr_circuits::executor::{apply, execute};
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

/// Applies `batch` and returns the undo of its writes, taken just before.
fn apply_with_undo<B: StateBackend>(
    state: &mut B,
    batch: &Batch,
) -> zkr_circuits::state::StateUndo {
    let exec = execute(state, batch, 16, CHAIN).expect("the batch executes");
    let undo = exec.writes.undo_against(state).expect("undo reads");
    state.commit(&exec.writes).expect("commit");
    undo
}

/// Everything a reader can see of accounts 0..4 and token 3, with the root and counters.
fn snapshot<B: StateBackend>(state: &B) -> String {
    let accounts: Vec<_> = (0..4)
        .map(|i| (state.account(i).unwrap(), state.balance(i, 3).unwrap()))
        .collect();
    format!(
        "root {:?}, meta {:?}, accounts {accounts:?}",
        StateView::new(state).root().unwrap(),
        state.meta().unwrap()
    )
}

fn undo_restores_each_earlier_state<B: StateBackend>(mut s: B, what: &str) {
    let empty = snapshot(&s);
    let undo1 = apply_with_undo(&mut s, &deposits());
    let after1 = snapshot(&s);
    let undo2 = apply_with_undo(&mut s, &transfer(2, 0));
    let undo2 = zkr_circuits::state::StateUndo::from_bytes(&undo2.to_bytes())
        .expect("an undo record round-trips through its bytes");
    s.undo(&undo2).expect("undo batch 2");
    assert_eq!(snapshot(&s), after1, "{what}: state after undoing batch 2");
    s.undo(&undo1).expect("undo batch 1");
    assert_eq!(snapshot(&s), empty, "{what}: state after undoing batch 1");
    // Nothing of the dropped batches lingers: replaying them reaches the same states.
    apply_with_undo(&mut s, &deposits());
    assert_eq!(snapshot(&s), after1, "{what}: batch 1 applied again");
}

#[test]
fn undo_records_return_the_state_to_each_earlier_batch_in_memory_and_on_disk() {
    undo_restores_each_earlier_state(MemoryBackend::new(), "memory");
    let dir = tempfile::tempdir().unwrap();
    let disk = RedbBackend::open(&dir.path().join("state.redb")).unwrap();
    undo_restores_each_earlier_state(disk, "redb");
    assert!(
        zkr_circuits::state::StateUndo::from_bytes(b"not an undo record").is_err(),
        "garbage bytes decoded as an undo record"
    );
}
