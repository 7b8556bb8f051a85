//! `zkey contribute` and `zkey beacon`: multiply δ by a fresh secret x.
//!
//! δ·G1 and δ·G2 in the header are multiplied by x, the C and H sections
//! (which carry 1/δ) by 1/x; the other sections are copied. The
//! contribution proves knowledge of x as snarkjs does: a random s·G1, its
//! x-multiple, and x·sp·G2 with sp hashed from the transcript, so that
//! e(s·G1, x·sp·G2) = e(x·s·G1, sp·G2) and δ's ratio to the previous δ is
//! the same x. The output's bytes are those snarkjs writes for the same x.

use std::path::{Path, PathBuf};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{Field, Zero};
use rayon::prelude::*;

use super::format::{section, Mpc, ZkeyContribution, ZkeyFile, MAGIC};
use crate::binfile::BinWriter;
use crate::error::CeremonyError;
use crate::hash::Hash;
use crate::progress;
use crate::ptau::contribute::{beacon_rng, check_beacon, entropy_rng};
use crate::ptau::encoding::{PtauGroup, G1_SIZE};
use crate::ptau::format::ContributionKind;
use crate::ptau::CHUNK;
use crate::rng::{fr_from_rng, g1_from_rng, hash_to_g2, ChaCha};
use crate::scalar_mul::mul_all;

/// What a phase-2 contribution produced.
#[derive(Debug, Clone)]
pub struct ZkeyContributed {
    /// 1-based number of the new contribution.
    pub number: usize,
    /// The contribution hash the participant publishes.
    pub hash: Hash,
    /// The circuit hash the ceremony is for.
    pub cs_hash: Hash,
}

/// Contributes secret randomness (OS generator mixed with `entropy`).
pub fn contribute(
    input: &ZkeyFile,
    output: &Path,
    name: Option<String>,
    entropy: &[u8],
) -> Result<ZkeyContributed, CeremonyError> {
    let mut rng = entropy_rng(entropy);
    apply(input, output, &mut rng, ContributionKind::Random, name)
}

/// Contributes a public beacon (the last step of phase 2).
pub fn beacon(
    input: &ZkeyFile,
    output: &Path,
    name: Option<String>,
    beacon_hash: &[u8],
    iterations_exp: u8,
) -> Result<ZkeyContributed, CeremonyError> {
    check_beacon(beacon_hash, iterations_exp)?;
    let mut rng = beacon_rng(beacon_hash, iterations_exp);
    let kind = ContributionKind::Beacon {
        hash: beacon_hash.to_vec(),
        iterations_exp,
    };
    apply(input, output, &mut rng, kind, name)
}

/// The secret, s·G1 and x·s·G1 a contribution draws from `rng`, in
/// snarkjs's order.
pub fn draw_key(rng: &mut ChaCha) -> (Fr, G1Affine, G1Affine) {
    let x = fr_from_rng(rng);
    let g1_s = g1_from_rng(rng);
    let g1_sx = (g1_s * x).into_affine();
    (x, g1_s, g1_sx)
}

/// The transcript hash of a contribution with key points `g1_s`, `g1_sx`
/// after the contributions in `mpc`.
pub fn transcript_of(mpc: &Mpc, g1_s: &G1Affine, g1_sx: &G1Affine) -> Hash {
    let mut h = mpc.transcript_hasher();
    let mut b = [0u8; G1_SIZE];
    g1_s.write_uncompressed(&mut b);
    h.update(&b);
    g1_sx.write_uncompressed(&mut b);
    h.update(&b);
    h.finalize()
}

fn apply(
    input: &ZkeyFile,
    output: &Path,
    rng: &mut ChaCha,
    kind: ContributionKind,
    name: Option<String>,
) -> Result<ZkeyContributed, CeremonyError> {
    let (x, g1_s, g1_sx) = draw_key(rng);
    let inverse = x.inverse().filter(|_| !x.is_zero()).ok_or_else(|| {
        CeremonyError::Refused("the drawn secret is zero; contribute again".into())
    })?;
    let transcript = transcript_of(&input.mpc, &g1_s, &g1_sx);
    let g2_spx = (hash_to_g2(&transcript) * x).into_affine();
    let mut header = input.header.clone();
    header.delta_g1 = (header.delta_g1 * x).into_affine();
    header.delta_g2 = (header.delta_g2 * x).into_affine();
    let contribution = ZkeyContribution {
        delta_after: header.delta_g1,
        g1_s,
        g1_sx,
        g2_spx,
        transcript,
        kind,
        name,
    };
    let hash = contribution.hash();
    let mut mpc = input.mpc.clone();
    mpc.contributions.push(contribution);

    // Written under a temporary name, renamed once complete.
    let partial = PathBuf::from(format!("{}.partial", output.display()));
    let mut w = BinWriter::create(&partial, MAGIC, 10)?;
    w.start(section::PROTOCOL)?;
    w.u32(super::format::GROTH16)?;
    w.start(section::HEADER)?;
    w.write(&header.encode())?;
    for id in section::UNCHANGED {
        copy_section(input, &mut w, id)?;
    }
    for id in [section::C, section::H] {
        scale_section(input, &mut w, id, inverse)?;
    }
    w.start(section::CONTRIBUTIONS)?;
    w.write(&mpc.encode())?;
    w.finish()?;
    std::fs::rename(&partial, output).map_err(|e| {
        CeremonyError::Refused(format!(
            "renaming {} to {}: {e}",
            partial.display(),
            output.display()
        ))
    })?;
    Ok(ZkeyContributed {
        number: mpc.contributions.len(),
        hash,
        cs_hash: mpc.cs_hash,
    })
}

/// Copies section `id` of `input` unchanged, in bounded chunks.
fn copy_section(input: &ZkeyFile, w: &mut BinWriter, id: u32) -> Result<(), CeremonyError> {
    let name = section::name(id);
    let size = input.bin.size(id, name)?;
    w.start(id)?;
    let step = CHUNK * G1_SIZE as u64;
    let mut at = 0;
    while at < size {
        let len = step.min(size - at);
        w.write(&input.bin.read(id, name, at, len, name)?)?;
        at += len;
    }
    Ok(())
}

/// Writes section `id` (G1 points) of `input` with every point times `k`.
fn scale_section(input: &ZkeyFile, w: &mut BinWriter, id: u32, k: Fr) -> Result<(), CeremonyError> {
    let name = section::name(id);
    let n = input.bin.size(id, name)? / G1_SIZE as u64;
    let bar = progress::points(n, name);
    w.start(id)?;
    let mut start = 0;
    while start < n {
        let count = CHUNK.min(n - start);
        let points: Vec<G1Affine> = input.read_points(id, start, count)?;
        let scaled = G1Projective::normalize_batch(&mul_all(&points, k));
        let mut out = vec![0u8; scaled.len() * G1_SIZE];
        out.par_chunks_exact_mut(G1_SIZE)
            .zip(scaled.par_iter())
            .for_each(|(o, p)| p.write_lem(o));
        w.write(&out)?;
        bar.inc(count);
        start += count;
    }
    bar.finish_and_clear();
    Ok(())
}
