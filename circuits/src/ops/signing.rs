//! What a wallet signs for an operation: the Poseidon hash of the operation's
//! fields, domain-separated per operation type and bound to the rollup's
//! chain id, so that a signature holds for one operation on one chain at one
//! nonce and nothing else.
//!
//! The fields, each below 2^32 and so one canonical Goldilocks element:
//!
//! ```text
//! transfer: [TRANSFER_DOMAIN, chain_lo, chain_hi, from, to, token, amount[4], fee[4], nonce]
//! withdraw: [WITHDRAW_DOMAIN, chain_lo, chain_hi, from, token, amount[4], fee[4], nonce, to_l1[5]]
//! ```
//!
//! `chain_lo`/`chain_hi` are the chain id's low and high 32 bits, amounts and
//! fees are four 32-bit limbs from the least significant, and `to_l1` is the
//! L1 address as five big-endian 32-bit words. The message signed is
//! `PoseidonHash::hash_no_pad(fields)`, four elements. Deposits are not
//! signed: L1 authorised them.

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;

use super::{Operation, Signature, Transfer, Withdraw};
use crate::ecgfp5::{self, PublicKey, SchnorrError, SecretKey};
use crate::state::PubKey;

type F = GoldilocksField;

/// The rollup's chain id, which every signature is bound to.
pub type ChainId = u64;

/// The chain id of the embedded defaults (the demo, local runs): "zkr" in ASCII. A deployment
/// sets its own.
pub const DEFAULT_CHAIN_ID: ChainId = 0x7a6b72;

/// First field of a transfer's message: "zkr" and the transfer's pubdata type (2).
pub const TRANSFER_DOMAIN: u64 = 0x7a6b_7202;
/// First field of a withdrawal's message: "zkr" and the withdrawal's pubdata type (3).
pub const WITHDRAW_DOMAIN: u64 = 0x7a6b_7203;

/// Why an operation's signature was not made or not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// Deposits carry no signature.
    #[error("a deposit is not signed: L1 authorised it")]
    Unsigned,
    /// The signature or the key is rejected.
    #[error(transparent)]
    Schnorr(#[from] SchnorrError),
}

fn limbs_u128(v: u128) -> [F; 4] {
    std::array::from_fn(|i| F::from_canonical_u64(((v >> (32 * i)) as u32).into()))
}

fn limbs_chain(chain_id: ChainId) -> [F; 2] {
    [
        F::from_canonical_u32(chain_id as u32),
        F::from_canonical_u32((chain_id >> 32) as u32),
    ]
}

/// The fields of a transfer's message (see the module documentation).
pub fn transfer_fields(t: &Transfer, chain_id: ChainId) -> Vec<F> {
    let mut f = vec![F::from_canonical_u64(TRANSFER_DOMAIN)];
    f.extend(limbs_chain(chain_id));
    f.extend([
        F::from_canonical_u32(t.from),
        F::from_canonical_u32(t.to),
        F::from_canonical_u16(t.token),
    ]);
    f.extend(limbs_u128(t.amount));
    f.extend(limbs_u128(t.fee));
    f.push(F::from_canonical_u32(t.nonce));
    f
}

/// The fields of a withdrawal's message (see the module documentation).
pub fn withdraw_fields(w: &Withdraw, chain_id: ChainId) -> Vec<F> {
    let mut f = vec![F::from_canonical_u64(WITHDRAW_DOMAIN)];
    f.extend(limbs_chain(chain_id));
    f.extend([
        F::from_canonical_u32(w.from),
        F::from_canonical_u16(w.token),
    ]);
    f.extend(limbs_u128(w.amount));
    f.extend(limbs_u128(w.fee));
    f.push(F::from_canonical_u32(w.nonce));
    f.extend(w.to_l1.chunks_exact(4).map(|word| {
        F::from_canonical_u32(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
    }));
    f
}

/// The four-element message a signature over `op` signs; `None` for a deposit.
pub fn message(op: &Operation, chain_id: ChainId) -> Option<[F; 4]> {
    let fields = match op {
        Operation::Deposit(_) => return None,
        Operation::Transfer(t) => transfer_fields(t, chain_id),
        Operation::Withdraw(w) => withdraw_fields(w, chain_id),
    };
    Some(PoseidonHash::hash_no_pad(&fields).elements)
}

/// Signs `op` with `key` for chain `chain_id`, replacing its signature.
pub fn sign(op: &mut Operation, key: &SecretKey, chain_id: ChainId) -> Result<(), SigningError> {
    let msg = message(op, chain_id).ok_or(SigningError::Unsigned)?;
    let signature = Signature(key.sign(&msg).to_bytes().to_vec());
    match op {
        Operation::Deposit(_) => return Err(SigningError::Unsigned),
        Operation::Transfer(t) => t.signature = signature,
        Operation::Withdraw(w) => w.signature = signature,
    }
    Ok(())
}

/// Checks that `op`'s signature is `pubkey`'s over `op` on chain `chain_id`.
pub fn verify(op: &Operation, pubkey: &PubKey, chain_id: ChainId) -> Result<(), SigningError> {
    let msg = message(op, chain_id).ok_or(SigningError::Unsigned)?;
    let signature = match op {
        Operation::Deposit(_) => return Err(SigningError::Unsigned),
        Operation::Transfer(t) => &t.signature,
        Operation::Withdraw(w) => &w.signature,
    };
    let key = PublicKey::from_pubkey(pubkey)?;
    let signature = ecgfp5::Signature::from_bytes(&signature.0)?;
    key.verify(&msg, &signature)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    const CHAIN: ChainId = 0x1_0000_0007;

    fn transfer() -> Operation {
        Operation::Transfer(Transfer {
            from: 3,
            to: 9,
            token: 1,
            amount: 5_000_000,
            fee: 20,
            nonce: 4,
            signature: Signature::default(),
        })
    }

    fn withdraw() -> Operation {
        Operation::Withdraw(Withdraw {
            from: 3,
            token: 1,
            amount: (1u128 << 100) + 7,
            fee: 20,
            nonce: 4,
            to_l1: [0xab; 20],
            signature: Signature::default(),
        })
    }

    fn signed(mut op: Operation, key: &SecretKey) -> Operation {
        sign(&mut op, key, CHAIN).expect("a transfer or withdrawal signs");
        op
    }

    /// A named change to one field of an operation.
    type Edit<T> = (&'static str, fn(&mut T));

    /// `op` with one signed field changed, for each such field.
    fn tampered(op: &Operation) -> Vec<(&'static str, Operation)> {
        let mut out = Vec::new();
        match op {
            Operation::Transfer(t) => {
                let edits: [Edit<Transfer>; 6] = [
                    ("amount", |t| t.amount += 1),
                    ("recipient", |t| t.to += 1),
                    ("fee", |t| t.fee += 1),
                    ("nonce", |t| t.nonce += 1),
                    ("token", |t| t.token += 1),
                    ("sender", |t| t.from += 1),
                ];
                for (what, edit) in edits {
                    let mut t = t.clone();
                    edit(&mut t);
                    out.push((what, Operation::Transfer(t)));
                }
            }
            Operation::Withdraw(w) => {
                let edits: [Edit<Withdraw>; 6] = [
                    ("amount", |w| w.amount += 1 << 64),
                    ("L1 recipient", |w| w.to_l1[19] ^= 1),
                    ("fee", |w| w.fee += 1),
                    ("nonce", |w| w.nonce += 1),
                    ("token", |w| w.token += 1),
                    ("sender", |w| w.from += 1),
                ];
                for (what, edit) in edits {
                    let mut w = w.clone();
                    edit(&mut w);
                    out.push((what, Operation::Withdraw(w)));
                }
            }
            Operation::Deposit(_) => {}
        }
        out
    }

    #[test]
    fn signed_transfers_and_withdrawals_verify_under_the_signers_key_and_chain() {
        let key = SecretKey::random(&mut ChaCha20Rng::seed_from_u64(1));
        let pk = key.public_key().to_pubkey();
        for op in [transfer(), withdraw()] {
            let op = signed(op, &key);
            assert_eq!(
                verify(&op, &pk, CHAIN),
                Ok(()),
                "{} signed, then verified",
                op.kind()
            );
        }
    }

    #[test]
    fn a_signature_does_not_carry_over_to_changed_fields_another_chain_key_or_operation_type() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let key = SecretKey::random(&mut rng);
        let pk = key.public_key().to_pubkey();
        let other = SecretKey::random(&mut rng).public_key().to_pubkey();
        let rejected = SigningError::Schnorr(SchnorrError::InvalidSignature);
        for op in [signed(transfer(), &key), signed(withdraw(), &key)] {
            for (what, changed) in tampered(&op) {
                assert_eq!(
                    verify(&changed, &pk, CHAIN),
                    Err(rejected.clone()),
                    "{} with its {what} changed after signing",
                    op.kind()
                );
            }
            assert_eq!(
                verify(&op, &pk, CHAIN + 1),
                Err(rejected.clone()),
                "{} checked for another chain",
                op.kind()
            );
            assert_eq!(
                verify(&op, &other, CHAIN),
                Err(rejected.clone()),
                "{} checked against another key",
                op.kind()
            );
        }
        // The same fields as a transfer and as a withdrawal hash apart (domains).
        let t = transfer_fields(
            match &transfer() {
                Operation::Transfer(t) => t,
                _ => unreachable!("a transfer"),
            },
            CHAIN,
        );
        let w = withdraw_fields(
            match &withdraw() {
                Operation::Withdraw(w) => w,
                _ => unreachable!("a withdrawal"),
            },
            CHAIN,
        );
        assert_ne!(t[0], w[0], "transfer and withdrawal domains differ");
    }

    #[test]
    fn deposits_are_not_signed_and_a_malformed_signature_or_key_is_named() {
        let key = SecretKey::random(&mut ChaCha20Rng::seed_from_u64(3));
        let pk = key.public_key().to_pubkey();
        let mut deposit = Operation::Deposit(super::super::Deposit {
            account: 1,
            pubkey: pk,
            token: 0,
            amount: 1,
            priority_index: 0,
        });
        assert_eq!(sign(&mut deposit, &key, CHAIN), Err(SigningError::Unsigned));
        assert_eq!(verify(&deposit, &pk, CHAIN), Err(SigningError::Unsigned));

        let mut op = signed(transfer(), &key);
        if let Operation::Transfer(t) = &mut op {
            t.signature.0.truncate(79);
        }
        assert!(
            matches!(
                verify(&op, &pk, CHAIN),
                Err(SigningError::Schnorr(SchnorrError::WrongLength { .. }))
            ),
            "a 79-byte signature: expected a length error"
        );
        let op = signed(transfer(), &key);
        let mut off_range = pk;
        off_range.0[2] = u64::MAX;
        assert!(
            matches!(
                verify(&op, &off_range, CHAIN),
                Err(SigningError::Schnorr(SchnorrError::BadKeyEncoding(_)))
            ),
            "a key limb of 2^64 - 1: expected a key encoding error"
        );
    }
}
