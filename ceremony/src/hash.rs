//! BLAKE2b-512 with a resumable state, as the `.ptau` format needs it.
//!
//! snarkjs stores, for every contribution, the state of its response hasher
//! just before the contributor's public key is absorbed (the "partial hash",
//! 216 bytes). Verifying a contribution means resuming that state, absorbing
//! the key and finishing. No BLAKE2b crate exposes its state, so the
//! compression function (RFC 7693) lives here; tests check it against the
//! `blake2` crate and the RFC's test vector.

use std::fmt::Write as _;

/// Length in bytes of every hash in the ceremony (BLAKE2b-512).
pub const HASH_LEN: usize = 64;
/// Length in bytes of a serialised hasher state ("partial hash") in a `.ptau` file.
pub const PARTIAL_HASH_LEN: usize = 216;

const BLOCK: usize = 128;

/// BLAKE2b initialisation vector (RFC 7693, section 2.6: SHA-512's IV).
const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Message word schedule (RFC 7693, section 2.7); rounds 10 and 11 reuse rows 0 and 1.
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// A 64-byte hash (challenge, response, ...).
pub type Hash = [u8; HASH_LEN];

/// Incremental BLAKE2b-512 (no key, no salt) whose state can be saved and resumed.
#[derive(Clone)]
pub struct Blake2b {
    h: [u64; 8],
    buf: [u8; BLOCK],
    /// Bytes in `buf` not yet compressed (1..=128 once anything was absorbed).
    pos: usize,
    /// Bytes already compressed.
    compressed: u128,
}

impl Default for Blake2b {
    fn default() -> Self {
        Self::new()
    }
}

impl Blake2b {
    /// A fresh BLAKE2b-512 hasher.
    pub fn new() -> Self {
        let mut h = IV;
        // Parameter block: digest length 64, no key, fanout 1, depth 1.
        h[0] ^= 0x0101_0000 ^ HASH_LEN as u64;
        Self {
            h,
            buf: [0; BLOCK],
            pos: 0,
            compressed: 0,
        }
    }

    /// Absorbs `data`. The last block is kept until more data comes or the hash
    /// is finished (BLAKE2b compresses the final block differently), exactly
    /// as the reference implementation and snarkjs's hasher do.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.pos == BLOCK {
                self.compressed += BLOCK as u128;
                let block = self.buf;
                self.compress(&block, false);
                self.pos = 0;
            }
            let take = (BLOCK - self.pos).min(data.len());
            self.buf[self.pos..self.pos + take].copy_from_slice(&data[..take]);
            self.pos += take;
            data = &data[take..];
        }
    }

    /// Finishes the hash.
    pub fn finalize(mut self) -> Hash {
        self.compressed += self.pos as u128;
        let mut block = self.buf;
        block[self.pos..].fill(0);
        self.compress(&block, true);
        let mut out = [0u8; HASH_LEN];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.h) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// BLAKE2b-512 of `data` in one call.
    pub fn digest(data: &[u8]) -> Hash {
        let mut h = Self::new();
        h.update(data);
        h.finalize()
    }

    /// The state in snarkjs's 216-byte layout: the 128-byte block buffer, then
    /// little-endian 32-bit words: the eight state words (low half first),
    /// the count of compressed bytes (64 bits), the buffered byte count (64
    /// bits), and 8 zero bytes. Buffer bytes past the buffered count do not
    /// enter the hash: snarkjs leaves stale bytes there, zkr writes zeros.
    pub fn to_partial(&self) -> [u8; PARTIAL_HASH_LEN] {
        let mut out = [0u8; PARTIAL_HASH_LEN];
        out[..self.pos].copy_from_slice(&self.buf[..self.pos]);
        for (i, word) in self.h.iter().enumerate() {
            out[BLOCK + 8 * i..BLOCK + 8 * i + 8].copy_from_slice(&word.to_le_bytes());
        }
        // The format has 64 bits for the counter: enough for any file.
        out[192..200].copy_from_slice(&(self.compressed as u64).to_le_bytes());
        out[200..208].copy_from_slice(&(self.pos as u64).to_le_bytes());
        out
    }

    /// Resumes a state saved by [`Blake2b::to_partial`] (or by snarkjs).
    /// Returns `None` when the buffered byte count is impossible (over 128).
    pub fn from_partial(partial: &[u8; PARTIAL_HASH_LEN]) -> Option<Self> {
        let mut buf = [0u8; BLOCK];
        buf.copy_from_slice(&partial[..BLOCK]);
        let mut h = [0u64; 8];
        for (i, word) in h.iter_mut().enumerate() {
            *word = u64::from_le_bytes(le8(&partial[BLOCK + 8 * i..]));
        }
        let compressed = u64::from_le_bytes(le8(&partial[192..]));
        let pos = u64::from_le_bytes(le8(&partial[200..]));
        if pos > BLOCK as u64 || !compressed.is_multiple_of(BLOCK as u64) {
            return None;
        }
        Some(Self {
            h,
            buf,
            pos: pos as usize,
            compressed: u128::from(compressed),
        })
    }

    fn compress(&mut self, block: &[u8; BLOCK], last: bool) {
        let mut m = [0u64; 16];
        for (i, word) in m.iter_mut().enumerate() {
            *word = u64::from_le_bytes(le8(&block[8 * i..]));
        }
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&IV);
        v[12] ^= self.compressed as u64;
        v[13] ^= (self.compressed >> 64) as u64;
        if last {
            v[14] = !v[14];
        }
        for round in 0..12 {
            let s = &SIGMA[round % 10];
            mix(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            mix(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            mix(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            mix(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            mix(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            mix(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            mix(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            mix(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }
}

#[inline(always)]
fn mix(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

fn le8(bytes: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&bytes[..8]);
    out
}

/// A hash as snarkjs prints it: four lines of four big-endian 32-bit words,
/// each line indented by two tabs, under an optional title line.
pub fn format_hash(hash: &Hash, title: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(title) = title {
        out.push_str(title);
        out.push('\n');
    }
    for (line, words) in hash.chunks_exact(16).enumerate() {
        if line > 0 {
            out.push('\n');
        }
        out.push_str("\t\t");
        for (i, word) in words.chunks_exact(4).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            for byte in word {
                let _ = write!(out, "{byte:02x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use blake2::Digest as _;

    fn reference(data: &[u8]) -> Hash {
        let mut out = [0u8; HASH_LEN];
        out.copy_from_slice(&blake2::Blake2b512::digest(data));
        out
    }

    #[test]
    fn blake2b_matches_rfc7693_abc_vector() {
        // RFC 7693, appendix A: BLAKE2b-512("abc").
        let expected = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
                        7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
        assert_eq!(hex::encode(Blake2b::digest(b"abc")), expected);
    }

    #[test]
    fn blake2b_matches_the_blake2_crate_at_every_length_and_split() {
        let data: Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 63, 127, 128, 129, 255, 256, 257, 384, 700] {
            let expected = reference(&data[..len]);
            assert_eq!(
                Blake2b::digest(&data[..len]),
                expected,
                "one update, length {len}"
            );
            for split in [0, 1, 64, 128, 200] {
                let split = split.min(len);
                let mut h = Blake2b::new();
                h.update(&data[..split]);
                h.update(&data[split..len]);
                assert_eq!(h.finalize(), expected, "length {len} split at {split}");
            }
        }
    }

    #[test]
    fn partial_state_resumes_to_the_same_hash() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 13) as u8).collect();
        for split in [1, 64, 128, 129, 256, 300] {
            let mut h = Blake2b::new();
            h.update(&data[..split]);
            let partial = h.to_partial();
            let mut resumed = Blake2b::from_partial(&partial).expect("valid partial state");
            resumed.update(&data[split..]);
            assert_eq!(
                resumed.finalize(),
                reference(&data),
                "resumed after {split} bytes"
            );
        }
    }

    #[test]
    fn empty_hash_is_snarkjs_blank_contribution_hash() {
        // snarkjs `powersoftau new -v` logs this as "Blank Contribution Hash".
        let expected = "\t\t786a02f7 42015903 c6c6fd85 2552d272\n\
                        \t\t912f4740 e1584761 8a86e217 f71f5419\n\
                        \t\td25e1031 afee5853 13896444 934eb04b\n\
                        \t\t903a685b 1448b755 d56f701a fe9be2ce";
        assert_eq!(format_hash(&Blake2b::digest(b""), None), expected);
    }
}
