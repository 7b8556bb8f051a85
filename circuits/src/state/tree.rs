//! A view of the state with uncommitted writes on top: reads, Merkle paths and
//! leaf updates. A batch runs against a view; only a successful batch's writes
//! reach the backend.

use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;

use super::{
    balance_leaf, default_account_node, default_balance_node, Account, AccountId, Digest, NodeKey,
    PubKey, StateBackend, StateError, StateMeta, StateWrites, TokenId, ACCOUNT_TREE_DEPTH,
    BALANCE_TREE_DEPTH,
};

/// One leaf update in both trees: everything the circuit needs to check it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneUpdate {
    /// Account touched.
    pub account_id: AccountId,
    /// Token whose balance leaf is touched.
    pub token: TokenId,
    /// The account before.
    pub before: Account,
    /// The account after.
    pub after: Account,
    /// Balance of `token` before.
    pub balance_before: u128,
    /// Balance of `token` after.
    pub balance_after: u128,
    /// Balance-tree siblings, leaf level first.
    pub balance_siblings: Vec<Digest>,
    /// Account-tree siblings, leaf level first.
    pub account_siblings: Vec<Digest>,
    /// State root before the update.
    pub root_before: Digest,
    /// State root after the update.
    pub root_after: Digest,
}

/// Committed state plus the writes of the batch being applied.
pub struct StateView<'a, B: StateBackend> {
    backend: &'a B,
    writes: StateWrites,
}

impl<'a, B: StateBackend> StateView<'a, B> {
    /// A view with no pending writes.
    pub fn new(backend: &'a B) -> Self {
        Self {
            backend,
            writes: StateWrites::default(),
        }
    }

    /// The pending writes (to commit once the batch is accepted).
    pub fn into_writes(self) -> StateWrites {
        self.writes
    }

    fn node(&self, key: NodeKey) -> Result<Digest, StateError> {
        if let Some(d) = self.writes.nodes.get(&key) {
            return Ok(*d);
        }
        Ok(match self.backend.node(key)? {
            Some(d) => d,
            None => match key {
                NodeKey::Account { height, .. } => default_account_node(height as usize),
                NodeKey::Balance { height, .. } => default_balance_node(height as usize),
            },
        })
    }

    /// The state root.
    pub fn root(&self) -> Result<Digest, StateError> {
        self.node(NodeKey::Account {
            height: ACCOUNT_TREE_DEPTH as u8,
            index: 0,
        })
    }

    /// Rollup counters, pending writes included.
    pub fn meta(&self) -> Result<StateMeta, StateError> {
        match self.writes.meta {
            Some(m) => Ok(m),
            None => self.backend.meta(),
        }
    }

    /// Replaces the rollup counters.
    pub fn set_meta(&mut self, meta: StateMeta) {
        self.writes.meta = Some(meta);
    }

    /// An account (the empty account where none was created).
    pub fn account(&self, id: AccountId) -> Result<Account, StateError> {
        let (pubkey, nonce) = match self.writes.accounts.get(&id) {
            Some(a) => *a,
            None => self.backend.account(id)?.unwrap_or((PubKey::NONE, 0)),
        };
        let balance_root = self.node(NodeKey::Balance {
            account: id,
            height: BALANCE_TREE_DEPTH as u8,
            index: 0,
        })?;
        Ok(Account {
            pubkey,
            nonce,
            balance_root,
        })
    }

    /// Balance of a token in an account.
    pub fn balance(&self, id: AccountId, token: TokenId) -> Result<u128, StateError> {
        match self.writes.balances.get(&(id, token)) {
            Some(b) => Ok(*b),
            None => self.backend.balance(id, token),
        }
    }

    fn balance_siblings(&self, id: AccountId, token: TokenId) -> Result<Vec<Digest>, StateError> {
        (0..BALANCE_TREE_DEPTH)
            .map(|h| {
                self.node(NodeKey::Balance {
                    account: id,
                    height: h as u8,
                    index: ((token as u32) >> h) ^ 1,
                })
            })
            .collect()
    }

    fn account_siblings(&self, id: AccountId) -> Result<Vec<Digest>, StateError> {
        (0..ACCOUNT_TREE_DEPTH)
            .map(|h| {
                self.node(NodeKey::Account {
                    height: h as u8,
                    index: ((id as u64) >> h) ^ 1,
                })
            })
            .collect()
    }

    /// Sets an account's key, nonce and one token balance, updating both trees.
    pub fn update(
        &mut self,
        id: AccountId,
        token: TokenId,
        pubkey: PubKey,
        nonce: u32,
        balance: u128,
    ) -> Result<LaneUpdate, StateError> {
        let root_before = self.root()?;
        let before = self.account(id)?;
        let balance_before = self.balance(id, token)?;
        let balance_siblings = self.balance_siblings(id, token)?;
        let account_siblings = self.account_siblings(id)?;

        let mut node = balance_leaf(balance);
        for (h, sib) in balance_siblings.iter().enumerate() {
            let index = (token as u32) >> h;
            self.writes.nodes.insert(
                NodeKey::Balance {
                    account: id,
                    height: h as u8,
                    index,
                },
                node,
            );
            node = hash_pair(node, *sib, index & 1 == 1);
        }
        self.writes.nodes.insert(
            NodeKey::Balance {
                account: id,
                height: BALANCE_TREE_DEPTH as u8,
                index: 0,
            },
            node,
        );
        let after = Account {
            pubkey,
            nonce,
            balance_root: node,
        };

        let mut node = after.leaf();
        for (h, sib) in account_siblings.iter().enumerate() {
            let index = (id as u64) >> h;
            self.writes.nodes.insert(
                NodeKey::Account {
                    height: h as u8,
                    index,
                },
                node,
            );
            node = hash_pair(node, *sib, index & 1 == 1);
        }
        self.writes.nodes.insert(
            NodeKey::Account {
                height: ACCOUNT_TREE_DEPTH as u8,
                index: 0,
            },
            node,
        );
        self.writes.accounts.insert(id, (pubkey, nonce));
        self.writes.balances.insert((id, token), balance);

        Ok(LaneUpdate {
            account_id: id,
            token,
            before,
            after,
            balance_before,
            balance_after: balance,
            balance_siblings,
            account_siblings,
            root_before,
            root_after: node,
        })
    }
}

/// Parent of `node` and its sibling; `node_is_right` says which side `node` is on.
pub fn hash_pair(node: Digest, sibling: Digest, node_is_right: bool) -> Digest {
    if node_is_right {
        PoseidonHash::two_to_one(sibling, node)
    } else {
        PoseidonHash::two_to_one(node, sibling)
    }
}

/// Root reached from a leaf and its siblings (leaf level first) at `index`.
pub fn root_from_path(leaf: Digest, index: u64, siblings: &[Digest]) -> Digest {
    siblings.iter().enumerate().fold(leaf, |node, (h, sib)| {
        hash_pair(node, *sib, (index >> h) & 1 == 1)
    })
}
