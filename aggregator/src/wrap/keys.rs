//! The wrap's Groth16 keys on disk: one directory per shrink circuit, written
//! once (by the dev setup now, by the ceremony later) and loaded by every
//! prover and verifier.
//!
//! # Layout of a keys directory
//!
//! * `wrap.vk`: the verifying key, compressed ([`groth16::vk_to_bytes`]).
//! * `wrap.pk`: the proving key, uncompressed ([`groth16::pk_to_bytes`]);
//!   absent from a verifier-only copy.
//! * `verifying-key.json`: the verifying key in the EVM encoding
//!   ([`groth16::EvmVerifyingKey`]), what the Solidity verifier is generated from.
//! * `wrap-keys.json`: the [`Manifest`]: which circuit the keys are for, where
//!   they came from, and the SHA-256 of each key file.
//!
//! The manifest is written last and each file is written under a temporary
//! name and renamed into place, so a crash while writing leaves a directory
//! that [`KeysDir::exists`] does not report as holding keys.
//!
//! Loading checks that the keys are for the circuit at hand (the
//! [`circuit_id`] of the shrink circuit) and that each file's hash is the one
//! the manifest pins. The proving key is then read without checking its
//! points (a bad proving key can only yield proofs the verifying key
//! rejects); the verifying key's points are checked.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use plonky2::plonk::config::GenericHashOut;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::groth16::{self, EvmVerifyingKey, Groth16Error, ProvingKey, VerifyingKey};
use super::shrink::ShrinkCircuit;

/// File name of the manifest.
pub const MANIFEST_FILE: &str = "wrap-keys.json";
/// File name of the compressed verifying key.
pub const VK_FILE: &str = "wrap.vk";
/// File name of the uncompressed proving key.
pub const PK_FILE: &str = "wrap.pk";
/// File name of the verifying key in the EVM encoding.
pub const EVM_VK_FILE: &str = "verifying-key.json";
/// Version of the directory layout this code reads and writes.
pub const FORMAT: u32 = 1;

/// Where a set of keys came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// [`groth16::setup_insecure_dev`]: whoever ran it can forge proofs.
    InsecureDev,
    /// A multi-party ceremony.
    Ceremony,
}

/// What a keys directory holds, written as `wrap-keys.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// The [`circuit_id`] of the shrink circuit the keys wrap.
    pub circuit_id: String,
    /// Where the keys came from.
    pub origin: Origin,
    /// SHA-256 of `wrap.vk`, hex.
    pub vk_sha256: String,
    /// SHA-256 of `wrap.pk`, hex; `None` when the directory has no proving key.
    pub pk_sha256: Option<String>,
    /// Size of `wrap.pk` in bytes, when present.
    pub pk_bytes: Option<u64>,
}

/// What reading or writing a keys directory fails with.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The manifest is missing or does not parse.
    #[error("{path}: not a wrap keys manifest: {reason}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The keys were made for another circuit (another capacity or FRI setting).
    #[error(
        "{dir}: the keys are for wrap circuit {found}, this build's is {expected} (keys of \
         another capacity or zkr version; run the setup again for this circuit)"
    )]
    WrongCircuit {
        /// The keys directory.
        dir: PathBuf,
        /// This build's circuit id.
        expected: String,
        /// The manifest's.
        found: String,
    },
    /// A key file's hash is not the one the manifest pins.
    #[error("{path}: SHA-256 {found}, the manifest pins {expected} (file altered or truncated)")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// Pinned hash.
        expected: String,
        /// Hash of the file.
        found: String,
    },
    /// The directory has no proving key.
    #[error("{0}: no proving key in this keys directory (verifier-only copy)")]
    NoProvingKey(PathBuf),
    /// The EVM verifying key beside the keys is not the verifying key the
    /// manifest pins (edited or swapped since the keys were written).
    #[error("{path} is not the verifying key of wrap.vk (whose hash the manifest pins): it was changed after the keys were written")]
    EvmKeyMismatch {
        /// The file.
        path: PathBuf,
    },
    /// A key does not decode.
    #[error("{path}: {source}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Groth16Error,
    },
}

/// The identity of the wrap circuit of `shrink`: SHA-256, hex, of the shrink
/// circuit's digest, its degree and its FRI parameters (the wrap circuit is a
/// function of these and of this code).
pub fn circuit_id(shrink: &ShrinkCircuit) -> String {
    let data = shrink.data();
    let mut h = Sha256::new();
    h.update(b"zkr wrap circuit v1");
    h.update(data.verifier_only.circuit_digest.to_bytes());
    h.update((data.common.degree_bits() as u64).to_le_bytes());
    h.update(format!("{:?}", data.common.fri_params).as_bytes());
    hex::encode(h.finalize())
}

/// A keys directory.
#[derive(Clone, Debug)]
pub struct KeysDir {
    dir: PathBuf,
}

/// A writer that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl KeysDir {
    /// The keys directory at `dir` (nothing is read yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn io(path: &Path) -> impl FnOnce(io::Error) -> KeysError + '_ {
        move |source| KeysError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the directory holds a complete set of keys (its manifest exists).
    pub fn exists(&self) -> bool {
        self.file(MANIFEST_FILE).is_file()
    }

    /// Writes `name` through a temporary file renamed into place; returns the
    /// SHA-256 (hex) and length of what was written.
    fn write_file(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(String, u64), KeysError> {
        let path = self.file(name);
        let tmp = self.file(&format!("{name}.partial"));
        let file = File::create(&tmp).map_err(Self::io(&tmp))?;
        let mut w = HashingWriter {
            inner: BufWriter::new(file),
            hash: Sha256::new(),
            len: 0,
        };
        f(&mut w).map_err(Self::io(&tmp))?;
        w.flush().map_err(Self::io(&tmp))?;
        let HashingWriter { inner, hash, len } = w;
        let file = inner
            .into_inner()
            .map_err(|e| Self::io(&tmp)(e.into_error()))?;
        file.sync_all().map_err(Self::io(&tmp))?;
        fs::rename(&tmp, &path).map_err(Self::io(&path))?;
        Ok((hex::encode(hash.finalize()), len))
    }

    /// Writes keys for the circuit `circuit_id` (the proving key only if given);
    /// replaces keys already there.
    pub fn write(
        &self,
        circuit_id: &str,
        origin: Origin,
        pk: Option<&ProvingKey>,
        vk: &VerifyingKey,
    ) -> Result<Manifest, KeysError> {
        fs::create_dir_all(&self.dir).map_err(Self::io(&self.dir))?;
        // Without a manifest the directory holds no keys while the files change.
        let manifest_path = self.file(MANIFEST_FILE);
        if manifest_path.exists() {
            fs::remove_file(&manifest_path).map_err(Self::io(&manifest_path))?;
        }
        let (vk_sha256, _) =
            self.write_file(VK_FILE, |w| w.write_all(&groth16::vk_to_bytes(vk)))?;
        let evm = serde_json::to_vec_pretty(&groth16::vk_to_evm(vk)).map_err(io::Error::other);
        let evm = evm.map_err(Self::io(&self.file(EVM_VK_FILE)))?;
        self.write_file(EVM_VK_FILE, |w| w.write_all(&evm))?;
        let (pk_sha256, pk_bytes) = match pk {
            Some(pk) => {
                let (hash, len) = self.write_file(PK_FILE, |w| {
                    pk.serialize_uncompressed(w).map_err(io::Error::other)
                })?;
                (Some(hash), Some(len))
            }
            None => {
                let pk_path = self.file(PK_FILE);
                if pk_path.exists() {
                    fs::remove_file(&pk_path).map_err(Self::io(&pk_path))?;
                }
                (None, None)
            }
        };
        let manifest = Manifest {
            format: FORMAT,
            circuit_id: circuit_id.to_string(),
            origin,
            vk_sha256,
            pk_sha256,
            pk_bytes,
        };
        let text = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other);
        let text = text.map_err(Self::io(&manifest_path))?;
        self.write_file(MANIFEST_FILE, |w| w.write_all(&text))?;
        Ok(manifest)
    }

    /// Reads the manifest.
    pub fn manifest(&self) -> Result<Manifest, KeysError> {
        let path = self.file(MANIFEST_FILE);
        let bytes = fs::read(&path).map_err(|e| KeysError::Manifest {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| KeysError::Manifest {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if m.format != FORMAT {
            return Err(KeysError::Manifest {
                path,
                reason: format!("layout version {}, this build reads {FORMAT}", m.format),
            });
        }
        Ok(m)
    }

    /// The manifest, checked to be for the circuit `circuit_id`.
    pub fn manifest_for(&self, circuit_id: &str) -> Result<Manifest, KeysError> {
        let m = self.manifest()?;
        if m.circuit_id != circuit_id {
            return Err(KeysError::WrongCircuit {
                dir: self.dir.clone(),
                expected: circuit_id.to_string(),
                found: m.circuit_id,
            });
        }
        Ok(m)
    }

    /// SHA-256 (hex) of a file, read in a stream.
    fn hash_file(path: &Path) -> Result<String, KeysError> {
        let mut r = BufReader::with_capacity(1 << 20, File::open(path).map_err(Self::io(path))?);
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = r.read(&mut buf).map_err(Self::io(path))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(hex::encode(h.finalize()))
    }

    fn check_hash(path: &Path, expected: &str) -> Result<(), KeysError> {
        let found = Self::hash_file(path)?;
        if found != expected {
            return Err(KeysError::HashMismatch {
                path: path.to_path_buf(),
                expected: expected.to_string(),
                found,
            });
        }
        Ok(())
    }

    /// The verifying key for the circuit `circuit_id`, its hash and points checked.
    pub fn verifying_key(&self, circuit_id: &str) -> Result<VerifyingKey, KeysError> {
        let m = self.manifest_for(circuit_id)?;
        let path = self.file(VK_FILE);
        let bytes = fs::read(&path).map_err(Self::io(&path))?;
        let found = hex::encode(Sha256::digest(&bytes));
        if found != m.vk_sha256 {
            return Err(KeysError::HashMismatch {
                path,
                expected: m.vk_sha256,
                found,
            });
        }
        groth16::vk_from_bytes(&bytes).map_err(|source| KeysError::Key { path, source })
    }

    /// The proving key for the circuit `circuit_id`, read after its hash is
    /// checked against the manifest (its points are not checked: see the module doc).
    pub fn proving_key(&self, circuit_id: &str) -> Result<ProvingKey, KeysError> {
        let m = self.manifest_for(circuit_id)?;
        let path = self.file(PK_FILE);
        let expected = m
            .pk_sha256
            .ok_or_else(|| KeysError::NoProvingKey(self.dir.clone()))?;
        Self::check_hash(&path, &expected)?;
        let file = File::open(&path).map_err(Self::io(&path))?;
        let total = file.metadata().map_err(Self::io(&path))?.len();
        let mut r = BufReader::with_capacity(1 << 20, file);
        groth16::check_pk_lengths(&mut r, total).map_err(|source| KeysError::Key {
            path: path.clone(),
            source,
        })?;
        let pk =
            ProvingKey::deserialize_with_mode(&mut r, Compress::No, Validate::No).map_err(|e| {
                KeysError::Key {
                    path: path.clone(),
                    source: Groth16Error::Malformed {
                        what: "proving key",
                        reason: e.to_string(),
                    },
                }
            })?;
        let mut rest = [0u8; 1];
        if r.read(&mut rest).map_err(Self::io(&path))? != 0 {
            return Err(KeysError::Key {
                path,
                source: Groth16Error::Malformed {
                    what: "proving key",
                    reason: "bytes trail the key".into(),
                },
            });
        }
        Ok(pk)
    }

    /// Checks every key file present against the manifest of the circuit
    /// `circuit_id` (the proving key's hash, streamed, when it is there) and
    /// returns the manifest with the verifying key in the EVM encoding,
    /// derived from the hash-pinned `wrap.vk`; a `verifying-key.json` beside
    /// it that says otherwise is refused. What a verifier contract is made from.
    pub fn checked_evm_verifying_key(
        &self,
        circuit_id: &str,
    ) -> Result<(Manifest, EvmVerifyingKey), KeysError> {
        let m = self.manifest_for(circuit_id)?;
        let evm = groth16::vk_to_evm(&self.verifying_key(circuit_id)?);
        let json = self.file(EVM_VK_FILE);
        if json.exists() && self.evm_verifying_key()? != evm {
            return Err(KeysError::EvmKeyMismatch { path: json });
        }
        let pk = self.file(PK_FILE);
        if let (Some(expected), true) = (&m.pk_sha256, pk.exists()) {
            Self::check_hash(&pk, expected)?;
        }
        Ok((m, evm))
    }

    /// The verifying key in the EVM encoding, as written beside the keys.
    pub fn evm_verifying_key(&self) -> Result<EvmVerifyingKey, KeysError> {
        let path = self.file(EVM_VK_FILE);
        let bytes = fs::read(&path).map_err(Self::io(&path))?;
        serde_json::from_slice(&bytes).map_err(|e| KeysError::Manifest {
            path,
            reason: e.to_string(),
        })
    }
}
