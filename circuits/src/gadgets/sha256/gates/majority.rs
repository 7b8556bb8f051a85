//! The second half of a SHA-256 round: the new `a = T1 + Σ0(a) + Maj(a, b, c) mod 2^32`, in one row.

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

use super::{carry_bits, read_bounded, read_word, set_wires, AlgebraicGate};
use crate::gadgets::sha256::algebra::{boolean, le_sum, maj, sigma_bit, word_bits, Algebra};
use crate::gadgets::sha256::native::{self, bits_le, BIG_SIGMA0, WORD_BITS};

/// Gate for `a' = T1 + Σ0(a) + Maj(a, b, c) mod 2^32`.
///
/// Routed wires: `a, b, c` (input words), `T1` (the [`super::Sha256ChoiceGate`] output, below
/// 5 * 2^32) and `a'` (output). Advice wires: the bits of `a`, `b`, `c` and a 3-bit carry. The
/// gate checks that `a, b, c` are words; `a'` is range-checked by the row that decomposes it next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sha256MajorityGate;

impl Sha256MajorityGate {
    /// Wire of input word `a`.
    pub const WIRE_A: usize = 0;
    /// Wire of input word `b`.
    pub const WIRE_B: usize = 1;
    /// Wire of input word `c`.
    pub const WIRE_C: usize = 2;
    /// Wire of the unreduced `T1`.
    pub const WIRE_T1: usize = 3;
    /// Wire of the new `a`.
    pub const WIRE_A_NEXT: usize = 4;
    const START_BITS: usize = 5;
    const START_CARRY: usize = Self::START_BITS + 3 * WORD_BITS;
    /// Carry bits: `T1 + Σ0 + Maj` is below 7 * 2^32.
    const CARRY_BITS: usize = 3;
    /// Wires the gate uses.
    pub const NUM_WIRES: usize = Self::START_CARRY + Self::CARRY_BITS;
    const NUM_CONSTRAINTS: usize = 3 * (WORD_BITS + 1) + Self::CARRY_BITS + 1;
    /// `T1` is a sum of five words.
    const T1_BITS: u32 = 35;

    /// Wires of the little-endian bits of input `word` (0 = `a`, 1 = `b`, 2 = `c`).
    fn bits(word: usize) -> core::ops::Range<usize> {
        let start = Self::START_BITS + word * WORD_BITS;
        start..start + WORD_BITS
    }

    /// Adds the gate, reading `a, b, c` from `state` (`a..h`). Returns the new `a`.
    pub fn apply<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        state: &[Target; 8],
        t1: Target,
    ) -> Target {
        let row = builder.add_gate(Self, vec![]);
        for (input, wire) in [
            (state[0], Self::WIRE_A),
            (state[1], Self::WIRE_B),
            (state[2], Self::WIRE_C),
            (t1, Self::WIRE_T1),
        ] {
            builder.connect(input, Target::wire(row, wire));
        }
        Target::wire(row, Self::WIRE_A_NEXT)
    }

    /// All wire values of an honest row, from its inputs.
    pub fn wire_values(a: u32, b: u32, c: u32, t1: u64) -> Vec<u64> {
        let sum = t1 + u64::from(BIG_SIGMA0.apply(a)) + u64::from(native::maj(a, b, c));
        let mut wires = vec![
            u64::from(a),
            u64::from(b),
            u64::from(c),
            t1,
            sum & 0xffff_ffff,
        ];
        for word in [a, b, c] {
            wires.extend(bits_le(word));
        }
        wires.extend(carry_bits::<{ Self::CARRY_BITS }>(sum >> 32));
        wires
    }
}

impl AlgebraicGate for Sha256MajorityGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let [a_bits, b_bits, c_bits] = [0, 1, 2].map(|i| &wires[Self::bits(i)]);
        let mut constraints = Vec::with_capacity(Self::NUM_CONSTRAINTS);
        for (word, bits) in [
            (Self::WIRE_A, a_bits),
            (Self::WIRE_B, b_bits),
            (Self::WIRE_C, c_bits),
        ] {
            constraints.extend(word_bits(alg, wires[word], bits));
        }
        let carry = &wires[Self::START_CARRY..Self::NUM_WIRES];
        for &c in carry {
            constraints.push(boolean(alg, c));
        }

        // a' + 2^32 carry = T1 + Σ0(a) + Maj(a, b, c).
        let terms: Vec<A::V> = (0..WORD_BITS)
            .map(|i| {
                let sigma = sigma_bit(alg, BIG_SIGMA0, a_bits, i);
                let majority = maj(alg, a_bits[i], b_bits[i], c_bits[i]);
                alg.add(sigma, majority)
            })
            .collect();
        let t2 = le_sum(alg, &terms);
        let rhs = alg.add(wires[Self::WIRE_T1], t2);
        let carry = le_sum(alg, carry);
        let lhs = alg.scale_add(1 << 32, carry, wires[Self::WIRE_A_NEXT]);
        constraints.push(alg.sub(lhs, rhs));
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for Sha256MajorityGate {
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
            MajorityGenerator { row }.adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        Self::NUM_WIRES
    }

    fn num_constants(&self) -> usize {
        0
    }

    // Σ0 XORs three bits; Maj multiplies three.
    fn degree(&self) -> usize {
        3
    }

    fn num_constraints(&self) -> usize {
        Self::NUM_CONSTRAINTS
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(Sha256MajorityGate);

/// Fills a [`Sha256MajorityGate`] row from its inputs.
#[derive(Clone, Debug, Default)]
pub struct MajorityGenerator {
    row: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for MajorityGenerator {
    fn id(&self) -> String {
        "Sha256MajorityGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (Sha256MajorityGate::WIRE_A..=Sha256MajorityGate::WIRE_T1)
            .map(|wire| Target::wire(self.row, wire))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let row = self.row;
        let context = |name: &str| format!("SHA-256 majority gate at row {row}, input {name}");
        let a = read_word(
            witness,
            Target::wire(row, Sha256MajorityGate::WIRE_A),
            &context("a"),
        )?;
        let b = read_word(
            witness,
            Target::wire(row, Sha256MajorityGate::WIRE_B),
            &context("b"),
        )?;
        let c = read_word(
            witness,
            Target::wire(row, Sha256MajorityGate::WIRE_C),
            &context("c"),
        )?;
        let t1 = read_bounded(
            witness,
            Target::wire(row, Sha256MajorityGate::WIRE_T1),
            Sha256MajorityGate::T1_BITS,
            &context("T1"),
        )?;
        let values = Sha256MajorityGate::wire_values(a, b, c, t1);
        let start = Sha256MajorityGate::WIRE_A_NEXT;
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
    fn majority_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(Sha256MajorityGate);
    }

    #[test]
    fn majority_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(Sha256MajorityGate).unwrap();
    }

    #[test]
    fn majority_gate_accepts_honest_row_and_rejects_tampered_ones() {
        let (a, b, c) = (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372);
        // The largest T1 a choice gate can produce.
        let t1 = 5 * 0xffff_ffffu64;
        let wires = Sha256MajorityGate::wire_values(a, b, c, t1);
        assert_eq!(wires.len(), Sha256MajorityGate::NUM_WIRES);
        assert_satisfied(&Sha256MajorityGate, &wires, &[]);

        let expected_a = (t1 as u32)
            .wrapping_add(BIG_SIGMA0.apply(a))
            .wrapping_add(native::maj(a, b, c));
        assert_eq!(
            wires[Sha256MajorityGate::WIRE_A_NEXT],
            u64::from(expected_a),
            "new a: expected {expected_a:#x}, got {:#x}",
            wires[Sha256MajorityGate::WIRE_A_NEXT]
        );

        let flip = |wire: usize| wires[wire] ^ 1;
        for (wire, value) in [
            (
                Sha256MajorityGate::WIRE_A_NEXT,
                wires[Sha256MajorityGate::WIRE_A_NEXT] ^ 0x8000_0000,
            ),
            (
                Sha256MajorityGate::WIRE_T1,
                wires[Sha256MajorityGate::WIRE_T1] + 2,
            ),
            (
                Sha256MajorityGate::START_BITS,
                flip(Sha256MajorityGate::START_BITS),
            ),
            (
                Sha256MajorityGate::START_BITS + 33,
                flip(Sha256MajorityGate::START_BITS + 33),
            ),
            (
                Sha256MajorityGate::START_BITS + 95,
                flip(Sha256MajorityGate::START_BITS + 95),
            ),
            (
                Sha256MajorityGate::START_CARRY + 1,
                flip(Sha256MajorityGate::START_CARRY + 1),
            ),
        ] {
            assert_tamper_caught(&Sha256MajorityGate, &wires, &[], wire, value);
        }
    }
}
