//! Addition of two words mod 2^32, several to a row; the sum must be range-checked by the caller.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::PartitionWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::util::serialization::{Buffer, IoError, IoResult, Read, Write};

use super::{read_word, set_wires, AlgebraicGate};
use crate::gadgets::sha256::algebra::{boolean, Algebra};

/// Gate for `out = x + y - 2^32 c` with a boolean carry `c`, per operation.
///
/// Routed wires per operation: `x`, `y`, `out`; the carry is an advice wire. With `x, y` words,
/// the gate alone also accepts `out + 2^32` when the true carry is 0: `out` must be range-checked
/// (e.g. by [`super::U32BitsGate::split`]) for `out = (x + y) mod 2^32` to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U32AddGate {
    /// Additions per row.
    pub num_ops: usize,
}

impl U32AddGate {
    /// As many additions per row as the wires allow (26 with the standard recursion config).
    pub fn new_from_config(config: &CircuitConfig) -> Self {
        let by_routed = config.num_routed_wires / 3;
        let by_total = config.num_wires / 4;
        Self {
            num_ops: by_routed.min(by_total),
        }
    }

    /// Wire of addend `x` in operation `op`.
    pub fn wire_x(op: usize) -> usize {
        3 * op
    }

    /// Wire of addend `y` in operation `op`.
    pub fn wire_y(op: usize) -> usize {
        3 * op + 1
    }

    /// Wire of the sum in operation `op`.
    pub fn wire_out(op: usize) -> usize {
        3 * op + 2
    }

    /// Wire of the carry in operation `op`.
    pub fn wire_carry(&self, op: usize) -> usize {
        3 * self.num_ops + op
    }

    /// `(x + y) mod 2^32` for words `x, y`, **provided the caller range-checks the result**.
    pub fn add_unchecked<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        x: Target,
        y: Target,
    ) -> Target {
        let gate = Self::new_from_config(&builder.config);
        let (row, op) = builder.find_slot(gate, &[], &[]);
        builder.connect(x, Target::wire(row, Self::wire_x(op)));
        builder.connect(y, Target::wire(row, Self::wire_y(op)));
        Target::wire(row, Self::wire_out(op))
    }
}

impl AlgebraicGate for U32AddGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let mut constraints = Vec::with_capacity(2 * self.num_ops);
        for op in 0..self.num_ops {
            let carry = wires[self.wire_carry(op)];
            constraints.push(boolean(alg, carry));
            // out + 2^32 c - (x + y)
            let lhs = alg.scale_add(1 << 32, carry, wires[Self::wire_out(op)]);
            let rhs = alg.add(wires[Self::wire_x(op)], wires[Self::wire_y(op)]);
            constraints.push(alg.sub(lhs, rhs));
        }
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for U32AddGate {
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
            .map(|op| {
                let generator = AddGenerator {
                    row,
                    op,
                    carry_wire: self.wire_carry(op),
                };
                WitnessGeneratorRef::new(generator.adapter())
            })
            .collect()
    }

    fn num_wires(&self) -> usize {
        4 * self.num_ops
    }

    fn num_constants(&self) -> usize {
        0
    }

    // Booleanity of the carry.
    fn degree(&self) -> usize {
        2
    }

    fn num_constraints(&self) -> usize {
        2 * self.num_ops
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(U32AddGate);

/// Computes one [`U32AddGate`] operation's sum and carry.
#[derive(Clone, Debug, Default)]
pub struct AddGenerator {
    row: usize,
    op: usize,
    carry_wire: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for AddGenerator {
    fn id(&self) -> String {
        "U32AddGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![
            Target::wire(self.row, U32AddGate::wire_x(self.op)),
            Target::wire(self.row, U32AddGate::wire_y(self.op)),
        ]
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let context = |name: &str| {
            format!(
                "u32 addition at row {} op {}, addend {name}",
                self.row, self.op
            )
        };
        let x = read_word(
            witness,
            Target::wire(self.row, U32AddGate::wire_x(self.op)),
            &context("x"),
        )?;
        let y = read_word(
            witness,
            Target::wire(self.row, U32AddGate::wire_y(self.op)),
            &context("y"),
        )?;
        let sum = u64::from(x) + u64::from(y);
        set_wires(
            out,
            self.row,
            U32AddGate::wire_out(self.op),
            &[sum & 0xffff_ffff],
        )?;
        set_wires(out, self.row, self.carry_wire, &[sum >> 32])
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.op)?;
        dst.write_usize(self.carry_wire)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let op = src.read_usize()?;
        let carry_wire = src.read_usize()?;
        Ok(Self {
            row,
            op,
            carry_wire,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;

    use super::*;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    fn gate() -> U32AddGate {
        U32AddGate::new_from_config(&CircuitConfig::standard_recursion_config())
    }

    #[test]
    fn u32_add_gate_fits_26_additions_per_row_with_standard_config() {
        assert_eq!(
            gate().num_ops,
            26,
            "expected 26 ops, got {}",
            gate().num_ops
        );
    }

    #[test]
    fn u32_add_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(gate());
    }

    #[test]
    fn u32_add_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(gate()).unwrap();
    }

    #[test]
    fn u32_add_gate_accepts_honest_row_and_rejects_tampered_ones() {
        let gate = gate();
        let mut wires = vec![0u64; Gate::<F, D>::num_wires(&gate)];
        for op in 0..gate.num_ops {
            let x = 0xffff_fff0u64 + op as u64;
            let y = 0x10u64 * op as u64;
            wires[U32AddGate::wire_x(op)] = x;
            wires[U32AddGate::wire_y(op)] = y;
            wires[U32AddGate::wire_out(op)] = (x + y) & 0xffff_ffff;
            wires[gate.wire_carry(op)] = (x + y) >> 32;
        }
        assert_satisfied(&gate, &wires, &[]);

        let out = U32AddGate::wire_out(3);
        let carry = gate.wire_carry(3);
        for (wire, value) in [
            (out, wires[out] + 1),
            (carry, wires[carry] ^ 1),
            (carry, 2),
            (U32AddGate::wire_y(25), wires[U32AddGate::wire_y(25)] + 1),
        ] {
            assert_tamper_caught(&gate, &wires, &[], wire, value);
        }
    }
}
