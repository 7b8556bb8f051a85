//! Gate constraints written once, generically: over field values (prover and native
//! verifier, packed or not) and over targets (plonky2's recursive verifier), which keeps
//! `eval_unfiltered`, `eval_unfiltered_base_packed` and `eval_unfiltered_circuit` in
//! lockstep by construction. [`AlgebraicGate`] is such a gate; [`algebraic_gate_evals`] and
//! [`impl_packed_evaluable_base`] write its `Gate` evaluation methods.

use core::marker::PhantomData;

use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
use plonky2::field::types::Field;
use plonky2::gates::util::StridedConstraintConsumer;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::vars::{EvaluationTargets, EvaluationVars};
use plonky2::util::strided_view::PackedStridedView;

/// The arithmetic a constraint is written in: field values or in-circuit targets.
pub(crate) trait Algebra {
    /// A value: a (packed) field element or an extension target.
    type V: Copy;

    /// A small integer constant.
    fn constant(&mut self, c: i64) -> Self::V;
    /// A field constant given by its (possibly non-canonical) 64-bit value.
    fn field_constant(&mut self, c: u64) -> Self::V;
    /// `a + b`.
    fn add(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    fn sub(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `c0 * a * b + c1 * d`: one arithmetic operation in-circuit.
    fn arith(&mut self, c0: i64, a: Self::V, b: Self::V, c1: i64, d: Self::V) -> Self::V;
    /// `c * a + d`.
    fn scale_add(&mut self, c: i64, a: Self::V, d: Self::V) -> Self::V;
}

/// Field values: base, packed base, or extension field (all are `PackedField`s).
pub(crate) struct Native<P>(PhantomData<P>);

impl<P> Native<P> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P: PackedField> Algebra for Native<P> {
    type V = P;

    fn constant(&mut self, c: i64) -> P {
        P::from(P::Scalar::from_noncanonical_i64(c))
    }

    fn field_constant(&mut self, c: u64) -> P {
        P::from(P::Scalar::from_noncanonical_u64(c))
    }

    fn add(&mut self, a: P, b: P) -> P {
        a + b
    }

    fn sub(&mut self, a: P, b: P) -> P {
        a - b
    }

    fn mul(&mut self, a: P, b: P) -> P {
        a * b
    }

    fn arith(&mut self, c0: i64, a: P, b: P, c1: i64, d: P) -> P {
        a * b * P::Scalar::from_noncanonical_i64(c0) + d * P::Scalar::from_noncanonical_i64(c1)
    }

    fn scale_add(&mut self, c: i64, a: P, d: P) -> P {
        a * P::Scalar::from_noncanonical_i64(c) + d
    }
}

/// Extension targets in a circuit that verifies a proof (the recursive verifier).
pub(crate) struct InCircuit<'a, F: RichField + Extendable<D>, const D: usize> {
    pub(crate) builder: &'a mut CircuitBuilder<F, D>,
}

impl<F: RichField + Extendable<D>, const D: usize> Algebra for InCircuit<'_, F, D> {
    type V = ExtensionTarget<D>;

    fn constant(&mut self, c: i64) -> Self::V {
        self.builder
            .constant_extension(F::Extension::from_noncanonical_i64(c))
    }

    fn field_constant(&mut self, c: u64) -> Self::V {
        self.builder
            .constant_extension(F::Extension::from_noncanonical_u64(c))
    }

    fn add(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.builder.add_extension(a, b)
    }

    fn sub(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.builder.sub_extension(a, b)
    }

    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.builder.mul_extension(a, b)
    }

    fn arith(&mut self, c0: i64, a: Self::V, b: Self::V, c1: i64, d: Self::V) -> Self::V {
        self.builder.arithmetic_extension(
            F::from_noncanonical_i64(c0),
            F::from_noncanonical_i64(c1),
            a,
            b,
            d,
        )
    }

    fn scale_add(&mut self, c: i64, a: Self::V, d: Self::V) -> Self::V {
        let one = self.builder.one_extension();
        self.builder
            .arithmetic_extension(F::from_noncanonical_i64(c), F::ONE, a, one, d)
    }
}

/// A gate whose constraints are written once, over any [`Algebra`].
pub(crate) trait AlgebraicGate {
    /// The gate's constraints, in the order `Gate::eval_unfiltered` returns them.
    fn constraints<A: Algebra>(&self, alg: &mut A, wires: &[A::V], constants: &[A::V])
        -> Vec<A::V>;
}

/// `Gate::eval_unfiltered` for an [`AlgebraicGate`].
pub(crate) fn eval_extension<F, G, const D: usize>(
    gate: &G,
    vars: EvaluationVars<F, D>,
) -> Vec<F::Extension>
where
    F: RichField + Extendable<D>,
    G: AlgebraicGate,
{
    gate.constraints(
        &mut Native::<F::Extension>::new(),
        vars.local_wires,
        vars.local_constants,
    )
}

/// Base-field evaluation (packed or one point) for an [`AlgebraicGate`].
pub(crate) fn eval_base<P, G>(
    gate: &G,
    num_wires: usize,
    num_constants: usize,
    wires: PackedStridedView<P>,
    constants: PackedStridedView<P>,
    mut yield_constr: StridedConstraintConsumer<P>,
) where
    P: PackedField,
    G: AlgebraicGate,
{
    let wires: Vec<P> = (0..num_wires).map(|i| wires[i]).collect();
    let constants: Vec<P> = (0..num_constants).map(|i| constants[i]).collect();
    yield_constr.many(gate.constraints(&mut Native::<P>::new(), &wires, &constants));
}

/// `Gate::eval_unfiltered_circuit` for an [`AlgebraicGate`].
pub(crate) fn eval_circuit<F, G, const D: usize>(
    gate: &G,
    builder: &mut CircuitBuilder<F, D>,
    vars: EvaluationTargets<D>,
) -> Vec<ExtensionTarget<D>>
where
    F: RichField + Extendable<D>,
    G: AlgebraicGate,
{
    gate.constraints(
        &mut InCircuit { builder },
        vars.local_wires,
        vars.local_constants,
    )
}

/// The four `Gate` evaluation methods of an [`AlgebraicGate`], all through its one
/// `constraints`; expands inside `impl<F, const D: usize> Gate<F, D> for ...`.
macro_rules! algebraic_gate_evals {
    () => {
        fn eval_unfiltered(
            &self,
            vars: plonky2::plonk::vars::EvaluationVars<F, D>,
        ) -> Vec<F::Extension> {
            $crate::gadgets::algebraic::eval_extension(self, vars)
        }

        fn eval_unfiltered_base_one(
            &self,
            vars: plonky2::plonk::vars::EvaluationVarsBase<F>,
            yield_constr: plonky2::gates::util::StridedConstraintConsumer<F>,
        ) {
            $crate::gadgets::algebraic::eval_base(
                self,
                plonky2::gates::gate::Gate::<F, D>::num_wires(self),
                plonky2::gates::gate::Gate::<F, D>::num_constants(self),
                vars.local_wires,
                vars.local_constants,
                yield_constr,
            );
        }

        fn eval_unfiltered_base_batch(
            &self,
            vars_base: plonky2::plonk::vars::EvaluationVarsBaseBatch<F>,
        ) -> Vec<F> {
            plonky2::gates::packed_util::PackedEvaluableBase::<F, D>::eval_unfiltered_base_batch_packed(
                self, vars_base,
            )
        }

        fn eval_unfiltered_circuit(
            &self,
            builder: &mut plonky2::plonk::circuit_builder::CircuitBuilder<F, D>,
            vars: plonky2::plonk::vars::EvaluationTargets<D>,
        ) -> Vec<plonky2::iop::ext_target::ExtensionTarget<D>> {
            $crate::gadgets::algebraic::eval_circuit(self, builder, vars)
        }
    };
}
pub(crate) use algebraic_gate_evals;

/// `PackedEvaluableBase` (the prover's packed evaluation) for an [`AlgebraicGate`].
macro_rules! impl_packed_evaluable_base {
    ($gate:ty) => {
        impl<F, const D: usize> plonky2::gates::packed_util::PackedEvaluableBase<F, D> for $gate
        where
            F: plonky2::hash::hash_types::RichField + plonky2::field::extension::Extendable<D>,
        {
            fn eval_unfiltered_base_packed<P: plonky2::field::packed::PackedField<Scalar = F>>(
                &self,
                vars: plonky2::plonk::vars::EvaluationVarsBasePacked<P>,
                yield_constr: plonky2::gates::util::StridedConstraintConsumer<P>,
            ) {
                $crate::gadgets::algebraic::eval_base(
                    self,
                    plonky2::gates::gate::Gate::<F, D>::num_wires(self),
                    plonky2::gates::gate::Gate::<F, D>::num_constants(self),
                    vars.local_wires,
                    vars.local_constants,
                    yield_constr,
                );
            }
        }
    };
}
pub(crate) use impl_packed_evaluable_base;
