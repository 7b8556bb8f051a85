//! The native executor: applies a batch to the state under every rule the
//! circuit enforces, and returns the new root, the state diff, the pubdata, the
//! commitment and the trace the witness is built from.

mod error;

pub use error::{ExecError, OpError};

use crate::ops::pubdata::{assemble, encode_op};
use crate::ops::signing::{self, ChainId};
use crate::ops::{Batch, Deposit, Operation, Transfer, Withdraw};
use crate::state::{
    AccountId, Digest, LaneUpdate, PubKey, StateBackend, StateView, StateWrites, TokenId,
    MAX_TOKENS,
};
use sha2::{Digest as _, Sha256};

/// Number of distinct tokens a batch may collect fees in.
pub const FEE_SLOTS: usize = 4;

/// One applied operation and the tree updates it made.
#[derive(Clone, Debug)]
pub struct OpTrace {
    /// The operation.
    pub op: Operation,
    /// Its pubdata bytes (whole chunks).
    pub pubdata: Vec<u8>,
    /// First update: depositee, or sender.
    pub lane_a: LaneUpdate,
    /// Second update: the transfer's recipient.
    pub lane_b: Option<LaneUpdate>,
    /// Fee slot the fee is added to.
    pub fee_slot: usize,
}

/// Fees collected in one token, credited to the operator at the end of the batch.
#[derive(Clone, Debug)]
pub struct FeeCredit {
    /// Token.
    pub token: TokenId,
    /// Sum of the fees.
    pub total: u128,
    /// The operator's balance update.
    pub update: LaneUpdate,
}

/// The result of applying a batch.
#[derive(Clone, Debug)]
pub struct BatchExecution {
    /// Batch number.
    pub number: u64,
    /// Circuit capacity (chunks) the pubdata is padded to.
    pub capacity: usize,
    /// Fee recipient.
    pub operator: AccountId,
    /// State root before.
    pub old_root: Digest,
    /// State root after.
    pub new_root: Digest,
    /// Canonical pubdata.
    pub pubdata: Vec<u8>,
    /// SHA-256 of the pubdata.
    pub commitment: [u8; 32],
    /// Per operation, in order.
    pub ops: Vec<OpTrace>,
    /// One entry per fee slot, in slot order.
    pub fees: Vec<FeeCredit>,
    /// The state diff, to commit if the batch is accepted.
    pub writes: StateWrites,
}

/// Applies `batch` to the committed state of `backend` without committing it; signatures are
/// checked for the rollup chain `chain_id`.
pub fn execute<B: StateBackend>(
    backend: &B,
    batch: &Batch,
    capacity: usize,
    chain_id: ChainId,
) -> Result<BatchExecution, ExecError> {
    execute_with(backend, batch, capacity, chain_id, Rules::Enforce)
}

/// Whether the executor enforces the operation rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Reject any operation that breaks a rule (the only mode for real batches).
    Enforce,
    /// Apply operations even when they break a rule (wrapping arithmetic), so that
    /// tests can hand the circuit a witness whose only fault is the broken rule.
    SkipForTesting,
}

/// [`execute`] with the rule checks on or off.
pub fn execute_with<B: StateBackend>(
    backend: &B,
    batch: &Batch,
    capacity: usize,
    chain_id: ChainId,
    rules: Rules,
) -> Result<BatchExecution, ExecError> {
    let enforce = rules == Rules::Enforce;
    let mut view = StateView::new(backend);
    let mut meta = view.meta()?;
    if batch.number != meta.last_batch + 1 {
        return Err(ExecError::OutOfOrder {
            expected: meta.last_batch + 1,
            got: batch.number,
        });
    }
    let chunks = batch.chunks();
    if chunks > capacity {
        return Err(ExecError::TooManyChunks {
            batch: batch.number,
            chunks,
            capacity,
        });
    }
    let old_root = view.root()?;

    let mut fee_tokens: Vec<(TokenId, u128)> = Vec::new();
    let mut ops = Vec::with_capacity(batch.operations.len());
    for (index, op) in batch.operations.iter().enumerate() {
        let fail = |reason: OpError| ExecError::Op {
            batch: batch.number,
            index,
            kind: op.kind(),
            reason,
        };
        let pubdata = encode_op(op).map_err(|e| fail(e.into()))?;
        if enforce {
            check_signature(&view, op, chain_id).map_err(|e| lift(e, fail))?;
        }
        let (lane_a, lane_b, fee) = match op {
            Operation::Deposit(d) => {
                let lane = apply_deposit(&mut view, d, &mut meta.next_priority_index, enforce)
                    .map_err(|e| lift(e, fail))?;
                (lane, None, None)
            }
            Operation::Transfer(t) => {
                let (a, b) = apply_transfer(&mut view, t, enforce).map_err(|e| lift(e, fail))?;
                (a, Some(b), Some((t.token, t.fee)))
            }
            Operation::Withdraw(w) => {
                let a = apply_withdraw(&mut view, w, enforce).map_err(|e| lift(e, fail))?;
                (a, None, Some((w.token, w.fee)))
            }
        };
        let fee_slot = match fee {
            Some((token, fee)) if fee > 0 => {
                match fee_tokens.iter().position(|(t, _)| *t == token) {
                    Some(slot) => {
                        // Cannot overflow: each fee was paid out of a 128-bit balance
                        // of the same token, so the sum is bounded by the supply.
                        fee_tokens[slot].1 = fee_tokens[slot].1.saturating_add(fee);
                        slot
                    }
                    None => {
                        fee_tokens.push((token, fee));
                        fee_tokens.len() - 1
                    }
                }
            }
            _ => 0,
        };
        ops.push(OpTrace {
            op: op.clone(),
            pubdata,
            lane_a,
            lane_b,
            fee_slot,
        });
    }
    if fee_tokens.len() > FEE_SLOTS {
        return Err(ExecError::TooManyFeeTokens {
            batch: batch.number,
            tokens: fee_tokens.len(),
            max: FEE_SLOTS,
        });
    }
    fee_tokens.resize(FEE_SLOTS, (0, 0));

    let operator_fail = |reason: OpError| ExecError::Operator {
        batch: batch.number,
        reason,
    };
    let operator = view.account(batch.operator)?;
    if !operator.exists() {
        return Err(operator_fail(OpError::UnknownAccount(batch.operator)));
    }
    let mut fees = Vec::with_capacity(FEE_SLOTS);
    for (token, total) in fee_tokens {
        let balance = view.balance(batch.operator, token)?;
        let new_balance = balance.checked_add(total).ok_or_else(|| {
            operator_fail(OpError::Overflow {
                account: batch.operator,
                token,
                balance,
                added: total,
            })
        })?;
        let update = view.update(
            batch.operator,
            token,
            operator.pubkey,
            operator.nonce,
            new_balance,
        )?;
        fees.push(FeeCredit {
            token,
            total,
            update,
        });
    }

    let new_root = view.root()?;
    meta.last_batch = batch.number;
    view.set_meta(meta);
    let encoded: Vec<Vec<u8>> = ops.iter().map(|o| o.pubdata.clone()).collect();
    let pubdata = assemble(batch.operator, &encoded, capacity);
    let commitment: [u8; 32] = Sha256::digest(&pubdata).into();
    Ok(BatchExecution {
        number: batch.number,
        capacity,
        operator: batch.operator,
        old_root,
        new_root,
        pubdata,
        commitment,
        ops,
        fees,
        writes: view.into_writes(),
    })
}

/// Errors inside one operation: a rule, or the store failing underneath.
enum Failure {
    Rule(OpError),
    State(crate::state::StateError),
}

impl From<OpError> for Failure {
    fn from(e: OpError) -> Self {
        Failure::Rule(e)
    }
}
impl From<crate::state::StateError> for Failure {
    fn from(e: crate::state::StateError) -> Self {
        Failure::State(e)
    }
}

fn lift(e: Failure, fail: impl Fn(OpError) -> ExecError) -> ExecError {
    match e {
        Failure::Rule(r) => fail(r),
        Failure::State(s) => ExecError::State(s),
    }
}

/// A transfer or withdrawal must carry its sender's signature for this chain. An unknown
/// sender is left to the debit, which names it.
fn check_signature<B: StateBackend>(
    view: &StateView<'_, B>,
    op: &Operation,
    chain_id: ChainId,
) -> Result<(), Failure> {
    let from = match op {
        Operation::Deposit(_) => return Ok(()),
        Operation::Transfer(t) => t.from,
        Operation::Withdraw(w) => w.from,
    };
    let sender = view.account(from)?;
    if !sender.exists() {
        return Ok(());
    }
    signing::verify(op, &sender.pubkey, chain_id).map_err(|e| OpError::Signature(from, e))?;
    Ok(())
}

fn check_token(token: TokenId) -> Result<(), OpError> {
    if (token as u32) < MAX_TOKENS {
        Ok(())
    } else {
        Err(OpError::TokenOutOfRange(token))
    }
}

fn apply_deposit<B: StateBackend>(
    view: &mut StateView<'_, B>,
    d: &Deposit,
    next_priority_index: &mut u64,
    enforce: bool,
) -> Result<LaneUpdate, Failure> {
    check_token(d.token)?;
    if enforce && d.priority_index != *next_priority_index {
        return Err(OpError::PriorityIndex {
            expected: *next_priority_index,
            got: d.priority_index,
        }
        .into());
    }
    if enforce && (d.pubkey.is_none() || !d.pubkey.is_canonical()) {
        return Err(OpError::InvalidPubkey.into());
    }
    let acc = view.account(d.account)?;
    if enforce && acc.exists() && acc.pubkey != d.pubkey {
        return Err(OpError::PubkeyMismatch(d.account).into());
    }
    let new_balance = credited_balance(view, d.account, d.token, d.amount, enforce)?;
    *next_priority_index += 1;
    Ok(view.update(d.account, d.token, d.pubkey, acc.nonce, new_balance)?)
}

/// Checks and debits a signed operation's sender; returns the lane update.
fn debit_sender<B: StateBackend>(
    view: &mut StateView<'_, B>,
    from: AccountId,
    token: TokenId,
    amount: u128,
    fee: u128,
    nonce: u32,
    enforce: bool,
) -> Result<LaneUpdate, Failure> {
    check_token(token)?;
    let acc = view.account(from)?;
    if enforce && !acc.exists() {
        return Err(OpError::UnknownAccount(from).into());
    }
    if enforce && nonce != acc.nonce {
        return Err(OpError::BadNonce {
            expected: acc.nonce,
            got: nonce,
        }
        .into());
    }
    let new_nonce = if enforce {
        acc.nonce
            .checked_add(1)
            .ok_or(OpError::NonceOverflow(from))?
    } else {
        acc.nonce.wrapping_add(1)
    };
    let balance = view.balance(from, token)?;
    let new_balance = if enforce {
        amount
            .checked_add(fee)
            .and_then(|total| balance.checked_sub(total))
    } else {
        Some(balance.wrapping_sub(amount.wrapping_add(fee)))
    }
    .ok_or(OpError::InsufficientBalance {
        account: from,
        token,
        balance,
        amount,
        fee,
    })?;
    Ok(view.update(from, token, acc.pubkey, new_nonce, new_balance)?)
}

fn apply_transfer<B: StateBackend>(
    view: &mut StateView<'_, B>,
    t: &Transfer,
    enforce: bool,
) -> Result<(LaneUpdate, LaneUpdate), Failure> {
    check_token(t.token)?;
    // The recipient must exist before anything moves, so a failure leaves no half-done op.
    let to = view.account(t.to)?;
    if enforce && !to.exists() {
        return Err(OpError::UnknownAccount(t.to).into());
    }
    let a = debit_sender(view, t.from, t.token, t.amount, t.fee, t.nonce, enforce)?;
    let to = view.account(t.to)?;
    let new_balance = credited_balance(view, t.to, t.token, t.amount, enforce)?;
    let b = view.update(t.to, t.token, to.pubkey, to.nonce, new_balance)?;
    Ok((a, b))
}

fn apply_withdraw<B: StateBackend>(
    view: &mut StateView<'_, B>,
    w: &Withdraw,
    enforce: bool,
) -> Result<LaneUpdate, Failure> {
    debit_sender(view, w.from, w.token, w.amount, w.fee, w.nonce, enforce)
}

/// The balance of `token` in `account` once `amount` is added to it.
fn credited_balance<B: StateBackend>(
    view: &StateView<'_, B>,
    account: AccountId,
    token: TokenId,
    amount: u128,
    enforce: bool,
) -> Result<u128, Failure> {
    let balance = view.balance(account, token)?;
    let credited = if enforce {
        balance.checked_add(amount)
    } else {
        Some(balance.wrapping_add(amount))
    };
    Ok(credited.ok_or(OpError::Overflow {
        account,
        token,
        balance,
        added: amount,
    })?)
}

/// Applies and commits a batch; on any error the backend is left untouched.
pub fn apply<B: StateBackend>(
    backend: &mut B,
    batch: &Batch,
    capacity: usize,
    chain_id: ChainId,
) -> Result<BatchExecution, ExecError> {
    let exec = execute(backend, batch, capacity, chain_id)?;
    backend.commit(&exec.writes)?;
    Ok(exec)
}

/// The key of an account, for callers that build deposits.
pub fn account_key<B: StateBackend>(backend: &B, id: AccountId) -> Result<PubKey, ExecError> {
    Ok(StateView::new(backend).account(id)?.pubkey)
}
