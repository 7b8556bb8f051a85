//! The `.r1cs` file: iden3's binary container, as circom writes it and
//! snarkjs (`r1csfile`) reads it, with its three sections.
//!
//! Container: magic `r1cs`, version (u32, 1), section count (u32), then each
//! section as id (u32), byte size (u64) and its bytes, in any order, each
//! at most once. Every integer is little-endian.
//!
//! | id | section | content |
//! |---|---|---|
//! | 1 | header | n8 = 32 (u32), the prime r (n8 bytes), nWires, nPubOut, nPubIn, nPrvIn (u32 each), nLabels (u64), nConstraints (u32) |
//! | 2 | constraints | for each constraint, A, B, C, each as a term count (u32) then per term the wire (u32) and the coefficient (n8 bytes, standard form, below r) |
//! | 3 | wire-to-label map | the label of each wire (u64 each) |
//!
//! Other sections (circom's custom gates, 4 and 5, which only PLONK uses)
//! are skipped. The prime must be BN254's scalar field r.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};

use super::{Constraint, R1cs, Term};
use crate::progress;

/// The magic bytes at the start of every `.r1cs` file.
pub const MAGIC: &[u8; 4] = b"r1cs";
/// The container version circom writes and snarkjs reads.
pub const VERSION: u32 = 1;
/// Bytes of a field element (BN254's r fits 32).
pub const N8: u32 = 32;
/// Bytes of the header section's body.
const HEADER_SIZE: u64 = 4 + N8 as u64 + 4 * 4 + 8 + 4;
/// Bytes of one term in the constraints section: wire, then coefficient.
const TERM_SIZE: u64 = 4 + N8 as u64;
/// Constraints between two progress-bar updates.
const PROGRESS_STEP: usize = 1 << 16;

/// A section of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// 1: field and counts.
    Header,
    /// 2: the constraints.
    Constraints,
    /// 3: each wire's label.
    WireMap,
}

impl Section {
    const ALL: [Section; 3] = [Section::Header, Section::Constraints, Section::WireMap];

    /// The section's id in the file.
    pub fn id(self) -> u32 {
        match self {
            Section::Header => 1,
            Section::Constraints => 2,
            Section::WireMap => 3,
        }
    }

    /// The section for an id, if this format reads it.
    pub fn from_id(id: u32) -> Option<Section> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The section's name.
    pub fn name(self) -> &'static str {
        match self {
            Section::Header => "header",
            Section::Constraints => "constraints",
            Section::WireMap => "wire-to-label map",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (section {})", self.name(), self.id())
    }
}

/// One of a constraint's three linear combinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    /// The left factor.
    A,
    /// The right factor.
    B,
    /// The product.
    C,
}

impl fmt::Display for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Matrix::A => "A",
            Matrix::B => "B",
            Matrix::C => "C",
        })
    }
}

/// What is wrong with a `.r1cs` file (or with an R1CS about to be written).
#[derive(Debug, thiserror::Error)]
pub enum R1csError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The file does not start with `r1cs`.
    #[error("not a .r1cs file: magic expected \"r1cs\", got {got:?}")]
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
    /// A section ends before the content its header announces.
    #[error("{section}: the section's {size} bytes end inside {what}")]
    SectionEnds {
        /// The section.
        section: Section,
        /// Its size in the section table.
        size: u64,
        /// What was being read, e.g. `constraint 7, B, term 2`.
        what: String,
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
        /// The size the header implies.
        expected: u64,
        /// The size in the section table.
        got: u64,
    },
    /// The field is not BN254's scalar field.
    #[error("header (section 1): prime expected BN254's scalar field r = {expected}, got {got}")]
    Prime {
        /// r, in decimal.
        expected: String,
        /// The file's prime, in decimal.
        got: String,
    },
    /// The header breaks another rule (field size, counts).
    #[error("header (section 1): {what}")]
    Header {
        /// The rule broken, with the values.
        what: String,
    },
    /// A term names a wire the circuit does not have.
    #[error("constraint {constraint}, {matrix}, term {term}: wire {wire} out of range (the circuit has {n_wires} wires)")]
    WireOutOfRange {
        /// The constraint's index (0-based).
        constraint: usize,
        /// A, B or C.
        matrix: Matrix,
        /// The term's index in its linear combination.
        term: usize,
        /// The wire.
        wire: u32,
        /// nWires.
        n_wires: u32,
    },
    /// A wire appears twice in one linear combination (snarkjs would keep
    /// only one of its coefficients).
    #[error("constraint {constraint}, {matrix}: wire {wire} appears more than once")]
    DuplicateWire {
        /// The constraint's index (0-based).
        constraint: usize,
        /// A, B or C.
        matrix: Matrix,
        /// The wire.
        wire: u32,
    },
    /// A coefficient is r or more (the format wants it reduced).
    #[error("constraint {constraint}, {matrix}, term {term}: coefficient {value} is not reduced (not below r)")]
    NotReduced {
        /// The constraint's index (0-based).
        constraint: usize,
        /// A, B or C.
        matrix: Matrix,
        /// The term's index in its linear combination.
        term: usize,
        /// The coefficient, in decimal.
        value: String,
    },
    /// A wire's label is not below nLabels.
    #[error("wire-to-label map (section 3): wire {wire} has label {label}, not below nLabels = {n_labels}")]
    Label {
        /// The wire.
        wire: u64,
        /// Its label.
        label: u64,
        /// nLabels.
        n_labels: u64,
    },
    /// The R1CS has more of something than the format's fields can count.
    #[error("{what}: {got} is more than the format's limit of {}", u32::MAX)]
    TooLarge {
        /// What is counted.
        what: &'static str,
        /// The count.
        got: u64,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> R1csError + '_ {
    move |source| R1csError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// r's little-endian bytes, as the header stores it.
fn prime_bytes() -> [u8; N8 as usize] {
    field_bytes(&Fr::MODULUS)
}

fn field_bytes(value: &BigInt<4>) -> [u8; N8 as usize] {
    let mut out = [0u8; N8 as usize];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(value.0) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

fn bigint_from_le(bytes: &[u8; N8 as usize]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(b);
    }
    BigInt::new(limbs)
}

impl R1cs {
    /// Checks what the format requires of an R1CS beyond its encoding: the
    /// counts fit and agree, every term's wire exists and appears once in its
    /// linear combination, every label is below nLabels.
    pub fn check(&self) -> Result<(), R1csError> {
        check_counts(self.n_wires, self.n_pub_out, self.n_pub_in, self.n_prv_in)?;
        if self.constraints.len() as u64 > u64::from(u32::MAX) {
            return Err(R1csError::TooLarge {
                what: "constraints",
                got: self.constraints.len() as u64,
            });
        }
        for (i, c) in self.constraints.iter().enumerate() {
            for (matrix, terms) in c.matrices() {
                check_terms(i, matrix, terms, self.n_wires)?;
            }
        }
        if self.wire_labels.len() as u64 != u64::from(self.n_wires) {
            return Err(R1csError::Header {
                what: format!(
                    "{} wire labels for {} wires",
                    self.wire_labels.len(),
                    self.n_wires
                ),
            });
        }
        check_labels(&self.wire_labels, self.n_labels)
    }

    /// Bytes of the constraints section's body.
    fn constraints_size(&self) -> u64 {
        self.constraints
            .iter()
            .map(|c| 12 + TERM_SIZE * (c.a.len() + c.b.len() + c.c.len()) as u64)
            .sum()
    }

    /// Writes the R1CS to `path` (after [`Self::check`]), streaming: section
    /// sizes are computed first, so no copy of the file is built in memory.
    pub fn write(&self, path: &Path) -> Result<(), R1csError> {
        self.check()?;
        let file = File::create(path).map_err(io(path))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut put = |bytes: &[u8]| out.write_all(bytes).map_err(io(path));

        put(MAGIC)?;
        put(&VERSION.to_le_bytes())?;
        put(&(Section::ALL.len() as u32).to_le_bytes())?;

        put(&Section::Header.id().to_le_bytes())?;
        put(&HEADER_SIZE.to_le_bytes())?;
        put(&N8.to_le_bytes())?;
        put(&prime_bytes())?;
        for count in [self.n_wires, self.n_pub_out, self.n_pub_in, self.n_prv_in] {
            put(&count.to_le_bytes())?;
        }
        put(&self.n_labels.to_le_bytes())?;
        put(&(self.constraints.len() as u32).to_le_bytes())?;

        put(&Section::Constraints.id().to_le_bytes())?;
        put(&self.constraints_size().to_le_bytes())?;
        let bar = progress::bar(
            self.constraints.len() as u64,
            "write constraints",
            "constraints",
        );
        for (i, c) in self.constraints.iter().enumerate() {
            for (_, terms) in c.matrices() {
                put(&(terms.len() as u32).to_le_bytes())?;
                for t in terms {
                    put(&t.wire.to_le_bytes())?;
                    put(&field_bytes(&t.coeff.into_bigint()))?;
                }
            }
            if (i + 1) % PROGRESS_STEP == 0 {
                bar.inc(PROGRESS_STEP as u64);
            }
        }
        bar.finish_and_clear();

        put(&Section::WireMap.id().to_le_bytes())?;
        put(&(8 * u64::from(self.n_wires)).to_le_bytes())?;
        for label in &self.wire_labels {
            put(&label.to_le_bytes())?;
        }

        let file = out.into_inner().map_err(|e| R1csError::Io {
            path: path.to_path_buf(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(io(path))
    }

    /// Reads a `.r1cs` file and checks every rule of the format (see
    /// [`R1csError`]): the R1CS it returns passes [`Self::check`].
    pub fn read(path: &Path) -> Result<R1cs, R1csError> {
        let file = File::open(path).map_err(io(path))?;
        let len = file.metadata().map_err(io(path))?.len();
        let mut r = Reader {
            inner: BufReader::with_capacity(1 << 20, file),
            path,
        };
        let sections = read_section_table(&mut r, len)?;
        let get = |section: Section| {
            sections
                .get(&section)
                .copied()
                .ok_or(R1csError::Missing { section })
        };

        let (start, size) = get(Section::Header)?;
        if size != HEADER_SIZE {
            return Err(R1csError::SectionSize {
                section: Section::Header,
                expected: HEADER_SIZE,
                got: size,
            });
        }
        r.seek(start)?;
        let header = read_header(&mut r)?;

        let (start, size) = get(Section::Constraints)?;
        r.seek(start)?;
        let constraints = read_constraints(&mut r, size, &header)?;

        let (start, size) = get(Section::WireMap)?;
        let expected = 8 * u64::from(header.n_wires);
        if size != expected {
            return Err(R1csError::SectionSize {
                section: Section::WireMap,
                expected,
                got: size,
            });
        }
        r.seek(start)?;
        let mut wire_labels = Vec::with_capacity(header.n_wires as usize);
        for _ in 0..header.n_wires {
            wire_labels.push(r.u64()?);
        }
        check_labels(&wire_labels, header.n_labels)?;

        Ok(R1cs {
            n_wires: header.n_wires,
            n_pub_out: header.n_pub_out,
            n_pub_in: header.n_pub_in,
            n_prv_in: header.n_prv_in,
            n_labels: header.n_labels,
            constraints,
            wire_labels,
        })
    }
}

/// Wire 0 is the constant one; outputs and inputs are other wires.
fn check_counts(
    n_wires: u32,
    n_pub_out: u32,
    n_pub_in: u32,
    n_prv_in: u32,
) -> Result<(), R1csError> {
    if n_wires == 0 {
        return Err(R1csError::Header {
            what: "nWires is 0, but wire 0 is the constant one".into(),
        });
    }
    let signals = u64::from(n_pub_out) + u64::from(n_pub_in) + u64::from(n_prv_in);
    if signals >= u64::from(n_wires) {
        return Err(R1csError::Header {
            what: format!(
                "{n_pub_out} outputs + {n_pub_in} public inputs + {n_prv_in} private inputs \
                 do not fit in {n_wires} wires besides the constant one"
            ),
        });
    }
    Ok(())
}

/// Every wire in range and at most once in its linear combination.
fn check_terms(
    constraint: usize,
    matrix: Matrix,
    terms: &[Term],
    n_wires: u32,
) -> Result<(), R1csError> {
    if let Some((term, t)) = terms.iter().enumerate().find(|(_, t)| t.wire >= n_wires) {
        return Err(R1csError::WireOutOfRange {
            constraint,
            matrix,
            term,
            wire: t.wire,
            n_wires,
        });
    }
    // arkworks and circom's writer list wires in increasing order: sort only otherwise.
    let duplicate = if terms.windows(2).all(|w| w[0].wire < w[1].wire) {
        None
    } else {
        let mut wires: Vec<u32> = terms.iter().map(|t| t.wire).collect();
        wires.sort_unstable();
        wires.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    };
    match duplicate {
        Some(wire) => Err(R1csError::DuplicateWire {
            constraint,
            matrix,
            wire,
        }),
        None => Ok(()),
    }
}

fn check_labels(labels: &[u64], n_labels: u64) -> Result<(), R1csError> {
    match labels.iter().enumerate().find(|(_, l)| **l >= n_labels) {
        Some((wire, label)) => Err(R1csError::Label {
            wire: wire as u64,
            label: *label,
            n_labels,
        }),
        None => Ok(()),
    }
}

/// The header's counts.
struct Header {
    n_wires: u32,
    n_pub_out: u32,
    n_pub_in: u32,
    n_prv_in: u32,
    n_labels: u64,
    n_constraints: u32,
}

/// Little-endian reads from the file; running out of file is an I/O error
/// here, because every section was checked to lie within the file.
struct Reader<'a> {
    inner: BufReader<File>,
    path: &'a Path,
}

impl Reader<'_> {
    fn seek(&mut self, offset: u64) -> Result<(), R1csError> {
        self.inner
            .seek(SeekFrom::Start(offset))
            .map(|_| ())
            .map_err(io(self.path))
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], R1csError> {
        let mut b = [0u8; N];
        self.inner.read_exact(&mut b).map_err(io(self.path))?;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32, R1csError> {
        self.bytes().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, R1csError> {
        self.bytes().map(u64::from_le_bytes)
    }
}

/// The container header and where each known section lies (start, size).
fn read_section_table(
    r: &mut Reader<'_>,
    len: u64,
) -> Result<BTreeMap<Section, (u64, u64)>, R1csError> {
    let need = |what: &str, needed: u64| {
        if needed > len {
            Err(R1csError::Truncated {
                what: what.to_string(),
                needed,
                len,
            })
        } else {
            Ok(())
        }
    };
    need("container header", 12)?;
    let magic = r.bytes::<4>()?;
    if &magic != MAGIC {
        return Err(R1csError::Magic { got: magic });
    }
    let version = r.u32()?;
    if version != VERSION {
        return Err(R1csError::Version { got: version });
    }
    let count = r.u32()?;
    let mut sections = BTreeMap::new();
    let mut offset = 12u64;
    for i in 0..count {
        need(&format!("section table entry {i}"), offset + 12)?;
        r.seek(offset)?;
        let id = r.u32()?;
        let size = r.u64()?;
        let start = offset + 12;
        let end = start.saturating_add(size);
        let section = Section::from_id(id);
        let what = match section {
            Some(s) => s.to_string(),
            None => format!("section {id}"),
        };
        need(&what, end)?;
        if let Some(section) = section {
            if sections.insert(section, (start, size)).is_some() {
                return Err(R1csError::Duplicate { section });
            }
        }
        offset = end;
    }
    Ok(sections)
}

fn read_header(r: &mut Reader<'_>) -> Result<Header, R1csError> {
    let n8 = r.u32()?;
    if n8 != N8 {
        return Err(R1csError::Header {
            what: format!("field element size expected {N8} bytes (BN254), got {n8}"),
        });
    }
    let prime = r.bytes::<{ N8 as usize }>()?;
    if prime != prime_bytes() {
        return Err(R1csError::Prime {
            expected: Fr::MODULUS.to_string(),
            got: bigint_from_le(&prime).to_string(),
        });
    }
    let (n_wires, n_pub_out, n_pub_in, n_prv_in) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let n_labels = r.u64()?;
    let n_constraints = r.u32()?;
    check_counts(n_wires, n_pub_out, n_pub_in, n_prv_in)?;
    Ok(Header {
        n_wires,
        n_pub_out,
        n_pub_in,
        n_prv_in,
        n_labels,
        n_constraints,
    })
}

/// The constraints section, checked term by term.
fn read_constraints(
    r: &mut Reader<'_>,
    size: u64,
    header: &Header,
) -> Result<Vec<Constraint>, R1csError> {
    let section = Section::Constraints;
    let mut left = size;
    // Bounds every read (and allocation) by the section's size, so a header
    // announcing more than the section holds is refused, not believed.
    let mut take = |n: u64, what: &dyn Fn() -> String| {
        if n > left {
            Err(R1csError::SectionEnds {
                section,
                size,
                what: what(),
            })
        } else {
            left -= n;
            Ok(())
        }
    };
    let n = header.n_constraints as usize;
    // Every constraint takes at least its three term counts.
    let mut constraints = Vec::with_capacity(n.min((size / 12) as usize));
    let bar = progress::bar(n as u64, "read constraints", "constraints");
    for i in 0..n {
        let mut c = Constraint::default();
        for matrix in [Matrix::A, Matrix::B, Matrix::C] {
            take(4, &|| format!("constraint {i}, {matrix} (its term count)"))?;
            let count = r.u32()?;
            take(TERM_SIZE * u64::from(count), &|| {
                format!("constraint {i}, {matrix} ({count} terms)")
            })?;
            let mut terms = Vec::with_capacity(count as usize);
            for term in 0..count as usize {
                let wire = r.u32()?;
                let raw = bigint_from_le(&r.bytes::<{ N8 as usize }>()?);
                let coeff = Fr::from_bigint(raw).ok_or_else(|| R1csError::NotReduced {
                    constraint: i,
                    matrix,
                    term,
                    value: raw.to_string(),
                })?;
                terms.push(Term { wire, coeff });
            }
            check_terms(i, matrix, &terms, header.n_wires)?;
            match matrix {
                Matrix::A => c.a = terms,
                Matrix::B => c.b = terms,
                Matrix::C => c.c = terms,
            }
        }
        constraints.push(c);
        if (i + 1) % PROGRESS_STEP == 0 {
            bar.inc(PROGRESS_STEP as u64);
        }
    }
    bar.finish_and_clear();
    if left != 0 {
        return Err(R1csError::SectionSize {
            section,
            expected: size - left,
            got: size,
        });
    }
    Ok(constraints)
}
