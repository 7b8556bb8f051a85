//! Why a batch or an operation is rejected.

use crate::state::{AccountId, StateError, TokenId};

/// The rule one operation breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// The account has never been created.
    #[error("account {0} does not exist")]
    UnknownAccount(AccountId),
    /// Token id outside the balance tree.
    #[error("token {0} out of range (tokens are 0..{max})", max = crate::state::MAX_TOKENS)]
    TokenOutOfRange(TokenId),
    /// The operation's nonce is not the account's.
    #[error("nonce {expected} expected, got {got}")]
    BadNonce {
        /// The account's nonce.
        expected: u32,
        /// The operation's nonce.
        got: u32,
    },
    /// The nonce cannot be raised further.
    #[error("account {0} nonce would overflow")]
    NonceOverflow(AccountId),
    /// Amount plus fee exceed the balance.
    #[error("account {account} token {token}: balance {balance} < amount {amount} + fee {fee}")]
    InsufficientBalance {
        /// Paying account.
        account: AccountId,
        /// Token.
        token: TokenId,
        /// Balance held.
        balance: u128,
        /// Amount asked.
        amount: u128,
        /// Fee asked.
        fee: u128,
    },
    /// A balance would exceed 2^128 - 1.
    #[error("account {account} token {token}: balance {balance} + {added} overflows 128 bits")]
    Overflow {
        /// Receiving account.
        account: AccountId,
        /// Token.
        token: TokenId,
        /// Balance held.
        balance: u128,
        /// Amount added.
        added: u128,
    },
    /// An amount or fee has no pubdata encoding.
    #[error(transparent)]
    NotEncodable(#[from] crate::ops::pubdata::EncodeError),
    /// The signature is not the sender's over this operation on this chain.
    #[error("signature not valid for account {0}: {1}")]
    Signature(AccountId, crate::ops::signing::SigningError),
    /// A deposit names an empty or non-canonical key.
    #[error("public key is empty or not canonical")]
    InvalidPubkey,
    /// A deposit names a key other than the existing account's.
    #[error("account {0} exists with another public key")]
    PubkeyMismatch(AccountId),
    /// Deposits must follow the L1 priority queue in order.
    #[error("L1 priority index {expected} expected, got {got}")]
    PriorityIndex {
        /// Next index in the queue.
        expected: u64,
        /// The deposit's index.
        got: u64,
    },
}

/// Why a batch is rejected; nothing of it is applied.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// An operation breaks a rule.
    #[error("batch {batch} rejected: op {index} ({kind}): {reason}")]
    Op {
        /// Batch number.
        batch: u64,
        /// Index of the operation in the batch.
        index: usize,
        /// Operation kind.
        kind: &'static str,
        /// The rule broken.
        reason: OpError,
    },
    /// Batches must be applied in order.
    #[error("batch {got} rejected: batch {expected} is next")]
    OutOfOrder {
        /// The next batch number.
        expected: u64,
        /// The submitted number.
        got: u64,
    },
    /// The operations need more pubdata chunks than the circuit has.
    #[error("batch {batch} rejected: operations take {chunks} chunks, capacity is {capacity}")]
    TooManyChunks {
        /// Batch number.
        batch: u64,
        /// Chunks needed.
        chunks: usize,
        /// Chunks available.
        capacity: usize,
    },
    /// Fees are collected in more tokens than the circuit has fee slots.
    #[error("batch {batch} rejected: fees in {tokens} tokens, at most {max} per batch")]
    TooManyFeeTokens {
        /// Batch number.
        batch: u64,
        /// Distinct fee tokens.
        tokens: usize,
        /// Fee slots.
        max: usize,
    },
    /// The fee recipient cannot be credited.
    #[error("batch {batch} rejected: operator account: {reason}")]
    Operator {
        /// Batch number.
        batch: u64,
        /// The rule broken.
        reason: OpError,
    },
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
}
