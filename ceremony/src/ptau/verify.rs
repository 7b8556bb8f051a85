//! `ptau verify`: checks every contribution of a `.ptau` file.
//!
//! * Each contribution's key: its three proofs of knowledge against the
//!   previous challenge hash, and its new first points (tau*G1, tau*G2,
//!   alpha*G1, beta*G1, beta*G2) against the previous contribution's through
//!   the key. A beacon's key must be the one its beacon derives. The eight
//!   pairing equations of a contribution are checked as one random linear
//!   combination (one multi-pairing); when that fails they are checked one
//!   by one to say which.
//! * The point sections, left by the last contribution: first points equal
//!   to the generators and the contribution's, and every section made of
//!   successive powers of tau. With random 128-bit r_i, R1 = sum r_i P_i and
//!   R2 = sum r_i P_(i+1) (two multi-scalar multiplications per chunk), the
//!   section is a run of powers exactly when e(R1, tau*G2) = e(R2, G2),
//!   except with probability about 2^-128 (snarkjs's "sameRatio", which uses
//!   32-bit r_i).
//! * The hash chain: every key is bound to the previous next-challenge hash;
//!   the last next-challenge hash must equal the hash of the response and
//!   the points in the file.
//! * The phase-2 sections 12 to 15 when present (see [`super::prepare`]):
//!   every power checked against the phase-1 section it comes from.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{
    pairing::Pairing,
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AffineRepr, CurveGroup, VariableBaseMSM,
};
use ark_ff::{BigInt, PrimeField, Zero};
use rand::Rng;

use super::challenge::{first_challenge, uncompressed_all};
use super::contribute::beacon_key;
use super::encoding::PtauGroup;
use super::format::{Contribution, ContributionKind, FormatError, PtauFile, Section};
use super::prepare::verify_prepared;
use super::CHUNK;
use crate::error::CeremonyError;
use crate::hash::{Blake2b, Hash};
use crate::keys::{g2_sp, Secret, KEY_POINT_NAMES};
use crate::progress;

/// A rule of the ceremony that the file breaks.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The file is a fresh accumulator.
    #[error("the file has no contributions: a fresh accumulator must never be used")]
    NoContributions,
    /// A contribution's key or points do not verify.
    #[error("contribution {label}: {what}")]
    Contribution {
        /// 1-based number.
        number: usize,
        /// `#n "name"`.
        label: String,
        /// The rule broken.
        what: String,
    },
    /// A point section left by the last contribution does not verify.
    #[error("{section}, written by contribution {label}: {what}")]
    Section {
        /// The section.
        section: Section,
        /// 1-based number of the contribution that wrote it.
        number: usize,
        /// `#n "name"`.
        label: String,
        /// The rule broken.
        what: String,
    },
    /// A power of a phase-2 (Lagrange basis) section does not verify.
    #[error("{section}, power {power}: {what}")]
    Lagrange {
        /// The section (12 to 15).
        section: Section,
        /// The power k whose 2^k points fail.
        power: u32,
        /// The rule broken.
        what: String,
    },
}

/// One verified contribution, as `verify` reports it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// 1-based number.
    pub number: usize,
    /// The contributor's name.
    pub name: Option<String>,
    /// The contribution (response) hash.
    pub response_hash: Hash,
    /// The challenge hash the contribution left.
    pub next_challenge: Hash,
    /// Random or beacon.
    pub kind: ContributionKind,
}

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every contribution, oldest first.
    pub contributions: Vec<Verified>,
    /// The hash of the last response and the points in the file.
    pub final_challenge: Hash,
    /// Whether the file is truncated (its power below the ceremony's).
    pub truncated: bool,
    /// Whether the file carries phase 2 (Lagrange basis) sections (verified).
    pub has_phase2: bool,
}

/// The state a contribution builds on.
struct Previous {
    tau_g1: G1Affine,
    tau_g2: G2Affine,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    next_challenge: Hash,
}

/// Verifies the whole file (see the module documentation).
pub fn verify(file: &PtauFile) -> Result<Report, CeremonyError> {
    if file.contributions.is_empty() {
        return Err(VerifyError::NoContributions.into());
    }
    let mut prev = Previous {
        tau_g1: G1Affine::generator(),
        tau_g2: G2Affine::generator(),
        alpha_g1: G1Affine::generator(),
        beta_g1: G1Affine::generator(),
        beta_g2: G2Affine::generator(),
        next_challenge: first_challenge(file.header.ceremony_power),
    };
    let mut verified = Vec::with_capacity(file.contributions.len());
    for (i, cur) in file.contributions.iter().enumerate() {
        let number = i + 1;
        verify_contribution(&prev, cur, number)?;
        let response_hash = cur
            .response_hash()
            .map_err(|what| contribution_error(number, cur, what))?;
        tracing::info!(
            contribution = number,
            name = cur.name.as_deref().unwrap_or(""),
            "contribution verified"
        );
        verified.push(Verified {
            number,
            name: cur.name.clone(),
            response_hash,
            next_challenge: cur.next_challenge,
            kind: cur.kind.clone(),
        });
        prev = Previous {
            tau_g1: cur.tau_g1,
            tau_g2: cur.tau_g2,
            alpha_g1: cur.alpha_g1,
            beta_g1: cur.beta_g1,
            beta_g2: cur.beta_g2,
            next_challenge: cur.next_challenge,
        };
    }
    let number = file.contributions.len();
    let (last, last_verified) = match (file.contributions.last(), verified.last()) {
        (Some(c), Some(v)) => (c, v),
        _ => return Err(VerifyError::NoContributions.into()),
    };
    let final_challenge = verify_sections(file, last, number, &last_verified.response_hash)?;
    let truncated = file.header.power != file.header.ceremony_power;
    if !truncated && final_challenge != last.next_challenge {
        return Err(contribution_error(
            number,
            last,
            format!(
                "next challenge hash expected {} (hash of the response and the points in the file), got {}",
                hex::encode(final_challenge),
                hex::encode(last.next_challenge)
            ),
        )
        .into());
    }
    let has_phase2 = verify_prepared(file)?;
    Ok(Report {
        contributions: verified,
        final_challenge,
        truncated,
        has_phase2,
    })
}

fn contribution_error(number: usize, c: &Contribution, what: String) -> VerifyError {
    VerifyError::Contribution {
        number,
        label: Contribution::label(number, c.name.as_deref()),
        what,
    }
}

/// e(a, d) = e(b, c): "b/a = d/c", the ratio between the two G1 points is the
/// one between the two G2 points.
pub(crate) struct SameRatio {
    pub(crate) what: String,
    pub(crate) a: G1Affine,
    pub(crate) b: G1Affine,
    pub(crate) c: G2Affine,
    pub(crate) d: G2Affine,
}

/// Whether every equation holds, as one multi-pairing of a random linear
/// combination: prod e(rho_k a_k, d_k) e(-rho_k b_k, c_k) = 1.
pub(crate) fn same_ratio_all(checks: &[SameRatio]) -> bool {
    let mut rng = rand::thread_rng();
    let mut g1 = Vec::with_capacity(2 * checks.len());
    let mut g2 = Vec::with_capacity(2 * checks.len());
    for check in checks {
        let rho = Fr::from(rng.gen::<u128>());
        g1.push((check.a * rho).into_affine());
        g2.push(check.d);
        g1.push((-(check.b * rho)).into_affine());
        g2.push(check.c);
    }
    Bn254::multi_pairing(g1, g2).is_zero()
}

fn verify_contribution(
    prev: &Previous,
    cur: &Contribution,
    number: usize,
) -> Result<(), VerifyError> {
    let fail = |what: String| contribution_error(number, cur, what);
    if let ContributionKind::Beacon {
        hash,
        iterations_exp,
    } = &cur.kind
    {
        let (_, expected) = beacon_key(&prev.next_challenge, hash, *iterations_exp);
        let got = cur.key.to_uncompressed();
        let want = expected.to_uncompressed();
        if got != want {
            let names = KEY_POINT_NAMES;
            let sizes = [64, 64, 64, 64, 64, 64, 128, 128, 128];
            let mut offset = 0;
            for (name, size) in names.iter().zip(sizes) {
                if got[offset..offset + size] != want[offset..offset + size] {
                    return Err(fail(format!(
                        "beacon key point {name} is not the one beacon {} with 2^{iterations_exp} iterations gives",
                        hex::encode(hash)
                    )));
                }
                offset += size;
            }
        }
    }
    let key = &cur.key;
    let nonzero_g1 = [
        ("tauG1", cur.tau_g1),
        ("alphaG1", cur.alpha_g1),
        ("betaG1", cur.beta_g1),
        ("key tau.g1_s", key.tau.g1_s),
        ("key tau.g1_sx", key.tau.g1_sx),
        ("key alpha.g1_s", key.alpha.g1_s),
        ("key alpha.g1_sx", key.alpha.g1_sx),
        ("key beta.g1_s", key.beta.g1_s),
        ("key beta.g1_sx", key.beta.g1_sx),
    ];
    let nonzero_g2 = [
        ("tauG2", cur.tau_g2),
        ("betaG2", cur.beta_g2),
        ("key tau.g2_spx", key.tau.g2_spx),
        ("key alpha.g2_spx", key.alpha.g2_spx),
        ("key beta.g2_spx", key.beta.g2_spx),
    ];
    for (name, p) in nonzero_g1 {
        if p.is_zero() {
            return Err(fail(format!("{name} is the point at infinity")));
        }
    }
    for (name, p) in nonzero_g2 {
        if p.is_zero() {
            return Err(fail(format!("{name} is the point at infinity")));
        }
    }
    let sp = |secret: Secret| {
        let part = key.part(secret);
        g2_sp(secret, &prev.next_challenge, &part.g1_s, &part.g1_sx)
    };
    let (tau_sp, alpha_sp, beta_sp) = (sp(Secret::Tau), sp(Secret::Alpha), sp(Secret::Beta));
    let pok = |secret: Secret, r: G2Affine| {
        let part = key.part(secret);
        SameRatio {
            what: format!(
                "{} key: proof of knowledge does not verify against the previous challenge hash (e(g1_s, g2_spx) != e(g1_sx, g2_sp))",
                secret.name()
            ),
            a: part.g1_s,
            b: part.g1_sx,
            c: r,
            d: part.g2_spx,
        }
    };
    let follows =
        |what: &str| format!("{what} does not follow the previous contribution's through the key");
    let checks = [
        pok(Secret::Tau, tau_sp),
        pok(Secret::Alpha, alpha_sp),
        pok(Secret::Beta, beta_sp),
        SameRatio {
            what: follows("tau*G1"),
            a: prev.tau_g1,
            b: cur.tau_g1,
            c: tau_sp,
            d: key.tau.g2_spx,
        },
        SameRatio {
            what: follows("tau*G2"),
            a: key.tau.g1_s,
            b: key.tau.g1_sx,
            c: prev.tau_g2,
            d: cur.tau_g2,
        },
        SameRatio {
            what: follows("alpha*G1"),
            a: prev.alpha_g1,
            b: cur.alpha_g1,
            c: alpha_sp,
            d: key.alpha.g2_spx,
        },
        SameRatio {
            what: follows("beta*G1"),
            a: prev.beta_g1,
            b: cur.beta_g1,
            c: beta_sp,
            d: key.beta.g2_spx,
        },
        SameRatio {
            what: follows("beta*G2"),
            a: key.beta.g1_s,
            b: key.beta.g1_sx,
            c: prev.beta_g2,
            d: cur.beta_g2,
        },
    ];
    if same_ratio_all(&checks) {
        return Ok(());
    }
    for check in &checks {
        if !same_ratio_all(std::slice::from_ref(check)) {
            return Err(fail(check.what.clone()));
        }
    }
    Err(fail(
        "pairing equations fail together but hold one by one (retry)".into(),
    ))
}

/// Random linear combinations of a point section and of it shifted by one,
/// and the points asked for by index.
struct Combination<P: SWCurveConfig> {
    r1: Projective<P>,
    r2: Projective<P>,
    picked: Vec<Affine<P>>,
}

/// Reads a whole section in chunks (absorbing its uncompressed form into
/// `hasher`) and combines it; `pick` lists point indexes to return.
fn combine_section<P>(
    file: &PtauFile,
    section: Section,
    pick: &[u64],
    hasher: &mut Blake2b,
) -> Result<Combination<P>, FormatError>
where
    P: SWCurveConfig<ScalarField = Fr>,
    Affine<P>: PtauGroup,
{
    let n = section.points(file.header.power);
    let bar = progress::points(n, &format!("verify {}", section.name()));
    let mut rng = rand::thread_rng();
    let mut out = Combination {
        r1: Projective::zero(),
        r2: Projective::zero(),
        picked: Vec::new(),
    };
    let mut start = 0;
    while start < n {
        let count = CHUNK.min(n - start);
        // One point more than the chunk: the pair (P_i, P_(i+1)) straddles chunks.
        let with_next = (count + 1).min(n - start);
        let points: Vec<Affine<P>> = file.read_points(section, start, with_next)?;
        hasher.update(&uncompressed_all(&points[..count as usize]));
        for &i in pick {
            if (start..start + count).contains(&i) {
                out.picked.push(points[(i - start) as usize]);
            }
        }
        let pairs = (with_next - 1) as usize;
        if pairs > 0 {
            let scalars: Vec<BigInt<4>> = (0..pairs)
                .map(|_| Fr::from(rng.gen::<u128>()).into_bigint())
                .collect();
            out.r1 += Projective::<P>::msm_bigint(&points[..pairs], &scalars);
            out.r2 += Projective::<P>::msm_bigint(&points[1..=pairs], &scalars);
        }
        bar.inc(count);
        start += count;
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Checks the point sections against the last contribution; returns the
/// next challenge hash they give.
fn verify_sections(
    file: &PtauFile,
    last: &Contribution,
    number: usize,
    response: &Hash,
) -> Result<Hash, CeremonyError> {
    let label = Contribution::label(number, last.name.as_deref());
    let fail = |section: Section, what: &str| VerifyError::Section {
        section,
        number,
        label: label.clone(),
        what: what.to_string(),
    };
    let powers_fail =
        "points are not successive powers of tau (random linear combination pairing check failed)";
    let mut h = Blake2b::new();
    h.update(response);
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let same_ratio = |a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine| {
        !a.is_zero()
            && !b.is_zero()
            && same_ratio_all(&[SameRatio {
                what: String::new(),
                a,
                b,
                c,
                d,
            }])
    };

    // A point that does not decode is reported against the contribution too.
    let point_fail = |e: FormatError| -> CeremonyError {
        match e {
            FormatError::Point {
                section,
                index,
                source,
            } => fail(section, &format!("point {index}: {source}")).into(),
            other => other.into(),
        }
    };

    let s = Section::TauG1;
    let c =
        combine_section::<ark_bn254::g1::Config>(file, s, &[0, 1], &mut h).map_err(point_fail)?;
    if c.picked.first() != Some(&g1) {
        return Err(fail(s, "first point is not the generator of G1").into());
    }
    if c.picked.get(1) != Some(&last.tau_g1) {
        return Err(fail(s, "second point is not the contribution's tau*G1").into());
    }
    if !same_ratio(c.r1.into_affine(), c.r2.into_affine(), g2, last.tau_g2) {
        return Err(fail(s, powers_fail).into());
    }

    let s = Section::TauG2;
    let c =
        combine_section::<ark_bn254::g2::Config>(file, s, &[0, 1], &mut h).map_err(point_fail)?;
    if c.picked.first() != Some(&g2) {
        return Err(fail(s, "first point is not the generator of G2").into());
    }
    if c.picked.get(1) != Some(&last.tau_g2) {
        return Err(fail(s, "second point is not the contribution's tau*G2").into());
    }
    let (r1, r2): (G2Projective, G2Projective) = (c.r1, c.r2);
    if r1.is_zero()
        || r2.is_zero()
        || !same_ratio(g1, last.tau_g1, r1.into_affine(), r2.into_affine())
    {
        return Err(fail(s, powers_fail).into());
    }

    for (s, first, name) in [
        (Section::AlphaTauG1, last.alpha_g1, "alpha*G1"),
        (Section::BetaTauG1, last.beta_g1, "beta*G1"),
    ] {
        let c =
            combine_section::<ark_bn254::g1::Config>(file, s, &[0], &mut h).map_err(point_fail)?;
        if c.picked.first() != Some(&first) {
            return Err(fail(s, &format!("first point is not the contribution's {name}")).into());
        }
        let (r1, r2): (G1Projective, G1Projective) = (c.r1, c.r2);
        if !same_ratio(r1.into_affine(), r2.into_affine(), g2, last.tau_g2) {
            return Err(fail(s, powers_fail).into());
        }
    }

    let s = Section::BetaG2;
    let c = combine_section::<ark_bn254::g2::Config>(file, s, &[0], &mut h).map_err(point_fail)?;
    if c.picked.first() != Some(&last.beta_g2) {
        return Err(fail(s, "the point is not the contribution's beta*G2").into());
    }
    Ok(h.finalize())
}
