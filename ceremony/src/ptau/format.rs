//! The `.ptau` file: snarkjs's binary container and the sections of a
//! powers-of-tau accumulator.
//!
//! Container (`@iden3/binfileutils`): magic `ptau`, version (u32 LE, 1),
//! section count (u32 LE), then each section as id (u32 LE), byte size
//! (u64 LE) and its bytes. Sections, for power p (N = 2^p):
//!
//! | id | section | content |
//! |---|---|---|
//! | 1 | header | n8 = 32 (u32), the base field prime q (32 bytes LE), power, ceremony power (u32 each) |
//! | 2 | tauG1 | 2N - 1 G1 points tau^i * G1 |
//! | 3 | tauG2 | N G2 points tau^i * G2 |
//! | 4 | alphaTauG1 | N G1 points alpha * tau^i * G1 |
//! | 5 | betaTauG1 | N G1 points beta * tau^i * G1 |
//! | 6 | betaG2 | 1 G2 point beta * G2 |
//! | 7 | contributions | count (u32), then each contribution (see [`Contribution`]) |
//! | 12..15 | phase 2 | tauG1, tauG2, alphaTauG1, betaTauG1 in the Lagrange basis, for each power 0..=p (tauG1 also p + 1); see [`super::prepare`] |
//!
//! Points are in the Montgomery little-endian form of [`super::encoding`].

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ff::PrimeField;
use rayon::prelude::*;

use super::encoding::{PointError, PtauGroup, G1_SIZE, G2_SIZE};
use crate::hash::{Hash, HASH_LEN, PARTIAL_HASH_LEN};
use crate::keys::{PublicKey, KEY_POINT_NAMES, PUBLIC_KEY_SIZE};

/// The magic bytes at the start of every `.ptau` file.
pub const MAGIC: &[u8; 4] = b"ptau";
/// The container version snarkjs writes and reads.
pub const VERSION: u32 = 1;
/// The largest power the format's BN254 files go to (snarkjs's own limit, 2^28).
pub const MAX_POWER: u32 = 28;

/// A section of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// 1: curve and sizes.
    Header,
    /// 2: tau^i * G1.
    TauG1,
    /// 3: tau^i * G2.
    TauG2,
    /// 4: alpha * tau^i * G1.
    AlphaTauG1,
    /// 5: beta * tau^i * G1.
    BetaTauG1,
    /// 6: beta * G2.
    BetaG2,
    /// 7: the contributions.
    Contributions,
    /// 12: Lagrange-basis tauG1.
    LagrangeTauG1,
    /// 13: Lagrange-basis tauG2.
    LagrangeTauG2,
    /// 14: Lagrange-basis alphaTauG1.
    LagrangeAlphaTauG1,
    /// 15: Lagrange-basis betaTauG1.
    LagrangeBetaTauG1,
}

impl Section {
    /// The five sections of points, in file and hash order.
    pub const POINTS: [Section; 5] = [
        Section::TauG1,
        Section::TauG2,
        Section::AlphaTauG1,
        Section::BetaTauG1,
        Section::BetaG2,
    ];

    /// The section's id in the file.
    pub fn id(self) -> u32 {
        match self {
            Section::Header => 1,
            Section::TauG1 => 2,
            Section::TauG2 => 3,
            Section::AlphaTauG1 => 4,
            Section::BetaTauG1 => 5,
            Section::BetaG2 => 6,
            Section::Contributions => 7,
            Section::LagrangeTauG1 => 12,
            Section::LagrangeTauG2 => 13,
            Section::LagrangeAlphaTauG1 => 14,
            Section::LagrangeBetaTauG1 => 15,
        }
    }

    /// The section for an id, if the format has one.
    pub fn from_id(id: u32) -> Option<Section> {
        [
            Section::Header,
            Section::TauG1,
            Section::TauG2,
            Section::AlphaTauG1,
            Section::BetaTauG1,
            Section::BetaG2,
            Section::Contributions,
            Section::LagrangeTauG1,
            Section::LagrangeTauG2,
            Section::LagrangeAlphaTauG1,
            Section::LagrangeBetaTauG1,
        ]
        .into_iter()
        .find(|s| s.id() == id)
    }

    /// The section's name as snarkjs's messages call it.
    pub fn name(self) -> &'static str {
        match self {
            Section::Header => "header",
            Section::TauG1 => "tauG1",
            Section::TauG2 => "tauG2",
            Section::AlphaTauG1 => "alphaTauG1",
            Section::BetaTauG1 => "betaTauG1",
            Section::BetaG2 => "betaG2",
            Section::Contributions => "contributions",
            Section::LagrangeTauG1 => "lagrange tauG1",
            Section::LagrangeTauG2 => "lagrange tauG2",
            Section::LagrangeAlphaTauG1 => "lagrange alphaTauG1",
            Section::LagrangeBetaTauG1 => "lagrange betaTauG1",
        }
    }

    /// Number of points in a point section at `power` (0 for other sections).
    pub fn points(self, power: u32) -> u64 {
        let n = 1u64 << power;
        match self {
            Section::TauG1 => 2 * n - 1,
            Section::TauG2 | Section::AlphaTauG1 | Section::BetaTauG1 => n,
            Section::BetaG2 => 1,
            // Powers 0..=p of each basis (2^(p+1) - 1 points), and for tauG1 also 2^(p+1).
            Section::LagrangeTauG1 => 4 * n - 1,
            Section::LagrangeTauG2 | Section::LagrangeAlphaTauG1 | Section::LagrangeBetaTauG1 => {
                2 * n - 1
            }
            Section::Header | Section::Contributions => 0,
        }
    }

    /// Bytes per point of a point section.
    pub fn point_size(self) -> u64 {
        match self {
            Section::TauG2 | Section::BetaG2 | Section::LagrangeTauG2 => G2_SIZE as u64,
            _ => G1_SIZE as u64,
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (section {})", self.name(), self.id())
    }
}

/// What is wrong with a `.ptau` file's structure or encoding.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The file does not start with `ptau`.
    #[error("not a .ptau file: magic expected \"ptau\", got {got:?}")]
    Magic {
        /// The first four bytes.
        got: [u8; 4],
    },
    /// A container version other than 1.
    #[error("container version expected {VERSION}, got {got}")]
    Version {
        /// The version found.
        got: u32,
    },
    /// The file ends inside the section table or a section.
    #[error("file truncated: {what} needs bytes up to offset {needed}, the file has {len}")]
    Truncated {
        /// What was being read.
        what: String,
        /// The end offset it needs.
        needed: u64,
        /// The file's length.
        len: u64,
    },
    /// A required section is absent.
    #[error("{section} is missing")]
    Missing {
        /// The section.
        section: Section,
    },
    /// A section occurs twice.
    #[error("{section} occurs more than once")]
    Duplicate {
        /// The section.
        section: Section,
    },
    /// A section's size disagrees with the header.
    #[error("{section}: size expected {expected} bytes, got {got}")]
    SectionSize {
        /// The section.
        section: Section,
        /// The size implied by the header.
        expected: u64,
        /// The size in the section table.
        got: u64,
    },
    /// The header is not that of a BN254 file this tool reads.
    #[error("header (section 1): {what}")]
    Header {
        /// The rule broken, with the values.
        what: String,
    },
    /// A point of a point section is invalid.
    #[error("{section}: point {index}: {source}")]
    Point {
        /// The section.
        section: Section,
        /// The point's index in the section.
        index: u64,
        /// Why it was refused.
        source: PointError,
    },
    /// A contribution record is malformed.
    #[error("contributions (section 7): contribution #{number}: {what}")]
    Contribution {
        /// 1-based, as snarkjs numbers contributions.
        number: usize,
        /// The rule broken, with the values.
        what: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FormatError + '_ {
    move |source| FormatError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How a contribution's randomness was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributionKind {
    /// Secret randomness (type 0).
    Random,
    /// A public beacon (type 1): the key is derived from the beacon value
    /// hashed 2^iterations_exp times with SHA-256.
    Beacon {
        /// The beacon value (at most 255 bytes).
        hash: Vec<u8>,
        /// The exponent of the number of SHA-256 iterations.
        iterations_exp: u8,
    },
}

/// One contribution as recorded in section 7.
///
/// Record layout: tauG1 (tau * G1), tauG2, alphaG1, betaG1, betaG2 (the
/// contribution's new first points), the public key (9 points), the 216-byte
/// response-hasher state before the key, the next challenge hash (64 bytes),
/// the type (u32: 0 random, 1 beacon), and a parameter block (u32 length,
/// then entries sorted by tag: 1 name (u8 length, UTF-8), 2 iterations
/// exponent (u8), 3 beacon hash (u8 length, bytes)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// tau * G1 after this contribution.
    pub tau_g1: G1Affine,
    /// tau * G2 after this contribution.
    pub tau_g2: G2Affine,
    /// alpha * G1 after this contribution.
    pub alpha_g1: G1Affine,
    /// beta * G1 after this contribution.
    pub beta_g1: G1Affine,
    /// beta * G2 after this contribution.
    pub beta_g2: G2Affine,
    /// The contributor's public key.
    pub key: PublicKey,
    /// The response hasher's state before the key was absorbed.
    pub partial_hash: [u8; PARTIAL_HASH_LEN],
    /// The challenge the next contributor builds on.
    pub next_challenge: Hash,
    /// Random or beacon.
    pub kind: ContributionKind,
    /// The contributor's name, if given.
    pub name: Option<String>,
}

const PARAM_NAME: u8 = 1;
const PARAM_ITERATIONS_EXP: u8 = 2;
const PARAM_BEACON_HASH: u8 = 3;
/// snarkjs keeps the first 64 UTF-16 units of a name.
const NAME_MAX_UTF16: usize = 64;

impl Contribution {
    /// The name as snarkjs stores it: at most 64 UTF-16 code units.
    pub fn truncate_name(name: &str) -> String {
        let mut units = 0;
        name.chars()
            .take_while(|c| {
                units += c.len_utf16();
                units <= NAME_MAX_UTF16
            })
            .collect()
    }

    /// The contribution hash a participant publishes: the response hash,
    /// BLAKE2b(previous challenge || compressed new points || uncompressed key).
    pub fn response_hash(&self) -> Result<Hash, String> {
        let mut h = crate::hash::Blake2b::from_partial(&self.partial_hash)
            .ok_or_else(|| "partial hash has an impossible buffer position".to_string())?;
        h.update(&self.key.to_uncompressed());
        Ok(h.finalize())
    }

    /// A label for messages: `#3 "alice"`.
    pub fn label(number: usize, name: Option<&str>) -> String {
        match name {
            Some(name) => format!("#{number} {name:?}"),
            None => format!("#{number}"),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let mut g1 = [0u8; G1_SIZE];
        let mut g2 = [0u8; G2_SIZE];
        self.tau_g1.write_lem(&mut g1);
        out.extend_from_slice(&g1);
        self.tau_g2.write_lem(&mut g2);
        out.extend_from_slice(&g2);
        self.alpha_g1.write_lem(&mut g1);
        out.extend_from_slice(&g1);
        self.beta_g1.write_lem(&mut g1);
        out.extend_from_slice(&g1);
        self.beta_g2.write_lem(&mut g2);
        out.extend_from_slice(&g2);
        out.extend_from_slice(&self.key.to_lem());
        out.extend_from_slice(&self.partial_hash);
        out.extend_from_slice(&self.next_challenge);
        let kind: u32 = match self.kind {
            ContributionKind::Random => 0,
            ContributionKind::Beacon { .. } => 1,
        };
        out.extend_from_slice(&kind.to_le_bytes());
        let params = encode_params(self.name.as_deref(), &self.kind);
        out.extend_from_slice(&(params.len() as u32).to_le_bytes());
        out.extend_from_slice(&params);
    }

    fn decode(number: usize, r: &mut Cursor<'_>) -> Result<Self, FormatError> {
        let err = |what: String| FormatError::Contribution { number, what };
        let point_err = |what: &str, e: PointError| err(format!("{what}: {e}"));
        let tau_g1 = G1Affine::read_lem(r.take(G1_SIZE).map_err(&err)?)
            .map_err(|e| point_err("tauG1", e))?;
        let tau_g2 = G2Affine::read_lem(r.take(G2_SIZE).map_err(&err)?)
            .map_err(|e| point_err("tauG2", e))?;
        let alpha_g1 = G1Affine::read_lem(r.take(G1_SIZE).map_err(&err)?)
            .map_err(|e| point_err("alphaG1", e))?;
        let beta_g1 = G1Affine::read_lem(r.take(G1_SIZE).map_err(&err)?)
            .map_err(|e| point_err("betaG1", e))?;
        let beta_g2 = G2Affine::read_lem(r.take(G2_SIZE).map_err(&err)?)
            .map_err(|e| point_err("betaG2", e))?;
        let key = PublicKey::from_lem(r.take(PUBLIC_KEY_SIZE).map_err(&err)?)
            .map_err(|(i, e)| point_err(&format!("key point {}", KEY_POINT_NAMES[i]), e))?;
        let mut partial_hash = [0u8; PARTIAL_HASH_LEN];
        partial_hash.copy_from_slice(r.take(PARTIAL_HASH_LEN).map_err(&err)?);
        let mut next_challenge = [0u8; HASH_LEN];
        next_challenge.copy_from_slice(r.take(HASH_LEN).map_err(&err)?);
        let kind_tag = r.u32().map_err(&err)?;
        let params_len = r.u32().map_err(&err)? as usize;
        let (name, kind) =
            decode_params(kind_tag, r.take(params_len).map_err(&err)?).map_err(err)?;
        Ok(Contribution {
            tau_g1,
            tau_g2,
            alpha_g1,
            beta_g1,
            beta_g2,
            key,
            partial_hash,
            next_challenge,
            kind,
            name,
        })
    }
}

/// A contribution's parameter block, as `.ptau` and `.zkey` records end:
/// entries sorted by tag: 1 name (u8 length, UTF-8, at most 64 UTF-16
/// units kept), 2 iterations exponent (u8), 3 beacon hash (u8 length, bytes).
pub(crate) fn encode_params(name: Option<&str>, kind: &ContributionKind) -> Vec<u8> {
    let mut params = Vec::new();
    if let Some(name) = name {
        let name = Contribution::truncate_name(name);
        params.push(PARAM_NAME);
        params.push(name.len() as u8);
        params.extend_from_slice(name.as_bytes());
    }
    if let ContributionKind::Beacon {
        hash,
        iterations_exp,
    } = kind
    {
        params.push(PARAM_ITERATIONS_EXP);
        params.push(*iterations_exp);
        params.push(PARAM_BEACON_HASH);
        params.push(hash.len() as u8);
        params.extend_from_slice(hash);
    }
    params
}

/// Parses a parameter block (see [`encode_params`]) of a record of type
/// `kind_tag` (0 random, 1 beacon).
pub(crate) fn decode_params(
    kind_tag: u32,
    bytes: &[u8],
) -> Result<(Option<String>, ContributionKind), String> {
    let mut params = Cursor::new(bytes);
    let (mut name, mut exp, mut beacon) = (None, None, None);
    let mut last_tag = 0u8;
    while !params.is_empty() {
        let tag = params.u8()?;
        if tag <= last_tag {
            return Err(format!(
                "parameters must be sorted by tag: tag {tag} after {last_tag}"
            ));
        }
        last_tag = tag;
        match tag {
            PARAM_NAME => {
                let len = params.u8()? as usize;
                let bytes = params.take(len)?;
                let text =
                    std::str::from_utf8(bytes).map_err(|e| format!("name is not UTF-8: {e}"))?;
                name = Some(text.to_string());
            }
            PARAM_ITERATIONS_EXP => exp = Some(params.u8()?),
            PARAM_BEACON_HASH => {
                let len = params.u8()? as usize;
                beacon = Some(params.take(len)?.to_vec());
            }
            other => {
                return Err(format!(
                    "unknown parameter tag {other} (known: 1 name, 2 iterations, 3 beacon hash)"
                ))
            }
        }
    }
    let kind = match kind_tag {
        0 => ContributionKind::Random,
        1 => match (beacon, exp) {
            (Some(hash), Some(iterations_exp)) => ContributionKind::Beacon {
                hash,
                iterations_exp,
            },
            _ => {
                return Err("beacon contribution without beacon hash or iterations exponent".into())
            }
        },
        other => {
            return Err(format!(
                "type expected 0 (random) or 1 (beacon), got {other}"
            ))
        }
    };
    Ok((name, kind))
}

/// Reads little-endian values from a byte slice.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "record truncated: {n} bytes needed at offset {}, {} left",
                    self.pos,
                    self.bytes.len() - self.pos
                )
            })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// The header: sizes of this file and of the ceremony it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// log2 of the number of tauG2 points in this file.
    pub power: u32,
    /// The power of the ceremony (larger than `power` in truncated files).
    pub ceremony_power: u32,
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(44);
        out.extend_from_slice(&32u32.to_le_bytes());
        for limb in Fq::MODULUS.0 {
            out.extend_from_slice(&limb.to_le_bytes());
        }
        out.extend_from_slice(&self.power.to_le_bytes());
        out.extend_from_slice(&self.ceremony_power.to_le_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let err = |what: String| FormatError::Header { what };
        let mut r = Cursor::new(bytes);
        let n8 = r.u32().map_err(err)?;
        if n8 != 32 {
            return Err(err(format!(
                "field element size expected 32 bytes (BN254), got {n8}"
            )));
        }
        let prime = r.take(32).map_err(err)?;
        let expected: Vec<u8> = Fq::MODULUS.0.iter().flat_map(|l| l.to_le_bytes()).collect();
        if prime != expected.as_slice() {
            return Err(err(format!(
                "prime expected BN254's q ({}), got {} (little-endian hex)",
                hex::encode(&expected),
                hex::encode(prime)
            )));
        }
        let power = r.u32().map_err(err)?;
        let ceremony_power = r.u32().map_err(err)?;
        if !r.is_empty() {
            return Err(err(format!("size expected 44 bytes, got {}", bytes.len())));
        }
        if power == 0 || power > MAX_POWER {
            return Err(err(format!("power expected 1..={MAX_POWER}, got {power}")));
        }
        if ceremony_power < power || ceremony_power > MAX_POWER {
            return Err(err(format!(
                "ceremony power expected {power}..={MAX_POWER}, got {ceremony_power}"
            )));
        }
        Ok(Header {
            power,
            ceremony_power,
        })
    }
}

/// Where a section's bytes are.
#[derive(Debug, Clone, Copy)]
struct SectionPos {
    offset: u64,
    size: u64,
}

/// An open `.ptau` file: its header and contributions, with point sections
/// read on demand.
pub struct PtauFile {
    file: File,
    path: PathBuf,
    /// The header.
    pub header: Header,
    /// The contributions, oldest first.
    pub contributions: Vec<Contribution>,
    sections: BTreeMap<u32, SectionPos>,
}

impl PtauFile {
    /// Opens a file and checks its structure: container, header, section
    /// sizes, and every contribution record. Point sections are not read.
    pub fn open(path: &Path) -> Result<Self, FormatError> {
        let file = File::open(path).map_err(io(path))?;
        let len = file.metadata().map_err(io(path))?.len();
        let mut head = [0u8; 12];
        read_at(&file, path, len, &mut head, 0, "file header")?;
        let mut magic = [0u8; 4];
        magic.copy_from_slice(&head[..4]);
        if &magic != MAGIC {
            return Err(FormatError::Magic { got: magic });
        }
        let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if version != VERSION {
            return Err(FormatError::Version { got: version });
        }
        let count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        let mut sections = BTreeMap::new();
        let mut offset = 12u64;
        for i in 0..count {
            let mut sh = [0u8; 12];
            read_at(
                &file,
                path,
                len,
                &mut sh,
                offset,
                &format!("section table entry {i}"),
            )?;
            let id = u32::from_le_bytes([sh[0], sh[1], sh[2], sh[3]]);
            let mut size = [0u8; 8];
            size.copy_from_slice(&sh[4..]);
            let size = u64::from_le_bytes(size);
            let start = offset + 12;
            let end = start.saturating_add(size);
            if end > len {
                return Err(FormatError::Truncated {
                    what: format!("section {id}"),
                    needed: end,
                    len,
                });
            }
            if let Some(section) = Section::from_id(id) {
                if sections
                    .insert(
                        id,
                        SectionPos {
                            offset: start,
                            size,
                        },
                    )
                    .is_some()
                {
                    return Err(FormatError::Duplicate { section });
                }
            }
            offset = end;
        }
        let get = |section: Section| {
            sections
                .get(&section.id())
                .copied()
                .ok_or(FormatError::Missing { section })
        };
        let hpos = get(Section::Header)?;
        if hpos.size != 44 {
            return Err(FormatError::Header {
                what: format!("size expected 44 bytes, got {}", hpos.size),
            });
        }
        let mut hbytes = vec![0u8; hpos.size.min(1024) as usize];
        read_at(&file, path, len, &mut hbytes, hpos.offset, "header")?;
        let header = Header::decode(&hbytes)?;
        for section in Section::POINTS {
            let pos = get(section)?;
            let expected = section.points(header.power) * section.point_size();
            if pos.size != expected {
                return Err(FormatError::SectionSize {
                    section,
                    expected,
                    got: pos.size,
                });
            }
        }
        let cpos = get(Section::Contributions)?;
        let mut cbytes = vec![0u8; cpos.size as usize];
        read_at(&file, path, len, &mut cbytes, cpos.offset, "contributions")?;
        let contributions = decode_contributions(&cbytes)?;
        Ok(PtauFile {
            file,
            path: path.to_path_buf(),
            header,
            contributions,
            sections,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file has a section (phase 2 sections are optional).
    pub fn has_section(&self, section: Section) -> bool {
        self.sections.contains_key(&section.id())
    }

    /// The size in bytes of a section, if the file has it.
    pub fn section_size(&self, section: Section) -> Option<u64> {
        self.sections.get(&section.id()).map(|pos| pos.size)
    }

    /// The byte range of a section's body in the file, if the file has it.
    pub fn section_range(&self, section: Section) -> Option<std::ops::Range<u64>> {
        self.sections
            .get(&section.id())
            .map(|pos| pos.offset..pos.offset + pos.size)
    }

    /// The whole body of a section, as raw bytes.
    pub fn read_section(&self, section: Section) -> Result<Vec<u8>, FormatError> {
        let pos = self
            .sections
            .get(&section.id())
            .copied()
            .ok_or(FormatError::Missing { section })?;
        let mut buf = vec![0u8; pos.size as usize];
        self.file
            .read_exact_at(&mut buf, pos.offset)
            .map_err(io(&self.path))?;
        Ok(buf)
    }

    /// The raw bytes of points `start..start + count` of a point section.
    pub fn read_raw(
        &self,
        section: Section,
        start: u64,
        count: u64,
    ) -> Result<Vec<u8>, FormatError> {
        let pos = self
            .sections
            .get(&section.id())
            .copied()
            .ok_or(FormatError::Missing { section })?;
        let size = section.point_size();
        let offset = start * size;
        let bytes = count * size;
        if offset + bytes > pos.size {
            return Err(FormatError::SectionSize {
                section,
                expected: offset + bytes,
                got: pos.size,
            });
        }
        let mut buf = vec![0u8; bytes as usize];
        self.file
            .read_exact_at(&mut buf, pos.offset + offset)
            .map_err(io(&self.path))?;
        Ok(buf)
    }

    /// Points of a section this program has just written, decoded unchecked.
    pub fn read_points_trusted<G: PtauGroup>(
        &self,
        section: Section,
        start: u64,
        count: u64,
    ) -> Result<Vec<G>, FormatError> {
        let raw = self.read_raw(section, start, count)?;
        Ok(raw
            .par_chunks_exact(G::SIZE)
            .map(G::read_lem_trusted)
            .collect())
    }

    /// Replaces the contributions section in place (same size: used to fill
    /// in the next challenge hash once the points are written).
    pub fn rewrite_contributions(&self, contributions: &[Contribution]) -> Result<(), FormatError> {
        let section = Section::Contributions;
        let pos = self
            .sections
            .get(&section.id())
            .copied()
            .ok_or(FormatError::Missing { section })?;
        let body = encode_contributions(contributions);
        if body.len() as u64 != pos.size {
            return Err(FormatError::SectionSize {
                section,
                expected: pos.size,
                got: body.len() as u64,
            });
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(io(&self.path))?;
        file.write_all_at(&body, pos.offset)
            .map_err(io(&self.path))?;
        file.sync_all().map_err(io(&self.path))
    }

    /// Points `start..start + count` of a point section, decoded and checked
    /// in parallel (reduced coordinates, on the curve, in the subgroup).
    pub fn read_points<G: PtauGroup>(
        &self,
        section: Section,
        start: u64,
        count: u64,
    ) -> Result<Vec<G>, FormatError> {
        let raw = self.read_raw(section, start, count)?;
        decode_points(section, start, &raw)
    }
}

/// Decodes a run of points whose first one has index `start` in `section`.
pub fn decode_points<G: PtauGroup>(
    section: Section,
    start: u64,
    raw: &[u8],
) -> Result<Vec<G>, FormatError> {
    raw.par_chunks_exact(G::SIZE)
        .enumerate()
        .map(|(i, bytes)| {
            G::read_lem(bytes).map_err(|source| FormatError::Point {
                section,
                index: start + i as u64,
                source,
            })
        })
        .collect()
}

fn read_at(
    file: &File,
    path: &Path,
    len: u64,
    buf: &mut [u8],
    offset: u64,
    what: &str,
) -> Result<(), FormatError> {
    let needed = offset + buf.len() as u64;
    if needed > len {
        return Err(FormatError::Truncated {
            what: what.to_string(),
            needed,
            len,
        });
    }
    file.read_exact_at(buf, offset).map_err(io(path))
}

fn decode_contributions(bytes: &[u8]) -> Result<Vec<Contribution>, FormatError> {
    let mut r = Cursor::new(bytes);
    let count = r.u32().map_err(|what| FormatError::Contribution {
        number: 0,
        what: format!("count: {what}"),
    })?;
    let mut out = Vec::with_capacity(count.min(1 << 16) as usize);
    for i in 0..count as usize {
        out.push(Contribution::decode(i + 1, &mut r)?);
    }
    if !r.is_empty() {
        return Err(FormatError::SectionSize {
            section: Section::Contributions,
            expected: r.pos as u64,
            got: bytes.len() as u64,
        });
    }
    Ok(out)
}

/// Encodes the contributions section's body.
pub fn encode_contributions(contributions: &[Contribution]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(contributions.len() as u32).to_le_bytes());
    for c in contributions {
        c.encode(&mut out);
    }
    out
}

/// Writes a `.ptau` file section by section, in order.
pub struct PtauWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl PtauWriter {
    /// Creates (or truncates) `path` and writes the container header for
    /// `sections` sections and the header section.
    pub fn create(path: &Path, header: Header, sections: u32) -> Result<Self, FormatError> {
        let file = File::create(path).map_err(io(path))?;
        let mut w = PtauWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            path: path.to_path_buf(),
        };
        w.write(MAGIC)?;
        w.write(&VERSION.to_le_bytes())?;
        w.write(&sections.to_le_bytes())?;
        let body = header.encode();
        w.section_start(Section::Header, body.len() as u64)?;
        w.write(&body)?;
        Ok(w)
    }

    /// Starts a section of `size` bytes; the caller then writes exactly that many.
    pub fn section_start(&mut self, section: Section, size: u64) -> Result<(), FormatError> {
        self.write(&section.id().to_le_bytes())?;
        self.write(&size.to_le_bytes())
    }

    /// Writes bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), FormatError> {
        self.out.write_all(bytes).map_err(io(&self.path))
    }

    /// Writes the contributions section.
    pub fn contributions(&mut self, contributions: &[Contribution]) -> Result<(), FormatError> {
        let body = encode_contributions(contributions);
        self.section_start(Section::Contributions, body.len() as u64)?;
        self.write(&body)
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> Result<(), FormatError> {
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| FormatError::Io {
            path: path.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(io(&path))
    }
}
