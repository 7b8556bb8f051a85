//! The deterministic random generator snarkjs derives keys from, and its way
//! of turning random words into field elements and curve points.
//!
//! Compatibility here is not optional: a contribution's proof of knowledge
//! hashes the previous challenge to a G2 point with this generator, and a
//! beacon's keys come from it, so a verifier must reproduce it bit for bit.
//! It is ffjavascript's ChaCha20 (20 rounds, 256-bit key, zero nonce, 64-bit
//! little-endian block counter spread over state words 12..16) and its
//! `fromRng` samplers:
//!
//! * a field element takes four 64-bit words (each one the next two 32-bit
//!   outputs, the first one high), little-endian, masked to the modulus' bit
//!   length and rejected when not below it. The integer is then used as the
//!   element's *Montgomery* representation: the element is `v / 2^256`.
//! * a curve point takes x, then one bit saying which square root y is
//!   ("negative" in ffjavascript's sense), until x^3 + b is a square; in G2 it
//!   is then multiplied by the cofactor.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::{short_weierstrass::SWCurveConfig, AffineRepr, CurveGroup};
use ark_ff::{BigInt, BigInteger, Field, PrimeField};

use crate::hash::Hash;

/// ffjavascript's ChaCha20 stream of 32-bit words.
pub struct ChaCha {
    state: [u32; 16],
    block: [u32; 16],
    idx: usize,
}

impl ChaCha {
    /// A generator keyed by eight 32-bit words.
    pub fn new(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        // "expand 32-byte k"
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
        state[4..12].copy_from_slice(&seed);
        Self {
            state,
            block: [0; 16],
            idx: 16,
        }
    }

    /// A generator keyed by the first 32 bytes of `hash`, read as big-endian
    /// words (how snarkjs seeds it from a BLAKE2b or SHA-256 output).
    pub fn from_hash(hash: &[u8]) -> Self {
        let mut seed = [0u32; 8];
        for (i, word) in seed.iter_mut().enumerate() {
            *word = u32::from_be_bytes([
                hash[4 * i],
                hash[4 * i + 1],
                hash[4 * i + 2],
                hash[4 * i + 3],
            ]);
        }
        Self::new(seed)
    }

    /// The next 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        if self.idx == 16 {
            self.refill();
        }
        let out = self.block[self.idx];
        self.idx += 1;
        out
    }

    /// The next 64-bit output: the first 32-bit word is the high half.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        (hi << 32) | lo
    }

    fn refill(&mut self) {
        let mut x = self.state;
        for _ in 0..10 {
            quarter_round(&mut x, 0, 4, 8, 12);
            quarter_round(&mut x, 1, 5, 9, 13);
            quarter_round(&mut x, 2, 6, 10, 14);
            quarter_round(&mut x, 3, 7, 11, 15);
            quarter_round(&mut x, 0, 5, 10, 15);
            quarter_round(&mut x, 1, 6, 11, 12);
            quarter_round(&mut x, 2, 7, 8, 13);
            quarter_round(&mut x, 3, 4, 9, 14);
        }
        for (out, (mixed, initial)) in self.block.iter_mut().zip(x.iter().zip(self.state.iter())) {
            *out = mixed.wrapping_add(*initial);
        }
        self.idx = 0;
        for word in 12..16 {
            self.state[word] = self.state[word].wrapping_add(1);
            if self.state[word] != 0 {
                break;
            }
        }
    }
}

fn quarter_round(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// A field element sampled as ffjavascript's `F.fromRng` does (see the module doc).
pub fn field_from_rng<F: PrimeField<BigInt = BigInt<4>>>(rng: &mut ChaCha) -> F {
    let bits = F::MODULUS.num_bits();
    loop {
        let mut limbs = [0u64; 4];
        for limb in limbs.iter_mut() {
            *limb = rng.next_u64();
        }
        // Mask to the modulus' bit length (254 for both BN254 fields).
        let top_bits = bits - 192;
        limbs[3] &= (1u64 << top_bits) - 1;
        let v = BigInt::new(limbs);
        if v < F::MODULUS {
            // `v` is the Montgomery representation: the element is v * 2^-256.
            return F::from_bigint(v).unwrap_or_default() * montgomery_r_inverse::<F>();
        }
    }
}

/// 2^-256 in the field: turns a Montgomery representation into the element.
fn montgomery_r_inverse<F: PrimeField<BigInt = BigInt<4>>>() -> F {
    let r = F::from(2u64).pow([256u64]);
    r.inverse().unwrap_or_default()
}

/// A scalar (Fr) sampled as snarkjs samples private keys.
pub fn fr_from_rng(rng: &mut ChaCha) -> Fr {
    field_from_rng::<Fr>(rng)
}

/// ffjavascript's sign of an Fq element: "negative" when above (q - 1) / 2.
pub fn fq_is_negative(x: &Fq) -> bool {
    let half = Fq::MODULUS_MINUS_ONE_DIV_TWO;
    x.into_bigint() > half
}

/// ffjavascript's sign of an Fq2 element: that of c1, or of c0 when c1 is zero.
pub fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1 == Fq::from(0u64) {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

/// A G1 point sampled as ffjavascript's `G1.fromRng` does.
pub fn g1_from_rng(rng: &mut ChaCha) -> G1Affine {
    loop {
        let x: Fq = field_from_rng(rng);
        let negative = rng.next_u32() & 1 == 1;
        let rhs = x.square() * x + ark_bn254::g1::Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let y = if fq_is_negative(&y) == negative {
                y
            } else {
                -y
            };
            return G1Affine::new_unchecked(x, y);
        }
    }
}

/// A G2 point sampled as ffjavascript's `G2.fromRng` does: a point of the
/// twist, multiplied by the G2 cofactor to land in the prime-order subgroup.
pub fn g2_from_rng(rng: &mut ChaCha) -> G2Affine {
    loop {
        let c0: Fq = field_from_rng(rng);
        let c1: Fq = field_from_rng(rng);
        let x = Fq2::new(c0, c1);
        let negative = rng.next_u32() & 1 == 1;
        let rhs = x.square() * x + ark_bn254::g2::Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let y = if fq2_is_negative(&y) == negative {
                y
            } else {
                -y
            };
            let point = G2Affine::new_unchecked(x, y);
            let cleared: G2Projective = point.mul_bigint(G2_COFACTOR);
            return cleared.into_affine();
        }
    }
}

/// The G2 cofactor as ffjavascript's bn128 curve states it
/// (`0x30644e72e131a029b85045b68181585e06ceecda572a2489345f2299c0f9fa8d`,
/// which is 2q - r), little-endian 64-bit limbs.
pub const G2_COFACTOR: [u64; 4] = [
    0x345f2299c0f9fa8d,
    0x06ceecda572a2489,
    0xb85045b68181585e,
    0x30644e72e131a029,
];

/// snarkjs's `hashToG2`: a ChaCha generator keyed by the hash, then one G2 point.
pub fn hash_to_g2(hash: &Hash) -> G2Affine {
    let mut rng = ChaCha::from_hash(hash);
    g2_from_rng(&mut rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger256, One, Zero};

    #[test]
    fn chacha_matches_rfc8439_block_function_vector() {
        // RFC 8439, section 2.3.2, with ffjavascript's layout: key words as
        // given, counter and nonce all zero except the test's counter = 1 and
        // nonce (0x09000000, 0x4a000000, 0). ffjavascript has no nonce, so this
        // checks the rounds with the test key and counter/nonce words poked in.
        let key = [
            0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, 0x13121110, 0x17161514, 0x1b1a1918,
            0x1f1e1d1c,
        ];
        let mut rng = ChaCha::new(key);
        rng.state[12] = 1;
        rng.state[13] = 0x09000000;
        rng.state[14] = 0x4a000000;
        let first: Vec<u32> = (0..4).map(|_| rng.next_u32()).collect();
        assert_eq!(first, vec![0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3]);
    }

    #[test]
    fn g2_cofactor_is_2q_minus_r_and_arkworks_cofactor() {
        let q = BigInteger256::from(Fq::MODULUS);
        let r = BigInteger256::from(Fr::MODULUS);
        let mut two_q = q;
        two_q.add_with_carry(&q);
        let mut expected = two_q;
        expected.sub_with_borrow(&r);
        assert_eq!(
            BigInt::new(G2_COFACTOR),
            expected,
            "cofactor expected 2q - r"
        );
        assert_eq!(
            &G2_COFACTOR[..],
            <ark_bn254::g2::Config as ark_ec::CurveConfig>::COFACTOR,
            "cofactor expected arkworks' G2 COFACTOR"
        );
    }

    #[test]
    fn sampled_points_are_on_the_curve_and_in_the_subgroup() {
        let mut rng = ChaCha::new([1, 2, 3, 4, 5, 6, 7, 8]);
        for _ in 0..4 {
            let p = g1_from_rng(&mut rng);
            assert!(p.is_on_curve() && !p.is_zero());
            let q = g2_from_rng(&mut rng);
            assert!(
                q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve() && !q.is_zero()
            );
        }
    }

    #[test]
    fn montgomery_inverse_undoes_r() {
        let r_inv = montgomery_r_inverse::<Fr>();
        assert!((r_inv * Fr::from(2u64).pow([256u64])).is_one());
        assert!(!r_inv.is_zero());
    }
}
