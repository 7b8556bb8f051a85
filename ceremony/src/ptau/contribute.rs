//! `ptau contribute` and `ptau beacon`: multiply the accumulator by fresh
//! secrets.
//!
//! With secrets (tau, alpha, beta), point i of tauG1 and tauG2 is multiplied
//! by tau^i, of alphaTauG1 by alpha * tau^i, of betaTauG1 by beta * tau^i,
//! and betaG2 by beta. Each chunk is multiplied in parallel
//! ([`crate::scalar_mul`]) and normalised with one batched inversion. The
//! input's G2 points are checked to lie in the subgroup first: multiplying
//! points with a small-order part would leak tau modulo that order.

use std::path::{Path, PathBuf};

use crate::scalar_mul::LadderCurve;
use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fr};
use ark_ec::{
    short_weierstrass::{Affine, Projective},
    CurveGroup,
};
use ark_ff::{Field, One};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::challenge::{absorb_written_points, compressed_all, first_challenge};
use super::encoding::PtauGroup;
use super::format::{
    Contribution, ContributionKind, FormatError, Header, PtauFile, PtauWriter, Section,
};
use super::CHUNK;
use crate::error::CeremonyError;
use crate::hash::{Blake2b, Hash};
use crate::keys::{create_key, PrivateKey, PublicKey};
use crate::progress;
use crate::rng::ChaCha;
use crate::scalar_mul::mul_each;

/// The beacon iteration exponents snarkjs accepts.
pub const BEACON_EXP_RANGE: std::ops::RangeInclusive<u8> = 10..=63;

/// What a contribution produced.
#[derive(Debug, Clone)]
pub struct Contributed {
    /// 1-based number of the new contribution.
    pub number: usize,
    /// The contribution (response) hash the participant publishes.
    pub response_hash: Hash,
    /// The challenge the next participant builds on.
    pub next_challenge: Hash,
}

/// The challenge a new contribution to `file` builds on.
pub fn last_challenge(file: &PtauFile) -> Hash {
    match file.contributions.last() {
        Some(c) => c.next_challenge,
        None => first_challenge(file.header.power),
    }
}

fn check_can_contribute(file: &PtauFile) -> Result<(), CeremonyError> {
    let Header {
        power,
        ceremony_power,
    } = file.header;
    if power != ceremony_power {
        return Err(CeremonyError::Refused(format!(
            "{}: truncated to power {power} of a power-{ceremony_power} ceremony; contribute to the full file",
            file.path().display()
        )));
    }
    Ok(())
}

/// Contributes secret randomness: a ChaCha generator keyed by
/// BLAKE2b(64 bytes from the OS generator || `entropy`), from which the
/// secrets and key points are drawn as snarkjs draws them.
pub fn contribute(
    input: &PtauFile,
    output: &Path,
    name: Option<String>,
    entropy: &[u8],
) -> Result<Contributed, CeremonyError> {
    check_can_contribute(input)?;
    let mut rng = entropy_rng(entropy);
    let challenge = last_challenge(input);
    let (private, public) = create_key(&mut rng, &challenge);
    apply_key(
        input,
        output,
        private,
        public,
        ContributionKind::Random,
        name,
    )
}

/// The generator a secret contribution draws from (snarkjs's
/// `getRandomRng`): ChaCha keyed by BLAKE2b(64 bytes from the OS generator
/// || `entropy`).
pub fn entropy_rng(entropy: &[u8]) -> ChaCha {
    let mut seed_hasher = Blake2b::new();
    let mut os = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut os);
    seed_hasher.update(&os);
    seed_hasher.update(entropy);
    ChaCha::from_hash(&seed_hasher.finalize())
}

/// The generator of a beacon contribution (snarkjs's `rngFromBeaconParams`):
/// ChaCha keyed by SHA-256 iterated 2^`iterations_exp` times on the beacon.
pub fn beacon_rng(beacon: &[u8], iterations_exp: u8) -> ChaCha {
    let mut cur: [u8; 32] = Sha256::digest(beacon).into();
    let total: u128 = 1u128 << iterations_exp;
    let bar = progress::bar(
        u64::try_from(total).unwrap_or(u64::MAX),
        "beacon",
        "SHA-256 iterations",
    );
    let mut i: u128 = 1;
    while i < total {
        cur = Sha256::digest(cur).into();
        i += 1;
        if i.is_multiple_of(1 << 20) {
            bar.inc(1 << 20);
        }
    }
    bar.finish_and_clear();
    ChaCha::from_hash(&cur)
}

/// The key of a beacon contribution, drawn from [`beacon_rng`].
pub fn beacon_key(challenge: &Hash, beacon: &[u8], iterations_exp: u8) -> (PrivateKey, PublicKey) {
    create_key(&mut beacon_rng(beacon, iterations_exp), challenge)
}

/// Refuses beacon values and exponents snarkjs would refuse.
pub fn check_beacon(beacon_hash: &[u8], iterations_exp: u8) -> Result<(), CeremonyError> {
    if beacon_hash.is_empty() || beacon_hash.len() > 255 {
        return Err(CeremonyError::Refused(format!(
            "beacon hash must be 1 to 255 bytes, got {}",
            beacon_hash.len()
        )));
    }
    if !BEACON_EXP_RANGE.contains(&iterations_exp) {
        return Err(CeremonyError::Refused(format!(
            "beacon iterations exponent must be in {}..={}, got {iterations_exp}",
            BEACON_EXP_RANGE.start(),
            BEACON_EXP_RANGE.end()
        )));
    }
    Ok(())
}

/// Contributes a public beacon (the last step of a ceremony).
pub fn beacon(
    input: &PtauFile,
    output: &Path,
    name: Option<String>,
    beacon_hash: &[u8],
    iterations_exp: u8,
) -> Result<Contributed, CeremonyError> {
    check_can_contribute(input)?;
    check_beacon(beacon_hash, iterations_exp)?;
    let challenge = last_challenge(input);
    let (private, public) = beacon_key(&challenge, beacon_hash, iterations_exp);
    let kind = ContributionKind::Beacon {
        hash: beacon_hash.to_vec(),
        iterations_exp,
    };
    apply_key(input, output, private, public, kind, name)
}

/// Multiplies every point of `input` by the secrets and writes `output`.
fn apply_key(
    input: &PtauFile,
    output: &Path,
    private: PrivateKey,
    public: PublicKey,
    kind: ContributionKind,
    name: Option<String>,
) -> Result<Contributed, CeremonyError> {
    let power = input.header.power;
    let challenge = last_challenge(input);
    let mut response = Blake2b::new();
    response.update(&challenge);

    // Written under a temporary name, renamed once complete.
    let partial_path = PathBuf::from(format!("{}.partial", output.display()));
    let mut w = PtauWriter::create(
        &partial_path,
        Header {
            power,
            ceremony_power: power,
        },
        7,
    )?;
    let tau = private.tau;
    let (w_, r_) = (&mut w, &mut response);
    let tau_g1 = scale_section::<G1Config>(input, w_, r_, Section::TauG1, Fr::one(), tau)?;
    let tau_g2 = scale_section::<G2Config>(input, w_, r_, Section::TauG2, Fr::one(), tau)?;
    let alpha_g1 =
        scale_section::<G1Config>(input, w_, r_, Section::AlphaTauG1, private.alpha, tau)?;
    let beta_g1 = scale_section::<G1Config>(input, w_, r_, Section::BetaTauG1, private.beta, tau)?;
    let beta_g2 = scale_section::<G2Config>(input, w_, r_, Section::BetaG2, private.beta, tau)?;
    drop(private);
    let (Some(&tau_g1), Some(&tau_g2), Some(&alpha_g1), Some(&beta_g1), Some(&beta_g2)) = (
        tau_g1.get(1),
        tau_g2.get(1),
        alpha_g1.first(),
        beta_g1.first(),
        beta_g2.first(),
    ) else {
        return Err(CeremonyError::Refused(
            "accumulator too small to contribute to".into(),
        ));
    };

    let partial_hash = response.to_partial();
    response.update(&public.to_uncompressed());
    let response_hash = response.finalize();

    let mut contributions = input.contributions.clone();
    contributions.push(Contribution {
        tau_g1,
        tau_g2,
        alpha_g1,
        beta_g1,
        beta_g2,
        key: public,
        partial_hash,
        next_challenge: [0; 64],
        kind,
        name: name.map(|n| Contribution::truncate_name(&n)),
    });
    w.contributions(&contributions)?;
    w.finish()?;

    // The next challenge hashes the response, then every new point: read back.
    let written = PtauFile::open(&partial_path)?;
    let mut next = Blake2b::new();
    next.update(&response_hash);
    absorb_written_points(&written, &mut next)?;
    let next_challenge = next.finalize();
    if let Some(last) = contributions.last_mut() {
        last.next_challenge = next_challenge;
    }
    written.rewrite_contributions(&contributions)?;
    drop(written);
    std::fs::rename(&partial_path, output).map_err(|source| FormatError::Io {
        path: output.to_path_buf(),
        source,
    })?;
    Ok(Contributed {
        number: contributions.len(),
        response_hash,
        next_challenge,
    })
}

/// Multiplies point i of `section` by first * inc^i, writes the section,
/// absorbs its compressed form; returns its first two points.
fn scale_section<P>(
    input: &PtauFile,
    w: &mut PtauWriter,
    response: &mut Blake2b,
    section: Section,
    first: Fr,
    inc: Fr,
) -> Result<Vec<Affine<P>>, CeremonyError>
where
    P: LadderCurve,
    Affine<P>: PtauGroup,
{
    let n = section.points(input.header.power);
    let bar = progress::points(n, section.name());
    w.section_start(section, n * section.point_size())?;
    let mut head = Vec::new();
    let mut start = 0;
    while start < n {
        let count = CHUNK.min(n - start);
        let points: Vec<Affine<P>> = input.read_points(section, start, count)?;
        let scalars = powers(first * inc.pow([start]), inc, count as usize);
        let scaled = Projective::normalize_batch(&mul_each(&points, &scalars));
        w.write(&lem_all(&scaled))?;
        response.update(&compressed_all(&scaled));
        if start == 0 {
            head = scaled.iter().take(2).copied().collect();
        }
        bar.inc(count);
        start += count;
    }
    bar.finish_and_clear();
    Ok(head)
}

/// start, start * inc, ..., start * inc^(count - 1), computed in parallel blocks.
fn powers(start: Fr, inc: Fr, count: usize) -> Vec<Fr> {
    const BLOCK: usize = 1024;
    let mut out = vec![Fr::one(); count];
    out.par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(b, chunk)| {
            let mut cur = start * inc.pow([(b * BLOCK) as u64]);
            for x in chunk.iter_mut() {
                *x = cur;
                cur *= inc;
            }
        });
    out
}

/// File encodings of `points`, concatenated (in parallel).
fn lem_all<G: PtauGroup>(points: &[G]) -> Vec<u8> {
    let mut out = vec![0u8; points.len() * G::SIZE];
    out.par_chunks_exact_mut(G::SIZE)
        .zip(points.par_iter())
        .for_each(|(o, p)| p.write_lem(o));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_match_sequential_products() {
        let inc = Fr::from(7u64);
        let got = powers(Fr::from(3u64), inc, 2500);
        let mut cur = Fr::from(3u64);
        for (i, x) in got.iter().enumerate() {
            assert_eq!(*x, cur, "power {i}");
            cur *= inc;
        }
    }
}
