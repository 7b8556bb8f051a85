//! The R1CS challenger and Merkle gadgets against plonky2's native code under
//! the Poseidon-BN254 config: the same challenges for the same observations,
//! the same leaf digests and roots; tampered paths are unsatisfiable.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystem, ConstraintSystemRef};
use plonky2::field::types::{PrimeField64, Sample};
use plonky2::hash::merkle_tree::MerkleTree;
use plonky2::iop::challenger::Challenger;
use plonky2::plonk::config::Hasher;
use rand::{Rng, SeedableRng};
use zkr_aggregator::wrap::algebra::GF;
use zkr_aggregator::wrap::config::PoseidonBn254Hash;
use zkr_aggregator::wrap::verifier::challenger::ChallengerVar;
use zkr_aggregator::wrap::verifier::merkle::{hash_leaf, verify_path};

fn witness(cs: &ConstraintSystemRef<Fr>, x: u64) -> FpVar<Fr> {
    FpVar::new_witness(cs.clone(), || Ok(Fr::from(x))).expect("alloc")
}

#[test]
fn r1cs_challenger_draws_the_native_challenges_on_random_schedules() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..6 {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let mut native = Challenger::<GF, PoseidonBn254Hash>::new();
        let mut r1cs = ChallengerVar::new();
        let mut schedule = Vec::new();
        for _ in 0..rng.gen_range(1..6) {
            let observes = rng.gen_range(0..15);
            let draws = rng.gen_range(1..10);
            schedule.push((observes, draws));
            for _ in 0..observes {
                let x = GF::rand();
                native.observe_element(x);
                r1cs.observe(&witness(&cs, x.to_canonical_u64()))
                    .expect("synthesis");
            }
            if rng.gen_bool(0.3) {
                let d = PoseidonBn254Hash::hash_no_pad(&[GF::rand(), GF::rand()]);
                native.observe_hash::<PoseidonBn254Hash>(d);
                let v = FpVar::new_witness(cs.clone(), || Ok(d.0)).expect("alloc");
                r1cs.observe_digest(&v).expect("synthesis");
            }
            for _ in 0..draws {
                let expected = native.get_challenge().to_canonical_u64();
                let got = r1cs.challenge().expect("synthesis");
                assert_eq!(
                    got.value.value().expect("assigned"),
                    Fr::from(expected),
                    "round {round}, schedule {schedule:?}: native vs R1CS challenge"
                );
            }
        }
        assert!(
            cs.is_satisfied().expect("check"),
            "round {round}: unsatisfied"
        );
    }
}

#[test]
fn r1cs_merkle_path_matches_plonky2_tree_and_rejects_tampering() {
    let leaves: Vec<Vec<GF>> = (0..16)
        .map(|_| (0..7).map(|_| GF::rand()).collect())
        .collect();
    let tree = MerkleTree::<GF, PoseidonBn254Hash>::new(leaves.clone(), 0);
    let root = tree.cap.0[0].0;
    for index in [0usize, 5, 15] {
        let proof = tree.prove(index);
        let check = |tamper: Option<usize>| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let values: Vec<FpVar<Fr>> = leaves[index]
                .iter()
                .map(|g| witness(&cs, g.to_canonical_u64()))
                .collect();
            let leaf = hash_leaf(&values).expect("synthesis");
            assert_eq!(
                leaf.value().expect("assigned"),
                PoseidonBn254Hash::hash_or_noop(&leaves[index]).0,
                "leaf digest: native vs R1CS"
            );
            let bits: Vec<Boolean<Fr>> = (0..4)
                .map(|i| {
                    Boolean::new_witness(cs.clone(), || Ok((index >> i) & 1 == 1)).expect("alloc")
                })
                .collect();
            let siblings: Vec<FpVar<Fr>> = proof
                .siblings
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut v = s.0;
                    if tamper == Some(i) {
                        v += Fr::from(1u64);
                    }
                    FpVar::new_witness(cs.clone(), || Ok(v)).expect("alloc")
                })
                .collect();
            let root = FpVar::new_input(cs.clone(), || Ok(root)).expect("alloc");
            verify_path(&leaf, &bits, &siblings, &root).expect("synthesis");
            cs.is_satisfied().expect("check")
        };
        assert!(check(None), "index {index}: the true path was rejected");
        for level in 0..4 {
            assert!(
                !check(Some(level)),
                "index {index}: sibling {level} altered was accepted"
            );
        }
    }
}
