//! GF(p^5) = GF(p)[z]/(z^5 - 3) over the Goldilocks prime p = 2^64 - 2^32 + 1.
//!
//! Elements are kept as five canonical limbs (each `< p`), coefficient of
//! `z^0` first. Base-field arithmetic goes through plonky2's
//! `GoldilocksField`; products are accumulated in 128-bit integers and reduced
//! once per output coefficient, since reduction dominates the cost.
//!
//! Inversion, the Legendre symbol and square roots use the Frobenius map: for
//! `r = 1 + p + p^2 + p^3 + p^4`, `a^r` (the norm of `a`) lies in GF(p), so each
//! of those operations reduces to one operation in GF(p) plus a few products.
//! Nothing here is constant-time.

use core::fmt;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::ops::Square;
use plonky2::field::types::{Field, Field64, PrimeField64};
use rand::Rng;

type F = GoldilocksField;

/// The Goldilocks prime p = 2^64 - 2^32 + 1.
pub const P: u64 = F::ORDER;

/// gamma = 3^((p-1)/5), a primitive fifth root of unity in GF(p).
///
/// Since z^5 = 3, (z^i)^p = z^i * 3^(i(p-1)/5) = gamma^i * z^i, so the
/// Frobenius map multiplies coefficient i by gamma^i.
const GAMMA: [u64; 5] = [
    1,
    1041288259238279555,
    15820824984080659046,
    211587555138949697,
    1373043270956696022,
];

#[inline(always)]
fn fe(x: u64) -> F {
    F::from_canonical_u64(x)
}

#[inline(always)]
fn canon(x: F) -> u64 {
    x.to_canonical_u64()
}

/// Reduce `lo + hi * 2^128` modulo p, using 2^128 = -2^32 (mod p).
#[inline(always)]
fn reduce160(lo: u128, hi: u32) -> F {
    F::from_noncanonical_u128(lo) - F::from_canonical_u64((hi as u64) << 32)
}

/// `sum(direct a*b) + 3 * sum(wrapped a*b)` reduced modulo p: one output
/// coefficient of a GF(p^5) product, where the wrapped terms came around
/// through z^5 = 3.
///
/// Each product is below 2^128, so the sum is tracked as a 128-bit value plus
/// a small count of overflows and reduced once.
#[inline(always)]
fn coeff<const D: usize, const W: usize>(direct: [(u64, u64); D], wrapped: [(u64, u64); W]) -> u64 {
    let mut lo: u128 = 0;
    let mut hi: u32 = 0;
    let mut acc = |x: u128| {
        let (s, c) = lo.overflowing_add(x);
        lo = s;
        hi += c as u32;
    };
    for (a, b) in wrapped {
        let x = (a as u128) * (b as u128);
        acc(x);
        acc(x);
        acc(x);
    }
    for (a, b) in direct {
        acc((a as u128) * (b as u128));
    }
    canon(reduce160(lo, hi))
}

/// 2^64 - p = 2^32 - 1.
const EPSILON: u64 = (1 << 32) - 1;

/// (a + b) mod p for canonical a, b.
#[inline(always)]
fn add_canon(a: u64, b: u64) -> u64 {
    let (s, over) = a.overflowing_add(b);
    if over {
        // a + b - p = s + 2^64 - p, and it is below p.
        s + EPSILON
    } else if s >= P {
        s - P
    } else {
        s
    }
}

/// (a - b) mod p for canonical a, b.
#[inline(always)]
fn sub_canon(a: u64, b: u64) -> u64 {
    let (d, under) = a.overflowing_sub(b);
    if under {
        // a - b + p = d - 2^64 + p.
        d - EPSILON
    } else {
        d
    }
}

/// Multiply a base-field element by 3 (the reduction constant z^5 = 3).
#[inline(always)]
fn times3(x: F) -> F {
    x.double() + x
}

/// Square root in GF(p) (Tonelli-Shanks); `None` for non-squares.
pub(crate) fn sqrt_base(x: F) -> Option<F> {
    if x == F::ZERO {
        return Some(F::ZERO);
    }
    // p - 1 = q * 2^32 with q = 2^32 - 1 odd.
    const Q: u64 = (1 << 32) - 1;
    let mut m = 32u32;
    let mut c = F::POWER_OF_TWO_GENERATOR; // primitive 2^32-th root of unity
    let mut t = x.exp_u64(Q);
    let mut r = x.exp_u64(Q.div_ceil(2));
    // Invariant: r^2 = x * t, and t has order dividing 2^m.
    while t != F::ONE {
        let mut i = 0u32;
        let mut t2 = t;
        while t2 != F::ONE {
            t2 = t2.square();
            i += 1;
            if i == m {
                // t has order 2^m: x is not a square.
                return None;
            }
        }
        let b = c.exp_power_of_2((m - i - 1) as usize);
        m = i;
        c = b.square();
        t *= c;
        r *= b;
    }
    Some(r)
}

/// Legendre symbol in GF(p): 0, 1 or -1.
fn legendre_base(x: F) -> i8 {
    let l = x.exp_u64((P - 1) / 2);
    if l == F::ZERO {
        0
    } else if l == F::ONE {
        1
    } else {
        -1
    }
}

/// An element of GF(p^5) = GF(p)[z]/(z^5 - 3), as five canonical limbs.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Gfp5([u64; 5]);

impl Gfp5 {
    /// The additive identity.
    pub const ZERO: Gfp5 = Gfp5([0; 5]);
    /// The multiplicative identity.
    pub const ONE: Gfp5 = Gfp5([1, 0, 0, 0, 0]);

    /// Build from limbs, rejecting any limb that is not below p.
    pub fn from_limbs_canonical(limbs: &[u64; 5]) -> Option<Gfp5> {
        if limbs.iter().all(|&l| l < P) {
            Some(Gfp5(*limbs))
        } else {
            None
        }
    }

    /// Build from limbs known to be canonical, at compile time (a limb >= p
    /// fails const evaluation).
    pub(crate) const fn new_const(limbs: [u64; 5]) -> Gfp5 {
        let mut i = 0;
        while i < 5 {
            assert!(limbs[i] < P, "Gfp5 constant limb not below p");
            i += 1;
        }
        Gfp5(limbs)
    }

    /// Replace `self` by `other` when `choice` is set, without branching on it.
    pub(crate) fn conditional_assign(&mut self, other: &Gfp5, choice: bool) {
        let mask = (choice as u64).wrapping_neg();
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a ^= (*a ^ *b) & mask;
        }
    }

    /// Build from limbs, reducing each one modulo p.
    pub fn from_limbs_reduce(limbs: &[u64; 5]) -> Gfp5 {
        Gfp5(limbs.map(|l| if l >= P { l - P } else { l }))
    }

    /// Build from five base-field elements (any internal representation).
    pub fn from_elements(elems: &[F; 5]) -> Gfp5 {
        Gfp5(elems.map(canon))
    }

    /// Embed a base-field element as the constant coefficient.
    pub fn from_base(x: F) -> Gfp5 {
        Gfp5([canon(x), 0, 0, 0, 0])
    }

    /// The canonical limbs, coefficient of z^0 first.
    pub fn to_limbs(&self) -> [u64; 5] {
        self.0
    }

    /// The coefficients as base-field elements.
    pub fn to_elements(&self) -> [F; 5] {
        self.0.map(fe)
    }

    /// A uniformly random element.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Gfp5 {
        Gfp5(core::array::from_fn(|_| rng.gen_range(0..P)))
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 5]
    }

    /// Multiply every coefficient by a base-field element.
    pub fn mul_base(&self, k: F) -> Gfp5 {
        Gfp5(self.0.map(|a| canon(fe(a) * k)))
    }

    /// Twice this value.
    pub fn double(&self) -> Gfp5 {
        *self + *self
    }

    /// Half of this value.
    pub fn half(&self) -> Gfp5 {
        // 1/2 = (p + 1)/2 in GF(p).
        self.mul_base(fe(P.div_ceil(2)))
    }

    /// Multiply by `k * z` for a small integer `k` (used for the curve constant b).
    pub fn mul_small_z(&self, k: u64) -> Gfp5 {
        let k = F::from_canonical_u64(k);
        let [a0, a1, a2, a3, a4] = self.to_elements();
        // (sum a_i z^i) * z = 3 a4 + a0 z + a1 z^2 + a2 z^3 + a3 z^4
        Gfp5([times3(a4), a0, a1, a2, a3].map(|c| canon(c * k)))
    }

    /// Square in GF(p^5) (cheaper than a general product).
    pub fn square(&self) -> Gfp5 {
        let [a0, a1, a2, a3, a4] = self.0;
        // Doubled coefficients absorb the symmetric cross terms.
        let [d0, d1, d2, d3, _] = self.double().0;
        Gfp5([
            coeff([(a0, a0)], [(d1, a4), (d2, a3)]),
            coeff([(d0, a1)], [(d2, a4), (a3, a3)]),
            coeff([(d0, a2), (a1, a1)], [(d3, a4)]),
            coeff([(d0, a3), (d1, a2)], [(a4, a4)]),
            coeff([(d0, a4), (d1, a3), (a2, a2)], []),
        ])
    }

    /// `self^(2^k)` by k squarings.
    pub fn square_n(&self, k: u32) -> Gfp5 {
        let mut r = *self;
        for _ in 0..k {
            r = r.square();
        }
        r
    }

    /// `self^e` for a 64-bit exponent.
    pub fn exp_u64(&self, e: u64) -> Gfp5 {
        let mut r = Gfp5::ONE;
        for i in (0..64).rev() {
            r = r.square();
            if (e >> i) & 1 == 1 {
                r *= *self;
            }
        }
        r
    }

    /// Frobenius map applied `k` times: `self^(p^k)`.
    pub fn frobenius(&self, k: u32) -> Gfp5 {
        // (z^i)^(p^k) = gamma^(i k) z^i, and gamma^5 = 1.
        Gfp5(core::array::from_fn(|i| {
            let g = GAMMA[(i * k as usize) % 5];
            canon(fe(self.0[i]) * fe(g))
        }))
    }

    /// `self^(p + p^2 + p^3 + p^4)`, i.e. the norm divided by `self`.
    fn norm_cofactor(&self) -> Gfp5 {
        let t0 = self.frobenius(1); // a^p
        let t1 = t0 * t0.frobenius(1); // a^(p + p^2)
        t1 * t1.frobenius(2) // a^(p + p^2 + p^3 + p^4)
    }

    /// Constant coefficient of `self * rhs`, for products known to lie in GF(p).
    fn mul_constant_coeff(&self, rhs: &Gfp5) -> F {
        let [a0, a1, a2, a3, a4] = self.0;
        let [b0, b1, b2, b3, b4] = rhs.0;
        fe(coeff([(a0, b0)], [(a1, b4), (a2, b3), (a3, b2), (a4, b1)]))
    }

    /// The norm `self^(1 + p + p^2 + p^3 + p^4)`, an element of GF(p).
    pub fn norm(&self) -> F {
        self.mul_constant_coeff(&self.norm_cofactor())
    }

    /// Multiplicative inverse; `None` for zero.
    pub fn try_inverse(&self) -> Option<Gfp5> {
        // 1/a = a^(r-1) / a^r, with a^r in GF(p).
        let c = self.norm_cofactor();
        let n = self.mul_constant_coeff(&c);
        let n_inv = n.try_inverse()?;
        Some(c.mul_base(n_inv))
    }

    /// Multiplicative inverse, with zero mapped to zero (the convention the
    /// point encoding relies on: the neutral point encodes as 0).
    pub fn inverse_or_zero(&self) -> Gfp5 {
        self.try_inverse().unwrap_or(Gfp5::ZERO)
    }

    /// Legendre symbol: 0 for zero, 1 for a non-zero square, -1 otherwise.
    pub fn legendre(&self) -> i8 {
        // a^((p^5-1)/2) = (a^r)^((p-1)/2): a is a square iff its norm is.
        legendre_base(self.norm())
    }

    /// Whether this is a square (zero counts as a square).
    pub fn is_square(&self) -> bool {
        self.legendre() >= 0
    }

    /// A square root, or `None` if this is not a square. Which of the two
    /// roots is returned is unspecified.
    pub fn sqrt(&self) -> Option<Gfp5> {
        if self.is_zero() {
            return Some(Gfp5::ZERO);
        }
        // sqrt(a) = sqrt(a^r) / a^((r-1)/2), where a^r is in GF(p) and
        // (r-1)/2 = p (1 + p^2) (p + 1)/2.
        let d = self.exp_u64(P.div_ceil(2)); // a^((p+1)/2)
        let e = (d * d.frobenius(2)).frobenius(1); // a^((r-1)/2)
        let g = self.mul_constant_coeff(&e.square()); // a^r
        let s = sqrt_base(g)?;
        let root = e.try_inverse()?.mul_base(s);
        // Cheap self-check: a wrong root would be a bug, never a valid answer.
        if root.square() == *self {
            Some(root)
        } else {
            None
        }
    }
}

impl fmt::Debug for Gfp5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gfp5({:?})", self.0)
    }
}

impl Add for Gfp5 {
    type Output = Gfp5;
    fn add(self, rhs: Gfp5) -> Gfp5 {
        Gfp5(core::array::from_fn(|i| add_canon(self.0[i], rhs.0[i])))
    }
}

impl Sub for Gfp5 {
    type Output = Gfp5;
    fn sub(self, rhs: Gfp5) -> Gfp5 {
        Gfp5(core::array::from_fn(|i| sub_canon(self.0[i], rhs.0[i])))
    }
}

impl Neg for Gfp5 {
    type Output = Gfp5;
    fn neg(self) -> Gfp5 {
        Gfp5(self.0.map(|a| sub_canon(0, a)))
    }
}

impl Mul for Gfp5 {
    type Output = Gfp5;
    /// Product in GF(p^5).
    fn mul(self, rhs: Gfp5) -> Gfp5 {
        let [a0, a1, a2, a3, a4] = self.0;
        let [b0, b1, b2, b3, b4] = rhs.0;
        // Coefficient k collects a_i b_j with i + j = k, plus 3 a_i b_j with
        // i + j = k + 5 (from z^5 = 3).
        Gfp5([
            coeff([(a0, b0)], [(a1, b4), (a2, b3), (a3, b2), (a4, b1)]),
            coeff([(a0, b1), (a1, b0)], [(a2, b4), (a3, b3), (a4, b2)]),
            coeff([(a0, b2), (a1, b1), (a2, b0)], [(a3, b4), (a4, b3)]),
            coeff([(a0, b3), (a1, b2), (a2, b1), (a3, b0)], [(a4, b4)]),
            coeff([(a0, b4), (a1, b3), (a2, b2), (a3, b1), (a4, b0)], []),
        ])
    }
}

impl AddAssign for Gfp5 {
    fn add_assign(&mut self, rhs: Gfp5) {
        *self = *self + rhs;
    }
}

impl SubAssign for Gfp5 {
    fn sub_assign(&mut self, rhs: Gfp5) {
        *self = *self - rhs;
    }
}

impl MulAssign for Gfp5 {
    fn mul_assign(&mut self, rhs: Gfp5) {
        *self = *self * rhs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::extension::quintic::QuinticExtension;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(0x6766_7035)
    }

    fn g(limbs: [u64; 5]) -> Gfp5 {
        Gfp5::from_limbs_canonical(&limbs).expect("test vector limbs are canonical")
    }

    fn to_plonky2(a: &Gfp5) -> QuinticExtension<F> {
        QuinticExtension(a.to_elements())
    }

    fn from_plonky2(a: QuinticExtension<F>) -> Gfp5 {
        Gfp5::from_elements(&a.0)
    }

    /// Vectors from github.com/pornin/ecgfp5, rust/src/field.rs, test `gfp5_ops`
    /// (the same values appear in python/ecGFp5.py, `TestGFp5`, "obtained from Sage").
    #[test]
    fn reference_vectors_for_add_sub_mul_div_match() {
        let a = g([
            9788683869780751860,
            18176307314149915536,
            17581807048943060475,
            16706651231658143014,
            424516324638612383,
        ]);
        let b = g([
            1541862605911742196,
            5168181287870979863,
            10854086836664484156,
            11043707160649157424,
            943499178011708365,
        ]);
        let apb = g([
            11330546475692494056,
            4897744532606311078,
            9989149816192960310,
            9303614322892716117,
            1368015502650320748,
        ]);
        let amb = g([
            8246821263869009664,
            13008126026278935673,
            6727720212278576319,
            5662944071008985590,
            17927761216041488339,
        ]);
        let atb = g([
            5924286846078684570,
            12564682493825924142,
            17116577152380521223,
            5260948460973948760,
            15673927150284637712,
        ]);
        let adb = g([
            6854214528917216670,
            4676163378868226016,
            7338977912708396522,
            9922012834063967541,
            11413717840889184601,
        ]);
        assert_eq!(a + b, apb, "a + b: expected reference value");
        assert_eq!(a - b, amb, "a - b: expected reference value");
        assert_eq!(a * b, atb, "a * b: expected reference value");
        assert_eq!(a.square(), a * a, "a^2 should equal a * a");
        assert_eq!(b.square(), b * b, "b^2 should equal b * b");
        let b_inv = b.try_inverse().expect("b is non-zero");
        assert_eq!(a * b_inv, adb, "a / b: expected reference value");
    }

    #[test]
    fn field_axioms_hold_on_random_values() {
        let mut rng = rng();
        for _ in 0..200 {
            let (a, b, c) = (
                Gfp5::random(&mut rng),
                Gfp5::random(&mut rng),
                Gfp5::random(&mut rng),
            );
            assert_eq!(a + b, b + a, "addition should commute");
            assert_eq!(a * b, b * a, "multiplication should commute");
            assert_eq!((a + b) + c, a + (b + c), "addition should associate");
            assert_eq!((a * b) * c, a * (b * c), "multiplication should associate");
            assert_eq!(
                a * (b + c),
                a * b + a * c,
                "multiplication should distribute"
            );
            assert_eq!(a + Gfp5::ZERO, a, "zero should be the additive identity");
            assert_eq!(
                a * Gfp5::ONE,
                a,
                "one should be the multiplicative identity"
            );
            assert_eq!(a + (-a), Gfp5::ZERO, "a + (-a) should be zero");
            assert_eq!(a - b, a + (-b), "a - b should equal a + (-b)");
            assert_eq!(a.square(), a * a, "square should equal self-product");
            assert_eq!(a.double(), a + a, "double should equal a + a");
            assert_eq!(a.half().double(), a, "half then double should round-trip");
        }
    }

    #[test]
    fn extreme_limbs_multiply_like_plonky2_quintic_extension() {
        // Limbs at p - 1 maximise every partial sum in the lazy reduction.
        let mut rng = rng();
        let top = Gfp5([P - 1; 5]);
        let mut samples = vec![top, Gfp5::ZERO, Gfp5::ONE, -Gfp5::ONE];
        samples.extend((0..50).map(|_| Gfp5::random(&mut rng)));
        for a in &samples {
            for b in &samples {
                let want = from_plonky2(to_plonky2(a) * to_plonky2(b));
                assert_eq!(*a * *b, want, "product of {a:?} and {b:?}");
            }
            let want = from_plonky2(to_plonky2(a) * to_plonky2(a));
            assert_eq!(a.square(), want, "square of {a:?}");
        }
    }

    #[test]
    fn inverse_times_value_is_one_and_zero_has_no_inverse() {
        let mut rng = rng();
        assert_eq!(
            Gfp5::ZERO.try_inverse(),
            None,
            "zero should have no inverse"
        );
        assert_eq!(
            Gfp5::ZERO.inverse_or_zero(),
            Gfp5::ZERO,
            "0 should map to 0"
        );
        for _ in 0..100 {
            let a = Gfp5::random(&mut rng);
            let inv = a.try_inverse().expect("random value is non-zero");
            assert_eq!(a * inv, Gfp5::ONE, "a * a^-1 should be one for {a:?}");
        }
    }

    #[test]
    fn frobenius_constants_are_powers_of_three_and_map_is_pth_power() {
        let gamma = F::from_canonical_u64(3).exp_u64((P - 1) / 5);
        for (i, &want) in GAMMA.iter().enumerate() {
            assert_eq!(
                gamma.exp_u64(i as u64).to_canonical_u64(),
                want,
                "GAMMA[{i}] should be 3^(i(p-1)/5)"
            );
        }
        let mut rng = rng();
        for _ in 0..5 {
            let a = Gfp5::random(&mut rng);
            assert_eq!(a.frobenius(1), a.exp_u64(P), "frobenius(1) should be a^p");
            assert_eq!(
                a.frobenius(2),
                a.exp_u64(P).exp_u64(P),
                "frobenius(2) should be a^(p^2)"
            );
        }
    }

    #[test]
    fn base_field_sqrt_finds_roots_and_rejects_non_squares() {
        let mut rng = rng();
        assert_eq!(sqrt_base(F::ZERO), Some(F::ZERO), "sqrt(0) should be 0");
        let seven = F::from_canonical_u64(7); // a non-square in GF(p)
        for _ in 0..100 {
            let r = F::from_canonical_u64(rng.gen_range(1..P));
            let x = r.square();
            let s = sqrt_base(x).expect("a square should have a root");
            assert_eq!(s.square(), x, "sqrt(x)^2 should be x");
            assert_eq!(
                sqrt_base(x * seven),
                None,
                "7 * square should be a non-square"
            );
            assert_eq!(legendre_base(x), 1, "square: Legendre symbol 1");
            assert_eq!(
                legendre_base(x * seven),
                -1,
                "non-square: Legendre symbol -1"
            );
        }
    }

    #[test]
    fn sqrt_of_squares_squares_back_and_non_squares_have_none() {
        let mut rng = rng();
        assert_eq!(Gfp5::ZERO.legendre(), 0, "Legendre symbol of zero");
        assert_eq!(Gfp5::ZERO.sqrt(), Some(Gfp5::ZERO), "sqrt(0) should be 0");
        // 7 is a non-square in GF(p), and its norm 7^5 is too, so 7 stays a
        // non-square in GF(p^5).
        let seven = F::from_canonical_u64(7);
        for _ in 0..50 {
            let x = Gfp5::random(&mut rng).square();
            assert_eq!(x.legendre(), 1, "a square should have symbol 1");
            let r = x.sqrt().expect("a square should have a root");
            assert_eq!(r.square(), x, "sqrt(x)^2 should be x");
            let y = x.mul_base(seven);
            assert_eq!(y.legendre(), -1, "7 * square should have symbol -1");
            assert!(!y.is_square(), "7 * square should not be a square");
            assert_eq!(y.sqrt(), None, "7 * square should have no root");
        }
    }

    #[test]
    fn canonical_limbs_are_accepted_and_limbs_at_or_above_p_rejected() {
        let ok = [0, 1, P - 1, 12345, P - 2];
        assert_eq!(
            Gfp5::from_limbs_canonical(&ok).map(|x| x.to_limbs()),
            Some(ok),
            "canonical limbs should round-trip"
        );
        for pos in 0..5 {
            for bad in [P, P + 1, u64::MAX] {
                let mut limbs = ok;
                limbs[pos] = bad;
                assert_eq!(
                    Gfp5::from_limbs_canonical(&limbs),
                    None,
                    "limb {pos} = {bad} should be rejected"
                );
            }
        }
        assert_eq!(
            Gfp5::from_limbs_reduce(&[P, P + 5, 0, 0, 0]).to_limbs(),
            [0, 5, 0, 0, 0],
            "reducing limbs should subtract p"
        );
    }

    #[test]
    fn mul_small_z_equals_product_with_k_z() {
        let mut rng = rng();
        let kz = Gfp5([0, 263, 0, 0, 0]);
        for _ in 0..20 {
            let a = Gfp5::random(&mut rng);
            assert_eq!(a.mul_small_z(263), a * kz, "a * 263z");
        }
    }
}
