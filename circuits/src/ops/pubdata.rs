//! Pubdata: the canonical byte encoding of a batch's state diff that L1 receives,
//! and whose SHA-256 is the batch commitment.
//!
//! A batch's pubdata is a 4-byte header followed by `capacity` chunks of
//! [`CHUNK_BYTES`] bytes. Every operation starts on a chunk boundary with its type
//! byte and takes a fixed number of chunks; unused chunks are no-ops (all zero).
//! Integers are big-endian; unused bytes at the end of an operation are zero.
//!
//! | bytes | header |
//! |---|---|
//! | 0..4 | operator account id (credited with the batch's fees) |
//!
//! | op (type, chunks) | bytes of the operation |
//! |---|---|
//! | no-op (0, 1) | `0..24` zero |
//! | deposit (1, 3) | `0` type, `1..3` token, `3` zero, `4..8` account, `8..24` amount (16 bytes), `24..32` L1 priority index, `32..72` public key (5 × 8 bytes) |
//! | transfer (2, 1) | `0` type, `1..3` token, `3` zero, `4..8` from, `8..12` to, `12..17` amount (packed: 35-bit mantissa, 5-bit exponent), `17..19` fee (packed: 11-bit mantissa, 5-bit exponent), `19..24` zero |
//! | withdraw (3, 2) | `0` type, `1..3` token, `3` zero, `4..8` account, `8..24` amount (16 bytes), `24..26` fee (packed), `26..28` zero, `28..48` L1 recipient address |
//!
//! Every 32-bit field sits in one big-endian 32-bit word, which keeps the
//! circuit's assembly of SHA-256 message words cheap.
//!
//! Nonces are not published: each signed operation raises its sender's nonce by
//! one, so they follow from the operation order.

use super::{pack_amount, pack_fee, Batch, Operation, AMOUNT_PACKING, FEE_PACKING};
use crate::state::AccountId;

/// Bytes per pubdata chunk.
pub const CHUNK_BYTES: usize = 24;
/// Bytes of the batch header.
pub const HEADER_BYTES: usize = 4;
/// Chunks of a deposit.
pub const DEPOSIT_CHUNKS: usize = 3;
/// Chunks of a transfer.
pub const TRANSFER_CHUNKS: usize = 1;
/// Chunks of a withdrawal.
pub const WITHDRAW_CHUNKS: usize = 2;

/// Type byte of each operation.
pub mod op_type {
    /// Padding chunk.
    pub const NOOP: u8 = 0;
    /// L1 deposit.
    pub const DEPOSIT: u8 = 1;
    /// L2 transfer.
    pub const TRANSFER: u8 = 2;
    /// Withdrawal to L1.
    pub const WITHDRAW: u8 = 3;
}

/// Pubdata length of a batch circuit of `capacity` chunks.
pub const fn pubdata_len(capacity: usize) -> usize {
    HEADER_BYTES + capacity * CHUNK_BYTES
}

/// Why an operation has no pubdata encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A transfer amount has no exact packed form.
    #[error("amount {0} is not representable as mantissa (35 bits) x 10^exponent")]
    AmountNotPackable(u128),
    /// A fee has no exact packed form.
    #[error("fee {0} is not representable as mantissa (11 bits) x 10^exponent")]
    FeeNotPackable(u128),
    /// The operations take more chunks than the circuit has.
    #[error("the operations take {chunks} pubdata chunks, the circuit has {capacity}")]
    OverCapacity {
        /// Chunks the operations take.
        chunks: usize,
        /// Chunks of the circuit.
        capacity: usize,
    },
}

/// Encodes one operation into its chunks.
pub fn encode_op(op: &Operation) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![0u8; op.chunks() * CHUNK_BYTES];
    match op {
        Operation::Deposit(d) => {
            out[0] = op_type::DEPOSIT;
            out[1..3].copy_from_slice(&d.token.to_be_bytes());
            out[4..8].copy_from_slice(&d.account.to_be_bytes());
            out[8..24].copy_from_slice(&d.amount.to_be_bytes());
            out[24..32].copy_from_slice(&d.priority_index.to_be_bytes());
            out[32..72].copy_from_slice(&d.pubkey.to_bytes());
        }
        Operation::Transfer(t) => {
            let amount = pack_amount(t.amount).ok_or(EncodeError::AmountNotPackable(t.amount))?;
            let fee = pack_fee(t.fee).ok_or(EncodeError::FeeNotPackable(t.fee))?;
            out[0] = op_type::TRANSFER;
            out[1..3].copy_from_slice(&t.token.to_be_bytes());
            out[4..8].copy_from_slice(&t.from.to_be_bytes());
            out[8..12].copy_from_slice(&t.to.to_be_bytes());
            out[12..17].copy_from_slice(&amount.to_bytes(AMOUNT_PACKING));
            out[17..19].copy_from_slice(&fee.to_bytes(FEE_PACKING));
        }
        Operation::Withdraw(w) => {
            let fee = pack_fee(w.fee).ok_or(EncodeError::FeeNotPackable(w.fee))?;
            out[0] = op_type::WITHDRAW;
            out[1..3].copy_from_slice(&w.token.to_be_bytes());
            out[4..8].copy_from_slice(&w.from.to_be_bytes());
            out[8..24].copy_from_slice(&w.amount.to_be_bytes());
            out[24..26].copy_from_slice(&fee.to_bytes(FEE_PACKING));
            out[28..48].copy_from_slice(&w.to_l1);
        }
    }
    Ok(out)
}

/// Assembles a batch's pubdata from already-encoded operations, padded with no-ops.
pub fn assemble(operator: AccountId, encoded_ops: &[Vec<u8>], capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(pubdata_len(capacity));
    out.extend_from_slice(&operator.to_be_bytes());
    for op in encoded_ops {
        out.extend_from_slice(op);
    }
    out.resize(pubdata_len(capacity), 0);
    out
}

/// The pubdata of `batch` for a circuit of `capacity` chunks: what the
/// executor produces for it, from the operations alone.
pub fn batch_pubdata(batch: &Batch, capacity: usize) -> Result<Vec<u8>, EncodeError> {
    let chunks = batch.chunks();
    if chunks > capacity {
        return Err(EncodeError::OverCapacity { chunks, capacity });
    }
    let encoded = batch
        .operations
        .iter()
        .map(encode_op)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(batch.operator, &encoded, capacity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::apply;
    use crate::ops::signing::DEFAULT_CHAIN_ID as CHAIN;
    use crate::state::MemoryBackend;
    use crate::workload::{genesis_accounts_for_capacity, genesis_batch, random_batch};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn batch_pubdata_is_the_executors_pubdata() {
        let capacity = 16;
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut backend = MemoryBackend::new();
        let mut batch =
            genesis_batch(genesis_accounts_for_capacity(capacity), 4, &mut rng).unwrap();
        for number in 1..=4 {
            if number > 1 {
                batch = random_batch(&backend, number, 0, capacity, CHAIN, &mut rng).unwrap();
            }
            let exec = apply(&mut backend, &batch, capacity, CHAIN).unwrap();
            assert_eq!(
                batch_pubdata(&batch, capacity).unwrap(),
                exec.pubdata,
                "pubdata of batch {number}"
            );
        }
    }

    #[test]
    fn batch_over_capacity_has_no_pubdata() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let batch = genesis_batch(3, 1, &mut rng).unwrap();
        assert_eq!(
            batch_pubdata(&batch, 9),
            Err(EncodeError::OverCapacity {
                chunks: 12,
                capacity: 9
            })
        );
    }
}
