//! `ptau new`: a fresh accumulator (every point a generator, no contributions).

use std::path::Path;

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;

use super::challenge::first_challenge;
use super::encoding::{PtauGroup, G1_SIZE, G2_SIZE};
use super::format::{FormatError, Header, PtauWriter, Section, MAX_POWER};
use super::CHUNK;
use crate::hash::Hash;

/// Writes a fresh accumulator of `power` to `path`; returns the first challenge hash.
pub fn new_accumulator(path: &Path, power: u32) -> Result<Hash, FormatError> {
    if power == 0 || power > MAX_POWER {
        return Err(FormatError::Header {
            what: format!("power expected 1..={MAX_POWER}, got {power}"),
        });
    }
    let header = Header {
        power,
        ceremony_power: power,
    };
    let mut w = PtauWriter::create(path, header, 7)?;
    let mut g1 = [0u8; G1_SIZE];
    G1Affine::generator().write_lem(&mut g1);
    let mut g2 = [0u8; G2_SIZE];
    G2Affine::generator().write_lem(&mut g2);
    for section in Section::POINTS {
        let point: &[u8] = if section.point_size() as usize == G1_SIZE {
            &g1
        } else {
            &g2
        };
        let n = section.points(power);
        w.section_start(section, n * section.point_size())?;
        let block = point.repeat(CHUNK as usize);
        let mut left = n;
        while left > 0 {
            let count = left.min(CHUNK);
            w.write(&block[..count as usize * point.len()])?;
            left -= count;
        }
    }
    w.contributions(&[])?;
    w.finish()?;
    Ok(first_challenge(power))
}
