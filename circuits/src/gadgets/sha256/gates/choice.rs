//! The first half of a SHA-256 round: `T1 = h + Σ1(e) + Ch(e, f, g) + K_t + W_t` and the new
//! `e = d + T1 mod 2^32`, in one row.

use anyhow::{anyhow, Result};
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
use crate::gadgets::sha256::algebra::{boolean, ch, le_sum, sigma_bit, word_bits, Algebra};
use crate::gadgets::sha256::native::{self, bits_le, BIG_SIGMA1, WORD_BITS};

/// Gate for `T1 = h + Σ1(e) + Ch(e, f, g) + K + W` and `e' = d + T1 mod 2^32`; `K` is its constant.
///
/// Routed wires: `e, f, g, h, d, W` (inputs, 32-bit words), `T1` (unreduced, below 5 * 2^32)
/// and `e'` (output). Advice wires: the bits of `e`, `f`, `g` and a 3-bit carry. The gate checks
/// that `e, f, g` are words (their bits are boolean and sum to them); `e'` is range-checked by the
/// row that decomposes it next (the next round's `e`), and `h, d, W` must be words already.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sha256ChoiceGate;

impl Sha256ChoiceGate {
    /// Wire of input word `e`.
    pub const WIRE_E: usize = 0;
    /// Wire of input word `f`.
    pub const WIRE_F: usize = 1;
    /// Wire of input word `g`.
    pub const WIRE_G: usize = 2;
    /// Wire of input word `h`.
    pub const WIRE_H: usize = 3;
    /// Wire of input word `d`.
    pub const WIRE_D: usize = 4;
    /// Wire of the schedule word `W_t`.
    pub const WIRE_W: usize = 5;
    /// Wire of the unreduced `T1`.
    pub const WIRE_T1: usize = 6;
    /// Wire of the new `e`.
    pub const WIRE_E_NEXT: usize = 7;
    const START_BITS: usize = 8;
    const START_CARRY: usize = Self::START_BITS + 3 * WORD_BITS;
    /// Carry bits: `d + T1` is below 6 * 2^32.
    const CARRY_BITS: usize = 3;
    /// Wires the gate uses.
    pub const NUM_WIRES: usize = Self::START_CARRY + Self::CARRY_BITS;
    const NUM_CONSTRAINTS: usize = 3 * (WORD_BITS + 1) + Self::CARRY_BITS + 2;

    /// Wires of the little-endian bits of input `word` (0 = `e`, 1 = `f`, 2 = `g`).
    fn bits(word: usize) -> core::ops::Range<usize> {
        let start = Self::START_BITS + word * WORD_BITS;
        start..start + WORD_BITS
    }

    /// Adds the gate for round constant `k`, reading `e, f, g, h, d` from `state` (`a..h`).
    /// Returns `(T1, e')`.
    pub fn apply<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        state: &[Target; 8],
        w: Target,
        k: u32,
    ) -> (Target, Target) {
        let row = builder.add_gate(Self, vec![F::from_canonical_u32(k)]);
        let [_, _, _, d, e, f, g, h] = *state;
        for (input, wire) in [
            (e, Self::WIRE_E),
            (f, Self::WIRE_F),
            (g, Self::WIRE_G),
            (h, Self::WIRE_H),
            (d, Self::WIRE_D),
            (w, Self::WIRE_W),
        ] {
            builder.connect(input, Target::wire(row, wire));
        }
        (
            Target::wire(row, Self::WIRE_T1),
            Target::wire(row, Self::WIRE_E_NEXT),
        )
    }

    /// All wire values of an honest row, from its input words and round constant.
    pub fn wire_values(e: u32, f: u32, g: u32, h: u32, d: u32, w: u32, k: u32) -> Vec<u64> {
        let t1 = u64::from(h)
            + u64::from(BIG_SIGMA1.apply(e))
            + u64::from(native::ch(e, f, g))
            + u64::from(k)
            + u64::from(w);
        let sum = u64::from(d) + t1;
        let mut wires = vec![
            u64::from(e),
            u64::from(f),
            u64::from(g),
            u64::from(h),
            u64::from(d),
            u64::from(w),
            t1,
            sum & 0xffff_ffff,
        ];
        for word in [e, f, g] {
            wires.extend(bits_le(word));
        }
        wires.extend(carry_bits::<{ Self::CARRY_BITS }>(sum >> 32));
        wires
    }
}

impl AlgebraicGate for Sha256ChoiceGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        constants: &[A::V],
    ) -> Vec<A::V> {
        let [e_bits, f_bits, g_bits] = [0, 1, 2].map(|i| &wires[Self::bits(i)]);
        let mut constraints = Vec::with_capacity(Self::NUM_CONSTRAINTS);
        for (word, bits) in [
            (Self::WIRE_E, e_bits),
            (Self::WIRE_F, f_bits),
            (Self::WIRE_G, g_bits),
        ] {
            constraints.extend(word_bits(alg, wires[word], bits));
        }
        let carry = &wires[Self::START_CARRY..Self::NUM_WIRES];
        for &c in carry {
            constraints.push(boolean(alg, c));
        }

        // Σ1(e) + Ch(e, f, g), bit by bit, summed as one word-sized value.
        let terms: Vec<A::V> = (0..WORD_BITS)
            .map(|i| {
                let sigma = sigma_bit(alg, BIG_SIGMA1, e_bits, i);
                let choice = ch(alg, e_bits[i], f_bits[i], g_bits[i]);
                alg.add(sigma, choice)
            })
            .collect();
        let mut t1 = le_sum(alg, &terms);
        for addend in [wires[Self::WIRE_H], wires[Self::WIRE_W], constants[0]] {
            t1 = alg.add(t1, addend);
        }
        constraints.push(alg.sub(wires[Self::WIRE_T1], t1));

        // e' + 2^32 carry = d + T1.
        let carry = le_sum(alg, carry);
        let lhs = alg.scale_add(1 << 32, carry, wires[Self::WIRE_E_NEXT]);
        let rhs = alg.add(wires[Self::WIRE_D], wires[Self::WIRE_T1]);
        constraints.push(alg.sub(lhs, rhs));
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for Sha256ChoiceGate {
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

    fn generators(&self, row: usize, local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        let generator = ChoiceGenerator {
            row,
            k: local_constants[0].to_canonical_u64(),
        };
        vec![WitnessGeneratorRef::new(generator.adapter())]
    }

    fn num_wires(&self) -> usize {
        Self::NUM_WIRES
    }

    fn num_constants(&self) -> usize {
        1
    }

    // Σ1 XORs three bits.
    fn degree(&self) -> usize {
        3
    }

    fn num_constraints(&self) -> usize {
        Self::NUM_CONSTRAINTS
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(Sha256ChoiceGate);

/// Fills a [`Sha256ChoiceGate`] row from its input words.
#[derive(Clone, Debug, Default)]
pub struct ChoiceGenerator {
    row: usize,
    /// The round constant (the gate's constant).
    k: u64,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for ChoiceGenerator {
    fn id(&self) -> String {
        "Sha256ChoiceGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (Sha256ChoiceGate::WIRE_E..=Sha256ChoiceGate::WIRE_W)
            .map(|wire| Target::wire(self.row, wire))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let row = self.row;
        let word = |wire: usize, name: &str| {
            read_word(
                witness,
                Target::wire(row, wire),
                &format!("SHA-256 choice gate at row {row}, input {name}"),
            )
        };
        let e = word(Sha256ChoiceGate::WIRE_E, "e")?;
        let f = word(Sha256ChoiceGate::WIRE_F, "f")?;
        let g = word(Sha256ChoiceGate::WIRE_G, "g")?;
        let h = word(Sha256ChoiceGate::WIRE_H, "h")?;
        let d = word(Sha256ChoiceGate::WIRE_D, "d")?;
        let w = word(Sha256ChoiceGate::WIRE_W, "W")?;
        let k = u32::try_from(self.k).map_err(|_| {
            anyhow!(
                "SHA-256 choice gate at row {row}: round constant must be a 32-bit word, got {}",
                self.k
            )
        })?;
        let values = Sha256ChoiceGate::wire_values(e, f, g, h, d, w, k);
        let start = Sha256ChoiceGate::WIRE_T1;
        set_wires(out, row, start, &values[start..])
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_field(F::from_canonical_u64(self.k))
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let k = src.read_field::<F>()?.to_canonical_u64();
        Ok(Self { row, k })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Field;
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;

    use super::*;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    #[test]
    fn choice_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(Sha256ChoiceGate);
    }

    #[test]
    fn choice_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(Sha256ChoiceGate).unwrap();
    }

    #[test]
    fn choice_gate_accepts_honest_row_and_rejects_tampered_ones() {
        let (e, f, g, h, d, w) = (
            0x510e_527f,
            0x9b05_688c,
            0x1f83_d9ab,
            0xffff_ffff,
            0xfedc_ba98,
            0xdead_beef,
        );
        let k = native::ROUND_CONSTANTS[7];
        let wires = Sha256ChoiceGate::wire_values(e, f, g, h, d, w, k);
        let constants = [u64::from(k)];
        assert_eq!(wires.len(), Sha256ChoiceGate::NUM_WIRES);
        assert_satisfied(&Sha256ChoiceGate, &wires, &constants);

        let expected_e = d
            .wrapping_add(h)
            .wrapping_add(BIG_SIGMA1.apply(e))
            .wrapping_add(native::ch(e, f, g))
            .wrapping_add(k)
            .wrapping_add(w);
        assert_eq!(
            wires[Sha256ChoiceGate::WIRE_E_NEXT],
            u64::from(expected_e),
            "new e: expected {expected_e:#x}, got {:#x}",
            wires[Sha256ChoiceGate::WIRE_E_NEXT]
        );

        // A wrong output, a wrong T1, a flipped bit of each input, a shifted carry.
        let flip = |wire: usize| wires[wire] ^ 1;
        for (wire, value) in [
            (
                Sha256ChoiceGate::WIRE_E_NEXT,
                wires[Sha256ChoiceGate::WIRE_E_NEXT] + 1,
            ),
            (
                Sha256ChoiceGate::WIRE_E_NEXT,
                wires[Sha256ChoiceGate::WIRE_E_NEXT] + (1 << 32),
            ),
            (
                Sha256ChoiceGate::WIRE_T1,
                wires[Sha256ChoiceGate::WIRE_T1] + 1,
            ),
            (
                Sha256ChoiceGate::START_BITS + 3,
                flip(Sha256ChoiceGate::START_BITS + 3),
            ),
            (
                Sha256ChoiceGate::START_BITS + 40,
                flip(Sha256ChoiceGate::START_BITS + 40),
            ),
            (
                Sha256ChoiceGate::START_BITS + 90,
                flip(Sha256ChoiceGate::START_BITS + 90),
            ),
            (
                Sha256ChoiceGate::START_CARRY,
                flip(Sha256ChoiceGate::START_CARRY),
            ),
            (Sha256ChoiceGate::START_CARRY + 2, 2),
        ] {
            assert_tamper_caught(&Sha256ChoiceGate, &wires, &constants, wire, value);
        }
        // A different round constant breaks the row too.
        let wrong_k = [u64::from(k) + 1];
        let evals =
            crate::gadgets::sha256::gates::testing::eval(&Sha256ChoiceGate, &wires, &wrong_k);
        assert!(
            evals.iter().any(|e| !e.is_zero()),
            "expected a wrong round constant to violate a constraint, got none"
        );
    }
}
