//! One message-schedule word: `W_t = σ1(W_{t-2}) + W_{t-7} + σ0(W_{t-15}) + W_{t-16} mod 2^32`,
//! in one row.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::PartitionWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::{carry_bits, read_word, set_wires, AlgebraicGate};
use crate::gadgets::sha256::algebra::{boolean, le_sum, sigma_bit, word_bits, Algebra};
use crate::gadgets::sha256::native::{bits_le, SMALL_SIGMA0, SMALL_SIGMA1, WORD_BITS};

/// Gate for one message-schedule word `W_t = σ1(W_{t-2}) + W_{t-7} + σ0(W_{t-15}) + W_{t-16} mod 2^32`.
///
/// Routed wires: the four input words and `W_t`. Advice wires: the bits of `W_{t-2}` and
/// `W_{t-15}` and a 2-bit carry. The gate checks that `W_{t-2}` and `W_{t-15}` are words;
/// `W_{t-7}` and `W_{t-16}` must be words already, and `W_t` is range-checked by the row that
/// decomposes it next (or explicitly, for the last two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sha256ScheduleGate;

impl Sha256ScheduleGate {
    /// Wire of `W_{t-2}`.
    pub const WIRE_W2: usize = 0;
    /// Wire of `W_{t-7}`.
    pub const WIRE_W7: usize = 1;
    /// Wire of `W_{t-15}`.
    pub const WIRE_W15: usize = 2;
    /// Wire of `W_{t-16}`.
    pub const WIRE_W16: usize = 3;
    /// Wire of the output `W_t`.
    pub const WIRE_OUT: usize = 4;
    const START_BITS_W2: usize = 5;
    const START_BITS_W15: usize = Self::START_BITS_W2 + WORD_BITS;
    const START_CARRY: usize = Self::START_BITS_W15 + WORD_BITS;
    /// Carry bits: the sum of four words is below 4 * 2^32.
    const CARRY_BITS: usize = 2;
    /// Wires the gate uses.
    pub const NUM_WIRES: usize = Self::START_CARRY + Self::CARRY_BITS;
    const NUM_CONSTRAINTS: usize = 2 * (WORD_BITS + 1) + Self::CARRY_BITS + 1;

    /// Adds the gate. Returns `W_t`.
    pub fn apply<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        w2: Target,
        w7: Target,
        w15: Target,
        w16: Target,
    ) -> Target {
        let row = builder.add_gate(Self, vec![]);
        for (input, wire) in [
            (w2, Self::WIRE_W2),
            (w7, Self::WIRE_W7),
            (w15, Self::WIRE_W15),
            (w16, Self::WIRE_W16),
        ] {
            builder.connect(input, Target::wire(row, wire));
        }
        Target::wire(row, Self::WIRE_OUT)
    }

    /// All wire values of an honest row, from its input words.
    pub fn wire_values(w2: u32, w7: u32, w15: u32, w16: u32) -> Vec<u64> {
        let sum = u64::from(SMALL_SIGMA1.apply(w2))
            + u64::from(w7)
            + u64::from(SMALL_SIGMA0.apply(w15))
            + u64::from(w16);
        let mut wires = vec![
            u64::from(w2),
            u64::from(w7),
            u64::from(w15),
            u64::from(w16),
            sum & 0xffff_ffff,
        ];
        wires.extend(bits_le(w2));
        wires.extend(bits_le(w15));
        wires.extend(carry_bits::<{ Self::CARRY_BITS }>(sum >> 32));
        wires
    }
}

impl AlgebraicGate for Sha256ScheduleGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let w2_bits = &wires[Self::START_BITS_W2..Self::START_BITS_W2 + WORD_BITS];
        let w15_bits = &wires[Self::START_BITS_W15..Self::START_BITS_W15 + WORD_BITS];
        let carry = &wires[Self::START_CARRY..Self::NUM_WIRES];

        let mut constraints = Vec::with_capacity(Self::NUM_CONSTRAINTS);
        constraints.extend(word_bits(alg, wires[Self::WIRE_W2], w2_bits));
        constraints.extend(word_bits(alg, wires[Self::WIRE_W15], w15_bits));
        for &c in carry {
            constraints.push(boolean(alg, c));
        }

        // W_t + 2^32 carry = σ1(W_{t-2}) + σ0(W_{t-15}) + W_{t-7} + W_{t-16}.
        let terms: Vec<A::V> = (0..WORD_BITS)
            .map(|i| {
                let s1 = sigma_bit(alg, SMALL_SIGMA1, w2_bits, i);
                let s0 = sigma_bit(alg, SMALL_SIGMA0, w15_bits, i);
                alg.add(s1, s0)
            })
            .collect();
        let sigmas = le_sum(alg, &terms);
        let words = alg.add(wires[Self::WIRE_W7], wires[Self::WIRE_W16]);
        let rhs = alg.add(sigmas, words);
        let carry = le_sum(alg, carry);
        let lhs = alg.scale_add(1 << 32, carry, wires[Self::WIRE_OUT]);
        constraints.push(alg.sub(lhs, rhs));
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for Sha256ScheduleGate {
    fn id(&self) -> String {
        format!("{self:?}")
    }

    fn serialize(
        &self,
        _dst: &mut Vec<u8>,
        _common_data: &CommonCircuitData<F, D>,
    ) -> IoResult<()> {
        // The layout is fixed: nothing to record.
        Ok(())
    }

    fn deserialize(_src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self)
    }

    crate::gadgets::algebraic::algebraic_gate_evals!();

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        vec![WitnessGeneratorRef::new(
            ScheduleGenerator { row }.adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        Self::NUM_WIRES
    }

    fn num_constants(&self) -> usize {
        0
    }

    // σ0 and σ1 XOR three bits.
    fn degree(&self) -> usize {
        3
    }

    fn num_constraints(&self) -> usize {
        Self::NUM_CONSTRAINTS
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(Sha256ScheduleGate);

/// Fills a [`Sha256ScheduleGate`] row from its input words.
#[derive(Clone, Debug, Default)]
pub struct ScheduleGenerator {
    row: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for ScheduleGenerator {
    fn id(&self) -> String {
        "Sha256ScheduleGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (Sha256ScheduleGate::WIRE_W2..=Sha256ScheduleGate::WIRE_W16)
            .map(|wire| Target::wire(self.row, wire))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let row = self.row;
        let word = |wire: usize, name: &str| {
            read_word(
                witness,
                Target::wire(row, wire),
                &format!("SHA-256 schedule gate at row {row}, input {name}"),
            )
        };
        let w2 = word(Sha256ScheduleGate::WIRE_W2, "W[t-2]")?;
        let w7 = word(Sha256ScheduleGate::WIRE_W7, "W[t-7]")?;
        let w15 = word(Sha256ScheduleGate::WIRE_W15, "W[t-15]")?;
        let w16 = word(Sha256ScheduleGate::WIRE_W16, "W[t-16]")?;
        let values = Sha256ScheduleGate::wire_values(w2, w7, w15, w16);
        let start = Sha256ScheduleGate::WIRE_OUT;
        set_wires(out, row, start, &values[start..])
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            row: src.read_usize()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;

    use super::*;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    #[test]
    fn schedule_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(Sha256ScheduleGate);
    }

    #[test]
    fn schedule_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(Sha256ScheduleGate).unwrap();
    }

    #[test]
    fn schedule_gate_accepts_honest_row_and_rejects_tampered_ones() {
        let (w2, w7, w15, w16) = (0xffff_ffff, 0xffff_fffe, 0x8000_0001, 0xffff_ffff);
        let wires = Sha256ScheduleGate::wire_values(w2, w7, w15, w16);
        assert_eq!(wires.len(), Sha256ScheduleGate::NUM_WIRES);
        assert_satisfied(&Sha256ScheduleGate, &wires, &[]);

        let expected = SMALL_SIGMA1
            .apply(w2)
            .wrapping_add(w7)
            .wrapping_add(SMALL_SIGMA0.apply(w15))
            .wrapping_add(w16);
        assert_eq!(
            wires[Sha256ScheduleGate::WIRE_OUT],
            u64::from(expected),
            "W_t: expected {expected:#x}, got {:#x}",
            wires[Sha256ScheduleGate::WIRE_OUT]
        );

        let flip = |wire: usize| wires[wire] ^ 1;
        for (wire, value) in [
            (
                Sha256ScheduleGate::WIRE_OUT,
                wires[Sha256ScheduleGate::WIRE_OUT] ^ 4,
            ),
            (
                Sha256ScheduleGate::WIRE_W7,
                wires[Sha256ScheduleGate::WIRE_W7] - 1,
            ),
            (
                Sha256ScheduleGate::START_BITS_W2 + 31,
                flip(Sha256ScheduleGate::START_BITS_W2 + 31),
            ),
            (
                Sha256ScheduleGate::START_BITS_W15,
                flip(Sha256ScheduleGate::START_BITS_W15),
            ),
            (
                Sha256ScheduleGate::START_CARRY,
                flip(Sha256ScheduleGate::START_CARRY),
            ),
        ] {
            assert_tamper_caught(&Sha256ScheduleGate, &wires, &[], wire, value);
        }
    }
}
