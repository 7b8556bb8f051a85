//! State persisted in an embedded redb database (one file).

use std::path::Path;
use std::sync::Arc;

use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use redb::{Database, TableDefinition, WriteTransaction};

use super::{
    AccountId, Digest, NodeKey, PubKey, StateBackend, StateError, StateMeta, StateUndo,
    StateWrites, TokenId, F,
};

const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state_nodes");
const ACCOUNTS: TableDefinition<u32, &[u8]> = TableDefinition::new("state_accounts");
const BALANCES: TableDefinition<u64, u128> = TableDefinition::new("state_balances");
const META: TableDefinition<&str, u64> = TableDefinition::new("state_meta");

fn store_err(e: impl std::fmt::Display) -> StateError {
    StateError::Store(e.to_string())
}

fn balance_key(id: AccountId, token: TokenId) -> u64 {
    ((id as u64) << 16) | token as u64
}

/// State kept in a redb database; every batch commits in one write transaction,
/// which a caller may share with its own records (the coordinator does).
#[derive(Clone)]
pub struct RedbBackend {
    db: Arc<Database>,
}

impl RedbBackend {
    /// Opens (or creates) the state database at `path`.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let db = Database::create(path).map_err(store_err)?;
        Self::from_database(Arc::new(db))
    }

    /// Uses an open database, creating the state tables if it has none.
    pub fn from_database(db: Arc<Database>) -> Result<Self, StateError> {
        // Only a new file gets its tables made: opening must not write.
        let tx = db.begin_read().map_err(store_err)?;
        if tx.open_table(META).is_ok() {
            drop(tx);
            return Ok(Self { db });
        }
        drop(tx);
        let tx = db.begin_write().map_err(store_err)?;
        {
            tx.open_table(NODES).map_err(store_err)?;
            tx.open_table(ACCOUNTS).map_err(store_err)?;
            tx.open_table(BALANCES).map_err(store_err)?;
            tx.open_table(META).map_err(store_err)?;
        }
        tx.commit().map_err(store_err)?;
        Ok(Self { db })
    }
}

fn encode_digest(d: &Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, e) in d.elements.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&e.to_canonical_u64().to_le_bytes());
    }
    out
}

fn decode_u64s<const N: usize>(bytes: &[u8], what: &str) -> Result<[u64; N], StateError> {
    if bytes.len() < 8 * N {
        return Err(StateError::Corrupt(format!(
            "{what}: {} bytes",
            bytes.len()
        )));
    }
    Ok(std::array::from_fn(|i| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[8 * i..8 * i + 8]);
        u64::from_le_bytes(b)
    }))
}

fn decode_digest(bytes: &[u8]) -> Result<Digest, StateError> {
    let limbs: [u64; 4] = decode_u64s(bytes, "tree node")?;
    if limbs.iter().any(|&l| l >= F::ORDER) {
        return Err(StateError::Corrupt("tree node limb not canonical".into()));
    }
    Ok(HashOut {
        elements: limbs.map(F::from_canonical_u64),
    })
}

impl StateBackend for RedbBackend {
    fn node(&self, key: NodeKey) -> Result<Option<Digest>, StateError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let t = tx.open_table(NODES).map_err(store_err)?;
        let k = key.to_bytes();
        match t.get(k.as_slice()).map_err(store_err)? {
            Some(v) => Ok(Some(decode_digest(v.value())?)),
            None => Ok(None),
        }
    }

    fn account(&self, id: AccountId) -> Result<Option<(PubKey, u32)>, StateError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let t = tx.open_table(ACCOUNTS).map_err(store_err)?;
        match t.get(id).map_err(store_err)? {
            Some(v) => {
                let bytes = v.value();
                let pk: [u64; 5] = decode_u64s(bytes, "account")?;
                let nonce_bytes: [u8; 4] = bytes
                    .get(40..44)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| StateError::Corrupt(format!("account {id}: short record")))?;
                Ok(Some((PubKey(pk), u32::from_le_bytes(nonce_bytes))))
            }
            None => Ok(None),
        }
    }

    fn balance(&self, id: AccountId, token: TokenId) -> Result<u128, StateError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let t = tx.open_table(BALANCES).map_err(store_err)?;
        Ok(t.get(balance_key(id, token))
            .map_err(store_err)?
            .map(|v| v.value())
            .unwrap_or(0))
    }

    fn meta(&self) -> Result<StateMeta, StateError> {
        let tx = self.db.begin_read().map_err(store_err)?;
        let t = tx.open_table(META).map_err(store_err)?;
        let get = |k: &str| -> Result<u64, StateError> {
            Ok(t.get(k).map_err(store_err)?.map(|v| v.value()).unwrap_or(0))
        };
        Ok(StateMeta {
            last_batch: get("last_batch")?,
            next_priority_index: get("next_priority_index")?,
        })
    }

    fn commit(&mut self, writes: &StateWrites) -> Result<(), StateError> {
        let tx = self.db.begin_write().map_err(store_err)?;
        Self::write(&tx, writes)?;
        tx.commit().map_err(store_err)?;
        Ok(())
    }

    fn undo(&mut self, undo: &StateUndo) -> Result<(), StateError> {
        let tx = self.db.begin_write().map_err(store_err)?;
        Self::write_undo(&tx, undo)?;
        tx.commit().map_err(store_err)?;
        Ok(())
    }
}

impl RedbBackend {
    /// The underlying database.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }

    /// Writes a batch's state changes inside the caller's transaction.
    pub fn write(tx: &WriteTransaction, writes: &StateWrites) -> Result<(), StateError> {
        {
            let mut nodes = tx.open_table(NODES).map_err(store_err)?;
            for (k, v) in &writes.nodes {
                nodes
                    .insert(k.to_bytes().as_slice(), encode_digest(v).as_slice())
                    .map_err(store_err)?;
            }
            let mut accounts = tx.open_table(ACCOUNTS).map_err(store_err)?;
            for (id, (pk, nonce)) in &writes.accounts {
                let mut rec = [0u8; 44];
                for (i, l) in pk.0.iter().enumerate() {
                    rec[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
                }
                rec[40..44].copy_from_slice(&nonce.to_le_bytes());
                accounts.insert(*id, rec.as_slice()).map_err(store_err)?;
            }
            let mut balances = tx.open_table(BALANCES).map_err(store_err)?;
            for ((id, token), v) in &writes.balances {
                if *v == 0 {
                    balances
                        .remove(balance_key(*id, *token))
                        .map_err(store_err)?;
                } else {
                    balances
                        .insert(balance_key(*id, *token), *v)
                        .map_err(store_err)?;
                }
            }
            if let Some(m) = writes.meta {
                let mut meta = tx.open_table(META).map_err(store_err)?;
                meta.insert("last_batch", m.last_batch).map_err(store_err)?;
                meta.insert("next_priority_index", m.next_priority_index)
                    .map_err(store_err)?;
            }
        }
        Ok(())
    }

    /// Undoes a batch's state changes ([`StateUndo`]) inside the caller's transaction.
    pub fn write_undo(tx: &WriteTransaction, undo: &StateUndo) -> Result<(), StateError> {
        Self::write(tx, &undo.restore)?;
        let mut nodes = tx.open_table(NODES).map_err(store_err)?;
        for key in &undo.created_nodes {
            nodes.remove(key.to_bytes().as_slice()).map_err(store_err)?;
        }
        let mut accounts = tx.open_table(ACCOUNTS).map_err(store_err)?;
        for id in &undo.created_accounts {
            accounts.remove(*id).map_err(store_err)?;
        }
        Ok(())
    }
}
