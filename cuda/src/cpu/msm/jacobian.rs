//! Jacobian points on zkr's inlined coordinates, for the additions that do
//! not batch: the MSM's per-window bucket reduction and scalar
//! multiplications elsewhere (the ceremony's group FFT).
//!
//! `(X, Y, Z)` stands for `(X/Z², Y/Z³)`, as arkworks' `Projective`, so
//! converting is free. The formulas are those of the Explicit-Formulas
//! Database for `a = 0` (both BN254 groups): dbl-2009-l, madd-2007-bl,
//! add-2007-bl, with the exceptional cases (equal, opposite, infinity)
//! handled.

use ark_ec::short_weierstrass::Projective;
use ark_ff::Zero;

use super::buckets::Pt;
use super::coord::{BucketCurve, Coord};

/// A point in Jacobian coordinates; `Z = 0` is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub struct Jac<F> {
    /// X.
    pub x: F,
    /// Y.
    pub y: F,
    /// Z, zero for infinity.
    pub z: F,
}

impl<F: Coord> Jac<F> {
    /// The point at infinity.
    #[inline(always)]
    pub fn infinity() -> Self {
        Jac {
            x: F::one(),
            y: F::one(),
            z: F::zero(),
        }
    }

    /// Whether this is the point at infinity.
    #[inline(always)]
    pub fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    /// From an affine point.
    #[inline(always)]
    pub fn from_affine(p: &Pt<F>) -> Self {
        if p.is_infinity() {
            Self::infinity()
        } else {
            Jac {
                x: p.x,
                y: p.y,
                z: F::one(),
            }
        }
    }

    /// From arkworks' point (same coordinates).
    #[inline(always)]
    pub fn from_projective<P: BucketCurve<Coord = F>>(p: &Projective<P>) -> Self {
        if p.is_zero() {
            Self::infinity()
        } else {
            Jac {
                x: P::coord(&p.x),
                y: P::coord(&p.y),
                z: P::coord(&p.z),
            }
        }
    }

    /// To arkworks' point.
    #[inline(always)]
    pub fn to_projective<P: BucketCurve<Coord = F>>(&self) -> Projective<P> {
        if self.is_infinity() {
            Projective::zero()
        } else {
            Projective::new_unchecked(P::base(&self.x), P::base(&self.y), P::base(&self.z))
        }
    }

    /// `−P`.
    #[inline(always)]
    pub fn neg(&self) -> Self {
        Jac {
            x: self.x,
            y: -self.y,
            z: self.z,
        }
    }

    /// `2P` (dbl-2009-l: 2M + 5S).
    // Not forced inline: in G2 the body is ~30 Fq products, and forcing it
    // into callers' loops made their compile take many minutes.
    #[inline]
    pub fn double(&self) -> Self {
        if self.is_infinity() {
            return *self;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        let d = ((self.x + b).square() - a - c).double();
        let e = a.double() + a;
        let f = e.square();
        let x = f - d.double();
        let y = e * (d - x) - c.double().double().double();
        let z = (self.y * self.z).double();
        Jac { x, y, z }
    }

    /// `P + Q` for affine `Q` (madd-2007-bl: 7M + 4S).
    // Not forced inline: in G2 the body is ~30 Fq products, and forcing it
    // into callers' loops made their compile take many minutes.
    #[inline]
    pub fn add_affine(&self, q: &Pt<F>) -> Self {
        if q.is_infinity() {
            return *self;
        }
        if self.is_infinity() {
            return Self::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - self.x;
        let r = (s2 - self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::infinity()
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let v = self.x * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (self.y * j).double();
        let z = (self.z + h).square() - z1z1 - hh;
        Jac { x, y, z }
    }

    /// `P + Q` (add-2007-bl: 11M + 5S).
    // Not forced inline: in G2 the body is ~30 Fq products, and forcing it
    // into callers' loops made their compile take many minutes.
    #[inline]
    pub fn add(&self, q: &Self) -> Self {
        if q.is_infinity() {
            return *self;
        }
        if self.is_infinity() {
            return *q;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x * z2z2;
        let u2 = q.x * z1z1;
        let s1 = self.y * q.z * z2z2;
        let s2 = q.y * self.z * z1z1;
        let h = u2 - u1;
        let r = (s2 - s1).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::infinity()
            };
        }
        let i = h.double().square();
        let j = h * i;
        let v = u1 * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (s1 * j).double();
        let z = ((self.z + q.z).square() - z1z1 - z2z2) * h;
        Jac { x, y, z }
    }
}

/// The affine forms of `points`, with one shared inversion.
pub fn normalize_batch<F: Coord>(points: &[Jac<F>]) -> Vec<Pt<F>> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut product = F::one();
    for p in points {
        prefix.push(product);
        if !p.is_infinity() {
            product = product * p.z;
        }
    }
    // Every factor is a non-zero Z, so the product is invertible.
    let mut inverse = product.inverse().unwrap_or_else(F::one);
    let mut out = vec![Pt::infinity(); points.len()];
    for (k, p) in points.iter().enumerate().rev() {
        if p.is_infinity() {
            continue;
        }
        let z_inv = inverse * prefix[k];
        inverse = inverse * p.z;
        let z_inv2 = z_inv.square();
        out[k] = Pt {
            x: p.x * z_inv2,
            y: p.y * z_inv2 * z_inv,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::{AdditiveGroup, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Checks double, add and add_affine against arkworks on random points
    /// and on the exceptional pairs.
    fn matches_arkworks<P: BucketCurve>(generator: Projective<P>)
    where
        P::ScalarField: UniformRand,
    {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let mut points: Vec<Projective<P>> = (0..40)
            .map(|_| generator * P::ScalarField::rand(&mut rng))
            .collect();
        points.push(Projective::zero());
        let p0 = points[0];
        points.extend([p0, -p0, p0.double()]);
        let affine = Projective::normalize_batch(&points);
        for (k, p) in points.iter().enumerate() {
            let q = points[(k * 5 + 1) % points.len()];
            let qa = affine[(k * 5 + 1) % points.len()];
            for q in [q, *p, -*p] {
                let (jp, jq) = (Jac::from_projective(p), Jac::from_projective(&q));
                let qa_same = Pt::from_affine(&q.into_affine());
                assert_eq!(jp.add(&jq).to_projective::<P>(), *p + q, "P + Q");
                assert_eq!(
                    jp.add_affine(&qa_same).to_projective::<P>(),
                    *p + q,
                    "P + affine Q"
                );
            }
            let jp = Jac::from_projective(p);
            assert_eq!(jp.double().to_projective::<P>(), p.double(), "2P");
            assert_eq!(jp.neg().to_projective::<P>(), -*p, "−P");
            assert_eq!(
                jp.add_affine(&Pt::from_affine(&qa)).to_projective::<P>(),
                *p + q,
                "P + affine Q (batch-normalized)"
            );
        }
        let jacs: Vec<Jac<P::Coord>> = points.iter().map(Jac::from_projective).collect();
        let ours = normalize_batch(&jacs);
        for (k, (a, b)) in ours.iter().zip(&affine).enumerate() {
            assert_eq!(a.to_affine::<P>(), *b, "normalized point {k}");
        }
    }

    #[test]
    fn g1_jacobian_arithmetic_equals_arkworks() {
        matches_arkworks(G1Projective::generator());
    }

    #[test]
    fn g2_jacobian_arithmetic_equals_arkworks() {
        matches_arkworks(G2Projective::generator());
    }
}
