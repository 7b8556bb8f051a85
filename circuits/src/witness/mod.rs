//! Witness generation: from the executor's trace, the batch circuit's assignment
//! laid out on the circuit's fixed chunk slots, padded with no-ops.

use crate::executor::{BatchExecution, FEE_SLOTS};
use crate::ops::{pack_amount, pack_fee, Operation, Packed};
use crate::state::{Account, Digest, LaneUpdate, PubKey, ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH};
use plonky2::hash::hash_types::HashOut;
use serde::{Deserialize, Serialize};

/// Why a trace cannot be laid out for the circuit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The operations do not fit in the capacity.
    #[error("operations take {chunks} chunks, the circuit has {capacity}")]
    Capacity {
        /// Chunks needed.
        chunks: usize,
        /// Circuit capacity.
        capacity: usize,
    },
    /// An amount has no packed form (the executor should have rejected it).
    #[error("op {0}: amount or fee not packable")]
    NotPackable(usize),
    /// Witness bytes do not decode.
    #[error("witness bytes malformed: {0}")]
    Malformed(String),
}

/// One Merkle update as the circuit sees it; a disabled lane changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneWitness {
    /// Whether the lane updates the state (else its values are ignored and zero).
    pub enabled: bool,
    /// Account.
    pub account: u32,
    /// Token.
    pub token: u16,
    /// Account before.
    pub before: Account,
    /// Balance before.
    pub balance_before: u128,
    /// Balance after.
    pub balance_after: u128,
    /// Nonce after (key and balance root after follow from the rules).
    pub nonce_after: u32,
    /// Key after.
    pub pubkey_after: PubKey,
    /// Balance-tree siblings, leaf level first.
    pub balance_siblings: Vec<Digest>,
    /// Account-tree siblings, leaf level first.
    pub account_siblings: Vec<Digest>,
}

impl LaneWitness {
    /// The lane of a real update.
    pub fn from_update(u: &LaneUpdate) -> Self {
        Self {
            enabled: true,
            account: u.account_id,
            token: u.token,
            before: u.before,
            balance_before: u.balance_before,
            balance_after: u.balance_after,
            nonce_after: u.after.nonce,
            pubkey_after: u.after.pubkey,
            balance_siblings: u.balance_siblings.clone(),
            account_siblings: u.account_siblings.clone(),
        }
    }

    /// An unused lane: all zero.
    pub fn disabled() -> Self {
        let zero = HashOut::default();
        Self {
            enabled: false,
            account: 0,
            token: 0,
            before: Account {
                pubkey: PubKey::NONE,
                nonce: 0,
                balance_root: zero,
            },
            balance_before: 0,
            balance_after: 0,
            nonce_after: 0,
            pubkey_after: PubKey::NONE,
            balance_siblings: vec![zero; BALANCE_TREE_DEPTH],
            account_siblings: vec![zero; ACCOUNT_TREE_DEPTH],
        }
    }
}

/// What occupies a chunk slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotKind {
    /// Padding, or a continuation chunk of the operation before.
    Noop,
    /// First chunk of a deposit.
    Deposit,
    /// A transfer.
    Transfer,
    /// First chunk of a withdrawal.
    Withdraw,
}

/// The assignment of one chunk slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotWitness {
    /// Operation starting in this slot.
    pub kind: SlotKind,
    /// Depositee or sender.
    pub account_a: u32,
    /// Transfer recipient.
    pub account_b: u32,
    /// Token.
    pub token: u16,
    /// Amount (unpacked).
    pub amount: u128,
    /// Transfer amount as packed in pubdata.
    pub amount_packed: Packed,
    /// Fee as packed in pubdata.
    pub fee_packed: Packed,
    /// Fee (unpacked).
    pub fee: u128,
    /// Nonce the operation carries.
    pub nonce: u32,
    /// Deposit's L1 priority index.
    pub priority_index: u64,
    /// Deposit's key.
    pub deposit_pubkey: PubKey,
    /// Withdrawal's L1 address.
    pub to_l1: [u8; 20],
    /// Fee slot the fee goes to.
    pub fee_slot: usize,
    /// The signature's `enc(R)` limbs (zero unless a signed operation starts here).
    pub sig_r: [u64; 5],
    /// The signature's `s`, little-endian 64-bit limbs as carried (not reduced).
    pub sig_s: [u64; 5],
    /// First update.
    pub lane_a: LaneWitness,
    /// Second update.
    pub lane_b: LaneWitness,
}

impl SlotWitness {
    fn noop() -> Self {
        let zero_packed = Packed {
            mantissa: 0,
            exponent: 0,
        };
        Self {
            kind: SlotKind::Noop,
            account_a: 0,
            account_b: 0,
            token: 0,
            amount: 0,
            amount_packed: zero_packed,
            fee_packed: zero_packed,
            fee: 0,
            nonce: 0,
            priority_index: 0,
            deposit_pubkey: PubKey::NONE,
            to_l1: [0; 20],
            fee_slot: 0,
            sig_r: [0; 5],
            sig_s: [0; 5],
            lane_a: LaneWitness::disabled(),
            lane_b: LaneWitness::disabled(),
        }
    }
}

/// The fee credit of one fee slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeWitness {
    /// Token.
    pub token: u16,
    /// Sum of fees.
    pub total: u128,
    /// The operator's update.
    pub lane: LaneWitness,
}

/// The batch circuit's full assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchWitness {
    /// Chunk slots.
    pub capacity: usize,
    /// Fee recipient.
    pub operator: u32,
    /// Root before.
    pub old_root: Digest,
    /// Root after.
    pub new_root: Digest,
    /// One per slot.
    pub slots: Vec<SlotWitness>,
    /// One per fee slot.
    pub fees: Vec<FeeWitness>,
    /// Expected pubdata (for checks; the circuit recomputes it).
    pub pubdata: Vec<u8>,
    /// Expected commitment.
    pub commitment: [u8; 32],
}

impl BatchWitness {
    /// Compact binary encoding (what the coordinator stores and sends to workers).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Encoding plain owned data into a Vec cannot fail.
        bincode::serialize(self).unwrap_or_default()
    }

    /// Decodes [`BatchWitness::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WitnessError> {
        bincode::deserialize(bytes).map_err(|e| WitnessError::Malformed(e.to_string()))
    }
}

/// `enc(R)` and `s` limbs of 80 signature bytes, unvalidated (the executor validates; tests
/// may hand the circuit anything); zeros for any other length.
fn signature_limbs(bytes: &[u8]) -> ([u64; 5], [u64; 5]) {
    if bytes.len() != 80 {
        return ([0; 5], [0; 5]);
    }
    let word = |at: usize| -> [u8; 8] { core::array::from_fn(|i| bytes[at + i]) };
    (
        core::array::from_fn(|i| u64::from_be_bytes(word(8 * i))),
        core::array::from_fn(|i| u64::from_le_bytes(word(40 + 8 * i))),
    )
}

/// Lays the executor's trace out on the circuit's slots.
pub fn generate(exec: &BatchExecution) -> Result<BatchWitness, WitnessError> {
    let chunks: usize = exec.ops.iter().map(|o| o.op.chunks()).sum();
    if chunks > exec.capacity {
        return Err(WitnessError::Capacity {
            chunks,
            capacity: exec.capacity,
        });
    }
    let mut slots = Vec::with_capacity(exec.capacity);
    for (index, trace) in exec.ops.iter().enumerate() {
        let mut s = SlotWitness::noop();
        s.lane_a = LaneWitness::from_update(&trace.lane_a);
        if let Some(b) = &trace.lane_b {
            s.lane_b = LaneWitness::from_update(b);
        }
        s.fee_slot = trace.fee_slot;
        match &trace.op {
            Operation::Deposit(d) => {
                s.kind = SlotKind::Deposit;
                s.account_a = d.account;
                s.token = d.token;
                s.amount = d.amount;
                s.priority_index = d.priority_index;
                s.deposit_pubkey = d.pubkey;
            }
            Operation::Transfer(t) => {
                s.kind = SlotKind::Transfer;
                s.account_a = t.from;
                s.account_b = t.to;
                s.token = t.token;
                s.amount = t.amount;
                s.amount_packed = pack_amount(t.amount).ok_or(WitnessError::NotPackable(index))?;
                s.fee = t.fee;
                s.fee_packed = pack_fee(t.fee).ok_or(WitnessError::NotPackable(index))?;
                s.nonce = t.nonce;
                (s.sig_r, s.sig_s) = signature_limbs(&t.signature.0);
            }
            Operation::Withdraw(w) => {
                s.kind = SlotKind::Withdraw;
                s.account_a = w.from;
                s.token = w.token;
                s.amount = w.amount;
                s.fee = w.fee;
                s.fee_packed = pack_fee(w.fee).ok_or(WitnessError::NotPackable(index))?;
                s.nonce = w.nonce;
                s.to_l1 = w.to_l1;
                (s.sig_r, s.sig_s) = signature_limbs(&w.signature.0);
            }
        }
        slots.push(s);
        for _ in 1..trace.op.chunks() {
            slots.push(SlotWitness::noop());
        }
    }
    slots.resize_with(exec.capacity, SlotWitness::noop);
    debug_assert_eq!(exec.fees.len(), FEE_SLOTS);
    let fees = exec
        .fees
        .iter()
        .map(|f| FeeWitness {
            token: f.token,
            total: f.total,
            lane: LaneWitness::from_update(&f.update),
        })
        .collect();
    Ok(BatchWitness {
        capacity: exec.capacity,
        operator: exec.operator,
        old_root: exec.old_root,
        new_root: exec.new_root,
        slots,
        fees,
        pubdata: exec.pubdata.clone(),
        commitment: exec.commitment,
    })
}
