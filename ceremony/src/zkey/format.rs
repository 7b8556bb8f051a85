//! snarkjs's `.zkey` for Groth16: sections, header and their encodings.
//!
//! Sections: 1 protocol (u32, 1 = Groth16); 2 header (n8q, q, n8r, r,
//! nVars, nPublic, domainSize, alpha1, beta1, beta2, gamma2, delta1,
//! delta2); 3 IC; 4 the A and B coefficients; 5 A; 6 B1 (G1); 7 B2 (G2);
//! 8 C (the private wires' β·A + α·B + C, over δ); 9 H (over δ); 10 the
//! circuit hash and the contributions. Points are affine, little-endian
//! Montgomery, as in `.ptau`.

use std::sync::OnceLock;

use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, Field, PrimeField};
use rayon::prelude::*;

use crate::binfile::{le_limbs, le_u32, BinFile, BinFileError};
use crate::hash::{Blake2b, Hash, HASH_LEN};
use crate::ptau::encoding::{PtauGroup, G1_SIZE, G2_SIZE};
use crate::ptau::format::{decode_params, encode_params, ContributionKind, Cursor};

/// The file's magic.
pub const MAGIC: &[u8; 4] = b"zkey";
/// snarkjs's protocol id of Groth16.
pub const GROTH16: u32 = 1;

/// Section ids.
pub mod section {
    /// Protocol id.
    pub const PROTOCOL: u32 = 1;
    /// Groth16 header.
    pub const HEADER: u32 = 2;
    /// The public wires' verifying-key points.
    pub const IC: u32 = 3;
    /// Coefficients of A and B.
    pub const COEFS: u32 = 4;
    /// A(τ) per wire.
    pub const A: u32 = 5;
    /// B(τ) per wire in G1.
    pub const B1: u32 = 6;
    /// B(τ) per wire in G2.
    pub const B2: u32 = 7;
    /// The private wires' (β·A + α·B + C)(τ)/δ.
    pub const C: u32 = 8;
    /// The quotient's points, over δ.
    pub const H: u32 = 9;
    /// Circuit hash and contributions.
    pub const CONTRIBUTIONS: u32 = 10;

    /// The sections contributions leave as `zkey new` wrote them.
    pub const UNCHANGED: [u32; 5] = [IC, COEFS, A, B1, B2];

    /// A section's name for messages.
    pub fn name(id: u32) -> &'static str {
        match id {
            PROTOCOL => "protocol",
            HEADER => "Groth16 header",
            IC => "IC",
            COEFS => "coefficients",
            A => "A",
            B1 => "B1",
            B2 => "B2",
            C => "C",
            H => "H",
            CONTRIBUTIONS => "contributions",
            _ => "unknown",
        }
    }
}

/// Bytes of one encoded coefficient record: matrix, constraint, wire, value.
pub const COEF_SIZE: usize = 12 + 32;

/// A coefficient as snarkjs stores it: the standard form of c·R² (R = 2^256
/// mod r), i.e. the Montgomery form of c·R, which its prover multiplies with
/// witness values read as Montgomery forms.
pub fn coefficient_bytes(c: &Fr) -> [u8; 32] {
    let r = Fr::from_bigint(Fr::R).unwrap_or_default();
    let mut out = [0u8; 32];
    out.copy_from_slice(&(*c * r).0.to_bytes_le());
    out
}

/// The coefficient stored as `bytes` (32 of them; [`coefficient_bytes`]
/// undone); `None` when they are not a number below r.
pub fn coefficient_from_bytes(bytes: &[u8]) -> Option<Fr> {
    static R2_INVERSE: OnceLock<Option<Fr>> = OnceLock::new();
    // stored = c·R² as a field element: divide by R² = (R mod r)².
    let r2_inverse = R2_INVERSE.get_or_init(|| {
        let r = Fr::from_bigint(Fr::R)?;
        (r * r).inverse()
    });
    let stored = Fr::from_bigint(<Fr as PrimeField>::BigInt::new(le_limbs(bytes.get(..32)?)))?;
    Some(stored * (*r2_inverse)?)
}

/// How much of each point a reader checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointChecks {
    /// Reduced coordinates, on the curve, in the prime-order subgroup.
    Full,
    /// Reduced coordinates, on the curve: for a key whose every use is
    /// checked whole afterwards (a proof is verified before it is written).
    OnCurve,
}

/// The Groth16 header (section 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Wires, the constant one included.
    pub n_vars: u32,
    /// Public values (not counting the constant one).
    pub n_public: u32,
    /// The QAP's evaluation domain size (a power of two).
    pub domain_size: u32,
    /// α·G1.
    pub alpha_g1: G1Affine,
    /// β·G1.
    pub beta_g1: G1Affine,
    /// β·G2.
    pub beta_g2: G2Affine,
    /// γ·G2 (snarkjs keeps γ = 1).
    pub gamma_g2: G2Affine,
    /// δ·G1.
    pub delta_g1: G1Affine,
    /// δ·G2.
    pub delta_g2: G2Affine,
}

/// What is wrong with a `.zkey`.
#[derive(Debug, thiserror::Error)]
pub enum ZkeyError {
    /// The container is unreadable.
    #[error(transparent)]
    BinFile(#[from] BinFileError),
    /// The protocol is not Groth16.
    #[error("protocol (section 1): expected 1 (Groth16), got {0}")]
    Protocol(u32),
    /// The header breaks a rule.
    #[error("Groth16 header (section 2): {0}")]
    Header(String),
    /// A contribution record (section 10) is malformed.
    #[error("contributions (section 10): contribution #{number}: {what}")]
    Contribution {
        /// 1-based, as snarkjs numbers contributions (0: the section's head).
        number: usize,
        /// The rule broken, with the values.
        what: String,
    },
    /// A point of a point section is invalid.
    #[error("{name} (section {id}): point {index}: {source}")]
    Point {
        /// Section id.
        id: u32,
        /// Section name.
        name: &'static str,
        /// The point's index in the section.
        index: u64,
        /// Why it was refused.
        source: crate::ptau::encoding::PointError,
    },
    /// A section's size disagrees with the header.
    #[error("{name} (section {id}): size expected {expected} bytes, got {got}")]
    SectionSize {
        /// Section id.
        id: u32,
        /// Section name.
        name: &'static str,
        /// Size implied by the header.
        expected: u64,
        /// Size found.
        got: u64,
    },
}

/// `q` and `r` as snarkjs writes them: 32 bytes little-endian each.
fn modulus_bytes<F: PrimeField>() -> Vec<u8> {
    F::MODULUS
        .as_ref()
        .iter()
        .flat_map(|l| l.to_le_bytes())
        .collect()
}

impl Header {
    /// The section's body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 * 5 + 64 + 3 * G1_SIZE + 3 * G2_SIZE);
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&modulus_bytes::<Fq>());
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&modulus_bytes::<Fr>());
        for v in [self.n_vars, self.n_public, self.domain_size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        self.put_points(&mut out, false);
        out
    }

    /// The six points as snarkjs hashes them (uncompressed, big-endian),
    /// the start of the circuit hash.
    pub fn points_uncompressed(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 * G1_SIZE + 3 * G2_SIZE);
        self.put_points(&mut out, true);
        out
    }

    /// Appends alpha1, beta1, beta2, gamma2, delta1, delta2 in file order.
    fn put_points(&self, out: &mut Vec<u8>, uncompressed: bool) {
        fn put<P: PtauGroup, const N: usize>(out: &mut Vec<u8>, p: &P, uncompressed: bool) {
            let mut b = [0u8; N];
            if uncompressed {
                p.write_uncompressed(&mut b);
            } else {
                p.write_lem(&mut b);
            }
            out.extend_from_slice(&b);
        }
        put::<_, G1_SIZE>(out, &self.alpha_g1, uncompressed);
        put::<_, G1_SIZE>(out, &self.beta_g1, uncompressed);
        put::<_, G2_SIZE>(out, &self.beta_g2, uncompressed);
        put::<_, G2_SIZE>(out, &self.gamma_g2, uncompressed);
        put::<_, G1_SIZE>(out, &self.delta_g1, uncompressed);
        put::<_, G2_SIZE>(out, &self.delta_g2, uncompressed);
    }

    /// Parses and checks the section's body.
    pub fn decode(bytes: &[u8]) -> Result<Self, ZkeyError> {
        let err = |what: String| ZkeyError::Header(what);
        let expected = 4 + 32 + 4 + 32 + 12 + 3 * G1_SIZE + 3 * G2_SIZE;
        if bytes.len() != expected {
            return Err(err(format!(
                "size expected {expected} bytes (BN254), got {}",
                bytes.len()
            )));
        }
        if le_u32(&bytes[0..4]) != 32 || bytes[4..36] != modulus_bytes::<Fq>()[..] {
            return Err(err("base field expected BN254's q".into()));
        }
        if le_u32(&bytes[36..40]) != 32 || bytes[40..72] != modulus_bytes::<Fr>()[..] {
            return Err(err("scalar field expected BN254's r".into()));
        }
        let (n_vars, n_public, domain_size) = (
            le_u32(&bytes[72..76]),
            le_u32(&bytes[76..80]),
            le_u32(&bytes[80..84]),
        );
        if !domain_size.is_power_of_two() {
            return Err(err(format!(
                "domain size expected a power of two, got {domain_size}"
            )));
        }
        if n_public >= n_vars {
            return Err(err(format!(
                "public values ({n_public}) expected fewer than the wires ({n_vars})"
            )));
        }
        let mut at = 84;
        let mut next = |size: usize| {
            let slice = &bytes[at..at + size];
            at += size;
            slice
        };
        let g1 = |what: &str, b: &[u8]| {
            G1Affine::read_lem(b).map_err(|e| ZkeyError::Header(format!("{what}: {e}")))
        };
        let g2 = |what: &str, b: &[u8]| {
            G2Affine::read_lem(b).map_err(|e| ZkeyError::Header(format!("{what}: {e}")))
        };
        let alpha_g1 = g1("alpha1", next(G1_SIZE))?;
        let beta_g1 = g1("beta1", next(G1_SIZE))?;
        let beta_g2 = g2("beta2", next(G2_SIZE))?;
        let gamma_g2 = g2("gamma2", next(G2_SIZE))?;
        let delta_g1 = g1("delta1", next(G1_SIZE))?;
        let delta_g2 = g2("delta2", next(G2_SIZE))?;
        Ok(Header {
            n_vars,
            n_public,
            domain_size,
            alpha_g1,
            beta_g1,
            beta_g2,
            gamma_g2,
            delta_g1,
            delta_g2,
        })
    }

    /// The size each point section must have.
    pub fn section_size(&self, id: u32) -> Option<u64> {
        let (vars, public, n) = (
            u64::from(self.n_vars),
            u64::from(self.n_public),
            u64::from(self.domain_size),
        );
        let (g1, g2) = (G1_SIZE as u64, G2_SIZE as u64);
        match id {
            section::IC => Some((public + 1) * g1),
            section::A | section::B1 => Some(vars * g1),
            section::B2 => Some(vars * g2),
            section::C => Some((vars - public - 1) * g1),
            section::H => Some(n * g1),
            _ => None,
        }
    }
}

/// An open `.zkey`: its header and contributions, with the point sections
/// read on demand.
#[derive(Debug)]
pub struct ZkeyFile {
    /// The container.
    pub bin: BinFile,
    /// The Groth16 header.
    pub header: Header,
    /// The circuit hash and the contributions.
    pub mpc: Mpc,
}

impl ZkeyFile {
    /// Opens a `.zkey` and checks its protocol, header and section sizes.
    pub fn open(path: &std::path::Path) -> Result<Self, ZkeyError> {
        let bin = BinFile::open(path, MAGIC)?;
        let protocol = bin.read(section::PROTOCOL, "protocol", 0, 4, "protocol id")?;
        let protocol = le_u32(&protocol);
        if protocol != GROTH16 {
            return Err(ZkeyError::Protocol(protocol));
        }
        let header = Header::decode(&bin.read_section(section::HEADER, "Groth16 header")?)?;
        for id in [
            section::IC,
            section::A,
            section::B1,
            section::B2,
            section::C,
            section::H,
        ] {
            let got = bin.size(id, section::name(id))?;
            let expected = header.section_size(id).unwrap_or(0);
            if got != expected {
                return Err(ZkeyError::SectionSize {
                    id,
                    name: section::name(id),
                    expected,
                    got,
                });
            }
        }
        let mpc = Mpc::decode(&bin.read_section(section::CONTRIBUTIONS, "contributions")?)?;
        Ok(ZkeyFile { bin, header, mpc })
    }

    /// Points `start..start + count` of section `id`, decoded and checked
    /// (on the curve; in the group for G2).
    pub fn read_points<P: PtauGroup + Send>(
        &self,
        id: u32,
        start: u64,
        count: u64,
    ) -> Result<Vec<P>, ZkeyError> {
        self.read_points_checked(id, start, count, PointChecks::Full)
    }

    /// [`ZkeyFile::read_points`] with the checks `checks`.
    pub fn read_points_checked<P: PtauGroup + Send>(
        &self,
        id: u32,
        start: u64,
        count: u64,
        checks: PointChecks,
    ) -> Result<Vec<P>, ZkeyError> {
        let read = match checks {
            PointChecks::Full => P::read_lem,
            PointChecks::OnCurve => P::read_lem_on_curve,
        };
        let name = section::name(id);
        let size = P::SIZE as u64;
        let raw = self.bin.read(id, name, start * size, count * size, name)?;
        raw.par_chunks_exact(P::SIZE)
            .enumerate()
            .map(|(i, b)| {
                read(b).map_err(|source| ZkeyError::Point {
                    id,
                    name,
                    index: start + i as u64,
                    source,
                })
            })
            .collect()
    }

    /// Number of points in section `id`.
    pub fn points(&self, id: u32, point_size: usize) -> Result<u64, ZkeyError> {
        Ok(self.bin.size(id, section::name(id))? / point_size as u64)
    }
}

/// One phase-2 contribution as section 10 records it: δ·G1 after it, and
/// the proof that its author knows the factor it multiplied δ by.
///
/// Record: deltaAfter (G1), g1_s (G1), g1_sx (G1), g2_spx (G2), the
/// transcript hash (64 bytes), the type (u32: 0 random, 1 beacon) and the
/// parameter block of `.ptau` records (name, beacon).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZkeyContribution {
    /// δ·G1 after this contribution.
    pub delta_after: G1Affine,
    /// A random point s·G1.
    pub g1_s: G1Affine,
    /// x·s·G1, x the contribution's factor.
    pub g1_sx: G1Affine,
    /// x·sp·G2, sp = hash_to_g2(transcript).
    pub g2_spx: G2Affine,
    /// BLAKE2b(circuit hash, earlier contributions' keys, g1_s, g1_sx).
    pub transcript: Hash,
    /// Random or beacon.
    pub kind: ContributionKind,
    /// The contributor's name, if given.
    pub name: Option<String>,
}

impl ZkeyContribution {
    /// The record's bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut g1 = [0u8; G1_SIZE];
        for p in [&self.delta_after, &self.g1_s, &self.g1_sx] {
            p.write_lem(&mut g1);
            out.extend_from_slice(&g1);
        }
        let mut g2 = [0u8; G2_SIZE];
        self.g2_spx.write_lem(&mut g2);
        out.extend_from_slice(&g2);
        out.extend_from_slice(&self.transcript);
        let kind: u32 = match self.kind {
            ContributionKind::Random => 0,
            ContributionKind::Beacon { .. } => 1,
        };
        out.extend_from_slice(&kind.to_le_bytes());
        let params = encode_params(self.name.as_deref(), &self.kind);
        out.extend_from_slice(&(params.len() as u32).to_le_bytes());
        out.extend_from_slice(&params);
    }

    fn decode(number: usize, r: &mut Cursor<'_>) -> Result<Self, ZkeyError> {
        let err = |what: String| ZkeyError::Contribution { number, what };
        let g1 = |r: &mut Cursor<'_>, what: &str| {
            let bytes = r.take(G1_SIZE).map_err(err)?;
            G1Affine::read_lem(bytes).map_err(|e| err(format!("{what}: {e}")))
        };
        let delta_after = g1(r, "deltaAfter")?;
        let g1_s = g1(r, "g1_s")?;
        let g1_sx = g1(r, "g1_sx")?;
        let g2_spx = G2Affine::read_lem(r.take(G2_SIZE).map_err(err)?)
            .map_err(|e| err(format!("g2_spx: {e}")))?;
        let mut transcript = [0u8; HASH_LEN];
        transcript.copy_from_slice(r.take(HASH_LEN).map_err(err)?);
        let kind_tag = r.u32().map_err(err)?;
        let params_len = r.u32().map_err(err)? as usize;
        let (name, kind) =
            decode_params(kind_tag, r.take(params_len).map_err(err)?).map_err(err)?;
        Ok(ZkeyContribution {
            delta_after,
            g1_s,
            g1_sx,
            g2_spx,
            transcript,
            kind,
            name,
        })
    }

    /// What snarkjs hashes of a contribution (`hashPubKey`): the four points
    /// uncompressed, then the transcript.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 * G1_SIZE + G2_SIZE + HASH_LEN);
        let mut g1 = [0u8; G1_SIZE];
        for p in [&self.delta_after, &self.g1_s, &self.g1_sx] {
            p.write_uncompressed(&mut g1);
            out.extend_from_slice(&g1);
        }
        let mut g2 = [0u8; G2_SIZE];
        self.g2_spx.write_uncompressed(&mut g2);
        out.extend_from_slice(&g2);
        out.extend_from_slice(&self.transcript);
        out
    }

    /// The contribution hash its author publishes.
    pub fn hash(&self) -> Hash {
        Blake2b::digest(&self.public_key_bytes())
    }
}

/// Section 10: the circuit hash and the contributions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mpc {
    /// The circuit hash `zkey new` computed.
    pub cs_hash: Hash,
    /// The contributions, oldest first.
    pub contributions: Vec<ZkeyContribution>,
}

impl Mpc {
    /// The section's body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.cs_hash);
        out.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
        for c in &self.contributions {
            c.encode(&mut out);
        }
        out
    }

    /// Parses the section's body.
    pub fn decode(bytes: &[u8]) -> Result<Self, ZkeyError> {
        let mut r = Cursor::new(bytes);
        let head = |e: String| ZkeyError::Contribution { number: 0, what: e };
        let mut cs_hash = [0u8; HASH_LEN];
        cs_hash.copy_from_slice(r.take(HASH_LEN).map_err(head)?);
        let n = r.u32().map_err(head)? as usize;
        let contributions = (1..=n)
            .map(|number| ZkeyContribution::decode(number, &mut r))
            .collect::<Result<Vec<_>, _>>()?;
        if !r.is_empty() {
            return Err(head(format!(
                "{} bytes after the last contribution",
                bytes.len() - r.position()
            )));
        }
        Ok(Mpc {
            cs_hash,
            contributions,
        })
    }

    /// The transcript hasher a new contribution starts from: the circuit
    /// hash, then every contribution's public key.
    pub fn transcript_hasher(&self) -> Blake2b {
        let mut h = Blake2b::new();
        h.update(&self.cs_hash);
        for c in &self.contributions {
            h.update(&c.public_key_bytes());
        }
        h
    }
}
