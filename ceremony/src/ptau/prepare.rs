//! `ptau prepare`: the phase-2 sections, the accumulator in the Lagrange
//! basis (snarkjs `powersoftau prepare phase2`), and their verification.
//!
//! The prepared file holds sections 1 to 7 of the input unchanged, then
//! sections 12 to 15: for tauG1, tauG2, alphaTauG1 and betaTauG1, and for
//! every power k from 0 to p, the 2^k points L_j(tau) * G of the first 2^k
//! points of the section (see [`super::lagrange`]), power 0 first. tauG1,
//! which has 2^(p+1) - 1 points, also gets power p + 1, its missing last
//! point taken as the point at infinity. So section 12 has 2^(p+2) - 1 G1
//! points, 13 has 2^(p+1) - 1 G2 points, 14 and 15 have 2^(p+1) - 1 G1 points.
//! The output is snarkjs's byte for byte, but for one field: the header of a
//! truncated input keeps its ceremony power here, where snarkjs sets it to
//! the file's power.
//!
//! Verification of a section at power k, with random 128-bit r_i (i < 2^k)
//! and c = DFT(r) over Fr: sum_i r_i P_i = sum_j c_j L_j (two multi-scalar
//! multiplications). It holds for the true L = IDFT(P); for any other L the
//! two sides differ except with probability about 2^-128 (snarkjs checks the
//! same equation with 32-bit r_i).

use crate::scalar_mul::LadderCurve;
use std::path::Path;
use std::time::Instant;

use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fr};
use ark_ec::{
    short_weierstrass::{Affine, Projective},
    VariableBaseMSM,
};
use ark_ff::PrimeField;
use rand::Rng;
use rayon::prelude::*;

use super::encoding::{PtauCurve, PtauGroup};
use super::format::{FormatError, PtauFile, PtauWriter, Section};
use super::lagrange::{dft_fr, lagrange_points, Twiddles, MAX_LOG_SIZE};
use super::verify::VerifyError;
use super::CHUNK;
use crate::error::CeremonyError;
use crate::progress;

/// The phase-2 sections, each with the phase-1 section it transforms.
pub const PHASE2: [(Section, Section); 4] = [
    (Section::TauG1, Section::LagrangeTauG1),
    (Section::TauG2, Section::LagrangeTauG2),
    (Section::AlphaTauG1, Section::LagrangeAlphaTauG1),
    (Section::BetaTauG1, Section::LagrangeBetaTauG1),
];

/// The largest power a file can be prepared at (tauG1 then needs a domain
/// of 2^(p+1) = 2^28, the 2-adicity of BN254's Fr).
pub const MAX_PREPARE_POWER: u32 = MAX_LOG_SIZE - 1;

/// The powers a phase-2 section holds: 0..=p, and p + 1 for tauG1.
fn top_power(base: Section, power: u32) -> u32 {
    if base == Section::TauG1 {
        power + 1
    } else {
        power
    }
}

/// Writes `input` with the phase-2 sections added to `output`.
pub fn prepare(input: &PtauFile, output: &Path) -> Result<(), CeremonyError> {
    let power = input.header.power;
    if power > MAX_PREPARE_POWER {
        return Err(CeremonyError::Refused(format!(
            "{}: power {power} cannot be prepared: tauG1 at power {} needs a domain of 2^{}, BN254's Fr has roots of unity up to 2^{MAX_LOG_SIZE} (largest power: {MAX_PREPARE_POWER})",
            input.path().display(),
            power + 1,
            power + 1
        )));
    }
    if let (Ok(a), Ok(b)) = (input.path().canonicalize(), output.canonicalize()) {
        if a == b {
            return Err(CeremonyError::Refused(format!(
                "{}: the output must be another file than the input (it is read while the output is written)",
                output.display()
            )));
        }
    }
    if input.contributions.is_empty() {
        tracing::warn!(
            "{} has no contributions: its phase 2 sections are public (tau = 1)",
            input.path().display()
        );
    }
    let mut w = PtauWriter::create(output, input.header, 11)?;
    for section in Section::POINTS {
        let n = section.points(power);
        w.section_start(section, n * section.point_size())?;
        let mut start = 0;
        while start < n {
            let count = CHUNK.min(n - start);
            w.write(&input.read_raw(section, start, count)?)?;
            start += count;
        }
    }
    let contributions = input.read_section(Section::Contributions)?;
    w.section_start(Section::Contributions, contributions.len() as u64)?;
    w.write(&contributions)?;

    let g1_twiddles = Twiddles::<G1Config>::new(power + 1);
    let g2_twiddles = Twiddles::<G2Config>::new(power);
    for (base, target) in PHASE2 {
        if target.point_size() == Section::LagrangeTauG2.point_size() {
            write_lagrange(input, &mut w, base, target, &g2_twiddles)?;
        } else {
            write_lagrange(input, &mut w, base, target, &g1_twiddles)?;
        }
    }
    w.finish()?;
    Ok(())
}

/// Computes and writes `target`: the Lagrange basis of `base` at every power.
fn write_lagrange<P>(
    input: &PtauFile,
    w: &mut PtauWriter,
    base: Section,
    target: Section,
    twiddles: &Twiddles<P>,
) -> Result<(), CeremonyError>
where
    P: PtauCurve + LadderCurve,
{
    let started = Instant::now();
    let power = input.header.power;
    let powers: Vec<Affine<P>> = input.read_points(base, 0, base.points(power))?;
    let total = target.points(power);
    w.section_start(target, total * target.point_size())?;
    let bar = progress::points(total, &format!("prepare {}", target.name()));
    for k in 0..=top_power(base, power) {
        let points = lagrange_points(&powers, k, twiddles);
        let mut bytes = vec![0u8; points.len() * P::SIZE];
        bytes
            .par_chunks_exact_mut(P::SIZE)
            .zip(points.par_iter())
            .for_each(|(out, p)| p.write_lem(out));
        w.write(&bytes)?;
        bar.inc(points.len() as u64);
    }
    bar.finish_and_clear();
    tracing::info!(
        section = target.name(),
        seconds = format_args!("{:.1}", started.elapsed().as_secs_f64()),
        "Lagrange basis computed"
    );
    Ok(())
}

/// Checks sections 12 to 15 when the file has them (all four or none);
/// returns whether it has them.
pub fn verify_prepared(file: &PtauFile) -> Result<bool, CeremonyError> {
    let present: Vec<Section> = PHASE2
        .iter()
        .map(|(_, target)| *target)
        .filter(|s| file.has_section(*s))
        .collect();
    if present.is_empty() {
        return Ok(false);
    }
    for (_, target) in PHASE2 {
        if !present.contains(&target) {
            return Err(FormatError::Missing { section: target }.into());
        }
    }
    for (base, target) in PHASE2 {
        if target.point_size() == Section::LagrangeTauG2.point_size() {
            verify_lagrange::<G2Config>(file, base, target)?;
        } else {
            verify_lagrange::<G1Config>(file, base, target)?;
        }
    }
    Ok(true)
}

fn lagrange_error(section: Section, power: u32, what: String) -> VerifyError {
    VerifyError::Lagrange {
        section,
        power,
        what,
    }
}

/// Checks every power of one phase-2 section against its phase-1 section.
fn verify_lagrange<P>(file: &PtauFile, base: Section, target: Section) -> Result<(), CeremonyError>
where
    P: PtauCurve + LadderCurve,
{
    let power = file.header.power;
    let expected = target.points(power) * target.point_size();
    let got = file.section_size(target).unwrap_or(0);
    if got != expected {
        return Err(FormatError::SectionSize {
            section: target,
            expected,
            got,
        }
        .into());
    }
    let powers: Vec<Affine<P>> = file.read_points(base, 0, base.points(power))?;
    let bar = progress::points(target.points(power), &format!("verify {}", target.name()));
    let mut rng = rand::thread_rng();
    for k in 0..=top_power(base, power) {
        let n = 1usize << k;
        let start = (n - 1) as u64;
        let lagrange: Vec<Affine<P>> =
            file.read_points(target, start, n as u64)
                .map_err(|e| match e {
                    FormatError::Point { index, source, .. } => {
                        lagrange_error(target, k, format!("point {}: {source}", index - start))
                            .into()
                    }
                    other => CeremonyError::from(other),
                })?;
        let r: Vec<Fr> = (0..n).map(|_| Fr::from(rng.gen::<u128>())).collect();
        let bases = &powers[..n.min(powers.len())];
        let scalars: Vec<_> = r[..bases.len()].iter().map(|x| x.into_bigint()).collect();
        let lhs = Projective::<P>::msm_bigint(bases, &scalars);
        let mut c = r;
        dft_fr(&mut c);
        let scalars: Vec<_> = c.iter().map(|x| x.into_bigint()).collect();
        let rhs = Projective::<P>::msm_bigint(&lagrange, &scalars);
        if lhs != rhs {
            return Err(lagrange_error(
                target,
                k,
                format!(
                    "points are not the Lagrange basis of the first 2^{k} points of {base} (random linear combination check failed)"
                ),
            )
            .into());
        }
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(())
}
