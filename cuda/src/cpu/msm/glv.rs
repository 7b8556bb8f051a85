//! BN254 G1's GLV endomorphism: `φ(x, y) = (βx, y) = λ·(x, y)`, with `β` and
//! `λ` cube roots of unity in Fq and Fr, and the decomposition `k = k1 + k2·λ
//! (mod r)` into two halves of at most 127 bits.
//!
//! The constants are derived here from their definition (Gallant, Lambert,
//! Vanstone, "Faster point multiplication on elliptic curves with efficient
//! endomorphisms", CRYPTO 2001; the short lattice basis by the extended
//! Euclidean algorithm, Guide to Elliptic Curve Cryptography, Algorithm 3.74)
//! rather than copied, and checked on the generator.

use std::sync::OnceLock;

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField};
use num_bigint::{BigInt, BigUint, Sign};

/// The endomorphism's constants and the decomposition's lattice basis.
#[derive(Debug)]
pub struct Glv {
    /// `β` in Fq with `(βx, y) = λ·(x, y)` on G1.
    pub beta: Fq,
    /// `λ` in Fr.
    pub lambda: Fr,
    /// Basis vectors `(a1, b1)`, `(a2, b2)` of `{(x, y): x + yλ ≡ 0 mod r}`,
    /// as 256-bit two's complement.
    a1: U256,
    b1: U256,
    a2: U256,
    b2: U256,
    /// `round(b2·2^256/det)` and `round(−b1·2^256/det)`: magnitude, negative.
    g1: ([u64; 3], bool),
    g2: ([u64; 3], bool),
}

/// The constants, derived once.
pub fn glv() -> &'static Glv {
    static GLV: OnceLock<Glv> = OnceLock::new();
    GLV.get_or_init(derive)
}

/// A primitive cube root of unity of a prime field: `g^((p−1)/3)` for the first `g` that is not a cube.
fn cube_root_of_unity<F: PrimeField>() -> F {
    let exponent = (BigUint::from_bytes_le(&F::MODULUS.to_bytes_le()) - 1u32) / 3u32;
    let exponent = exponent.to_u64_digits();
    (2u64..)
        .map(|g| F::from(g).pow(&exponent))
        .find(|w| !w.is_one())
        .expect("a prime p ≡ 1 mod 3 has non-cubes")
}

fn derive() -> Glv {
    let lambda: Fr = cube_root_of_unity();
    let omega: Fq = cube_root_of_unity();
    // φ(G) is λ·G or λ²·G; pick the β that matches λ.
    let g = G1Affine::generator();
    let lg = (g * lambda).into_affine();
    let beta = [omega, omega.square()]
        .into_iter()
        .find(|b| G1Affine::new_unchecked(g.x * b, g.y) == lg)
        .expect("(ωx, y) is λ·P or λ²·P for a cube root ω");

    let r = BigInt::from_bytes_le(Sign::Plus, &Fr::MODULUS.to_bytes_le());
    let l = BigInt::from_bytes_le(Sign::Plus, &lambda.into_bigint().to_bytes_le());
    // Extended Euclid on (r, λ): every remainder r_i = s_i·r + t_i·λ, so (r_i, −t_i) is in the lattice.
    let sqrt_r = r.sqrt();
    let mut rows = vec![(r.clone(), BigInt::from(0)), (l, BigInt::from(1))];
    while rows[rows.len() - 1].0 != BigInt::from(0) {
        let (r0, t0) = rows[rows.len() - 2].clone();
        let (r1, t1) = rows[rows.len() - 1].clone();
        let q = &r0 / &r1;
        rows.push((r0 - &q * &r1, t0 - &q * t1));
    }
    let last_big = rows
        .iter()
        .rposition(|(ri, _)| *ri >= sqrt_r)
        .expect("r itself is above its square root");
    let vector = |i: usize| (rows[i].0.clone(), -rows[i].1.clone());
    let (a1, b1) = vector(last_big + 1);
    let norm = |(x, y): &(BigInt, BigInt)| x * x + y * y;
    let (a2, b2) = [vector(last_big), vector(last_big + 2)]
        .into_iter()
        .min_by_key(norm)
        .expect("two candidates");
    let det = &a1 * &b2 - &a2 * &b1;
    let half_det = det.magnitude() / 2u32;
    let scaled = |x: &BigInt| -> ([u64; 3], bool) {
        // round(x·2^256 / det)
        let signed: BigInt = if det.sign() == Sign::Minus {
            -x
        } else {
            x.clone()
        };
        let numerator: BigInt = signed << 256;
        let magnitude = (numerator.magnitude() + &half_det) / det.magnitude();
        let digits = magnitude.to_u64_digits();
        assert!(
            digits.len() <= 3,
            "GLV rounding constant wider than 192 bits"
        );
        let mut out = [0u64; 3];
        out[..digits.len()].copy_from_slice(&digits);
        (out, numerator.sign() == Sign::Minus)
    };
    let g1 = scaled(&b2);
    let g2 = scaled(&-b1.clone());
    // The halves are bounded by |a1|+|a2| and |b1|+|b2| (times the rounding slack).
    let bound = (a1.magnitude() + a2.magnitude()).max(b1.magnitude() + b2.magnitude());
    assert!(bound.bits() <= 127, "GLV basis too long for 127-bit halves");
    Glv {
        beta,
        lambda,
        a1: U256::from_bigint(&a1),
        b1: U256::from_bigint(&b1),
        a2: U256::from_bigint(&a2),
        b2: U256::from_bigint(&b2),
        g1,
        g2,
    }
}

impl Glv {
    /// `(k1, k2)` with `k ≡ k1 + k2·λ (mod r)`, each as (magnitude, negative).
    pub fn decompose(&self, k: &[u64; 4]) -> ((u128, bool), (u128, bool)) {
        let c1 = U256::signed(round_mul_shift(k, &self.g1.0), self.g1.1);
        let c2 = U256::signed(round_mul_shift(k, &self.g2.0), self.g2.1);
        let k1 = U256(*k).sub(&c1.mul(&self.a1)).sub(&c2.mul(&self.a2));
        let k2 = U256::default()
            .sub(&c1.mul(&self.b1))
            .sub(&c2.mul(&self.b2));
        (k1.to_small(), k2.to_small())
    }

    /// `φ(P)` for an affine point.
    pub fn endomorphism(&self, p: &G1Affine) -> G1Affine {
        match p.xy() {
            Some((x, y)) => G1Affine::new_unchecked(x * self.beta, y),
            None => *p,
        }
    }
}

/// `round(k·g / 2^256)` for `k < 2^256` and a result below 2^128.
fn round_mul_shift(k: &[u64; 4], g: &[u64; 3]) -> u128 {
    let mut product = [0u64; 7];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let t = product[i + j] as u128 + ki as u128 * gj as u128 + carry;
            product[i + j] = t as u64;
            carry = t >> 64;
        }
        product[i + 3] = carry as u64;
    }
    // Add 2^255 to round to nearest.
    let (limb, carry) = product[3].overflowing_add(1 << 63);
    product[3] = limb;
    let mut carry = carry as u64;
    for limb in product.iter_mut().skip(4) {
        let (sum, overflow) = limb.overflowing_add(carry);
        *limb = sum;
        carry = overflow as u64;
    }
    debug_assert_eq!(product[6], 0, "GLV rounding quotient above 2^128");
    product[4] as u128 | (product[5] as u128) << 64
}

/// A 256-bit integer modulo 2^256 (two's complement for negatives).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct U256([u64; 4]);

impl U256 {
    fn from_bigint(x: &BigInt) -> Self {
        let mut limbs = [0u64; 4];
        for (limb, digit) in limbs.iter_mut().zip(x.magnitude().to_u64_digits()) {
            *limb = digit;
        }
        let magnitude = U256(limbs);
        if x.sign() == Sign::Minus {
            U256::default().sub(&magnitude)
        } else {
            magnitude
        }
    }

    fn signed(magnitude: u128, negative: bool) -> Self {
        let x = U256([magnitude as u64, (magnitude >> 64) as u64, 0, 0]);
        if negative {
            U256::default().sub(&x)
        } else {
            x
        }
    }

    fn sub(&self, other: &Self) -> Self {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(other.0) {
            let (d, b1) = a.overflowing_sub(b);
            let (d, b2) = d.overflowing_sub(borrow as u64);
            *o = d;
            borrow = b1 || b2;
        }
        U256(out)
    }

    /// The product's low 256 bits.
    fn mul(&self, other: &Self) -> Self {
        let mut out = [0u64; 4];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 - i {
                let t = out[i + j] as u128 + self.0[i] as u128 * other.0[j] as u128 + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
        }
        U256(out)
    }

    /// Magnitude and sign of a value known to lie in (−2^128, 2^128).
    fn to_small(self) -> (u128, bool) {
        let negative = self.0[3] >> 63 == 1;
        let magnitude = if negative {
            U256::default().sub(&self)
        } else {
            self
        };
        assert!(
            magnitude.0[2] == 0 && magnitude.0[3] == 0,
            "GLV half above 2^128: the lattice basis bound was violated"
        );
        (
            magnitude.0[0] as u128 | (magnitude.0[1] as u128) << 64,
            negative,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Projective;
    use ark_ff::{One, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// `k·P` through the endomorphism: `k1·P + k2·φ(P)`.
    fn mul_via_endomorphism(p: &G1Affine, k: &Fr) -> G1Projective {
        let glv = glv();
        let ((m1, n1), (m2, n2)) = glv.decompose(&k.into_bigint().0);
        let signed = |m: u128, n: bool| {
            let x = Fr::from(m);
            if n {
                -x
            } else {
                x
            }
        };
        *p * signed(m1, n1) + glv.endomorphism(p) * signed(m2, n2)
    }

    #[test]
    fn beta_and_lambda_are_cube_roots_of_unity_matching_on_the_generator() {
        let glv = glv();
        assert!(
            glv.beta.pow([3u64]).is_one() && !glv.beta.is_one(),
            "β³ = 1, β ≠ 1"
        );
        assert!(
            glv.lambda.pow([3u64]).is_one() && !glv.lambda.is_one(),
            "λ³ = 1, λ ≠ 1"
        );
        let g = G1Affine::generator();
        assert_eq!(
            glv.endomorphism(&g),
            (g * glv.lambda).into_affine(),
            "φ(G) = λ·G"
        );
    }

    #[test]
    fn decomposition_recombines_and_halves_fit_127_bits() {
        let glv = glv();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut cases = vec![Fr::zero(), Fr::one(), -Fr::one(), glv.lambda, -glv.lambda];
        cases.extend((0..2000).map(|_| Fr::rand(&mut rng)));
        for k in cases {
            let ((m1, n1), (m2, n2)) = glv.decompose(&k.into_bigint().0);
            assert!(
                m1 < 1 << 127 && m2 < 1 << 127,
                "halves of {k} are {m1}, {m2}: expected < 2^127"
            );
            let signed = |m: u128, n: bool| if n { -Fr::from(m) } else { Fr::from(m) };
            assert_eq!(
                signed(m1, n1) + signed(m2, n2) * glv.lambda,
                k,
                "k1 + k2·λ for k = {k}"
            );
        }
    }

    #[test]
    fn scalar_multiplication_through_the_endomorphism_matches_plain() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for _ in 0..20 {
            let p = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
            let k = Fr::rand(&mut rng);
            assert_eq!(mul_via_endomorphism(&p, &k), p * k, "k1·P + k2·φ(P) = k·P");
        }
    }
}
