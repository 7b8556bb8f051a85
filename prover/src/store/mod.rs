//! The coordinator's durable store: one redb database holding the rollup state
//! and the coordinator's batches, sealed ranges, jobs, witnesses, proofs and
//! workers, so that accepting a batch (state, batch, witness, job, and the
//! range it may seal), sealing a range (range, step jobs) or accepting a proof
//! is one transaction.

mod records;

pub use records::{
    BatchRecord, BatchStatus, JobKind, JobRecord, JobState, Lease, LeaseId, RangeRecord,
    RangeStatus, RangeValues, StepRecord, WorkerRecord, WrapRecord, WrapStatus,
};

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zkr_circuits::state::{RedbBackend, StateError, StateUndo, StateWrites};

const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_batches");
const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_jobs");
const WITNESSES: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_witnesses");
const PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_proofs");
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("coord_counters");
/// Sealed ranges by first batch.
const RANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_ranges");
/// Aggregation step proofs (range proofs) by the step's (first, last) batch, both included.
const RANGE_PROOFS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("coord_range_proofs");
/// Wrapped (Groth16, EVM encoding) proofs of sealed ranges, by first batch.
const WRAP_PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_wrap_proofs");
/// Registered workers by id.
const WORKERS: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_workers");
/// The settings the data directory's circuits were made for (capacity, chain id).
const SETTINGS: TableDefinition<&str, u64> = TableDefinition::new("coord_settings");
/// Sealed ranges by status label, kept in step with every range written or
/// dropped, so that reading them (each metrics scrape) walks no ranges.
const RANGE_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("coord_range_counts");
/// The key in [`RANGE_COUNTS`] saying its counts are complete (a directory
/// from before they were kept is counted once, at open).
const RANGES_COUNTED: &str = "counted";
/// What undoes each accepted batch's state changes ([`StateUndo`]), by batch number.
const UNDO: TableDefinition<u64, &[u8]> = TableDefinition::new("coord_state_undo");

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
    /// The data directory was made for another capacity or chain id: its
    /// witnesses and signatures would not fit the circuits.
    #[error("the data directory was made for {what} {stored}, the coordinator was started with {given}: start it with {what} {stored}")]
    SettingMismatch {
        /// The setting (`--capacity`, `--chain-id`).
        what: &'static str,
        /// The value the directory holds.
        stored: u64,
        /// The value given.
        given: u64,
    },
    /// A batch to revert has no undo record (accepted by a version that kept none).
    #[error("batch {0} has no undo record (it was accepted before undo records were kept), so it cannot be reverted")]
    NoUndo(u64),
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
            tx.open_table(RANGES).map_err(db_err)?;
            tx.open_table(RANGE_PROOFS).map_err(db_err)?;
            tx.open_table(WORKERS).map_err(db_err)?;
            tx.open_table(WRAP_PROOFS).map_err(db_err)?;
            tx.open_table(UNDO).map_err(db_err)?;
            tx.open_table(SETTINGS).map_err(db_err)?;
            count_ranges_once(&tx)?;
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

    /// Records an accepted batch: its state changes and what undoes them, the
    /// batch, its witness and its job, and `also` (a range it seals) in the
    /// same transaction.
    pub fn accept_batch(
        &self,
        writes: &StateWrites,
        batch: &BatchRecord,
        job: &JobRecord,
        witness: &[u8],
        also: &Changes<'_>,
    ) -> Result<(), StoreError> {
        let undo = writes.undo_against(&self.state)?;
        self.write(|tx| {
            RedbBackend::write(tx, writes)?;
            put(tx, UNDO, batch.number(), &undo.to_bytes())?;
            put(tx, BATCHES, batch.number(), &encode(batch))?;
            put(tx, JOBS, job.id, &encode(job))?;
            put(tx, WITNESSES, job.id, witness)?;
            set_counter(tx, "next_job_id", job.id + 1)?;
            also.write(tx)
        })
    }

    /// Records the circuit capacity and chain id the directory is used with,
    /// or refuses others than those recorded. A directory from before they
    /// were recorded is checked against its unfinished jobs' capacity.
    pub fn pin_settings(&self, capacity: usize, chain_id: u64) -> Result<(), StoreError> {
        if self.setting("--capacity")?.is_none() {
            if let Some(job) = self
                .jobs()?
                .into_iter()
                .find(|j| j.capacity != capacity && j.state != JobState::Done)
            {
                return Err(StoreError::SettingMismatch {
                    what: "--capacity",
                    stored: job.capacity as u64,
                    given: capacity as u64,
                });
            }
        }
        self.write(|tx| {
            let mut t = tx.open_table(SETTINGS).map_err(db_err)?;
            for (what, given) in [("--capacity", capacity as u64), ("--chain-id", chain_id)] {
                let stored = t.get(what).map_err(db_err)?.map(|v| v.value());
                match stored {
                    Some(stored) if stored != given => {
                        return Err(StoreError::SettingMismatch {
                            what,
                            stored,
                            given,
                        })
                    }
                    Some(_) => {}
                    None => {
                        t.insert(what, given).map_err(db_err)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// A recorded setting (`--capacity`, `--chain-id`).
    pub fn setting(&self, what: &str) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(SETTINGS).map_err(db_err)?;
        Ok(t.get(what).map_err(db_err)?.map(|v| v.value()))
    }

    /// Drops every batch after `keep` in one transaction: their state changes
    /// are undone (last first), and their records, witnesses and proofs, the
    /// jobs `jobs` and the sealed ranges `ranges` (by first batch, with their
    /// step and wrapped proofs) are deleted.
    pub fn revert(
        &self,
        keep: u64,
        jobs: &[u64],
        ranges: &[RangeRecord],
    ) -> Result<(), StoreError> {
        let last = self.last_batch()?;
        self.write(|tx| {
            for n in (keep + 1..=last).rev() {
                let bytes = tx
                    .open_table(UNDO)
                    .map_err(db_err)?
                    .remove(n)
                    .map_err(db_err)?
                    .map(|v| v.value().to_vec())
                    .ok_or(StoreError::NoUndo(n))?;
                RedbBackend::write_undo(tx, &StateUndo::from_bytes(&bytes)?)?;
                for table in [BATCHES, PROOFS] {
                    tx.open_table(table)
                        .map_err(db_err)?
                        .remove(n)
                        .map_err(db_err)?;
                }
            }
            for id in jobs {
                for table in [JOBS, WITNESSES] {
                    tx.open_table(table)
                        .map_err(db_err)?
                        .remove(*id)
                        .map_err(db_err)?;
                }
            }
            for r in ranges {
                if let Some(stored) = stored_range(tx, r.first)? {
                    count_range(tx, stored.status, -1)?;
                }
                for table in [RANGES, WRAP_PROOFS] {
                    tx.open_table(table)
                        .map_err(db_err)?
                        .remove(r.first)
                        .map_err(db_err)?;
                }
                let mut proofs = tx.open_table(RANGE_PROOFS).map_err(db_err)?;
                for s in &r.steps {
                    proofs
                        .remove((s.step.start, s.step.end - 1))
                        .map_err(db_err)?;
                }
            }
            Ok(())
        })
    }

    /// Writes `changes` in one transaction.
    pub fn apply(&self, changes: &Changes<'_>) -> Result<(), StoreError> {
        self.write(|tx| changes.write(tx))
    }

    /// Saves job records (lease changes).
    pub fn put_jobs(&self, jobs: &[JobRecord]) -> Result<(), StoreError> {
        self.write(|tx| {
            for j in jobs {
                put(tx, JOBS, j.id, &encode(j))?;
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

    /// The unfinished jobs (to rebuild the queue at start), and how many are done.
    pub fn unfinished_jobs(&self) -> Result<(Vec<JobRecord>, u64), StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(JOBS).map_err(db_err)?;
        let (mut out, mut done) = (Vec::new(), 0);
        for row in t.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let id = k.value();
            let job: JobRecord = decode(v.value(), || format!("job {id}"))?;
            if job.state == JobState::Done {
                done += 1;
            } else {
                out.push(job);
            }
        }
        Ok((out, done))
    }

    /// Every job, done or not.
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

    /// A job, done or not.
    pub fn job(&self, id: u64) -> Result<Option<JobRecord>, StoreError> {
        self.get(JOBS, id)?
            .map(|j| decode(&j, || format!("job {id}")))
            .transpose()
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

    /// A sealed range by its first batch.
    pub fn range(&self, first: u64) -> Result<Option<RangeRecord>, StoreError> {
        self.get(RANGES, first)?
            .map(|r| decode(&r, || format!("range from batch {first}")))
            .transpose()
    }

    /// The sealed range holding `batch`, if any.
    pub fn range_containing(&self, batch: u64) -> Result<Option<RangeRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(RANGES).map_err(db_err)?;
        let Some(row) = t.range(..=batch).map_err(db_err)?.next_back() else {
            return Ok(None);
        };
        let (k, v) = row.map_err(db_err)?;
        let first = k.value();
        let r: RangeRecord = decode(v.value(), || format!("range from batch {first}"))?;
        Ok(r.contains(batch).then_some(r))
    }

    /// The last sealed range, if any.
    pub fn last_range(&self) -> Result<Option<RangeRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(RANGES).map_err(db_err)?;
        let Some((k, v)) = t.last().map_err(db_err)? else {
            return Ok(None);
        };
        let first = k.value();
        decode(v.value(), || format!("range from batch {first}")).map(Some)
    }

    /// Every sealed range, by first batch.
    pub fn ranges(&self) -> Result<Vec<RangeRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(RANGES).map_err(db_err)?;
        let mut out = Vec::new();
        for row in t.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let first = k.value();
            out.push(decode(v.value(), || format!("range from batch {first}"))?);
        }
        Ok(out)
    }

    /// The stored proof of the aggregation step over `first..=last`.
    pub fn range_proof(&self, first: u64, last: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(RANGE_PROOFS).map_err(db_err)?;
        Ok(t.get((first, last))
            .map_err(db_err)?
            .map(|v| v.value().to_vec()))
    }

    /// Number of stored aggregation step proofs.
    pub fn range_proof_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(RANGE_PROOFS).map_err(db_err)?;
        t.len().map_err(db_err)
    }

    /// The stored wrapped proof of the sealed range starting at `first`.
    pub fn wrap_proof(&self, first: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(WRAP_PROOFS, first)
    }

    /// Every registered worker (to rebuild the worker list at start).
    pub fn workers(&self) -> Result<Vec<(u64, WorkerRecord)>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(WORKERS).map_err(db_err)?;
        let mut out = Vec::new();
        for row in t.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let id = k.value();
            out.push((id, decode(v.value(), || format!("worker {id}"))?));
        }
        Ok(out)
    }

    /// Records a registered worker and the next worker id in one commit.
    pub fn put_worker(
        &self,
        id: u64,
        worker: &WorkerRecord,
        next_worker_id: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            put(tx, WORKERS, id, &encode(worker))?;
            set_counter(tx, "next_worker_id", next_worker_id)
        })
    }

    /// A counter (`next_job_id`, `next_worker_id`), 1 when never set.
    pub fn counter(&self, name: &str) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(COUNTERS).map_err(db_err)?;
        Ok(t.get(name).map_err(db_err)?.map(|v| v.value()).unwrap_or(1))
    }

    /// Sealed ranges by status, as kept (no walk over the ranges).
    pub fn range_counts(&self) -> Result<Vec<(RangeStatus, u64)>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(RANGE_COUNTS).map_err(db_err)?;
        RangeStatus::ALL
            .into_iter()
            .map(|s| {
                Ok((
                    s,
                    t.get(s.label()).map_err(db_err)?.map_or(0, |v| v.value()),
                ))
            })
            .collect()
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

/// Records changed together, written in one transaction by [`Store::apply`].
#[derive(Debug, Default)]
pub struct Changes<'a> {
    /// Jobs to save.
    pub jobs: Vec<JobRecord>,
    /// Batches to save.
    pub batches: Vec<BatchRecord>,
    /// Ranges to save.
    pub ranges: Vec<RangeRecord>,
    /// A batch proof to store, by batch number.
    pub batch_proof: Option<(u64, &'a [u8])>,
    /// A step proof to store, by the step's (first, last) batch.
    pub range_proof: Option<((u64, u64), &'a [u8])>,
    /// A wrapped proof to store, by its range's first batch.
    pub wrap_proof: Option<(u64, &'a [u8])>,
    /// The job counter, if it moved.
    pub next_job_id: Option<u64>,
}

impl Changes<'_> {
    fn write(&self, tx: &WriteTransaction) -> Result<(), StoreError> {
        for j in &self.jobs {
            put(tx, JOBS, j.id, &encode(j))?;
        }
        for b in &self.batches {
            put(tx, BATCHES, b.number(), &encode(b))?;
        }
        for r in &self.ranges {
            if let Some(stored) = stored_range(tx, r.first)? {
                count_range(tx, stored.status, -1)?;
            }
            count_range(tx, r.status, 1)?;
            put(tx, RANGES, r.first, &encode(r))?;
        }
        if let Some((n, proof)) = self.batch_proof {
            put(tx, PROOFS, n, proof)?;
        }
        if let Some((key, proof)) = self.range_proof {
            tx.open_table(RANGE_PROOFS)
                .map_err(db_err)?
                .insert(key, proof)
                .map_err(db_err)?;
        }
        if let Some((first, proof)) = self.wrap_proof {
            put(tx, WRAP_PROOFS, first, proof)?;
        }
        if let Some(n) = self.next_job_id {
            set_counter(tx, "next_job_id", n)?;
        }
        Ok(())
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

/// The range stored at `first`, read inside a write.
fn stored_range(tx: &WriteTransaction, first: u64) -> Result<Option<RangeRecord>, StoreError> {
    let t = tx.open_table(RANGES).map_err(db_err)?;
    let bytes = t.get(first).map_err(db_err)?;
    bytes
        .map(|b| decode(b.value(), || format!("range {first}")))
        .transpose()
}

/// Adds `delta` (±1) to the count of ranges in `status`.
fn count_range(tx: &WriteTransaction, status: RangeStatus, delta: i64) -> Result<(), StoreError> {
    let mut t = tx.open_table(RANGE_COUNTS).map_err(db_err)?;
    let now = t
        .get(status.label())
        .map_err(db_err)?
        .map_or(0, |v| v.value());
    let next = now
        .checked_add_signed(delta)
        .ok_or_else(|| StoreError::Corrupt {
            what: "range counts".into(),
            why: format!("{} ranges {}, changed by {delta}", now, status.label()),
        })?;
    t.insert(status.label(), next).map_err(db_err)?;
    Ok(())
}

/// Counts the stored ranges by status, once per directory.
fn count_ranges_once(tx: &WriteTransaction) -> Result<(), StoreError> {
    let mut counts = tx.open_table(RANGE_COUNTS).map_err(db_err)?;
    if counts.get(RANGES_COUNTED).map_err(db_err)?.is_some() {
        return Ok(());
    }
    let mut by_status = [0u64; 3];
    let ranges = tx.open_table(RANGES).map_err(db_err)?;
    for row in ranges.iter().map_err(db_err)? {
        let (k, v) = row.map_err(db_err)?;
        let first = k.value();
        let r: RangeRecord = decode(v.value(), || format!("range {first}"))?;
        if let Some(i) = RangeStatus::ALL.iter().position(|s| *s == r.status) {
            by_status[i] += 1;
        }
    }
    for (s, n) in RangeStatus::ALL.iter().zip(by_status) {
        counts.insert(s.label(), n).map_err(db_err)?;
    }
    counts.insert(RANGES_COUNTED, 1).map_err(db_err)?;
    Ok(())
}

fn set_counter(tx: &WriteTransaction, name: &str, value: u64) -> Result<(), StoreError> {
    tx.open_table(COUNTERS)
        .map_err(db_err)?
        .insert(name, value)
        .map_err(db_err)?;
    Ok(())
}
