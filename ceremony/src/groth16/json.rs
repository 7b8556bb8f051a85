//! snarkjs's Groth16 JSON read back: the verification key
//! (`verification_key.json`), a proof (`proof.json`) and the public signals
//! (`public.json`), every number in decimal, points projective with z = 1
//! (or the point at infinity). The writers are in [`crate::zkey::export`].
//!
//! Every number must be below its field's prime and every point on its curve
//! and in the prime-order subgroup: a lax reader would accept a second
//! encoding of the same proof, or a point of small order.

use std::path::Path;
use std::str::FromStr;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, One, PrimeField, Zero};
use ark_groth16::{Proof, VerifyingKey};
use serde_json::Value;

use crate::error::CeremonyError;

/// Reads and parses a JSON file, naming it in errors.
pub fn read(path: &Path) -> Result<Value, CeremonyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CeremonyError::Refused(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CeremonyError::Refused(format!("{}: not JSON: {e}", path.display())))
}

/// A field element below the prime from its decimal string.
fn element<F: PrimeField<BigInt = BigInt<4>>>(v: &Value, what: &str) -> Result<F, String> {
    let text = v
        .as_str()
        .ok_or_else(|| format!("{what}: expected a decimal string, got {v}"))?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}: expected a decimal number, got {text:?}"));
    }
    let n = BigInt::<4>::from_str(text).map_err(|_| format!("{what}: {text} is too large"))?;
    F::from_bigint(n).ok_or_else(|| format!("{what}: {text} is not below the field's prime"))
}

fn array<'a>(v: &'a Value, len: usize, what: &str) -> Result<&'a [Value], String> {
    match v.as_array() {
        Some(a) if a.len() == len => Ok(a),
        _ => Err(format!("{what}: expected an array of {len}, got {v}")),
    }
}

fn fq2(v: &Value, what: &str) -> Result<Fq2, String> {
    let a = array(v, 2, what)?;
    Ok(Fq2::new(
        element(&a[0], &format!("{what}[0]"))?,
        element(&a[1], &format!("{what}[1]"))?,
    ))
}

/// A G1 point `[x, y, z]`: z = 1 (affine), or `[0, 1, 0]` (infinity).
pub fn g1(v: &Value, what: &str) -> Result<G1Affine, String> {
    let a = array(v, 3, what)?;
    let coordinate = |i: usize, name: &str| element::<Fq>(&a[i], &format!("{what}.{name}"));
    point(
        coordinate(0, "x")?,
        coordinate(1, "y")?,
        coordinate(2, "z")?,
        what,
    )
}

/// A G2 point `[[x0, x1], [y0, y1], [z0, z1]]`: z = 1, or `[[0, 0], [1, 0], [0, 0]]` (infinity).
pub fn g2(v: &Value, what: &str) -> Result<G2Affine, String> {
    let a = array(v, 3, what)?;
    let coordinate = |i: usize, name: &str| fq2(&a[i], &format!("{what}.{name}"));
    point(
        coordinate(0, "x")?,
        coordinate(1, "y")?,
        coordinate(2, "z")?,
        what,
    )
}

/// The point `(x, y, z)` as snarkjs writes it: affine with z = 1, or the
/// point at infinity in its one encoding `(0, 1, 0)` (any other x and y
/// with z = 0 would be a second encoding of it); on the curve and in the
/// prime-order subgroup.
fn point<P: SWCurveConfig>(
    x: P::BaseField,
    y: P::BaseField,
    z: P::BaseField,
    what: &str,
) -> Result<Affine<P>, String> {
    if z.is_zero() {
        if x.is_zero() && y.is_one() {
            return Ok(Affine::identity());
        }
        return Err(format!(
            "{what}: the point at infinity must be written (0, 1, 0), got x = {x}, y = {y}"
        ));
    }
    if !z.is_one() {
        return Err(format!("{what}: z must be 1, or 0 for infinity; got {z}"));
    }
    let p = Affine::<P>::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(format!("{what}: the point is not on the curve"));
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(format!(
            "{what}: the point is not in the prime-order subgroup"
        ));
    }
    Ok(p)
}

fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, String> {
    v.get(key)
        .ok_or_else(|| format!("the field {key:?} is missing"))
}

fn bn128(v: &Value) -> Result<(), String> {
    match v.get("curve").and_then(Value::as_str) {
        None | Some("bn128") | Some("bn254") => {}
        Some(other) => {
            return Err(format!(
                "curve {other:?}: zkr verifies over bn128 (BN254) only"
            ))
        }
    }
    match v.get("protocol").and_then(Value::as_str) {
        None | Some("groth16") => Ok(()),
        Some(other) => Err(format!("protocol {other:?}: this is not a Groth16 file")),
    }
}

/// A verification key as snarkjs exports it.
pub fn verifying_key(v: &Value) -> Result<VerifyingKey<Bn254>, String> {
    bn128(v)?;
    let ic = field(v, "IC")?
        .as_array()
        .ok_or("IC: expected an array of G1 points")?;
    let vk = VerifyingKey {
        alpha_g1: g1(field(v, "vk_alpha_1")?, "vk_alpha_1")?,
        beta_g2: g2(field(v, "vk_beta_2")?, "vk_beta_2")?,
        gamma_g2: g2(field(v, "vk_gamma_2")?, "vk_gamma_2")?,
        delta_g2: g2(field(v, "vk_delta_2")?, "vk_delta_2")?,
        gamma_abc_g1: ic
            .iter()
            .enumerate()
            .map(|(i, p)| g1(p, &format!("IC[{i}]")))
            .collect::<Result<_, _>>()?,
    };
    if vk.gamma_abc_g1.is_empty() {
        return Err("IC: no points (a key has one more than it has public signals)".into());
    }
    if let Some(n) = v.get("nPublic").and_then(Value::as_u64) {
        if n as usize + 1 != vk.gamma_abc_g1.len() {
            return Err(format!(
                "nPublic is {n} but IC has {} points (nPublic + 1 expected)",
                vk.gamma_abc_g1.len()
            ));
        }
    }
    Ok(vk)
}

/// A proof as snarkjs writes it.
pub fn proof(v: &Value) -> Result<Proof<Bn254>, String> {
    bn128(v)?;
    Ok(Proof {
        a: g1(field(v, "pi_a")?, "pi_a")?,
        b: g2(field(v, "pi_b")?, "pi_b")?,
        c: g1(field(v, "pi_c")?, "pi_c")?,
    })
}

/// Public signals: an array of decimal strings, each below r.
pub fn public(v: &Value) -> Result<Vec<Fr>, String> {
    v.as_array()
        .ok_or_else(|| format!("expected an array of decimal strings, got {v}"))?
        .iter()
        .enumerate()
        .map(|(i, x)| element::<Fr>(x, &format!("signal {i}")))
        .collect()
}

/// `zkr-ceremony groth16 verify`: whether the proof in `proof_path` proves
/// the signals in `public_path` under the key in `vk_path`. Files that do
/// not parse, or hold numbers or points that are not canonical, are
/// errors naming the file and the field; a proof that parses but does not
/// verify is `Ok(false)`.
pub fn verify_files(
    vk_path: &Path,
    public_path: &Path,
    proof_path: &Path,
) -> Result<bool, CeremonyError> {
    fn named(path: &Path) -> impl Fn(String) -> CeremonyError + '_ {
        move |why| CeremonyError::Refused(format!("{}: {why}", path.display()))
    }
    let vk = verifying_key(&read(vk_path)?).map_err(named(vk_path))?;
    let public = public(&read(public_path)?).map_err(named(public_path))?;
    let proof = proof(&read(proof_path)?).map_err(named(proof_path))?;
    if public.len() + 1 != vk.gamma_abc_g1.len() {
        return Err(CeremonyError::Refused(format!(
            "{} holds {} public signals, the key {} takes {}",
            public_path.display(),
            public.len(),
            vk_path.display(),
            vk.gamma_abc_g1.len() - 1
        )));
    }
    Ok(super::verifies(&vk, &public, &proof))
}

/// `zkr-ceremony groth16 export-solidity`: the Solidity verifier of the
/// verification key in `vk_path` (snarkjs's interface).
pub fn solidity_verifier(vk_path: &Path) -> Result<String, CeremonyError> {
    let refuse = |why: String| CeremonyError::Refused(format!("{}: {why}", vk_path.display()));
    let vk = verifying_key(&read(vk_path)?).map_err(refuse)?;
    // The aggregator's EVM encoding is the JSON shape the generator's key reads.
    let words = serde_json::to_value(zkr_aggregator::wrap::groth16::vk_to_evm(&vk))
        .and_then(serde_json::from_value::<zkr_contracts::EvmVerifyingKey>)
        .map_err(|e| refuse(format!("encoding the key for the EVM: {e}")))?;
    zkr_contracts::generate_groth16_verifier(&words).map_err(|e| refuse(e.to_string()))
}
