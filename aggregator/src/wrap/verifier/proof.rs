//! A shrink proof allocated as R1CS witnesses, shaped by the circuit's
//! `CommonCircuitData` alone (so the constraint system can be synthesized
//! without a proof, for setup).
//!
//! Every Goldilocks value is a [`GoldilocksVar`] range-checked to 64 bits on
//! allocation (its bits kept): the transcript and Merkle leaves pack values
//! three to a scalar, which is injective only on such values.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};
use plonky2::plonk::circuit_data::CommonCircuitData;
use zkr_circuits::batch::D;

use crate::wrap::algebra::{GF, GF2};
use crate::wrap::gates::vanishing::PlonkOpenings;
use crate::wrap::goldilocks::field::GoldilocksVar;
use crate::wrap::goldilocks::quadratic::QuadraticVar;
use crate::wrap::shrink::ShrinkProof;

/// An element of `GF(p^2)` with range-checked coordinates.
pub type ExtVar = QuadraticVar;

/// The openings at `zeta` (and the permutation accumulators at `g·zeta`).
pub type OpeningsVar = PlonkOpenings<ExtVar>;

/// A Merkle opening: leaf values (or coset evaluations) and the siblings from the leaf up.
#[derive(Clone, Debug)]
pub struct OpeningVar<T> {
    /// The opened values.
    pub values: Vec<T>,
    /// Sibling digests, leaf level first.
    pub siblings: Vec<FpVar<Fr>>,
}

/// One query's openings: for each initial oracle the leaf and its Merkle
/// siblings, then each folding step's coset evaluations and siblings.
#[derive(Clone, Debug)]
pub struct QueryRoundVar {
    /// Leaf and siblings per initial oracle.
    pub initial: Vec<OpeningVar<GoldilocksVar>>,
    /// Coset evaluations and siblings per folding step.
    pub steps: Vec<OpeningVar<ExtVar>>,
}

/// A shrink proof in R1CS.
#[derive(Clone, Debug)]
pub struct ProofVar {
    /// Public inputs (range-checked; canonicity is the public-input hash's concern).
    pub public_inputs: Vec<GoldilocksVar>,
    /// Wire commitment cap.
    pub wires_cap: Vec<FpVar<Fr>>,
    /// Permutation / partial-product commitment cap.
    pub zs_cap: Vec<FpVar<Fr>>,
    /// Quotient commitment cap.
    pub quotient_cap: Vec<FpVar<Fr>>,
    /// Openings.
    pub openings: OpeningsVar,
    /// FRI commit-phase caps.
    pub commit_caps: Vec<Vec<FpVar<Fr>>>,
    /// Query rounds.
    pub queries: Vec<QueryRoundVar>,
    /// Final polynomial coefficients.
    pub final_poly: Vec<ExtVar>,
    /// Proof-of-work witness.
    pub pow_witness: GoldilocksVar,
}

/// Allocates witnesses from an optional source, in a fixed order.
struct Alloc<'a> {
    cs: ConstraintSystemRef<Fr>,
    have: bool,
    _p: core::marker::PhantomData<&'a ()>,
}

impl Alloc<'_> {
    fn goldilocks(&self, v: Option<GF>) -> Result<GoldilocksVar, SynthesisError> {
        GoldilocksVar::new_witness(self.cs.clone(), || {
            v.ok_or(SynthesisError::AssignmentMissing)
        })
    }

    fn ext(&self, v: Option<GF2>) -> Result<ExtVar, SynthesisError> {
        QuadraticVar::new_witness(self.cs.clone(), || {
            v.ok_or(SynthesisError::AssignmentMissing)
        })
    }

    fn exts(&self, vs: Option<&[GF2]>, n: usize) -> Result<Vec<ExtVar>, SynthesisError> {
        self.check_len(vs.map(|v| v.len()), n)?;
        (0..n).map(|i| self.ext(vs.map(|v| v[i]))).collect()
    }

    fn goldilocks_vec(
        &self,
        vs: Option<&[GF]>,
        n: usize,
    ) -> Result<Vec<GoldilocksVar>, SynthesisError> {
        self.check_len(vs.map(|v| v.len()), n)?;
        (0..n).map(|i| self.goldilocks(vs.map(|v| v[i]))).collect()
    }

    fn digests(&self, vs: Option<Vec<Fr>>, n: usize) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
        self.check_len(vs.as_ref().map(|v| v.len()), n)?;
        (0..n)
            .map(|i| {
                FpVar::new_witness(self.cs.clone(), || {
                    vs.as_ref()
                        .map(|v| v[i])
                        .ok_or(SynthesisError::AssignmentMissing)
                })
            })
            .collect()
    }

    /// A proof of the wrong shape cannot be assigned.
    fn check_len(&self, got: Option<usize>, expected: usize) -> Result<(), SynthesisError> {
        match got {
            Some(n) if n != expected => Err(SynthesisError::Unsatisfiable),
            None if self.have => Err(SynthesisError::AssignmentMissing),
            _ => Ok(()),
        }
    }
}

impl ProofVar {
    /// Allocates `proof` (or, without one, the same shape unassigned) for the
    /// circuit described by `common`.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        proof: Option<&ShrinkProof>,
        common: &CommonCircuitData<GF, D>,
    ) -> Result<Self, SynthesisError> {
        let a = Alloc {
            cs,
            have: proof.is_some(),
            _p: core::marker::PhantomData,
        };
        let config = &common.config;
        let fri = &common.fri_params;
        let cap_len = 1usize << config.fri_config.cap_height;
        let nc = config.num_challenges;
        let p = proof.map(|p| &p.proof);
        let o = p.map(|p| &p.openings);
        let cap = |c: Option<&plonky2::hash::merkle_tree::MerkleCap<GF, _>>| {
            c.map(
                |c: &plonky2::hash::merkle_tree::MerkleCap<
                    GF,
                    crate::wrap::config::PoseidonBn254Hash,
                >| { c.0.iter().map(|h| h.0).collect::<Vec<Fr>>() },
            )
        };

        let public_inputs = a.goldilocks_vec(
            proof.map(|p| &p.public_inputs[..]),
            common.num_public_inputs,
        )?;
        let wires_cap = a.digests(cap(p.map(|p| &p.wires_cap)), cap_len)?;
        let zs_cap = a.digests(cap(p.map(|p| &p.plonk_zs_partial_products_cap)), cap_len)?;
        let quotient_cap = a.digests(cap(p.map(|p| &p.quotient_polys_cap)), cap_len)?;
        let openings = OpeningsVar {
            constants: a.exts(o.map(|o| &o.constants[..]), common.num_constants)?,
            plonk_sigmas: a.exts(o.map(|o| &o.plonk_sigmas[..]), config.num_routed_wires)?,
            wires: a.exts(o.map(|o| &o.wires[..]), config.num_wires)?,
            plonk_zs: a.exts(o.map(|o| &o.plonk_zs[..]), nc)?,
            plonk_zs_next: a.exts(o.map(|o| &o.plonk_zs_next[..]), nc)?,
            partial_products: a.exts(
                o.map(|o| &o.partial_products[..]),
                nc * common.num_partial_products,
            )?,
            quotient_polys: a.exts(
                o.map(|o| &o.quotient_polys[..]),
                nc * common.quotient_degree_factor,
            )?,
        };
        let fp = p.map(|p| &p.opening_proof);
        a.check_len(
            fp.map(|f| f.commit_phase_merkle_caps.len()),
            fri.reduction_arity_bits.len(),
        )?;
        let commit_caps = (0..fri.reduction_arity_bits.len())
            .map(|i| a.digests(cap(fp.map(|f| &f.commit_phase_merkle_caps[i])), cap_len))
            .collect::<Result<Vec<_>, _>>()?;

        let leaf_lens = [
            common.num_constants + config.num_routed_wires,
            config.num_wires,
            nc * (1 + common.num_partial_products),
            nc * common.quotient_degree_factor,
        ];
        let lde_bits = fri.lde_bits();
        let cap_height = config.fri_config.cap_height;
        a.check_len(
            fp.map(|f| f.query_round_proofs.len()),
            config.fri_config.num_query_rounds,
        )?;
        let mut queries = Vec::with_capacity(config.fri_config.num_query_rounds);
        for q in 0..config.fri_config.num_query_rounds {
            let round = fp.map(|f| &f.query_round_proofs[q]);
            let init = round.map(|r| &r.initial_trees_proof.evals_proofs);
            a.check_len(init.map(|i| i.len()), leaf_lens.len())?;
            let mut initial = Vec::with_capacity(leaf_lens.len());
            for (t, &len) in leaf_lens.iter().enumerate() {
                let leaf = a.goldilocks_vec(init.map(|i| &i[t].0[..]), len)?;
                let siblings = a.digests(
                    init.map(|i| i[t].1.siblings.iter().map(|h| h.0).collect()),
                    lde_bits - cap_height,
                )?;
                initial.push(OpeningVar {
                    values: leaf,
                    siblings,
                });
            }
            a.check_len(round.map(|r| r.steps.len()), fri.reduction_arity_bits.len())?;
            let mut steps = Vec::new();
            let mut bits = lde_bits;
            for (s, &arity_bits) in fri.reduction_arity_bits.iter().enumerate() {
                bits -= arity_bits;
                let step = round.map(|r| &r.steps[s]);
                let evals = a.exts(step.map(|st| &st.evals[..]), 1 << arity_bits)?;
                let siblings = a.digests(
                    step.map(|st| st.merkle_proof.siblings.iter().map(|h| h.0).collect()),
                    bits - cap_height,
                )?;
                steps.push(OpeningVar {
                    values: evals,
                    siblings,
                });
            }
            queries.push(QueryRoundVar { initial, steps });
        }
        let final_poly = a.exts(fp.map(|f| &f.final_poly.coeffs[..]), fri.final_poly_len())?;
        let pow_witness = a.goldilocks(fp.map(|f| f.pow_witness))?;
        Ok(Self {
            public_inputs,
            wires_cap,
            zs_cap,
            quotient_cap,
            openings,
            commit_caps,
            queries,
            final_poly,
            pow_witness,
        })
    }
}
