//! Moving between Goldilocks elements and BN254 scalars.
//!
//! * **In** ([`pack`]): up to three canonical Goldilocks elements `g0, g1, g2`
//!   become `g0 + 2^64 g1 + 2^128 g2`. The map is injective on canonical
//!   inputs (192 bits < 254), which is what an R1CS verifier enforces with
//!   64-bit range checks.
//! * **Out** ([`unpack`]): a BN254 scalar `x`, uniform after a permutation,
//!   yields two Goldilocks elements, its base-`p` digits `x mod p` and
//!   `(x div p) mod p`. Their joint distribution is within `p^2 / r < 2^-125`
//!   of uniform, far inside the `2^-64` the transcript allows. (Reading 64-bit
//!   chunks and reducing them would be biased by `2^-32`.) The R1CS side
//!   proves `x = d0 + p·d1 + p^2·h` with `d0, d1 < p` and `h < H`, where
//!   `H = floor((r - 1) / p^2)`: such a decomposition is unique and exists for
//!   every `x < p^2·H`, that is for all but a `2^-125` fraction of scalars;
//!   [`unpack`] reports the rest.
//! * **Digests out** ([`digest_limbs`]): a digest is observed by the
//!   transcript as five 51-bit limbs, little-endian, which is injective.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use plonky2::field::types::{Field, PrimeField64};

use crate::wrap::algebra::GF;

/// Goldilocks elements packed into one BN254 scalar.
pub const PACK: usize = 3;
/// Goldilocks elements unpacked from one BN254 scalar.
pub const UNPACK: usize = 2;
/// Limbs a digest is observed as.
pub const DIGEST_LIMBS: usize = 5;
/// Bits per digest limb.
pub const DIGEST_LIMB_BITS: usize = 51;

pub use crate::wrap::goldilocks::P;

/// `sum_i g_i 2^(64 i)` for up to [`PACK`] elements.
///
/// # Panics
/// If more than [`PACK`] elements are given.
pub fn pack(gs: &[GF]) -> Fr {
    assert!(
        gs.len() <= PACK,
        "packing {} elements into one scalar",
        gs.len()
    );
    let mut limbs = [0u64; 4];
    for (limb, g) in limbs.iter_mut().zip(gs) {
        *limb = g.to_canonical_u64();
    }
    Fr::from_bigint(ark_ff::BigInt(limbs)).expect("192 bits are below the BN254 modulus")
}

/// The base-`p` digits `(x mod p, (x div p) mod p)` of `x`, and whether `x`
/// has the decomposition the R1CS verifier can prove (`x < p^2·H`; false
/// with probability below `2^-125` for a uniform `x`).
pub fn unpack(x: &Fr) -> ([GF; UNPACK], bool) {
    let (d0, d1, high) = decompose(x);
    // Limbs are little-endian: compare from the most significant one.
    let provable = high.iter().rev().lt(high_digit_bound().iter().rev());
    (
        [GF::from_canonical_u64(d0), GF::from_canonical_u64(d1)],
        provable,
    )
}

/// `x = d0 + p·d1 + p^2·high` with `d0, d1 < p`: returns `(d0, d1, high)`.
pub fn decompose(x: &Fr) -> (u64, u64, [u64; 4]) {
    let (q1, d0) = div_rem_p(x.into_bigint().0);
    let (high, d1) = div_rem_p(q1);
    (d0, d1, high)
}

/// `H = floor((r - 1) / p^2)`, the strict bound on the high part of an unpacked scalar.
pub fn high_digit_bound() -> [u64; 4] {
    let mut r_minus_1 = Fr::MODULUS;
    r_minus_1.sub_with_borrow(&ark_ff::BigInt::from(1u64));
    let (q1, _) = div_rem_p(r_minus_1.0);
    div_rem_p(q1).0
}

/// Long division of a little-endian 256-bit integer by `p`.
fn div_rem_p(x: [u64; 4]) -> ([u64; 4], u64) {
    let mut q = [0u64; 4];
    let mut rem: u128 = 0;
    for i in (0..4).rev() {
        let cur = (rem << 64) | x[i] as u128;
        q[i] = (cur / P as u128) as u64;
        rem = cur % P as u128;
    }
    (q, rem as u64)
}

/// The five little-endian 51-bit limbs of a scalar's canonical integer.
pub fn digest_limbs(x: &Fr) -> [GF; DIGEST_LIMBS] {
    let bits = x.into_bigint().to_bits_le();
    let mut out = [GF::ZERO; DIGEST_LIMBS];
    for (i, limb) in out.iter_mut().enumerate() {
        let value = bits
            .iter()
            .skip(i * DIGEST_LIMB_BITS)
            .take(DIGEST_LIMB_BITS)
            .rev()
            .fold(0u64, |acc, &b| (acc << 1) | b as u64);
        *limb = GF::from_canonical_u64(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::{test_rng, UniformRand};
    use num_bigint::BigUint;
    use plonky2::field::types::Sample;

    fn big(x: &Fr) -> BigUint {
        x.into_bigint().into()
    }

    #[test]
    fn pack_is_the_radix_2_64_integer() {
        let gs = [GF::rand(), GF::NEG_ONE, GF::rand()];
        let expected = BigUint::from(gs[0].to_canonical_u64())
            + (BigUint::from(gs[1].to_canonical_u64()) << 64)
            + (BigUint::from(gs[2].to_canonical_u64()) << 128);
        assert_eq!(big(&pack(&gs)), expected);
        assert_eq!(
            big(&pack(&gs[..1])),
            BigUint::from(gs[0].to_canonical_u64())
        );
        assert_eq!(pack(&[]), Fr::from(0u64));
    }

    #[test]
    fn unpack_gives_the_base_p_digits() {
        let mut rng = test_rng();
        let p = BigUint::from(P);
        for _ in 0..64 {
            let x = Fr::rand(&mut rng);
            let ([d0, d1], provable) = unpack(&x);
            let xb = big(&x);
            assert_eq!(BigUint::from(d0.to_canonical_u64()), &xb % &p, "x mod p");
            assert_eq!(
                BigUint::from(d1.to_canonical_u64()),
                (&xb / &p) % &p,
                "(x div p) mod p"
            );
            let h = &xb / (&p * &p);
            let bound = BigUint::from_slice(
                &high_digit_bound()
                    .iter()
                    .flat_map(|l| [*l as u32, (*l >> 32) as u32])
                    .collect::<Vec<_>>(),
            );
            assert_eq!(provable, h < bound, "provable iff the high part is below H");
        }
    }

    #[test]
    fn high_digit_bound_is_floor_of_r_minus_one_over_p_squared() {
        let r: BigUint = Fr::MODULUS.into();
        let p = BigUint::from(P);
        let expected = (r - 1u32) / (&p * &p);
        let got = BigUint::from_slice(
            &high_digit_bound()
                .iter()
                .flat_map(|l| [*l as u32, (*l >> 32) as u32])
                .collect::<Vec<_>>(),
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn the_largest_scalars_are_reported_unprovable() {
        let ([_, _], provable) = unpack(&(-Fr::from(1u64)));
        assert!(
            !provable,
            "r - 1 has high part H, which the R1CS cannot prove"
        );
    }

    #[test]
    fn digest_limbs_recompose_to_the_scalar() {
        let mut rng = test_rng();
        for x in [Fr::rand(&mut rng), -Fr::from(1u64), Fr::from(0u64)] {
            let limbs = digest_limbs(&x);
            let back = limbs.iter().rev().fold(BigUint::from(0u32), |acc, l| {
                (acc << DIGEST_LIMB_BITS) + BigUint::from(l.to_canonical_u64())
            });
            assert_eq!(back, big(&x));
        }
    }
}
