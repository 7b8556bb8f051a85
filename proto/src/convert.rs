//! Conversions between the `zkr.v1` wire messages and the rollup's Rust types.
//!
//! Wire encodings (see `proto/zkr/v1/common.proto`):
//!
//! * root: 32 bytes, the digest's 4 Goldilocks elements in order, each a
//!   little-endian u64 below the field order `p = 2^64 - 2^32 + 1`;
//! * commitment: 32 bytes of SHA-256 output;
//! * amount: 16 bytes, big-endian u128;
//! * public key: 5 canonical Goldilocks limbs (`repeated fixed64`);
//! * L1 address: 20 bytes; token id: below [`MAX_TOKENS`].
//!
//! Decoding names the offending field by its path (`operations[3].transfer.amount`)
//! so that a coordinator can return the error as the gRPC status message.

use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use zkr_circuits::ops::{self, Batch, Signature};
use zkr_circuits::state::{Digest, PubKey, TokenId, F, MAX_TOKENS};

use crate::v1;
use crate::v1::operation::Op;

/// Bytes of an encoded state root.
pub const ROOT_BYTES: usize = 32;
/// Bytes of an encoded commitment (a SHA-256 digest).
pub const COMMITMENT_BYTES: usize = 32;
/// Bytes of an encoded amount (big-endian u128).
pub const AMOUNT_BYTES: usize = 16;
/// Limbs of an encoded public key.
pub const PUBKEY_LIMBS: usize = 5;
/// Bytes of an L1 address.
pub const L1_ADDRESS_BYTES: usize = 20;

/// Why a wire message does not decode into a rollup value; `field` is the path of the bad field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A required message or `oneof` is not set.
    #[error("{field}: not set, expected {expected}")]
    Missing {
        /// Path of the field.
        field: String,
        /// What should be there.
        expected: &'static str,
    },
    /// A fixed-size byte field has the wrong length.
    #[error("{field}: {got} bytes, expected {expected}")]
    Length {
        /// Path of the field.
        field: String,
        /// Bytes received.
        got: usize,
        /// Bytes the encoding has.
        expected: usize,
    },
    /// A limb list has the wrong number of limbs.
    #[error("{field}: {got} limbs, expected {expected}")]
    LimbCount {
        /// Path of the field.
        field: String,
        /// Limbs received.
        got: usize,
        /// Limbs the encoding has.
        expected: usize,
    },
    /// A limb is not a canonical Goldilocks element.
    #[error(
        "{field}: limb {index} is {value:#018x}, not a canonical Goldilocks element \
         (must be below 2^64 - 2^32 + 1)"
    )]
    NonCanonical {
        /// Path of the field.
        field: String,
        /// Index of the limb.
        index: usize,
        /// The limb's value.
        value: u64,
    },
    /// An integer is outside its range.
    #[error("{field}: {value} out of range (must be below {bound})")]
    OutOfRange {
        /// Path of the field.
        field: String,
        /// The value received.
        value: u64,
        /// Exclusive upper bound.
        bound: u64,
    },
}

impl ConvertError {
    /// Path of the offending field.
    pub fn field(&self) -> &str {
        match self {
            ConvertError::Missing { field, .. }
            | ConvertError::Length { field, .. }
            | ConvertError::LimbCount { field, .. }
            | ConvertError::NonCanonical { field, .. }
            | ConvertError::OutOfRange { field, .. } => field,
        }
    }

    /// The same error with its field path placed under `parent` (`parent.field`).
    pub fn within(mut self, parent: &str) -> Self {
        let field = match &mut self {
            ConvertError::Missing { field, .. }
            | ConvertError::Length { field, .. }
            | ConvertError::LimbCount { field, .. }
            | ConvertError::NonCanonical { field, .. }
            | ConvertError::OutOfRange { field, .. } => field,
        };
        *field = format!("{parent}.{field}");
        self
    }
}

/// Encodes a state root as 32 bytes (4 little-endian u64 limbs).
pub fn root_to_bytes(root: &Digest) -> Vec<u8> {
    root.elements
        .iter()
        .flat_map(|e| e.to_canonical_u64().to_le_bytes())
        .collect()
}

/// Decodes the state root in `field`; rejects a wrong length or a non-canonical limb.
pub fn root_from_bytes(field: &str, bytes: &[u8]) -> Result<Digest, ConvertError> {
    let bytes: [u8; ROOT_BYTES] = fixed_bytes(field, bytes)?;
    let mut elements = [F::ZERO; 4];
    for (index, (e, chunk)) in elements.iter_mut().zip(bytes.chunks_exact(8)).enumerate() {
        let value = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
        *e = canonical(field, index, value)?;
    }
    Ok(HashOut { elements })
}

/// Decodes the 32-byte commitment in `field`.
pub fn commitment_from_bytes(
    field: &str,
    bytes: &[u8],
) -> Result<[u8; COMMITMENT_BYTES], ConvertError> {
    fixed_bytes(field, bytes)
}

/// Encodes an amount as 16 big-endian bytes.
pub fn amount_to_bytes(amount: u128) -> Vec<u8> {
    amount.to_be_bytes().to_vec()
}

/// Decodes the amount (16 big-endian bytes) in `field`.
pub fn amount_from_bytes(field: &str, bytes: &[u8]) -> Result<u128, ConvertError> {
    fixed_bytes::<AMOUNT_BYTES>(field, bytes).map(u128::from_be_bytes)
}

/// Decodes a list of operations, naming a bad one `operations[i]`.
pub fn operations_from_proto(
    operations: Vec<v1::Operation>,
) -> Result<Vec<ops::Operation>, ConvertError> {
    operations
        .into_iter()
        .enumerate()
        .map(|(i, op)| {
            ops::Operation::try_from(op).map_err(|e| e.within(&format!("operations[{i}]")))
        })
        .collect()
}

fn fixed_bytes<const N: usize>(field: &str, bytes: &[u8]) -> Result<[u8; N], ConvertError> {
    bytes.try_into().map_err(|_| ConvertError::Length {
        field: field.to_owned(),
        got: bytes.len(),
        expected: N,
    })
}

fn canonical(field: &str, index: usize, value: u64) -> Result<F, ConvertError> {
    if value < F::ORDER {
        Ok(F::from_canonical_u64(value))
    } else {
        Err(ConvertError::NonCanonical {
            field: field.to_owned(),
            index,
            value,
        })
    }
}

fn pubkey_from_limbs(field: &str, limbs: &[u64]) -> Result<PubKey, ConvertError> {
    let limbs: [u64; PUBKEY_LIMBS] = limbs.try_into().map_err(|_| ConvertError::LimbCount {
        field: field.to_owned(),
        got: limbs.len(),
        expected: PUBKEY_LIMBS,
    })?;
    for (index, &value) in limbs.iter().enumerate() {
        canonical(field, index, value)?;
    }
    Ok(PubKey(limbs))
}

fn token_from_u32(field: &str, token: u32) -> Result<TokenId, ConvertError> {
    if token < MAX_TOKENS {
        Ok(token as TokenId)
    } else {
        Err(ConvertError::OutOfRange {
            field: field.to_owned(),
            value: token.into(),
            bound: MAX_TOKENS.into(),
        })
    }
}

impl TryFrom<v1::Deposit> for ops::Deposit {
    type Error = ConvertError;

    fn try_from(d: v1::Deposit) -> Result<Self, ConvertError> {
        Ok(ops::Deposit {
            account: d.account,
            pubkey: pubkey_from_limbs("pubkey", &d.pubkey)?,
            token: token_from_u32("token", d.token)?,
            amount: amount_from_bytes("amount", &d.amount)?,
            priority_index: d.priority_index,
        })
    }
}

impl TryFrom<v1::Transfer> for ops::Transfer {
    type Error = ConvertError;

    fn try_from(t: v1::Transfer) -> Result<Self, ConvertError> {
        Ok(ops::Transfer {
            from: t.from,
            to: t.to,
            token: token_from_u32("token", t.token)?,
            amount: amount_from_bytes("amount", &t.amount)?,
            fee: amount_from_bytes("fee", &t.fee)?,
            nonce: t.nonce,
            signature: Signature(t.signature),
        })
    }
}

impl TryFrom<v1::Withdraw> for ops::Withdraw {
    type Error = ConvertError;

    fn try_from(w: v1::Withdraw) -> Result<Self, ConvertError> {
        Ok(ops::Withdraw {
            from: w.from,
            token: token_from_u32("token", w.token)?,
            amount: amount_from_bytes("amount", &w.amount)?,
            fee: amount_from_bytes("fee", &w.fee)?,
            nonce: w.nonce,
            to_l1: fixed_bytes::<L1_ADDRESS_BYTES>("to_l1", &w.to_l1)?,
            signature: Signature(w.signature),
        })
    }
}

impl TryFrom<v1::Operation> for ops::Operation {
    type Error = ConvertError;

    fn try_from(op: v1::Operation) -> Result<Self, ConvertError> {
        match op.op {
            Some(Op::Deposit(d)) => d
                .try_into()
                .map(ops::Operation::Deposit)
                .map_err(|e: ConvertError| e.within("deposit")),
            Some(Op::Transfer(t)) => t
                .try_into()
                .map(ops::Operation::Transfer)
                .map_err(|e: ConvertError| e.within("transfer")),
            Some(Op::Withdraw(w)) => w
                .try_into()
                .map(ops::Operation::Withdraw)
                .map_err(|e: ConvertError| e.within("withdraw")),
            None => Err(ConvertError::Missing {
                field: "op".to_owned(),
                expected: "one of deposit, transfer, withdraw",
            }),
        }
    }
}

impl From<&ops::Deposit> for v1::Deposit {
    fn from(d: &ops::Deposit) -> Self {
        v1::Deposit {
            account: d.account,
            pubkey: d.pubkey.0.to_vec(),
            token: d.token.into(),
            amount: amount_to_bytes(d.amount),
            priority_index: d.priority_index,
        }
    }
}

impl From<&ops::Transfer> for v1::Transfer {
    fn from(t: &ops::Transfer) -> Self {
        v1::Transfer {
            from: t.from,
            to: t.to,
            token: t.token.into(),
            amount: amount_to_bytes(t.amount),
            fee: amount_to_bytes(t.fee),
            nonce: t.nonce,
            signature: t.signature.0.clone(),
        }
    }
}

impl From<&ops::Withdraw> for v1::Withdraw {
    fn from(w: &ops::Withdraw) -> Self {
        v1::Withdraw {
            from: w.from,
            token: w.token.into(),
            amount: amount_to_bytes(w.amount),
            fee: amount_to_bytes(w.fee),
            nonce: w.nonce,
            to_l1: w.to_l1.to_vec(),
            signature: w.signature.0.clone(),
        }
    }
}

impl From<&ops::Operation> for v1::Operation {
    fn from(op: &ops::Operation) -> Self {
        let op = match op {
            ops::Operation::Deposit(d) => Op::Deposit(d.into()),
            ops::Operation::Transfer(t) => Op::Transfer(t.into()),
            ops::Operation::Withdraw(w) => Op::Withdraw(w.into()),
        };
        v1::Operation { op: Some(op) }
    }
}

impl From<ops::Operation> for v1::Operation {
    fn from(op: ops::Operation) -> Self {
        (&op).into()
    }
}

/// A decoded `SubmitBatchRequest`: the batch and the roots the sequencer states around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSubmission {
    /// The batch (number, operator, operations).
    pub batch: Batch,
    /// State root the batch starts from.
    pub expected_old_root: Digest,
    /// State root the sequencer computed after the batch.
    pub claimed_new_root: Digest,
}

impl TryFrom<v1::SubmitBatchRequest> for BatchSubmission {
    type Error = ConvertError;

    fn try_from(req: v1::SubmitBatchRequest) -> Result<Self, ConvertError> {
        let expected_old_root = root_from_bytes("expected_old_root", &req.expected_old_root)?;
        let claimed_new_root = root_from_bytes("claimed_new_root", &req.claimed_new_root)?;
        Ok(BatchSubmission {
            batch: Batch {
                number: req.batch_number,
                operator: req.operator,
                operations: operations_from_proto(req.operations)?,
            },
            expected_old_root,
            claimed_new_root,
        })
    }
}

impl From<&BatchSubmission> for v1::SubmitBatchRequest {
    fn from(s: &BatchSubmission) -> Self {
        v1::SubmitBatchRequest {
            batch_number: s.batch.number,
            expected_old_root: root_to_bytes(&s.expected_old_root),
            claimed_new_root: root_to_bytes(&s.claimed_new_root),
            operator: s.batch.operator,
            operations: s.batch.operations.iter().map(Into::into).collect(),
        }
    }
}

impl From<BatchSubmission> for v1::SubmitBatchRequest {
    fn from(s: BatchSubmission) -> Self {
        (&s).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = F::ORDER;

    fn deposit() -> ops::Operation {
        ops::Operation::Deposit(ops::Deposit {
            account: u32::MAX,
            pubkey: PubKey([1, P - 1, 0, 0x0123_4567_89ab_cdef, 7]),
            token: (MAX_TOKENS - 1) as TokenId,
            amount: u128::MAX,
            priority_index: u64::MAX,
        })
    }

    fn transfer() -> ops::Operation {
        ops::Operation::Transfer(ops::Transfer {
            from: 3,
            to: 9,
            token: 0,
            amount: 1_000_000_000_000_000_000,
            fee: 25,
            nonce: u32::MAX,
            signature: Signature(vec![0xaa; 80]),
        })
    }

    fn withdraw() -> ops::Operation {
        ops::Operation::Withdraw(ops::Withdraw {
            from: 12,
            token: 5,
            amount: 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10,
            fee: 0,
            nonce: 0,
            to_l1: std::array::from_fn(|i| i as u8 + 1),
            signature: Signature(vec![]),
        })
    }

    fn root(limbs: [u64; 4]) -> Digest {
        HashOut {
            elements: limbs.map(F::from_canonical_u64),
        }
    }

    /// The wire form of a transfer, to break one field at a time.
    fn wire_transfer() -> v1::Transfer {
        match v1::Operation::from(transfer()).op {
            Some(Op::Transfer(t)) => t,
            other => panic!("expected a transfer, got {other:?}"),
        }
    }

    fn wire_deposit() -> v1::Deposit {
        match v1::Operation::from(deposit()).op {
            Some(Op::Deposit(d)) => d,
            other => panic!("expected a deposit, got {other:?}"),
        }
    }

    fn wire_withdraw() -> v1::Withdraw {
        match v1::Operation::from(withdraw()).op {
            Some(Op::Withdraw(w)) => w,
            other => panic!("expected a withdraw, got {other:?}"),
        }
    }

    fn op(op: Op) -> v1::Operation {
        v1::Operation { op: Some(op) }
    }

    /// Decodes `bad` as the fourth operation of a list and returns the error message.
    fn reject_at_3(bad: v1::Operation) -> String {
        let mut list: Vec<v1::Operation> =
            vec![transfer().into(), deposit().into(), withdraw().into()];
        list.push(bad);
        list.push(transfer().into());
        match operations_from_proto(list) {
            Ok(ops) => panic!("expected operation 3 rejected, got {ops:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_operation_kind_round_trips() {
        for original in [deposit(), transfer(), withdraw()] {
            let wire = v1::Operation::from(&original);
            let back = ops::Operation::try_from(wire.clone())
                .unwrap_or_else(|e| panic!("{}: expected to decode, got: {e}", original.kind()));
            assert_eq!(back, original, "{}: rust -> wire -> rust", original.kind());
            assert_eq!(
                v1::Operation::from(back),
                wire,
                "{}: wire -> rust -> wire",
                original.kind()
            );
        }
    }

    #[test]
    fn operations_survive_the_protobuf_encoding() {
        use prost::Message;
        let submission = BatchSubmission {
            batch: Batch {
                number: 42,
                operator: 1,
                operations: vec![deposit(), transfer(), withdraw()],
            },
            expected_old_root: root([1, 2, 3, P - 1]),
            claimed_new_root: root([0, 0, 0, 0]),
        };
        let bytes = v1::SubmitBatchRequest::from(&submission).encode_to_vec();
        let decoded = v1::SubmitBatchRequest::decode(bytes.as_slice()).expect("decodes");
        let back = BatchSubmission::try_from(decoded).expect("converts");
        assert_eq!(back, submission);
    }

    #[test]
    fn amounts_are_sixteen_big_endian_bytes() {
        let t = wire_transfer();
        assert_eq!(t.fee, {
            let mut b = vec![0u8; 16];
            b[15] = 25;
            b
        });
        assert_eq!(
            amount_to_bytes(1 << 120),
            [1].into_iter().chain([0; 15]).collect::<Vec<_>>()
        );
        assert_eq!(amount_from_bytes("amount", &[0xff; 16]), Ok(u128::MAX));
    }

    #[test]
    fn roots_are_four_little_endian_limbs() {
        let r = root([0x0102_0304_0506_0708, 0, P - 1, 9]);
        let bytes = root_to_bytes(&r);
        assert_eq!(bytes.len(), ROOT_BYTES);
        assert_eq!(bytes[..8], [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(bytes[16..24], (P - 1).to_le_bytes());
        assert_eq!(bytes[24], 9);
        assert_eq!(root_from_bytes("root", &bytes), Ok(r));
    }

    #[test]
    fn non_canonical_root_limbs_are_rejected() {
        for (index, value) in [(0, P), (3, u64::MAX), (2, P + 1)] {
            let mut bytes = root_to_bytes(&root([0; 4]));
            bytes[8 * index..8 * index + 8].copy_from_slice(&value.to_le_bytes());
            let err = root_from_bytes("expected_old_root", &bytes).unwrap_err();
            assert_eq!(
                err,
                ConvertError::NonCanonical {
                    field: "expected_old_root".into(),
                    index,
                    value
                }
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "expected_old_root: limb {index} is {value:#018x}, not a canonical \
                     Goldilocks element (must be below 2^64 - 2^32 + 1)"
                )
            );
        }
    }

    #[test]
    fn roots_of_the_wrong_length_are_rejected() {
        for len in [0, 31, 33] {
            assert_eq!(
                root_from_bytes("claimed_new_root", &vec![0; len])
                    .unwrap_err()
                    .to_string(),
                format!("claimed_new_root: {len} bytes, expected 32")
            );
        }
    }

    #[test]
    fn commitments_are_32_bytes() {
        assert_eq!(commitment_from_bytes("commitment", &[7; 32]), Ok([7; 32]));
        assert_eq!(
            commitment_from_bytes("commitment", &[7; 20])
                .unwrap_err()
                .to_string(),
            "commitment: 20 bytes, expected 32"
        );
    }

    #[test]
    fn short_transfer_amount_is_rejected_with_its_path() {
        let mut t = wire_transfer();
        t.amount = vec![0; 15];
        assert_eq!(
            reject_at_3(op(Op::Transfer(t))),
            "operations[3].transfer.amount: 15 bytes, expected 16"
        );
    }

    #[test]
    fn long_fees_are_rejected_with_their_path() {
        let mut t = wire_transfer();
        t.fee = vec![0; 17];
        assert_eq!(
            reject_at_3(op(Op::Transfer(t))),
            "operations[3].transfer.fee: 17 bytes, expected 16"
        );
        let mut w = wire_withdraw();
        w.fee = vec![];
        assert_eq!(
            reject_at_3(op(Op::Withdraw(w))),
            "operations[3].withdraw.fee: 0 bytes, expected 16"
        );
    }

    #[test]
    fn bad_deposit_amount_is_rejected() {
        let mut d = wire_deposit();
        d.amount = vec![1; 32];
        assert_eq!(
            reject_at_3(op(Op::Deposit(d))),
            "operations[3].deposit.amount: 32 bytes, expected 16"
        );
    }

    #[test]
    fn bad_withdraw_amount_is_rejected() {
        let mut w = wire_withdraw();
        w.amount = vec![1; 8];
        assert_eq!(
            reject_at_3(op(Op::Withdraw(w))),
            "operations[3].withdraw.amount: 8 bytes, expected 16"
        );
    }

    #[test]
    fn pubkey_with_wrong_limb_count_is_rejected() {
        for n in [0, 4, 6] {
            let mut d = wire_deposit();
            d.pubkey = vec![1; n];
            assert_eq!(
                reject_at_3(op(Op::Deposit(d))),
                format!("operations[3].deposit.pubkey: {n} limbs, expected 5")
            );
        }
    }

    #[test]
    fn non_canonical_pubkey_limb_is_rejected() {
        let mut d = wire_deposit();
        d.pubkey[4] = P;
        assert_eq!(
            reject_at_3(op(Op::Deposit(d))),
            "operations[3].deposit.pubkey: limb 4 is 0xffffffff00000001, not a canonical \
             Goldilocks element (must be below 2^64 - 2^32 + 1)"
        );
    }

    #[test]
    fn l1_address_of_wrong_length_is_rejected() {
        for len in [19, 21, 32] {
            let mut w = wire_withdraw();
            w.to_l1 = vec![0xee; len];
            assert_eq!(
                reject_at_3(op(Op::Withdraw(w))),
                format!("operations[3].withdraw.to_l1: {len} bytes, expected 20")
            );
        }
    }

    #[test]
    fn tokens_out_of_range_are_rejected() {
        let mut d = wire_deposit();
        d.token = MAX_TOKENS;
        assert_eq!(
            reject_at_3(op(Op::Deposit(d))),
            "operations[3].deposit.token: 1024 out of range (must be below 1024)"
        );
        let mut t = wire_transfer();
        t.token = u32::MAX;
        assert_eq!(
            reject_at_3(op(Op::Transfer(t))),
            "operations[3].transfer.token: 4294967295 out of range (must be below 1024)"
        );
        let mut w = wire_withdraw();
        w.token = 70_000;
        assert_eq!(
            reject_at_3(op(Op::Withdraw(w))),
            "operations[3].withdraw.token: 70000 out of range (must be below 1024)"
        );
    }

    #[test]
    fn operation_without_a_kind_is_rejected() {
        assert_eq!(
            reject_at_3(v1::Operation { op: None }),
            "operations[3].op: not set, expected one of deposit, transfer, withdraw"
        );
    }

    #[test]
    fn submission_names_the_bad_root() {
        let good = v1::SubmitBatchRequest::from(BatchSubmission {
            batch: Batch {
                number: 2,
                operator: 0,
                operations: vec![transfer()],
            },
            expected_old_root: root([1, 2, 3, 4]),
            claimed_new_root: root([5, 6, 7, 8]),
        });
        let mut bad = good.clone();
        bad.expected_old_root.pop();
        assert_eq!(
            BatchSubmission::try_from(bad).unwrap_err().to_string(),
            "expected_old_root: 31 bytes, expected 32"
        );
        let mut bad = good.clone();
        bad.claimed_new_root[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(
            BatchSubmission::try_from(bad).unwrap_err(),
            ConvertError::NonCanonical {
                field: "claimed_new_root".into(),
                index: 1,
                value: u64::MAX
            }
        );
        let mut bad = good;
        bad.operations.push(v1::Operation { op: None });
        let err = BatchSubmission::try_from(bad).unwrap_err();
        assert_eq!(err.field(), "operations[1].op");
    }
}
