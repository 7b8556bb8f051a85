//! Eight elements of BN254's base field at once, on AVX-512 IFMA.
//!
//! Five 52-bit limbs per element, one 512-bit register per limb (lane i of
//! every register belongs to element i), Montgomery form with R' = 2^260.
//! `vpmadd52luq`/`vpmadd52huq` add the low and high 52 bits of 52x52-bit
//! products to 64-bit accumulators, so a product's partial sums need no
//! carry chain until the end. Values stay in [0, 2p) with every limb below
//! 2^52 (p < 2^254 leaves the headroom the lazy reduction needs: for
//! inputs below 2p, a·b/R' + p < 2p).
//!
//! Callers must have checked [`super::available`]: every function here is
//! compiled for `avx512f` and `avx512ifma`.

// Every function here has one safety condition, the CPU features of
// `super::available` (see the module docs), rather than one per function.
#![allow(clippy::missing_safety_doc)]

use std::arch::x86_64::*;

use crate::cpu::msm::fq::{pow2_mod_p, Fq, P as P64};

/// Bits per limb.
const BITS: u32 = 52;
/// `2^52 − 1`.
const MASK: u64 = (1 << BITS) - 1;

/// 64-bit limbs to 52-bit limbs (the value must be below 2^260).
const fn split52(w: [u64; 4]) -> [u64; 5] {
    [
        w[0] & MASK,
        ((w[0] >> 52) | (w[1] << 12)) & MASK,
        ((w[1] >> 40) | (w[2] << 24)) & MASK,
        ((w[2] >> 28) | (w[3] << 36)) & MASK,
        w[3] >> 16,
    ]
}

/// 52-bit limbs (each below 2^52, the value below 2^256) to 64-bit limbs.
const fn join52(l: [u64; 5]) -> [u64; 4] {
    [
        l[0] | (l[1] << 52),
        (l[1] >> 12) | (l[2] << 40),
        (l[2] >> 24) | (l[3] << 28),
        (l[3] >> 36) | (l[4] << 16),
    ]
}

/// p in 52-bit limbs.
const P: [u64; 5] = split52(P64);
/// 2p in 52-bit limbs.
const P2: [u64; 5] = {
    let mut out = [0u64; 5];
    let mut carry = 0u64;
    let mut j = 0;
    while j < 5 {
        let v = 2 * P[j] + carry;
        out[j] = if j < 4 { v & MASK } else { v };
        carry = v >> BITS;
        j += 1;
    }
    out
};
/// `−p⁻¹ mod 2^52`, by Newton's iteration.
const PINV: u64 = {
    let mut inv = 1u64;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(P64[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
};
/// `2^264 mod p`: Montgomery-multiplying arkworks' `a·2^256` by it gives `a·2^260`.
const TO_LANES: [u64; 5] = split52(pow2_mod_p(264));
/// `2^256 mod p`: Montgomery-multiplying `a·2^260` by it gives arkworks' `a·2^256`.
const FROM_LANES: [u64; 5] = split52(pow2_mod_p(256));
/// One: `2^260 mod p`.
const ONE: [u64; 5] = split52(pow2_mod_p(260));

/// Eight field elements, lane i of each limb register being element i.
#[derive(Clone, Copy, Debug)]
pub struct Fq8(pub [__m512i; 5]);

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn splat(c: [u64; 5]) -> Fq8 {
    Fq8(c.map(|l| _mm512_set1_epi64(l as i64)))
}

/// Propagates carries (signed: limbs may be negative) so that limbs 0..3
/// are below 2^52; limb 4 keeps the rest, with the value's sign.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn carry(t: [__m512i; 5]) -> [__m512i; 5] {
    let mask = _mm512_set1_epi64(MASK as i64);
    let mut out = t;
    let mut c = _mm512_setzero_si512();
    for (j, limb) in out.iter_mut().enumerate() {
        let v = _mm512_add_epi64(*limb, c);
        if j == 4 {
            *limb = v;
        } else {
            *limb = _mm512_and_si512(v, mask);
            c = _mm512_srai_epi64::<52>(v);
        }
    }
    out
}

/// Lanes whose value (after [`carry`]) is negative.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn negative(t: &[__m512i; 5]) -> __mmask8 {
    _mm512_cmplt_epi64_mask(t[4], _mm512_setzero_si512())
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn limbwise(
    a: &[__m512i; 5],
    b: &[__m512i; 5],
    f: impl Fn(__m512i, __m512i) -> __m512i,
) -> [__m512i; 5] {
    [
        f(a[0], b[0]),
        f(a[1], b[1]),
        f(a[2], b[2]),
        f(a[3], b[3]),
        f(a[4], b[4]),
    ]
}

impl Fq8 {
    /// Zero in every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn zero() -> Fq8 {
        Fq8([_mm512_setzero_si512(); 5])
    }

    /// One in every lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn one() -> Fq8 {
        splat(ONE)
    }

    /// From eight of zkr's field elements (arkworks' Montgomery form).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn load(x: &[Fq; 8]) -> Fq8 {
        Fq8::from_limbs(&x.map(|f| split52(f.0))).mul(splat(TO_LANES))
    }

    /// Back to eight of zkr's field elements, fully reduced.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn store(self) -> [Fq; 8] {
        let v = self.mul(splat(FROM_LANES));
        // Below 2p: subtract p where that stays non-negative.
        let d = carry(limbwise(&v.0, &splat(P).0, |a, b| _mm512_sub_epi64(a, b)));
        let keep = negative(&d);
        Fq8::select(keep, v, Fq8(d))
            .to_limbs()
            .map(|l| Fq(join52(l)))
    }

    /// From the lanes' limbs as [`Self::to_limbs`] gives them (no conversion).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn from_limbs(limbs: &[[u64; 5]; 8]) -> Fq8 {
        Fq8(std::array::from_fn(|j| {
            let column: [u64; 8] = std::array::from_fn(|k| limbs[k][j]);
            // SAFETY: `column` is 64 readable bytes; the load is unaligned.
            unsafe { _mm512_loadu_si512(column.as_ptr().cast()) }
        }))
    }

    /// Each lane's limbs, in this type's form (for tables that lanes pick from).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn to_limbs(self) -> [[u64; 5]; 8] {
        let mut columns = [[0u64; 8]; 5];
        for (column, limb) in columns.iter_mut().zip(self.0) {
            // SAFETY: `column` is 64 writable bytes; the store is unaligned.
            unsafe { _mm512_storeu_si512(column.as_mut_ptr().cast(), limb) };
        }
        std::array::from_fn(|k| std::array::from_fn(|j| columns[j][k]))
    }

    /// Lane i from `a` where bit i of `mask` is set, else from `b`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn select(mask: __mmask8, a: Fq8, b: Fq8) -> Fq8 {
        Fq8(limbwise(&b.0, &a.0, |b, a| {
            _mm512_mask_blend_epi64(mask, b, a)
        }))
    }

    /// `self + rhs`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn add(self, rhs: Fq8) -> Fq8 {
        let s = carry(limbwise(&self.0, &rhs.0, |a, b| _mm512_add_epi64(a, b)));
        // s < 4p: take s − 2p unless negative.
        let d = carry(limbwise(&s, &splat(P2).0, |a, b| _mm512_sub_epi64(a, b)));
        Fq8::select(negative(&d), Fq8(s), Fq8(d))
    }

    /// `self − rhs`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn sub(self, rhs: Fq8) -> Fq8 {
        let d = carry(limbwise(&self.0, &rhs.0, |a, b| _mm512_sub_epi64(a, b)));
        // d > −2p: add 2p back where negative.
        let e = carry(limbwise(&d, &splat(P2).0, |a, b| _mm512_add_epi64(a, b)));
        Fq8::select(negative(&d), Fq8(e), Fq8(d))
    }

    /// `2·self`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn double(self) -> Fq8 {
        self.add(self)
    }

    /// `−self`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn neg(self) -> Fq8 {
        Fq8::zero().sub(self)
    }

    /// `self·rhs` (Montgomery product).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn mul(self, rhs: Fq8) -> Fq8 {
        let zero = _mm512_setzero_si512();
        let mask = _mm512_set1_epi64(MASK as i64);
        let p = splat(P).0;
        let pinv = _mm512_set1_epi64(PINV as i64);
        let a = self.0;
        let mut t = [zero; 5];
        for bi in rhs.0 {
            // t += a·b_i: low halves in place, high halves one limb up.
            let mut hi = [zero; 5];
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], a[j], bi);
                hi[j] = _mm512_madd52hi_epu64(zero, a[j], bi);
            }
            // m makes the low limb vanish modulo 2^52.
            let m = _mm512_and_si512(_mm512_madd52lo_epu64(zero, t[0], pinv), mask);
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], p[j], m);
                hi[j] = _mm512_madd52hi_epu64(hi[j], p[j], m);
            }
            // Shift down one limb; the low limb's carry moves up with it.
            let c = _mm512_srli_epi64::<52>(t[0]);
            t = [
                _mm512_add_epi64(_mm512_add_epi64(t[1], hi[0]), c),
                _mm512_add_epi64(t[2], hi[1]),
                _mm512_add_epi64(t[3], hi[2]),
                _mm512_add_epi64(t[4], hi[3]),
                hi[4],
            ];
        }
        Fq8(carry(t))
    }

    /// `self²`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn square(self) -> Fq8 {
        self.mul(self)
    }

    /// Lanes equal to zero modulo p (their value is 0 or p).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn is_zero(self) -> __mmask8 {
        let zero = _mm512_setzero_si512();
        let p = splat(P).0;
        let mut is_0 = 0xff;
        let mut is_p = 0xff;
        for (limb, p_limb) in self.0.into_iter().zip(p) {
            is_0 &= _mm512_cmpeq_epi64_mask(limb, zero);
            is_p &= _mm512_cmpeq_epi64_mask(limb, p_limb);
        }
        is_0 | is_p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field, PrimeField, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn constants_match_their_definitions() {
        assert_eq!(join52(P), P64, "52-bit limbs of p");
        assert_eq!(P64, ark_bn254::Fq::MODULUS.0, "p is arkworks' Fq modulus");
        assert_eq!(
            P[0].wrapping_mul(PINV) & MASK,
            MASK,
            "PINV is −p⁻¹ mod 2^52"
        );
        assert_eq!(join52(P2)[0], P64[0].wrapping_mul(2), "2p's low limb");
        // 2^256 mod p is arkworks' Montgomery one.
        assert_eq!(join52(FROM_LANES), Fq::ONE.0, "2^256 mod p");
    }

    #[test]
    fn lane_operations_equal_zkr_field_operations() {
        if !super::super::available() {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to check");
            return;
        }
        let mut rng = ChaCha20Rng::seed_from_u64(52);
        let mut values: Vec<ark_bn254::Fq> =
            (0..400).map(|_| ark_bn254::Fq::rand(&mut rng)).collect();
        values.extend([
            ark_bn254::Fq::ZERO,
            ark_bn254::Fq::ONE,
            -ark_bn254::Fq::ONE,
            ark_bn254::Fq::from(2u64),
            -ark_bn254::Fq::from(2u64),
            ark_bn254::Fq::ZERO,
            ark_bn254::Fq::ONE,
            -ark_bn254::Fq::ONE,
        ]);
        for chunk in values.chunks_exact(16) {
            let a: [Fq; 8] = std::array::from_fn(|k| Fq::from_ark(&chunk[k]));
            let b: [Fq; 8] = std::array::from_fn(|k| Fq::from_ark(&chunk[8 + (k * 3) % 8]));
            assert!(a.iter().zip(&b).any(|(x, y)| x != y), "inputs differ");
            // SAFETY: the CPU has AVX-512 IFMA (checked above).
            let got = unsafe {
                let (x, y) = (Fq8::load(&a), Fq8::load(&b));
                [
                    x.store(),
                    x.add(y).store(),
                    x.sub(y).store(),
                    y.sub(x).store(),
                    x.mul(y).store(),
                    x.square().store(),
                    x.double().store(),
                    x.neg().store(),
                    x.mul(y).add(x.sub(y)).mul(x.double()).store(),
                ]
            };
            for k in 0..8 {
                let (x, y) = (a[k], b[k]);
                let expected = [
                    x,
                    x + y,
                    x - y,
                    y - x,
                    x * y,
                    x.square(),
                    x.double(),
                    -x,
                    (x * y + (x - y)) * x.double(),
                ];
                for (op, (g, e)) in got.iter().map(|g| g[k]).zip(expected).enumerate() {
                    assert_eq!(
                        g,
                        e,
                        "lane {k}, operation {op}: {:?}, {:?}",
                        x.to_ark(),
                        y.to_ark()
                    );
                }
            }
            // SAFETY: as above.
            let zeros = unsafe { Fq8::load(&a).is_zero() };
            for (k, x) in a.iter().enumerate() {
                assert_eq!(zeros & (1 << k) != 0, x.is_zero(), "is_zero of lane {k}");
            }
        }
    }
}
