//! Schnorr signatures over EcGFp5 with a Poseidon challenge.
//!
//! Notation: `G` is [`Point::GENERATOR`], n the group order, `F` the
//! Goldilocks field, and `enc(P)` the five canonical limbs of a point's
//! encoding.
//!
//! * Secret key: a scalar `sk` in `[1, n)`. Public key: `PK = sk G`,
//!   published as `enc(PK)` (the project's `PubKey`).
//! * Message: a slice `m` of Goldilocks elements (callers hash their fields).
//! * Challenge: with `input = enc(R) || enc(PK) || [len(m)] || m` (11 + len(m)
//!   elements), `h = hash_n_to_m_no_pad::<F, PoseidonPermutation<F>>(input, 5)`,
//!   i.e. plonky2's Poseidon sponge (overwrite mode, rate 8, no padding)
//!   squeezed for five elements; the first four equal
//!   `PoseidonHash::hash_no_pad` of the same input. The length element keeps
//!   messages of different lengths apart, which the unpadded sponge alone
//!   does not. Then `e = (h_0 + h_1 2^64 + ... + h_4 2^256) mod n`.
//!   Because every point has order dividing n, a verifier (in a circuit, say)
//!   may equally multiply by the unreduced 320-bit integer.
//! * Signing: `k = nonce(sk, m)` (see below), `R = k G`, `s = k + e sk mod n`;
//!   the signature is `(enc(R), s)`.
//! * Verification: `s G - e PK` must encode to `enc(R)` (equivalently,
//!   `s G = R + e PK` with R decoded).
//! * Nonce (deterministic, in the spirit of RFC 6979): with
//!   `key = sk.to_bytes()` (40 bytes little-endian) and
//!   `msg = m` as 8-byte little-endian canonical limbs,
//!   `k = (H(0) || H(1)) mod n` read as a 64-byte little-endian integer, where
//!   `H(j) = HMAC-SHA256(key, "zkr/ecgfp5-schnorr/nonce/v1" || ctr as u32 LE || j as u8 || msg)`
//!   and `ctr` starts at 0 and only increments in the (negligible) event that
//!   `k = 0`. 512 bits reduced mod n leave a bias of about 2^-190.
//! * Signature bytes (80): `enc(R)` as five big-endian u64 (as
//!   `PubKey::to_bytes`), then `s` as 40 bytes little-endian
//!   ([`Scalar::to_bytes`]).

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hashing::hash_n_to_m_no_pad;
use plonky2::hash::poseidon::PoseidonPermutation;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256, Sha512};

use super::curve::Point;
use super::field::Gfp5;
use super::scalar::Scalar;
use crate::state::PubKey;

type F = GoldilocksField;

/// Domain tag of the nonce derivation.
const NONCE_DOMAIN: &[u8] = b"zkr/ecgfp5-schnorr/nonce/v1";
/// Domain tag of the seed-to-key derivation.
const SEED_DOMAIN: &[u8] = b"zkr/ecgfp5-schnorr/seed/v1";

/// Why a key or signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchnorrError {
    /// The public key is not the encoding of a non-neutral group element.
    #[error("bad public key encoding: {0}")]
    BadKeyEncoding(&'static str),
    /// The signature's R is not the encoding of a group element.
    #[error("bad signature R encoding: {0}")]
    BadREncoding(&'static str),
    /// A scalar (signature s, or a secret key) is outside its range.
    #[error("scalar out of range: {0}")]
    ScalarOutOfRange(&'static str),
    /// Everything decodes, but the verification equation does not hold.
    #[error("signature does not verify")]
    InvalidSignature,
    /// An encoding had the wrong number of bytes.
    #[error("wrong length: expected {expected} bytes, got {got}")]
    WrongLength {
        /// The required length.
        expected: usize,
        /// The length given.
        got: usize,
    },
}

/// HMAC-SHA256 (RFC 2104) of the concatenation of `parts` under `key`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The five Poseidon outputs `h` behind the challenge (see the module docs);
/// an in-circuit verifier recomputes exactly these.
pub fn challenge_hash(r: &Gfp5, pk: &Gfp5, msg: &[F]) -> [F; 5] {
    let mut input = Vec::with_capacity(11 + msg.len());
    input.extend_from_slice(&r.to_elements());
    input.extend_from_slice(&pk.to_elements());
    input.push(F::from_canonical_usize(msg.len()));
    input.extend_from_slice(msg);
    let out = hash_n_to_m_no_pad::<F, PoseidonPermutation<F>>(&input, 5);
    core::array::from_fn(|i| out[i])
}

/// The challenge scalar `e = (sum h_i 2^(64 i)) mod n`.
pub fn challenge(r: &Gfp5, pk: &Gfp5, msg: &[F]) -> Scalar {
    let h = challenge_hash(r, pk, msg);
    Scalar::from_limbs_reduce(&h.map(|x| x.to_canonical_u64()))
}

/// The deterministic signing nonce (see the module docs); never zero.
fn nonce(sk: &Scalar, msg: &[F]) -> Scalar {
    let key = sk.to_bytes();
    let msg_bytes: Vec<u8> = msg
        .iter()
        .flat_map(|x| x.to_canonical_u64().to_le_bytes())
        .collect();
    let mut ctr: u32 = 0;
    loop {
        let mut wide = [0u8; 64];
        for (j, out) in wide.chunks_mut(32).enumerate() {
            let h = hmac_sha256(
                &key,
                &[NONCE_DOMAIN, &ctr.to_le_bytes(), &[j as u8], &msg_bytes],
            );
            out.copy_from_slice(&h);
        }
        let k = Scalar::from_bytes_reduce(&wide);
        if !k.is_zero() {
            return k;
        }
        ctr = ctr.wrapping_add(1);
    }
}

/// A public key: a non-neutral group element, with its encoding cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey {
    point: Point,
    w: Gfp5,
}

impl PublicKey {
    /// Wrap a point; the neutral is rejected (it encodes as the "no key" marker).
    pub fn from_point(point: Point) -> Result<PublicKey, SchnorrError> {
        if point.is_neutral() {
            return Err(SchnorrError::BadKeyEncoding(
                "the neutral element is not a key",
            ));
        }
        Ok(PublicKey {
            point,
            w: point.encode(),
        })
    }

    /// Decode from five Goldilocks limbs (the form of `PubKey`).
    pub fn from_limbs(limbs: &[u64; 5]) -> Result<PublicKey, SchnorrError> {
        let w = Gfp5::from_limbs_canonical(limbs)
            .ok_or(SchnorrError::BadKeyEncoding("limb not below p"))?;
        if w.is_zero() {
            return Err(SchnorrError::BadKeyEncoding(
                "the neutral element is not a key",
            ));
        }
        let point =
            Point::decode(&w).ok_or(SchnorrError::BadKeyEncoding("not a curve point encoding"))?;
        Ok(PublicKey { point, w })
    }

    /// Decode the project's account key type.
    pub fn from_pubkey(pk: &PubKey) -> Result<PublicKey, SchnorrError> {
        PublicKey::from_limbs(&pk.0)
    }

    /// The encoding as five canonical Goldilocks limbs.
    pub fn to_limbs(&self) -> [u64; 5] {
        self.w.to_limbs()
    }

    /// The encoding as the project's account key type.
    pub fn to_pubkey(&self) -> PubKey {
        PubKey(self.to_limbs())
    }

    /// The encoding as a field element.
    pub fn encoding(&self) -> Gfp5 {
        self.w
    }

    /// The group element.
    pub fn point(&self) -> Point {
        self.point
    }

    /// Verify `sig` on `msg` under this key.
    pub fn verify(&self, msg: &[F], sig: &Signature) -> Result<(), SchnorrError> {
        // Signing never makes R the neutral (the nonce is not zero), and the circuit cannot
        // accept it (its check is enc(R) u_num = u_den), so neither does this.
        if sig.r.is_zero() {
            return Err(SchnorrError::BadREncoding("R is the neutral point"));
        }
        let e = challenge(&sig.r, &self.w, msg);
        // s G - e PK is R exactly when the signature is valid; comparing
        // encodings avoids decoding R (a square root) on the success path.
        let r = Point::mulgen(&sig.s) - self.point.mul(&e);
        if r.encode() == sig.r {
            return Ok(());
        }
        if Point::decode(&sig.r).is_none() {
            return Err(SchnorrError::BadREncoding("not a curve point encoding"));
        }
        Err(SchnorrError::InvalidSignature)
    }
}

/// A secret key: a scalar in `[1, n)`, with its public key cached.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey {
    sk: Scalar,
    pk: PublicKey,
}

impl SecretKey {
    /// Wrap a scalar; `None` for zero.
    pub fn from_scalar(sk: Scalar) -> Option<SecretKey> {
        let pk = PublicKey::from_point(Point::mulgen(&sk)).ok()?;
        Some(SecretKey { sk, pk })
    }

    /// Derive a key from seed bytes.
    ///
    /// The key is `SHA-512("zkr/ecgfp5-schnorr/seed/v1" || ctr as u32 LE || seed) mod n`
    /// (the digest read little-endian), with `ctr` from 0 upwards until the
    /// result is non-zero.
    pub fn from_seed(seed: &[u8]) -> SecretKey {
        let mut ctr: u32 = 0;
        loop {
            let mut h = Sha512::new();
            h.update(SEED_DOMAIN);
            h.update(ctr.to_le_bytes());
            h.update(seed);
            let s = Scalar::from_bytes_reduce(&h.finalize());
            if let Some(k) = SecretKey::from_scalar(s) {
                return k;
            }
            ctr = ctr.wrapping_add(1);
        }
    }

    /// A fresh random key.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> SecretKey {
        loop {
            if let Some(k) = SecretKey::from_scalar(Scalar::random(rng)) {
                return k;
            }
        }
    }

    /// Decode the 40-byte little-endian encoding; rejects zero and values >= n.
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, SchnorrError> {
        let arr: &[u8; 40] = bytes.try_into().map_err(|_| SchnorrError::WrongLength {
            expected: Scalar::BYTES,
            got: bytes.len(),
        })?;
        let s = Scalar::from_bytes(arr)
            .ok_or(SchnorrError::ScalarOutOfRange("secret key not below n"))?;
        SecretKey::from_scalar(s).ok_or(SchnorrError::ScalarOutOfRange("secret key is zero"))
    }

    /// The 40-byte little-endian encoding.
    pub fn to_bytes(&self) -> [u8; 40] {
        self.sk.to_bytes()
    }

    /// The secret scalar.
    pub fn scalar(&self) -> Scalar {
        self.sk
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.pk
    }

    /// Sign `msg` (deterministic: the same key and message give the same signature).
    pub fn sign(&self, msg: &[F]) -> Signature {
        let k = nonce(&self.sk, msg);
        let r = Point::mulgen(&k).encode();
        let e = challenge(&r, &self.pk.w, msg);
        Signature {
            r,
            s: k + e * self.sk,
        }
    }
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print the secret itself.
        write!(f, "SecretKey(pk = {:?})", self.pk.to_limbs())
    }
}

/// A signature: the encoding of R and the scalar s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    r: Gfp5,
    s: Scalar,
}

impl Signature {
    /// Length of the byte encoding.
    pub const BYTES: usize = 80;

    /// Assemble from parts (no validation beyond what the types guarantee).
    pub fn new(r: Gfp5, s: Scalar) -> Signature {
        Signature { r, s }
    }

    /// The encoding of R.
    pub fn r(&self) -> Gfp5 {
        self.r
    }

    /// The scalar s.
    pub fn s(&self) -> Scalar {
        self.s
    }

    /// The 80-byte encoding: R's limbs big-endian, then s little-endian.
    pub fn to_bytes(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        for (i, l) in self.r.to_limbs().iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&l.to_be_bytes());
        }
        out[40..].copy_from_slice(&self.s.to_bytes());
        out
    }

    /// Decode the 80-byte encoding, rejecting a limb of R >= p or s >= n.
    ///
    /// Whether R is a curve point is checked by verification, not here.
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, SchnorrError> {
        if bytes.len() != Self::BYTES {
            return Err(SchnorrError::WrongLength {
                expected: Self::BYTES,
                got: bytes.len(),
            });
        }
        let mut rb = [0u8; 40];
        rb.copy_from_slice(&bytes[..40]);
        let r = Gfp5::from_limbs_canonical(&PubKey::from_bytes(&rb).0)
            .ok_or(SchnorrError::BadREncoding("limb not below p"))?;
        let mut sb = [0u8; 40];
        sb.copy_from_slice(&bytes[40..]);
        let s = Scalar::from_bytes(&sb).ok_or(SchnorrError::ScalarOutOfRange("s not below n"))?;
        Ok(Signature { r, s })
    }
}

/// Verify an encoded signature on `msg` under an encoded public key.
pub fn verify(pubkey: &[u64; 5], msg: &[F], sig: &[u8]) -> Result<(), SchnorrError> {
    let pk = PublicKey::from_limbs(pubkey)?;
    let sig = Signature::from_bytes(sig)?;
    pk.verify(msg, &sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::hash::poseidon::PoseidonHash;
    use plonky2::plonk::config::Hasher;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::super::field::P;

    fn msg(vals: &[u64]) -> Vec<F> {
        vals.iter().map(|&v| F::from_canonical_u64(v)).collect()
    }

    fn key(seed: &str) -> SecretKey {
        SecretKey::from_seed(seed.as_bytes())
    }

    fn hex32(s: &str) -> [u8; 32] {
        let v = hex::decode(s).expect("hex literal");
        v.try_into().expect("32 bytes")
    }

    /// RFC 4231 test cases 1, 2 and 6 (HMAC-SHA-256 rows).
    #[test]
    fn hmac_sha256_matches_rfc4231_test_cases() {
        let case1 = hmac_sha256(&[0x0b; 20], &[b"Hi There"]);
        assert_eq!(
            case1,
            hex32("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            "RFC 4231 case 1"
        );
        let case2 = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            case2,
            hex32("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            "RFC 4231 case 2 (data split in two parts)"
        );
        let case6 = hmac_sha256(
            &[0xaa; 131],
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            case6,
            hex32("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            "RFC 4231 case 6 (key longer than a block)"
        );
    }

    #[test]
    fn signatures_verify_under_their_key() {
        let sk = key("alice");
        let pk = sk.public_key();
        for m in [msg(&[]), msg(&[1]), msg(&[1, 2, 3, 4]), msg(&[P - 1; 13])] {
            let sig = sk.sign(&m);
            assert_eq!(
                pk.verify(&m, &sig),
                Ok(()),
                "signature on {m:?} should verify"
            );
            assert_eq!(
                verify(&pk.to_limbs(), &m, &sig.to_bytes()),
                Ok(()),
                "encoded signature on {m:?} should verify"
            );
        }
    }

    #[test]
    fn signing_is_deterministic() {
        let sk = key("alice");
        let m = msg(&[7, 8, 9]);
        let a = sk.sign(&m);
        let b = key("alice").sign(&m);
        assert_eq!(a, b, "same key and message should give the same signature");
        let c = sk.sign(&msg(&[7, 8, 10]));
        assert_ne!(
            a.r(),
            c.r(),
            "a different message should get a different nonce"
        );
    }

    #[test]
    fn signature_bytes_round_trip_with_big_endian_r_limbs() {
        let sig = key("alice").sign(&msg(&[42]));
        let bytes = sig.to_bytes();
        assert_eq!(
            Signature::from_bytes(&bytes),
            Ok(sig),
            "decoding the encoding should give the signature back"
        );
        assert_eq!(
            bytes[..40],
            PubKey(sig.r().to_limbs()).to_bytes(),
            "R bytes should follow PubKey::to_bytes"
        );
        assert_eq!(
            bytes[40..],
            sig.s().to_bytes(),
            "s bytes should follow Scalar::to_bytes"
        );
    }

    #[test]
    fn signature_by_another_key_is_rejected() {
        let m = msg(&[1, 2, 3]);
        let sig = key("mallory").sign(&m);
        assert_eq!(
            key("alice").public_key().verify(&m, &sig),
            Err(SchnorrError::InvalidSignature),
            "another key's signature should not verify"
        );
    }

    #[test]
    fn message_changed_in_one_element_or_length_is_rejected() {
        let sk = key("alice");
        let pk = sk.public_key();
        let m = msg(&[10, 20, 30, 40]);
        let sig = sk.sign(&m);
        for i in 0..m.len() {
            let mut m2 = m.clone();
            m2[i] += F::ONE;
            assert_eq!(
                pk.verify(&m2, &sig),
                Err(SchnorrError::InvalidSignature),
                "changing element {i} should break the signature"
            );
        }
        let mut longer = m.clone();
        longer.push(F::ZERO);
        assert_eq!(
            pk.verify(&longer, &sig),
            Err(SchnorrError::InvalidSignature),
            "appending an element should break the signature"
        );
        assert_eq!(
            pk.verify(&m[..3], &sig),
            Err(SchnorrError::InvalidSignature),
            "dropping an element should break the signature"
        );
    }

    #[test]
    fn altered_r_or_s_is_rejected() {
        let sk = key("alice");
        let pk = sk.public_key();
        let m = msg(&[5]);
        let sig = sk.sign(&m);

        let other_r = Point::mulgen(&Scalar::from_u64(12345)).encode();
        assert_eq!(
            pk.verify(&m, &Signature::new(other_r, sig.s())),
            Err(SchnorrError::InvalidSignature),
            "R replaced by another point should not verify"
        );
        let s1 = sig.s() + Scalar::ONE;
        assert_eq!(
            pk.verify(&m, &Signature::new(sig.r(), s1)),
            Err(SchnorrError::InvalidSignature),
            "s + 1 should not verify"
        );

        // A field element that is not a point encoding.
        let mut not_point = sig.r();
        let mut bump = 0u64;
        while Point::decode(&not_point).is_some() {
            bump += 1;
            not_point = sig.r() + Gfp5::from_limbs_reduce(&[bump, 0, 0, 0, 0]);
        }
        assert_eq!(
            pk.verify(&m, &Signature::new(not_point, sig.s())),
            Err(SchnorrError::BadREncoding("not a curve point encoding")),
            "R off the curve should be reported as a bad encoding"
        );

        // s = e sk makes s G - e PK the neutral: the equation holds with R = N (encoding 0),
        // yet such a signature is refused, as in the circuit.
        let e = challenge(&Gfp5::ZERO, &pk.encoding(), &m);
        let forged = Signature::new(Gfp5::ZERO, e * sk.scalar());
        assert_eq!(
            pk.verify(&m, &forged),
            Err(SchnorrError::BadREncoding("R is the neutral point")),
            "a neutral R should be refused even when the equation holds"
        );

        let mut bytes = sig.to_bytes();
        bytes[..8].copy_from_slice(&P.to_be_bytes());
        assert_eq!(
            Signature::from_bytes(&bytes),
            Err(SchnorrError::BadREncoding("limb not below p")),
            "an R limb >= p should be rejected when decoding"
        );
    }

    #[test]
    fn s_at_or_above_n_is_rejected() {
        let sig = key("alice").sign(&msg(&[5]));
        let n_bytes: Vec<u8> = Scalar::MODULUS
            .iter()
            .flat_map(|l| l.to_le_bytes())
            .collect();
        for s_bytes in [n_bytes, vec![0xFF; 40]] {
            let mut bytes = sig.to_bytes();
            bytes[40..].copy_from_slice(&s_bytes);
            assert_eq!(
                Signature::from_bytes(&bytes),
                Err(SchnorrError::ScalarOutOfRange("s not below n")),
                "s = {s_bytes:x?} should be rejected"
            );
        }
    }

    #[test]
    fn wrong_signature_length_is_rejected() {
        let bytes = key("alice").sign(&msg(&[5])).to_bytes();
        for len in [0, 79, 81] {
            let mut v = bytes.to_vec();
            v.resize(len, 0);
            assert_eq!(
                Signature::from_bytes(&v),
                Err(SchnorrError::WrongLength {
                    expected: 80,
                    got: len
                }),
                "length {len} should be rejected"
            );
        }
    }

    #[test]
    fn pubkey_with_a_limb_at_or_above_p_is_rejected() {
        let sk = key("alice");
        let m = msg(&[5]);
        let sig = sk.sign(&m).to_bytes();
        let good = sk.public_key().to_limbs();
        for pos in 0..5 {
            let mut limbs = good;
            limbs[pos] = P;
            assert_eq!(
                verify(&limbs, &m, &sig),
                Err(SchnorrError::BadKeyEncoding("limb not below p")),
                "pubkey limb {pos} = p should be rejected"
            );
        }
    }

    #[test]
    fn pubkey_not_on_the_curve_is_rejected() {
        // bww[0] from github.com/pornin/ecgfp5, rust/src/curve.rs, test
        // `ecgfp5_ops`: a field element that is not a point encoding.
        let off_curve = [
            13557832913345268708,
            15669280705791538619,
            8534654657267986396,
            12533218303838131749,
            5058070698878426028,
        ];
        let m = msg(&[5]);
        let sig = key("alice").sign(&m).to_bytes();
        assert_eq!(
            verify(&off_curve, &m, &sig),
            Err(SchnorrError::BadKeyEncoding("not a curve point encoding")),
            "an off-curve pubkey should be rejected"
        );
    }

    #[test]
    fn neutral_pubkey_is_rejected() {
        let m = msg(&[5]);
        let sig = key("alice").sign(&m).to_bytes();
        let err = SchnorrError::BadKeyEncoding("the neutral element is not a key");
        assert_eq!(
            verify(&[0; 5], &m, &sig),
            Err(err.clone()),
            "all-zero key should be rejected"
        );
        assert_eq!(
            PublicKey::from_pubkey(&PubKey::NONE),
            Err(err),
            "PubKey::NONE should be rejected"
        );
        assert_eq!(
            PublicKey::from_point(Point::NEUTRAL),
            Err(SchnorrError::BadKeyEncoding(
                "the neutral element is not a key"
            )),
            "the neutral point should be rejected"
        );
    }

    #[test]
    fn secret_keys_from_seed_rng_and_bytes_behave() {
        let a = key("alice");
        assert_eq!(a, key("alice"), "the same seed should give the same key");
        assert_ne!(a, key("bob"), "different seeds should give different keys");
        assert!(!a.scalar().is_zero(), "a key is never zero");
        assert_eq!(
            SecretKey::from_bytes(&a.to_bytes()),
            Ok(a.clone()),
            "secret key bytes should round-trip"
        );
        assert_eq!(
            SecretKey::from_bytes(&[0; 40]),
            Err(SchnorrError::ScalarOutOfRange("secret key is zero")),
            "zero should be rejected"
        );
        assert_eq!(
            SecretKey::from_bytes(&[0xFF; 40]),
            Err(SchnorrError::ScalarOutOfRange("secret key not below n")),
            "a value >= n should be rejected"
        );
        assert_eq!(
            SecretKey::from_bytes(&[1; 39]),
            Err(SchnorrError::WrongLength {
                expected: 40,
                got: 39
            }),
            "39 bytes should be rejected"
        );
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let r1 = SecretKey::random(&mut rng);
        let r2 = SecretKey::random(&mut rng);
        assert_ne!(r1, r2, "two random keys should differ");
        let pk = a.public_key();
        assert_eq!(pk.point(), Point::mulgen(&a.scalar()), "PK should be sk G");
        assert_eq!(
            pk.to_pubkey().0,
            pk.to_limbs(),
            "PubKey should carry the limbs"
        );
        assert!(
            pk.to_pubkey().is_canonical(),
            "PubKey limbs should be canonical"
        );
        assert!(
            !pk.to_pubkey().is_none(),
            "a real key is never the NONE marker"
        );
        assert_eq!(
            PublicKey::from_pubkey(&pk.to_pubkey()),
            Ok(pk),
            "PubKey should decode back to the key"
        );
        assert!(
            !format!("{a:?}").contains(&format!("{:?}", a.scalar())),
            "Debug must hide sk"
        );
    }

    #[test]
    fn challenge_is_the_poseidon_sponge_over_r_pk_length_and_message() {
        let sk = key("alice");
        let m = msg(&[3, 1, 4, 1, 5]);
        let sig = sk.sign(&m);
        let pk = sk.public_key().encoding();
        let mut input = sig.r().to_elements().to_vec();
        input.extend_from_slice(&pk.to_elements());
        input.push(F::from_canonical_u64(5));
        input.extend_from_slice(&m);
        let h = challenge_hash(&sig.r(), &pk, &m);
        assert_eq!(
            h[..4],
            PoseidonHash::hash_no_pad(&input).elements,
            "the first four challenge elements should equal PoseidonHash::hash_no_pad"
        );
        // s G = R + e PK with e from the five elements, reduced or not.
        let e = challenge(&sig.r(), &pk, &m);
        let limbs = h.map(|x| x.to_canonical_u64());
        assert_eq!(e, Scalar::from_limbs_reduce(&limbs), "e should be h mod n");
        let r = Point::decode(&sig.r()).expect("R decodes");
        assert_eq!(
            Point::mulgen(&sig.s()),
            r + sk.public_key().point().mul(&e),
            "s G should equal R + e PK"
        );
    }
}
