//! One description of each gate's constraints, evaluated over field values (prover and native
//! verifier, packed or not) and over targets (plonky2's recursive verifier).
//!
//! Writing the constraints once, generically, keeps `eval_unfiltered`,
//! `eval_unfiltered_base_packed` and `eval_unfiltered_circuit` in lockstep by construction.

use core::marker::PhantomData;

use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::native::{Sigma, WORD_BITS};

/// The arithmetic a constraint is written in: field values or in-circuit targets.
pub(crate) trait Algebra {
    /// A value: a (packed) field element or an extension target.
    type V: Copy;

    /// A small integer constant.
    fn constant(&mut self, c: i64) -> Self::V;
    /// A field constant given by its (possibly non-canonical) 64-bit value.
    fn field_constant(&mut self, c: u64) -> Self::V;
    /// `a + b`.
    fn add(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    fn sub(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V;
    /// `c0 * a * b + c1 * d`: one arithmetic operation in-circuit.
    fn arith(&mut self, c0: i64, a: Self::V, b: Self::V, c1: i64, d: Self::V) -> Self::V;
    /// `c * a + d`.
    fn scale_add(&mut self, c: i64, a: Self::V, d: Self::V) -> Self::V;
}

/// Field values: base, packed base, or extension field (all are `PackedField`s).
pub(crate) struct Native<P>(PhantomData<P>);

impl<P> Native<P> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P: PackedField> Algebra for Native<P> {
    type V = P;

    fn constant(&mut self, c: i64) -> P {
        P::from(P::Scalar::from_noncanonical_i64(c))
    }

    fn field_constant(&mut self, c: u64) -> P {
        P::from(P::Scalar::from_noncanonical_u64(c))
    }

    fn add(&mut self, a: P, b: P) -> P {
        a + b
    }

    fn sub(&mut self, a: P, b: P) -> P {
        a - b
    }

    fn mul(&mut self, a: P, b: P) -> P {
        a * b
    }

    fn arith(&mut self, c0: i64, a: P, b: P, c1: i64, d: P) -> P {
        a * b * P::Scalar::from_noncanonical_i64(c0) + d * P::Scalar::from_noncanonical_i64(c1)
    }

    fn scale_add(&mut self, c: i64, a: P, d: P) -> P {
        a * P::Scalar::from_noncanonical_i64(c) + d
    }
}

/// Extension targets in a circuit that verifies a proof (the recursive verifier).
pub(crate) struct InCircuit<'a, F: RichField + Extendable<D>, const D: usize> {
    pub(crate) builder: &'a mut CircuitBuilder<F, D>,
}

impl<F: RichField + Extendable<D>, const D: usize> Algebra for InCircuit<'_, F, D> {
    type V = ExtensionTarget<D>;

    fn constant(&mut self, c: i64) -> Self::V {
        self.builder
            .constant_extension(F::Extension::from_noncanonical_i64(c))
    }

    fn field_constant(&mut self, c: u64) -> Self::V {
        self.builder
            .constant_extension(F::Extension::from_noncanonical_u64(c))
    }

    fn add(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.builder.add_extension(a, b)
    }

    fn sub(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.builder.sub_extension(a, b)
    }

    fn mul(&mut self, a: Self::V, b: Self::V) -> Self::V {
        self.builder.mul_extension(a, b)
    }

    fn arith(&mut self, c0: i64, a: Self::V, b: Self::V, c1: i64, d: Self::V) -> Self::V {
        self.builder.arithmetic_extension(
            F::from_noncanonical_i64(c0),
            F::from_noncanonical_i64(c1),
            a,
            b,
            d,
        )
    }

    fn scale_add(&mut self, c: i64, a: Self::V, d: Self::V) -> Self::V {
        let one = self.builder.one_extension();
        self.builder
            .arithmetic_extension(F::from_noncanonical_i64(c), F::ONE, a, one, d)
    }
}

/// `b * (b - 1)`: zero iff `b` is a bit.
pub(crate) fn boolean<A: Algebra>(alg: &mut A, b: A::V) -> A::V {
    alg.arith(1, b, b, -1, b)
}

/// `a XOR b` on bits, degree 2.
pub(crate) fn xor2<A: Algebra>(alg: &mut A, a: A::V, b: A::V) -> A::V {
    let sum = alg.add(a, b);
    alg.arith(-2, a, b, 1, sum)
}

/// `a XOR b XOR c` on bits, degree 3.
pub(crate) fn xor3<A: Algebra>(alg: &mut A, a: A::V, b: A::V, c: A::V) -> A::V {
    let ab = xor2(alg, a, b);
    xor2(alg, ab, c)
}

/// `Ch(e, f, g) = g + e (f - g)` on bits, degree 2.
pub(crate) fn ch<A: Algebra>(alg: &mut A, e: A::V, f: A::V, g: A::V) -> A::V {
    let diff = alg.sub(f, g);
    alg.arith(1, e, diff, 1, g)
}

/// `Maj(a, b, c) = ab + c (a XOR b)` on bits, degree 3.
pub(crate) fn maj<A: Algebra>(alg: &mut A, a: A::V, b: A::V, c: A::V) -> A::V {
    let a_xor_b = xor2(alg, a, b);
    let ab = alg.mul(a, b);
    alg.arith(1, c, a_xor_b, 1, ab)
}

/// Output bit `i` of a Σ/σ function of the word with little-endian `bits`.
pub(crate) fn sigma_bit<A: Algebra>(alg: &mut A, sigma: Sigma, bits: &[A::V], i: usize) -> A::V {
    match sigma.taps(i) {
        ([p, q], Some(r)) => xor3(alg, bits[p], bits[q], bits[r]),
        ([p, q], None) => xor2(alg, bits[p], bits[q]),
    }
}

/// `sum_i 2^i terms[i]` for little-endian `terms` (Horner, one operation per term).
pub(crate) fn le_sum<A: Algebra>(alg: &mut A, terms: &[A::V]) -> A::V {
    let zero = alg.constant(0);
    terms
        .iter()
        .rev()
        .fold(zero, |acc, &t| alg.scale_add(2, acc, t))
}

/// Constraints tying a word to its 32 little-endian bits: booleanity of each bit, then the sum.
pub(crate) fn word_bits<A: Algebra>(alg: &mut A, word: A::V, bits: &[A::V]) -> Vec<A::V> {
    debug_assert_eq!(bits.len(), WORD_BITS);
    let mut constraints: Vec<A::V> = bits.iter().map(|&b| boolean(alg, b)).collect();
    let sum = le_sum(alg, bits);
    constraints.push(alg.sub(sum, word));
    constraints
}
