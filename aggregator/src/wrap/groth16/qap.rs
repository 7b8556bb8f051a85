//! The R1CS-to-QAP witness map: the quotient `h = (a·b − c) / Z_H`.
//!
//! This is arkworks' `LibsnarkReduction` (the reduction arkworks' setup makes
//! its keys for): the constraint rows are evaluated on the subgroup `H` of the
//! smallest power-of-two size at least `constraints + inputs`, with the public
//! inputs in extra rows of `a`, and the quotient is taken on the coset `g·H`
//! (`g` the field's multiplicative generator), where `Z_H` is the constant
//! `g^n − 1`. The transforms run on a [`Backend`].

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use ark_relations::r1cs::{ConstraintMatrices, SynthesisError};
use rayon::prelude::*;
use zkr_cuda::Backend;

use super::Groth16Error;

/// Size of the evaluation domain of a circuit with these many constraints and
/// instance variables (the constant one included).
pub fn domain_size(num_constraints: usize, num_inputs: usize) -> Result<usize, Groth16Error> {
    num_constraints
        .checked_add(num_inputs)
        .and_then(usize::checked_next_power_of_two)
        .filter(|n| n.trailing_zeros() <= Fr::TWO_ADICITY)
        .ok_or(Groth16Error::Synthesis {
            phase: "proving",
            source: SynthesisError::PolynomialDegreeTooLarge,
        })
}

/// How a proving key's `h_query` takes the quotient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotientForm {
    /// arkworks' keys: `h_query[i] = τ^i·Z_H(τ)/δ`, `n − 1` points, paired
    /// with the coefficients of `h`.
    Coefficients,
    /// snarkjs's `.zkey`: `h_query[i] = L_{2i+1}(τ)/δ` in the Lagrange basis of
    /// the domain of size `2n`, `n` points, paired with the values of
    /// `a·b − c` on the odd coset `ω_{2n}·H` (where `Z_H = −2`; the factor is
    /// in the points).
    OddCoset,
}

impl QuotientForm {
    /// The form a key with `h_points` quotient points has on a domain of size `n`.
    pub fn of_key(h_points: usize, n: usize) -> Option<Self> {
        if h_points + 1 == n {
            Some(QuotientForm::Coefficients)
        } else if h_points == n {
            Some(QuotientForm::OddCoset)
        } else {
            None
        }
    }
}

/// `ω_{2n}`, a primitive root of unity of order `2n`: the odd coset's offset.
fn odd_coset_offset(n: usize) -> Result<Fr, Groth16Error> {
    Fr::get_root_of_unity(2 * n as u64).ok_or(Groth16Error::Synthesis {
        phase: "proving",
        source: SynthesisError::PolynomialDegreeTooLarge,
    })
}

/// The quotient for `assignment` (instance then witness values) in `form`,
/// `domain_size` values; fails if the assignment does not satisfy a
/// constraint (no quotient exists then).
///
/// # Panics
///
/// If a row of `matrices` names a variable past the end of `assignment`:
/// both must come from the same constraint system.
pub fn quotient(
    backend: &dyn Backend,
    matrices: &ConstraintMatrices<Fr>,
    assignment: &[Fr],
    form: QuotientForm,
) -> Result<Vec<Fr>, Groth16Error> {
    let num_constraints = matrices.num_constraints;
    let num_inputs = matrices.num_instance_variables;
    let n = domain_size(num_constraints, num_inputs)?;

    let mut a = vec![Fr::zero(); n];
    let mut b = vec![Fr::zero(); n];
    let mut c = vec![Fr::zero(); n];
    a[..num_constraints]
        .par_iter_mut()
        .zip(&mut b[..num_constraints])
        .zip(&mut c[..num_constraints])
        .zip(matrices.a.par_iter().zip(&matrices.b).zip(&matrices.c))
        .for_each(|(((a, b), c), ((a_row, b_row), c_row))| {
            *a = evaluate_row(a_row, assignment);
            *b = evaluate_row(b_row, assignment);
            *c = evaluate_row(c_row, assignment);
        });
    // Checked here, where it costs one product per constraint, because an
    // unsatisfying witness would otherwise only show after every MSM, as a
    // proof that does not verify.
    if let Some(index) = a[..num_constraints]
        .par_iter()
        .zip(&b[..num_constraints])
        .zip(&c[..num_constraints])
        .position_first(|((a, b), c)| *a * b != *c)
    {
        return Err(Groth16Error::Unsatisfied {
            index,
            num_constraints,
        });
    }
    // The input rows make the inputs' QAP polynomials linearly independent
    // (as libsnark's reduction does); their `b` and `c` rows are zero.
    a[num_constraints..num_constraints + num_inputs].copy_from_slice(&assignment[..num_inputs]);
    quotient_of_rows(backend, Rows { a, b, c }, form)
}

/// A circuit's rows on its evaluation domain: `a = A·z`, `b = B·z`,
/// `c = C·z`, one value per row (the input rows and the padding included), a
/// power-of-two count each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rows {
    /// `A·z`.
    pub a: Vec<Fr>,
    /// `B·z`.
    pub b: Vec<Fr>,
    /// `C·z`.
    pub c: Vec<Fr>,
}

/// The quotient in `form` from a circuit's [`Rows`] (see [`quotient`]).
pub fn quotient_of_rows(
    backend: &dyn Backend,
    rows: Rows,
    form: QuotientForm,
) -> Result<Vec<Fr>, Groth16Error> {
    let Rows {
        mut a,
        mut b,
        mut c,
    } = rows;
    let n = a.len();
    if !n.is_power_of_two() || b.len() != n || c.len() != n {
        return Err(Groth16Error::Malformed {
            what: "QAP rows",
            reason: format!(
                "a, b and c must have one power-of-two length, got {}, {} and {}",
                n,
                b.len(),
                c.len()
            ),
        });
    }
    let offset = match form {
        QuotientForm::Coefficients => Fr::GENERATOR,
        QuotientForm::OddCoset => odd_coset_offset(n)?,
    };
    let backend_error = |source| Groth16Error::Backend {
        backend: backend.name(),
        source,
    };
    for values in [&mut a, &mut b, &mut c] {
        backend.intt(values).map_err(backend_error)?;
        backend.coset_ntt(values, offset).map_err(backend_error)?;
    }
    if form == QuotientForm::OddCoset {
        // The key's points already carry Z_H(τ): the values are the answer.
        a.par_iter_mut()
            .zip(&b)
            .zip(&c)
            .for_each(|((a, b), c)| *a = *a * b - c);
        return Ok(a);
    }
    let z_inverse =
        (offset.pow([n as u64]) - Fr::one())
            .inverse()
            .ok_or(Groth16Error::Synthesis {
                phase: "proving",
                source: SynthesisError::UnexpectedIdentity,
            })?;
    a.par_iter_mut()
        .zip(&b)
        .zip(&c)
        .for_each(|((a, b), c)| *a = (*a * b - c) * z_inverse);
    drop((b, c));
    backend.coset_intt(&mut a, offset).map_err(backend_error)?;
    Ok(a)
}

/// `⟨row, assignment⟩` for one sparse constraint row.
fn evaluate_row(row: &[(Fr, usize)], assignment: &[Fr]) -> Fr {
    row.iter()
        .map(|(coeff, index)| {
            let value = assignment[*index];
            // Most coefficients are one: skip the multiplication.
            if coeff.is_one() {
                value
            } else {
                value * coeff
            }
        })
        .sum()
}
