//! [`QuadraticVar`]: an element `c0 + c1*X` of `GF(p^2) = GF(p)[X] / (X^2 - 7)`
//! as two [`GoldilocksVar`]s, with the same lazy reduction.
//!
//! Products are left unreduced: `a * b` costs 3 constraints (Karatsuba:
//! `a0*b0`, `a1*b1`, `(a0+a1)*(b0+b1)`; `c1 = (a0+a1)(b0+b1) - a0*b0 - a1*b1` is
//! exact over the integers, so no offset is needed), a square 2 (`a0*a1` and
//! `(a0+a1)(a0+7*a1) = c0 + 8*a0*a1`). For reduced operands the result's
//! coefficients are below `8 * 2^128` and `2 * 2^128`; such a value can be
//! multiplied once more by a reduced value before it must be reduced (133 and
//! 131 constraints for the two coefficients of a product of reduced values). A
//! multiplication that would overflow reduces the operand whose reduction is
//! cheapest among those that make it fit.

use core::borrow::Borrow;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::r1cs::{ConstraintSystemRef, Namespace, SynthesisError};
use num_bigint::BigUint;
use plonky2::field::extension::FieldExtension;
use plonky2::field::types::Field;

use super::field::GoldilocksVar;
use super::{combine, fits, GF, GF2, W};

/// An element `c0 + c1*X` of Goldilocks' quadratic extension.
#[derive(Clone, Debug)]
pub struct QuadraticVar(pub [GoldilocksVar; 2]);

impl QuadraticVar {
    /// `c0 + c1*X`.
    pub fn new(c0: GoldilocksVar, c1: GoldilocksVar) -> Self {
        Self([c0, c1])
    }

    /// The constant `c`.
    pub fn constant(c: GF2) -> Self {
        let [c0, c1] = <GF2 as FieldExtension<2>>::to_basefield_array(&c);
        Self::new(GoldilocksVar::constant(c0), GoldilocksVar::constant(c1))
    }

    /// The constant zero.
    pub fn zero() -> Self {
        Self::constant(GF2::ZERO)
    }

    /// The constant one.
    pub fn one() -> Self {
        Self::constant(GF2::ONE)
    }

    /// The base-field element `x` embedded as `x + 0*X`.
    pub fn from_base(x: GoldilocksVar) -> Self {
        Self::new(x, GoldilocksVar::zero())
    }

    /// Allocates a witness with both coefficients proven canonical (130 constraints).
    pub fn new_witness_canonical(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<GF2, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let x = Self::new_witness(cs, f)?;
        x.to_canonical()?;
        Ok(x)
    }

    /// The element this variable stands for (`AssignmentMissing` in setup mode).
    pub fn value(&self) -> Result<GF2, SynthesisError> {
        Ok(GF2::from_basefield_array([
            self.0[0].value()?,
            self.0[1].value()?,
        ]))
    }

    /// Whether both coefficients are constants.
    pub fn is_constant(&self) -> bool {
        self.0.iter().all(GoldilocksVar::is_constant)
    }

    /// The constant's value, if this is a constant.
    pub fn as_constant(&self) -> Option<GF2> {
        Some(GF2::from_basefield_array([
            self.0[0].as_constant()?,
            self.0[1].as_constant()?,
        ]))
    }

    /// The constraint system this variable lives in (`None` for constants).
    pub fn cs(&self) -> ConstraintSystemRef<Fr> {
        self.0[0].cs().or(self.0[1].cs())
    }

    /// The underlying `Fr` variables `[c0, c1]`.
    pub fn fps(&self) -> [&FpVar<Fr>; 2] {
        [self.0[0].fp(), self.0[1].fp()]
    }

    /// The larger bit length of the coefficients' bounds.
    pub fn bits(&self) -> u32 {
        self.0[0].bits().max(self.0[1].bits())
    }

    /// `self + other` (linear).
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        Ok(Self::new(
            self.0[0].add(&other.0[0])?,
            self.0[1].add(&other.0[1])?,
        ))
    }

    /// `self - other` (linear).
    pub fn sub(&self, other: &Self) -> Result<Self, SynthesisError> {
        Ok(Self::new(
            self.0[0].sub(&other.0[0])?,
            self.0[1].sub(&other.0[1])?,
        ))
    }

    /// `-self` (linear).
    pub fn neg(&self) -> Result<Self, SynthesisError> {
        Ok(Self::new(self.0[0].neg()?, self.0[1].neg()?))
    }

    /// `c * self` for a base-field constant `c` (linear).
    pub fn scale(&self, c: GF) -> Result<Self, SynthesisError> {
        Ok(Self::new(self.0[0].mul_const(c)?, self.0[1].mul_const(c)?))
    }

    /// `self * x` for a base-field variable `x`: 2 constraints, unreduced.
    pub fn mul_base(&self, x: &GoldilocksVar) -> Result<Self, SynthesisError> {
        Ok(Self::new(self.0[0].mul(x)?, self.0[1].mul(x)?))
    }

    /// `self * c` for an extension constant `c` (linear).
    pub fn mul_const(&self, c: GF2) -> Result<Self, SynthesisError> {
        let [k0, k1] = <GF2 as FieldExtension<2>>::to_basefield_array(&c);
        let w = GF::from_canonical_u64(W);
        let c0 = GoldilocksVar::linear_combination(&[k0, w * k1], &self.0)?;
        let c1 = GoldilocksVar::linear_combination(&[k1, k0], &self.0)?;
        Ok(Self::new(c0, c1))
    }

    /// `self * other`: 3 constraints (Karatsuba), unreduced; operands are
    /// reduced first when the product would reach `2^MAX_BITS`.
    pub fn mul(&self, other: &Self) -> Result<Self, SynthesisError> {
        if let Some(c) = self.as_constant() {
            return other.mul_const(c);
        }
        if let Some(c) = other.as_constant() {
            return self.mul_const(c);
        }
        let (a, b) = fit_product(self, other)?;
        let ([a0, a1], [b0, b1]) = (&a.0, &b.0);
        let v0 = a0.fp() * b0.fp();
        let v1 = a1.fp() * b1.fp();
        let t = (a0.fp() + a1.fp()) * (b0.fp() + b1.fp());
        let one = Fr::from(1u8);
        let c0 = combine(&[(one, &v0), (Fr::from(W), &v1)], Fr::from(0u8))?;
        let c1 = combine(&[(one, &t), (-one, &v0), (-one, &v1)], Fr::from(0u8))?;
        let (c0_max, c1_max) = product_bounds(&maxes(&a), &maxes(&b));
        Ok(Self::new(
            GoldilocksVar::from_parts(c0, c0_max),
            GoldilocksVar::from_parts(c1, c1_max),
        ))
    }

    /// `self^2`: 2 constraints, unreduced.
    pub fn square(&self) -> Result<Self, SynthesisError> {
        if let Some(c) = self.as_constant() {
            return Ok(Self::constant(c * c));
        }
        let mut a = best(self);
        let (c0_max, c1_max, t_max) = square_bounds(&maxes(&a));
        if !(fits(&c0_max) && fits(&c1_max) && fits(&t_max)) {
            a = a.reduce()?;
        }
        let [a0, a1] = &a.0;
        let v = a0.fp() * a1.fp();
        let a0_7a1 = combine(
            &[(Fr::from(1u8), a0.fp()), (Fr::from(W), a1.fp())],
            Fr::from(0u8),
        )?;
        let t = (a0.fp() + a1.fp()) * a0_7a1;
        let c0 = combine(
            &[(Fr::from(1u8), &t), (-Fr::from(W + 1), &v)],
            Fr::from(0u8),
        )?;
        let c1 = combine(&[(Fr::from(2u8), &v)], Fr::from(0u8))?;
        let (c0_max, c1_max, _) = square_bounds(&maxes(&a));
        Ok(Self::new(
            GoldilocksVar::from_parts(c0, c0_max),
            GoldilocksVar::from_parts(c1, c1_max),
        ))
    }

    /// `self * other + addend`, unreduced.
    pub fn mul_add(&self, other: &Self, addend: &Self) -> Result<Self, SynthesisError> {
        self.mul(other)?.add(addend)
    }

    /// Both coefficients reduced below `2^64` (see [`GoldilocksVar::reduce`]).
    pub fn reduce(&self) -> Result<Self, SynthesisError> {
        Ok(Self::new(self.0[0].reduce()?, self.0[1].reduce()?))
    }

    /// Both coefficients canonical, and their 128 bits (`c0`'s 64 little-endian
    /// bits, then `c1`'s).
    pub fn to_canonical(&self) -> Result<(Self, Vec<Boolean<Fr>>), SynthesisError> {
        let (c0, mut bits) = self.0[0].to_canonical()?;
        let (c1, bits1) = self.0[1].to_canonical()?;
        bits.extend(bits1);
        Ok((Self::new(c0, c1), bits))
    }

    /// Enforces `self = other` coefficient by coefficient (see
    /// [`GoldilocksVar::enforce_equal`]).
    pub fn enforce_equal(&self, other: &Self) -> Result<(), SynthesisError> {
        self.0[0].enforce_equal(&other.0[0])?;
        self.0[1].enforce_equal(&other.0[1])
    }

    /// `1 / self`: a 128-bit witness `i` with `self * i = 1` enforced; a zero
    /// value is [`SynthesisError::Unsatisfiable`] at assignment.
    pub fn inverse(&self) -> Result<Self, SynthesisError> {
        if let Some(c) = self.as_constant() {
            return c
                .try_inverse()
                .map(Self::constant)
                .ok_or(SynthesisError::Unsatisfiable);
        }
        let inv = Self::new_witness(self.cs(), || {
            self.value()?
                .try_inverse()
                .ok_or(SynthesisError::Unsatisfiable)
        })?;
        self.mul(&inv)?.enforce_equal(&Self::one())?;
        Ok(inv)
    }

    /// `self / other`, as `self * other^-1` (`other` is proven non-zero).
    pub fn div(&self, other: &Self) -> Result<Self, SynthesisError> {
        self.mul(&other.inverse()?)
    }

    /// `self^(2^k)` by `k` squarings.
    pub fn exp_power_of_2(&self, k: usize) -> Result<Self, SynthesisError> {
        let mut acc = self.clone();
        for _ in 0..k {
            acc = acc.square()?;
        }
        Ok(acc)
    }

    /// `self^e` for a constant exponent (square and multiply).
    pub fn exp_u64(&self, e: u64) -> Result<Self, SynthesisError> {
        let mut acc = Self::one();
        for bit in (0..64 - e.leading_zeros()).rev() {
            acc = acc.square()?;
            if (e >> bit) & 1 == 1 {
                acc = acc.mul(self)?;
            }
        }
        Ok(acc)
    }

    /// `sum_i xs[i]` as one linear combination per coefficient.
    pub fn sum(xs: &[Self]) -> Result<Self, SynthesisError> {
        let c0: Vec<GoldilocksVar> = xs.iter().map(|x| x.0[0].clone()).collect();
        let c1: Vec<GoldilocksVar> = xs.iter().map(|x| x.0[1].clone()).collect();
        Ok(Self::new(
            GoldilocksVar::sum(&c0)?,
            GoldilocksVar::sum(&c1)?,
        ))
    }

    /// `sum_i a[i] * b[i]`: 3 constraints per product, no reduction in between.
    pub fn inner_product(a: &[Self], b: &[Self]) -> Result<Self, SynthesisError> {
        assert_eq!(a.len(), b.len(), "inner product of unequal lengths");
        let products = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.mul(y))
            .collect::<Result<Vec<_>, _>>()?;
        Self::sum(&products)
    }
}

/// The coefficients' bounds.
fn maxes(x: &QuadraticVar) -> [BigUint; 2] {
    [x.0[0].max().clone(), x.0[1].max().clone()]
}

/// The coefficients' bounds after a reduction.
fn reduced_maxes(x: &QuadraticVar) -> [BigUint; 2] {
    [x.0[0].reduced_max(), x.0[1].reduced_max()]
}

/// The bounds of `c0 = a0*b0 + 7*a1*b1` and `c1 = a0*b1 + a1*b0` (the
/// Karatsuba term `(a0+a1)(b0+b1) <= c0 + c1` is then below `2^(MAX_BITS+1)`).
fn product_bounds([a0, a1]: &[BigUint; 2], [b0, b1]: &[BigUint; 2]) -> (BigUint, BigUint) {
    (a0 * b0 + a1 * b1 * W, a0 * b1 + a1 * b0)
}

/// The bounds of `c0 = a0^2 + 7*a1^2`, `c1 = 2*a0*a1` and the intermediate
/// `(a0 + a1)(a0 + 7*a1)`.
fn square_bounds([a0, a1]: &[BigUint; 2]) -> (BigUint, BigUint, BigUint) {
    (
        a0 * a0 + a1 * a1 * W,
        a0 * a1 * 2u8,
        (a0 + a1) * (a0 + a1 * W),
    )
}

/// Each coefficient replaced by its cached reduction, if it has one.
fn best(x: &QuadraticVar) -> QuadraticVar {
    QuadraticVar::new(x.0[0].best(), x.0[1].best())
}

/// The operands of `a * b`, reduced as cheaply as possible so that both
/// coefficients' bounds stay below `2^MAX_BITS`.
fn fit_product(
    a: &QuadraticVar,
    b: &QuadraticVar,
) -> Result<(QuadraticVar, QuadraticVar), SynthesisError> {
    let (a, b) = (best(a), best(b));
    let (c0, c1) = product_bounds(&maxes(&a), &maxes(&b));
    if fits(&c0) && fits(&c1) {
        return Ok((a, b));
    }
    let cost = |x: &QuadraticVar| x.0[0].reduce_cost() + x.0[1].reduce_cost();
    let mut choice: Option<(u64, bool, bool)> = None;
    for (ra, rb) in [(true, false), (false, true), (true, true)] {
        let ma = if ra { reduced_maxes(&a) } else { maxes(&a) };
        let mb = if rb { reduced_maxes(&b) } else { maxes(&b) };
        let (c0, c1) = product_bounds(&ma, &mb);
        if !(fits(&c0) && fits(&c1)) {
            continue;
        }
        let c = if ra { cost(&a) } else { 0 } + if rb { cost(&b) } else { 0 };
        if choice.is_none_or(|(best, _, _)| c < best) {
            choice = Some((c, ra, rb));
        }
    }
    let (_, ra, rb) = choice.expect("the product of two reduced values fits");
    let a = if ra { a.reduce()? } else { a };
    let b = if rb { b.reduce()? } else { b };
    Ok((a, b))
}

impl AllocVar<GF2, Fr> for QuadraticVar {
    /// Each coefficient as a [`GoldilocksVar`] (witnesses: 128 constraints).
    fn new_variable<T: Borrow<GF2>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value: Result<[GF; 2], SynthesisError> =
            f().map(|v| <GF2 as FieldExtension<2>>::to_basefield_array(v.borrow()));
        let c0 = GoldilocksVar::new_variable(cs.clone(), || value.map(|v| v[0]), mode)?;
        let c1 = GoldilocksVar::new_variable(cs, || value.map(|v| v[1]), mode)?;
        Ok(Self::new(c0, c1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::goldilocks::testing::{
        assert_satisfied, cs, ext, rng, sample_ext_values, sample_values, tamper, witness,
    };
    use ark_r1cs_std::R1CSVar;
    use plonky2::field::types::Sample;
    use rand::Rng;

    fn wit(cs: &ConstraintSystemRef<Fr>, v: GF2) -> QuadraticVar {
        QuadraticVar::new_witness(cs.clone(), || Ok(v)).unwrap()
    }

    /// The value matches and both honest integers respect their bounds.
    fn check(label: &str, got: &QuadraticVar, expected: GF2) {
        let value = got.value().unwrap();
        assert_eq!(value, expected, "{label}: expected {expected}, got {value}");
        for c in &got.0 {
            let int: BigUint = c.fp().value().unwrap().into();
            assert!(
                int <= *c.max(),
                "{label}: integer {int} above its bound {}",
                c.max()
            );
        }
    }

    fn constraints_of<T>(cs: &ConstraintSystemRef<Fr>, f: impl FnOnce() -> T) -> (T, usize) {
        let before = cs.num_constraints();
        let out = f();
        (out, cs.num_constraints() - before)
    }

    #[test]
    fn extension_arithmetic_matches_plonky2() {
        let mut rng = rng(11);
        let values = sample_ext_values(&mut rng, 4);
        let scalars = sample_values(&mut rng, 2);
        for (i, &x) in values.iter().enumerate() {
            let cs = cs();
            let a = wit(&cs, x);
            for &y in &values {
                let b = wit(&cs, y);
                check("add", &a.add(&b).unwrap(), x + y);
                check("sub", &a.sub(&b).unwrap(), x - y);
                check("neg", &a.neg().unwrap(), -x);
                check("mul", &a.mul(&b).unwrap(), x * y);
                check("mul_const", &a.mul_const(y).unwrap(), x * y);
                check("mul_add", &a.mul_add(&b, &a).unwrap(), x * y + x);
                let ab = a.mul(&b).unwrap();
                check("reduce", &ab.reduce().unwrap(), x * y);
                let (c, bits) = ab.to_canonical().unwrap();
                check("to_canonical", &c, x * y);
                assert_eq!(bits.len(), 128, "bits of an extension element");
                ab.enforce_equal(&b.mul(&a).unwrap()).unwrap();
                if y != GF2::ZERO {
                    check("div", &a.div(&b).unwrap(), x / y);
                }
            }
            check("square", &a.square().unwrap(), x * x);
            let s = scalars[i % scalars.len()];
            check("scale", &a.scale(s).unwrap(), ext(s, GF::ZERO) * x);
            let g = GoldilocksVar::new_witness(cs.clone(), || Ok(s)).unwrap();
            check("mul_base", &a.mul_base(&g).unwrap(), ext(s, GF::ZERO) * x);
            check(
                "from_base",
                &QuadraticVar::from_base(g).mul(&a).unwrap(),
                ext(s, GF::ZERO) * x,
            );
            if x != GF2::ZERO {
                check("inverse", &a.inverse().unwrap(), x.inverse());
            }
            let e = rng.gen::<u64>();
            check("exp_u64", &a.exp_u64(e).unwrap(), x.exp_u64(e));
            check(
                "exp_power_of_2",
                &a.exp_power_of_2(7).unwrap(),
                x.exp_power_of_2(7),
            );
            assert_satisfied(&cs);
        }
    }

    #[test]
    fn long_lazy_extension_chains_match_plonky2() {
        let mut rng = rng(12);
        let cs = cs();
        let xs: Vec<GF2> = (0..200).map(|_| GF2::sample(&mut rng)).collect();
        let vars: Vec<QuadraticVar> = xs.iter().map(|&x| wit(&cs, x)).collect();

        let sum: GF2 = xs.iter().copied().sum();
        let mut acc = QuadraticVar::zero();
        for v in &vars {
            acc = acc.add(v).unwrap();
        }
        check("200 additions", &acc, sum);
        check("then a product", &acc.mul(&vars[0]).unwrap(), sum * xs[0]);
        check("sum helper", &QuadraticVar::sum(&vars).unwrap(), sum);

        let ip = QuadraticVar::inner_product(&vars[..100], &vars[100..]).unwrap();
        let expected: GF2 = xs[..100].iter().zip(&xs[100..]).map(|(a, b)| *a * *b).sum();
        check("inner product of 100", &ip, expected);
        check("its square", &ip.square().unwrap(), expected * expected);

        let mut acc = QuadraticVar::one();
        let mut native = GF2::ONE;
        for (v, x) in vars.iter().zip(&xs).take(40) {
            acc = acc.mul(v).unwrap().sub(&vars[199]).unwrap();
            native = native * *x - xs[199];
            check("product chain", &acc, native);
        }
        assert_satisfied(&cs);
    }

    #[test]
    fn extension_costs_are_exact() {
        let mut rng = rng(13);
        let cs = cs();
        let (x, y) = (GF2::sample(&mut rng), GF2::sample(&mut rng));
        let (a, n) = constraints_of(&cs, || wit(&cs, x));
        assert_eq!(n, 128, "new_witness");
        let b = wit(&cs, y);
        let (ab, n) = constraints_of(&cs, || a.mul(&b).unwrap());
        assert_eq!(n, 3, "mul");
        assert_eq!([ab.0[0].bits(), ab.0[1].bits()], [131, 129], "product bits");
        let (_, n) = constraints_of(&cs, || a.square().unwrap());
        assert_eq!(n, 2, "square");
        let (_, n) = constraints_of(&cs, || ab.reduce().unwrap());
        assert_eq!(n, 133 + 131, "reduce of a product");
        let (_, n) = constraints_of(&cs, || a.mul(&b).unwrap().mul(&a).unwrap());
        assert_eq!(n, 6, "two products in a row need no reduction");
        let (_, n) = constraints_of(&cs, || a.mul_base(&b.0[0]).unwrap());
        assert_eq!(n, 2, "mul_base");
        let (_, n) = constraints_of(&cs, || a.inverse().unwrap());
        assert_eq!(n, 128 + 3 + 69 + 67, "inverse");
        let (_, n) = constraints_of(&cs, || a.div(&b).unwrap());
        assert_eq!(n, 128 + 3 + 69 + 67 + 3, "div");
        let (_, n) = constraints_of(&cs, || ab.enforce_equal(&b.mul(&a).unwrap()).unwrap());
        assert_eq!(n, 3 + 69 + 67, "product and enforce_equal");
        let (_, n) = constraints_of(&cs, || {
            a.add(&b)
                .unwrap()
                .sub(&ab)
                .unwrap()
                .scale(GF::NEG_ONE)
                .unwrap()
        });
        assert_eq!(n, 0, "linear operations");
        assert_satisfied(&cs);
    }

    #[test]
    fn tampered_extension_inverse_is_unsatisfied() {
        for target in [0usize, 64 + 10] {
            let cs = cs();
            let a = wit(
                &cs,
                ext(GF::from_canonical_u64(3), GF::from_canonical_u64(5)),
            );
            let before = cs.num_witness_variables();
            a.inverse().unwrap();
            assert_satisfied(&cs);
            let i = before + target;
            let flipped = Fr::from(1u8) - witness(&cs, i);
            assert!(
                !tamper(&cs, &[(i, flipped)]),
                "inverse bit {target} flipped went unnoticed"
            );
        }
        let cs = cs();
        let zero = wit(&cs, GF2::ZERO);
        assert_eq!(
            wit(&cs, GF2::ONE).div(&zero).unwrap_err(),
            SynthesisError::Unsatisfiable,
            "division by zero"
        );
    }

    #[test]
    fn extension_enforce_equal_rejects_unequal_values() {
        let mut rng = rng(14);
        let (x, y) = (GF2::sample(&mut rng), GF2::sample(&mut rng));
        for delta in [ext(GF::ONE, GF::ZERO), ext(GF::ZERO, GF::ONE)] {
            let cs = cs();
            let ab = wit(&cs, x).mul(&wit(&cs, y)).unwrap();
            ab.enforce_equal(&wit(&cs, x * y + delta)).unwrap();
            assert!(!cs.is_satisfied().unwrap(), "x*y = x*y + {delta} accepted");
        }
        assert_eq!(
            QuadraticVar::one().enforce_equal(&QuadraticVar::zero()),
            Err(SynthesisError::Unsatisfiable),
            "1 = 0"
        );
    }
}
