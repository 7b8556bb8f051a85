//! GF(p^5) arithmetic in plonky2, the in-circuit twin of [`crate::ecgfp5::Gfp5`].
//!
//! Costs, in rows of the standard recursion config: a product (or square, or product by a
//! general constant) is one fifth of a [`Gfp5MulGate`] row; an inverse is one product plus a
//! witnessed value; a division is two products. Additions, subtractions and products by a base
//! target or by a monomial constant `k z^s` are five `ArithmeticGate` operations (a quarter row).

use anyhow::{anyhow, ensure, Result};
use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::gates::gfp5_mul::LIMBS;
use super::gates::Gfp5MulGate;
use crate::ecgfp5::field::P;
use crate::ecgfp5::Gfp5;

/// A GF(p^5) element in a circuit: five Goldilocks targets, coefficient of `z^0` first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gfp5Target(pub [Target; LIMBS]);

impl Gfp5Target {
    /// The limb targets, coefficient of `z^0` first.
    pub fn limbs(&self) -> [Target; LIMBS] {
        self.0
    }
}

/// The limbs of a native element as field elements of the circuit field.
fn to_field<F: Field>(x: Gfp5) -> [F; LIMBS] {
    // Limbs are canonical Goldilocks values; the module only supports that field.
    x.to_limbs().map(F::from_noncanonical_u64)
}

/// A native element from circuit-field limbs; errors unless the circuit field is Goldilocks.
fn from_field<F: RichField>(limbs: [F; LIMBS]) -> Result<Gfp5> {
    ensure!(
        F::ORDER == P,
        "GF(p^5) needs the Goldilocks field (order {P}), got a field of order {}",
        F::ORDER
    );
    Gfp5::from_limbs_canonical(&limbs.map(|l| l.to_canonical_u64()))
        .ok_or_else(|| anyhow!("canonical Goldilocks limbs are always below p"))
}

/// `(k, s)` with `c = k z^s` when `c` has exactly one non-zero limb.
fn monomial<F: Field>(c: Gfp5) -> Option<(F, usize)> {
    let limbs = c.to_limbs();
    let mut nonzero = (0..LIMBS).filter(|&i| limbs[i] != 0);
    match (nonzero.next(), nonzero.next()) {
        (Some(s), None) => Some((F::from_noncanonical_u64(limbs[s]), s)),
        _ => None,
    }
}

/// Reads a GF(p^5) value from any witness.
fn read_gfp5<F: RichField>(witness: &impl Witness<F>, target: Gfp5Target) -> Result<Gfp5> {
    let mut limbs = [F::ZERO; LIMBS];
    for (limb, &t) in limbs.iter_mut().zip(target.0.iter()) {
        *limb = witness
            .try_get_target(t)
            .ok_or_else(|| anyhow!("GF(p^5) limb {t:?} has no witness value"))?;
    }
    from_field(limbs)
}

/// Writes a GF(p^5) value into any witness (or a generator's output buffer).
fn write_gfp5<F: Field>(
    witness: &mut impl WitnessWrite<F>,
    target: Gfp5Target,
    value: Gfp5,
) -> Result<()> {
    for (&t, v) in target.0.iter().zip(to_field::<F>(value)) {
        witness.set_target(t, v)?;
    }
    Ok(())
}

/// Setting GF(p^5) targets in a witness (e.g. a `PartialWitness`).
pub trait WitnessWriteGfp5<F: Field> {
    /// Sets the five limbs of `target` to those of `value`.
    fn set_gfp5_target(&mut self, target: Gfp5Target, value: Gfp5) -> Result<()>;
}

impl<F: Field, W: WitnessWrite<F>> WitnessWriteGfp5<F> for W {
    fn set_gfp5_target(&mut self, target: Gfp5Target, value: Gfp5) -> Result<()> {
        write_gfp5(self, target, value)
    }
}

/// Reading GF(p^5) targets back from a witness (e.g. a generated `PartitionWitness`).
pub trait WitnessGfp5<F: RichField>: WitnessWriteGfp5<F> {
    /// The value of `target`; errors if a limb is unset or the field is not Goldilocks.
    fn get_gfp5_target(&self, target: Gfp5Target) -> Result<Gfp5>;
}

impl<F: RichField, W: Witness<F>> WitnessGfp5<F> for W {
    fn get_gfp5_target(&self, target: Gfp5Target) -> Result<Gfp5> {
        read_gfp5(self, target)
    }
}

/// GF(p^5) arithmetic on a [`CircuitBuilder`].
pub trait CircuitBuilderGfp5<F: RichField + Extendable<D>, const D: usize> {
    /// A fresh unconstrained element, to be set in the witness.
    fn add_virtual_gfp5_target(&mut self) -> Gfp5Target;
    /// The constant `c`.
    fn constant_gfp5(&mut self, c: Gfp5) -> Gfp5Target;
    /// The constant 0.
    fn zero_gfp5(&mut self) -> Gfp5Target;
    /// The constant 1.
    fn one_gfp5(&mut self) -> Gfp5Target;
    /// The base-field element `x` embedded as a constant coefficient.
    fn gfp5_from_base(&mut self, x: Target) -> Gfp5Target;
    /// `a + b`.
    fn add_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;
    /// `a - b`.
    fn sub_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;
    /// `-a`.
    fn neg_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target;
    /// `2 a`.
    fn double_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target;
    /// `a * b`, one [`Gfp5MulGate`] operation.
    fn mul_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;
    /// `a^2`, one [`Gfp5MulGate`] operation.
    fn square_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target;
    /// `c0 a + c1 b` for base-field constants, one arithmetic operation per limb.
    fn lin_comb_gfp5(&mut self, c0: F, a: Gfp5Target, c1: F, b: Gfp5Target) -> Gfp5Target;
    /// `c a + b` for a constant `c` (five arithmetic operations when `c` is a monomial `k z^s`).
    fn mul_const_add_gfp5(&mut self, c: Gfp5, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;
    /// `k * a` for a base-field target `k`.
    fn mul_base_gfp5(&mut self, a: Gfp5Target, k: Target) -> Gfp5Target;
    /// `c * a` for a constant `c` (cheap when `c` is a monomial `k z^s`).
    fn mul_const_gfp5(&mut self, c: Gfp5, a: Gfp5Target) -> Gfp5Target;
    /// `1 / a`; the circuit is unsatisfiable when `a = 0`.
    fn inverse_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target;
    /// `a / b`; the circuit is unsatisfiable when `b = 0`.
    fn div_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;
    /// Constrains `a = b`.
    fn connect_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target);
    /// Whether `a = b`.
    fn is_equal_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> BoolTarget;
    /// `a` if `cond` else `b`.
    fn select_gfp5(&mut self, cond: BoolTarget, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;
}

impl<F: RichField + Extendable<D>, const D: usize> CircuitBuilderGfp5<F, D>
    for CircuitBuilder<F, D>
{
    fn add_virtual_gfp5_target(&mut self) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|_| self.add_virtual_target()))
    }

    fn constant_gfp5(&mut self, c: Gfp5) -> Gfp5Target {
        Gfp5Target(to_field::<F>(c).map(|l| self.constant(l)))
    }

    fn zero_gfp5(&mut self) -> Gfp5Target {
        self.constant_gfp5(Gfp5::ZERO)
    }

    fn one_gfp5(&mut self) -> Gfp5Target {
        self.constant_gfp5(Gfp5::ONE)
    }

    fn gfp5_from_base(&mut self, x: Target) -> Gfp5Target {
        let zero = self.zero();
        Gfp5Target([x, zero, zero, zero, zero])
    }

    fn add_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|i| self.add(a.0[i], b.0[i])))
    }

    fn sub_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|i| self.sub(a.0[i], b.0[i])))
    }

    fn neg_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target {
        Gfp5Target(a.0.map(|l| self.neg(l)))
    }

    fn double_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target {
        self.add_gfp5(a, a)
    }

    fn mul_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        let gate = Gfp5MulGate::new_from_config(&self.config);
        let (row, op) = self.find_slot(gate, &[], &[]);
        for i in 0..LIMBS {
            self.connect(a.0[i], Target::wire(row, Gfp5MulGate::wire_a(op, i)));
            self.connect(b.0[i], Target::wire(row, Gfp5MulGate::wire_b(op, i)));
        }
        Gfp5Target(core::array::from_fn(|i| {
            Target::wire(row, Gfp5MulGate::wire_c(op, i))
        }))
    }

    fn square_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target {
        self.mul_gfp5(a, a)
    }

    fn lin_comb_gfp5(&mut self, c0: F, a: Gfp5Target, c1: F, b: Gfp5Target) -> Gfp5Target {
        let one = self.one();
        Gfp5Target(core::array::from_fn(|i| {
            self.arithmetic(c0, c1, a.0[i], one, b.0[i])
        }))
    }

    fn mul_const_add_gfp5(&mut self, c: Gfp5, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        match monomial(c) {
            Some((k, s)) => {
                let k_wrapped = k * F::from_canonical_u8(3);
                let mut out = b.0;
                for (j, &limb) in a.0.iter().enumerate() {
                    let factor = if j + s < LIMBS { k } else { k_wrapped };
                    let at = (j + s) % LIMBS;
                    out[at] = self.mul_const_add(factor, limb, b.0[at]);
                }
                Gfp5Target(out)
            }
            None => {
                let ca = self.mul_const_gfp5(c, a);
                self.add_gfp5(ca, b)
            }
        }
    }

    fn mul_base_gfp5(&mut self, a: Gfp5Target, k: Target) -> Gfp5Target {
        Gfp5Target(a.0.map(|l| self.mul(l, k)))
    }

    fn mul_const_gfp5(&mut self, c: Gfp5, a: Gfp5Target) -> Gfp5Target {
        if c.is_zero() {
            return self.zero_gfp5();
        }
        match monomial(c) {
            // k z^s: limb j of a moves to limb j + s, times 3 when it wraps past z^5 = 3.
            Some((k, s)) => {
                let k_wrapped = k * F::from_canonical_u8(3);
                let mut out = a.0;
                for (j, &limb) in a.0.iter().enumerate() {
                    let factor = if j + s < LIMBS { k } else { k_wrapped };
                    out[(j + s) % LIMBS] = self.mul_const(factor, limb);
                }
                Gfp5Target(out)
            }
            None => {
                let c = self.constant_gfp5(c);
                self.mul_gfp5(c, a)
            }
        }
    }

    fn inverse_gfp5(&mut self, a: Gfp5Target) -> Gfp5Target {
        let inv = self.add_virtual_gfp5_target();
        self.add_simple_generator(Gfp5InverseGenerator { a, inv });
        let product = self.mul_gfp5(a, inv);
        let one = self.one_gfp5();
        self.connect_gfp5(product, one);
        inv
    }

    fn div_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        // a * (1/b) rather than a witnessed q with q b = a: the latter leaves q free when
        // a = b = 0, and proving b != 0 costs the same product anyway.
        let inv = self.inverse_gfp5(b);
        self.mul_gfp5(a, inv)
    }

    fn connect_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) {
        for (x, y) in a.0.into_iter().zip(b.0) {
            self.connect(x, y);
        }
    }

    fn is_equal_gfp5(&mut self, a: Gfp5Target, b: Gfp5Target) -> BoolTarget {
        let mut all = self.is_equal(a.0[0], b.0[0]);
        for i in 1..LIMBS {
            let eq = self.is_equal(a.0[i], b.0[i]);
            all = self.and(all, eq);
        }
        all
    }

    fn select_gfp5(&mut self, cond: BoolTarget, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|i| self.select(cond, a.0[i], b.0[i])))
    }
}

/// Witnesses `inv = 1 / a` for [`CircuitBuilderGfp5::inverse_gfp5`] (which constrains it).
#[derive(Clone, Debug)]
pub struct Gfp5InverseGenerator {
    a: Gfp5Target,
    inv: Gfp5Target,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for Gfp5InverseGenerator {
    fn id(&self) -> String {
        "Gfp5InverseGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.a.0.to_vec()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let a = read_gfp5(witness, self.a)?;
        let inv = a
            .try_inverse()
            .ok_or_else(|| anyhow!("GF(p^5) inverse of zero (limbs {:?})", self.a))?;
        write_gfp5(out, self.inv, inv)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target_array(&self.a.0)?;
        dst.write_target_array(&self.inv.0)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let a = Gfp5Target(src.read_target_array()?);
        let inv = Gfp5Target(src.read_target_array()?);
        Ok(Self { a, inv })
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use plonky2::field::goldilocks_field::GoldilocksField;
    use plonky2::iop::generator::generate_partial_witness;
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use plonky2::plonk::prover::prove_with_partition_witness;
    use plonky2::util::timing::TimingTree;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    type F = GoldilocksField;
    type C = PoseidonGoldilocksConfig;
    const D: usize = 2;

    fn builder() -> CircuitBuilder<F, D> {
        CircuitBuilder::new(CircuitConfig::standard_recursion_config())
    }

    /// Builds a circuit over virtual inputs, proves it with `inputs`, verifies, and returns the
    /// outputs read from the public inputs.
    fn prove_outputs(
        inputs: &[Gfp5],
        build: impl FnOnce(&mut CircuitBuilder<F, D>, &[Gfp5Target]) -> Vec<Gfp5Target>,
    ) -> Vec<Gfp5> {
        let mut b = builder();
        let targets: Vec<Gfp5Target> = inputs.iter().map(|_| b.add_virtual_gfp5_target()).collect();
        let outputs = build(&mut b, &targets);
        for out in &outputs {
            b.register_public_inputs(&out.0);
        }
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        for (&t, &v) in targets.iter().zip(inputs) {
            pw.set_gfp5_target(t, v).unwrap();
        }
        let proof = data.prove(pw).unwrap();
        data.verify(proof.clone()).unwrap();
        proof
            .public_inputs
            .chunks(LIMBS)
            .map(|limbs| Gfp5::from_elements(&[limbs[0], limbs[1], limbs[2], limbs[3], limbs[4]]))
            .collect()
    }

    fn random_nonzero(rng: &mut ChaCha8Rng) -> Gfp5 {
        loop {
            let x = Gfp5::random(rng);
            if !x.is_zero() {
                return x;
            }
        }
    }

    #[test]
    fn random_products_inverses_and_divisions_match_native_gfp5() {
        const PAIRS: usize = 7;
        let mut rng = ChaCha8Rng::seed_from_u64(10);
        let inputs: Vec<Gfp5> = (0..2 * PAIRS).map(|_| random_nonzero(&mut rng)).collect();
        let got = prove_outputs(&inputs, |b, t| {
            let mut out = Vec::new();
            for pair in t.chunks(2) {
                let (x, y) = (pair[0], pair[1]);
                out.push(b.mul_gfp5(x, y));
                out.push(b.square_gfp5(x));
                out.push(b.inverse_gfp5(x));
                out.push(b.div_gfp5(x, y));
            }
            out
        });
        let mut expected = Vec::new();
        for pair in inputs.chunks(2) {
            let (x, y) = (pair[0], pair[1]);
            let y_inv = y.try_inverse().unwrap();
            expected.extend([x * y, x.square(), x.try_inverse().unwrap(), x * y_inv]);
        }
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(
                g,
                e,
                "output {i} (pair {}, op {}): expected {e:?}, got {g:?}",
                i / 4,
                i % 4
            );
        }
        assert_eq!(
            got.len(),
            expected.len(),
            "expected {} outputs, got {}",
            expected.len(),
            got.len()
        );
    }

    #[test]
    fn linear_operations_and_constant_products_match_native_gfp5() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (x, y) = (Gfp5::random(&mut rng), Gfp5::random(&mut rng));
        let k = F::from_canonical_u64(0x1234_5678_9abc_def0);
        let general = Gfp5::random(&mut rng);
        let b_z = Gfp5::from_limbs_canonical(&[0, 263, 0, 0, 0]).unwrap();
        let high = Gfp5::from_limbs_canonical(&[0, 0, 0, 0, P - 5]).unwrap();
        let two = Gfp5::from_base(F::TWO);
        let got = prove_outputs(&[x, y], |b, t| {
            let (x, y) = (t[0], t[1]);
            let kt = b.constant(k);
            let eq_xy = b.is_equal_gfp5(x, y);
            let eq_xx = b.is_equal_gfp5(x, x);
            let sel_xy = b.select_gfp5(eq_xy, x, y);
            let sel_xx = b.select_gfp5(eq_xx, x, y);
            vec![
                b.add_gfp5(x, y),
                b.sub_gfp5(x, y),
                b.neg_gfp5(x),
                b.double_gfp5(x),
                b.mul_base_gfp5(x, kt),
                b.mul_const_gfp5(general, x),
                b.mul_const_gfp5(b_z, x),
                b.mul_const_gfp5(high, x),
                b.mul_const_gfp5(two, x),
                b.mul_const_gfp5(Gfp5::ZERO, x),
                sel_xy,
                sel_xx,
                b.lin_comb_gfp5(F::TWO, x, -F::from_canonical_u8(4), y),
                b.mul_const_add_gfp5(high, x, y),
                b.mul_const_add_gfp5(general, x, y),
            ]
        });
        let expected = [
            x + y,
            x - y,
            -x,
            x.double(),
            x.mul_base(k),
            general * x,
            b_z * x,
            high * x,
            two * x,
            Gfp5::ZERO,
            y,
            x,
            x.double() - y.double().double(),
            high * x + y,
            general * x + y,
        ];
        let names = [
            "add",
            "sub",
            "neg",
            "double",
            "mul_base",
            "mul_const general",
            "mul_const 263z",
            "mul_const (p-5)z^4",
            "mul_const 2",
            "mul_const 0",
            "select(x == y)",
            "select(x == x)",
            "lin_comb 2x - 4y",
            "mul_const_add (p-5)z^4 x + y",
            "mul_const_add general",
        ];
        assert_eq!(
            got.len(),
            expected.len(),
            "expected {} outputs, got {}",
            expected.len(),
            got.len()
        );
        for ((g, e), name) in got.iter().zip(&expected).zip(names) {
            assert_eq!(g, e, "{name}: expected {e:?}, got {g:?}");
        }
    }

    #[test]
    fn inverse_of_zero_fails_witness_generation() {
        let mut b = builder();
        let x = b.add_virtual_gfp5_target();
        b.inverse_gfp5(x);
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(x, Gfp5::ZERO).unwrap();
        let result = data.prove(pw);
        assert!(result.is_err(), "expected proving 1/0 to fail, got a proof");
    }

    /// A circuit with one product `c = a * b` whose output is used nowhere else, so the
    /// product gate is the only constraint on `c`.
    fn single_product_circuit() -> (CircuitData<F, C, D>, [Gfp5Target; 3]) {
        let mut b = builder();
        let x = b.add_virtual_gfp5_target();
        let y = b.add_virtual_gfp5_target();
        let c = b.mul_gfp5(x, y);
        (b.build::<C>(), [x, y, c])
    }

    /// Generates the honest witness, optionally overwrites limb 0 of the product, then proves.
    fn prove_with_product_limb(tamper: bool) -> bool {
        let (data, [x, y, c]) = single_product_circuit();
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(x, Gfp5::random(&mut rng)).unwrap();
        pw.set_gfp5_target(y, Gfp5::random(&mut rng)).unwrap();
        let mut witness = generate_partial_witness(pw, &data.prover_only, &data.common).unwrap();
        if tamper {
            let limb = c.0[0];
            let rep = witness.representative_map[limb.index(witness.num_wires, witness.degree)];
            let honest = witness.values[rep].expect("the generator set the product");
            witness.values[rep] = Some(honest + F::ONE);
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            prove_with_partition_witness::<F, C, D>(
                &data.prover_only,
                &data.common,
                witness,
                &mut TimingTree::default(),
            )
        }));
        match result {
            Ok(Ok(proof)) => data.verify(proof).is_ok(),
            _ => false,
        }
    }

    #[test]
    fn wrong_product_in_gate_output_makes_proving_fail() {
        assert!(
            prove_with_product_limb(false),
            "expected the honest witness to prove and verify, got a failure"
        );
        assert!(
            !prove_with_product_limb(true),
            "expected a product limb off by one to make proving fail, got a valid proof"
        );
    }

    #[test]
    fn hundred_products_take_twenty_gate_rows() {
        let mut b = builder();
        let before = b.num_gates();
        let mut acc = b.add_virtual_gfp5_target();
        let y = b.add_virtual_gfp5_target();
        for _ in 0..100 {
            acc = b.mul_gfp5(acc, y);
        }
        let rows = b.num_gates() - before;
        println!("100 GF(p^5) products: {rows} rows");
        assert!(
            rows <= 20,
            "expected at most 20 rows for 100 products, got {rows}"
        );
    }
}
