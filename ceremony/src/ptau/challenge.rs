//! The challenge hashes that chain contributions.
//!
//! * first challenge: BLAKE2b(BLAKE2b("") || the uncompressed points of a
//!   fresh accumulator, sections 2 to 6 in order);
//! * response (the contribution hash a participant publishes):
//!   BLAKE2b(previous challenge || compressed new points, sections 2 to 6 ||
//!   uncompressed public key);
//! * next challenge: BLAKE2b(response || uncompressed new points, sections 2 to 6).

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use rayon::prelude::*;

use super::encoding::{PtauGroup, G1_SIZE, G2_SIZE};
use super::format::{FormatError, PtauFile, Section};
use super::CHUNK;
use crate::hash::{Blake2b, Hash};

/// The challenge the first contributor of a ceremony of `power` builds on.
pub fn first_challenge(power: u32) -> Hash {
    let mut h = Blake2b::new();
    h.update(&Blake2b::digest(b""));
    let mut g1 = [0u8; G1_SIZE];
    G1Affine::generator().write_uncompressed(&mut g1);
    let mut g2 = [0u8; G2_SIZE];
    G2Affine::generator().write_uncompressed(&mut g2);
    let repeat = |h: &mut Blake2b, point: &[u8], count: u64| {
        let block: Vec<u8> = point.repeat(4096);
        let mut left = count;
        while left > 0 {
            let n = left.min(4096);
            h.update(&block[..n as usize * point.len()]);
            left -= n;
        }
    };
    for section in Section::POINTS {
        let count = section.points(power);
        match section.point_size() as usize {
            G1_SIZE => repeat(&mut h, &g1, count),
            _ => repeat(&mut h, &g2, count),
        }
    }
    h.finalize()
}

/// Uncompressed encodings of `points`, concatenated (in parallel).
pub fn uncompressed_all<G: PtauGroup>(points: &[G]) -> Vec<u8> {
    let mut out = vec![0u8; points.len() * G::SIZE];
    out.par_chunks_exact_mut(G::SIZE)
        .zip(points.par_iter())
        .for_each(|(o, p)| p.write_uncompressed(o));
    out
}

/// Compressed encodings of `points`, concatenated (in parallel).
pub fn compressed_all<G: PtauGroup>(points: &[G]) -> Vec<u8> {
    let half = G::SIZE / 2;
    let mut out = vec![0u8; points.len() * half];
    out.par_chunks_exact_mut(half)
        .zip(points.par_iter())
        .for_each(|(o, p)| p.write_compressed(o));
    out
}

/// Absorbs the uncompressed points of the five point sections of a file
/// this program has just written into `h`, reading them back in chunks.
pub fn absorb_written_points(file: &PtauFile, h: &mut Blake2b) -> Result<(), FormatError> {
    let power = file.header.power;
    for section in Section::POINTS {
        let n = section.points(power);
        let mut start = 0;
        while start < n {
            let count = CHUNK.min(n - start);
            let bytes = if section.point_size() as usize == G1_SIZE {
                uncompressed_all(&file.read_points_trusted::<G1Affine>(section, start, count)?)
            } else {
                uncompressed_all(&file.read_points_trusted::<G2Affine>(section, start, count)?)
            };
            h.update(&bytes);
            start += count;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::format_hash;

    #[test]
    fn first_challenge_at_power_4_is_snarkjs_value() {
        // `snarkjs powersoftau new bn128 4 p.ptau -v` (snarkjs 0.7.6) logs this
        // "First Contribution Hash". It depends on the generators of both
        // groups and on the uncompressed encoding, so it pins all three.
        let expected = "\t\t20544320 85403180 e1678602 c83562f1\n\
                        \t\tf4ddefaf b4b9e717 1b530704 55a4cc6d\n\
                        \t\tb11b2e5b fe5e89c0 cb9ab4a7 b3b9fd5a\n\
                        \t\t17bad62a d5ba013c 34e7dd2f bb4f143b";
        assert_eq!(format_hash(&first_challenge(4), None), expected);
    }
}
