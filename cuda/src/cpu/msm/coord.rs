//! The coordinate fields of the bucket additions, behind one trait.
//!
//! G1 and G2 use zkr's own BN254 base field and its quadratic extension
//! ([`super::fq`], [`super::fq2`]), whose operations inline into the bucket
//! loop.

use std::ops::{Add, Mul, Neg, Sub};

use super::fq::Fq;
use super::fq2::Fq2;
use ark_ec::short_weierstrass::SWCurveConfig;

/// A field in which affine coordinates are added.
pub trait Coord:
    Copy
    + Send
    + Sync
    + PartialEq
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
{
    /// Zero.
    fn zero() -> Self;
    /// One.
    fn one() -> Self;
    /// Whether this is zero.
    fn is_zero(&self) -> bool;
    /// `self²`.
    fn square(&self) -> Self;
    /// `2·self`.
    fn double(&self) -> Self;
    /// `self⁻¹`, `None` for zero.
    fn inverse(&self) -> Option<Self>;
}

/// A curve whose buckets are summed in batched affine form, with the field
/// its coordinates take there.
pub trait BucketCurve: SWCurveConfig {
    /// The coordinates' field in the bucket loop.
    type Coord: Coord;
    /// From arkworks' base field.
    fn coord(f: &Self::BaseField) -> Self::Coord;
    /// Back to arkworks' base field.
    fn base(c: &Self::Coord) -> Self::BaseField;
}

impl Coord for Fq {
    #[inline(always)]
    fn zero() -> Self {
        Fq::ZERO
    }
    #[inline(always)]
    fn one() -> Self {
        Fq::ONE
    }
    #[inline(always)]
    fn is_zero(&self) -> bool {
        Fq::is_zero(self)
    }
    #[inline(always)]
    fn square(&self) -> Self {
        Fq::square(self)
    }
    #[inline(always)]
    fn double(&self) -> Self {
        Fq::double(self)
    }
    fn inverse(&self) -> Option<Self> {
        Fq::inverse(self)
    }
}

impl Coord for Fq2 {
    #[inline(always)]
    fn zero() -> Self {
        Fq2::ZERO
    }
    #[inline(always)]
    fn one() -> Self {
        Fq2::ONE
    }
    #[inline(always)]
    fn is_zero(&self) -> bool {
        Fq2::is_zero(self)
    }
    #[inline(always)]
    fn square(&self) -> Self {
        Fq2::square(self)
    }
    #[inline(always)]
    fn double(&self) -> Self {
        Fq2::double(self)
    }
    fn inverse(&self) -> Option<Self> {
        Fq2::inverse(self)
    }
}

impl BucketCurve for ark_bn254::g1::Config {
    type Coord = Fq;
    #[inline(always)]
    fn coord(f: &ark_bn254::Fq) -> Fq {
        Fq::from_ark(f)
    }
    #[inline(always)]
    fn base(c: &Fq) -> ark_bn254::Fq {
        c.to_ark()
    }
}

impl BucketCurve for ark_bn254::g2::Config {
    type Coord = Fq2;
    #[inline(always)]
    fn coord(f: &ark_bn254::Fq2) -> Fq2 {
        Fq2::from_ark(f)
    }
    #[inline(always)]
    fn base(c: &Fq2) -> ark_bn254::Fq2 {
        c.to_ark()
    }
}
