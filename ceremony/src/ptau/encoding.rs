//! How snarkjs writes BN254 points: in the file, and inside its hashes.
//!
//! * In the file ("LEM"): affine x then y, every Fq coordinate as its
//!   Montgomery representation (x * 2^256 mod q) in 32 little-endian bytes;
//!   an Fq2 coordinate is c0 then c1. The point at infinity is all zeros
//!   ((0, 0) is not on the curve). arkworks keeps Fq in the same Montgomery
//!   form, so this is a copy of its limbs.
//! * Uncompressed ("U", hashed for challenges and public keys): x then y,
//!   each big-endian in standard form; an Fq2 coordinate is the 64-byte
//!   big-endian integer c1 * 2^256 + c0, so c1 comes first. Infinity: zeros.
//! * Compressed ("C", hashed for responses): x as above, with bit 0x80 of
//!   the first byte set when y is "negative" (see [`crate::rng`]); infinity
//!   is 0x40 followed by zeros.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};

use crate::rng::{fq2_is_negative, fq_is_negative};

/// Bytes of one G1 point in the file and uncompressed.
pub const G1_SIZE: usize = 64;
/// Bytes of one G2 point in the file and uncompressed.
pub const G2_SIZE: usize = 128;

/// Why a point read from a file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// A coordinate is not below the field modulus.
    #[error("a coordinate is not a reduced field element (not below q)")]
    NotReduced,
    /// The coordinates do not satisfy the curve equation.
    #[error("the point is not on the curve")]
    NotOnCurve,
    /// A G2 point is on the twist but outside the prime-order subgroup.
    #[error("the point is not in the prime-order subgroup")]
    NotInSubgroup,
}

/// A curve group as the `.ptau` format stores it (implemented for the
/// affine points of both BN254 groups).
pub trait PtauGroup: AffineRepr + Send + Sync {
    /// Bytes per point in the file.
    const SIZE: usize;
    /// Writes the file ("LEM") form into `out` (`SIZE` bytes).
    fn write_lem(&self, out: &mut [u8]);
    /// Reads the file form, checking reduction, curve equation and subgroup.
    fn read_lem(bytes: &[u8]) -> Result<Self, PointError>;
    /// Reads the file form, checking reduction and curve equation only (no
    /// subgroup check, the costly part in G2): for keys whose every use is
    /// checked whole afterwards, as a proof is before it is written.
    fn read_lem_on_curve(bytes: &[u8]) -> Result<Self, PointError>;
    /// Reads the file form of a point this program wrote itself: no checks.
    fn read_lem_trusted(bytes: &[u8]) -> Self;
    /// Writes the uncompressed big-endian form (`SIZE` bytes).
    fn write_uncompressed(&self, out: &mut [u8]);
    /// Writes the compressed form (`SIZE / 2` bytes).
    fn write_compressed(&self, out: &mut [u8]);
}

fn write_fq_lem(x: &Fq, out: &mut [u8]) {
    // Fp's inner BigInt is the Montgomery representation.
    for (chunk, limb) in out[..32].chunks_exact_mut(8).zip(x.0 .0) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
}

fn read_fq_lem(bytes: &[u8]) -> Result<Fq, PointError> {
    let x = fq_lem_trusted(bytes);
    if x.0 >= Fq::MODULUS {
        return Err(PointError::NotReduced);
    }
    Ok(x)
}

fn fq_lem_trusted(bytes: &[u8]) -> Fq {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes[..32].chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(b);
    }
    Fq::new_unchecked(BigInt::new(limbs))
}

fn write_fq_be(x: &Fq, out: &mut [u8]) {
    let limbs = x.into_bigint().0;
    for (i, limb) in limbs.iter().rev().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&limb.to_be_bytes());
    }
}

impl PtauCurve for ark_bn254::g1::Config {
    const SIZE: usize = G1_SIZE;

    fn write_lem(p: &Affine<Self>, out: &mut [u8]) {
        match p.xy() {
            None => out[..G1_SIZE].fill(0),
            Some((x, y)) => {
                write_fq_lem(&x, &mut out[..32]);
                write_fq_lem(&y, &mut out[32..64]);
            }
        }
    }

    fn read_lem(bytes: &[u8]) -> Result<Affine<Self>, PointError> {
        if bytes[..G1_SIZE].iter().all(|b| *b == 0) {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(read_fq_lem(&bytes[..32])?, read_fq_lem(&bytes[32..64])?);
        if !p.is_on_curve() {
            return Err(PointError::NotOnCurve);
        }
        // E(Fq) has prime order: every point on the curve is in the group.
        Ok(p)
    }

    fn read_lem_on_curve(bytes: &[u8]) -> Result<Affine<Self>, PointError> {
        Self::read_lem(bytes)
    }

    fn read_lem_trusted(bytes: &[u8]) -> Affine<Self> {
        if bytes[..G1_SIZE].iter().all(|b| *b == 0) {
            return G1Affine::zero();
        }
        G1Affine::new_unchecked(fq_lem_trusted(&bytes[..32]), fq_lem_trusted(&bytes[32..64]))
    }

    fn write_uncompressed(p: &Affine<Self>, out: &mut [u8]) {
        match p.xy() {
            None => out[..G1_SIZE].fill(0),
            Some((x, y)) => {
                write_fq_be(&x, &mut out[..32]);
                write_fq_be(&y, &mut out[32..64]);
            }
        }
    }

    fn write_compressed(p: &Affine<Self>, out: &mut [u8]) {
        match p.xy() {
            None => {
                out[..32].fill(0);
                out[0] = 0x40;
            }
            Some((x, y)) => {
                write_fq_be(&x, &mut out[..32]);
                if fq_is_negative(&y) {
                    out[0] |= 0x80;
                }
            }
        }
    }
}

/// The per-curve encodings behind [`PtauGroup`].
pub trait PtauCurve: SWCurveConfig {
    /// Bytes per point in the file.
    const SIZE: usize;
    /// See [`PtauGroup::write_lem`].
    fn write_lem(p: &Affine<Self>, out: &mut [u8]);
    /// See [`PtauGroup::read_lem`].
    fn read_lem(bytes: &[u8]) -> Result<Affine<Self>, PointError>;
    /// See [`PtauGroup::read_lem_on_curve`].
    fn read_lem_on_curve(bytes: &[u8]) -> Result<Affine<Self>, PointError>;
    /// See [`PtauGroup::read_lem_trusted`].
    fn read_lem_trusted(bytes: &[u8]) -> Affine<Self>;
    /// See [`PtauGroup::write_uncompressed`].
    fn write_uncompressed(p: &Affine<Self>, out: &mut [u8]);
    /// See [`PtauGroup::write_compressed`].
    fn write_compressed(p: &Affine<Self>, out: &mut [u8]);
}

impl<P: PtauCurve> PtauGroup for Affine<P> {
    const SIZE: usize = P::SIZE;
    fn write_lem(&self, out: &mut [u8]) {
        P::write_lem(self, out)
    }
    fn read_lem(bytes: &[u8]) -> Result<Self, PointError> {
        P::read_lem(bytes)
    }
    fn read_lem_on_curve(bytes: &[u8]) -> Result<Self, PointError> {
        P::read_lem_on_curve(bytes)
    }
    fn read_lem_trusted(bytes: &[u8]) -> Self {
        P::read_lem_trusted(bytes)
    }
    fn write_uncompressed(&self, out: &mut [u8]) {
        P::write_uncompressed(self, out)
    }
    fn write_compressed(&self, out: &mut [u8]) {
        P::write_compressed(self, out)
    }
}

fn write_fq2_lem(x: &Fq2, out: &mut [u8]) {
    write_fq_lem(&x.c0, &mut out[..32]);
    write_fq_lem(&x.c1, &mut out[32..64]);
}

fn read_fq2_lem(bytes: &[u8]) -> Result<Fq2, PointError> {
    Ok(Fq2::new(
        read_fq_lem(&bytes[..32])?,
        read_fq_lem(&bytes[32..64])?,
    ))
}

fn write_fq2_be(x: &Fq2, out: &mut [u8]) {
    write_fq_be(&x.c1, &mut out[..32]);
    write_fq_be(&x.c0, &mut out[32..64]);
}

impl PtauCurve for ark_bn254::g2::Config {
    const SIZE: usize = G2_SIZE;

    fn write_lem(p: &Affine<Self>, out: &mut [u8]) {
        match p.xy() {
            None => out[..G2_SIZE].fill(0),
            Some((x, y)) => {
                write_fq2_lem(&x, &mut out[..64]);
                write_fq2_lem(&y, &mut out[64..128]);
            }
        }
    }

    fn read_lem(bytes: &[u8]) -> Result<Affine<Self>, PointError> {
        let p = Self::read_lem_on_curve(bytes)?;
        if !crate::scalar_mul::g2_in_subgroup(&p) {
            return Err(PointError::NotInSubgroup);
        }
        Ok(p)
    }

    fn read_lem_on_curve(bytes: &[u8]) -> Result<Affine<Self>, PointError> {
        if bytes[..G2_SIZE].iter().all(|b| *b == 0) {
            return Ok(G2Affine::zero());
        }
        let p =
            G2Affine::new_unchecked(read_fq2_lem(&bytes[..64])?, read_fq2_lem(&bytes[64..128])?);
        if !p.is_on_curve() {
            return Err(PointError::NotOnCurve);
        }
        Ok(p)
    }

    fn read_lem_trusted(bytes: &[u8]) -> Affine<Self> {
        if bytes[..G2_SIZE].iter().all(|b| *b == 0) {
            return G2Affine::zero();
        }
        let x = Fq2::new(fq_lem_trusted(&bytes[..32]), fq_lem_trusted(&bytes[32..64]));
        let y = Fq2::new(
            fq_lem_trusted(&bytes[64..96]),
            fq_lem_trusted(&bytes[96..128]),
        );
        G2Affine::new_unchecked(x, y)
    }

    fn write_uncompressed(p: &Affine<Self>, out: &mut [u8]) {
        match p.xy() {
            None => out[..G2_SIZE].fill(0),
            Some((x, y)) => {
                write_fq2_be(&x, &mut out[..64]);
                write_fq2_be(&y, &mut out[64..128]);
            }
        }
    }

    fn write_compressed(p: &Affine<Self>, out: &mut [u8]) {
        match p.xy() {
            None => {
                out[..64].fill(0);
                out[0] = 0x40;
            }
            Some((x, y)) => {
                write_fq2_be(&x, &mut out[..64]);
                if fq2_is_negative(&y) {
                    out[0] |= 0x80;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn lem_round_trips_and_is_montgomery_form() {
        let mut rng = ark_std::test_rng();
        for _ in 0..8 {
            let p = (G1Affine::generator() * ark_bn254::Fr::rand(&mut rng)).into_affine();
            let mut buf = [0u8; G1_SIZE];
            p.write_lem(&mut buf);
            assert_eq!(G1Affine::read_lem(&buf), Ok(p));
            let q = (G2Affine::generator() * ark_bn254::Fr::rand(&mut rng)).into_affine();
            let mut buf = [0u8; G2_SIZE];
            q.write_lem(&mut buf);
            assert_eq!(G2Affine::read_lem(&buf), Ok(q));
        }
        // The G1 generator is (1, 2): x's Montgomery form is 2^256 mod q.
        let mut buf = [0u8; G1_SIZE];
        G1Affine::generator().write_lem(&mut buf);
        let r_mod_q = ark_ff::Field::pow(&Fq::from(2u64), [256u64])
            .into_bigint()
            .0;
        let expected: Vec<u8> = r_mod_q.iter().flat_map(|limb| limb.to_le_bytes()).collect();
        assert_eq!(
            &buf[..32],
            &expected[..],
            "generator x expected 2^256 mod q, little-endian"
        );
    }

    #[test]
    fn infinity_is_all_zeros_and_compressed_flag() {
        let mut buf = [0xffu8; G2_SIZE];
        G2Affine::zero().write_lem(&mut buf);
        assert!(buf.iter().all(|b| *b == 0));
        assert_eq!(G2Affine::read_lem(&buf), Ok(G2Affine::zero()));
        let mut c = [0u8; 32];
        G1Affine::zero().write_compressed(&mut c);
        assert_eq!(c[0], 0x40);
    }

    #[test]
    fn off_curve_and_unreduced_points_are_refused() {
        let mut buf = [0u8; G1_SIZE];
        G1Affine::generator().write_lem(&mut buf);
        buf[40] ^= 1;
        assert_eq!(G1Affine::read_lem(&buf), Err(PointError::NotOnCurve));
        let mut buf = [0xffu8; G1_SIZE];
        buf[0] = 1;
        assert_eq!(G1Affine::read_lem(&buf), Err(PointError::NotReduced));
    }

    #[test]
    fn g2_points_of_the_twist_outside_the_subgroup_are_refused() {
        let mut rng = ark_std::test_rng();
        let mut buf = [0u8; G2_SIZE];
        let inside = (G2Affine::generator() * ark_bn254::Fr::rand(&mut rng)).into_affine();
        inside.write_lem(&mut buf);
        assert_eq!(
            G2Affine::read_lem(&buf),
            Ok(inside),
            "a subgroup point reads back"
        );
        let mut refused = 0;
        while refused < 4 {
            let x = Fq2::rand(&mut rng);
            let Some(p) = G2Affine::get_point_from_x_unchecked(x, true) else {
                continue;
            };
            // Almost every point of the twist lies outside the subgroup.
            if p.is_in_correct_subgroup_assuming_on_curve() {
                continue;
            }
            p.write_lem(&mut buf);
            assert_eq!(
                G2Affine::read_lem(&buf),
                Err(PointError::NotInSubgroup),
                "on-curve point outside the subgroup: {p}"
            );
            refused += 1;
        }
    }
}
