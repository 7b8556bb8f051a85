//! Custom plonky2 gates for SHA-256: one row per round half, one per schedule word, and
//! small word gates (bits <-> word, addition mod 2^32) packed several to a row.
//!
//! Every word wire a gate reads is tied to 32 boolean bits in the same row, so the gates
//! compute the bitwise functions (Σ/σ, Ch, Maj) as low-degree polynomials in those bits
//! and fold them straight into the word sums: no bit ever needs its own routed wire.

pub mod choice;
pub mod majority;
pub mod schedule;
pub mod u32_add;
pub mod u32_bits;

use anyhow::{anyhow, Result};
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::GeneratedValues;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};

pub use choice::Sha256ChoiceGate;
pub use majority::Sha256MajorityGate;
pub use schedule::Sha256ScheduleGate;
pub use u32_add::U32AddGate;
pub use u32_bits::{U32BitsGate, U32BitsMode};

pub(crate) use crate::gadgets::algebraic::AlgebraicGate;

/// Reads a witness value that must fit in `bits` bits (a word, or a bounded unreduced sum).
pub(crate) fn read_bounded<F: RichField>(
    witness: &PartitionWitness<F>,
    target: Target,
    bits: u32,
    what: &str,
) -> Result<u64> {
    let value = witness.get_target(target).to_canonical_u64();
    if value >> bits != 0 {
        return Err(anyhow!(
            "{what}: expected a value below 2^{bits}, got {value} (input not range-checked?)"
        ));
    }
    Ok(value)
}

/// Reads a witness value that must be a 32-bit word.
pub(crate) fn read_word<F: RichField>(
    witness: &PartitionWitness<F>,
    target: Target,
    what: &str,
) -> Result<u32> {
    // A value below 2^32 always fits in u32.
    Ok(read_bounded(witness, target, 32, what)? as u32)
}

/// Writes `values` to the wires `start..start + values.len()` of `row`.
pub(crate) fn set_wires<F: Field>(
    out: &mut GeneratedValues<F>,
    row: usize,
    start: usize,
    values: &[u64],
) -> Result<()> {
    for (i, &v) in values.iter().enumerate() {
        out.set_target(Target::wire(row, start + i), F::from_canonical_u64(v))?;
    }
    Ok(())
}

/// Little-endian bits of a small carry.
pub(crate) fn carry_bits<const N: usize>(carry: u64) -> [u64; N] {
    std::array::from_fn(|i| (carry >> i) & 1)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Shared checks: honest wires satisfy a gate, tampered wires do not.

    use plonky2::field::extension::Extendable;
    use plonky2::field::goldilocks_field::GoldilocksField;
    use plonky2::field::types::Field;
    use plonky2::gates::gate::Gate;
    use plonky2::hash::hash_types::HashOut;
    use plonky2::plonk::vars::EvaluationVars;

    pub(crate) type F = GoldilocksField;
    pub(crate) const D: usize = 2;
    type FE = <F as Extendable<D>>::Extension;

    /// Evaluates a gate's constraints at one row given its wire and constant values.
    pub(crate) fn eval<G: Gate<F, D>>(gate: &G, wires: &[u64], constants: &[u64]) -> Vec<FE> {
        let wires: Vec<FE> = wires.iter().map(|&w| FE::from_canonical_u64(w)).collect();
        let constants: Vec<FE> = constants
            .iter()
            .map(|&c| FE::from_canonical_u64(c))
            .collect();
        let hash = HashOut::ZERO;
        gate.eval_unfiltered(EvaluationVars {
            local_constants: &constants,
            local_wires: &wires,
            public_inputs_hash: &hash,
        })
    }

    /// Asserts that the honest `wires` satisfy every constraint.
    pub(crate) fn assert_satisfied<G: Gate<F, D>>(gate: &G, wires: &[u64], constants: &[u64]) {
        let evals = eval(gate, wires, constants);
        assert_eq!(
            evals.len(),
            gate.num_constraints(),
            "{}: expected {} constraints, got {}",
            gate.id(),
            gate.num_constraints(),
            evals.len()
        );
        let failing: Vec<usize> = (0..evals.len()).filter(|&i| evals[i] != FE::ZERO).collect();
        assert!(
            failing.is_empty(),
            "{}: expected an honest witness to satisfy all constraints, got failures at {failing:?}",
            gate.id()
        );
    }

    /// Asserts that changing wire `wire` to `value` violates at least one constraint.
    pub(crate) fn assert_tamper_caught<G: Gate<F, D>>(
        gate: &G,
        wires: &[u64],
        constants: &[u64],
        wire: usize,
        value: u64,
    ) {
        let mut tampered = wires.to_vec();
        tampered[wire] = value;
        let evals = eval(gate, &tampered, constants);
        assert!(
            evals.iter().any(|&e| e != FE::ZERO),
            "{}: expected wire {wire} set to {value} (honest {}) to violate a constraint, got none",
            gate.id(),
            wires[wire]
        );
    }
}
