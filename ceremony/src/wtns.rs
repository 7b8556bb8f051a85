//! circom's witness files (`.wtns`), as both of circom's witness calculators
//! (the WebAssembly one and the C++ one) and snarkjs write them.
//!
//! An iden3 container, magic `wtns`, version 2, two sections: 1 the header
//! (n8 u32, the field's prime in n8 little-endian bytes, the wire count u32),
//! 2 the wires' values, n8 little-endian bytes each, in standard form (not
//! Montgomery), the constant one first.

use std::path::{Path, PathBuf};

use ark_bn254::Fr;
use ark_ff::{BigInteger, One, PrimeField};
use rayon::prelude::*;

use crate::binfile::{le_limbs, le_u32, BinFile, BinFileError, BinWriter};

/// The file's magic.
pub const MAGIC: &[u8; 4] = b"wtns";
/// The container version circom and snarkjs write.
pub const VERSION: u32 = 2;
/// Section 1: the header.
const HEADER: u32 = 1;
/// Section 2: the values.
const VALUES: u32 = 2;
/// Bytes of one BN254 scalar.
const N8: usize = 32;

/// What is wrong with a `.wtns`.
#[derive(Debug, thiserror::Error)]
pub enum WtnsError {
    /// The container is unreadable.
    #[error(transparent)]
    BinFile(#[from] BinFileError),
    /// The witness is over another field than BN254's scalar field.
    #[error("{path}: the witness is over another field (prime {prime}, {n8}-byte elements); zkr proves over BN254 (circom's default, `--prime bn128`)")]
    Field {
        /// The file.
        path: PathBuf,
        /// Bytes per element the file states.
        n8: u32,
        /// The prime the file states, in decimal (or as found).
        prime: String,
    },
    /// The values section does not hold the wire count the header states.
    #[error("{path}: the header states {wires} wires ({expected} bytes of values), the values section has {got} bytes")]
    Size {
        /// The file.
        path: PathBuf,
        /// Wires stated.
        wires: u32,
        /// Bytes they need.
        expected: u64,
        /// Bytes present.
        got: u64,
    },
    /// A value is not below the prime.
    #[error("{path}: wire {index} holds a value not below the field's prime")]
    NotCanonical {
        /// The file.
        path: PathBuf,
        /// The wire.
        index: usize,
    },
    /// Wire 0 is not the constant one (every circom witness starts with it).
    #[error("{path}: wire 0 must be the constant 1, got another value: not a circom witness")]
    NoConstantOne {
        /// The file.
        path: PathBuf,
    },
}

/// Reads every wire's value of a `.wtns` (the constant one first).
pub fn read(path: &Path) -> Result<Vec<Fr>, WtnsError> {
    let bin = BinFile::open_version(path, MAGIC, VERSION)?;
    let header = bin.read_section(HEADER, "header")?;
    let n8 = if header.len() >= 4 {
        le_u32(&header)
    } else {
        0
    };
    let field = |prime: String| WtnsError::Field {
        path: path.to_path_buf(),
        n8,
        prime,
    };
    let modulus = Fr::MODULUS.to_bytes_le();
    if n8 as usize != N8 || header.len() != 4 + N8 + 4 {
        let prime = header
            .get(4..4 + n8 as usize)
            .map_or_else(|| "unreadable".to_string(), decimal);
        return Err(field(prime));
    }
    if header[4..4 + N8] != modulus[..] {
        return Err(field(decimal(&header[4..4 + N8])));
    }
    let wires = le_u32(&header[4 + N8..]);
    let expected = wires as u64 * N8 as u64;
    let got = bin.size(VALUES, "values")?;
    if got != expected {
        return Err(WtnsError::Size {
            path: path.to_path_buf(),
            wires,
            expected,
            got,
        });
    }
    let raw = bin.read_section(VALUES, "values")?;
    let values: Vec<Fr> = raw
        .par_chunks_exact(N8)
        .enumerate()
        .map(|(index, b)| {
            Fr::from_bigint(<Fr as PrimeField>::BigInt::new(le_limbs(b))).ok_or_else(|| {
                WtnsError::NotCanonical {
                    path: path.to_path_buf(),
                    index,
                }
            })
        })
        .collect::<Result<_, _>>()?;
    if values.first().is_some_and(|one| !one.is_one()) {
        return Err(WtnsError::NoConstantOne {
            path: path.to_path_buf(),
        });
    }
    Ok(values)
}

/// Writes `values` (the constant one first) as a `.wtns` over BN254.
pub fn write(path: &Path, values: &[Fr]) -> Result<(), BinFileError> {
    let mut w = BinWriter::create_version(path, MAGIC, VERSION, 2)?;
    w.start(HEADER)?;
    w.u32(N8 as u32)?;
    w.write(&Fr::MODULUS.to_bytes_le())?;
    w.u32(values.len() as u32)?;
    w.start(VALUES)?;
    for v in values {
        w.write(&v.into_bigint().to_bytes_le())?;
    }
    w.finish()
}

/// A little-endian unsigned integer in decimal (to name a prime).
fn decimal(le: &[u8]) -> String {
    num_bigint::BigUint::from_bytes_le(le).to_string()
}
