//! Products in GF(p^5) = GF(p)[z]/(z^5 - 3), several independent ones to a row.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::util::serialization::{Buffer, IoError, IoResult, Read, Write};

use crate::gadgets::algebraic::Algebra;
use crate::gadgets::algebraic::AlgebraicGate;

/// Limbs of one GF(p^5) element.
pub const LIMBS: usize = 5;
/// Wires per multiplication: `a`, `b` and `c`, five limbs each, all routed.
pub const WIRES_PER_OP: usize = 3 * LIMBS;

/// The limbs of `a * b` in GF(p^5), computed in any field-like algebra (`z^5 = 3`).
///
/// Coefficient `k` collects `a_i b_j` with `i + j = k`, plus `3 a_i b_j` with `i + j = k + 5`.
pub(crate) fn mul_limbs<F: Field>(a: &[F; LIMBS], b: &[F; LIMBS]) -> [F; LIMBS] {
    let three = F::from_canonical_u8(3);
    core::array::from_fn(|k| {
        let mut direct = F::ZERO;
        let mut wrapped = F::ZERO;
        for (i, &ai) in a.iter().enumerate() {
            let bj = b[(k + LIMBS - i) % LIMBS];
            if i <= k {
                direct += ai * bj;
            } else {
                wrapped += ai * bj;
            }
        }
        direct + three * wrapped
    })
}

/// Constraints `c_k - (a * b)_k` for `k = 0..5`, each of degree 2.
fn mul_constraints<A: Algebra>(alg: &mut A, a: &[A::V], b: &[A::V], c: &[A::V]) -> [A::V; LIMBS] {
    core::array::from_fn(|k| {
        let mut acc = c[k];
        for (i, &ai) in a.iter().enumerate().take(LIMBS) {
            let bj = b[(k + LIMBS - i) % LIMBS];
            // Wrapped terms come around through z^5 = 3.
            let coeff = if i <= k { -1 } else { -3 };
            acc = alg.arith(coeff, ai, bj, 1, acc);
        }
        acc
    })
}

/// Gate for `c = a * b` in GF(p^5), `num_ops` independent products per row.
///
/// Operation `op` occupies routed wires `15 op .. 15 op + 15`: limbs of `a`, then `b`, then `c`,
/// coefficient of `z^0` first. Unused operations of a partially filled row keep all-zero wires,
/// which satisfy `0 = 0 * 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gfp5MulGate {
    /// Products per row.
    pub num_ops: usize,
}

impl Gfp5MulGate {
    /// As many products per row as the routed wires allow (5 with the standard recursion config).
    pub fn new_from_config(config: &CircuitConfig) -> Self {
        Self {
            num_ops: config.num_routed_wires.min(config.num_wires) / WIRES_PER_OP,
        }
    }

    /// Wire of limb `i` of the left factor `a` in operation `op`.
    pub fn wire_a(op: usize, i: usize) -> usize {
        debug_assert!(i < LIMBS);
        WIRES_PER_OP * op + i
    }

    /// Wire of limb `i` of the right factor `b` in operation `op`.
    pub fn wire_b(op: usize, i: usize) -> usize {
        debug_assert!(i < LIMBS);
        WIRES_PER_OP * op + LIMBS + i
    }

    /// Wire of limb `i` of the product `c` in operation `op`.
    pub fn wire_c(op: usize, i: usize) -> usize {
        debug_assert!(i < LIMBS);
        WIRES_PER_OP * op + 2 * LIMBS + i
    }
}

impl AlgebraicGate for Gfp5MulGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let mut constraints = Vec::with_capacity(LIMBS * self.num_ops);
        for op in 0..self.num_ops {
            let start = WIRES_PER_OP * op;
            let a = &wires[start..start + LIMBS];
            let b = &wires[start + LIMBS..start + 2 * LIMBS];
            let c = &wires[start + 2 * LIMBS..start + 3 * LIMBS];
            constraints.extend(mul_constraints(alg, a, b, c));
        }
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for Gfp5MulGate {
    fn id(&self) -> String {
        format!("{self:?}")
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.num_ops)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let num_ops = src.read_usize()?;
        if num_ops == 0 {
            return Err(IoError);
        }
        Ok(Self { num_ops })
    }

    crate::gadgets::algebraic::algebraic_gate_evals!();

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        (0..self.num_ops)
            .map(|op| WitnessGeneratorRef::new(Gfp5MulGenerator { row, op }.adapter()))
            .collect()
    }

    fn num_wires(&self) -> usize {
        WIRES_PER_OP * self.num_ops
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        2
    }

    fn num_constraints(&self) -> usize {
        LIMBS * self.num_ops
    }

    fn num_ops(&self) -> usize {
        self.num_ops
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(Gfp5MulGate);

/// Computes the product of one [`Gfp5MulGate`] operation.
#[derive(Clone, Debug, Default)]
pub struct Gfp5MulGenerator {
    row: usize,
    op: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for Gfp5MulGenerator {
    fn id(&self) -> String {
        "Gfp5MulGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (0..LIMBS)
            .flat_map(|i| {
                [
                    Target::wire(self.row, Gfp5MulGate::wire_a(self.op, i)),
                    Target::wire(self.row, Gfp5MulGate::wire_b(self.op, i)),
                ]
            })
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let read = |wire: fn(usize, usize) -> usize| -> [F; LIMBS] {
            core::array::from_fn(|i| witness.get_target(Target::wire(self.row, wire(self.op, i))))
        };
        let c = mul_limbs(&read(Gfp5MulGate::wire_a), &read(Gfp5MulGate::wire_b));
        for (i, &ci) in c.iter().enumerate() {
            out.set_target(Target::wire(self.row, Gfp5MulGate::wire_c(self.op, i)), ci)?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.op)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let op = src.read_usize()?;
        Ok(Self { row, op })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::ecgfp5::Gfp5;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    fn gate() -> Gfp5MulGate {
        Gfp5MulGate::new_from_config(&CircuitConfig::standard_recursion_config())
    }

    #[test]
    fn gfp5_mul_gate_fits_5_products_per_row_with_standard_config() {
        assert_eq!(gate().num_ops, 5, "expected 5 ops, got {}", gate().num_ops);
    }

    #[test]
    fn gfp5_mul_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(gate());
    }

    #[test]
    fn gfp5_mul_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(gate()).unwrap();
    }

    #[test]
    fn mul_limbs_matches_native_gfp5_product() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let (a, b) = (Gfp5::random(&mut rng), Gfp5::random(&mut rng));
            let got = Gfp5::from_elements(&mul_limbs(&a.to_elements(), &b.to_elements()));
            assert_eq!(
                got,
                a * b,
                "expected {:?} * {:?} = {:?}, got {got:?}",
                a,
                b,
                a * b
            );
        }
    }

    #[test]
    fn gfp5_mul_gate_accepts_honest_row_and_rejects_tampered_ones() {
        let gate = gate();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut wires = vec![0u64; Gate::<F, D>::num_wires(&gate)];
        for op in 0..gate.num_ops {
            let (a, b) = (Gfp5::random(&mut rng), Gfp5::random(&mut rng));
            let c = a * b;
            for i in 0..LIMBS {
                wires[Gfp5MulGate::wire_a(op, i)] = a.to_limbs()[i];
                wires[Gfp5MulGate::wire_b(op, i)] = b.to_limbs()[i];
                wires[Gfp5MulGate::wire_c(op, i)] = c.to_limbs()[i];
            }
        }
        assert_satisfied(&gate, &wires, &[]);

        for wire in [
            Gfp5MulGate::wire_c(0, 0),
            Gfp5MulGate::wire_c(2, 4),
            Gfp5MulGate::wire_a(4, 3),
            Gfp5MulGate::wire_b(1, 1),
        ] {
            let value = (wires[wire] + rng.gen_range(1..1000)) % crate::ecgfp5::field::P;
            assert_tamper_caught(&gate, &wires, &[], wire, value);
        }
    }
}
