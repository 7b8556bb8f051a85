//! The SHA-256 bit functions (Σ/σ, Ch, Maj) as low-degree polynomials, over any
//! [`Algebra`] (see [`crate::gadgets::algebraic`]).

use super::native::{Sigma, WORD_BITS};
pub(crate) use crate::gadgets::algebraic::Algebra;

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
