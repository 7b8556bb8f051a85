//! Integers modulo n, the prime order of the EcGFp5 group.
//!
//! n = 1067993516717146951041484916571792702745057740581727230159139685185762082554198619328292418486241
//! (a 319-bit prime, from the EcGFp5 paper, eprint 2022/274, section 1).
//!
//! Values are stored in normal (not Montgomery) form as five little-endian
//! 64-bit limbs, always below n, so encoding and bit access are free;
//! multiplication goes through two Montgomery multiplications (R = 2^320).
//! Nothing here is constant-time.

use core::fmt;
use core::ops::{Add, Mul, Neg, Sub};

use rand::Rng;

/// Limbs of a 320-bit unsigned integer, least significant first.
type Limbs = [u64; 5];

/// The group order n.
const N: Limbs = [
    0xE80F_D996_948B_FFE1,
    0xE888_5C39_D724_A09C,
    0x7FFF_FFE6_CFB8_0639,
    0x7FFF_FFF1_0000_0016,
    0x7FFF_FFFD_8000_0007,
];

/// -1/n mod 2^64, for Montgomery reduction.
const N0_NEG_INV: u64 = {
    // Newton's iteration doubles the number of correct low bits each step.
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(N[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// 2^640 mod n, to move values into Montgomery form.
const R2: Limbs = {
    let mut r: Limbs = [1, 0, 0, 0, 0];
    let mut i = 0;
    while i < 640 {
        r = double_mod_n(&r);
        i += 1;
    }
    r
};

/// a >= b as 320-bit integers.
const fn geq(a: &Limbs, b: &Limbs) -> bool {
    let mut i = 5;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// a - b with the final borrow.
const fn sub_borrow(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut r = [0u64; 5];
    let mut borrow = false;
    let mut i = 0;
    while i < 5 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow as u64);
        r[i] = d2;
        borrow = b1 || b2;
        i += 1;
    }
    (r, borrow)
}

/// a + b with the final carry.
const fn add_carry(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut r = [0u64; 5];
    let mut carry = false;
    let mut i = 0;
    while i < 5 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry as u64);
        r[i] = s2;
        carry = c1 || c2;
        i += 1;
    }
    (r, carry)
}

/// Subtract n while the value is at least n (inputs below 2^320 < 3n need at most two).
const fn reduce_once(a: &Limbs) -> Limbs {
    if geq(a, &N) {
        sub_borrow(a, &N).0
    } else {
        *a
    }
}

/// 2a mod n for a < n (2a < 2^320, so no carry out of the top limb).
const fn double_mod_n(a: &Limbs) -> Limbs {
    let (d, _) = add_carry(a, a);
    reduce_once(&d)
}

/// Montgomery product a * b / 2^320 mod n, for a, b < n (CIOS method).
fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    let mut t = [0u64; 7];
    for &bi in b {
        // t += a * b_i
        let mut c: u64 = 0;
        for j in 0..5 {
            let z = (t[j] as u128) + (a[j] as u128) * (bi as u128) + (c as u128);
            t[j] = z as u64;
            c = (z >> 64) as u64;
        }
        let z = (t[5] as u128) + (c as u128);
        t[5] = z as u64;
        t[6] = (z >> 64) as u64;

        // t = (t + m n) / 2^64, with m chosen so the low limb cancels.
        let m = t[0].wrapping_mul(N0_NEG_INV);
        let z = (t[0] as u128) + (m as u128) * (N[0] as u128);
        let mut c = (z >> 64) as u64;
        for j in 1..5 {
            let z = (t[j] as u128) + (m as u128) * (N[j] as u128) + (c as u128);
            t[j - 1] = z as u64;
            c = (z >> 64) as u64;
        }
        let z = (t[5] as u128) + (c as u128);
        t[4] = z as u64;
        t[5] = t[6] + ((z >> 64) as u64);
    }
    // The result is below 2n < 2^320, so t[5] is zero here.
    reduce_once(&[t[0], t[1], t[2], t[3], t[4]])
}

/// An integer modulo the EcGFp5 group order n, always reduced.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scalar(Limbs);

impl Scalar {
    /// Zero.
    pub const ZERO: Scalar = Scalar([0; 5]);
    /// One.
    pub const ONE: Scalar = Scalar([1, 0, 0, 0, 0]);
    /// Length of the canonical encoding in bytes.
    pub const BYTES: usize = 40;
    /// Bit width of the limb representation (every scalar fits in 319 bits).
    pub const BITS: usize = 320;
    /// The group order n as little-endian 64-bit limbs (not itself a valid scalar).
    pub const MODULUS: [u64; 5] = N;

    /// A small integer as a scalar (every u64 is below n).
    pub fn from_u64(x: u64) -> Scalar {
        Scalar([x, 0, 0, 0, 0])
    }

    /// From little-endian limbs, rejecting values >= n.
    pub fn from_limbs_canonical(limbs: &[u64; 5]) -> Option<Scalar> {
        if geq(limbs, &N) {
            None
        } else {
            Some(Scalar(*limbs))
        }
    }

    /// From little-endian limbs holding any 320-bit value, reduced mod n.
    ///
    /// This is how five hash output words become a scalar: the value
    /// `sum limbs[i] * 2^(64 i)` taken modulo n.
    pub fn from_limbs_reduce(limbs: &[u64; 5]) -> Scalar {
        // 2^320 < 3n, so two conditional subtractions are enough.
        Scalar(reduce_once(&reduce_once(limbs)))
    }

    /// The little-endian limbs (always below n).
    pub fn to_limbs(&self) -> [u64; 5] {
        self.0
    }

    /// Decode the canonical 40-byte little-endian encoding; `None` if the value is >= n.
    pub fn from_bytes(bytes: &[u8; 40]) -> Option<Scalar> {
        let limbs: Limbs = core::array::from_fn(|i| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        });
        Scalar::from_limbs_canonical(&limbs)
    }

    /// The canonical 40-byte little-endian encoding.
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        for (i, l) in self.0.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
        }
        out
    }

    /// Interpret any number of bytes as a little-endian integer and reduce it mod n.
    ///
    /// Used to turn wide hash outputs into scalars: a 64-byte input gives a
    /// result whose distance from uniform is about 2^-190.
    pub fn from_bytes_reduce(bytes: &[u8]) -> Scalar {
        // Horner's rule over 64-bit words, most significant first:
        // acc <- acc * 2^64 + word.
        let two64 = Scalar([0, 1, 0, 0, 0]);
        let mut acc = Scalar::ZERO;
        let top = bytes.len().div_ceil(8);
        for i in (0..top).rev() {
            let chunk = &bytes[8 * i..bytes.len().min(8 * i + 8)];
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            acc = acc * two64 + Scalar::from_u64(u64::from_le_bytes(w));
        }
        acc
    }

    /// A uniformly random scalar (up to a 2^-190 bias), possibly zero.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Scalar {
        let mut wide = [0u8; 64];
        rng.fill(&mut wide[..]);
        Scalar::from_bytes_reduce(&wide)
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 5]
    }

    /// Bit `i` (little-endian); bits at or beyond 320 are zero.
    pub fn bit(&self, i: usize) -> bool {
        i < Self::BITS && (self.0[i / 64] >> (i % 64)) & 1 == 1
    }

    /// Bits `[start, start + width)` as an integer (width at most 32).
    fn bits(&self, start: usize, width: usize) -> u32 {
        (0..width).fold(0u32, |acc, k| acc | ((self.bit(start + k) as u32) << k))
    }

    /// Signed window recoding with width `w` (2..=16).
    ///
    /// Returns `ceil(320 / w)` digits `d_i` in `[-(2^(w-1) - 1), 2^(w-1)]`
    /// with `self = sum d_i * 2^(w i)` (as integers): each w-bit chunk plus
    /// the incoming carry is kept if at most 2^(w-1), otherwise 2^w is
    /// subtracted and a carry goes to the next chunk. Since n < 2^319 the last
    /// digit never produces a carry.
    ///
    /// # Panics
    /// If `w` is outside 2..=16 (a programming error, not an input error).
    pub fn recode_signed(&self, w: usize) -> Vec<i32> {
        assert!((2..=16).contains(&w), "window width {w} outside 2..=16");
        let len = Self::BITS.div_ceil(w);
        let half = 1i32 << (w - 1);
        let full = 1i32 << w;
        let mut carry = 0i32;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            let mut d = self.bits(i * w, w) as i32 + carry;
            carry = 0;
            if d > half {
                d -= full;
                carry = 1;
            }
            out.push(d);
        }
        out
    }

    /// `self^e` for a 320-bit exponent given as little-endian limbs.
    fn pow_limbs(&self, e: &Limbs) -> Scalar {
        let mut r = Scalar::ONE;
        for i in (0..Self::BITS).rev() {
            r = r * r;
            if (e[i / 64] >> (i % 64)) & 1 == 1 {
                r = r * *self;
            }
        }
        r
    }

    /// Multiplicative inverse (Fermat: `self^(n-2)`); `None` for zero.
    pub fn try_inverse(&self) -> Option<Scalar> {
        if self.is_zero() {
            return None;
        }
        let (e, _) = sub_borrow(&N, &[2, 0, 0, 0, 0]);
        Some(self.pow_limbs(&e))
    }
}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar(0x")?;
        for l in self.0.iter().rev() {
            write!(f, "{l:016x}")?;
        }
        write!(f, ")")
    }
}

impl Add for Scalar {
    type Output = Scalar;
    fn add(self, rhs: Scalar) -> Scalar {
        // Both are below n < 2^319, so the sum fits in 320 bits.
        let (s, _) = add_carry(&self.0, &rhs.0);
        Scalar(reduce_once(&s))
    }
}

impl Sub for Scalar {
    type Output = Scalar;
    fn sub(self, rhs: Scalar) -> Scalar {
        let (d, borrow) = sub_borrow(&self.0, &rhs.0);
        if borrow {
            Scalar(add_carry(&d, &N).0)
        } else {
            Scalar(d)
        }
    }
}

impl Neg for Scalar {
    type Output = Scalar;
    fn neg(self) -> Scalar {
        Scalar::ZERO - self
    }
}

impl Mul for Scalar {
    type Output = Scalar;
    fn mul(self, rhs: Scalar) -> Scalar {
        // mont_mul(a, b) = ab/R; a second product with R^2 removes the 1/R.
        Scalar(mont_mul(&mont_mul(&self.0, &rhs.0), &R2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const N_DECIMAL: &str = "1067993516717146951041484916571792702745057740581727230159139685185762082554198619328292418486241";

    fn n_big() -> BigUint {
        N_DECIMAL.parse().expect("decimal literal")
    }

    fn big(s: &Scalar) -> BigUint {
        BigUint::from_bytes_le(&s.to_bytes())
    }

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(0x5ca1a7)
    }

    #[test]
    fn modulus_matches_the_published_group_order() {
        // n as printed in the EcGFp5 paper (eprint 2022/274, section 1) and
        // github.com/pornin/ecgfp5 README.md.
        let limbs = BigUint::from_slice(
            &N.iter()
                .flat_map(|l| [*l as u32, (*l >> 32) as u32])
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            limbs,
            n_big(),
            "limb constant N should equal the published n"
        );
        assert_eq!(
            N[0].wrapping_mul(N0_NEG_INV),
            u64::MAX,
            "N0_NEG_INV should be -1/n mod 2^64"
        );
        let r2 = BigUint::from_bytes_le(&Scalar(R2).to_bytes());
        assert_eq!(
            r2,
            (BigUint::from(1u8) << 640) % n_big(),
            "R2 should be 2^640 mod n"
        );
    }

    /// Vectors from github.com/pornin/ecgfp5, rust/src/scalar.rs, test
    /// `scalar_ops`: buf1 = n - 1 (decodes), buf2 = n (rejected).
    #[test]
    fn decoding_accepts_n_minus_one_and_rejects_n_and_above() {
        let buf1: [u8; 40] = [
            0xE0, 0xFF, 0x8B, 0x94, 0x96, 0xD9, 0x0F, 0xE8, 0x9C, 0xA0, 0x24, 0xD7, 0x39, 0x5C,
            0x88, 0xE8, 0x39, 0x06, 0xB8, 0xCF, 0xE6, 0xFF, 0xFF, 0x7F, 0x16, 0x00, 0x00, 0x00,
            0xF1, 0xFF, 0xFF, 0x7F, 0x07, 0x00, 0x00, 0x80, 0xFD, 0xFF, 0xFF, 0x7F,
        ];
        let mut buf2 = buf1;
        buf2[0] = 0xE1;
        let s1 = Scalar::from_bytes(&buf1).expect("n - 1 should decode");
        assert_eq!(s1.to_bytes(), buf1, "n - 1 should re-encode identically");
        assert_eq!(big(&s1) + 1u8, n_big(), "buf1 should be n - 1");
        assert_eq!(Scalar::from_bytes(&buf2), None, "n should be rejected");
        let mut above = buf2;
        above[0] = 0xE2;
        assert_eq!(Scalar::from_bytes(&above), None, "n + 1 should be rejected");
        assert_eq!(
            Scalar::from_bytes(&[0xFF; 40]),
            None,
            "2^320 - 1 should be rejected"
        );
        assert_eq!(
            Scalar::from_limbs_canonical(&N),
            None,
            "n as limbs should be rejected"
        );
        assert_eq!(
            s1 + Scalar::ONE,
            Scalar::ZERO,
            "(n - 1) + 1 should wrap to zero"
        );
    }

    /// Vectors from github.com/pornin/ecgfp5, rust/src/scalar.rs, test
    /// `scalar_ops`: buf4 (random 512-bit integer), buf5 = buf4 mod n,
    /// buf6 = buf4^256 mod n, and the signed recodings ref4 (w = 4), ref5 (w = 5).
    #[test]
    fn wide_reduction_squaring_and_recoding_match_reference_vectors() {
        let buf4: [u8; 64] = [
            0xB5, 0xDD, 0x28, 0xB8, 0xD2, 0x9B, 0x6F, 0xF8, 0x15, 0x65, 0x3F, 0x89, 0xDB, 0x7B,
            0xA9, 0xDE, 0x33, 0x7D, 0xA8, 0x27, 0x82, 0x26, 0xB4, 0xD6, 0x9E, 0x1F, 0xFA, 0x97,
            0x3D, 0x9E, 0x01, 0x9C, 0x77, 0xC9, 0x63, 0x5C, 0xB8, 0x34, 0xD8, 0x1A, 0x4D, 0xCB,
            0x03, 0x48, 0x62, 0xCD, 0xEE, 0xC9, 0x8E, 0xC8, 0xC9, 0xA7, 0xB3, 0x6E, 0xDA, 0xCE,
            0x18, 0x75, 0x1B, 0xDD, 0x4F, 0x94, 0x67, 0xB5,
        ];
        let buf5: [u8; 40] = [
            0x89, 0x01, 0x7A, 0x52, 0xBD, 0xDF, 0x45, 0x60, 0xCE, 0x5B, 0xBA, 0xE5, 0x5D, 0x25,
            0x96, 0x5A, 0x0A, 0x4F, 0x0A, 0x27, 0x1A, 0x7A, 0xE8, 0x1D, 0x7D, 0xBF, 0xE3, 0xE3,
            0xFA, 0x5E, 0x17, 0xE0, 0x44, 0xD9, 0xA5, 0x37, 0x9B, 0xF8, 0x38, 0x74,
        ];
        let buf6: [u8; 40] = [
            0x27, 0x7E, 0x2C, 0xAB, 0x6D, 0xAD, 0x8D, 0xA0, 0x15, 0x44, 0x02, 0x0F, 0xFA, 0xD5,
            0x4F, 0x15, 0xBF, 0x6D, 0x1D, 0x76, 0x22, 0x73, 0xCD, 0xDA, 0x23, 0xFE, 0x5A, 0xED,
            0xCA, 0x75, 0xD7, 0x04, 0x05, 0x66, 0x87, 0x3D, 0x37, 0x5B, 0x24, 0x13,
        ];
        let ref4: [i32; 80] = [
            7, 2, -2, 8, -4, 3, -5, -5, -2, 7, -3, -5, -2, -7, 1, -6, 6, 1, 4, 4, 2, 0, -1, 1, -6,
            0, 6, -3, 0, 5, 5, 1, -1, -4, -2, 7, -3, 2, 6, 7, 2, 2, 3, 7, -3, -3, -5, -2, 4, 2, -2,
            0, -5, 6, -3, -1, -5, -3, 6, 7, 7, -3, 5, 0, 5, 0, 6, 6, 7, 8, -3, 4, 7, 3, -5, 6, 4,
            2, 3, 1,
        ];
        let ref5: [i32; 64] = [
            7, -15, 0, -7, -13, -10, -9, 14, 13, 13, 3, 1, -6, 11, 16, 8, 2, -8, 4, -12, 0, 11, -1,
            10, -11, -7, 16, -5, -9, 15, -8, 15, 2, -7, -3, -5, 13, 13, 15, 4, -2, -8, -9, -5, 15,
            5, -9, 15, -9, 7, 1, 10, 0, -13, -2, -15, -2, -6, 14, -10, 6, -14, 13, 2,
        ];
        let s4 = Scalar::from_bytes_reduce(&buf4);
        assert_eq!(
            s4.to_bytes(),
            buf5,
            "buf4 mod n should equal the reference buf5"
        );
        let mut s6 = s4;
        for _ in 0..8 {
            s6 = s6 * s6;
        }
        assert_eq!(
            s6.to_bytes(),
            buf6,
            "buf4^256 mod n should equal the reference buf6"
        );
        assert_eq!(s6.recode_signed(4), ref4.to_vec(), "w = 4 recoding of buf6");
        assert_eq!(s6.recode_signed(5), ref5.to_vec(), "w = 5 recoding of buf6");
    }

    #[test]
    fn arithmetic_matches_a_biguint_reference() {
        let mut rng = rng();
        let n = n_big();
        let mut samples = vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE];
        samples.extend((0..40).map(|_| Scalar::random(&mut rng)));
        for a in &samples {
            for b in &samples {
                let (x, y) = (big(a), big(b));
                assert_eq!(big(&(*a + *b)), (&x + &y) % &n, "{a:?} + {b:?}");
                assert_eq!(big(&(*a - *b)), (&x + &n - &y) % &n, "{a:?} - {b:?}");
                assert_eq!(big(&(*a * *b)), (&x * &y) % &n, "{a:?} * {b:?}");
            }
            assert_eq!(big(&(-*a)), (&n - big(a)) % &n, "-{a:?}");
        }
    }

    #[test]
    fn inverse_times_value_is_one() {
        let mut rng = rng();
        assert_eq!(Scalar::ZERO.try_inverse(), None, "zero has no inverse");
        for _ in 0..5 {
            let a = Scalar::random(&mut rng);
            let inv = a.try_inverse().expect("random scalar is non-zero");
            assert_eq!(a * inv, Scalar::ONE, "a * a^-1 should be one");
        }
    }

    #[test]
    fn reductions_of_wide_inputs_match_a_biguint_reference() {
        let mut rng = rng();
        let n = n_big();
        for len in [0usize, 1, 7, 8, 39, 40, 41, 64, 100] {
            let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            let want = BigUint::from_bytes_le(&bytes) % &n;
            assert_eq!(
                big(&Scalar::from_bytes_reduce(&bytes)),
                want,
                "reduction of {len} bytes"
            );
        }
        for limbs in [[u64::MAX; 5], N, [0, 0, 0, 0, 1 << 63]] {
            let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
            let want = BigUint::from_bytes_le(&bytes) % &n;
            assert_eq!(
                big(&Scalar::from_limbs_reduce(&limbs)),
                want,
                "reduction of limbs {limbs:x?}"
            );
        }
    }

    #[test]
    fn signed_digits_reconstruct_the_scalar_for_every_width() {
        let mut rng = rng();
        let mut samples = vec![Scalar::ZERO, -Scalar::ONE];
        samples.extend((0..10).map(|_| Scalar::random(&mut rng)));
        for s in &samples {
            for w in 2..=16usize {
                let digits = s.recode_signed(w);
                assert_eq!(
                    digits.len(),
                    320usize.div_ceil(w),
                    "digit count for w = {w}"
                );
                let half = 1i32 << (w - 1);
                let mut acc = num_bigint::BigInt::from(0);
                for (i, &d) in digits.iter().enumerate() {
                    assert!(-half < d && d <= half, "digit {d} out of range for w = {w}");
                    acc += num_bigint::BigInt::from(d) << (w * i);
                }
                let want = num_bigint::BigInt::from(big(s));
                assert_eq!(acc, want, "digits for w = {w} should sum to {s:?}");
            }
        }
    }
}
