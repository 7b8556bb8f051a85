//! End to end: the generic PLONK vanishing check (`wrap::gates::vanishing`),
//! run over `Native`, accepts a real recursive plonky2 proof under the
//! standard recursion config, rejects it when any opening or the public-inputs
//! hash is altered, and makes a fixed number of multiplications.

use std::sync::OnceLock;

use plonky2::field::types::{Field, Sample};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, CommonCircuitData};
use plonky2::plonk::config::PoseidonGoldilocksConfig;
use plonky2::plonk::plonk_common::reduce_with_powers;
use plonky2::plonk::proof::ProofWithPublicInputs;
use zkr_aggregator::wrap::algebra::{Native, GF, GF2};
use zkr_aggregator::wrap::gates::cost::{vanishing_cost, Counting, OpCounts};
use zkr_aggregator::wrap::gates::lift;
use zkr_aggregator::wrap::gates::vanishing::{
    check_vanishing, vanishing_terms, PlonkChallenges, PlonkOpenings,
};
use zkr_aggregator::wrap::gates::GateError;

const D: usize = 2;
type C = PoseidonGoldilocksConfig;

/// An outer proof that verifies an inner one, with its challenges.
struct Fixture {
    outer: CircuitData<GF, C, D>,
    proof: ProofWithPublicInputs<GF, C, D>,
    challenges: PlonkChallenges<GF2>,
}

impl Fixture {
    fn common(&self) -> &CommonCircuitData<GF, D> {
        &self.outer.common
    }

    fn openings(&self) -> PlonkOpenings<GF2> {
        PlonkOpenings::from_opening_set(&self.proof.proof.openings)
    }

    fn hash(&self) -> [GF2; 4] {
        self.proof.get_public_inputs_hash().elements.map(lift)
    }

    /// The check's (lhs, rhs) pairs for the given openings and hash.
    fn pairs(&self, openings: &PlonkOpenings<GF2>, hash: &[GF2; 4]) -> Vec<(GF2, GF2)> {
        check_vanishing(&mut Native, self.common(), openings, &self.challenges, hash)
            .expect("well-formed inputs")
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let config = CircuitConfig::standard_recursion_config();

        // Inner: a few thousand multiply-adds over two public inputs.
        let mut inner = CircuitBuilder::<GF, D>::new(config.clone());
        let a = inner.add_virtual_target();
        let b = inner.add_virtual_target();
        inner.register_public_input(a);
        inner.register_public_input(b);
        let mut acc = a;
        for i in 0..3000 {
            acc = if i % 2 == 0 {
                inner.mul_add(acc, a, b)
            } else {
                inner.mul_add(acc, b, a)
            };
        }
        inner.register_public_input(acc);
        let inner = inner.build::<C>();
        let mut pw = PartialWitness::new();
        pw.set_target(a, GF::from_canonical_u64(3))
            .expect("fresh witness");
        pw.set_target(b, GF::from_canonical_u64(5))
            .expect("fresh witness");
        let inner_proof = inner.prove(pw).expect("inner proof");

        // Outer: verifies the inner proof, exposes its public inputs and one more.
        let mut outer = CircuitBuilder::<GF, D>::new(config);
        let proof_t = outer.add_virtual_proof_with_pis(&inner.common);
        let vd = outer.constant_verifier_data(&inner.verifier_only);
        outer.verify_proof::<C>(&proof_t, &vd, &inner.common);
        for &pi in &proof_t.public_inputs {
            outer.register_public_input(pi);
        }
        let sum = outer.add(proof_t.public_inputs[0], proof_t.public_inputs[2]);
        outer.register_public_input(sum);
        let outer = outer.build::<C>();
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&proof_t, &inner_proof)
            .expect("fresh witness");
        let proof = outer.prove(pw).expect("outer proof");
        outer
            .verify(proof.clone())
            .expect("plonky2 accepts the outer proof");

        let challenges = proof
            .get_challenges(
                proof.get_public_inputs_hash(),
                &outer.verifier_only.circuit_digest,
                &outer.common,
            )
            .expect("challenges of a well-formed proof");
        let challenges = PlonkChallenges::from_proof_challenges(&challenges);
        Fixture {
            outer,
            proof,
            challenges,
        }
    })
}

/// Asserts that some challenge's pair differs after `tamper`.
fn assert_rejected(what: &str, tamper: impl FnOnce(&mut ProofWithPublicInputs<GF, C, D>)) {
    let f = fixture();
    let mut proof = f.proof.clone();
    tamper(&mut proof);
    let openings = PlonkOpenings::from_opening_set(&proof.proof.openings);
    let hash = proof.get_public_inputs_hash().elements.map(lift);
    let pairs = f.pairs(&openings, &hash);
    assert!(
        pairs.iter().any(|(l, r)| l != r),
        "{what}: the vanishing check still passes: {pairs:?}"
    );
}

#[test]
fn honest_recursive_proof_passes_the_vanishing_check() {
    let f = fixture();
    let gates = f
        .common()
        .gates
        .iter()
        .map(|g| g.0.id())
        .collect::<Vec<_>>();
    println!(
        "outer circuit: degree 2^{}, {} gates: {gates:#?}",
        f.common().degree_bits(),
        gates.len()
    );
    let pairs = f.pairs(&f.openings(), &f.hash());
    assert_eq!(pairs.len(), f.common().config.num_challenges);
    for (i, (lhs, rhs)) in pairs.iter().enumerate() {
        assert_eq!(
            lhs, rhs,
            "challenge {i}: vanishing(zeta) != Z_H(zeta)·t(zeta)"
        );
    }
}

#[test]
fn check_vanishing_lhs_is_plonky2s_reduction_of_the_vanishing_terms() {
    let f = fixture();
    let (openings, hash) = (f.openings(), f.hash());
    let terms = vanishing_terms(&mut Native, f.common(), &openings, &f.challenges, &hash)
        .expect("well-formed inputs");
    let pairs = f.pairs(&openings, &hash);
    for (alpha, (lhs, _)) in f.challenges.alphas.iter().zip(&pairs) {
        assert_eq!(*lhs, reduce_with_powers(&terms, *alpha));
    }
}

#[test]
fn altered_wire_opening_fails_the_vanishing_check() {
    assert_rejected("wire 0", |p| p.proof.openings.wires[0] += GF2::ONE);
    let last = fixture().common().config.num_wires - 1;
    assert_rejected("last wire", |p| p.proof.openings.wires[last] += GF2::ONE);
}

#[test]
fn altered_partial_product_fails_the_vanishing_check() {
    assert_rejected("partial product 3", |p| {
        p.proof.openings.partial_products[3] += GF2::ONE
    });
}

#[test]
fn altered_next_z_fails_the_vanishing_check() {
    assert_rejected("Z(g·zeta)", |p| {
        p.proof.openings.plonk_zs_next[0] += GF2::ONE
    });
    assert_rejected("Z(zeta)", |p| p.proof.openings.plonk_zs[1] += GF2::ONE);
}

#[test]
fn altered_sigma_opening_fails_the_vanishing_check() {
    assert_rejected("sigma 5", |p| p.proof.openings.plonk_sigmas[5] += GF2::ONE);
}

#[test]
fn altered_quotient_opening_fails_the_vanishing_check() {
    assert_rejected("quotient chunk 3", |p| {
        p.proof.openings.quotient_polys[3] += GF2::ONE
    });
}

#[test]
fn altered_constant_opening_fails_the_vanishing_check() {
    assert_rejected("constant 0 (a selector)", |p| {
        p.proof.openings.constants[0] += GF2::ONE
    });
    let last = fixture().common().num_constants - 1;
    assert_rejected("last constant", |p| {
        p.proof.openings.constants[last] += GF2::ONE
    });
}

#[test]
fn altered_public_inputs_fail_the_vanishing_check() {
    assert_rejected("public input 0", |p| p.public_inputs[0] += GF::ONE);
    let f = fixture();
    let mut hash = f.hash();
    hash[2] = GF2::rand();
    let pairs = f.pairs(&f.openings(), &hash);
    assert!(pairs.iter().any(|(l, r)| l != r), "hash element 2 altered");
}

#[test]
fn openings_of_the_wrong_size_are_rejected_by_name() {
    let f = fixture();
    let mut openings = f.openings();
    openings.wires.pop();
    let err = check_vanishing(&mut Native, f.common(), &openings, &f.challenges, &f.hash())
        .expect_err("a wire is missing");
    assert!(
        matches!(
            err,
            GateError::Shape {
                what: "wires openings",
                ..
            }
        ),
        "{err}"
    );
}

/// The exact cost of the check for this circuit; a change is a regression (or
/// an improvement to record here).
const EXPECTED_TOTAL: OpCounts = OpCounts {
    muls: 1213,
    divs: 1,
    inner_products: 374,
    inner_product_terms: 1744,
};

#[test]
fn vanishing_check_makes_a_fixed_number_of_multiplications() {
    let f = fixture();
    let cost = vanishing_cost(f.common()).expect("supported circuit");
    println!(
        "{:<70} {:>6} {:>5} {:>6} {:>7}",
        "gate", "mul", "div", "ip", "ip-terms"
    );
    for (id, c) in &cost.per_gate {
        let id: String = id.chars().take(70).collect();
        println!(
            "{id:<70} {:>6} {:>5} {:>6} {:>7}",
            c.muls, c.divs, c.inner_products, c.inner_product_terms
        );
    }
    let gates = cost.gates();
    let rest = cost.total - gates - cost.filters;
    for (name, c) in [
        ("all gates", gates),
        ("filters", cost.filters),
        ("permutation, powers of alpha, combination, quotient", rest),
        ("total", cost.total),
    ] {
        println!(
            "{name:<70} {:>6} {:>5} {:>6} {:>7}",
            c.muls, c.divs, c.inner_products, c.inner_product_terms
        );
    }
    println!(
        "total reductions (mul + div + inner products): {}",
        cost.total.reductions()
    );

    // The same count on the real openings: it does not depend on the values.
    let mut alg = Counting::new(Native);
    check_vanishing(
        &mut alg,
        f.common(),
        &f.openings(),
        &f.challenges,
        &f.hash(),
    )
    .expect("well-formed inputs");
    assert_eq!(alg.counts, cost.total);

    assert_eq!(cost.total, EXPECTED_TOTAL);
}
