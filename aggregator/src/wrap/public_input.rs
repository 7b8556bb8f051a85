//! The wrap proof's one public input: natively (what L1 recomputes) and as an
//! R1CS gadget (what the wrap circuit proves), side by side.
//!
//! # Specification (what the L1 contract implements)
//!
//! The plonky2 proof states `old_root`, `new_root` (4 Goldilocks elements each,
//! `p = 2^64 - 2^32 + 1`) and `commitment` (32 bytes: the SHA-256 commitment,
//! carried as 8 big-endian `u32` words). The Groth16 wrap proof has one public
//! input, an element of BN254's scalar field `Fr` (modulus `r`):
//!
//! ```text
//! root_bytes(root)  = be64(root[0]) || be64(root[1]) || be64(root[2]) || be64(root[3])   (32 bytes)
//!                     where be64(x) is the canonical value of x (in [0, p)) as 8 bytes big-endian
//! preimage          = root_bytes(old_root) || root_bytes(new_root) || commitment           (96 bytes)
//! public_input      = uint256_be(SHA-256(preimage)) mod r
//! ```
//!
//! In Solidity, with roots stored as `bytes32` in the layout of [`root_bytes`]:
//!
//! ```solidity
//! uint256 input = uint256(sha256(abi.encodePacked(oldRoot, newRoot, commitment))) % R;
//! ```
//!
//! where `R = 21888242871839275222246405745257275088548364400416034343698204186575808495617`.
//! The input is passed to the verifier as that `uint256` (32 bytes big-endian,
//! [`public_input_bytes`]).
//!
//! # The gadget
//!
//! [`public_input_var`] takes the 16 values as `Fr` variables holding their
//! integers and proves the same function. It enforces that each root element is
//! canonical (`< p`: without it `x` and `x + p`, both below `2^64`, would be two
//! encodings of one root with different hashes) and each commitment word is
//! below `2^32`. The bits of those range checks are the SHA-256 message bits
//! (no second decomposition). SHA-256 is a bit-level circuit with constants
//! folded (the IV, the padding words and the round constants cost nothing):
//! `Ch` costs 1 constraint per bit, `Maj` and 3-way XOR 2, and additions are
//! kept as unreduced integers until bits are needed, then reduced in one
//! constraint per bit of the largest possible sum (32 result bits and up to
//! 4 carry bits). The digest's 256 bits are packed big-endian into one `Fr`
//! (a linear combination, no constraint), which is the integer mod `r`.
//!
//! Cost: 51,959 constraints, pinned by a test: 776 for the range checks
//! (`8 × 65 + 8 × 32`), 51,183 for the two compressions. Arkworks'
//! `Sha256Gadget` takes 80,362 for the same 96 bytes, before range checks.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_relations::r1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::PrimeField64;
use plonky2::hash::hash_types::HashOut;
use sha2::{Digest as _, Sha256};
use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::gadgets::sha256::native::{INITIAL_STATE, ROUND_CONSTANTS};

/// Length of the hashed message: two roots and the commitment.
pub const PREIMAGE_LEN: usize = 96;

// ---------------------------------------------------------------------------
// Native
// ---------------------------------------------------------------------------

/// A root's 32-byte encoding: each element's canonical `u64`, big-endian, in order.
pub fn root_bytes(root: &[GoldilocksField; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, x) in out.chunks_exact_mut(8).zip(root) {
        chunk.copy_from_slice(&x.to_canonical_u64().to_be_bytes());
    }
    out
}

/// [`root_bytes`] of a plonky2 hash output (a state root).
pub fn digest_bytes(digest: &HashOut<GoldilocksField>) -> [u8; 32] {
    root_bytes(&digest.elements)
}

/// The commitment as the 8 big-endian `u32` words the plonky2 proof carries.
pub fn commitment_words(commitment: &[u8; 32]) -> [u32; 8] {
    let mut words = [0u32; 8];
    for (w, c) in words.iter_mut().zip(commitment.chunks_exact(4)) {
        *w = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    words
}

/// The 96 hashed bytes: `root_bytes(old_root) || root_bytes(new_root) || commitment`.
pub fn public_input_preimage(
    old_root: &[GoldilocksField; 4],
    new_root: &[GoldilocksField; 4],
    commitment: &[u8; 32],
) -> [u8; PREIMAGE_LEN] {
    let mut out = [0u8; PREIMAGE_LEN];
    out[..32].copy_from_slice(&root_bytes(old_root));
    out[32..64].copy_from_slice(&root_bytes(new_root));
    out[64..].copy_from_slice(commitment);
    out
}

/// The wrap's public input: `SHA-256(preimage)` as a big-endian integer, mod `r`.
pub fn public_input(
    old_root: &[GoldilocksField; 4],
    new_root: &[GoldilocksField; 4],
    commitment: &[u8; 32],
) -> Fr {
    let digest = Sha256::digest(public_input_preimage(old_root, new_root, commitment));
    Fr::from_be_bytes_mod_order(&digest)
}

/// The public input of a proof stating `values`.
pub fn public_input_of(values: &BatchPublicValues) -> Fr {
    public_input(
        &values.old_root.elements,
        &values.new_root.elements,
        &values.commitment,
    )
}

/// A public input as the EVM passes it: the `uint256` in 32 bytes, big-endian.
pub fn public_input_bytes(input: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&input.into_bigint().to_bytes_be());
    out
}

// ---------------------------------------------------------------------------
// R1CS
// ---------------------------------------------------------------------------

/// The public input in the circuit, from the 16 values as `Fr` variables.
///
/// `old_root` and `new_root` hold Goldilocks elements, `commitment_words` the
/// commitment's big-endian `u32` words. The circuit is unsatisfiable unless
/// every root element is below `p` and every word below `2^32`. The result is
/// a linear combination of the digest bits (no constraint of its own).
pub fn public_input_var(
    cs: ConstraintSystemRef<Fr>,
    old_root: &[FpVar<Fr>; 4],
    new_root: &[FpVar<Fr>; 4],
    commitment_words: &[FpVar<Fr>; 8],
) -> Result<FpVar<Fr>, SynthesisError> {
    let b = Bits { cs: &cs };

    // Message words 0..16: each root element gives its high word then its low word.
    let mut block1 = Vec::with_capacity(16);
    for x in old_root.iter().chain(new_root) {
        let bits = b.goldilocks_bits(x)?;
        block1.push(word_from(&bits[32..]));
        block1.push(word_from(&bits[..32]));
    }
    // Message words 16..24, then the padding of a 768-bit message.
    let mut block2 = Vec::with_capacity(16);
    for w in commitment_words {
        block2.push(word_from(&b.u32_bits(w)?));
    }
    block2.push(const_word(0x8000_0000));
    block2.extend((0..6).map(|_| const_word(0)));
    block2.push(const_word((PREIMAGE_LEN * 8) as u32));

    let mid = b.compress(&State::constant(INITIAL_STATE), &to_block(block1))?;
    let mid = State {
        a: b.reduce(&mid[0])?,
        b: b.reduce(&mid[1])?,
        c: b.reduce(&mid[2])?,
        d: mid[3].clone(),
        e: b.reduce(&mid[4])?,
        f: b.reduce(&mid[5])?,
        g: b.reduce(&mid[6])?,
        h: mid[7].clone(),
    };
    let out = b.compress(&mid, &to_block(block2))?;
    let mut digest = [[Bit::Const(false); 32]; 8];
    for (d, sum) in digest.iter_mut().zip(&out) {
        *d = b.reduce(sum)?;
    }
    b.pack_be(&digest)
}

/// One bit in the circuit: a constant, or a variable constrained (by whoever
/// allocated it) to `{0, 1}`, possibly negated (`1 - var`, free).
#[derive(Clone, Copy, Debug)]
enum Bit {
    Const(bool),
    Var {
        var: Variable,
        /// The bit is `1 - var`.
        not: bool,
        /// The value of `var` (absent while generating keys).
        value: Option<bool>,
    },
}

impl Bit {
    fn value(self) -> Option<bool> {
        match self {
            Bit::Const(b) => Some(b),
            Bit::Var { not, value, .. } => value.map(|v| v ^ not),
        }
    }

    fn not(self) -> Self {
        match self {
            Bit::Const(b) => Bit::Const(!b),
            Bit::Var { var, not, value } => Bit::Var {
                var,
                not: !not,
                value,
            },
        }
    }

    /// Appends `coeff * self` to a linear combination's terms.
    fn push(self, coeff: Fr, terms: &mut Vec<(Fr, Variable)>) {
        match self {
            Bit::Const(false) => {}
            Bit::Const(true) => terms.push((coeff, Variable::One)),
            Bit::Var {
                var, not: false, ..
            } => terms.push((coeff, var)),
            Bit::Var { var, not: true, .. } => {
                terms.push((coeff, Variable::One));
                terms.push((-coeff, var));
            }
        }
    }

    /// `self` as a linear combination.
    fn lc(self) -> Vec<(Fr, Variable)> {
        let mut t = Vec::with_capacity(2);
        self.push(Fr::ONE, &mut t);
        t
    }

    /// Whether both are the same bit (same constant, or same variable and sign).
    fn same(self, other: Bit) -> bool {
        match (self, other) {
            (Bit::Const(a), Bit::Const(b)) => a == b,
            (
                Bit::Var {
                    var: a, not: na, ..
                },
                Bit::Var {
                    var: b, not: nb, ..
                },
            ) => a == b && na == nb,
            _ => false,
        }
    }
}

/// A 32-bit word, least significant bit first.
type Word = [Bit; 32];

fn const_word(x: u32) -> Word {
    core::array::from_fn(|i| Bit::Const((x >> i) & 1 == 1))
}

fn word_from(bits: &[Bit]) -> Word {
    core::array::from_fn(|i| bits[i])
}

fn to_block(words: Vec<Word>) -> [Word; 16] {
    core::array::from_fn(|i| words[i])
}

/// The word whose bit `i` is `f(i)`.
fn try_word(
    mut f: impl FnMut(usize) -> Result<Bit, SynthesisError>,
) -> Result<Word, SynthesisError> {
    let mut out = [Bit::Const(false); 32];
    for (i, bit) in out.iter_mut().enumerate() {
        *bit = f(i)?;
    }
    Ok(out)
}

fn rotr(x: &Word, n: usize) -> Word {
    core::array::from_fn(|i| x[(i + n) % 32])
}

fn shr(x: &Word, n: usize) -> Word {
    core::array::from_fn(|i| {
        if i + n < 32 {
            x[i + n]
        } else {
            Bit::Const(false)
        }
    })
}

fn fr_of(b: bool) -> Fr {
    if b {
        Fr::ONE
    } else {
        Fr::ZERO
    }
}

fn to_lc(terms: Vec<(Fr, Variable)>) -> LinearCombination<Fr> {
    let mut lc = LinearCombination(terms);
    lc.compactify();
    lc
}

/// A word as an unreduced integer: bits times powers of two plus a constant,
/// congruent to the word mod `2^32`. Adding sums costs nothing; reducing one
/// to bits costs one constraint per bit of its largest possible value.
#[derive(Clone, Debug)]
struct Sum {
    terms: Vec<(Fr, Variable)>,
    constant: u64,
    /// Largest value of the variable part.
    var_max: u64,
    /// The value (absent while generating keys).
    value: Option<u64>,
}

impl Sum {
    fn constant(c: u32) -> Self {
        Sum {
            terms: Vec::new(),
            constant: u64::from(c),
            var_max: 0,
            value: Some(u64::from(c)),
        }
    }

    fn word(w: &Word) -> Self {
        let mut sum = Sum::constant(0);
        let mut pow = Fr::ONE;
        for (i, bit) in w.iter().enumerate() {
            match bit {
                Bit::Const(true) => sum.constant += 1 << i,
                Bit::Const(false) => {}
                Bit::Var { .. } => {
                    sum.var_max += 1 << i;
                    bit.push(pow, &mut sum.terms);
                }
            }
            sum.value = sum
                .value
                .zip(bit.value())
                .map(|(v, b)| v + (u64::from(b) << i));
            pow.double_in_place();
        }
        sum
    }

    fn plus(&self, other: &Sum) -> Sum {
        let mut terms = Vec::with_capacity(self.terms.len() + other.terms.len());
        terms.extend_from_slice(&self.terms);
        terms.extend_from_slice(&other.terms);
        Sum {
            terms,
            constant: self.constant + other.constant,
            var_max: self.var_max + other.var_max,
            value: self.value.zip(other.value).map(|(a, b)| a + b),
        }
    }
}

/// SHA-256's eight working words; `d` and `h` are only ever added, so they
/// may stay unreduced.
#[derive(Clone, Debug)]
struct State {
    a: Word,
    b: Word,
    c: Word,
    d: Sum,
    e: Word,
    f: Word,
    g: Word,
    h: Sum,
}

impl State {
    fn constant(words: [u32; 8]) -> Self {
        State {
            a: const_word(words[0]),
            b: const_word(words[1]),
            c: const_word(words[2]),
            d: Sum::constant(words[3]),
            e: const_word(words[4]),
            f: const_word(words[5]),
            g: const_word(words[6]),
            h: Sum::constant(words[7]),
        }
    }

    fn sums(&self) -> [Sum; 8] {
        [
            Sum::word(&self.a),
            Sum::word(&self.b),
            Sum::word(&self.c),
            self.d.clone(),
            Sum::word(&self.e),
            Sum::word(&self.f),
            Sum::word(&self.g),
            self.h.clone(),
        ]
    }
}

/// Bit-level circuit building on one constraint system.
struct Bits<'a> {
    cs: &'a ConstraintSystemRef<Fr>,
}

impl Bits<'_> {
    fn enforce(
        &self,
        a: Vec<(Fr, Variable)>,
        b: Vec<(Fr, Variable)>,
        c: Vec<(Fr, Variable)>,
    ) -> Result<(), SynthesisError> {
        self.cs.enforce_constraint(to_lc(a), to_lc(b), to_lc(c))
    }

    /// A fresh variable holding `value`, with no constraint on it.
    fn unconstrained(&self, value: Option<bool>) -> Result<Bit, SynthesisError> {
        let var = self
            .cs
            .new_witness_variable(|| value.map(fr_of).ok_or(SynthesisError::AssignmentMissing))?;
        Ok(Bit::Var {
            var,
            not: false,
            value,
        })
    }

    /// A fresh bit, constrained boolean: `b * (b - 1) = 0`.
    fn boolean(&self, value: Option<bool>) -> Result<Bit, SynthesisError> {
        let b = self.unconstrained(value)?;
        let mut minus_one = b.lc();
        minus_one.push((-Fr::ONE, Variable::One));
        self.enforce(b.lc(), minus_one, vec![])?;
        Ok(b)
    }

    /// Decomposes `x` into `n` bits, least significant first: `n - 1` are
    /// fresh booleans and the top one is the linear combination
    /// `(x - sum_{i < n-1} 2^i b_i) / 2^(n-1)`, whose booleanity (constrained
    /// here) also enforces `x = sum_i 2^i b_i`. Every use of the top bit
    /// inlines that combination, so it suits bits used a few times.
    fn decompose(
        &self,
        x: Vec<(Fr, Variable)>,
        value: Option<u64>,
        n: usize,
    ) -> Result<Vec<Bit>, SynthesisError> {
        let mut bits = Vec::with_capacity(n);
        let mut rest = x;
        let mut pow = Fr::ONE;
        for i in 0..n - 1 {
            let bit = self.boolean(value.map(|v| (v >> i) & 1 == 1))?;
            bit.push(-pow, &mut rest);
            bits.push(bit);
            pow.double_in_place();
        }
        // rest = 2^(n-1) * top; enforce rest * (rest - 2^(n-1)) = 0.
        let mut rest_minus = rest.clone();
        rest_minus.push((-pow, Variable::One));
        self.enforce(rest.clone(), rest_minus, vec![])?;
        let pow_inv = pow.inverse().ok_or(SynthesisError::DivisionByZero)?;
        let top = self.cs.new_lc(to_lc(
            rest.into_iter().map(|(c, v)| (c * pow_inv, v)).collect(),
        ))?;
        bits.push(Bit::Var {
            var: top,
            not: false,
            value: value.map(|v| (v >> (n - 1)) & 1 == 1),
        });
        Ok(bits)
    }

    /// The 64 bits of a canonical Goldilocks element (least significant
    /// first); unsatisfiable unless `x < p`. 65 constraints.
    ///
    /// `x < 2^64` by the decomposition. Below `2^64`, `x >= p` exactly when
    /// the high word is `2^32 - 1` and the low word is not zero, so one
    /// constraint `(2^32 - 1 - hi) * t = lo` rules it out: a zero left factor
    /// forces `lo = 0`, otherwise `t = lo / (2^32 - 1 - hi)` satisfies it.
    fn goldilocks_bits(&self, x: &FpVar<Fr>) -> Result<Vec<Bit>, SynthesisError> {
        let (terms, value) = fp_terms(x);
        let value = value.map(low_u64);
        let bits = self.decompose(terms, value, 64)?;

        let mut hi_gap = vec![(Fr::from(u32::MAX), Variable::One)];
        let mut lo = Vec::with_capacity(32);
        let mut pow = Fr::ONE;
        for i in 0..32 {
            bits[i].push(pow, &mut lo);
            bits[32 + i].push(-pow, &mut hi_gap);
            pow.double_in_place();
        }
        let t_value = value.map(|v| {
            let gap = u64::from(u32::MAX) - (v >> 32);
            let lo = Fr::from(v & u64::from(u32::MAX));
            Fr::from(gap).inverse().map_or(Fr::ZERO, |g| lo * g)
        });
        let t = self
            .cs
            .new_witness_variable(|| t_value.ok_or(SynthesisError::AssignmentMissing))?;
        self.enforce(hi_gap, vec![(Fr::ONE, t)], lo)?;
        Ok(bits)
    }

    /// The 32 bits of a word (least significant first); unsatisfiable unless
    /// `w < 2^32`. 32 constraints.
    fn u32_bits(&self, w: &FpVar<Fr>) -> Result<Vec<Bit>, SynthesisError> {
        let (terms, value) = fp_terms(w);
        self.decompose(terms, value.map(low_u64), 32)
    }

    /// `a ^ b`: free if either is constant, else 1 constraint
    /// `(2a) * b = a + b - c`.
    fn xor(&self, a: Bit, b: Bit) -> Result<Bit, SynthesisError> {
        match (a, b) {
            (Bit::Const(k), x) | (x, Bit::Const(k)) => Ok(if k { x.not() } else { x }),
            (
                Bit::Var {
                    var: va,
                    not: na,
                    value: xa,
                },
                Bit::Var {
                    var: vb,
                    not: nb,
                    value: xb,
                },
            ) => {
                if va == vb {
                    return Ok(Bit::Const(na != nb));
                }
                // Work on the unnegated variables: !a ^ b = !(a ^ b).
                let c = self.unconstrained(xa.zip(xb).map(|(x, y)| x ^ y))?;
                let c_var = match c {
                    Bit::Var { var, .. } => var,
                    Bit::Const(_) => return Err(SynthesisError::Unsatisfiable),
                };
                self.enforce(
                    vec![(Fr::from(2u64), va)],
                    vec![(Fr::ONE, vb)],
                    vec![(Fr::ONE, va), (Fr::ONE, vb), (-Fr::ONE, c_var)],
                )?;
                Ok(if na ^ nb { c.not() } else { c })
            }
        }
    }

    /// `a & b`: free if either is constant, else 1 constraint `a * b = c`.
    fn and(&self, a: Bit, b: Bit) -> Result<Bit, SynthesisError> {
        match (a, b) {
            (Bit::Const(k), x) | (x, Bit::Const(k)) => Ok(if k { x } else { Bit::Const(false) }),
            _ if a.same(b) => Ok(a),
            _ if a.same(b.not()) => Ok(Bit::Const(false)),
            _ => {
                let c = self.unconstrained(a.value().zip(b.value()).map(|(x, y)| x & y))?;
                self.enforce(a.lc(), b.lc(), c.lc())?;
                Ok(c)
            }
        }
    }

    /// `Ch(e, f, g) = e ? f : g`, 1 constraint `e * (f - g) = c - g` unless folded.
    fn ch(&self, e: Bit, f: Bit, g: Bit) -> Result<Bit, SynthesisError> {
        if let Bit::Const(k) = e {
            return Ok(if k { f } else { g });
        }
        if f.same(g) {
            return Ok(f);
        }
        match (f, g) {
            (Bit::Const(true), Bit::Const(false)) => return Ok(e),
            (Bit::Const(false), Bit::Const(true)) => return Ok(e.not()),
            _ => {}
        }
        let value = e
            .value()
            .zip(f.value())
            .zip(g.value())
            .map(|((e, f), g)| if e { f } else { g });
        let c = self.unconstrained(value)?;
        let mut f_minus_g = f.lc();
        g.push(-Fr::ONE, &mut f_minus_g);
        let mut c_minus_g = c.lc();
        g.push(-Fr::ONE, &mut c_minus_g);
        self.enforce(e.lc(), f_minus_g, c_minus_g)?;
        Ok(c)
    }

    /// `Maj(a, b, c)`: 2 constraints (`bc = b * c`, then
    /// `a * (b + c - 2bc) = m - bc`) unless folded.
    fn maj(&self, a: Bit, b: Bit, c: Bit) -> Result<Bit, SynthesisError> {
        // With one input constant, Maj is the AND (0) or OR (1) of the others.
        for (k, x, y) in [(a, b, c), (b, a, c), (c, a, b)] {
            if let Bit::Const(k) = k {
                return if k {
                    Ok(self.and(x.not(), y.not())?.not())
                } else {
                    self.and(x, y)
                };
            }
        }
        let bc = self.and(b, c)?;
        let value = a
            .value()
            .zip(b.value())
            .zip(c.value())
            .map(|((a, b), c)| (a & b) | (a & c) | (b & c));
        let m = self.unconstrained(value)?;
        let mut b_xor_c = b.lc();
        c.push(Fr::ONE, &mut b_xor_c);
        bc.push(-Fr::from(2u64), &mut b_xor_c);
        let mut m_minus_bc = m.lc();
        bc.push(-Fr::ONE, &mut m_minus_bc);
        self.enforce(a.lc(), b_xor_c, m_minus_bc)?;
        Ok(m)
    }

    /// `x ^ y ^ z`, bit by bit.
    fn xor_words(&self, x: &Word, y: &Word, z: &Word) -> Result<Word, SynthesisError> {
        try_word(|i| {
            let xy = self.xor(x[i], y[i])?;
            self.xor(xy, z[i])
        })
    }

    /// A sum's word: its bits mod `2^32`, from one constraint per bit of the
    /// sum's largest possible value (32 result bits and the carry bits, the top
    /// carry bit folded into the equation). Free when the sum is constant.
    fn reduce(&self, sum: &Sum) -> Result<Word, SynthesisError> {
        if sum.var_max == 0 {
            return Ok(const_word(sum.constant as u32));
        }
        let mut terms = sum.terms.clone();
        terms.push((Fr::from(sum.constant), Variable::One));
        let max = sum.var_max + sum.constant;
        let n = (64 - max.leading_zeros() as usize).max(33);
        let bits = self.decompose(terms, sum.value, n)?;
        Ok(word_from(&bits))
    }

    /// `sigma(x) = rotr(x, r1) ^ rotr(x, r2) ^ shr(x, s)` or, with `shift` false,
    /// `Sigma(x) = rotr(x, r1) ^ rotr(x, r2) ^ rotr(x, s)`.
    fn sigma(
        &self,
        x: &Word,
        r1: usize,
        r2: usize,
        s: usize,
        shift: bool,
    ) -> Result<Word, SynthesisError> {
        let third = if shift { shr(x, s) } else { rotr(x, s) };
        self.xor_words(&rotr(x, r1), &rotr(x, r2), &third)
    }

    /// The SHA-256 compression function, returning the new hash words
    /// unreduced (the caller reduces those it needs as bits).
    ///
    /// Words are reduced to bits only where bits are used: the message words
    /// `W[62]`, `W[63]` and the last round's `a` and `e` only enter sums.
    fn compress(&self, init: &State, block: &[Word; 16]) -> Result<[Sum; 8], SynthesisError> {
        let mut w_bits: Vec<Word> = block.to_vec();
        let mut w: Vec<Sum> = block.iter().map(Sum::word).collect();
        for i in 16..64 {
            let s0 = self.sigma(&w_bits[i - 15], 7, 18, 3, true)?;
            let s1 = self.sigma(&w_bits[i - 2], 17, 19, 10, true)?;
            let sum = w[i - 16]
                .plus(&Sum::word(&s0))
                .plus(&w[i - 7])
                .plus(&Sum::word(&s1));
            // sigma_0 reads W[..=48], sigma_1 W[..=61].
            if i <= 61 {
                let bits = self.reduce(&sum)?;
                w.push(Sum::word(&bits));
                w_bits.push(bits);
            } else {
                w.push(sum);
            }
        }

        let mut s = init.clone();
        for (i, (k, wi)) in ROUND_CONSTANTS.iter().zip(&w).enumerate() {
            let s1 = self.sigma(&s.e, 6, 11, 25, false)?;
            let ch = try_word(|j| self.ch(s.e[j], s.f[j], s.g[j]))?;
            let s0 = self.sigma(&s.a, 2, 13, 22, false)?;
            let maj = try_word(|j| self.maj(s.a[j], s.b[j], s.c[j]))?;
            // T1 = h + S1 + Ch + K + W, T2 = S0 + Maj: e' = d + T1, a' = T1 + T2.
            let t1 =
                s.h.plus(&Sum::word(&s1))
                    .plus(&Sum::word(&ch))
                    .plus(&Sum::constant(*k))
                    .plus(wi);
            let new_e = s.d.plus(&t1);
            let new_a = t1.plus(&Sum::word(&s0)).plus(&Sum::word(&maj));
            if i == 63 {
                // The last a and e only enter the feed-forward sums.
                let working = [
                    new_a,
                    Sum::word(&s.a),
                    Sum::word(&s.b),
                    Sum::word(&s.c),
                    new_e,
                    Sum::word(&s.e),
                    Sum::word(&s.f),
                    Sum::word(&s.g),
                ];
                let init = init.sums();
                return Ok(core::array::from_fn(|j| init[j].plus(&working[j])));
            }
            s = State {
                h: Sum::word(&s.g),
                g: s.f,
                f: s.e,
                e: self.reduce(&new_e)?,
                d: Sum::word(&s.c),
                c: s.b,
                b: s.a,
                a: self.reduce(&new_a)?,
            };
        }
        Err(SynthesisError::Unsatisfiable) // unreachable: 64 rounds
    }

    /// The 256 bits of `words` (word 0 most significant) as one `Fr`.
    fn pack_be(&self, words: &[Word; 8]) -> Result<FpVar<Fr>, SynthesisError> {
        let mut terms = Vec::with_capacity(256);
        let mut bytes = Some([0u8; 32]);
        let mut pow = Fr::ONE;
        for (j, word) in words.iter().enumerate().rev() {
            for (i, bit) in word.iter().enumerate() {
                bit.push(pow, &mut terms);
                pow.double_in_place();
                let byte = 4 * j + 3 - i / 8;
                bytes = bytes.zip(bit.value()).map(|(mut out, b)| {
                    out[byte] |= u8::from(b) << (i % 8);
                    out
                });
            }
        }
        let var = self.cs.new_lc(to_lc(terms))?;
        let value = bytes.map(|b| Fr::from_be_bytes_mod_order(&b));
        Ok(FpVar::Var(AllocatedFp::new(value, var, self.cs.clone())))
    }
}

/// An `FpVar` as linear-combination terms, with its value when known.
fn fp_terms(x: &FpVar<Fr>) -> (Vec<(Fr, Variable)>, Option<Fr>) {
    match x {
        FpVar::Constant(c) => (vec![(*c, Variable::One)], Some(*c)),
        FpVar::Var(v) => (vec![(Fr::ONE, v.variable)], v.value().ok()),
    }
}

/// The low 64 bits of a field element's integer (the witness for a range
/// check; a larger value then fails the check's equation).
fn low_u64(x: Fr) -> u64 {
    x.into_bigint().0[0]
}
