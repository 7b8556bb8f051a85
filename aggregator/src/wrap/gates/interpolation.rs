//! [`CosetInterpolationGate`]: wires hold the values of a polynomial on the coset
//! `shift·H` (`|H| = 2^subgroup_bits`), a point `x`, and the claimed value at
//! `x`; the barycentric evaluation at `x/shift` over `H` runs in chunks of
//! `degree - 1` points, with the running (evaluation, product) pair checked
//! against intermediate wires between chunks.
//!
//! Wires: shift at 0, the values from 1 (pairs), then the point, the value,
//! the intermediate evaluations, the intermediate products, and the shifted
//! point (all pairs).
//! Cost: 2 `mul`s, then 4 inner products per point (the first of each run of
//! the barycentric formula fewer).

use plonky2::field::types::Field;
use plonky2::gates::coset_interpolation::CosetInterpolationGate;

use super::{algebra_dot, lift, pair_sub, GateVars, GenericGate, Pair, D};
use crate::wrap::algebra::{ExtAlgebra, GF, GF2};

/// The gate's wire layout.
struct Layout {
    num_points: usize,
    degree: usize,
    num_intermediates: usize,
}

impl Layout {
    fn of(gate: &CosetInterpolationGate<GF, D>) -> Self {
        let num_points = 1usize << gate.subgroup_bits;
        Self {
            num_points,
            degree: gate.degree,
            num_intermediates: (num_points - 2) / (gate.degree - 1),
        }
    }
    fn value(&self, i: usize) -> usize {
        1 + D * i
    }
    fn evaluation_point(&self) -> usize {
        1 + D * self.num_points
    }
    fn evaluation_value(&self) -> usize {
        self.evaluation_point() + D
    }
    fn intermediate_eval(&self, i: usize) -> usize {
        self.evaluation_value() + D + D * i
    }
    fn intermediate_prod(&self, i: usize) -> usize {
        self.evaluation_value() + D + D * (self.num_intermediates + i)
    }
    fn shifted_evaluation_point(&self) -> usize {
        self.evaluation_value() + D + 2 * D * self.num_intermediates
    }
}

/// Checks what plonky2 itself needs to evaluate the gate without panicking.
pub(crate) fn validate(gate: &CosetInterpolationGate<GF, D>) -> Result<(), String> {
    if gate.subgroup_bits == 0 || gate.subgroup_bits > 32 {
        return Err(format!(
            "subgroup_bits {} outside 1..=32",
            gate.subgroup_bits
        ));
    }
    let num_points = 1usize << gate.subgroup_bits;
    if gate.degree < 2 || gate.degree > num_points {
        return Err(format!("degree {} outside 2..={num_points}", gate.degree));
    }
    if gate.barycentric_weights.len() != num_points {
        return Err(format!(
            "{} barycentric weights for {num_points} points",
            gate.barycentric_weights.len()
        ));
    }
    Ok(())
}

/// The running pair of the barycentric formula; `None` stands for the trivial
/// starting values (evaluation 0, product 1), which need no multiplication.
struct Running<E> {
    eval: Option<Pair<E>>,
    prod: Option<Pair<E>>,
}

/// The barycentric formula's fixed inputs: the domain `H`, the weights, the
/// values on `H` and the (shifted) evaluation point.
struct Barycentric<'a, E> {
    domain: Vec<GF>,
    weights: &'a [GF],
    values: Vec<Pair<E>>,
    x: Pair<E>,
}

impl<E: Clone> Barycentric<'_, E> {
    /// Runs the update over `points` (indices into the domain):
    /// `eval ← eval·(x - x_i) + w_i·v_i·prod`, `prod ← prod·(x - x_i)`. The
    /// final product is computed only if `want_prod`.
    fn run<A: ExtAlgebra<Ext = E>>(
        &self,
        alg: &mut A,
        points: core::ops::Range<usize>,
        mut run: Running<E>,
        want_prod: bool,
    ) -> Result<Running<E>, A::Error> {
        let last = points.end - 1;
        for i in points {
            let (value, weight) = (&self.values[i], self.weights[i]);
            let weighted = [alg.scale(weight, &value[0])?, alg.scale(weight, &value[1])?];
            let x_i = alg.constant(lift(self.domain[i]));
            let term = [alg.sub(&self.x[0], &x_i)?, self.x[1].clone()];
            let eval = match (&run.eval, &run.prod) {
                (None, None) => weighted,
                (None, Some(p)) => algebra_dot(alg, &[(&weighted, p)])?,
                (Some(e), None) => {
                    let et = algebra_dot(alg, &[(e, &term)])?;
                    [
                        alg.add(&et[0], &weighted[0])?,
                        alg.add(&et[1], &weighted[1])?,
                    ]
                }
                (Some(e), Some(p)) => algebra_dot(alg, &[(e, &term), (&weighted, p)])?,
            };
            let prod = if i == last && !want_prod {
                None
            } else {
                Some(match &run.prod {
                    None => term,
                    Some(p) => algebra_dot(alg, &[(p, &term)])?,
                })
            };
            run = Running {
                eval: Some(eval),
                prod,
            };
        }
        Ok(run)
    }
}

/// `wire - computed`, where a missing `computed` is the constant `default`.
fn diff_pair<A: ExtAlgebra>(
    alg: &mut A,
    wire: &Pair<A::Ext>,
    computed: &Option<Pair<A::Ext>>,
    default: GF2,
) -> Result<Pair<A::Ext>, A::Error> {
    let computed = match computed {
        Some(c) => c.clone(),
        None => [alg.constant(default), alg.constant(GF2::ZERO)],
    };
    pair_sub(alg, wire, &computed)
}

impl GenericGate for CosetInterpolationGate<GF, D> {
    /// `point - shifted·shift`, then per intermediate `(eval, prod)` wires minus
    /// the running pair, then `value - eval` (both components of each).
    ///
    /// Panics on parameters plonky2 cannot evaluate either (checked by
    /// [`super::eval_gate`], which returns an error instead).
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        if let Err(reason) = validate(self) {
            panic!("coset interpolation gate: {reason}");
        }
        let layout = Layout::of(self);
        let mut constraints = Vec::new();

        let shift = &vars.local_wires[0];
        let point = vars.wire_pair(layout.evaluation_point());
        let shifted = vars.wire_pair(layout.shifted_evaluation_point());
        for k in 0..D {
            let scaled = alg.mul(&shifted[k], shift)?;
            constraints.push(alg.sub(&point[k], &scaled)?);
        }

        let formula = Barycentric {
            domain: GF::two_adic_subgroup(self.subgroup_bits),
            weights: &self.barycentric_weights,
            values: (0..layout.num_points)
                .map(|i| vars.wire_pair(layout.value(i)))
                .collect(),
            x: shifted,
        };
        let degree = layout.degree;
        let start = Running {
            eval: None,
            prod: None,
        };
        let mut run = formula.run(alg, 0..degree, start, layout.num_intermediates > 0)?;
        for i in 0..layout.num_intermediates {
            let eval_wire = vars.wire_pair(layout.intermediate_eval(i));
            let prod_wire = vars.wire_pair(layout.intermediate_prod(i));
            constraints.extend(diff_pair(alg, &eval_wire, &run.eval, GF2::ZERO)?);
            constraints.extend(diff_pair(alg, &prod_wire, &run.prod, GF2::ONE)?);
            let first = 1 + (degree - 1) * (i + 1);
            let end = (first + degree - 1).min(layout.num_points);
            let resume = Running {
                eval: Some(eval_wire),
                prod: Some(prod_wire),
            };
            run = formula.run(alg, first..end, resume, i + 1 < layout.num_intermediates)?;
        }
        let value = vars.wire_pair(layout.evaluation_value());
        constraints.extend(diff_pair(alg, &value, &run.eval, GF2::ZERO)?);
        Ok(constraints)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::interpolation::barycentric_weights;
    use plonky2::field::types::Field;
    use plonky2::gates::coset_interpolation::CosetInterpolationGate;
    use plonky2::gates::gate::Gate;
    use plonky2::plonk::circuit_builder::CircuitBuilder;
    use plonky2::plonk::circuit_data::CircuitConfig;
    use plonky2::util::serialization::{Buffer, Write};

    use super::super::test_util::assert_matches_plonky2;
    use crate::wrap::algebra::GF;

    /// A gate with the given degree; plonky2 only builds those through a
    /// crate-private constructor, so this goes through its deserializer.
    fn gate_with_degree(subgroup_bits: usize, degree: usize) -> CosetInterpolationGate<GF, 2> {
        let common = CircuitBuilder::<GF, 2>::new(CircuitConfig::standard_recursion_config())
            .build::<plonky2::plonk::config::PoseidonGoldilocksConfig>()
            .common;
        let points = GF::two_adic_subgroup(subgroup_bits)
            .into_iter()
            .map(|x| (x, GF::ZERO))
            .collect::<Vec<_>>();
        let weights = barycentric_weights(&points);
        let mut bytes = Vec::new();
        bytes.write_usize(subgroup_bits).expect("write to vec");
        bytes.write_usize(degree).expect("write to vec");
        bytes.write_usize(weights.len()).expect("write to vec");
        bytes.write_field_vec(&weights).expect("write to vec");
        <CosetInterpolationGate<GF, 2> as Gate<GF, 2>>::deserialize(
            &mut Buffer::new(&bytes),
            &common,
        )
        .expect("well-formed gate bytes")
    }

    #[test]
    fn coset_interpolation_gate_matches_plonky2() {
        let gate = gate_with_degree(4, 6);
        assert_eq!(Gate::<GF, 2>::num_constraints(&gate), 12);
        assert_matches_plonky2(&gate);
        // Two intermediates with a short last run, one intermediate, none.
        assert_matches_plonky2(&gate_with_degree(4, 8));
        assert_matches_plonky2(&gate_with_degree(3, 4));
        assert_matches_plonky2(&gate_with_degree(3, 3));
        assert_matches_plonky2(&CosetInterpolationGate::<GF, 2>::new(3));
        assert_matches_plonky2(&CosetInterpolationGate::<GF, 2>::new(1));
    }

    #[test]
    fn eval_gate_rejects_a_gate_of_degree_one_as_malformed() {
        use plonky2::gates::gate::GateRef;

        use super::super::test_util::RandomRow;
        use super::super::{eval_gate, GateError};
        use crate::wrap::algebra::Native;

        let gate = GateRef::new(gate_with_degree(3, 1));
        let row = RandomRow::new(0, 64);
        match eval_gate(&mut Native, &gate, &row.generic_vars()) {
            Err(GateError::Malformed { reason, .. }) => {
                assert!(reason.contains("degree 1"), "{reason}")
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }
}
