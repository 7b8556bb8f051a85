//! Several chained EcGFp5 point doublings per row.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::util::serialization::{Buffer, IoError, IoResult, Read, Write};

use super::formulas::{self, point_at, POINT_LIMBS};
use crate::gadgets::algebraic::AlgebraicGate;
use crate::gadgets::algebraic::{Algebra, Native};

/// Gate for `r = 2^count p` on EcGFp5: `count` doublings chained in one row.
///
/// Routed wires `0..20` hold `p` and `20..40` hold `r`, each as `[x_num, x_den, u_num, u_den]`
/// with five limbs per coordinate; the intermediate points `2^j p`, `0 < j < count`, follow in
/// (unrouted) wires from 40 on. Each doubling is checked by twenty constraints of degree 6 in
/// the previous point, so no wires beyond the points themselves are needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointDoubleGate {
    /// Doublings per row.
    pub count: usize,
}

impl PointDoubleGate {
    /// First wire of the input point.
    pub const WIRE_P: usize = 0;
    /// First wire of the output point.
    pub const WIRE_R: usize = POINT_LIMBS;

    /// A gate for `count` doublings, if the configuration has the wires for it.
    pub fn new(config: &CircuitConfig, count: usize) -> Option<Self> {
        let fits = count > 0
            && 2 * POINT_LIMBS <= config.num_routed_wires
            && (count + 1) * POINT_LIMBS <= config.num_wires;
        fits.then_some(Self { count })
    }

    /// First wire of the intermediate point `2^(j + 1) p`, for `j < count - 1`.
    pub fn wire_mid(j: usize) -> usize {
        (2 + j) * POINT_LIMBS
    }

    /// First wire of the input of doubling `j` and of its output.
    fn step_wires(&self, j: usize) -> (usize, usize) {
        let input = if j == 0 {
            Self::WIRE_P
        } else {
            Self::wire_mid(j - 1)
        };
        let output = if j + 1 == self.count {
            Self::WIRE_R
        } else {
            Self::wire_mid(j)
        };
        (input, output)
    }
}

impl AlgebraicGate for PointDoubleGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let mut constraints = Vec::with_capacity(POINT_LIMBS * self.count);
        for j in 0..self.count {
            let (input, output) = self.step_wires(j);
            let doubled = formulas::double_point(alg, &point_at(wires, input));
            let r = point_at(wires, output);
            formulas::push_point_eq(alg, &mut constraints, &r, &doubled);
        }
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for PointDoubleGate {
    fn id(&self) -> String {
        format!("{self:?}")
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.count)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let count = src.read_usize()?;
        if count == 0 {
            return Err(IoError);
        }
        Ok(Self { count })
    }

    crate::gadgets::algebraic::algebraic_gate_evals!();

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        vec![WitnessGeneratorRef::new(
            PointDoubleGenerator { row, gate: *self }.adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        (self.count + 1) * POINT_LIMBS
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        6
    }

    fn num_constraints(&self) -> usize {
        POINT_LIMBS * self.count
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(PointDoubleGate);

/// Computes the intermediate and final points of one [`PointDoubleGate`] row.
#[derive(Clone, Debug)]
pub struct PointDoubleGenerator {
    row: usize,
    gate: PointDoubleGate,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for PointDoubleGenerator {
    fn id(&self) -> String {
        "PointDoubleGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (0..POINT_LIMBS)
            .map(|i| Target::wire(self.row, PointDoubleGate::WIRE_P + i))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let inputs: Vec<F> = SimpleGenerator::<F, D>::dependencies(self)
            .into_iter()
            .map(|t| witness.get_target(t))
            .collect();
        let alg = &mut Native::<F>::new();
        let mut point = point_at(&inputs, 0);
        for j in 0..self.gate.count {
            point = formulas::double_point(alg, &point);
            let (_, output) = self.gate.step_wires(j);
            for (i, &v) in point.iter().flatten().enumerate() {
                out.set_target(Target::wire(self.row, output + i), v)?;
            }
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.gate.count)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let count = src.read_usize()?;
        if count == 0 {
            return Err(IoError);
        }
        Ok(Self {
            row,
            gate: PointDoubleGate { count },
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::ecgfp5::{Gfp5, Point, Scalar};
    use crate::gadgets::ecgfp5::gates::formulas::PointVals;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    fn gate() -> PointDoubleGate {
        PointDoubleGate::new(&CircuitConfig::standard_recursion_config(), 4)
            .expect("four doublings fit the standard config")
    }

    /// An honest row for `2^count p` from affine `p`.
    fn honest_row(gate: &PointDoubleGate, p: &Point) -> Vec<u64> {
        let (x, u) = p.to_affine();
        let mut wires = vec![0u64; Gate::<F, D>::num_wires(gate)];
        let mut point: PointVals<F> = [x, Gfp5::ONE, u, Gfp5::ONE].map(|c| c.to_elements());
        for (c, coord) in point.iter().enumerate() {
            for (i, v) in coord.iter().enumerate() {
                wires[PointDoubleGate::WIRE_P + 5 * c + i] = v.0;
            }
        }
        for j in 0..gate.count {
            point = formulas::double_point(&mut Native::<F>::new(), &point);
            let (_, output) = gate.step_wires(j);
            for (i, v) in point.iter().flatten().enumerate() {
                wires[output + i] = v.0 % crate::ecgfp5::field::P;
            }
        }
        wires
    }

    #[test]
    fn four_doublings_fit_the_standard_config_and_six_do_not() {
        let config = CircuitConfig::standard_recursion_config();
        assert!(
            PointDoubleGate::new(&config, 4).is_some(),
            "expected 4 doublings to fit"
        );
        assert!(
            PointDoubleGate::new(&config, 6).is_none(),
            "expected 6 doublings not to fit"
        );
    }

    #[test]
    fn point_double_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(gate());
    }

    #[test]
    fn point_double_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(gate()).unwrap();
    }

    #[test]
    fn point_double_gate_accepts_sixteen_p_and_rejects_tampered_rows() {
        let gate = gate();
        let mut rng = ChaCha8Rng::seed_from_u64(31);
        let p = Point::mulgen(&Scalar::random(&mut rng));
        let wires = honest_row(&gate, &p);
        let out = &wires[PointDoubleGate::WIRE_R..PointDoubleGate::WIRE_R + POINT_LIMBS];
        let coord = |c: usize| {
            let l = &out[5 * c..5 * c + 5];
            Gfp5::from_limbs_canonical(&[l[0], l[1], l[2], l[3], l[4]]).unwrap()
        };
        let got = (
            coord(0) * coord(1).try_inverse().unwrap(),
            coord(2) * coord(3).try_inverse().unwrap(),
        );
        let want = p.double_n(4).to_affine();
        assert_eq!(
            got, want,
            "expected the row's output to be 16p = {want:?}, got {got:?}"
        );
        assert_satisfied(&gate, &wires, &[]);
        // Input, output, and each intermediate point.
        for wire in [0, 13, 20, 39, 40, 65, 99] {
            let value = (wires[wire] + 1) % crate::ecgfp5::field::P;
            assert_tamper_caught(&gate, &wires, &[], wire, value);
        }
    }
}
