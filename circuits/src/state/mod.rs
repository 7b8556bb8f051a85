//! The rollup's state: accounts and their token balances in sparse Merkle trees.
//!
//! * Account tree: depth [`ACCOUNT_TREE_DEPTH`], leaf index = account id,
//!   leaf = `Poseidon(pubkey[5] || nonce || balance_root[4])`.
//! * Balance tree (one per account): depth [`BALANCE_TREE_DEPTH`], leaf index =
//!   token id, leaf = the balance itself as four little-endian 32-bit limbs used
//!   directly as the 4-element digest (no hash: the limbs are range-checked
//!   wherever they are written, so the leaf is canonical).
//! * Inner node = `Poseidon two_to_one(left, right)`; untouched subtrees take
//!   precomputed default digests, so an empty account and a zero balance are
//!   never stored.

mod account;
mod backend;
mod defaults;
mod redb_backend;
mod tree;

pub use account::{digest_hex, Account, PubKey};
pub use backend::{MemoryBackend, NodeKey, StateBackend, StateMeta, StateUndo, StateWrites};
pub use defaults::{default_account_node, default_balance_node, empty_account_leaf};
pub use redb_backend::RedbBackend;
pub use tree::{hash_pair, root_from_path, LaneUpdate, StateView};

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::hash::hash_types::HashOut;

/// The field every native and in-circuit value lives in.
pub type F = GoldilocksField;
/// A Poseidon digest (four field elements).
pub type Digest = HashOut<F>;
/// Account index in the account tree.
pub type AccountId = u32;
/// Token index in an account's balance tree.
pub type TokenId = u16;

/// Depth of the account tree (2^32 accounts).
pub const ACCOUNT_TREE_DEPTH: usize = 32;
/// Depth of each account's balance tree (2^10 = 1024 tokens).
pub const BALANCE_TREE_DEPTH: usize = 10;
/// Number of token ids, `0..MAX_TOKENS`.
pub const MAX_TOKENS: u32 = 1 << BALANCE_TREE_DEPTH;
/// Number of 32-bit limbs a 128-bit balance is kept in.
pub const BALANCE_LIMBS: usize = 4;

/// Errors of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The embedded database failed.
    #[error("state store: {0}")]
    Store(String),
    /// Stored data does not decode or does not match its root.
    #[error("state store corrupt: {0}")]
    Corrupt(String),
}

/// The balance leaf digest: four little-endian 32-bit limbs of the 128-bit amount.
pub fn balance_leaf(balance: u128) -> Digest {
    HashOut {
        elements: balance_limbs(balance).map(|l| F::from_canonical_u64(l as u64)),
    }
}

/// The four little-endian 32-bit limbs of a 128-bit amount.
pub fn balance_limbs(value: u128) -> [u32; BALANCE_LIMBS] {
    std::array::from_fn(|i| (value >> (32 * i)) as u32)
}

use plonky2::field::types::Field;
