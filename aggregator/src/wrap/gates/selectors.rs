//! Selectors: which gate is on at a row. Gates are split into groups, each
//! with one selector column `s` holding the gate's index within the circuit
//! (or [`UNUSED_SELECTOR`] for rows of other groups); gate `g` of group `G` is
//! filtered by `Π_{j∈G, j≠g} (j - s) · (UNUSED_SELECTOR - s)`, the last factor
//! only when there are several groups (plonky2's `compute_filter`).
//!
//! [`evaluate_gate_constraints`] is plonky2's filtered sum of every gate's
//! constraints; [`combined_constraints`] its combination with powers of each
//! challenge, computed as `Σ_g filter_g · (Σ_i αⁱ c_{g,i})`, which needs one
//! multiplication per gate instead of one per constraint.

use core::ops::Range;

use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;
use serde::Deserialize;

use super::powers::ChallengePowers;
use super::{eval_gate, GateError, GateVars, D};
use crate::wrap::algebra::{ExtAlgebra, GF, GF2};

/// The selector value of rows whose gate is in another group (plonky2's
/// crate-private `UNUSED_SELECTOR`).
pub const UNUSED_SELECTOR: u64 = u32::MAX as u64;

/// A circuit's selector layout: plonky2's `SelectorsInfo`, whose fields are
/// crate-private there.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Selectors {
    /// For each gate, the index of its selector column (and group).
    pub selector_indices: Vec<usize>,
    /// For each group, the range of gate indices in it.
    pub groups: Vec<Range<usize>>,
}

impl Selectors {
    /// The layout of `common`, read through `SelectorsInfo`'s serialization
    /// and checked for consistency with the gate list.
    pub fn of(common: &CommonCircuitData<GF, D>) -> Result<Self, String> {
        let value = serde_json::to_value(&common.selectors_info)
            .map_err(|e| format!("cannot serialize selectors_info: {e}"))?;
        let s: Selectors = serde_json::from_value(value)
            .map_err(|e| format!("unexpected selectors_info layout: {e}"))?;
        if s.groups.len() != common.selectors_info.num_selectors() {
            return Err(format!(
                "{} groups read, num_selectors is {}",
                s.groups.len(),
                common.selectors_info.num_selectors()
            ));
        }
        if s.selector_indices.len() != common.gates.len() {
            return Err(format!(
                "{} selector indices for {} gates",
                s.selector_indices.len(),
                common.gates.len()
            ));
        }
        for (g, &k) in s.selector_indices.iter().enumerate() {
            let group = s
                .groups
                .get(k)
                .ok_or_else(|| format!("gate {g} uses selector {k} of {}", s.groups.len()))?;
            if !group.contains(&g) {
                return Err(format!("gate {g} is outside its group {k} ({group:?})"));
            }
        }
        Ok(s)
    }

    /// The number of selector columns.
    pub fn num_selectors(&self) -> usize {
        self.groups.len()
    }
}

/// Rejects circuits that use lookups.
pub(crate) fn reject_lookups<E: core::fmt::Debug>(
    common: &CommonCircuitData<GF, D>,
) -> Result<(), GateError<E>> {
    if common.num_lookup_polys != 0 || common.num_lookup_selectors != 0 || !common.luts.is_empty() {
        return Err(GateError::Lookups {
            polys: common.num_lookup_polys,
            selectors: common.num_lookup_selectors,
            tables: common.luts.len(),
        });
    }
    Ok(())
}

/// `a·b` where `None` stands for one.
fn mul_opt<A: ExtAlgebra>(
    alg: &mut A,
    a: Option<&A::Ext>,
    b: Option<&A::Ext>,
) -> Result<Option<A::Ext>, A::Error> {
    Ok(match (a, b) {
        (Some(a), Some(b)) => Some(alg.mul(a, b)?),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    })
}

/// For each `j`, `common · Π_{i≠j} factors[i]` (`common` absent: one), with
/// prefix and suffix products: about `3m` multiplications for `m` factors.
fn products_excluding_each<A: ExtAlgebra>(
    alg: &mut A,
    factors: &[A::Ext],
    common: Option<&A::Ext>,
) -> Result<Vec<A::Ext>, A::Error> {
    let m = factors.len();
    // prefix[j] = common · f_0 ⋯ f_{j-1}
    let mut prefix: Vec<Option<A::Ext>> = vec![common.cloned()];
    for j in 1..m {
        let next = mul_opt(alg, prefix[j - 1].as_ref(), Some(&factors[j - 1]))?;
        prefix.push(next);
    }
    // suffix[j] = f_j ⋯ f_{m-1}, for j in 1..=m (suffix[m] is one).
    let mut suffix: Vec<Option<A::Ext>> = vec![None; m + 1];
    for j in (1..m).rev() {
        suffix[j] = mul_opt(alg, Some(&factors[j]), suffix[j + 1].as_ref())?;
    }
    (0..m)
        .map(|j| {
            let p = mul_opt(alg, prefix[j].as_ref(), suffix[j + 1].as_ref())?;
            Ok(p.unwrap_or_else(|| alg.constant(GF2::ONE)))
        })
        .collect()
}

/// Each gate's filter at a row whose constants (selectors first) are
/// `local_constants`, which must hold at least the selector columns.
pub fn gate_filters<A: ExtAlgebra>(
    alg: &mut A,
    selectors: &Selectors,
    local_constants: &[A::Ext],
) -> Result<Vec<A::Ext>, A::Error> {
    let many = selectors.num_selectors() > 1;
    let unused = alg.constant(GF2::from_canonical_u64(UNUSED_SELECTOR));
    let mut per_group = Vec::with_capacity(selectors.groups.len());
    for (k, group) in selectors.groups.iter().enumerate() {
        let s = &local_constants[k];
        let factors = group
            .clone()
            .map(|j| {
                let j = alg.constant(GF2::from_canonical_usize(j));
                alg.sub(&j, s)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let unused_factor = if many {
            Some(alg.sub(&unused, s)?)
        } else {
            None
        };
        per_group.push(products_excluding_each(
            alg,
            &factors,
            unused_factor.as_ref(),
        )?);
    }
    Ok(selectors
        .selector_indices
        .iter()
        .enumerate()
        .map(|(g, &k)| per_group[k][g - selectors.groups[k].start].clone())
        .collect())
}

/// Every gate's filter and unfiltered constraints at one row.
#[derive(Clone, Debug)]
pub struct GateTerms<E> {
    /// One filter per gate of the circuit.
    pub filters: Vec<E>,
    /// One list of unfiltered constraints per gate of the circuit.
    pub constraints: Vec<Vec<E>>,
    /// The circuit's `num_gate_constraints`.
    pub num_gate_constraints: usize,
}

/// Evaluates every gate of `common` at `vars` (constants with selectors
/// first), with its filter.
pub fn gate_terms<A: ExtAlgebra>(
    alg: &mut A,
    common: &CommonCircuitData<GF, D>,
    vars: &GateVars<'_, A>,
) -> Result<GateTerms<A::Ext>, GateError<A::Error>> {
    reject_lookups(common)?;
    let selectors = Selectors::of(common).map_err(GateError::Selectors)?;
    let prefix = selectors.num_selectors() + common.num_lookup_selectors;
    if vars.local_constants.len() < prefix {
        return Err(GateError::Shape {
            what: "local constants (at least the selector columns)",
            expected: prefix,
            got: vars.local_constants.len(),
        });
    }
    let filters = gate_filters(alg, &selectors, vars.local_constants)?;
    let gate_vars = vars.without_constant_prefix(prefix);
    let mut constraints = Vec::with_capacity(common.gates.len());
    for gate in &common.gates {
        let cs = eval_gate(alg, gate, &gate_vars)?;
        if cs.len() > common.num_gate_constraints {
            return Err(GateError::TooManyConstraints {
                gate: gate.0.id(),
                got: cs.len(),
                max: common.num_gate_constraints,
            });
        }
        constraints.push(cs);
    }
    Ok(GateTerms {
        filters,
        constraints,
        num_gate_constraints: common.num_gate_constraints,
    })
}

impl<E: Clone> GateTerms<E> {
    /// The lengths of the gates' constraint lists (for sizing [`ChallengePowers`]).
    pub fn lengths(&self) -> Vec<usize> {
        self.constraints.iter().map(Vec::len).collect()
    }

    /// `Σ_g filter_g · c_{g,i}` for each constraint index `i`: one
    /// multiplication per constraint.
    pub fn filtered<A: ExtAlgebra<Ext = E>>(&self, alg: &mut A) -> Result<Vec<E>, A::Error> {
        let mut acc = vec![alg.constant(GF2::ZERO); self.num_gate_constraints];
        for (filter, cs) in self.filters.iter().zip(&self.constraints) {
            for (a, c) in acc.iter_mut().zip(cs) {
                let fc = alg.mul(filter, c)?;
                *a = alg.add(a, &fc)?;
            }
        }
        Ok(acc)
    }

    /// `Σ_g filter_g · (Σ_i αⁱ c_{g,i})`: one inner product per block of
    /// powers of each gate, and one for the sum over gates.
    pub fn combine<A: ExtAlgebra<Ext = E>>(
        &self,
        alg: &mut A,
        powers: &ChallengePowers<E>,
    ) -> Result<E, A::Error> {
        let mut filters = Vec::with_capacity(self.filters.len());
        let mut combos = Vec::with_capacity(self.filters.len());
        for (filter, cs) in self.filters.iter().zip(&self.constraints) {
            if !cs.is_empty() {
                filters.push(filter.clone());
                combos.push(powers.combine(alg, cs)?);
            }
        }
        alg.inner_product(&filters, &combos)
    }
}

/// plonky2's `evaluate_gate_constraints`: for each constraint index, the sum
/// over gates of the gate's filter times its constraint.
pub fn evaluate_gate_constraints<A: ExtAlgebra>(
    alg: &mut A,
    common: &CommonCircuitData<GF, D>,
    vars: &GateVars<'_, A>,
) -> Result<Vec<A::Ext>, GateError<A::Error>> {
    let terms = gate_terms(alg, common, vars)?;
    Ok(terms.filtered(alg)?)
}

/// For each challenge `α`, `reduce_with_powers(evaluate_gate_constraints(..), α)`,
/// computed as `Σ_g filter_g · (Σ_i αⁱ c_{g,i})`.
pub fn combined_constraints<A: ExtAlgebra>(
    alg: &mut A,
    common: &CommonCircuitData<GF, D>,
    vars: &GateVars<'_, A>,
    alphas: &[A::Ext],
) -> Result<Vec<A::Ext>, GateError<A::Error>> {
    let terms = gate_terms(alg, common, vars)?;
    let lengths = terms.lengths();
    let mut out = Vec::with_capacity(alphas.len());
    for alpha in alphas {
        let powers = ChallengePowers::new(alg, alpha, &lengths, &[])?;
        out.push(terms.combine(alg, &powers)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Sample;
    use plonky2::plonk::circuit_builder::CircuitBuilder;
    use plonky2::plonk::circuit_data::CircuitConfig;
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use plonky2::plonk::plonk_common::reduce_with_powers;
    use std::sync::Arc;

    use super::super::test_util::{recursion_common, RandomRow};
    use super::*;
    use crate::wrap::algebra::Native;

    /// plonky2's `evaluate_gate_constraints` (crate-private there), from its
    /// public per-gate `eval_filtered`.
    fn plonky2_gate_constraints(
        common: &CommonCircuitData<GF, D>,
        selectors: &Selectors,
        row: &RandomRow,
    ) -> Vec<GF2> {
        let mut out = vec![GF2::ZERO; common.num_gate_constraints];
        for (i, gate) in common.gates.iter().enumerate() {
            let k = selectors.selector_indices[i];
            let cs = gate.0.eval_filtered(
                row.plonky2_vars(),
                i,
                k,
                selectors.groups[k].clone(),
                selectors.num_selectors(),
                common.num_lookup_selectors,
            );
            for (o, c) in out.iter_mut().zip(cs) {
                *o += c;
            }
        }
        out
    }

    #[test]
    fn selectors_cover_every_gate_of_a_recursion_circuit() {
        let common = recursion_common();
        let s = Selectors::of(common).unwrap();
        assert_eq!(s.selector_indices.len(), common.gates.len());
        assert!(s.num_selectors() > 1, "{s:?}");
        assert_eq!(s.groups.first().map(|g| g.start), Some(0));
        assert_eq!(s.groups.last().map(|g| g.end), Some(common.gates.len()));
    }

    #[test]
    fn evaluate_gate_constraints_matches_plonky2_on_a_recursion_circuit() {
        let common = recursion_common();
        let selectors = Selectors::of(common).unwrap();
        for trial in 0..3 {
            let row = RandomRow::new(common.num_constants, common.config.num_wires);
            let expected = plonky2_gate_constraints(common, &selectors, &row);
            let got = evaluate_gate_constraints(&mut Native, common, &row.generic_vars()).unwrap();
            assert_eq!(got.len(), expected.len());
            for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
                assert_eq!(g, e, "trial {trial}: constraint {i}: expected {e}, got {g}");
            }
        }
    }

    #[test]
    fn evaluate_gate_constraints_on_a_selected_row_is_that_gates_constraints_times_its_filter() {
        // At a row where the selector equals a gate's index, every other gate
        // of the group vanishes, as do all gates of other groups when their
        // selector is UNUSED_SELECTOR.
        let common = recursion_common();
        let selectors = Selectors::of(common).unwrap();
        let g = common.gates.len() - 1;
        let k = selectors.selector_indices[g];
        let mut row = RandomRow::new(common.num_constants, common.config.num_wires);
        for (j, c) in row.constants[..selectors.num_selectors()]
            .iter_mut()
            .enumerate()
        {
            *c = if j == k {
                GF2::from_canonical_usize(g)
            } else {
                GF2::from_canonical_u64(UNUSED_SELECTOR)
            };
        }
        let got = evaluate_gate_constraints(&mut Native, common, &row.generic_vars()).unwrap();
        let plonky2 = plonky2_gate_constraints(common, &selectors, &row);
        assert_eq!(got, plonky2);
        assert!(got.iter().any(|c| *c != GF2::ZERO));
    }

    #[test]
    fn combined_constraints_equal_reduce_with_powers_of_the_filtered_constraints() {
        let common = recursion_common();
        let row = RandomRow::new(common.num_constants, common.config.num_wires);
        let alphas = GF2::rand_vec(2);
        let filtered = evaluate_gate_constraints(&mut Native, common, &row.generic_vars()).unwrap();
        let combined =
            combined_constraints(&mut Native, common, &row.generic_vars(), &alphas).unwrap();
        for (alpha, got) in alphas.iter().zip(&combined) {
            assert_eq!(*got, reduce_with_powers(&filtered, *alpha));
        }
    }

    #[test]
    fn gate_filters_equal_the_product_of_the_other_selector_values() {
        let factors = GF2::rand_vec(5);
        let extra = GF2::rand();
        for m in 0..=5 {
            for common in [None, Some(&extra)] {
                let got = products_excluding_each(&mut Native, &factors[..m], common).unwrap();
                for (j, g) in got.iter().enumerate() {
                    let mut expected = common.copied().unwrap_or(GF2::ONE);
                    for (i, f) in factors[..m].iter().enumerate() {
                        if i != j {
                            expected *= *f;
                        }
                    }
                    assert_eq!(*g, expected, "{m} factors, excluding {j}");
                }
            }
        }
    }

    #[test]
    fn circuits_with_lookups_are_rejected() {
        let mut builder = CircuitBuilder::<GF, D>::new(CircuitConfig::standard_recursion_config());
        let table = Arc::new((0..8u16).map(|i| (i, i * i)).collect::<Vec<_>>());
        let lut = builder.add_lookup_table_from_pairs(table);
        let x = builder.add_virtual_target();
        let y = builder.add_lookup_from_index(x, lut);
        builder.register_public_input(y);
        let common = builder.build::<PoseidonGoldilocksConfig>().common;
        let row = RandomRow::new(common.num_constants, common.config.num_wires);
        match evaluate_gate_constraints(&mut Native, &common, &row.generic_vars()) {
            Err(GateError::Lookups { polys, .. }) => assert!(polys > 0),
            other => panic!("expected Lookups, got {other:?}"),
        }
    }
}
