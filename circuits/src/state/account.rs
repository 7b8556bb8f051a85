//! Account leaves and public keys.

use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Serialize};

use super::{Digest, F};

/// A public key: the canonical encoding of an EcGFp5 point, one GF(p^5) element
/// as five Goldilocks limbs. All-zero means "no key" (an empty account).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PubKey(pub [u64; 5]);

impl PubKey {
    /// The key of an account that does not exist yet.
    pub const NONE: PubKey = PubKey([0; 5]);

    /// Whether this is the empty-account marker.
    pub fn is_none(&self) -> bool {
        self.0 == [0; 5]
    }

    /// Whether every limb is a canonical Goldilocks element (< p).
    pub fn is_canonical(&self) -> bool {
        self.0.iter().all(|&l| l < F::ORDER)
    }

    /// The five field elements (limbs must be canonical).
    pub fn elements(&self) -> [F; 5] {
        self.0.map(F::from_canonical_u64)
    }

    /// The key of a 40-byte big-endian encoding (limbs not checked: see `is_canonical`).
    pub fn from_bytes(bytes: &[u8; 40]) -> PubKey {
        PubKey(std::array::from_fn(|i| {
            let mut limb = [0u8; 8];
            limb.copy_from_slice(&bytes[8 * i..8 * i + 8]);
            u64::from_be_bytes(limb)
        }))
    }

    /// The 40-byte big-endian encoding used in pubdata.
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        for (i, l) in self.0.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&l.to_be_bytes());
        }
        out
    }
}

/// One account as its leaf commits to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Owner's public key; `PubKey::NONE` for an empty slot.
    pub pubkey: PubKey,
    /// Count of signed operations applied so far.
    pub nonce: u32,
    /// Root of the account's balance tree.
    pub balance_root: Digest,
}

impl Account {
    /// The leaf digest `Poseidon(pubkey || nonce || balance_root)`.
    pub fn leaf(&self) -> Digest {
        let mut input = Vec::with_capacity(10);
        input.extend_from_slice(&self.pubkey.elements());
        input.push(F::from_canonical_u32(self.nonce));
        input.extend_from_slice(&self.balance_root.elements);
        PoseidonHash::hash_no_pad(&input)
    }

    /// Whether the account has been created (it has a key).
    pub fn exists(&self) -> bool {
        !self.pubkey.is_none()
    }
}

/// Hex digest for logs and errors.
pub fn digest_hex(d: &Digest) -> String {
    d.elements
        .iter()
        .map(|e| format!("{:016x}", e.to_canonical_u64()))
        .collect()
}
