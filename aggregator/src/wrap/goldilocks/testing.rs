//! Shared test helpers: seeded randomness, edge values, constraint counting and
//! witness tampering.

use ark_bn254::Fr;
use ark_relations::r1cs::{ConstraintSystem, ConstraintSystemRef, Variable};
use plonky2::field::extension::FieldExtension;
use plonky2::field::types::{Field, Sample};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{GF, GF2, P};

/// A deterministic RNG, one stream per test.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A fresh constraint system in proving mode.
pub fn cs() -> ConstraintSystemRef<Fr> {
    ConstraintSystem::new_ref()
}

/// Goldilocks values where carries and reductions are most likely to go wrong.
pub fn edge_values() -> Vec<GF> {
    [
        0,
        1,
        2,
        P - 1,
        P - 2,
        (1 << 32) - 1,
        1 << 32,
        (1 << 63) + 12345,
        u64::MAX - P + 1, // 2^32 - 1
        P - (1 << 32),
    ]
    .into_iter()
    .map(GF::from_canonical_u64)
    .collect()
}

/// Edge values, then `n` random ones.
pub fn sample_values(rng: &mut StdRng, n: usize) -> Vec<GF> {
    let mut v = edge_values();
    v.extend((0..n).map(|_| GF::sample(rng)));
    v
}

/// `c0 + c1*X`.
pub fn ext(c0: GF, c1: GF) -> GF2 {
    <GF2 as FieldExtension<2>>::from_basefield_array([c0, c1])
}

/// Extension values: all pairs of a few edge values, then `n` random ones.
pub fn sample_ext_values(rng: &mut StdRng, n: usize) -> Vec<GF2> {
    let edges = [
        GF::ZERO,
        GF::ONE,
        GF::NEG_ONE,
        GF::from_canonical_u64(1 << 32),
    ];
    let mut v = Vec::new();
    for a in edges {
        for b in edges {
            v.push(ext(a, b));
        }
    }
    v.extend((0..n).map(|_| GF2::sample(rng)));
    v
}

/// Non-canonical `u64` representatives: values in `[p, 2^64)`.
pub fn non_canonical_u64s() -> Vec<u64> {
    vec![P, P + 1, P + 12345, u64::MAX - 1, u64::MAX]
}

/// The witness index of a variable allocated as a witness.
pub fn witness_index(v: Variable) -> usize {
    match v {
        Variable::Witness(i) => i,
        other => panic!("{other:?} is not a witness variable"),
    }
}

/// Overwrites witnesses (`(index, value)` pairs) after inlining the system's
/// linear combinations, so that no value cached during synthesis hides the
/// change, and reports whether the system is still satisfied. Call once per
/// system.
pub fn tamper(cs: &ConstraintSystemRef<Fr>, changes: &[(usize, Fr)]) -> bool {
    cs.finalize();
    {
        let mut inner = cs.borrow_mut().expect("a constraint system");
        for (index, value) in changes {
            inner.witness_assignment[*index] = *value;
        }
    }
    cs.is_satisfied().expect("proving mode")
}

/// The assigned value of witness `index`.
pub fn witness(cs: &ConstraintSystemRef<Fr>, index: usize) -> Fr {
    cs.borrow().expect("a constraint system").witness_assignment[index]
}

/// Whether the system is satisfied, naming the first failing constraint if not.
pub fn assert_satisfied(cs: &ConstraintSystemRef<Fr>) {
    let unsatisfied = cs.which_is_unsatisfied().expect("proving mode");
    assert!(
        unsatisfied.is_none(),
        "constraint system unsatisfied at {unsatisfied:?}"
    );
}
