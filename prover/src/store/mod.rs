//! The coordinator's durable store: one redb database holding the rollup state
//! and the coordinator's batches, jobs, witnesses and proofs, so that accepting a
//! batch (state, batch, witness, job) or accepting a proof is one transaction.

mod records;

pub use records::{BatchRecord, BatchStatus, JobKind, JobRecord, JobState, Lease};

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zkr_circuits::state::{RedbBackend, StateError, StateWrites};

const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_batches");
const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_jobs");
const WITNESSES: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_witnesses");
const PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_proofs");
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("coord_counters");

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "zkr.redb";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("store: {0}")]
    Db(String),
    /// A record does not decode.
    #[error("store: {what} corrupt: {why}")]
    Corrupt {
        /// Which record.
        what: String,
        /// Decoder message.
        why: String,
    },
    /// The rollup state failed.
    #[error(transparent)]
    State(#[from] StateError),
}

fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

// Records are JSON: small, readable with any redb tool, and the batch's serde
// form (tagged enums) needs a self-describing format. Witnesses and proofs are
// stored as the opaque bytes they are.
fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Owned plain data with string keys always encodes.
    serde_json::to_vec(v).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(bytes: &[u8], what: impl Fn() -> String) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: what(),
        why: e.to_string(),
    })
}

/// The coordinator's database.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    state: RedbBackend,
}

impl Store {
    /// Opens (or creates) `dir/zkr.redb`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Db(format!("{}: {e}", dir.display())))?;
        let db = Arc::new(Database::create(dir.join(DB_FILE)).map_err(db_err)?);
        let state = RedbBackend::from_database(db.clone())?;
        let tx = db.begin_write().map_err(db_err)?;
        {
            tx.open_table(BATCHES).map_err(db_err)?;
            tx.open_table(JOBS).map_err(db_err)?;
            tx.open_table(WITNESSES).map_err(db_err)?;
            tx.open_table(PROOFS).map_err(db_err)?;
            tx.open_table(COUNTERS).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
        Ok(Self { db, state })
    }

    /// The rollup state kept in the same database.
    pub fn state(&self) -> &RedbBackend {
        &self.state
    }

    fn write(
        &self,
        f: impl FnOnce(&WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db_err)?;
        f(&tx)?;
        tx.commit().map_err(db_err)
    }

    /// Records an accepted batch: its state changes, the batch, its witness and its job.
    pub fn accept_batch(
        &self,
        writes: &StateWrites,
        batch: &BatchRecord,
        job: &JobRecord,
        witness: &[u8],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            RedbBackend::write(tx, writes)?;
            put(tx, BATCHES, batch.number(), &encode(batch))?;
            put(tx, JOBS, job.id, &encode(job))?;
            put(tx, WITNESSES, job.id, witness)?;
            set_counter(tx, "next_job_id", job.id + 1)
        })
    }

    /// Saves job records (lease changes) and, if given, the lease counter.
    pub fn put_jobs(
        &self,
        jobs: &[JobRecord],
        next_lease_id: Option<u64>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            for j in jobs {
                put(tx, JOBS, j.id, &encode(j))?;
            }
            if let Some(n) = next_lease_id {
                set_counter(tx, "next_lease_id", n)?;
            }
            Ok(())
        })
    }

    /// Saves job and batch records together (status changes) and, if given, the lease counter.
    pub fn put_job_and_batch(
        &self,
        job: &JobRecord,
        batch: &BatchRecord,
        next_lease_id: Option<u64>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            put(tx, JOBS, job.id, &encode(job))?;
            put(tx, BATCHES, batch.number(), &encode(batch))?;
            if let Some(n) = next_lease_id {
                set_counter(tx, "next_lease_id", n)?;
            }
            Ok(())
        })
    }

    /// Records an accepted proof: the job done, the batch proven, the proof bytes.
    pub fn complete_job(
        &self,
        job: &JobRecord,
        batch: &BatchRecord,
        proof: &[u8],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            put(tx, JOBS, job.id, &encode(job))?;
            put(tx, BATCHES, batch.number(), &encode(batch))?;
            put(tx, PROOFS, batch.number(), proof)
        })
    }

    /// An accepted batch.
    pub fn batch(&self, number: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.get(BATCHES, number)?
            .map(|b| decode(&b, || format!("batch {number}")))
            .transpose()
    }

    /// Number of the last accepted batch (0 before the first).
    pub fn last_batch(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(BATCHES).map_err(db_err)?;
        let last = t
            .last()
            .map_err(db_err)?
            .map(|(k, _)| k.value())
            .unwrap_or(0);
        Ok(last)
    }

    /// Every job (to rebuild the queue at start).
    pub fn jobs(&self) -> Result<Vec<JobRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(JOBS).map_err(db_err)?;
        let mut out = Vec::new();
        for row in t.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let id = k.value();
            out.push(decode(v.value(), || format!("job {id}"))?);
        }
        Ok(out)
    }

    /// A job's witness.
    pub fn witness(&self, job_id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(WITNESSES, job_id)
    }

    /// A batch's proof.
    pub fn proof(&self, batch: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(PROOFS, batch)
    }

    /// Number of stored proofs.
    pub fn proof_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(PROOFS).map_err(db_err)?;
        t.len().map_err(db_err)
    }

    /// A counter (`next_job_id`, `next_lease_id`), 1 when never set.
    pub fn counter(&self, name: &str) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(COUNTERS).map_err(db_err)?;
        Ok(t.get(name).map_err(db_err)?.map(|v| v.value()).unwrap_or(1))
    }

    /// Sets a counter.
    pub fn set_counter(&self, name: &str, value: u64) -> Result<(), StoreError> {
        self.write(|tx| set_counter(tx, name, value))
    }

    fn get(
        &self,
        table: TableDefinition<u64, &[u8]>,
        key: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(table).map_err(db_err)?;
        Ok(t.get(key).map_err(db_err)?.map(|v| v.value().to_vec()))
    }
}

fn put(
    tx: &WriteTransaction,
    table: TableDefinition<u64, &[u8]>,
    key: u64,
    value: &[u8],
) -> Result<(), StoreError> {
    tx.open_table(table)
        .map_err(db_err)?
        .insert(key, value)
        .map_err(db_err)?;
    Ok(())
}

fn set_counter(tx: &WriteTransaction, name: &str, value: u64) -> Result<(), StoreError> {
    tx.open_table(COUNTERS)
        .map_err(db_err)?
        .insert(name, value)
        .map_err(db_err)?;
    Ok(())
}
