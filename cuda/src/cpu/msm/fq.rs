//! BN254's base field, for G1's batched-affine additions.
//!
//! The same Montgomery form as arkworks' `ark_bn254::Fq` (R = 2^256, values
//! fully reduced), so converting is free; but every operation is inlined into
//! the bucket loop, and subtraction is a branchless borrow chain. arkworks'
//! multiplication and subtraction stay out of line there, and that call
//! overhead was a large part of an addition's cost.
//!
//! Multiplication is CIOS Montgomery multiplication with the "no carry"
//! shortcut, which holds because the modulus' top limb is below 2^63 − 1
//! (the field is 254 bits).

use std::ops::{Add, Mul, Neg, Sub};

use ark_ff::Field;

/// The modulus, little-endian limbs (EIP-196's field modulus
/// 21888242871839275222246405745257275088696311157297823662689037894645226208583).
pub(crate) const P: [u64; 4] = [
    0x3c20_8c16_d87c_fd47,
    0x9781_6a91_6871_ca8d,
    0xb850_45b6_8181_585d,
    0x3064_4e72_e131_a029,
];

/// `−P⁻¹ mod 2^64`, by Newton's iteration (each step doubles the correct bits).
const INV: u64 = {
    let mut inv = 1u64;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(P[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `R mod P` (R = 2^256): one in Montgomery form.
const ONE: [u64; 4] = pow2_mod_p(256);

/// `2^k mod P`, by doubling 1 modulo P (compile time only).
pub(crate) const fn pow2_mod_p(k: u32) -> [u64; 4] {
    let mut v = [1u64, 0, 0, 0];
    let mut i = 0;
    while i < k {
        // 2v < 2P < 2^255: no overflow out of the top limb.
        let mut doubled = [0u64; 4];
        let mut carry = 0u64;
        let mut j = 0;
        while j < 4 {
            doubled[j] = (v[j] << 1) | carry;
            carry = v[j] >> 63;
            j += 1;
        }
        v = reduce_once(doubled);
        i += 1;
    }
    v
}

/// `v − P` when `v ≥ P`, else `v` (for `v < 2P`).
#[inline(always)]
const fn reduce_once(v: [u64; 4]) -> [u64; 4] {
    let (d0, b) = sbb(v[0], P[0], 0);
    let (d1, b) = sbb(v[1], P[1], b);
    let (d2, b) = sbb(v[2], P[2], b);
    let (d3, b) = sbb(v[3], P[3], b);
    // b = 1: v < P, keep v. Branch-free select.
    let keep = 0u64.wrapping_sub(b);
    [
        (v[0] & keep) | (d0 & !keep),
        (v[1] & keep) | (d1 & !keep),
        (v[2] & keep) | (d2 & !keep),
        (v[3] & keep) | (d3 & !keep),
    ]
}

/// `a − b − borrow`, and the borrow out (0 or 1).
#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (t as u64, (t >> 127) as u64)
}

/// `a + b + carry`, and the carry out.
#[inline(always)]
const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a + b·c + carry`, and the high word.
#[inline(always)]
const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// An element of BN254's base field, in arkworks' Montgomery form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fq(pub [u64; 4]);

impl Fq {
    /// Zero.
    pub const ZERO: Fq = Fq([0; 4]);
    /// One.
    pub const ONE: Fq = Fq(ONE);

    /// From arkworks' element (same representation).
    #[inline(always)]
    pub fn from_ark(f: &ark_bn254::Fq) -> Fq {
        Fq(f.0 .0)
    }

    /// To arkworks' element.
    #[inline(always)]
    pub fn to_ark(self) -> ark_bn254::Fq {
        ark_bn254::Fq::new_unchecked(ark_ff::BigInt(self.0))
    }

    /// Whether this is zero.
    #[inline(always)]
    pub fn is_zero(&self) -> bool {
        (self.0[0] | self.0[1] | self.0[2] | self.0[3]) == 0
    }

    /// `self²`.
    #[inline(always)]
    pub fn square(&self) -> Fq {
        *self * *self
    }

    /// `2·self`.
    #[inline(always)]
    pub fn double(&self) -> Fq {
        *self + *self
    }

    /// `self⁻¹`, `None` for zero (rare: one per batch, so arkworks' does it).
    pub fn inverse(&self) -> Option<Fq> {
        self.to_ark().inverse().map(|f| Fq::from_ark(&f))
    }
}

impl Add for Fq {
    type Output = Fq;
    #[inline(always)]
    fn add(self, rhs: Fq) -> Fq {
        let (s0, c) = adc(self.0[0], rhs.0[0], 0);
        let (s1, c) = adc(self.0[1], rhs.0[1], c);
        let (s2, c) = adc(self.0[2], rhs.0[2], c);
        let (s3, _) = adc(self.0[3], rhs.0[3], c);
        // Both below P < 2^254: the sum fits 255 bits.
        Fq(reduce_once([s0, s1, s2, s3]))
    }
}

impl Sub for Fq {
    type Output = Fq;
    #[inline(always)]
    fn sub(self, rhs: Fq) -> Fq {
        let (d0, b) = sbb(self.0[0], rhs.0[0], 0);
        let (d1, b) = sbb(self.0[1], rhs.0[1], b);
        let (d2, b) = sbb(self.0[2], rhs.0[2], b);
        let (d3, b) = sbb(self.0[3], rhs.0[3], b);
        // On a borrow, add P back (masked, no branch).
        let mask = 0u64.wrapping_sub(b);
        let (r0, c) = adc(d0, P[0] & mask, 0);
        let (r1, c) = adc(d1, P[1] & mask, c);
        let (r2, c) = adc(d2, P[2] & mask, c);
        let (r3, _) = adc(d3, P[3] & mask, c);
        Fq([r0, r1, r2, r3])
    }
}

impl Neg for Fq {
    type Output = Fq;
    #[inline(always)]
    fn neg(self) -> Fq {
        Fq::ZERO - self
    }
}

impl Mul for Fq {
    type Output = Fq;
    #[inline(always)]
    fn mul(self, rhs: Fq) -> Fq {
        Fq(montgomery_product(&self.0, &rhs.0))
    }
}

/// `a·b·R⁻¹ mod P`, for `a, b < P`.
#[inline(always)]
fn montgomery_product(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut t = [0u64; 4];
    for &bi in b {
        // t += a·b_i, then add m·P so the low word vanishes, and shift.
        let (t0, mut hi_a) = mac(t[0], a[0], bi, 0);
        let m = t0.wrapping_mul(INV);
        let (_, mut hi_m) = mac(t0, m, P[0], 0);
        for j in 1..4 {
            let (tj, ha) = mac(t[j], a[j], bi, hi_a);
            hi_a = ha;
            let (tj, hm) = mac(tj, m, P[j], hi_m);
            hi_m = hm;
            t[j - 1] = tj;
        }
        // No carry out: P's top limb leaves headroom (see the module docs).
        t[3] = hi_a.wrapping_add(hi_m);
    }
    reduce_once(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, PrimeField, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn constants_match_the_modulus_and_montgomery_form() {
        assert_eq!(
            P,
            ark_bn254::Fq::MODULUS.0,
            "modulus differs from arkworks' Fq::MODULUS"
        );
        assert_eq!(P[0].wrapping_mul(INV), u64::MAX, "INV is not −P⁻¹ mod 2^64");
        assert_eq!(Fq::ONE.to_ark(), ark_bn254::Fq::ONE, "R mod P is not one");
        // The decimal modulus of EIP-196, independently of arkworks.
        let decimal = num_bigint::BigUint::parse_bytes(
            b"21888242871839275222246405745257275088696311157297823662689037894645226208583",
            10,
        )
        .expect("decimal literal");
        let limbs = decimal.to_u64_digits();
        assert_eq!(limbs, P.to_vec(), "modulus differs from EIP-196's");
    }

    #[test]
    fn operations_equal_arkworks_on_random_and_edge_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let mut values: Vec<ark_bn254::Fq> =
            (0..2000).map(|_| ark_bn254::Fq::rand(&mut rng)).collect();
        values.extend([
            ark_bn254::Fq::ZERO,
            ark_bn254::Fq::ONE,
            -ark_bn254::Fq::ONE,
            ark_bn254::Fq::from(2u64),
            -ark_bn254::Fq::from(2u64),
        ]);
        for (k, a) in values.iter().enumerate() {
            let b = values[(k * 7 + 3) % values.len()];
            let (x, y) = (Fq::from_ark(a), Fq::from_ark(&b));
            assert_eq!((x + y).to_ark(), *a + b, "{a} + {b}");
            assert_eq!((x - y).to_ark(), *a - b, "{a} - {b}");
            assert_eq!((y - x).to_ark(), b - *a, "{b} - {a}");
            assert_eq!((x * y).to_ark(), *a * b, "{a} * {b}");
            assert_eq!(x.square().to_ark(), a.square(), "{a}²");
            assert_eq!(x.double().to_ark(), a.double(), "2·{a}");
            assert_eq!((-x).to_ark(), -*a, "−{a}");
            assert_eq!(x.is_zero(), a.is_zero(), "is_zero({a})");
            assert_eq!(x.inverse().map(Fq::to_ark), a.inverse(), "{a}⁻¹");
        }
    }
}
