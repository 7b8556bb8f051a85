//! zkr's Groth16 prover: arkworks' proof, with every MSM and NTT on a [`Backend`].
//!
//! Given the same `r` and `s` it makes exactly the proof arkworks'
//! `Groth16::create_proof_with_reduction` makes, so that keys from arkworks'
//! setup (and the ceremony) work unchanged:
//!
//! * `A = alpha + Σ a_query·z + r·delta`
//! * `B = beta + Σ b_query·z + s·delta` (in G2, and in G1 when `r ≠ 0`)
//! * `C = s·A + r·B₁ − r·s·delta + Σ l_query·w + Σ h_query·h`
//!
//! with `z` the full assignment (the constant one, the public inputs, the
//! witness `w`) and `h` the QAP quotient ([`qap::quotient`]).

use std::time::Instant;

use ark_bn254::{Fr, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{UniformRand, Zero};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError,
};
use ark_std::rand::{CryptoRng, RngCore};
use zkr_cuda::{Backend, BackendError};

use super::{qap, without_span_traces, Groth16Error, Proof, ProvingKey};

/// Proves `circuit` (with its witness assigned) under `pk`, with MSMs and NTTs on `backend`.
pub fn prove_with<C, R>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    circuit: C,
    rng: &mut R,
) -> Result<Proof, Groth16Error>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    prove_with_stages(backend, pk, circuit, rng, &mut |_| {})
}

/// A finished stage of one Groth16 proof, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The circuit's constraints and assignment (witness synthesis).
    Synthesis,
    /// The QAP quotient `h` (the NTTs).
    Quotient,
    /// The multi-scalar multiplications, and the proof.
    Msm,
}

/// [`prove_with`], calling `on_stage` as each [`Stage`] ends (what a cost
/// breakdown or a progress display hangs on).
pub fn prove_with_stages<C, R>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    circuit: C,
    rng: &mut R,
    on_stage: &mut dyn FnMut(Stage),
) -> Result<Proof, Groth16Error>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    // Drawn in arkworks' order: the same rng gives the same proof as arkworks' prover.
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    prove_stages(backend, pk, circuit, r, s, on_stage)
}

/// Proves `circuit` under `pk` with blinding `r` and `s` (zero-knowledge only if they are random).
pub fn prove_with_randomness<C>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof, Groth16Error>
where
    C: ConstraintSynthesizer<Fr>,
{
    prove_stages(backend, pk, circuit, r, s, &mut |_| {})
}

fn prove_stages<C>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    circuit: C,
    r: Fr,
    s: Fr,
    on_stage: &mut dyn FnMut(Stage),
) -> Result<Proof, Groth16Error>
where
    C: ConstraintSynthesizer<Fr>,
{
    let start = Instant::now();
    let (matrices, z) = synthesize(circuit)?;
    let constraints = matrices.num_constraints;
    tracing::debug!(elapsed = ?start.elapsed(), constraints, "synthesized");
    on_stage(Stage::Synthesis);
    let form = check_key(pk, &matrices)?;

    let start = Instant::now();
    let h = qap::quotient(backend, &matrices, &z, form)?;
    let inputs = matrices.num_instance_variables;
    drop(matrices);
    tracing::debug!(elapsed = ?start.elapsed(), backend = backend.name(), "QAP quotient");
    on_stage(Stage::Quotient);
    let proof = msms(backend, pk, &z, inputs, h, r, s)?;
    on_stage(Stage::Msm);
    Ok(proof)
}

/// Proves from a circuit's QAP [`Rows`](qap::Rows) on its domain and its full
/// assignment `z` (the constant one, the public inputs, the witness): the way
/// a snarkjs `.zkey` is proven, whose coefficients give the rows without a
/// constraint system. The rows are not checked against each other (a `.zkey`
/// holds no `C`): an assignment that does not satisfy the circuit gives a
/// proof that does not verify.
pub fn prove_rows<R: RngCore + CryptoRng>(
    backend: &dyn Backend,
    pk: &ProvingKey,
    z: &[Fr],
    rows: qap::Rows,
    rng: &mut R,
) -> Result<Proof, Groth16Error> {
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let inputs = pk.vk.gamma_abc_g1.len();
    let witness = z.len().saturating_sub(inputs);
    let form = check_queries(pk, z.len(), witness, rows.a.len())?;
    let h = qap::quotient_of_rows(backend, rows, form)?;
    msms(backend, pk, z, inputs, h, r, s)
}

/// The proof's multi-scalar multiplications, given the assignment `z` (its
/// first `inputs` values the instance) and the quotient `h`.
fn msms(
    backend: &dyn Backend,
    pk: &ProvingKey,
    z: &[Fr],
    inputs: usize,
    h: Vec<Fr>,
    r: Fr,
    s: Fr,
) -> Result<Proof, Groth16Error> {
    let witness = &z[inputs..];
    let start = Instant::now();
    let backend_error = |source: BackendError| Groth16Error::Backend {
        backend: backend.name(),
        source,
    };
    // `h` has degree at most `n − 2` for a satisfying assignment: its top
    // coefficient is zero, and the key has `n − 1` powers.
    let h_acc = backend
        .msm_g1(&pk.h_query, &h[..pk.h_query.len()])
        .map_err(backend_error)?;
    drop(h);
    let l_acc = backend
        .msm_g1(&pk.l_query, witness)
        .map_err(backend_error)?;

    let delta_g1 = G1Projective::from(pk.delta_g1);
    let a = backend.msm_g1(&pk.a_query, z).map_err(backend_error)? + pk.vk.alpha_g1 + delta_g1 * r;
    // `B` in G1 only enters `C` multiplied by `r`.
    let b_g1 = if r.is_zero() {
        G1Projective::zero()
    } else {
        backend.msm_g1(&pk.b_g1_query, z).map_err(backend_error)? + pk.beta_g1 + delta_g1 * s
    };
    let b_g2 = backend.msm_g2(&pk.b_g2_query, z).map_err(backend_error)?
        + pk.vk.beta_g2
        + pk.vk.delta_g2 * s;
    let c = a * s + b_g1 * r - delta_g1 * (r * s) + l_acc + h_acc;
    let proof = Proof {
        a: a.into_affine(),
        b: b_g2.into_affine(),
        c: c.into_affine(),
    };
    tracing::debug!(elapsed = ?start.elapsed(), backend = backend.name(), "MSMs");
    Ok(proof)
}

/// The constraint matrices and the full assignment (instance, then witness) of `circuit`.
fn synthesize<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> Result<(ConstraintMatrices<Fr>, Vec<Fr>), Groth16Error> {
    let synthesis_error = |source| Groth16Error::Synthesis {
        phase: "proving",
        source,
    };
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    without_span_traces(|| {
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        Ok(())
    })
    .map_err(synthesis_error)?;
    let cs = cs
        .borrow()
        .ok_or(SynthesisError::MissingCS)
        .map_err(synthesis_error)?;
    let matrices = cs
        .to_matrices()
        .ok_or(SynthesisError::MissingCS)
        .map_err(synthesis_error)?;
    let z = [
        cs.instance_assignment.as_slice(),
        cs.witness_assignment.as_slice(),
    ]
    .concat();
    Ok((matrices, z))
}

/// Checks the key's query lengths against the circuit and tells which
/// quotient its `h_query` takes (arkworks' keys or a snarkjs `.zkey`'s).
fn check_key(
    pk: &ProvingKey,
    matrices: &ConstraintMatrices<Fr>,
) -> Result<qap::QuotientForm, Groth16Error> {
    let variables = matrices.num_instance_variables + matrices.num_witness_variables;
    let n = qap::domain_size(matrices.num_constraints, matrices.num_instance_variables)?;
    check_queries(pk, variables, matrices.num_witness_variables, n)
}

/// Checks the key's query lengths against a circuit of `variables` wires
/// (`witness` of them private) on a domain of `n` rows, and tells which
/// quotient its `h_query` takes.
fn check_queries(
    pk: &ProvingKey,
    variables: usize,
    witness: usize,
    n: usize,
) -> Result<qap::QuotientForm, Groth16Error> {
    for (query, got, expected) in [
        ("a_query", pk.a_query.len(), variables),
        ("b_g1_query", pk.b_g1_query.len(), variables),
        ("b_g2_query", pk.b_g2_query.len(), variables),
        ("l_query", pk.l_query.len(), witness),
    ] {
        if got != expected {
            return Err(Groth16Error::QueryLength {
                query,
                expected,
                got,
            });
        }
    }
    // n − 1 points: arkworks' powers of τ; n: a .zkey's odd-coset Lagrange points.
    qap::QuotientForm::of_key(pk.h_query.len(), n).ok_or(Groth16Error::QueryLength {
        query: "h_query",
        expected: n.saturating_sub(1),
        got: pk.h_query.len(),
    })
}
