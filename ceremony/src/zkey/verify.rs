//! `zkey verify`: a `.zkey` checked against its circuit and the final
//! powers of tau, as snarkjs's `zkey verify` does.
//!
//! The initial keys are recomputed (`zkey new`, to a temporary file); the
//! sections no contribution touches (IC, coefficients, A, B1, B2) and the
//! header's α, β, γ must equal them byte for byte, and the circuit hash must
//! match. Each contribution's transcript hash is recomputed, its proof of
//! knowledge checked (e(s, x·sp) = e(x·s, sp) with sp hashed from the
//! transcript) and δ's step checked to be the same x; a beacon's key is
//! recomputed from the beacon. Finally C and H must be the initial ones
//! divided by the final δ: one pairing per section on random 128-bit
//! combinations, e(Σ rᵢ·Cᵢ, δ·G2) = e(Σ rᵢ·C⁰ᵢ, G2).

use std::path::{Path, PathBuf};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger256, PrimeField};
use rand::Rng;

use super::contribute::{draw_key, transcript_of};
use super::format::{section, Mpc, ZkeyContribution, ZkeyFile};
use super::new::new_zkey;
use crate::error::CeremonyError;
use crate::hash::Hash;
use crate::ptau::contribute::beacon_rng;
use crate::ptau::encoding::G1_SIZE;
use crate::ptau::format::{Contribution, ContributionKind, PtauFile};
use crate::ptau::verify::{same_ratio_all, SameRatio};
use crate::ptau::CHUNK;
use crate::r1cs::R1cs;
use crate::rng::hash_to_g2;

/// Why a `.zkey` does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ZkeyVerifyError {
    /// A section no contribution changes differs from the recomputed one.
    #[error("{name} (section {id}) is not what the circuit and the powers of tau give: first difference at byte {at} of the section")]
    Section {
        /// Section id.
        id: u32,
        /// Section name.
        name: &'static str,
        /// Offset in the section.
        at: u64,
    },
    /// A header field disagrees.
    #[error("Groth16 header (section 2): {0}")]
    Header(String),
    /// The circuit hash is not the recomputed one.
    #[error("contributions (section 10): circuit hash expected {expected} (from the circuit and the powers of tau), the file has {got}")]
    CircuitHash {
        /// Recomputed, hex.
        expected: String,
        /// In the file, hex.
        got: String,
    },
    /// A contribution fails a check.
    #[error("contributions (section 10): contribution {label}: {what}")]
    Contribution {
        /// `#3 "carol"`.
        label: String,
        /// The check that failed.
        what: String,
    },
    /// C or H is not the initial section over the final δ.
    #[error("{name} (section {id}): the points are not the initial ones divided by δ (random linear combination pairing check failed)")]
    Delta {
        /// Section id.
        id: u32,
        /// Section name.
        name: &'static str,
    },
}

/// One verified contribution, for the report.
#[derive(Debug, Clone)]
pub struct Verified {
    /// 1-based number.
    pub number: usize,
    /// The contributor's name.
    pub name: Option<String>,
    /// Random or beacon.
    pub kind: ContributionKind,
    /// The contribution hash its author published.
    pub hash: Hash,
}

/// What a successful verification found.
#[derive(Debug, Clone)]
pub struct ZkeyReport {
    /// The circuit hash.
    pub cs_hash: Hash,
    /// The contributions, oldest first.
    pub contributions: Vec<Verified>,
}

/// Deletes the recomputed initial keys however verification ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Refuses a .zkey (`path`) with no contribution: its δ is the generator, a
/// toxic waste everyone knows, so anyone could forge a proof of anything.
pub fn require_contributions(path: &Path, contributions: usize) -> Result<(), CeremonyError> {
    if contributions == 0 {
        return Err(CeremonyError::Refused(format!(
            "{} has no contribution: its δ is the generator, so anyone can forge its proofs; \
             phase 2 needs at least one contribution (`zkr-ceremony zkey contribute`)",
            path.display()
        )));
    }
    Ok(())
}

/// Verifies `zkey` against the circuit `r1cs` and the prepared final `ptau`.
pub fn verify(r1cs: &R1cs, ptau: &PtauFile, zkey: &ZkeyFile) -> Result<ZkeyReport, CeremonyError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let temp = TempFile(std::env::temp_dir().join(format!(
        "zkr-zkey-verify-{}-{nanos}.zkey",
        std::process::id()
    )));
    let cs_hash = new_zkey(r1cs, ptau, &temp.0)?;
    let init = ZkeyFile::open(&temp.0)?;

    let (h, h0) = (&zkey.header, &init.header);
    for (what, same) in [
        ("nVars", h.n_vars == h0.n_vars),
        ("nPublic", h.n_public == h0.n_public),
        ("domainSize", h.domain_size == h0.domain_size),
        ("alpha1", h.alpha_g1 == h0.alpha_g1),
        ("beta1", h.beta_g1 == h0.beta_g1),
        ("beta2", h.beta_g2 == h0.beta_g2),
        ("gamma2", h.gamma_g2 == h0.gamma_g2),
    ] {
        if !same {
            return Err(ZkeyVerifyError::Header(format!(
                "{what} is not what the circuit and the powers of tau give"
            ))
            .into());
        }
    }
    if zkey.mpc.cs_hash != cs_hash {
        return Err(ZkeyVerifyError::CircuitHash {
            expected: hex::encode(cs_hash),
            got: hex::encode(zkey.mpc.cs_hash),
        }
        .into());
    }
    for id in section::UNCHANGED {
        compare_section(zkey, &init, id)?;
    }

    let contributions = verify_chain(&zkey.mpc)?;
    let delta_g1 = zkey
        .mpc
        .contributions
        .last()
        .map_or(G1Affine::generator(), |c| c.delta_after);
    if h.delta_g1 != delta_g1 {
        return Err(ZkeyVerifyError::Header(
            "delta1 is not the last contribution's deltaAfter".into(),
        )
        .into());
    }
    if !same_ratio_all(&[SameRatio {
        what: "delta".into(),
        a: G1Affine::generator(),
        b: h.delta_g1,
        c: G2Affine::generator(),
        d: h.delta_g2,
    }]) {
        return Err(ZkeyVerifyError::Header("delta2 is not delta1's G2 twin".into()).into());
    }
    for id in [section::C, section::H] {
        check_over_delta(zkey, &init, id)?;
    }
    Ok(ZkeyReport {
        cs_hash,
        contributions,
    })
}

/// Section `id` of `zkey` must equal `init`'s byte for byte.
fn compare_section(zkey: &ZkeyFile, init: &ZkeyFile, id: u32) -> Result<(), CeremonyError> {
    let name = section::name(id);
    let size = init.bin.size(id, name)?;
    if zkey.bin.size(id, name)? != size {
        return Err(ZkeyVerifyError::Section { id, name, at: 0 }.into());
    }
    let step = CHUNK * G1_SIZE as u64;
    let mut at = 0;
    while at < size {
        let len = step.min(size - at);
        let a = zkey.bin.read(id, name, at, len, name)?;
        let b = init.bin.read(id, name, at, len, name)?;
        if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
            return Err(ZkeyVerifyError::Section {
                id,
                name,
                at: at + i as u64,
            }
            .into());
        }
        at += len;
    }
    Ok(())
}

/// Checks every contribution's transcript, proof of knowledge and δ step.
fn verify_chain(mpc: &Mpc) -> Result<Vec<Verified>, CeremonyError> {
    let mut prefix = Mpc {
        cs_hash: mpc.cs_hash,
        contributions: Vec::new(),
    };
    let mut prev_delta = G1Affine::generator();
    let mut out = Vec::new();
    for (i, c) in mpc.contributions.iter().enumerate() {
        let number = i + 1;
        let fail = |what: &str| ZkeyVerifyError::Contribution {
            label: Contribution::label(number, c.name.as_deref()),
            what: what.to_string(),
        };
        if c.transcript != transcript_of(&prefix, &c.g1_s, &c.g1_sx) {
            return Err(fail(
                "transcript hash does not match its key and the earlier contributions",
            )
            .into());
        }
        if let ContributionKind::Beacon {
            hash,
            iterations_exp,
        } = &c.kind
        {
            let (_, s, sx) = draw_key(&mut beacon_rng(hash, *iterations_exp));
            if (s, sx) != (c.g1_s, c.g1_sx) {
                return Err(fail("key is not the one its beacon gives").into());
            }
        }
        let sp = hash_to_g2(&c.transcript);
        let checks = [
            SameRatio {
                what: "proof of knowledge of its secret (e(s, x·sp) = e(x·s, sp))".into(),
                a: c.g1_s,
                b: c.g1_sx,
                c: sp,
                d: c.g2_spx,
            },
            SameRatio {
                what: "delta after it is not delta before it times its secret".into(),
                a: prev_delta,
                b: c.delta_after,
                c: sp,
                d: c.g2_spx,
            },
        ];
        if !same_ratio_all(&checks) {
            let failed = checks
                .iter()
                .find(|check| !same_ratio_all(std::slice::from_ref(*check)))
                .map_or("pairing checks fail together", |check| check.what.as_str());
            return Err(fail(failed).into());
        }
        out.push(Verified {
            number,
            name: c.name.clone(),
            kind: c.kind.clone(),
            hash: c.hash(),
        });
        prev_delta = c.delta_after;
        prefix.contributions.push(ZkeyContribution::clone(c));
    }
    Ok(out)
}

/// Section `id` (G1) of `zkey` must be `init`'s over the final δ.
fn check_over_delta(zkey: &ZkeyFile, init: &ZkeyFile, id: u32) -> Result<(), CeremonyError> {
    let name = section::name(id);
    let n = init.bin.size(id, name)? / G1_SIZE as u64;
    let mut rng = rand::thread_rng();
    let (mut ours, mut theirs) = (G1Projective::default(), G1Projective::default());
    let mut start = 0;
    while start < n {
        let count = CHUNK.min(n - start);
        let scalars: Vec<BigInteger256> = (0..count)
            .map(|_| Fr::from(rng.gen::<u128>()).into_bigint())
            .collect();
        let (a, b): (Vec<G1Affine>, Vec<G1Affine>) = (
            zkey.read_points(id, start, count)?,
            init.read_points(id, start, count)?,
        );
        ours += G1Projective::msm_bigint(&a, &scalars);
        theirs += G1Projective::msm_bigint(&b, &scalars);
        start += count;
    }
    let check = SameRatio {
        what: name.into(),
        a: ours.into_affine(),
        b: theirs.into_affine(),
        c: G2Affine::generator(),
        d: zkey.header.delta_g2,
    };
    if same_ratio_all(&[check]) {
        Ok(())
    } else {
        Err(ZkeyVerifyError::Delta { id, name }.into())
    }
}

/// Opens the three files of a verification and runs it.
pub fn verify_files(r1cs: &Path, ptau: &Path, zkey: &Path) -> Result<ZkeyReport, CeremonyError> {
    let circuit = R1cs::read(r1cs)?;
    let ptau = PtauFile::open(ptau)?;
    let zkey = ZkeyFile::open(zkey)?;
    verify(&circuit, &ptau, &zkey)
}
