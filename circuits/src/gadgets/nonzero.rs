//! Non-zero checks on tuples of field elements (public keys).

use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;

/// Constraint "if `cond` then not all of `values` are zero": witnesses `c` and
/// `inv` with `(sum c_j v_j) * inv == cond`. When every `v_j` is zero the left side
/// is zero whatever is witnessed, so `cond = 1` is unsatisfiable.
#[derive(Clone, Debug)]
pub struct NonZeroIf {
    coeffs: Vec<Target>,
    inv: Target,
}

impl NonZeroIf {
    /// Adds the constraint; `cond` must be 0 or 1.
    pub fn build<F: RichField + Extendable<D>, const D: usize>(
        builder: &mut CircuitBuilder<F, D>,
        values: &[Target],
        cond: Target,
    ) -> Self {
        let coeffs: Vec<Target> = values
            .iter()
            .map(|_| builder.add_virtual_target())
            .collect();
        let inv = builder.add_virtual_target();
        let mut acc = builder.zero();
        for (c, v) in coeffs.iter().zip(values) {
            acc = builder.mul_add(*c, *v, acc);
        }
        let prod = builder.mul(acc, inv);
        builder.connect(prod, cond);
        Self { coeffs, inv }
    }

    /// Sets the witness for the given values and condition.
    pub fn assign<F: Field>(
        &self,
        pw: &mut PartialWitness<F>,
        values: &[F],
        cond: bool,
    ) -> anyhow::Result<()> {
        let pick = if cond {
            values.iter().position(|v| !v.is_zero())
        } else {
            None
        };
        for (j, c) in self.coeffs.iter().enumerate() {
            pw.set_target(*c, if Some(j) == pick { F::ONE } else { F::ZERO })?;
        }
        let inv = pick.map(|j| values[j].inverse()).unwrap_or(F::ZERO);
        pw.set_target(self.inv, inv)?;
        Ok(())
    }
}
