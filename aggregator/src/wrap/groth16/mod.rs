//! Groth16 over BN254 for the wrap circuit: setup (development only), proving,
//! verification, byte formats and the EVM encoding.
//!
//! Proving is zkr's own ([`prove_with`]; the QAP reduction in [`qap`]):
//! arkworks' algorithm and proofs, with the MSMs and NTTs on a pluggable
//! [`zkr_cuda::Backend`]; [`prove`] uses the CPU backend. Setup and
//! verification are arkworks'.
//!
//! # Keys
//!
//! Production keys come from the ceremony (`zkr-ceremony`). [`setup_insecure_dev`]
//! makes keys from randomness drawn in this process, so whoever runs it knows
//! the toxic waste and can forge proofs: tests and local development only.
//!
//! # Byte formats (arkworks `CanonicalSerialize`, little-endian limbs)
//!
//! * Proof: compressed, 128 bytes (`A` 32, `B` 64, `C` 32). Decoding checks
//!   that every point is on the curve and in the prime-order subgroup, and that
//!   no bytes trail.
//! * Verifying key: compressed (`alpha`, `beta`, `gamma`, `delta`, then the
//!   length-prefixed `IC` points), checked like a proof. Both come from outside
//!   the process (a network peer, a file anyone may have written).
//! * Proving key: uncompressed. It is large (20.7 MB for the 52k-constraint
//!   public-input circuit alone, far more for the wrap circuit) and loaded on every
//!   prover start; uncompressed points load without the square root each
//!   compressed point needs (G2's is costly), for twice the size.
//!   [`pk_from_bytes`] checks every point (on curve, in subgroup) and is slow:
//!   5.1 s for that 20.7 MB key, against 66 ms for [`pk_from_trusted_bytes`],
//!   which checks only the format. Use the latter for a key this process or the
//!   ceremony wrote (pinned by hash): it is safe for soundness, a bad proving
//!   key only yields proofs the verifying key rejects.
//!
//! # EVM encoding (EIP-196/EIP-197 precompiles)
//!
//! Every coordinate is a `uint256`, 32 bytes big-endian, below the base field
//! modulus `q`. A G1 point is `(x, y)`; a G2 point, over `Fq2 = Fq[i]`, is
//! `((x.c1, x.c0), (y.c1, y.c0))`: the imaginary part first, as EIP-197 reads
//! it. The point at infinity is all zeros.
//!
//! * Proof, [`proof_to_evm`]: 256 bytes, `A.x, A.y, B.x.c1, B.x.c0, B.y.c1,
//!   B.y.c0, C.x, C.y`. `A` is **not** negated: the proof is encoded as the
//!   prover made it, and the verifier contract negates `A` itself
//!   (`y ↦ q - y`) to check
//!   `e(-A, B) · e(alpha, beta) · e(vk_x, gamma) · e(C, delta) = 1`, with
//!   `vk_x = IC[0] + input · IC[1]`.
//! * Verifying key, [`vk_to_evm`]: [`EvmVerifyingKey`], every word a `0x`-prefixed
//!   64-digit hex string in JSON, for the contract generator.

mod prover;
pub mod qap;

pub use prover::{prove_rows, prove_with, prove_with_randomness, prove_with_stages, Stage};

use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::time::Instant;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use ark_groth16::{Groth16, PreparedVerifyingKey};
use ark_relations::r1cs::{ConstraintSynthesizer, SynthesisError};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use ark_std::rand::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zkr_cuda::{BackendError, CpuBackend};

/// A Groth16 proof over BN254.
pub type Proof = ark_groth16::Proof<Bn254>;
/// A Groth16 proving key over BN254.
pub type ProvingKey = ark_groth16::ProvingKey<Bn254>;
/// A Groth16 verifying key over BN254.
pub type VerifyingKey = ark_groth16::VerifyingKey<Bn254>;

/// Number of public inputs of the wrap circuit.
pub const NUM_PUBLIC_INPUTS: usize = 1;
/// Length of a compressed proof.
pub const PROOF_BYTES: usize = 128;
/// Length of a proof in the EVM encoding.
pub const EVM_PROOF_BYTES: usize = 256;

/// What setup, proving, verification and decoding fail with.
#[derive(Debug, thiserror::Error)]
pub enum Groth16Error {
    /// Circuit synthesis or the Groth16 algebra failed.
    #[error("Groth16 {phase} failed: {source}")]
    Synthesis {
        /// `setup`, `proving` or `verification`.
        phase: &'static str,
        /// The arkworks error.
        #[source]
        source: SynthesisError,
    },
    /// The verifying key is not one of a one-public-input circuit.
    #[error("verifying key has {got} public inputs, expected {NUM_PUBLIC_INPUTS}")]
    PublicInputCount {
        /// Public inputs the key has (`IC` points minus one).
        got: usize,
    },
    /// The pairing check failed: the proof does not prove this public input.
    #[error("proof rejected: pairing check failed for public input {public_input}")]
    Rejected {
        /// The public input, as a `0x` hex `uint256`.
        public_input: String,
    },
    /// The witness does not satisfy the circuit: there is nothing to prove.
    #[error("witness does not satisfy constraint {index} of {num_constraints}")]
    Unsatisfied {
        /// The first unsatisfied constraint.
        index: usize,
        /// Constraints in the circuit.
        num_constraints: usize,
    },
    /// The proving key is not one of this circuit: a query has the wrong length.
    #[error(
        "proving key does not fit the circuit: its {query} has {got} points, needs {expected}"
    )]
    QueryLength {
        /// `a_query`, `b_g1_query`, `b_g2_query`, `l_query` or `h_query`.
        query: &'static str,
        /// Points the circuit needs.
        expected: usize,
        /// Points the key has.
        got: usize,
    },
    /// The MSM/NTT backend failed.
    #[error("Groth16 proving on the {backend} backend failed: {source}")]
    Backend {
        /// The backend's name.
        backend: &'static str,
        /// Its error.
        #[source]
        source: BackendError,
    },
    /// Bytes that do not decode to the named object.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// The object or field, e.g. `proof` or `proof.B`.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
}

impl Groth16Error {
    fn malformed(what: &'static str, reason: impl fmt::Display) -> Self {
        Groth16Error::Malformed {
            what,
            reason: reason.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// Setup, proving, verification
// ---------------------------------------------------------------------------

/// INSECURE: Groth16 keys from local randomness (toxic waste known); dev/test only.
///
/// Whoever ran this (or can read `rng`'s seed) knows the trapdoor and can make
/// a proof of any statement that the keys accept. Production keys come from
/// the ceremony (`zkr-ceremony`). Every call logs a warning.
pub fn setup_insecure_dev<C, R>(
    circuit: C,
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey), Groth16Error>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    tracing::warn!(
        "INSECURE Groth16 setup: the toxic waste was generated in this process and anyone \
         holding it can forge proofs; these keys are for development and tests only, \
         production keys must come from the ceremony"
    );
    let start = Instant::now();
    let keys = without_span_traces(|| Groth16::<Bn254>::circuit_specific_setup(circuit, rng))
        .map_err(|source| Groth16Error::Synthesis {
            phase: "setup",
            source,
        })?;
    tracing::debug!(elapsed = ?start.elapsed(), "insecure dev setup done");
    Ok(keys)
}

/// Proves `circuit` (with its witness assigned) under `pk` on the CPU backend.
pub fn prove<C, R>(pk: &ProvingKey, circuit: C, rng: &mut R) -> Result<Proof, Groth16Error>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    prove_with(&CpuBackend, pk, circuit, rng)
}

/// Runs circuit synthesis with no `tracing` subscriber on this thread.
///
/// arkworks records, for every constraint, a trace of the `tracing` spans open
/// at that moment (its gadgets open one per call, at INFO level), and those
/// traces keep the spans alive: under an application's INFO subscriber the
/// wrap circuit's setup grew past 24 GB. Synthesis runs on the calling thread,
/// so hiding the subscriber there leaves only empty traces. Public for every
/// other synthesis of the wrap circuit (the ceremony's `.r1cs` export).
pub fn without_span_traces<T>(f: impl FnOnce() -> T) -> T {
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), f)
}

/// Checks `proof` for `public_input` under `vk` (prepares the key each call).
pub fn verify(vk: &VerifyingKey, public_input: Fr, proof: &Proof) -> Result<(), Groth16Error> {
    PreparedKey::new(vk)?.verify(public_input, proof)
}

/// A verifying key of a one-public-input circuit, prepared for repeated verification.
#[derive(Clone, Debug)]
pub struct PreparedKey {
    pvk: PreparedVerifyingKey<Bn254>,
}

impl PreparedKey {
    /// Prepares `vk`; fails unless it has exactly one public input.
    pub fn new(vk: &VerifyingKey) -> Result<Self, Groth16Error> {
        let got = vk.gamma_abc_g1.len().saturating_sub(1);
        if vk.gamma_abc_g1.len() != NUM_PUBLIC_INPUTS + 1 {
            return Err(Groth16Error::PublicInputCount { got });
        }
        Ok(Self {
            pvk: ark_groth16::prepare_verifying_key(vk),
        })
    }

    /// The verifying key.
    pub fn vk(&self) -> &VerifyingKey {
        &self.pvk.vk
    }

    /// Checks `proof` for `public_input`; `Err(Rejected)` when it does not verify.
    pub fn verify(&self, public_input: Fr, proof: &Proof) -> Result<(), Groth16Error> {
        let ok = Groth16::<Bn254>::verify_proof(&self.pvk, proof, &[public_input]).map_err(
            |source| Groth16Error::Synthesis {
                phase: "verification",
                source,
            },
        )?;
        if ok {
            Ok(())
        } else {
            Err(Groth16Error::Rejected {
                public_input: hex_word(&fr_to_be(&public_input)),
            })
        }
    }
}

// ---------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------

fn serialize<T: CanonicalSerialize>(x: &T, compress: Compress) -> Vec<u8> {
    let mut out = Vec::with_capacity(x.serialized_size(compress));
    // Writing into a Vec cannot fail.
    x.serialize_with_mode(&mut out, compress)
        .expect("serializing into a Vec");
    out
}

/// One part of a serialized proof or key, in arkworks' order.
#[derive(Clone, Copy, Debug)]
enum Part {
    /// A G1 point.
    G1,
    /// A G2 point.
    G2,
    /// A vector of G1 points (an 8-byte length, then the points).
    G1s,
    /// A vector of G2 points.
    G2s,
}

use Part::{G1s, G2s, G1, G2};

/// A proof: A, B, C.
const PROOF_LAYOUT: &[Part] = &[G1, G2, G1];
/// A verifying key: α, β, γ, δ, then the public inputs' points.
const VK_LAYOUT: &[Part] = &[G1, G2, G2, G2, G1s];
/// A proving key: its verifying key, β, δ and the five queries.
const PK_LAYOUT: &[Part] = &[G1, G2, G2, G2, G1s, G1, G1, G1s, G1s, G2s, G1s, G1s];

/// Checks, before arkworks reads `r` (`total` bytes from its position), that
/// every vector's declared length fits in the bytes after it: arkworks
/// reserves the declared length up front, so eight lying bytes would ask for
/// exabytes and abort the process (found by fuzzing `wrap.vk`).
fn check_lengths<R: Read + Seek>(
    what: &'static str,
    r: &mut R,
    total: u64,
    compress: Compress,
    layout: &[Part],
) -> Result<(), Groth16Error> {
    let io = |e: std::io::Error| Groth16Error::malformed(what, e);
    let (g1, g2): (u64, u64) = match compress {
        Compress::Yes => (32, 64),
        Compress::No => (64, 128),
    };
    let start = r.stream_position().map_err(io)?;
    let mut at = 0u64;
    for part in layout {
        let (count, size) = match part {
            G1 => (1, g1),
            G2 => (1, g2),
            G1s | G2s => {
                if total - at < 8 {
                    return Err(Groth16Error::malformed(
                        what,
                        format!("ends at byte {total}, inside a vector's length"),
                    ));
                }
                r.seek(SeekFrom::Start(start + at)).map_err(io)?;
                let mut len = [0u8; 8];
                r.read_exact(&mut len).map_err(io)?;
                at += 8;
                (
                    u64::from_le_bytes(len),
                    if matches!(part, G1s) { g1 } else { g2 },
                )
            }
        };
        let need = count.checked_mul(size).filter(|&n| n <= total - at);
        let Some(need) = need else {
            return Err(Groth16Error::malformed(
                what,
                format!(
                    "declares {count} points of {size} bytes at byte {at}, and {} bytes follow",
                    total - at
                ),
            ));
        };
        at += need;
    }
    r.seek(SeekFrom::Start(start)).map_err(io)?;
    Ok(())
}

/// Checks a proving key's vector lengths against the `total` bytes of `r`
/// (uncompressed, as [`pk_to_bytes`] writes it) before it is read.
pub fn check_pk_lengths<R: Read + Seek>(r: &mut R, total: u64) -> Result<(), Groth16Error> {
    check_lengths("proving key", r, total, Compress::No, PK_LAYOUT)
}

fn deserialize<T: CanonicalDeserialize>(
    what: &'static str,
    bytes: &[u8],
    compress: Compress,
    validate: Validate,
    layout: &[Part],
) -> Result<T, Groth16Error> {
    check_lengths(
        what,
        &mut std::io::Cursor::new(bytes),
        bytes.len() as u64,
        compress,
        layout,
    )?;
    let mut reader = bytes;
    let x = T::deserialize_with_mode(&mut reader, compress, validate)
        .map_err(|e| Groth16Error::malformed(what, format!("{e} ({} bytes)", bytes.len())))?;
    if !reader.is_empty() {
        return Err(Groth16Error::malformed(
            what,
            format!(
                "{} trailing bytes after {} bytes",
                reader.len(),
                bytes.len() - reader.len()
            ),
        ));
    }
    Ok(x)
}

/// A proof as 128 bytes (compressed).
pub fn proof_to_bytes(proof: &Proof) -> Vec<u8> {
    serialize(proof, Compress::Yes)
}

/// Decodes a compressed proof, checking every point (on curve, in subgroup).
pub fn proof_from_bytes(bytes: &[u8]) -> Result<Proof, Groth16Error> {
    deserialize("proof", bytes, Compress::Yes, Validate::Yes, PROOF_LAYOUT)
}

/// A verifying key as bytes (compressed).
pub fn vk_to_bytes(vk: &VerifyingKey) -> Vec<u8> {
    serialize(vk, Compress::Yes)
}

/// Decodes a compressed verifying key, checking every point.
pub fn vk_from_bytes(bytes: &[u8]) -> Result<VerifyingKey, Groth16Error> {
    deserialize(
        "verifying key",
        bytes,
        Compress::Yes,
        Validate::Yes,
        VK_LAYOUT,
    )
}

/// A proving key as bytes (uncompressed: loads without square roots).
pub fn pk_to_bytes(pk: &ProvingKey) -> Vec<u8> {
    serialize(pk, Compress::No)
}

/// Decodes an uncompressed proving key, checking every point (slow: G2 subgroup checks).
pub fn pk_from_bytes(bytes: &[u8]) -> Result<ProvingKey, Groth16Error> {
    deserialize("proving key", bytes, Compress::No, Validate::Yes, PK_LAYOUT)
}

/// Decodes an uncompressed proving key without point checks (fast), for a key
/// from a trusted source (a bad key only makes proofs that do not verify).
pub fn pk_from_trusted_bytes(bytes: &[u8]) -> Result<ProvingKey, Groth16Error> {
    deserialize("proving key", bytes, Compress::No, Validate::No, PK_LAYOUT)
}

// ---------------------------------------------------------------------------
// EVM
// ---------------------------------------------------------------------------

/// A `uint256` as 32 bytes big-endian; in JSON a `0x`-prefixed 64-digit hex string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct U256(pub [u8; 32]);

impl Serialize for U256 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex_word(&self.0))
    }
}

impl<'de> Deserialize<'de> for U256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").ok_or_else(|| {
            serde::de::Error::custom(format!("uint256 {s:?}: expected a 0x prefix"))
        })?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(digits, &mut out).map_err(|e| {
            serde::de::Error::custom(format!("uint256 {s:?}: expected 64 hex digits: {e}"))
        })?;
        Ok(U256(out))
    }
}

fn hex_word(bytes: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// A verifying key in the EVM encoding, for the Solidity verifier generator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvmVerifyingKey {
    /// `alpha` in G1: `[x, y]`.
    pub alpha: [U256; 2],
    /// `beta` in G2: `[[x.c1, x.c0], [y.c1, y.c0]]`.
    pub beta: [[U256; 2]; 2],
    /// `gamma` in G2, as `beta`.
    pub gamma: [[U256; 2]; 2],
    /// `delta` in G2, as `beta`.
    pub delta: [[U256; 2]; 2],
    /// `IC[0..=n]` in G1 (`vk_x = IC[0] + sum_i input_i · IC[i+1]`).
    pub ic: Vec<[U256; 2]>,
}

fn fq_to_be(x: &Fq) -> U256 {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    U256(out)
}

fn fr_to_be(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

fn fq_from_be(what: &'static str, word: &U256) -> Result<Fq, Groth16Error> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let start = 32 - 8 * (i + 1);
        let mut b = [0u8; 8];
        b.copy_from_slice(&word.0[start..start + 8]);
        *limb = u64::from_be_bytes(b);
    }
    Fq::from_bigint(BigInt::new(limbs)).ok_or_else(|| {
        Groth16Error::malformed(
            what,
            format!(
                "coordinate {} is not below the base field modulus",
                hex_word(&word.0)
            ),
        )
    })
}

/// A G1 point as `[x, y]` (infinity as zeros).
pub fn g1_to_evm(p: &G1Affine) -> [U256; 2] {
    match p.xy() {
        Some((x, y)) => [fq_to_be(&x), fq_to_be(&y)],
        None => [U256::default(); 2],
    }
}

/// A G2 point as `[[x.c1, x.c0], [y.c1, y.c0]]` (infinity as zeros).
pub fn g2_to_evm(p: &G2Affine) -> [[U256; 2]; 2] {
    match p.xy() {
        Some((x, y)) => [
            [fq_to_be(&x.c1), fq_to_be(&x.c0)],
            [fq_to_be(&y.c1), fq_to_be(&y.c0)],
        ],
        None => [[U256::default(); 2]; 2],
    }
}

/// Decodes a G1 point, checking canonical coordinates and the curve equation.
pub fn evm_to_g1(what: &'static str, p: &[U256; 2]) -> Result<G1Affine, Groth16Error> {
    let (x, y) = (fq_from_be(what, &p[0])?, fq_from_be(what, &p[1])?);
    if x.is_zero() && y.is_zero() {
        return Ok(<G1Affine as AffineRepr>::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(Groth16Error::malformed(
            what,
            "G1 point is not on the curve",
        ));
    }
    // G1 of BN254 has cofactor 1: on the curve is in the subgroup.
    Ok(point)
}

/// Decodes a G2 point, checking canonical coordinates, the curve and the subgroup.
pub fn evm_to_g2(what: &'static str, p: &[[U256; 2]; 2]) -> Result<G2Affine, Groth16Error> {
    let x = Fq2::new(fq_from_be(what, &p[0][1])?, fq_from_be(what, &p[0][0])?);
    let y = Fq2::new(fq_from_be(what, &p[1][1])?, fq_from_be(what, &p[1][0])?);
    if x.is_zero() && y.is_zero() {
        return Ok(<G2Affine as AffineRepr>::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(Groth16Error::malformed(
            what,
            "G2 point is not on the curve",
        ));
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(Groth16Error::malformed(
            what,
            "G2 point is not in the prime-order subgroup",
        ));
    }
    Ok(point)
}

/// The proof for the verifier contract: `A.x, A.y, B.x.c1, B.x.c0, B.y.c1,
/// B.y.c0, C.x, C.y`, 32 bytes each, `A` not negated.
pub fn proof_to_evm(proof: &Proof) -> [u8; EVM_PROOF_BYTES] {
    let [ax, ay] = g1_to_evm(&proof.a);
    let [[bx1, bx0], [by1, by0]] = g2_to_evm(&proof.b);
    let [cx, cy] = g1_to_evm(&proof.c);
    let mut out = [0u8; EVM_PROOF_BYTES];
    for (chunk, word) in out
        .chunks_exact_mut(32)
        .zip([ax, ay, bx1, bx0, by1, by0, cx, cy])
    {
        chunk.copy_from_slice(&word.0);
    }
    out
}

/// Decodes [`proof_to_evm`]'s encoding, checking its length and every point.
pub fn evm_to_proof(bytes: &[u8]) -> Result<Proof, Groth16Error> {
    if bytes.len() != EVM_PROOF_BYTES {
        return Err(Groth16Error::malformed(
            "proof",
            format!(
                "a proof is {EVM_PROOF_BYTES} bytes in the EVM encoding, got {}",
                bytes.len()
            ),
        ));
    }
    let word = |i: usize| {
        let mut w = [0u8; 32];
        w.copy_from_slice(&bytes[32 * i..32 * (i + 1)]);
        U256(w)
    };
    Ok(Proof {
        a: evm_to_g1("proof.A", &[word(0), word(1)])?,
        b: evm_to_g2("proof.B", &[[word(2), word(3)], [word(4), word(5)]])?,
        c: evm_to_g1("proof.C", &[word(6), word(7)])?,
    })
}

/// The verifying key for the verifier contract generator.
pub fn vk_to_evm(vk: &VerifyingKey) -> EvmVerifyingKey {
    EvmVerifyingKey {
        alpha: g1_to_evm(&vk.alpha_g1),
        beta: g2_to_evm(&vk.beta_g2),
        gamma: g2_to_evm(&vk.gamma_g2),
        delta: g2_to_evm(&vk.delta_g2),
        ic: vk.gamma_abc_g1.iter().map(g1_to_evm).collect(),
    }
}

/// Decodes [`vk_to_evm`]'s encoding, checking every point.
pub fn evm_to_vk(evm: &EvmVerifyingKey) -> Result<VerifyingKey, Groth16Error> {
    Ok(VerifyingKey {
        alpha_g1: evm_to_g1("verifying key alpha", &evm.alpha)?,
        beta_g2: evm_to_g2("verifying key beta", &evm.beta)?,
        gamma_g2: evm_to_g2("verifying key gamma", &evm.gamma)?,
        delta_g2: evm_to_g2("verifying key delta", &evm.delta)?,
        gamma_abc_g1: evm
            .ic
            .iter()
            .map(|p| evm_to_g1("verifying key IC", p))
            .collect::<Result<_, _>>()?,
    })
}
