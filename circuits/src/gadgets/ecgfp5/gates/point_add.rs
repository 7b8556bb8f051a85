//! One EcGFp5 point addition per row.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::formulas::{self, point_at, POINT_LIMBS};
use crate::gadgets::algebraic::AlgebraicGate;
use crate::gadgets::algebraic::{Algebra, Native};

/// Gate for `r = p + q` on EcGFp5 (complete formulas), one addition per row.
///
/// Routed wires `0..20` hold `p`, `20..40` hold `q`, `40..60` hold `r`, each as
/// `[x_num, x_den, u_num, u_den]` with five limbs per coordinate. The twenty constraints have
/// degree 4: no intermediate wires are needed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PointAddGate;

impl PointAddGate {
    /// First wire of the left operand.
    pub const WIRE_P: usize = 0;
    /// First wire of the right operand.
    pub const WIRE_Q: usize = POINT_LIMBS;
    /// First wire of the sum.
    pub const WIRE_R: usize = 2 * POINT_LIMBS;
}

impl AlgebraicGate for PointAddGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let p = point_at(wires, Self::WIRE_P);
        let q = point_at(wires, Self::WIRE_Q);
        let r = point_at(wires, Self::WIRE_R);
        let sum = formulas::add_points(alg, &p, &q);
        let mut constraints = Vec::with_capacity(POINT_LIMBS);
        formulas::push_point_eq(alg, &mut constraints, &r, &sum);
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for PointAddGate {
    fn id(&self) -> String {
        format!("{self:?}")
    }

    fn serialize(&self, _dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        Ok(())
    }

    fn deserialize(_src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self)
    }

    crate::gadgets::algebraic::algebraic_gate_evals!();

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        vec![WitnessGeneratorRef::new(
            PointAddGenerator { row }.adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        3 * POINT_LIMBS
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        4
    }

    fn num_constraints(&self) -> usize {
        POINT_LIMBS
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(PointAddGate);

/// Computes the sum of one [`PointAddGate`] row from its operands.
#[derive(Clone, Debug, Default)]
pub struct PointAddGenerator {
    row: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for PointAddGenerator {
    fn id(&self) -> String {
        "PointAddGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (0..2 * POINT_LIMBS)
            .map(|w| Target::wire(self.row, w))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let inputs: Vec<F> = SimpleGenerator::<F, D>::dependencies(self)
            .into_iter()
            .map(|t| witness.get_target(t))
            .collect();
        let alg = &mut Native::<F>::new();
        let sum = formulas::add_points(
            alg,
            &point_at(&inputs, PointAddGate::WIRE_P),
            &point_at(&inputs, PointAddGate::WIRE_Q),
        );
        for (i, &v) in sum.iter().flatten().enumerate() {
            out.set_target(Target::wire(self.row, PointAddGate::WIRE_R + i), v)?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            row: src.read_usize()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Field;
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::ecgfp5::{Gfp5, Point, Scalar};
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    /// Affine `(x, u)` limbs of `p`, with both dens 1, as 20 wire values.
    fn affine_wires(p: &Point) -> Vec<u64> {
        let (x, u) = p.to_affine();
        [x, Gfp5::ONE, u, Gfp5::ONE]
            .iter()
            .flat_map(|c| c.to_limbs())
            .collect()
    }

    /// The affine point held in 20 wire values.
    fn affine_of(wires: &[u64]) -> (Gfp5, Gfp5) {
        let coord = |c: usize| {
            let l = &wires[5 * c..5 * c + 5];
            Gfp5::from_limbs_canonical(&[l[0], l[1], l[2], l[3], l[4]]).unwrap()
        };
        let x = coord(0) * coord(1).try_inverse().unwrap();
        let u = coord(2) * coord(3).try_inverse().unwrap();
        (x, u)
    }

    /// An honest row for `p + q`, the sum computed by the gate's own formulas.
    fn honest_row(p: &Point, q: &Point) -> Vec<u64> {
        let mut wires = affine_wires(p);
        wires.extend(affine_wires(q));
        let values: Vec<F> = wires.iter().map(|&w| F::from_canonical_u64(w)).collect();
        let sum = formulas::add_points(
            &mut Native::<F>::new(),
            &point_at(&values, PointAddGate::WIRE_P),
            &point_at(&values, PointAddGate::WIRE_Q),
        );
        wires.extend(sum.iter().flatten().map(|v| v.0 % crate::ecgfp5::field::P));
        wires
    }

    #[test]
    fn point_add_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(PointAddGate);
    }

    #[test]
    fn point_add_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(PointAddGate).unwrap();
    }

    #[test]
    fn point_add_gate_accepts_the_sum_and_rejects_tampered_rows() {
        let mut rng = ChaCha8Rng::seed_from_u64(30);
        let p = Point::mulgen(&Scalar::random(&mut rng));
        let q = Point::mulgen(&Scalar::random(&mut rng));
        let wires = honest_row(&p, &q);
        let got = affine_of(&wires[PointAddGate::WIRE_R..]);
        let want = (p + q).to_affine();
        assert_eq!(
            got, want,
            "expected the row's output to be p + q = {want:?}, got {got:?}"
        );
        assert_satisfied(&PointAddGate, &wires, &[]);
        for wire in [0, 7, 23, 39, 40, 52, 59] {
            let value = (wires[wire] + 1) % crate::ecgfp5::field::P;
            assert_tamper_caught(&PointAddGate, &wires, &[], wire, value);
        }
    }
}
