//! Where state lives: the backend interface, the in-memory backend, and the
//! write set a batch produces.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AccountId, Digest, PubKey, StateError, TokenId};

/// Address of one stored tree node; absent nodes are the empty-subtree default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NodeKey {
    /// A node of the account tree (height 0 = leaves).
    Account { height: u8, index: u64 },
    /// A node of one account's balance tree (height 0 = leaves).
    Balance {
        account: AccountId,
        height: u8,
        index: u32,
    },
}

impl NodeKey {
    /// Stable byte encoding, ordered like the key (for the on-disk table).
    pub fn to_bytes(&self) -> [u8; 14] {
        let mut out = [0u8; 14];
        match *self {
            NodeKey::Account { height, index } => {
                out[0] = 0;
                out[1] = height;
                out[2..10].copy_from_slice(&index.to_be_bytes());
            }
            NodeKey::Balance {
                account,
                height,
                index,
            } => {
                out[0] = 1;
                out[1..5].copy_from_slice(&account.to_be_bytes());
                out[5] = height;
                out[6..10].copy_from_slice(&index.to_be_bytes());
            }
        }
        out
    }
}

/// Rollup-level counters kept with the state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMeta {
    /// Number of the last applied batch (0 before the first).
    pub last_batch: u64,
    /// L1 priority-queue index the next deposit must carry.
    pub next_priority_index: u64,
}

/// Everything one batch writes, applied by the backend in one transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateWrites {
    /// Tree nodes (leaves and inner nodes) with their new digests.
    pub nodes: BTreeMap<NodeKey, Digest>,
    /// Account key and nonce.
    pub accounts: BTreeMap<AccountId, (PubKey, u32)>,
    /// Balances by account and token.
    pub balances: BTreeMap<(AccountId, TokenId), u128>,
    /// New counters.
    pub meta: Option<StateMeta>,
}

impl StateWrites {
    /// What undoes these writes once committed over `state` as it is now (before they are).
    pub fn undo_against<B: StateBackend>(&self, state: &B) -> Result<StateUndo, StateError> {
        let mut undo = StateUndo::default();
        for key in self.nodes.keys() {
            match state.node(*key)? {
                Some(d) => {
                    undo.restore.nodes.insert(*key, d);
                }
                None => undo.created_nodes.push(*key),
            }
        }
        for id in self.accounts.keys() {
            match state.account(*id)? {
                Some(a) => {
                    undo.restore.accounts.insert(*id, a);
                }
                None => undo.created_accounts.push(*id),
            }
        }
        for &(id, token) in self.balances.keys() {
            // 0 removes the balance, as it does in a batch's writes.
            undo.restore
                .balances
                .insert((id, token), state.balance(id, token)?);
        }
        if self.meta.is_some() {
            undo.restore.meta = Some(state.meta()?);
        }
        Ok(undo)
    }
}

/// What undoes one batch's writes: the values they replaced and the nodes and
/// accounts they created. Kept per batch so that committed but unproven
/// batches can be dropped (the coordinator's revert) without replaying history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateUndo {
    /// Earlier values of the overwritten nodes, accounts, balances (0 where
    /// there was none) and counters.
    pub restore: StateWrites,
    /// Nodes the writes created, removed on undo.
    pub created_nodes: Vec<NodeKey>,
    /// Accounts the writes created, removed on undo.
    pub created_accounts: Vec<AccountId>,
}

impl StateUndo {
    /// Stable bytes (bincode) for the coordinator's store.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain data of maps, vectors and integers always encodes.
        bincode::serialize(self).unwrap_or_default()
    }

    /// Decodes [`StateUndo::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StateError> {
        bincode::deserialize(bytes).map_err(|e| StateError::Corrupt(format!("undo record: {e}")))
    }
}

/// Storage of the rollup state; reads see the last committed batch.
pub trait StateBackend {
    /// A stored tree node, or `None` where the subtree is empty.
    fn node(&self, key: NodeKey) -> Result<Option<Digest>, StateError>;
    /// Key and nonce of an account, or `None` if it was never created.
    fn account(&self, id: AccountId) -> Result<Option<(PubKey, u32)>, StateError>;
    /// Balance of a token in an account (0 when absent).
    fn balance(&self, id: AccountId, token: TokenId) -> Result<u128, StateError>;
    /// Rollup counters.
    fn meta(&self) -> Result<StateMeta, StateError>;
    /// Applies a batch's writes atomically: all of them or none.
    fn commit(&mut self, writes: &StateWrites) -> Result<(), StateError>;
    /// Undoes the last committed batch's writes (its [`StateUndo`]), atomically.
    fn undo(&mut self, undo: &StateUndo) -> Result<(), StateError>;
}

/// State held in memory only (tests, demos, dry runs).
#[derive(Clone, Debug, Default)]
pub struct MemoryBackend {
    nodes: BTreeMap<NodeKey, Digest>,
    accounts: BTreeMap<AccountId, (PubKey, u32)>,
    balances: BTreeMap<(AccountId, TokenId), u128>,
    meta: StateMeta,
}

impl MemoryBackend {
    /// An empty state (every account empty, no batch applied).
    pub fn new() -> Self {
        Self::default()
    }
}

impl StateBackend for MemoryBackend {
    fn node(&self, key: NodeKey) -> Result<Option<Digest>, StateError> {
        Ok(self.nodes.get(&key).copied())
    }
    fn account(&self, id: AccountId) -> Result<Option<(PubKey, u32)>, StateError> {
        Ok(self.accounts.get(&id).copied())
    }
    fn balance(&self, id: AccountId, token: TokenId) -> Result<u128, StateError> {
        Ok(self.balances.get(&(id, token)).copied().unwrap_or(0))
    }
    fn meta(&self) -> Result<StateMeta, StateError> {
        Ok(self.meta)
    }
    fn commit(&mut self, writes: &StateWrites) -> Result<(), StateError> {
        self.nodes
            .extend(writes.nodes.iter().map(|(k, v)| (*k, *v)));
        self.accounts
            .extend(writes.accounts.iter().map(|(k, v)| (*k, *v)));
        for (k, v) in &writes.balances {
            if *v == 0 {
                self.balances.remove(k);
            } else {
                self.balances.insert(*k, *v);
            }
        }
        if let Some(m) = writes.meta {
            self.meta = m;
        }
        Ok(())
    }
    fn undo(&mut self, undo: &StateUndo) -> Result<(), StateError> {
        self.commit(&undo.restore)?;
        for key in &undo.created_nodes {
            self.nodes.remove(key);
        }
        for id in &undo.created_accounts {
            self.accounts.remove(id);
        }
        Ok(())
    }
}
