//! A circuit's rank-1 constraint system in circom's binary `.r1cs` format,
//! the input of phase 2 (`snarkjs groth16 setup`), exported from zkr's
//! arkworks circuits.
//!
//! * [`format`]: the file, written and read (every rule checked on read).
//! * [`export`]: an arkworks circuit's constraints, as zkr's Groth16 prover
//!   synthesizes them.
//!
//! # Wires
//!
//! A constraint says `(A·w) * (B·w) = C·w` for the assignment `w` of the
//! wires. Wire 0 is the constant one, as in circom. For a circuit exported
//! from arkworks ([`export::from_circuit`]), with `n` instance variables
//! (arkworks counts the constant one among them) and `m` witness variables:
//!
//! | wires | arkworks variable |
//! |---|---|
//! | 0 | the constant one (instance variable 0) |
//! | 1..n | the public inputs (instance variables 1..n) |
//! | n + j, for j in 0..m | witness variable j |
//!
//! so arkworks' full assignment `[instance..., witness...]` is the wire
//! assignment as it stands, and the header counts `n - 1` public inputs, no
//! outputs and no private inputs (arkworks does not tell a circuit's private
//! inputs from its intermediate values; every witness variable is a plain
//! wire). Wire `i` has label `i`.

pub mod export;
pub mod format;

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use rayon::prelude::*;

pub use format::{Matrix, R1csError};

/// One term of a linear combination: a coefficient times a wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The wire (see the [module documentation](self) for the numbering).
    pub wire: u32,
    /// Its coefficient.
    pub coeff: Fr,
}

/// One constraint, `(A·w) * (B·w) = C·w`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraint {
    /// The terms of A.
    pub a: Vec<Term>,
    /// The terms of B.
    pub b: Vec<Term>,
    /// The terms of C.
    pub c: Vec<Term>,
}

impl Constraint {
    /// A, B and C with their names, in file order.
    pub fn matrices(&self) -> [(Matrix, &[Term]); 3] {
        [
            (Matrix::A, &self.a),
            (Matrix::B, &self.b),
            (Matrix::C, &self.c),
        ]
    }
}

/// A rank-1 constraint system over BN254's scalar field, as a `.r1cs` file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1cs {
    /// Number of wires, the constant one included.
    pub n_wires: u32,
    /// Public outputs (wires 1..=n_pub_out in circom).
    pub n_pub_out: u32,
    /// Public inputs (the wires after the outputs).
    pub n_pub_in: u32,
    /// Private inputs (the wires after the public inputs).
    pub n_prv_in: u32,
    /// Number of labels (circom's signals, including the ones its optimizer removed).
    pub n_labels: u64,
    /// The constraints.
    pub constraints: Vec<Constraint>,
    /// The label of each wire (one per wire).
    pub wire_labels: Vec<u64>,
}

impl R1cs {
    /// Public values of the proofs: outputs and public inputs (snarkjs's `nPublic`).
    pub fn num_public(&self) -> u64 {
        u64::from(self.n_pub_out) + u64::from(self.n_pub_in)
    }

    /// Number of terms in all of A, B and C.
    pub fn num_terms(&self) -> u64 {
        self.constraints
            .par_iter()
            .map(|c| (c.a.len() + c.b.len() + c.c.len()) as u64)
            .sum()
    }

    /// The smallest powers-of-tau power whose file can set this circuit up.
    pub fn min_ptau_power(&self) -> u32 {
        min_ptau_power(self.constraints.len() as u64, self.num_public())
    }

    /// Checks that `assignment` (one value per wire) satisfies every
    /// constraint; the error names the first one that fails.
    pub fn is_satisfied(&self, assignment: &[Fr]) -> Result<(), SatisfactionError> {
        if assignment.len() != self.n_wires as usize {
            return Err(SatisfactionError::Length {
                expected: self.n_wires,
                got: assignment.len(),
            });
        }
        match assignment.first() {
            Some(one) if !one.is_one() => return Err(SatisfactionError::One { got: *one }),
            _ => {}
        }
        let failure = self
            .constraints
            .par_iter()
            .enumerate()
            .find_map_first(|(i, c)| check_constraint(i, c, assignment).err());
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The smallest powers-of-tau power for `constraints` constraints and
/// `public` public values: snarkjs's `zkey new` rule, `floor(log2(constraints
/// + public)) + 1`.
///
/// Groth16's domain holds the constraints and one more per public value and
/// for the constant one, so it needs the next power of two at least
/// `constraints + public + 1`: arkworks' domain for the same circuit.
pub fn min_ptau_power(constraints: u64, public: u64) -> u32 {
    let n = constraints + public;
    // snarkjs's log2 of 0 is 0.
    let floor_log2 = if n == 0 { 0 } else { n.ilog2() };
    floor_log2 + 1
}

fn check_constraint(
    index: usize,
    c: &Constraint,
    assignment: &[Fr],
) -> Result<(), SatisfactionError> {
    let eval = |terms: &[Term]| {
        terms.iter().try_fold(Fr::zero(), |acc, t| {
            assignment
                .get(t.wire as usize)
                .map(|v| acc + t.coeff * v)
                .ok_or(SatisfactionError::Wire {
                    constraint: index,
                    wire: t.wire,
                    len: assignment.len(),
                })
        })
    };
    let (a, b, c) = (eval(&c.a)?, eval(&c.b)?, eval(&c.c)?);
    if a * b == c {
        Ok(())
    } else {
        Err(SatisfactionError::Unsatisfied {
            constraint: index,
            a,
            b,
            c,
        })
    }
}

/// Why an assignment does not satisfy an R1CS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SatisfactionError {
    /// Not one value per wire.
    #[error("assignment has {got} values, the R1CS has {expected} wires")]
    Length {
        /// The number of wires.
        expected: u32,
        /// The assignment's length.
        got: usize,
    },
    /// Wire 0 is not 1.
    #[error("wire 0 (the constant one) is assigned {got}, expected 1")]
    One {
        /// Its value.
        got: Fr,
    },
    /// A term names a wire past the assignment (an R1CS not checked by [`R1cs::write`] or read).
    #[error("constraint {constraint}: wire {wire} is past the assignment's {len} values")]
    Wire {
        /// The constraint's index.
        constraint: usize,
        /// The wire.
        wire: u32,
        /// The assignment's length.
        len: usize,
    },
    /// `(A·w) * (B·w) != C·w`.
    #[error("constraint {constraint} is not satisfied: A·w = {a}, B·w = {b}, C·w = {c}, and (A·w)(B·w) != C·w")]
    Unsatisfied {
        /// The constraint's index (0-based, file order).
        constraint: usize,
        /// A·w.
        a: Fr,
        /// B·w.
        b: Fr,
        /// C·w.
        c: Fr,
    },
}

#[cfg(test)]
mod tests {
    use super::min_ptau_power;

    #[test]
    fn ptau_power_follows_snarkjs() {
        // floor(log2(n)) + 1 for n = constraints + public values.
        assert_eq!(min_ptau_power(0, 0), 1);
        assert_eq!(min_ptau_power(1, 0), 1);
        assert_eq!(min_ptau_power(3, 0), 2);
        assert_eq!(min_ptau_power(3, 1), 3);
        assert_eq!(min_ptau_power(1023, 1), 11);
        assert_eq!(min_ptau_power(1022, 1), 10);
        // The wrap circuit: 2,736,848 constraints and one public input.
        assert_eq!(min_ptau_power(2_736_848, 1), 22);
    }
}
