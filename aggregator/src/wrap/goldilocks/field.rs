//! [`GoldilocksVar`]: one Goldilocks element as a bounded integer in one `Fr`
//! variable (see the [module docs](super) for the bound reasoning).

use core::borrow::Borrow;
use core::cell::{Cell, RefCell};
use std::rc::Rc;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystemRef, Namespace, SynthesisError};
use num_bigint::BigUint;
use plonky2::field::types::Field;

use super::{
    big_to_fr, big_to_gf, canonical, combine, constant_bits, fits, fr_to_big, p_big, range,
    witness_int, GF, P,
};

/// A Goldilocks element: an `Fr` variable holding an integer `x <= max`, standing
/// for `x mod p`.
#[derive(Clone, Debug)]
pub struct GoldilocksVar {
    /// The integer, as an `Fr` element (it never wraps: `max < 2^MAX_BITS`).
    value: FpVar<Fr>,
    /// A proven upper bound on the integer (inclusive).
    max: BigUint,
    /// When present: the 64 little-endian bits `value` is the packing of. A
    /// value with bits was produced so that an honest prover's value is
    /// canonical (`< p`), so [`Self::to_canonical`] only has to prove that.
    bits: Option<Rc<[Boolean<Fr>]>>,
    /// Whether `value < p` has been proven (shared by clones).
    canonical: Rc<Cell<bool>>,
    /// The reduction of this value, once computed (shared by clones).
    reduced: Rc<RefCell<Option<GoldilocksVar>>>,
}

/// `ceil(x / p)`.
fn div_ceil_p(x: &BigUint) -> BigUint {
    (x + p_big() - 1u8) / p_big()
}

/// `2^64 - 1`: the bound of a reduced value.
fn max_u64() -> BigUint {
    BigUint::from(u64::MAX)
}

impl GoldilocksVar {
    /// The constant `c` (its bound is its canonical value).
    pub fn constant(c: GF) -> Self {
        let c = canonical(c);
        Self {
            value: FpVar::Constant(Fr::from(c)),
            max: BigUint::from(c),
            bits: None,
            canonical: Rc::new(Cell::new(true)),
            reduced: Rc::default(),
        }
    }

    /// The constant zero.
    pub fn zero() -> Self {
        Self::constant(GF::ZERO)
    }

    /// The constant one.
    pub fn one() -> Self {
        Self::constant(GF::ONE)
    }

    /// A variable with a proven bound; the caller vouches for `value <= max`.
    pub(super) fn from_parts(value: FpVar<Fr>, max: BigUint) -> Self {
        match value {
            FpVar::Constant(c) => Self::constant(big_to_gf(&fr_to_big(c))),
            value => Self {
                value,
                max,
                bits: None,
                canonical: Rc::new(Cell::new(false)),
                reduced: Rc::default(),
            },
        }
    }

    /// The packing of 64 freshly range-checked bits whose honest value is canonical.
    fn from_bits(value: FpVar<Fr>, bits: Vec<Boolean<Fr>>) -> Self {
        let mut out = Self::from_parts(value, max_u64());
        if !out.is_constant() {
            out.bits = Some(bits.into());
        }
        out
    }

    /// Allocates a witness for any `u64` (standing for itself mod `p`, so possibly
    /// a non-canonical representative), range-checked to 64 bits (64 constraints).
    pub fn new_witness_u64(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<u64, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = if cs.is_in_setup_mode() {
            None
        } else {
            Some(BigUint::from(f()?))
        };
        let (packed, _) = range::alloc_bits(&cs, value.as_ref(), 64)?;
        Ok(Self::from_parts(packed, max_u64()))
    }

    /// Allocates a witness proven canonical, below `p` (65 constraints).
    pub fn new_witness_canonical(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<GF, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let x = Self::new_witness(cs, f)?;
        x.to_canonical()?;
        Ok(x)
    }

    /// The element whose canonical value has the 64 little-endian `bits`, which
    /// the caller has constrained boolean and proven below `p` (a challenge's
    /// digits, for instance).
    pub fn from_canonical_bits(bits: &[Boolean<Fr>]) -> Result<Self, SynthesisError> {
        assert_eq!(
            bits.len(),
            64,
            "a Goldilocks element from {} bits",
            bits.len()
        );
        let out = Self::from_bits(range::pack_bits(bits)?, bits.to_vec());
        out.canonical.set(true);
        Ok(out)
    }

    /// The bit `b` as the element 0 or 1 (free).
    pub fn from_boolean(b: &Boolean<Fr>) -> Self {
        Self::from_parts(FpVar::from(b.clone()), BigUint::from(1u8))
    }

    /// `cond ? a : b`, one constraint per non-constant pair (the bound is the
    /// larger of the two).
    pub fn select(cond: &Boolean<Fr>, a: &Self, b: &Self) -> Result<Self, SynthesisError> {
        let value = cond.select(&a.value, &b.value)?;
        Ok(Self::from_parts(value, (&a.max).max(&b.max).clone()))
    }

    /// The element this variable stands for (`AssignmentMissing` in setup mode).
    pub fn value(&self) -> Result<GF, SynthesisError> {
        Ok(big_to_gf(&fr_to_big(self.value.value()?)))
    }

    /// The underlying `Fr` variable (an integer congruent to the element).
    pub fn fp(&self) -> &FpVar<Fr> {
        &self.value
    }

    /// The proven bound on the underlying integer (inclusive).
    pub fn max(&self) -> &BigUint {
        &self.max
    }

    /// The bit length of the bound: the integer is below `2^bits()`.
    pub fn bits(&self) -> u32 {
        self.max.bits() as u32
    }

    /// Whether this is a constant (no variable).
    pub fn is_constant(&self) -> bool {
        matches!(self.value, FpVar::Constant(_))
    }

    /// The constraint system this variable lives in (`None` for constants).
    pub fn cs(&self) -> ConstraintSystemRef<Fr> {
        self.value.cs()
    }

    /// The constant's value, if this is a constant.
    pub fn as_constant(&self) -> Option<GF> {
        match &self.value {
            FpVar::Constant(c) => Some(big_to_gf(&fr_to_big(*c))),
            FpVar::Var(_) => None,
        }
    }

    /// The cheapest known representative: the cached reduction if there is one.
    pub(super) fn best(&self) -> Self {
        match RefCell::borrow(&self.reduced).as_ref() {
            Some(r) => r.clone(),
            None => self.clone(),
        }
    }

    /// The bound this value would have after [`Self::reduce`].
    pub(super) fn reduced_max(&self) -> BigUint {
        if self.max.bits() <= 64 {
            self.max.clone()
        } else {
            max_u64()
        }
    }

    /// The number of constraints [`Self::reduce`] would add now.
    pub(super) fn reduce_cost(&self) -> u64 {
        if self.is_constant() || self.max.bits() <= 64 || RefCell::borrow(&self.reduced).is_some() {
            0
        } else {
            (&self.max / p_big()).bits() + 65
        }
    }

    /// `self + other` (linear; reduces an operand first only if the sum would
    /// reach `2^MAX_BITS`).
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        Self::sum(&[self.clone(), other.clone()])
    }

    /// `self + c` (linear).
    pub fn add_const(&self, c: GF) -> Result<Self, SynthesisError> {
        self.add(&Self::constant(c))
    }

    /// `self - other`, computed as `self + k*p - other` with `k*p` at least
    /// `other`'s bound (linear).
    pub fn sub(&self, other: &Self) -> Result<Self, SynthesisError> {
        Self::linear_combination(&[GF::ONE, GF::NEG_ONE], &[self.clone(), other.clone()])
    }

    /// `-self`, computed as `k*p - self` (linear).
    pub fn neg(&self) -> Result<Self, SynthesisError> {
        Self::linear_combination(&[GF::NEG_ONE], core::slice::from_ref(self))
    }

    /// `c * self` (linear); a constant above `p/2` is applied as `-(p - c)`.
    pub fn mul_const(&self, c: GF) -> Result<Self, SynthesisError> {
        Self::linear_combination(&[c], core::slice::from_ref(self))
    }

    /// `self * other`: one constraint, bound `max_a * max_b`, unreduced. Operands
    /// are reduced first (the cheapest choice that fits) if the product would
    /// reach `2^MAX_BITS`. Free when either side is a constant.
    pub fn mul(&self, other: &Self) -> Result<Self, SynthesisError> {
        if let Some(c) = self.as_constant() {
            return other.mul_const(c);
        }
        if let Some(c) = other.as_constant() {
            return self.mul_const(c);
        }
        let (a, b) = fit_product(self, other)?;
        Ok(Self::from_parts(&a.value * &b.value, &a.max * &b.max))
    }

    /// `self^2`: one constraint, unreduced.
    pub fn square(&self) -> Result<Self, SynthesisError> {
        if let Some(c) = self.as_constant() {
            return Ok(Self::constant(c * c));
        }
        let mut a = self.best();
        if !fits(&(&a.max * &a.max)) {
            a = a.reduce()?;
        }
        Ok(Self::from_parts(&a.value * &a.value, &a.max * &a.max))
    }

    /// `self * other` reduced to 64 bits, the reduction fused into the product's
    /// constraint: `bitlen(max_a * max_b / p) + 65` constraints.
    pub fn mul_reduce(&self, other: &Self) -> Result<Self, SynthesisError> {
        if self.is_constant() || other.is_constant() {
            return self.mul(other)?.reduce();
        }
        let (a, b) = fit_product(self, other)?;
        let max = &a.max * &b.max;
        let product = match (witness_int(&a.value)?, witness_int(&b.value)?) {
            (Some(x), Some(y)) => Some(x * y),
            _ => None,
        };
        let (qp_plus_r, r) = alloc_quotient_remainder(&a.cs(), product, &max)?;
        a.value.mul_equals(&b.value, &qp_plus_r)?;
        Ok(r)
    }

    /// A congruent value below `2^64` (not necessarily below `p`): `x = q*p + r`
    /// with `r` checked to 64 bits and `q` to `bitlen(max / p)` bits, one more
    /// constraint for the equation. Free for values already below `2^64` and for
    /// values reduced before.
    pub fn reduce(&self) -> Result<Self, SynthesisError> {
        if self.max.bits() <= 64 {
            return Ok(self.best());
        }
        self.decompose()
    }

    /// Like [`Self::reduce`], but always returns a value carrying its 64 bits
    /// (decomposing even a value already below `2^64`).
    fn decompose(&self) -> Result<Self, SynthesisError> {
        if self.is_constant() || self.bits.is_some() {
            return Ok(self.clone());
        }
        if let Some(r) = RefCell::borrow(&self.reduced).as_ref() {
            if r.bits.is_some() {
                return Ok(r.clone());
            }
        }
        let x = witness_int(&self.value)?;
        let (qp_plus_r, r) = alloc_quotient_remainder(&self.cs(), x, &self.max)?;
        self.value.enforce_equal(&qp_plus_r)?;
        *self.reduced.borrow_mut() = Some(r.clone());
        Ok(r)
    }

    /// The canonical representative (proven below `p`) and its 64 little-endian
    /// bits: a reduction plus one constraint (one constraint alone for a value
    /// reduced or allocated before).
    pub fn to_canonical(&self) -> Result<(Self, Vec<Boolean<Fr>>), SynthesisError> {
        if let Some(c) = self.as_constant() {
            return Ok((Self::constant(c), constant_bits(canonical(c))));
        }
        let d = self.decompose()?;
        let bits = d
            .bits
            .clone()
            .expect("decompose returns a value carrying its bits");
        if !d.canonical.get() {
            range::enforce_below_goldilocks(&bits)?;
            d.canonical.set(true);
        }
        Ok((d, bits.to_vec()))
    }

    /// Enforces `self = other` in `GF(p)`: `a - b + k*p = m*p` with `m` checked to
    /// `bitlen(max / p)` bits, `bitlen(max / p) + 1` constraints. Unequal
    /// constants are [`SynthesisError::Unsatisfiable`].
    pub fn enforce_equal(&self, other: &Self) -> Result<(), SynthesisError> {
        if let (Some(a), Some(b)) = (self.as_constant(), other.as_constant()) {
            return if a == b {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            };
        }
        let (a, b) = (self.best(), other.best());
        // d = x - y + k*p with k*p >= max_y, so 0 <= d <= max_x + k*p.
        let d_max_ab = &a.max + div_ceil_p(&b.max) * p_big();
        let d_max_ba = &b.max + div_ceil_p(&a.max) * p_big();
        let (x, y, d_max) = if d_max_ab <= d_max_ba {
            (&a, &b, d_max_ab)
        } else {
            (&b, &a, d_max_ba)
        };
        let offset = div_ceil_p(&y.max) * p_big();
        let d = combine(
            &[(Fr::from(1u8), &x.value), (-Fr::from(1u8), &y.value)],
            big_to_fr(&offset),
        )?;
        let m_max = &d_max / p_big();
        let m_value = witness_int(&d)?.map(|d| d / p_big());
        let (m, _) = range::alloc_bits(&d.cs(), m_value.as_ref(), m_max.bits() as usize)?;
        let mp = combine(&[(Fr::from(P), &m)], Fr::from(0u8))?;
        d.enforce_equal(&mp)
    }

    /// `1 / self`: a 64-bit witness `i` with `self * i = 1` enforced; a zero
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

    /// `sum_i xs[i]` as one linear combination, reduced nowhere unless the
    /// total bound would reach `2^MAX_BITS`.
    pub fn sum(xs: &[Self]) -> Result<Self, SynthesisError> {
        Self::linear_combination(&vec![GF::ONE; xs.len()], xs)
    }

    /// `sum_i a[i] * b[i]`: one constraint per product, no reduction in between.
    pub fn inner_product(a: &[Self], b: &[Self]) -> Result<Self, SynthesisError> {
        assert_eq!(a.len(), b.len(), "inner product of unequal lengths");
        let products = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.mul(y))
            .collect::<Result<Vec<_>, _>>()?;
        Self::sum(&products)
    }

    /// `sum_i coeffs[i] * xs[i]` for constant coefficients (linear). A
    /// coefficient `c > p/2` enters as `-(p - c)`, and the negative part is
    /// offset by a multiple of `p`; the largest terms are reduced first if the
    /// total bound would reach `2^MAX_BITS`.
    pub fn linear_combination(coeffs: &[GF], xs: &[Self]) -> Result<Self, SynthesisError> {
        assert_eq!(
            coeffs.len(),
            xs.len(),
            "linear combination with {} coefficients for {} values",
            coeffs.len(),
            xs.len()
        );
        let mut constant = GF::ZERO;
        // (|c|, c is negative, x)
        let mut terms: Vec<(u64, bool, Self)> = Vec::with_capacity(xs.len());
        for (c, x) in coeffs.iter().zip(xs) {
            let c = canonical(*c);
            if c == 0 {
                continue;
            }
            if let Some(v) = x.as_constant() {
                constant += GF::from_canonical_u64(c) * v;
                continue;
            }
            let (m, negative) = if P - c < c { (P - c, true) } else { (c, false) };
            terms.push((m, negative, x.best()));
        }
        let constant = BigUint::from(canonical(constant));
        loop {
            let mut positive = constant.clone();
            let mut negative = BigUint::default();
            for (m, neg, x) in &terms {
                let bound = &x.max * *m;
                if *neg {
                    negative += bound;
                } else {
                    positive += bound;
                }
            }
            let offset = div_ceil_p(&negative) * p_big();
            let max = positive + &offset;
            if fits(&max) {
                let lc: Vec<(Fr, &FpVar<Fr>)> = terms
                    .iter()
                    .map(|(m, neg, x)| {
                        let m = Fr::from(*m);
                        (if *neg { -m } else { m }, &x.value)
                    })
                    .collect();
                let value = combine(&lc, big_to_fr(&(offset + &constant)))?;
                return Ok(Self::from_parts(value, max));
            }
            let largest = terms
                .iter_mut()
                .filter(|(_, _, x)| x.max.bits() > 64)
                .max_by_key(|(m, _, x)| &x.max * *m)
                .expect("a sum of reduced terms stays below 2^MAX_BITS for fewer than 2^120 terms");
            largest.2 = largest.2.reduce()?;
        }
    }
}

/// `(q*p + r, r)` for fresh witnesses `q = x div p` (checked to
/// `bitlen(max / p)` bits) and `r = x mod p` (checked to 64 bits, carrying its
/// bits); the caller enforces `x = q*p + r`.
fn alloc_quotient_remainder(
    cs: &ConstraintSystemRef<Fr>,
    x: Option<BigUint>,
    max: &BigUint,
) -> Result<(FpVar<Fr>, GoldilocksVar), SynthesisError> {
    let p = p_big();
    let (q, r) = match x {
        Some(x) => (Some(&x / &p), Some(&x % &p)),
        None => (None, None),
    };
    let (r_var, r_bits) = range::alloc_bits(cs, r.as_ref(), 64)?;
    let (q_var, _) = range::alloc_bits(cs, q.as_ref(), (max / &p).bits() as usize)?;
    let qp_plus_r = combine(
        &[(Fr::from(P), &q_var), (Fr::from(1u8), &r_var)],
        Fr::from(0u8),
    )?;
    Ok((qp_plus_r, GoldilocksVar::from_bits(r_var, r_bits)))
}

/// The operands of `a * b`, reduced as cheaply as possible so that the
/// product's bound stays below `2^MAX_BITS`.
fn fit_product(
    a: &GoldilocksVar,
    b: &GoldilocksVar,
) -> Result<(GoldilocksVar, GoldilocksVar), SynthesisError> {
    let (a, b) = (a.best(), b.best());
    if fits(&(&a.max * &b.max)) {
        return Ok((a, b));
    }
    let mut choice: Option<(u64, bool, bool)> = None;
    for (ra, rb) in [(true, false), (false, true), (true, true)] {
        let ma = if ra { a.reduced_max() } else { a.max.clone() };
        let mb = if rb { b.reduced_max() } else { b.max.clone() };
        if !fits(&(ma * mb)) {
            continue;
        }
        let cost = if ra { a.reduce_cost() } else { 0 } + if rb { b.reduce_cost() } else { 0 };
        if choice.is_none_or(|(c, _, _)| cost < c) {
            choice = Some((cost, ra, rb));
        }
    }
    let (_, ra, rb) = choice.expect("the product of two reduced values fits");
    let a = if ra { a.reduce()? } else { a };
    let b = if rb { b.reduce()? } else { b };
    Ok((a, b))
}

impl AllocVar<GF, Fr> for GoldilocksVar {
    /// Constants are exact; witnesses are range-checked to 64 bits (64
    /// constraints); inputs are range-checked too (65 constraints).
    fn new_variable<T: Borrow<GF>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        match mode {
            AllocationMode::Constant => Ok(Self::constant(*f()?.borrow())),
            AllocationMode::Witness => {
                let value = if cs.is_in_setup_mode() {
                    None
                } else {
                    Some(BigUint::from(canonical(*f()?.borrow())))
                };
                let (packed, bits) = range::alloc_bits(&cs, value.as_ref(), 64)?;
                Ok(Self::from_bits(packed, bits))
            }
            AllocationMode::Input => {
                let x =
                    FpVar::new_input(cs.clone(), || f().map(|v| Fr::from(canonical(*v.borrow()))))?;
                let bits = range::enforce_bits(&cs, &x, 64)?;
                let mut out = Self::from_parts(x, max_u64());
                out.bits = Some(bits.into());
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::goldilocks::testing::{
        assert_satisfied, cs, edge_values, non_canonical_u64s, rng, sample_values, tamper, witness,
        witness_index,
    };
    use ark_r1cs_std::fields::fp::AllocatedFp;
    use plonky2::field::types::{PrimeField64, Sample};
    use rand::Rng;

    fn wit(cs: &ConstraintSystemRef<Fr>, v: GF) -> GoldilocksVar {
        GoldilocksVar::new_witness(cs.clone(), || Ok(v)).unwrap()
    }

    /// The value matches and the honest integer respects the proven bound.
    fn check(label: &str, got: &GoldilocksVar, expected: GF) {
        let value = got.value().unwrap();
        assert_eq!(value, expected, "{label}: expected {expected}, got {value}");
        let int = fr_to_big(got.fp().value().unwrap());
        assert!(
            int <= got.max,
            "{label}: integer {int} above its bound {}",
            got.max
        );
    }

    fn bits_value(bits: &[Boolean<Fr>]) -> u64 {
        bits.iter()
            .enumerate()
            .map(|(i, b)| (b.value().unwrap() as u64) << i)
            .sum()
    }

    fn constraints_of<T>(cs: &ConstraintSystemRef<Fr>, f: impl FnOnce() -> T) -> (T, usize) {
        let before = cs.num_constraints();
        let out = f();
        (out, cs.num_constraints() - before)
    }

    #[test]
    fn arithmetic_matches_plonky2_on_edge_and_random_values() {
        let mut rng = rng(1);
        let values = sample_values(&mut rng, 6);
        for &x in &values {
            let cs = cs();
            let a = wit(&cs, x);
            for &y in &values {
                let b = wit(&cs, y);
                check("add", &a.add(&b).unwrap(), x + y);
                check("sub", &a.sub(&b).unwrap(), x - y);
                check("neg", &b.neg().unwrap(), -y);
                check("add_const", &a.add_const(y).unwrap(), x + y);
                check("mul_const", &a.mul_const(y).unwrap(), x * y);
                let ab = a.mul(&b).unwrap();
                check("mul", &ab, x * y);
                check("mul_reduce", &a.mul_reduce(&b).unwrap(), x * y);
                check("square", &b.square().unwrap(), y * y);
                let reduced = ab.reduce().unwrap();
                check("reduce", &reduced, x * y);
                assert!(reduced.bits() <= 64, "reduce: {} bits", reduced.bits());
                let (canon, bits) = ab.to_canonical().unwrap();
                check("to_canonical", &canon, x * y);
                let expected = (x * y).to_canonical_u64();
                assert_eq!(bits_value(&bits), expected, "to_canonical bits");
                check(
                    "linear_combination",
                    &GoldilocksVar::linear_combination(&[y, -x], &[a.clone(), b.clone()]).unwrap(),
                    y * x - x * y,
                );
                ab.enforce_equal(&b.mul(&a).unwrap()).unwrap();
                if y != GF::ZERO {
                    check("div", &a.div(&b).unwrap(), x / y);
                    check("inverse", &b.inverse().unwrap(), y.inverse());
                }
            }
            let e = rng.gen::<u64>();
            check("exp_u64", &a.exp_u64(e).unwrap(), x.exp_u64(e));
            check("exp_u64(0)", &a.exp_u64(0).unwrap(), GF::ONE);
            check(
                "exp_power_of_2",
                &a.exp_power_of_2(5).unwrap(),
                x.exp_power_of_2(5),
            );
            assert_satisfied(&cs);
        }
    }

    #[test]
    fn constants_fold_natively_without_constraints() {
        let cs = cs();
        let (x, y) = (
            GF::from_canonical_u64(P - 3),
            GF::from_canonical_u64(1 << 40),
        );
        let (a, b) = (GoldilocksVar::constant(x), GoldilocksVar::constant(y));
        check("const mul", &a.mul(&b).unwrap(), x * y);
        check("const sub", &a.sub(&b).unwrap(), x - y);
        check("const inverse", &a.inverse().unwrap(), x.inverse());
        check("const reduce", &a.mul(&b).unwrap().reduce().unwrap(), x * y);
        let (c, bits) = a.to_canonical().unwrap();
        check("const to_canonical", &c, x);
        assert_eq!(bits_value(&bits), P - 3, "constant bits");
        assert_eq!(
            GoldilocksVar::zero().inverse().unwrap_err(),
            SynthesisError::Unsatisfiable,
            "inverse of the constant zero"
        );
        // Mixed constant/variable products are linear.
        let w = wit(&cs, y);
        let before = cs.num_constraints();
        check("mixed mul", &w.mul(&a).unwrap(), x * y);
        assert_eq!(cs.num_constraints(), before, "mixed product constraints");
        assert_satisfied(&cs);
    }

    #[test]
    fn non_canonical_representatives_behave_as_their_value_mod_p() {
        let mut rng = rng(2);
        for u in non_canonical_u64s() {
            let cs = cs();
            let x = GF::from_noncanonical_u64(u);
            let a = GoldilocksVar::new_witness_u64(cs.clone(), || Ok(u)).unwrap();
            let y = GF::sample(&mut rng);
            let b = wit(&cs, y);
            check("value", &a, x);
            check("mul", &a.mul(&b).unwrap(), x * y);
            check("add", &a.add(&b).unwrap(), x + y);
            check("sub", &b.sub(&a).unwrap(), y - x);
            let (c, bits) = a.to_canonical().unwrap();
            check("to_canonical", &c, x);
            assert_eq!(
                bits_value(&bits),
                x.to_canonical_u64(),
                "canonical bits of {u}"
            );
            a.enforce_equal(&GoldilocksVar::constant(x)).unwrap();
            a.enforce_equal(&wit(&cs, x)).unwrap();
            assert_satisfied(&cs);
        }
    }

    #[test]
    fn long_lazy_chains_match_plonky2() {
        let mut rng = rng(3);
        let cs = cs();
        let xs: Vec<GF> = (0..200).map(|_| GF::sample(&mut rng)).collect();
        let vars: Vec<GoldilocksVar> = xs.iter().map(|&x| wit(&cs, x)).collect();

        // 200 additions, then a product.
        let mut acc = GoldilocksVar::zero();
        for v in &vars {
            acc = acc.add(v).unwrap();
        }
        let sum: GF = xs.iter().copied().sum();
        check("sum of 200", &acc, sum);
        check("sum * x0", &acc.mul(&vars[0]).unwrap(), sum * xs[0]);
        check("sum via helper", &GoldilocksVar::sum(&vars).unwrap(), sum);

        // 200 products summed, then squared (the sum must be reduced first).
        let mut acc = GoldilocksVar::zero();
        for w in vars.windows(2) {
            acc = acc.add(&w[0].mul(&w[1]).unwrap()).unwrap();
        }
        let expected: GF = xs.windows(2).map(|w| w[0] * w[1]).sum();
        check("sum of products", &acc, expected);
        check("its square", &acc.square().unwrap(), expected * expected);

        // Inner product of 100 terms.
        let ip = GoldilocksVar::inner_product(&vars[..100], &vars[100..]).unwrap();
        let expected: GF = xs[..100].iter().zip(&xs[100..]).map(|(a, b)| *a * *b).sum();
        check("inner product", &ip, expected);

        // 60 chained products and alternating subtractions.
        let mut acc = GoldilocksVar::one();
        let mut native = GF::ONE;
        for (i, (v, x)) in vars.iter().zip(&xs).take(60).enumerate() {
            acc = acc.mul(v).unwrap();
            native *= *x;
            if i % 3 == 0 {
                acc = acc.sub(&vars[i + 1]).unwrap();
                native -= xs[i + 1];
            }
            check("chain", &acc, native);
        }
        assert_satisfied(&cs);
    }

    #[test]
    fn costs_are_exact() {
        let cs = cs();
        let mut rng = rng(4);
        let (x, y) = (GF::sample(&mut rng), GF::sample(&mut rng));
        let (a, n) = constraints_of(&cs, || wit(&cs, x));
        assert_eq!(n, 64, "new_witness");
        let (b, n) = constraints_of(&cs, || wit(&cs, y));
        assert_eq!(n, 64, "new_witness");
        let (_, n) = constraints_of(&cs, || {
            GoldilocksVar::new_witness_canonical(cs.clone(), || Ok(x)).unwrap()
        });
        assert_eq!(n, 65, "new_witness_canonical");
        let (_, n) = constraints_of(&cs, || {
            GoldilocksVar::new_input(cs.clone(), || Ok(x)).unwrap()
        });
        assert_eq!(n, 65, "new_input");
        let (_, n) = constraints_of(&cs, || range::enforce_bits(&cs, a.fp(), 64).unwrap());
        assert_eq!(n, 65, "enforce_bits(64)");
        let (ab, n) = constraints_of(&cs, || a.mul(&b).unwrap());
        assert_eq!(n, 1, "mul");
        assert_eq!(ab.bits(), 128, "bits of a product of reduced values");
        let (_, n) = constraints_of(&cs, || ab.reduce().unwrap());
        assert_eq!(n, 130, "reduce of a 128-bit product");
        let (_, n) = constraints_of(&cs, || ab.reduce().unwrap());
        assert_eq!(n, 0, "second reduce of the same value");
        let (_, n) = constraints_of(&cs, || ab.to_canonical().unwrap());
        assert_eq!(n, 1, "to_canonical of a reduced value");
        let (_, n) = constraints_of(&cs, || a.mul_reduce(&b).unwrap());
        assert_eq!(n, 130, "mul_reduce");
        let (_, n) = constraints_of(&cs, || a.to_canonical().unwrap());
        assert_eq!(n, 1, "to_canonical of a witness");
        let (_, n) = constraints_of(&cs, || a.enforce_equal(&a.clone()).unwrap());
        assert_eq!(n, 3, "enforce_equal of 64-bit values");
        let c = wit(&cs, x * y);
        let ab2 = a.mul(&b).unwrap();
        let (_, n) = constraints_of(&cs, || ab2.enforce_equal(&c).unwrap());
        assert_eq!(
            n, 66,
            "enforce_equal of a 128-bit product and a 64-bit value"
        );
        let (_, n) = constraints_of(&cs, || a.inverse().unwrap());
        assert_eq!(n, 131, "inverse");
        let (_, n) = constraints_of(&cs, || {
            a.add(&b).unwrap().sub(&ab).unwrap().mul_const(y).unwrap()
        });
        assert_eq!(n, 0, "linear operations");
        assert_satisfied(&cs);
    }

    #[test]
    fn setup_mode_synthesizes_the_same_constraints() {
        fn circuit(cs: &ConstraintSystemRef<Fr>) {
            let x = GF::from_canonical_u64(123456789);
            let a = GoldilocksVar::new_witness(cs.clone(), || Ok(x)).unwrap();
            let b = GoldilocksVar::new_witness_u64(cs.clone(), || Ok(u64::MAX)).unwrap();
            let c = a.mul(&b).unwrap().square().unwrap().add(&a).unwrap();
            c.to_canonical().unwrap();
            c.enforce_equal(&a.exp_u64(5).unwrap()).ok();
            a.div(&b).unwrap();
        }
        let prove = cs();
        circuit(&prove);
        let setup = cs();
        setup.set_mode(ark_relations::r1cs::SynthesisMode::Setup);
        circuit(&setup);
        assert_eq!(
            setup.num_constraints(),
            prove.num_constraints(),
            "setup vs proving constraints"
        );
        assert_eq!(
            setup.num_witness_variables(),
            prove.num_witness_variables(),
            "setup vs proving witnesses"
        );
    }

    /// Witness indices allocated by `f`.
    fn allocated<T>(
        cs: &ConstraintSystemRef<Fr>,
        f: impl FnOnce() -> T,
    ) -> (T, core::ops::Range<usize>) {
        let before = cs.num_witness_variables();
        let out = f();
        (out, before..cs.num_witness_variables())
    }

    /// Flips the boolean witness `index`.
    fn flip(cs: &ConstraintSystemRef<Fr>, index: usize) -> (usize, Fr) {
        (index, Fr::from(1u8) - witness(cs, index))
    }

    #[test]
    fn tampered_reduction_remainder_or_quotient_is_unsatisfied() {
        let mut rng = rng(5);
        // Remainder bits come first (64), then the quotient's.
        for target in [0usize, 17, 63, 64, 64 + 40] {
            let cs = cs();
            let a = wit(&cs, GF::sample(&mut rng));
            let b = wit(&cs, GF::sample(&mut rng));
            let ab = a.mul(&b).unwrap();
            let (_, range) = allocated(&cs, || ab.reduce().unwrap());
            assert_eq!(range.len(), 64 + 65, "remainder and quotient bits");
            assert_satisfied(&cs);
            let change = flip(&cs, range.start + target);
            assert!(
                !tamper(&cs, &[change]),
                "flipping bit {target} went unnoticed"
            );
        }
    }

    #[test]
    fn tampered_product_is_unsatisfied() {
        let cs = cs();
        let a = wit(&cs, GF::from_canonical_u64(3));
        let b = wit(&cs, GF::from_canonical_u64(5));
        let ab = a.mul(&b).unwrap();
        let FpVar::Var(AllocatedFp { variable, .. }) = ab.fp() else {
            panic!("a product of witnesses is a variable");
        };
        let i = witness_index(*variable);
        assert!(!tamper(&cs, &[(i, Fr::from(16u8))]), "3 * 5 = 16 accepted");
    }

    #[test]
    fn to_canonical_rejects_a_remainder_at_or_above_p() {
        // x = 5 + p < 2^64: the honest decomposition is q = 1, r = 5; the cheat
        // q = 0, r = 5 + p satisfies x = q*p + r with r below 2^64.
        let cheat = |canonical: bool| {
            let cs = cs();
            let x = GoldilocksVar::new_witness_u64(cs.clone(), || Ok(5 + P)).unwrap();
            let (_, range) = allocated(&cs, || {
                if canonical {
                    x.to_canonical().unwrap().0
                } else {
                    x.decompose().unwrap()
                }
            });
            assert_satisfied(&cs);
            let r = 5 + P;
            let mut changes: Vec<(usize, Fr)> = (0..64)
                .map(|i| (range.start + i, Fr::from((r >> i) & 1)))
                .collect();
            changes.push((range.start + 64, Fr::from(0u8))); // q = 0
            tamper(&cs, &changes)
        };
        assert!(
            cheat(false),
            "a plain decomposition accepts r = 5 + p (as designed)"
        );
        assert!(!cheat(true), "to_canonical accepted r = 5 + p");
    }

    #[test]
    fn new_witness_cannot_hold_2_pow_64_or_more() {
        for (bit, delta) in [(0usize, BigUint::from(1u8) << 64), (63, BigUint::from(1u8))] {
            let cs = cs();
            let (_, range) = allocated(&cs, || wit(&cs, GF::from_canonical_u64(1 << 63)));
            // Raising one bit's assignment raises the packed value by a multiple
            // of 2^bit: to 2^64 + 2^63 (bit 0) or 2^64 (bit 63).
            let i = range.start + bit;
            let changed = witness(&cs, i) + big_to_fr(&delta);
            assert!(
                !tamper(&cs, &[(i, changed)]),
                "bit {bit} raised went unnoticed"
            );
        }
    }

    #[test]
    fn enforce_equal_rejects_unequal_values() {
        let mut rng = rng(6);
        let x = GF::sample(&mut rng);
        let y = GF::sample(&mut rng);
        // Unequal witnesses.
        let cs1 = cs();
        wit(&cs1, x).enforce_equal(&wit(&cs1, x + GF::ONE)).unwrap();
        assert!(!cs1.is_satisfied().unwrap(), "x = x + 1 accepted");
        // An unreduced product against a wrong value.
        let cs2 = cs();
        let ab = wit(&cs2, x).mul(&wit(&cs2, y)).unwrap();
        ab.enforce_equal(&wit(&cs2, x * y + GF::ONE)).unwrap();
        assert!(!cs2.is_satisfied().unwrap(), "x*y = x*y + 1 accepted");
        // Congruent representatives are equal.
        let cs3 = cs();
        let u = GoldilocksVar::new_witness_u64(cs3.clone(), || Ok(7 + P)).unwrap();
        u.enforce_equal(&wit(&cs3, GF::from_canonical_u64(7)))
            .unwrap();
        assert_satisfied(&cs3);
        // A tampered multiple of p.
        let cs4 = cs();
        let (a, b) = (wit(&cs4, x), wit(&cs4, x));
        let (_, range) = allocated(&cs4, || a.enforce_equal(&b).unwrap());
        assert_satisfied(&cs4);
        let change = flip(&cs4, range.start);
        assert!(!tamper(&cs4, &[change]), "tampered multiple of p accepted");
        // Unequal constants.
        assert_eq!(
            GoldilocksVar::one().enforce_equal(&GoldilocksVar::zero()),
            Err(SynthesisError::Unsatisfiable),
            "1 = 0"
        );
    }

    #[test]
    fn tampered_inverse_is_unsatisfied_and_zero_has_none() {
        let cs1 = cs();
        let a = wit(&cs1, GF::from_canonical_u64(12345));
        let (_, range) = allocated(&cs1, || a.inverse().unwrap());
        assert_satisfied(&cs1);
        let change = flip(&cs1, range.start + 3);
        assert!(!tamper(&cs1, &[change]), "a wrong inverse accepted");

        let cs2 = cs();
        let zero = wit(&cs2, GF::ZERO);
        assert_eq!(
            zero.inverse().unwrap_err(),
            SynthesisError::Unsatisfiable,
            "inverse of a zero witness"
        );
    }

    #[test]
    fn edge_values_survive_every_reduction_path() {
        let cs = cs();
        for x in edge_values() {
            let a = wit(&cs, x);
            let big = a.mul(&a).unwrap().mul(&a).unwrap().add(&a).unwrap();
            let expected = x * x * x + x;
            check("cube + x", &big, expected);
            check("reduced", &big.reduce().unwrap(), expected);
            let (c, bits) = big.to_canonical().unwrap();
            check("canonical", &c, expected);
            assert_eq!(
                bits_value(&bits),
                expected.to_canonical_u64(),
                "bits of {x}^3 + {x}"
            );
        }
        assert_satisfied(&cs);
    }
}
