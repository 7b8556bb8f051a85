//! An arkworks circuit's R1CS, synthesized as zkr's Groth16 prover does, in
//! the wire numbering of the [module documentation](super).

use ark_bn254::Fr;
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError,
    SynthesisMode,
};
use zkr_aggregator::wrap::groth16::without_span_traces;

use super::{Constraint, R1cs, R1csError, Term};

/// Why a circuit could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The circuit's synthesis failed.
    #[error("synthesizing the circuit: {0}")]
    Synthesis(#[from] SynthesisError),
    /// arkworks' matrices disagree with their own counts.
    #[error("constraint matrices: {0}")]
    Matrices(String),
    /// The circuit does not fit the format (more than 2^32 - 1 wires).
    #[error(transparent)]
    Format(#[from] R1csError),
}

/// The R1CS of `circuit`, with the matrices zkr's Groth16 prover builds.
///
/// The constraint system is set up as the prover's (constraints as the
/// optimization goal, symbolic linear combinations inlined by `finalize`) in
/// setup mode, as arkworks' Groth16 generator does: the matrices are the
/// prover's, without computing a witness.
pub fn from_circuit<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<R1cs, ExportError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    // arkworks keeps a span trace per constraint: without this guard the wrap
    // circuit's synthesis grows by tens of GB under a logging subscriber.
    without_span_traces(|| {
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        Ok::<_, SynthesisError>(())
    })?;
    let matrices = cs.to_matrices().ok_or(SynthesisError::MissingCS)?;
    // The constraint system holds as much again as the matrices: free it first.
    drop(cs);
    from_matrices(matrices)
}

/// The R1CS of arkworks' constraint matrices (instance variables, the
/// constant one first, then witness variables, as wires).
///
/// Consumes the matrices row by row, so the two copies never both stand whole.
pub fn from_matrices(m: ConstraintMatrices<Fr>) -> Result<R1cs, ExportError> {
    let n_wires = m.num_instance_variables as u64 + m.num_witness_variables as u64;
    let n_wires = u32::try_from(n_wires).map_err(|_| R1csError::TooLarge {
        what: "wires",
        got: n_wires,
    })?;
    let n_pub_in = u32::try_from(m.num_instance_variables.saturating_sub(1)).map_err(|_| {
        R1csError::TooLarge {
            what: "public inputs",
            got: m.num_instance_variables as u64,
        }
    })?;
    let num_constraints = m.num_constraints;
    if [m.a.len(), m.b.len(), m.c.len()] != [num_constraints; 3] {
        return Err(ExportError::Matrices(format!(
            "A, B, C have {}, {}, {} rows for {num_constraints} constraints",
            m.a.len(),
            m.b.len(),
            m.c.len()
        )));
    }
    let row = |row: Vec<(Fr, usize)>| -> Result<Vec<Term>, ExportError> {
        row.into_iter()
            .map(|(coeff, index)| {
                let wire = u32::try_from(index).map_err(|_| R1csError::TooLarge {
                    what: "wire index",
                    got: index as u64,
                })?;
                Ok(Term { wire, coeff })
            })
            .collect()
    };
    let mut constraints = Vec::with_capacity(num_constraints);
    for ((a, b), c) in m.a.into_iter().zip(m.b).zip(m.c) {
        constraints.push(Constraint {
            a: row(a)?,
            b: row(b)?,
            c: row(c)?,
        });
    }
    Ok(R1cs {
        n_wires,
        n_pub_out: 0,
        n_pub_in,
        // arkworks does not tell private inputs from intermediate values.
        n_prv_in: 0,
        n_labels: u64::from(n_wires),
        constraints,
        wire_labels: (0..u64::from(n_wires)).collect(),
    })
}
