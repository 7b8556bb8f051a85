//! FIPS 180-4 SHA-256 constants and word functions: the native twin of the gates' constraints.
//!
//! The gates' witness generators compute with these, and the gates constrain the same
//! functions bit by bit, so one description of each Σ/σ function serves both.

/// SHA-256 round constants `K_0..K_63` (FIPS 180-4, section 4.2.2).
pub const ROUND_CONSTANTS: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 initial hash value `H^(0)` (FIPS 180-4, section 5.3.3).
pub const INITIAL_STATE: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Bits in a SHA-256 word.
pub const WORD_BITS: usize = 32;

/// Words in a 512-bit message block.
pub const BLOCK_WORDS: usize = 16;

/// Bytes in a 512-bit message block.
pub const BLOCK_BYTES: usize = 64;

/// The third term of a Σ/σ function: a rotation (Σ0, Σ1) or a plain right shift (σ0, σ1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Third {
    /// `ROTR^n`.
    Rotr(usize),
    /// `SHR^n`: the top `n` bits of the result get no term.
    Shr(usize),
}

/// One of the four SHA-256 Σ/σ functions: `ROTR^a(x) ^ ROTR^b(x) ^ third(x)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sigma {
    /// The two rotation amounts.
    pub rotr: [usize; 2],
    /// The third shifted copy.
    pub third: Third,
}

/// Σ0, applied to `a` in each round.
pub const BIG_SIGMA0: Sigma = Sigma {
    rotr: [2, 13],
    third: Third::Rotr(22),
};
/// Σ1, applied to `e` in each round.
pub const BIG_SIGMA1: Sigma = Sigma {
    rotr: [6, 11],
    third: Third::Rotr(25),
};
/// σ0, applied to `W_{t-15}` in the message schedule.
pub const SMALL_SIGMA0: Sigma = Sigma {
    rotr: [7, 18],
    third: Third::Shr(3),
};
/// σ1, applied to `W_{t-2}` in the message schedule.
pub const SMALL_SIGMA1: Sigma = Sigma {
    rotr: [17, 19],
    third: Third::Shr(10),
};

impl Sigma {
    /// The function on a native word.
    pub fn apply(self, x: u32) -> u32 {
        let third = match self.third {
            Third::Rotr(n) => x.rotate_right(n as u32),
            Third::Shr(n) => x >> n,
        };
        x.rotate_right(self.rotr[0] as u32) ^ x.rotate_right(self.rotr[1] as u32) ^ third
    }

    /// Indices of the input bits (little-endian) XORed into output bit `i`: two or three of them.
    pub fn taps(self, i: usize) -> ([usize; 2], Option<usize>) {
        let rot = |n: usize| (i + n) % WORD_BITS;
        let third = match self.third {
            Third::Rotr(n) => Some(rot(n)),
            Third::Shr(n) => (i + n < WORD_BITS).then_some(i + n),
        };
        ([rot(self.rotr[0]), rot(self.rotr[1])], third)
    }
}

/// `Ch(e, f, g)`: `f` where `e` is set, `g` elsewhere.
pub fn ch(e: u32, f: u32, g: u32) -> u32 {
    (e & f) ^ (!e & g)
}

/// `Maj(a, b, c)`: the bitwise majority.
pub fn maj(a: u32, b: u32, c: u32) -> u32 {
    (a & b) ^ (a & c) ^ (b & c)
}

/// Little-endian bits of a word, as field-ready 0/1 values.
pub fn bits_le(x: u32) -> [u64; WORD_BITS] {
    std::array::from_fn(|i| u64::from((x >> i) & 1))
}

/// The SHA-256 compression function on native words: the reference the gadget is tested against.
pub fn compress(state: [u32; 8], block: &[u32; BLOCK_WORDS]) -> [u32; 8] {
    let mut w = [0u32; 64];
    w[..BLOCK_WORDS].copy_from_slice(block);
    for t in BLOCK_WORDS..64 {
        w[t] = SMALL_SIGMA1
            .apply(w[t - 2])
            .wrapping_add(w[t - 7])
            .wrapping_add(SMALL_SIGMA0.apply(w[t - 15]))
            .wrapping_add(w[t - 16]);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
    for t in 0..64 {
        let t1 = h
            .wrapping_add(BIG_SIGMA1.apply(e))
            .wrapping_add(ch(e, f, g))
            .wrapping_add(ROUND_CONSTANTS[t])
            .wrapping_add(w[t]);
        let t2 = BIG_SIGMA0.apply(a).wrapping_add(maj(a, b, c));
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    let out = [a, b, c, d, e, f, g, h];
    std::array::from_fn(|i| state[i].wrapping_add(out[i]))
}

/// The padded message (FIPS 180-4, section 5.1.1) as big-endian words.
pub fn padded_words(bytes: &[u8]) -> Vec<u32> {
    let mut padded = bytes.to_vec();
    padded.push(0x80);
    while padded.len() % BLOCK_BYTES != BLOCK_BYTES - 8 {
        padded.push(0);
    }
    padded.extend_from_slice(&((bytes.len() as u64) * 8).to_be_bytes());
    padded
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    /// Hashes with the native compression function, to check it (and the Σ/σ taps) against `sha2`.
    fn reference_sha256(bytes: &[u8]) -> [u8; 32] {
        let words = padded_words(bytes);
        let mut state = INITIAL_STATE;
        for block in words.chunks_exact(BLOCK_WORDS) {
            let block: &[u32; BLOCK_WORDS] = block.try_into().unwrap();
            state = compress(state, block);
        }
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    #[test]
    fn native_compression_matches_sha2_crate() {
        for len in [0usize, 1, 3, 55, 56, 63, 64, 65, 119, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let expected: [u8; 32] = Sha256::digest(&bytes).into();
            let got = reference_sha256(&bytes);
            assert_eq!(
                got,
                expected,
                "{len}-byte message: expected {}, got {}",
                hex::encode(expected),
                hex::encode(got)
            );
        }
    }

    #[test]
    fn sigma_taps_agree_with_native_sigma() {
        for sigma in [BIG_SIGMA0, BIG_SIGMA1, SMALL_SIGMA0, SMALL_SIGMA1] {
            for x in [0x0123_4567u32, 0x89ab_cdef, 0xffff_ffff, 1, 0x8000_0000] {
                let bits = bits_le(x);
                let from_taps = (0..WORD_BITS).fold(0u32, |acc, i| {
                    let ([p, q], r) = sigma.taps(i);
                    let bit = bits[p] ^ bits[q] ^ r.map_or(0, |r| bits[r]);
                    acc | ((bit as u32) << i)
                });
                assert_eq!(
                    from_taps,
                    sigma.apply(x),
                    "{sigma:?} of {x:#010x}: expected {:#010x}, got {from_taps:#010x}",
                    sigma.apply(x)
                );
            }
        }
    }
}
