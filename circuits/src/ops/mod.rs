//! Rollup operations and batches, as the sequencer submits them.

mod packing;
pub mod pubdata;
mod serde_amount;
pub mod signing;

pub use packing::{
    pack_amount, pack_fee, unpack, Packed, PackingSpec, AMOUNT_PACKING, FEE_PACKING,
};

use serde::{Deserialize, Serialize};

use crate::state::{AccountId, PubKey, TokenId};

/// A signature over an operation, as the wallet encoded it. Carried with the
/// operation; its verification belongs to the signature scheme, not to this type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(#[serde(with = "hex_bytes")] pub Vec<u8>);

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s.trim_start_matches("0x")).map_err(serde::de::Error::custom)
    }
}

/// An L1 deposit into a rollup account; creates the account if it is empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deposit {
    /// Receiving account.
    pub account: AccountId,
    /// Key of the account: sets it on an empty account, must match otherwise.
    pub pubkey: PubKey,
    /// Token deposited.
    pub token: TokenId,
    /// Amount deposited (base units).
    #[serde(with = "serde_amount")]
    pub amount: u128,
    /// Position of this deposit in the L1 priority queue.
    pub priority_index: u64,
}

/// A signed L2 transfer between two existing accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Paying account.
    pub from: AccountId,
    /// Receiving account.
    pub to: AccountId,
    /// Token moved (the fee is paid in it too).
    pub token: TokenId,
    /// Amount moved; must be exactly representable in the packed amount format.
    #[serde(with = "serde_amount")]
    pub amount: u128,
    /// Fee to the batch's operator; must be representable in the packed fee format.
    #[serde(with = "serde_amount")]
    pub fee: u128,
    /// The sender's current nonce.
    pub nonce: u32,
    /// Sender's signature.
    #[serde(default)]
    pub signature: Signature,
}

/// A signed withdrawal from L2 to an L1 address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdraw {
    /// Paying account.
    pub from: AccountId,
    /// Token withdrawn (the fee is paid in it too).
    pub token: TokenId,
    /// Amount withdrawn (full 128-bit precision).
    #[serde(with = "serde_amount")]
    pub amount: u128,
    /// Fee to the batch's operator; must be representable in the packed fee format.
    #[serde(with = "serde_amount")]
    pub fee: u128,
    /// The sender's current nonce.
    pub nonce: u32,
    /// L1 address that may claim the withdrawal.
    #[serde(with = "hex_address")]
    pub to_l1: [u8; 20],
    /// Sender's signature.
    #[serde(default)]
    pub signature: Signature,
}

mod hex_address {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 20], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 20], D::Error> {
        let s = String::deserialize(d)?;
        let bytes = hex::decode(s.trim_start_matches("0x")).map_err(serde::de::Error::custom)?;
        bytes.try_into().map_err(|b: Vec<u8>| {
            serde::de::Error::custom(format!("L1 address has {} bytes, expected 20", b.len()))
        })
    }
}

/// One rollup operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Operation {
    /// L1 deposit.
    Deposit(Deposit),
    /// L2 transfer.
    Transfer(Transfer),
    /// Withdrawal to L1.
    Withdraw(Withdraw),
}

impl Operation {
    /// Short name for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Deposit(_) => "deposit",
            Operation::Transfer(_) => "transfer",
            Operation::Withdraw(_) => "withdraw",
        }
    }

    /// Pubdata chunks the operation occupies.
    pub fn chunks(&self) -> usize {
        match self {
            Operation::Deposit(_) => pubdata::DEPOSIT_CHUNKS,
            Operation::Transfer(_) => pubdata::TRANSFER_CHUNKS,
            Operation::Withdraw(_) => pubdata::WITHDRAW_CHUNKS,
        }
    }
}

/// A state-diff batch: operations applied in order, fees paid to `operator`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Batch number, consecutive from 1.
    pub number: u64,
    /// Account credited with the batch's fees.
    pub operator: AccountId,
    /// The operations.
    pub operations: Vec<Operation>,
}

impl Batch {
    /// Pubdata chunks the operations occupy.
    pub fn chunks(&self) -> usize {
        self.operations.iter().map(Operation::chunks).sum()
    }
}
