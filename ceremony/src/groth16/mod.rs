//! snarkjs-compatible Groth16 proving and verifying for any circom circuit:
//! a `.zkey` (from zkr's ceremony or snarkjs's) and a `.wtns` in, a proof
//! and its public signals in snarkjs's JSON out, with zkr's prover (MSMs and
//! NTTs on a [`Backend`]).
//!
//! A `.zkey` holds the A and B coefficients only, so the prover evaluates
//! the rows `a = A·z` and `b = B·z` on the key's domain (the public-input
//! rows are among the coefficients) and takes `c = a∘b`, as snarkjs does:
//! an assignment that breaks a constraint gives a proof that does not
//! verify. zkr checks every proof before writing it, so such a witness is
//! refused, not turned into a useless proof; `--check` with the `.r1cs`
//! names the constraint it breaks.

pub mod json;

use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_ff::Zero;
use ark_groth16::{prepare_verifying_key, Groth16, Proof, VerifyingKey};
use ark_std::rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use zkr_aggregator::wrap::groth16::{prove_rows, qap::Rows};
use zkr_cuda::Backend;

use crate::binfile::le_u32;
use crate::error::CeremonyError;
use crate::r1cs::R1cs;
use crate::zkey::export::proving_key_with;
use crate::zkey::format::{coefficient_from_bytes, section, PointChecks, ZkeyFile, COEF_SIZE};

/// Coefficient records read at a time: the section is streamed, not loaded whole.
const COEF_CHUNK: u64 = 1 << 16;

/// A proof and the public signals it proves.
#[derive(Clone, Debug, PartialEq)]
pub struct Proven {
    /// The proof.
    pub proof: Proof<Bn254>,
    /// The public signals (wires 1..=nPublic), in order.
    pub public: Vec<Fr>,
}

/// What proving may use besides the two files.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveOptions<'a> {
    /// Prove with a `.zkey` no one contributed to (its proofs can be forged: tests only).
    pub allow_insecure: bool,
    /// The circuit's `.r1cs`, to check that the witness satisfies every constraint first.
    pub check: Option<&'a Path>,
}

/// Proves the witness `wtns` (a `.wtns` file's values) under the `.zkey` at `zkey_path`.
pub fn prove<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    zkey_path: &Path,
    wtns_path: &Path,
    options: ProveOptions<'_>,
    rng: &mut R,
) -> Result<Proven, CeremonyError> {
    let started = std::time::Instant::now();
    let stage = |what: &str| tracing::debug!(elapsed = ?started.elapsed(), "{what}");
    let zkey = ZkeyFile::open(zkey_path)?;
    if !options.allow_insecure {
        crate::zkey::verify::require_contributions(zkey_path, zkey.mpc.contributions.len())?;
    }
    let z = crate::wtns::read(wtns_path)?;
    let h = zkey.header.clone();
    if z.len() != h.n_vars as usize {
        return Err(CeremonyError::Refused(format!(
            "{} holds {} wires but the circuit of {} has {}: the witness is of another circuit",
            wtns_path.display(),
            z.len(),
            zkey_path.display(),
            h.n_vars
        )));
    }
    if let Some(r1cs_path) = options.check {
        check_witness(r1cs_path, wtns_path, &z)?;
    }
    stage("witness read");
    let rows = rows(&zkey, &z)?;
    stage("rows evaluated");
    // The key's G2 points are not checked for the subgroup one by one (most
    // of the load time): the proof's B is, below, and the proof is verified.
    let pk = proving_key_with(&zkey, PointChecks::OnCurve)?;
    drop(zkey);
    stage("proving key loaded");
    let proof = prove_rows(backend, &pk, &z, rows, rng)
        .map_err(|e| CeremonyError::Refused(format!("proving {}: {e}", zkey_path.display())))?;
    stage("proved");
    let public = z[1..=h.n_public as usize].to_vec();
    let ok = crate::scalar_mul::g2_in_subgroup(&proof.b) && verifies(&pk.vk, &public, &proof);
    stage("verified");
    if !ok {
        return Err(CeremonyError::Refused(format!(
            "the witness {} does not satisfy the circuit of {} (its proof does not verify); \
             prove with --check CIRCUIT.r1cs to name the constraint it breaks",
            wtns_path.display(),
            zkey_path.display()
        )));
    }
    Ok(Proven { proof, public })
}

/// Whether `proof` proves `public` under `vk`.
pub fn verifies(vk: &VerifyingKey<Bn254>, public: &[Fr], proof: &Proof<Bn254>) -> bool {
    public.len() + 1 == vk.gamma_abc_g1.len()
        && Groth16::<Bn254>::verify_proof(&prepare_verifying_key(vk), proof, public)
            .unwrap_or(false)
}

/// Checks the witness against every constraint of the `.r1cs` at `path`.
fn check_witness(path: &Path, wtns_path: &Path, z: &[Fr]) -> Result<(), CeremonyError> {
    let r1cs = R1cs::read(path)?;
    r1cs.is_satisfied(z).map_err(|e| {
        CeremonyError::Refused(format!(
            "the witness {} does not satisfy {}: {e}",
            wtns_path.display(),
            path.display()
        ))
    })
}

/// The rows `a = A·z`, `b = B·z`, `c = a∘b` on the key's domain, from the
/// coefficients section read in chunks.
fn rows(zkey: &ZkeyFile, z: &[Fr]) -> Result<Rows, CeremonyError> {
    let n = zkey.header.domain_size as usize;
    let name = section::name(section::COEFS);
    let bad = |why: String| {
        CeremonyError::Refused(format!(
            "{}: section {} ({name}): {why}",
            zkey.bin.path().display(),
            section::COEFS
        ))
    };
    // The header's decoder checked that `n` is a power of two, and the H
    // section's size bounds it by the file's.
    let count = le_u32(
        &zkey
            .bin
            .read(section::COEFS, name, 0, 4, "coefficient count")?,
    ) as u64;
    let size = zkey.bin.size(section::COEFS, name)?;
    if size != 4 + count * COEF_SIZE as u64 {
        return Err(bad(format!(
            "{count} coefficients need {} bytes, the section has {size}",
            4 + count * COEF_SIZE as u64
        )));
    }
    let (mut a, mut b) = (vec![Fr::zero(); n], vec![Fr::zero(); n]);
    let mut start = 0;
    while start < count {
        let len = COEF_CHUNK.min(count - start);
        let raw = zkey.bin.read(
            section::COEFS,
            name,
            4 + start * COEF_SIZE as u64,
            len * COEF_SIZE as u64,
            "coefficients",
        )?;
        // Decoded in parallel; summed into the rows in order.
        let terms: Vec<(u32, usize, Fr)> = raw
            .par_chunks_exact(COEF_SIZE)
            .enumerate()
            .map(|(i, rec)| {
                let index = start + i as u64;
                let (matrix, row, wire) = (le_u32(rec), le_u32(&rec[4..]), le_u32(&rec[8..]));
                if matrix > 1 || row as usize >= n || wire as usize >= z.len() {
                    return Err(bad(format!(
                        "coefficient {index} names matrix {matrix}, row {row}, wire {wire}: \
                         outside 2 matrices, {n} rows and {} wires",
                        z.len()
                    )));
                }
                let value = coefficient_from_bytes(&rec[12..])
                    .ok_or_else(|| bad(format!("coefficient {index} is not below r")))?;
                Ok((matrix, row as usize, value * z[wire as usize]))
            })
            .collect::<Result<_, _>>()?;
        for (matrix, row, term) in terms {
            if matrix == 0 {
                a[row] += term;
            } else {
                b[row] += term;
            }
        }
        start += len;
    }
    let c = a.par_iter().zip(&b).map(|(a, b)| *a * b).collect();
    Ok(Rows { a, b, c })
}
