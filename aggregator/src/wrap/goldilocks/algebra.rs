//! [`R1csAlgebra`]: the verifier's `GF(p^2)` algebra evaluated in R1CS, on
//! [`QuadraticVar`]s.
//!
//! Every operation is lazy: products stay unreduced until a later product would
//! overflow (then the cheapest operand is reduced, once: reductions are cached),
//! sums and inner products accumulate without reduction, and `div` witnesses the
//! inverse. A result is reduced only where it has to be, typically at the
//! final [`QuadraticVar::enforce_equal`], which is itself cheaper than a
//! reduction.

use ark_bn254::Fr;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};

use super::quadratic::QuadraticVar;
use super::{GF, GF2};
use crate::wrap::algebra::ExtAlgebra;

/// `GF(p^2)` arithmetic in a BN254 constraint system.
#[derive(Clone, Debug)]
pub struct R1csAlgebra {
    /// The constraint system the verifier is synthesized in.
    cs: ConstraintSystemRef<Fr>,
}

impl R1csAlgebra {
    /// Arithmetic in `cs`.
    pub fn new(cs: ConstraintSystemRef<Fr>) -> Self {
        Self { cs }
    }

    /// The constraint system.
    pub fn cs(&self) -> &ConstraintSystemRef<Fr> {
        &self.cs
    }
}

impl ExtAlgebra for R1csAlgebra {
    type Ext = QuadraticVar;
    type Error = SynthesisError;

    fn constant(&mut self, c: GF2) -> QuadraticVar {
        QuadraticVar::constant(c)
    }

    fn add(&mut self, a: &QuadraticVar, b: &QuadraticVar) -> Result<QuadraticVar, SynthesisError> {
        a.add(b)
    }

    fn sub(&mut self, a: &QuadraticVar, b: &QuadraticVar) -> Result<QuadraticVar, SynthesisError> {
        a.sub(b)
    }

    fn mul(&mut self, a: &QuadraticVar, b: &QuadraticVar) -> Result<QuadraticVar, SynthesisError> {
        a.mul(b)
    }

    fn scale(&mut self, c: GF, a: &QuadraticVar) -> Result<QuadraticVar, SynthesisError> {
        a.scale(c)
    }

    fn div(&mut self, a: &QuadraticVar, b: &QuadraticVar) -> Result<QuadraticVar, SynthesisError> {
        a.div(b)
    }

    fn square(&mut self, a: &QuadraticVar) -> Result<QuadraticVar, SynthesisError> {
        a.square()
    }

    fn mul_add(
        &mut self,
        a: &QuadraticVar,
        b: &QuadraticVar,
        c: &QuadraticVar,
    ) -> Result<QuadraticVar, SynthesisError> {
        a.mul_add(b, c)
    }

    fn inner_product(
        &mut self,
        a: &[QuadraticVar],
        b: &[QuadraticVar],
    ) -> Result<QuadraticVar, SynthesisError> {
        QuadraticVar::inner_product(a, b)
    }

    fn sum(&mut self, a: &[QuadraticVar]) -> Result<QuadraticVar, SynthesisError> {
        QuadraticVar::sum(a)
    }

    fn exp_power_of_2(
        &mut self,
        a: &QuadraticVar,
        k: usize,
    ) -> Result<QuadraticVar, SynthesisError> {
        a.exp_power_of_2(k)
    }

    fn exp_u64(&mut self, a: &QuadraticVar, e: u64) -> Result<QuadraticVar, SynthesisError> {
        a.exp_u64(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::algebra::Native;
    use crate::wrap::goldilocks::testing::{assert_satisfied, cs, rng};
    use ark_r1cs_std::alloc::AllocVar;
    use plonky2::field::types::{Field, Sample};
    use rand::rngs::StdRng;
    use rand::Rng;

    /// Builds a random expression over `leaves` from the choices drawn from
    /// `rng`; the same seed builds the same expression in every algebra.
    fn expression<A: ExtAlgebra>(
        alg: &mut A,
        leaves: &[A::Ext],
        rng: &mut StdRng,
        depth: usize,
    ) -> Result<A::Ext, A::Error> {
        if depth == 0 {
            return Ok(if rng.gen_ratio(1, 5) {
                alg.constant(GF2::sample(rng))
            } else {
                leaves[rng.gen_range(0..leaves.len())].clone()
            });
        }
        let op = rng.gen_range(0..12);
        let a = expression(alg, leaves, rng, depth - 1)?;
        Ok(match op {
            0 => {
                let b = expression(alg, leaves, rng, depth - 1)?;
                alg.add(&a, &b)?
            }
            1 => {
                let b = expression(alg, leaves, rng, depth - 1)?;
                alg.sub(&a, &b)?
            }
            2 => {
                let b = expression(alg, leaves, rng, depth - 1)?;
                alg.mul(&a, &b)?
            }
            3 => alg.scale(GF::sample(rng), &a)?,
            4 => {
                // A leaf or a random constant: zero with probability 2^-128
                // (deeper expressions such as `x - x` could be zero).
                let b = expression(alg, leaves, rng, 0)?;
                alg.div(&a, &b)?
            }
            5 => alg.square(&a)?,
            6 => {
                let b = expression(alg, leaves, rng, depth - 1)?;
                let c = expression(alg, leaves, rng, depth - 1)?;
                alg.mul_add(&a, &b, &c)?
            }
            7 => {
                let n = rng.gen_range(0..6);
                let xs = (0..n)
                    .map(|_| expression(alg, leaves, rng, depth - 1))
                    .collect::<Result<Vec<_>, _>>()?;
                let ys = (0..n)
                    .map(|_| expression(alg, leaves, rng, depth - 1))
                    .collect::<Result<Vec<_>, _>>()?;
                let ip = alg.inner_product(&xs, &ys)?;
                alg.add(&a, &ip)?
            }
            8 => {
                let n = rng.gen_range(0..6);
                let mut xs = (0..n)
                    .map(|_| expression(alg, leaves, rng, depth - 1))
                    .collect::<Result<Vec<_>, _>>()?;
                xs.push(a);
                alg.sum(&xs)?
            }
            9 => alg.exp_power_of_2(&a, rng.gen_range(0..4))?,
            10 => alg.exp_u64(&a, rng.gen_range(0..300))?,
            _ => a,
        })
    }

    #[test]
    fn r1cs_algebra_matches_native_on_random_expression_trees() {
        let mut values = rng(21);
        for seed in 0..32u64 {
            let leaves: Vec<GF2> = (0..4).map(|_| GF2::sample(&mut values)).collect();
            let native = expression(&mut Native, &leaves, &mut rng(seed), 4).unwrap();

            let cs = cs();
            let vars: Vec<QuadraticVar> = leaves
                .iter()
                .map(|&l| QuadraticVar::new_witness(cs.clone(), || Ok(l)).unwrap())
                .collect();
            let mut alg = R1csAlgebra::new(cs.clone());
            let got = expression(&mut alg, &vars, &mut rng(seed), 4).unwrap();
            let value = got.value().unwrap();
            assert_eq!(
                value, native,
                "expression {seed}: expected {native}, got {value}"
            );
            // The result is usable: compare it with the native value in-circuit.
            got.enforce_equal(&alg.constant(native)).unwrap();
            assert_satisfied(&cs);
        }
    }

    #[test]
    fn setup_mode_synthesizes_the_same_expressions() {
        let synthesize = |cs: &ConstraintSystemRef<Fr>, seed: u64| {
            let mut values = rng(100 + seed);
            let vars: Vec<QuadraticVar> = (0..4)
                .map(|_| {
                    let v = GF2::sample(&mut values);
                    QuadraticVar::new_witness(cs.clone(), || Ok(v)).unwrap()
                })
                .collect();
            let mut alg = R1csAlgebra::new(cs.clone());
            let out = expression(&mut alg, &vars, &mut rng(seed), 4).unwrap();
            out.reduce().unwrap();
            (cs.num_constraints(), cs.num_witness_variables())
        };
        for seed in 0..8u64 {
            let setup = cs();
            setup.set_mode(ark_relations::r1cs::SynthesisMode::Setup);
            assert_eq!(
                synthesize(&setup, seed),
                synthesize(&cs(), seed),
                "expression {seed}: (constraints, witnesses) in setup vs proving mode"
            );
        }
    }

    #[test]
    fn provided_operations_are_lazy() {
        let cs = cs();
        let mut alg = R1csAlgebra::new(cs.clone());
        let mut rng = rng(22);
        let xs: Vec<QuadraticVar> = (0..8)
            .map(|_| QuadraticVar::new_witness(cs.clone(), || Ok(GF2::sample(&mut rng))).unwrap())
            .collect();
        let before = cs.num_constraints();
        alg.inner_product(&xs[..4], &xs[4..]).unwrap();
        assert_eq!(cs.num_constraints() - before, 4 * 3, "inner product of 4");
        let before = cs.num_constraints();
        alg.mul_add(&xs[0], &xs[1], &xs[2]).unwrap();
        assert_eq!(cs.num_constraints() - before, 3, "mul_add");
        let before = cs.num_constraints();
        alg.sum(&xs).unwrap();
        assert_eq!(cs.num_constraints() - before, 0, "sum");
        let before = cs.num_constraints();
        let x7 = alg.exp_u64(&xs[0], 7).unwrap();
        let n = cs.num_constraints() - before;
        assert!(n < 4 * 267, "x^7 took {n} constraints");
        let expected = xs[0].value().unwrap().exp_u64(7);
        assert_eq!(x7.value().unwrap(), expected, "x^7");
        assert_satisfied(&cs);
    }
}
