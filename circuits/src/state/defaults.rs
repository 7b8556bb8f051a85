//! Digests of empty subtrees, computed once.

use std::sync::OnceLock;

use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;

use super::{balance_leaf, Account, Digest, PubKey, ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH};

fn chain(leaf: Digest, depth: usize) -> Vec<Digest> {
    let mut out = Vec::with_capacity(depth + 1);
    out.push(leaf);
    for h in 0..depth {
        let d = out[h];
        out.push(PoseidonHash::two_to_one(d, d));
    }
    out
}

fn balance_defaults() -> &'static [Digest] {
    static D: OnceLock<Vec<Digest>> = OnceLock::new();
    D.get_or_init(|| chain(balance_leaf(0), BALANCE_TREE_DEPTH))
}

fn account_defaults() -> &'static [Digest] {
    static D: OnceLock<Vec<Digest>> = OnceLock::new();
    D.get_or_init(|| chain(empty_account_leaf(), ACCOUNT_TREE_DEPTH))
}

/// Leaf of an account that was never touched: no key, nonce 0, empty balances.
pub fn empty_account_leaf() -> Digest {
    Account {
        pubkey: PubKey::NONE,
        nonce: 0,
        balance_root: default_balance_node(BALANCE_TREE_DEPTH),
    }
    .leaf()
}

/// Digest of an empty balance subtree of the given height (0 = leaf).
pub fn default_balance_node(height: usize) -> Digest {
    balance_defaults()[height]
}

/// Digest of an empty account subtree of the given height (0 = leaf).
pub fn default_account_node(height: usize) -> Digest {
    account_defaults()[height]
}
