//! A final `.zkey` as the keys zkr's Groth16 prover loads (arkworks' types),
//! and the verifying key, proofs and public inputs in snarkjs's JSON.
//!
//! The sections map one to one onto arkworks' proving key: A, B1, B2 are
//! `a_query`, `b_g1_query`, `b_g2_query`; C (the private wires) `l_query`;
//! IC `gamma_abc_g1`. H holds n points (the odd-coset Lagrange form), not
//! arkworks' n − 1 powers: zkr's prover tells the two apart by that length
//! and takes the quotient on the matching domain.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_groth16::{Proof, ProvingKey, VerifyingKey};

use super::format::{section, PointChecks, ZkeyFile};
use crate::error::CeremonyError;
use crate::ptau::encoding::PtauGroup;

/// Section `id` as points, checked as `checks` says.
fn points<P: PtauGroup + Send>(
    zkey: &ZkeyFile,
    id: u32,
    checks: PointChecks,
) -> Result<Vec<P>, CeremonyError> {
    let n = zkey.points(id, P::SIZE)?;
    Ok(zkey.read_points_checked(id, 0, n, checks)?)
}

/// The proving key (with its verifying key) of a `.zkey`, every point
/// checked (on the curve, in the group).
pub fn proving_key(zkey: &ZkeyFile) -> Result<ProvingKey<Bn254>, CeremonyError> {
    proving_key_with(zkey, PointChecks::Full)
}

/// [`proving_key`] with the point checks `checks`.
pub fn proving_key_with(
    zkey: &ZkeyFile,
    checks: PointChecks,
) -> Result<ProvingKey<Bn254>, CeremonyError> {
    let h = &zkey.header;
    let vk = VerifyingKey {
        alpha_g1: h.alpha_g1,
        beta_g2: h.beta_g2,
        gamma_g2: h.gamma_g2,
        delta_g2: h.delta_g2,
        gamma_abc_g1: points(zkey, section::IC, checks)?,
    };
    Ok(ProvingKey {
        vk,
        beta_g1: h.beta_g1,
        delta_g1: h.delta_g1,
        a_query: points(zkey, section::A, checks)?,
        b_g1_query: points(zkey, section::B1, checks)?,
        b_g2_query: points(zkey, section::B2, checks)?,
        h_query: points(zkey, section::H, checks)?,
        l_query: points(zkey, section::C, checks)?,
    })
}

fn fq(x: &Fq) -> serde_json::Value {
    serde_json::Value::String(x.into_bigint().to_string())
}

fn fq2(x: &Fq2) -> serde_json::Value {
    serde_json::json!([fq(&x.c0), fq(&x.c1)])
}

/// A G1 point as snarkjs writes it: projective `[x, y, z]`, decimal.
pub fn g1_json(p: &G1Affine) -> serde_json::Value {
    match p.xy() {
        Some((x, y)) => serde_json::json!([fq(&x), fq(&y), "1"]),
        None => serde_json::json!(["0", "1", "0"]),
    }
}

/// A G2 point as snarkjs writes it: `[[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]`.
pub fn g2_json(p: &G2Affine) -> serde_json::Value {
    match p.xy() {
        Some((x, y)) => serde_json::json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => serde_json::json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// The verifying key as `snarkjs zkey export verificationkey` writes it
/// (the fields `snarkjs groth16 verify` reads).
pub fn verification_key_json(vk: &VerifyingKey<Bn254>) -> serde_json::Value {
    serde_json::json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1_json(&vk.alpha_g1),
        "vk_beta_2": g2_json(&vk.beta_g2),
        "vk_gamma_2": g2_json(&vk.gamma_g2),
        "vk_delta_2": g2_json(&vk.delta_g2),
        "IC": vk.gamma_abc_g1.iter().map(g1_json).collect::<Vec<_>>(),
    })
}

/// A proof as snarkjs writes `proof.json`.
pub fn proof_json(proof: &Proof<Bn254>) -> serde_json::Value {
    serde_json::json!({
        "pi_a": g1_json(&proof.a),
        "pi_b": g2_json(&proof.b),
        "pi_c": g1_json(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// Public inputs as snarkjs writes `public.json`: decimal strings.
pub fn public_json(inputs: &[Fr]) -> serde_json::Value {
    serde_json::Value::Array(
        inputs
            .iter()
            .map(|x| serde_json::Value::String(x.into_bigint().to_string()))
            .collect(),
    )
}
