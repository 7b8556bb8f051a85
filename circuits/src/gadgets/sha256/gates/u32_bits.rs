//! Words and their 32 bits, both routed: packs bits into a word or splits (and so range-checks)
//! a word into bits. Several words share a row.

use core::ops::Range;

use anyhow::{anyhow, Result};
use plonky2::field::extension::Extendable;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::util::serialization::{Buffer, IoError, IoResult, Read, Write};

use super::{read_word, set_wires, AlgebraicGate};
use crate::gadgets::sha256::algebra::{word_bits, Algebra};
use crate::gadgets::sha256::native::{bits_le, WORD_BITS};

/// Which way a [`U32BitsGate`]'s witness flows; the constraints are the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum U32BitsMode {
    /// Bits are given, the word is computed.
    Pack,
    /// The word is given, the bits are computed.
    Split,
}

/// Gate tying words to their little-endian bits: each bit is boolean and `word = sum 2^i bit_i`,
/// so the word is below 2^32. All `1 + 32` wires of a slot are routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U32BitsGate {
    /// Witness direction (part of the gate's identity: the generators differ).
    pub mode: U32BitsMode,
    /// Words per row.
    pub num_slots: usize,
}

impl U32BitsGate {
    const SLOT_WIRES: usize = 1 + WORD_BITS;

    /// As many words per row as the routed wires allow (2 with the standard recursion config).
    pub fn new_from_config(mode: U32BitsMode, config: &CircuitConfig) -> Self {
        let routed = config.num_routed_wires.min(config.num_wires);
        Self {
            mode,
            num_slots: routed / Self::SLOT_WIRES,
        }
    }

    /// Wire of the word in `slot`.
    pub fn wire_word(slot: usize) -> usize {
        slot * Self::SLOT_WIRES
    }

    /// Wires of the little-endian bits in `slot`.
    pub fn wires_bits(slot: usize) -> Range<usize> {
        let start = slot * Self::SLOT_WIRES + 1;
        start..start + WORD_BITS
    }

    /// Packs 32 little-endian bits into a word. The bits are constrained boolean here too.
    ///
    /// # Panics
    /// If `bits_le` does not hold exactly 32 bits (a circuit-construction bug).
    pub fn pack<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        bits_le: &[BoolTarget],
    ) -> Target {
        assert_eq!(
            bits_le.len(),
            WORD_BITS,
            "packing a word: expected {WORD_BITS} bits, got {}",
            bits_le.len()
        );
        let gate = Self::new_from_config(U32BitsMode::Pack, &builder.config);
        let (row, slot) = builder.find_slot(gate, &[], &[]);
        for (bit, wire) in bits_le.iter().zip(Self::wires_bits(slot)) {
            builder.connect(bit.target, Target::wire(row, wire));
        }
        Target::wire(row, Self::wire_word(slot))
    }

    /// Splits a word into its 32 little-endian bits, which range-checks it below 2^32.
    pub fn split<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        word: Target,
    ) -> Vec<BoolTarget> {
        let gate = Self::new_from_config(U32BitsMode::Split, &builder.config);
        let (row, slot) = builder.find_slot(gate, &[], &[]);
        builder.connect(word, Target::wire(row, Self::wire_word(slot)));
        Self::wires_bits(slot)
            // The gate constrains each bit wire to be boolean.
            .map(|wire| BoolTarget::new_unsafe(Target::wire(row, wire)))
            .collect()
    }
}

impl AlgebraicGate for U32BitsGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        (0..self.num_slots)
            .flat_map(|slot| {
                word_bits(
                    alg,
                    wires[Self::wire_word(slot)],
                    &wires[Self::wires_bits(slot)],
                )
            })
            .collect()
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for U32BitsGate {
    fn id(&self) -> String {
        format!("{self:?}")
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_bool(self.mode == U32BitsMode::Split)?;
        dst.write_usize(self.num_slots)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let mode = if src.read_bool()? {
            U32BitsMode::Split
        } else {
            U32BitsMode::Pack
        };
        let num_slots = src.read_usize()?;
        if num_slots == 0 {
            return Err(IoError);
        }
        Ok(Self { mode, num_slots })
    }

    crate::gadgets::algebraic::algebraic_gate_evals!();

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        (0..self.num_slots)
            .map(|slot| match self.mode {
                U32BitsMode::Pack => {
                    WitnessGeneratorRef::new(PackGenerator { row, slot }.adapter())
                }
                U32BitsMode::Split => {
                    WitnessGeneratorRef::new(SplitGenerator { row, slot }.adapter())
                }
            })
            .collect()
    }

    fn num_wires(&self) -> usize {
        self.num_slots * Self::SLOT_WIRES
    }

    fn num_constants(&self) -> usize {
        0
    }

    // Booleanity.
    fn degree(&self) -> usize {
        2
    }

    fn num_constraints(&self) -> usize {
        self.num_slots * (WORD_BITS + 1)
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(U32BitsGate);

/// Computes a [`U32BitsGate`] slot's word from its bits.
#[derive(Clone, Debug, Default)]
pub struct PackGenerator {
    row: usize,
    slot: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for PackGenerator {
    fn id(&self) -> String {
        "U32PackGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        U32BitsGate::wires_bits(self.slot)
            .map(|wire| Target::wire(self.row, wire))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let mut word = 0u64;
        for (i, wire) in U32BitsGate::wires_bits(self.slot).enumerate() {
            let bit = witness
                .get_target(Target::wire(self.row, wire))
                .to_canonical_u64();
            if bit > 1 {
                return Err(anyhow!(
                    "packing a word at row {} slot {}: bit {i} must be 0 or 1, got {bit}",
                    self.row,
                    self.slot
                ));
            }
            word |= bit << i;
        }
        out.set_target(
            Target::wire(self.row, U32BitsGate::wire_word(self.slot)),
            F::from_canonical_u64(word),
        )
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.slot)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let slot = src.read_usize()?;
        Ok(Self { row, slot })
    }
}

/// Computes a [`U32BitsGate`] slot's bits from its word.
#[derive(Clone, Debug, Default)]
pub struct SplitGenerator {
    row: usize,
    slot: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for SplitGenerator {
    fn id(&self) -> String {
        "U32SplitGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![Target::wire(self.row, U32BitsGate::wire_word(self.slot))]
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let word = read_word(
            witness,
            Target::wire(self.row, U32BitsGate::wire_word(self.slot)),
            &format!("splitting a word at row {} slot {}", self.row, self.slot),
        )?;
        let start = U32BitsGate::wires_bits(self.slot).start;
        set_wires(out, self.row, start, &bits_le(word))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.slot)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let slot = src.read_usize()?;
        Ok(Self { row, slot })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;

    use super::*;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    fn gates() -> [U32BitsGate; 2] {
        let config = CircuitConfig::standard_recursion_config();
        [U32BitsMode::Pack, U32BitsMode::Split]
            .map(|mode| U32BitsGate::new_from_config(mode, &config))
    }

    #[test]
    fn u32_bits_gate_fits_two_words_per_row_with_standard_config() {
        for gate in gates() {
            assert_eq!(
                gate.num_slots, 2,
                "{gate:?}: expected 2 slots, got {}",
                gate.num_slots
            );
        }
    }

    #[test]
    fn u32_bits_gate_constraints_have_declared_degree() {
        for gate in gates() {
            test_low_degree::<F, _, D>(gate);
        }
    }

    #[test]
    fn u32_bits_gate_native_and_recursive_evaluations_agree() {
        for gate in gates() {
            test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(gate).unwrap();
        }
    }

    #[test]
    fn u32_bits_gate_accepts_honest_row_and_rejects_tampered_ones() {
        let [gate, _] = gates();
        let words = [0xdead_beefu32, 0xffff_ffff];
        let mut wires = Vec::new();
        for word in words {
            wires.push(u64::from(word));
            wires.extend(bits_le(word));
        }
        assert_satisfied(&gate, &wires, &[]);

        let slot1 = U32BitsGate::wire_word(1);
        for (wire, value) in [
            // 2^32 + x has the same low 32 bits: the sum constraint must catch it.
            (0, wires[0] + (1 << 32)),
            (slot1, wires[slot1] - 1),
            (U32BitsGate::wires_bits(0).start, wires[1] ^ 1),
            // A "bit" of 2 with a compensating lower bit would keep the sum: booleanity catches it.
            (U32BitsGate::wires_bits(1).start + 1, 2),
        ] {
            assert_tamper_caught(&gate, &wires, &[], wire, value);
        }
    }
}
