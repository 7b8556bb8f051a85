//! iden3's binary container, shared by snarkjs's `.zkey` and circom's
//! `.r1cs`: a 4-byte magic, version 1, a section count, then sections of
//! (id u32, size u64, body), all little-endian.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The container version snarkjs and circom write.
pub const VERSION: u32 = 1;

/// What is wrong with a container (before its sections are interpreted).
#[derive(Debug, thiserror::Error)]
pub enum BinFileError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The file starts with other bytes than the expected magic.
    #[error("{path}: not a .{expected} file: magic expected {expected:?}, got {got:?}")]
    Magic {
        /// The file.
        path: PathBuf,
        /// The magic expected.
        expected: String,
        /// The first four bytes, lossily as text.
        got: String,
    },
    /// A container version other than the format's.
    #[error("{path}: container version expected {expected}, got {got}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The format's version.
        expected: u32,
        /// The version found.
        got: u32,
    },
    /// The file ends inside the section table or a section.
    #[error(
        "{path}: file truncated: {what} needs bytes up to offset {needed}, the file has {len}"
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What was being read.
        what: String,
        /// The end offset it needs.
        needed: u64,
        /// The file's length.
        len: u64,
    },
    /// A section this reader needs is absent.
    #[error("{path}: section {id} ({name}) is missing")]
    Missing {
        /// The file.
        path: PathBuf,
        /// The section id.
        id: u32,
        /// What the section holds.
        name: &'static str,
    },
    /// A section occurs twice.
    #[error("{path}: section {id} occurs more than once")]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// The section id.
        id: u32,
    },
    /// A read past the end of a section.
    #[error(
        "{path}: section {id} ({name}): {what} needs bytes {start}..{end}, the section has {size}"
    )]
    OutOfSection {
        /// The file.
        path: PathBuf,
        /// The section id.
        id: u32,
        /// What the section holds.
        name: &'static str,
        /// What was being read.
        what: String,
        /// First byte, relative to the section.
        start: u64,
        /// End byte, relative to the section.
        end: u64,
        /// The section's size.
        size: u64,
    },
}

/// An open container: the byte range of each section, read on demand.
#[derive(Debug)]
pub struct BinFile {
    file: File,
    path: PathBuf,
    len: u64,
    sections: BTreeMap<u32, Range<u64>>,
    /// Section ids in the order they appear in the file.
    order: Vec<u32>,
}

impl BinFile {
    /// Opens `path` and reads its section table, checking magic and version 1.
    pub fn open(path: &Path, magic: &[u8; 4]) -> Result<Self, BinFileError> {
        Self::open_version(path, magic, VERSION)
    }

    /// [`BinFile::open`] for a format whose container version is `expected`
    /// (circom's `.wtns` is version 2).
    pub fn open_version(path: &Path, magic: &[u8; 4], expected: u32) -> Result<Self, BinFileError> {
        let io = |source| BinFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut this = BinFile {
            file,
            path: path.to_path_buf(),
            len,
            sections: BTreeMap::new(),
            order: Vec::new(),
        };
        let head = this.read_at(0, 12, "the file header")?;
        if &head[..4] != magic {
            return Err(BinFileError::Magic {
                path: path.to_path_buf(),
                expected: String::from_utf8_lossy(magic).into_owned(),
                got: String::from_utf8_lossy(&head[..4]).into_owned(),
            });
        }
        let version = le_u32(&head[4..8]);
        if version != expected {
            return Err(BinFileError::Version {
                path: path.to_path_buf(),
                expected,
                got: version,
            });
        }
        let count = le_u32(&head[8..12]);
        let mut offset = 12u64;
        for i in 0..count {
            let entry = this.read_at(offset, 12, &format!("section table entry {i}"))?;
            let id = le_u32(&entry[..4]);
            let size = le_u64(&entry[4..12]);
            let start = offset + 12;
            let end = start.saturating_add(size);
            if end > len {
                return Err(BinFileError::Truncated {
                    path: path.to_path_buf(),
                    what: format!("section {id}"),
                    needed: end,
                    len,
                });
            }
            if this.sections.insert(id, start..end).is_some() {
                return Err(BinFileError::Duplicate {
                    path: path.to_path_buf(),
                    id,
                });
            }
            this.order.push(id);
            offset = end;
        }
        Ok(this)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Section ids in file order.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// The byte range of section `id`'s body, if present.
    pub fn range(&self, id: u32) -> Option<Range<u64>> {
        self.sections.get(&id).cloned()
    }

    /// The size of section `id`, or [`BinFileError::Missing`] naming it.
    pub fn size(&self, id: u32, name: &'static str) -> Result<u64, BinFileError> {
        self.require(id, name).map(|r| r.end - r.start)
    }

    fn require(&self, id: u32, name: &'static str) -> Result<Range<u64>, BinFileError> {
        self.range(id).ok_or_else(|| BinFileError::Missing {
            path: self.path.clone(),
            id,
            name,
        })
    }

    /// Reads `len` bytes at `start` inside section `id` (`what` names them in errors).
    pub fn read(
        &self,
        id: u32,
        name: &'static str,
        start: u64,
        len: u64,
        what: &str,
    ) -> Result<Vec<u8>, BinFileError> {
        let range = self.require(id, name)?;
        let size = range.end - range.start;
        let end = start.saturating_add(len);
        if end > size {
            return Err(BinFileError::OutOfSection {
                path: self.path.clone(),
                id,
                name,
                what: what.to_string(),
                start,
                end,
                size,
            });
        }
        self.read_at(range.start + start, len, what)
    }

    /// Reads the whole of section `id`.
    pub fn read_section(&self, id: u32, name: &'static str) -> Result<Vec<u8>, BinFileError> {
        let size = self.size(id, name)?;
        self.read(id, name, 0, size, name)
    }

    fn read_at(&self, offset: u64, len: u64, what: &str) -> Result<Vec<u8>, BinFileError> {
        let needed = offset.saturating_add(len);
        if needed > self.len {
            return Err(BinFileError::Truncated {
                path: self.path.clone(),
                what: what.to_string(),
                needed,
                len: self.len,
            });
        }
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|source| BinFileError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(buf)
    }
}

/// Writes a container section by section; each section's size is patched
/// in when it ends, so bodies can be streamed.
pub struct BinWriter {
    out: BufWriter<File>,
    path: PathBuf,
    open: Option<(u64, u64)>,
    pos: u64,
}

impl BinWriter {
    /// Creates `path` with `magic` and room for `sections` sections.
    pub fn create(path: &Path, magic: &[u8; 4], sections: u32) -> Result<Self, BinFileError> {
        Self::create_version(path, magic, VERSION, sections)
    }

    /// [`BinWriter::create`] for a format whose container version is `version`.
    pub fn create_version(
        path: &Path,
        magic: &[u8; 4],
        version: u32,
        sections: u32,
    ) -> Result<Self, BinFileError> {
        let file = File::create(path).map_err(|source| BinFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut w = BinWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            path: path.to_path_buf(),
            open: None,
            pos: 0,
        };
        w.write(magic)?;
        w.write(&version.to_le_bytes())?;
        w.write(&sections.to_le_bytes())?;
        Ok(w)
    }

    fn io(&self) -> impl FnOnce(std::io::Error) -> BinFileError + '_ {
        move |source| BinFileError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Starts section `id` (ending the open one, if any).
    pub fn start(&mut self, id: u32) -> Result<(), BinFileError> {
        self.end()?;
        self.write(&id.to_le_bytes())?;
        let size_at = self.pos;
        self.write(&0u64.to_le_bytes())?;
        self.open = Some((size_at, self.pos));
        Ok(())
    }

    /// Appends bytes to the open section.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), BinFileError> {
        self.out
            .write_all(bytes)
            .map_err(|source| BinFileError::Io {
                path: self.path.clone(),
                source,
            })?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Appends a little-endian u32.
    pub fn u32(&mut self, v: u32) -> Result<(), BinFileError> {
        self.write(&v.to_le_bytes())
    }

    /// Ends the open section, writing its size into its entry.
    pub fn end(&mut self) -> Result<(), BinFileError> {
        if let Some((size_at, body)) = self.open.take() {
            let size = self.pos - body;
            let end = self.pos;
            self.out.seek(SeekFrom::Start(size_at)).map_err(self.io())?;
            self.out.write_all(&size.to_le_bytes()).map_err(self.io())?;
            self.out.seek(SeekFrom::Start(end)).map_err(self.io())?;
        }
        Ok(())
    }

    /// Ends the open section and flushes the file to disk.
    pub fn finish(mut self) -> Result<(), BinFileError> {
        self.end()?;
        self.out.flush().map_err(self.io())?;
        self.out.get_ref().sync_all().map_err(self.io())
    }
}

/// A little-endian u32 from 4 bytes.
pub fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// A little-endian u64 from 8 bytes.
pub fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Four little-endian 64-bit limbs of the first 32 bytes of `b` (a 256-bit
/// little-endian number: a field element's or a coefficient's encoding).
///
/// # Panics
///
/// If `b` is shorter than 32 bytes.
pub fn le_limbs(b: &[u8]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(b[..32].chunks_exact(8)) {
        *limb = le_u64(chunk);
    }
    limbs
}
