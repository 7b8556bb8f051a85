//! Deposits checked against the rollup contract's queue before a batch is
//! accepted. A batch whose deposit differs from what L1 queued at its priority
//! index (or names an index L1 never queued) could never be committed:
//! `commitBatch` would revert with `DepositMismatch`. Refusing it at
//! submission, with the field that differs, keeps the coordinator from proving
//! batches L1 cannot take.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use zkr_circuits::ops::{Batch, Operation};
use zkr_contracts::IRollup;

use crate::settlement::SettlementError;

/// A deposit as the rollup contract queued it (its `DepositQueued` event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedDeposit {
    /// Receiving account.
    pub account: u32,
    /// Token id.
    pub token: u16,
    /// Amount in base units.
    pub amount: u128,
    /// The 40-byte key the depositor gave.
    pub pubkey: Vec<u8>,
}

/// Why a batch's deposit is not the one L1 queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositMismatch {
    /// No deposit was queued at that index.
    #[error("operation {op}: a deposit at priority index {index}, which L1 never queued")]
    NotQueued {
        /// Position of the operation in the batch.
        op: usize,
        /// The priority index the batch gave.
        index: u64,
    },
    /// A field differs from L1's entry.
    #[error(
        "operation {op} (deposit at priority index {index}): {field} is {batch} but L1 queued {l1}"
    )]
    Field {
        /// Position of the operation in the batch.
        op: usize,
        /// The priority index.
        index: u64,
        /// The field: account, token, amount or pubkey.
        field: &'static str,
        /// The batch's value.
        batch: String,
        /// L1's value.
        l1: String,
    },
}

/// The priority indices of `batch`'s deposits, in order.
pub fn deposit_indices(batch: &Batch) -> Vec<u64> {
    batch
        .operations
        .iter()
        .filter_map(|op| match op {
            Operation::Deposit(d) => Some(d.priority_index),
            _ => None,
        })
        .collect()
}

/// Checks every deposit of `batch` against `queued` (L1's entries by priority
/// index); the first difference is the error.
pub fn check_deposits(
    batch: &Batch,
    queued: &BTreeMap<u64, QueuedDeposit>,
) -> Result<(), DepositMismatch> {
    for (op, operation) in batch.operations.iter().enumerate() {
        let Operation::Deposit(d) = operation else {
            continue;
        };
        let index = d.priority_index;
        let l1 = queued
            .get(&index)
            .ok_or(DepositMismatch::NotQueued { op, index })?;
        let field = |field: &'static str, batch: String, l1: String| DepositMismatch::Field {
            op,
            index,
            field,
            batch,
            l1,
        };
        if d.account != l1.account {
            return Err(field(
                "account",
                d.account.to_string(),
                l1.account.to_string(),
            ));
        }
        if d.token != l1.token {
            return Err(field("token", d.token.to_string(), l1.token.to_string()));
        }
        if d.amount != l1.amount {
            return Err(field("amount", d.amount.to_string(), l1.amount.to_string()));
        }
        let key = d.pubkey.to_bytes();
        if key.as_slice() != l1.pubkey.as_slice() {
            return Err(field(
                "pubkey",
                format!("0x{}", hex::encode(key)),
                format!("0x{}", hex::encode(&l1.pubkey)),
            ));
        }
    }
    Ok(())
}

/// The rollup contract's deposit queue, read from its `DepositQueued` events.
#[derive(Clone)]
pub struct L1DepositQueue {
    provider: DynProvider,
    rollup: Address,
    from_block: u64,
}

impl L1DepositQueue {
    /// The queue of the rollup at `rollup`, created at block `from_block`.
    pub fn new(provider: DynProvider, rollup: Address, from_block: u64) -> Self {
        Self {
            provider,
            rollup,
            from_block,
        }
    }

    /// L1's entries at `indices` (absent where nothing was queued).
    pub async fn fetch(
        &self,
        indices: &[u64],
    ) -> Result<BTreeMap<u64, QueuedDeposit>, SettlementError> {
        let mut out = BTreeMap::new();
        if indices.is_empty() {
            return Ok(out);
        }
        let filter = Filter::new()
            .address(self.rollup)
            .event_signature(IRollup::DepositQueued::SIGNATURE_HASH)
            .topic1(
                indices
                    .iter()
                    .map(|&i| U256::from(i).into())
                    .collect::<Vec<alloy::primitives::B256>>(),
            )
            .from_block(self.from_block);
        let what = || format!("reading the deposit queue of {}", self.rollup);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| SettlementError::Rpc {
                what: what(),
                reason: e.to_string(),
            })?;
        for log in logs {
            let event = log
                .log_decode::<IRollup::DepositQueued>()
                .map_err(|e| SettlementError::Rpc {
                    what: what(),
                    reason: format!("undecodable DepositQueued event: {e}"),
                })?
                .inner
                .data;
            out.insert(
                event.priorityIndex,
                QueuedDeposit {
                    account: event.account,
                    token: event.token,
                    amount: event.amount,
                    pubkey: event.pubkey.to_vec(),
                },
            );
        }
        Ok(out)
    }

    /// Checks `batch`'s deposits against the queue.
    pub async fn check(
        &self,
        batch: &Batch,
    ) -> Result<Result<(), DepositMismatch>, SettlementError> {
        let queued = self.fetch(&deposit_indices(batch)).await?;
        Ok(check_deposits(batch, &queued))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkr_circuits::ops::Deposit;
    use zkr_circuits::workload::workload_pubkey;

    fn batch(d: Deposit) -> Batch {
        Batch {
            number: 1,
            operator: 0,
            operations: vec![Operation::Deposit(d)],
        }
    }

    #[test]
    fn every_field_that_differs_from_l1_is_named_and_an_unqueued_index_refused() {
        let d = Deposit {
            account: 3,
            pubkey: workload_pubkey(3),
            token: 1,
            amount: 500,
            priority_index: 0,
        };
        let entry = QueuedDeposit {
            account: 3,
            token: 1,
            amount: 500,
            pubkey: d.pubkey.to_bytes().to_vec(),
        };
        let queued = BTreeMap::from([(0, entry.clone())]);
        assert_eq!(
            check_deposits(&batch(d.clone()), &queued),
            Ok(()),
            "the deposit L1 queued"
        );
        let cases = [
            (
                "account",
                Deposit {
                    account: 4,
                    ..d.clone()
                },
            ),
            (
                "token",
                Deposit {
                    token: 2,
                    ..d.clone()
                },
            ),
            (
                "amount",
                Deposit {
                    amount: 501,
                    ..d.clone()
                },
            ),
            (
                "pubkey",
                Deposit {
                    pubkey: workload_pubkey(4),
                    ..d.clone()
                },
            ),
        ];
        for (name, forged) in cases {
            match check_deposits(&batch(forged), &queued) {
                Err(DepositMismatch::Field { field, .. }) if field == name => {}
                other => panic!("a forged {name}: expected that field named, got {other:?}"),
            }
        }
        let err = check_deposits(
            &batch(Deposit {
                priority_index: 1,
                ..d
            }),
            &queued,
        )
        .expect_err("index 1 was never queued");
        assert_eq!(err, DepositMismatch::NotQueued { op: 0, index: 1 });
        assert!(err.to_string().contains("never queued"), "message: {err}");
    }
}
