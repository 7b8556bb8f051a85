//! plonky2's Poseidon permutation over Goldilocks (width 12, 4 + 22 + 4 rounds,
//! `x^7`) on [`GoldilocksVar`]s, and its `hash_no_pad` sponge.
//!
//! Round constants and the MDS matrix (circulant plus diagonal) are plonky2's
//! own public items. Partial rounds are computed the naive way (constants,
//! S-box on word 0, full MDS), which is the same permutation as plonky2's fast
//! variant.
//!
//! # Where reductions go
//!
//! Every state word is kept as a linear form, with coefficients in `GF(p)`
//! computed natively, over a basis of S-box outputs (at first: the input
//! words). Constants and the MDS layer act on the forms only; a word becomes a
//! variable (a free linear combination) only when an S-box needs it.
//!
//! * S-box on `x` of `b` bits: `x` is reduced first when `b > 83`; then `x^2` (1
//!   constraint), `x^3 = x^2 * x` reduced inside its product (`3b + 2`
//!   constraints, below 2^250 as `b <= 83`), `x^6 = (x^3)^2` (1), and
//!   `x^7 = x^6 * x` (1, 192 bits, or reduced inside the product: 194).
//! * Full rounds leave `x^7` unreduced: the next round's inputs are MDS
//!   combinations below `2^201`, reduced once each (203 constraints), about 400
//!   constraints per S-box.
//! * The last full round before the partial rounds reduces its S-box outputs,
//!   and so does every partial round: the basis then stays below `2^64` and the
//!   forms' coefficients, though they become arbitrary field elements, keep
//!   every word below `2^134`; the words are never reduced as a whole, only word
//!   0 before its S-box.

use ark_relations::r1cs::SynthesisError;
use plonky2::field::types::Field;
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_RATE, SPONGE_WIDTH,
};

use super::field::GoldilocksVar;
use super::GF;

/// The permutation's width.
pub const WIDTH: usize = SPONGE_WIDTH;
/// The sponge's rate: input words absorbed per permutation.
pub const RATE: usize = SPONGE_RATE;
/// Words of a hash output.
pub const HASH_OUT: usize = 4;

/// S-box inputs of at most this many bits are cubed without a reduction first
/// (`3 * 83 < MAX_BITS`).
const DIRECT_SBOX_BITS: u32 = 83;

/// The MDS matrix: `M[r][j] = CIRC[(j - r) mod 12] + [r = j] * DIAG[r]`.
fn mds_matrix() -> [[GF; WIDTH]; WIDTH] {
    let circ = <GF as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <GF as Poseidon>::MDS_MATRIX_DIAG;
    core::array::from_fn(|r| {
        core::array::from_fn(|j| {
            let d = if r == j { diag[r] } else { 0 };
            GF::from_canonical_u64(circ[(j + WIDTH - r) % WIDTH] + d)
        })
    })
}

/// Round `round`'s constant for word `i`.
fn round_constant(round: usize, i: usize) -> GF {
    GF::from_canonical_u64(ALL_ROUND_CONSTANTS[i + WIDTH * round])
}

/// `x^7`, with the output reduced below `2^64` when `reduce_out`.
fn sbox(x: &GoldilocksVar, reduce_out: bool) -> Result<GoldilocksVar, SynthesisError> {
    let x = if x.bits() > DIRECT_SBOX_BITS {
        x.reduce()?
    } else {
        x.clone()
    };
    let x3 = x.square()?.mul_reduce(&x)?;
    let x6 = x3.square()?;
    if reduce_out {
        x6.mul_reduce(&x)
    } else {
        x6.mul(&x)
    }
}

/// The state as linear forms: word `i` is `consts[i] + sum_j rows[i][j] * basis[j]`.
struct State {
    /// Variables the words are combinations of.
    basis: Vec<GoldilocksVar>,
    /// Each word's coefficients over `basis`.
    rows: [Vec<GF>; WIDTH],
    /// Each word's constant term.
    consts: [GF; WIDTH],
}

impl State {
    /// The state equal to `words`.
    fn new(words: &[GoldilocksVar; WIDTH]) -> Self {
        Self {
            basis: words.to_vec(),
            rows: core::array::from_fn(|i| {
                (0..WIDTH)
                    .map(|j| if i == j { GF::ONE } else { GF::ZERO })
                    .collect()
            }),
            consts: [GF::ZERO; WIDTH],
        }
    }

    /// Word `i` as a variable (a linear combination, no constraint).
    fn word(&self, i: usize) -> Result<GoldilocksVar, SynthesisError> {
        let mut coeffs = self.rows[i].clone();
        coeffs.push(self.consts[i]);
        let mut xs = self.basis.clone();
        xs.push(GoldilocksVar::one());
        GoldilocksVar::linear_combination(&coeffs, &xs)
    }

    /// Adds round `round`'s constants.
    fn add_round_constants(&mut self, round: usize) {
        for (i, c) in self.consts.iter_mut().enumerate() {
            *c += round_constant(round, i);
        }
    }

    /// Multiplies the state by the MDS matrix (on the forms: no constraint).
    fn mds(&mut self, m: &[[GF; WIDTH]; WIDTH]) {
        let n = self.basis.len();
        let rows: [Vec<GF>; WIDTH] = core::array::from_fn(|r| {
            (0..n)
                .map(|k| (0..WIDTH).map(|j| m[r][j] * self.rows[j][k]).sum())
                .collect()
        });
        let consts = core::array::from_fn(|r| (0..WIDTH).map(|j| m[r][j] * self.consts[j]).sum());
        self.rows = rows;
        self.consts = consts;
    }

    /// A full round; the S-box outputs become the new basis.
    fn full_round(
        &mut self,
        round: usize,
        reduce_out: bool,
        m: &[[GF; WIDTH]; WIDTH],
    ) -> Result<(), SynthesisError> {
        self.add_round_constants(round);
        let outputs = (0..WIDTH)
            .map(|i| sbox(&self.word(i)?, reduce_out))
            .collect::<Result<Vec<_>, _>>()?;
        *self = Self::new(
            &outputs
                .try_into()
                .expect("one S-box output per word of the state"),
        );
        self.mds(m);
        Ok(())
    }

    /// A partial round; word 0's S-box output joins the basis.
    fn partial_round(
        &mut self,
        round: usize,
        m: &[[GF; WIDTH]; WIDTH],
    ) -> Result<(), SynthesisError> {
        self.add_round_constants(round);
        let s0 = sbox(&self.word(0)?, true)?;
        self.basis.push(s0);
        for row in self.rows.iter_mut() {
            row.push(GF::ZERO);
        }
        let n = self.basis.len();
        self.rows[0] = (0..n)
            .map(|k| if k == n - 1 { GF::ONE } else { GF::ZERO })
            .collect();
        self.consts[0] = GF::ZERO;
        self.mds(m);
        Ok(())
    }
}

/// plonky2's Poseidon permutation (`<GoldilocksField as Poseidon>::poseidon`).
///
/// The outputs are unreduced (below `2^201`): reduce, canonicalize or compare
/// them as needed.
pub fn permute_var(
    input: &[GoldilocksVar; WIDTH],
) -> Result<[GoldilocksVar; WIDTH], SynthesisError> {
    let m = mds_matrix();
    let mut state = State::new(input);
    let mut round = 0;
    for r in 0..HALF_N_FULL_ROUNDS {
        state.full_round(round, r + 1 == HALF_N_FULL_ROUNDS, &m)?;
        round += 1;
    }
    for _ in 0..N_PARTIAL_ROUNDS {
        state.partial_round(round, &m)?;
        round += 1;
    }
    for _ in 0..HALF_N_FULL_ROUNDS {
        state.full_round(round, false, &m)?;
        round += 1;
    }
    let words = (0..WIDTH)
        .map(|i| state.word(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(words.try_into().expect("one output per word of the state"))
}

/// plonky2's `PoseidonHash::hash_no_pad`: the overwrite-mode sponge (rate 8,
/// zero initial state), four output words, unreduced.
pub fn hash_no_pad_var(
    inputs: &[GoldilocksVar],
) -> Result<[GoldilocksVar; HASH_OUT], SynthesisError> {
    let mut state: [GoldilocksVar; WIDTH] = core::array::from_fn(|_| GoldilocksVar::zero());
    for chunk in inputs.chunks(RATE) {
        state[..chunk.len()].clone_from_slice(chunk);
        state = permute_var(&state)?;
    }
    Ok(core::array::from_fn(|i| state[i].clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::goldilocks::testing::{assert_satisfied, cs, rng, tamper, witness};
    use ark_bn254::Fr;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::r1cs::ConstraintSystemRef;
    use plonky2::field::types::Sample;
    use plonky2::hash::poseidon::PoseidonHash;
    use plonky2::plonk::config::Hasher;

    fn witnesses(cs: &ConstraintSystemRef<Fr>, xs: &[GF]) -> Vec<GoldilocksVar> {
        xs.iter()
            .map(|&x| GoldilocksVar::new_witness(cs.clone(), || Ok(x)).unwrap())
            .collect()
    }

    fn values(xs: &[GoldilocksVar]) -> Vec<GF> {
        xs.iter().map(|x| x.value().unwrap()).collect()
    }

    /// Constraints of one permutation of 12 witnesses (allocation excluded).
    const PERMUTATION_CONSTRAINTS: usize = 48_545;
    /// Constraints of hashing 16 witnesses (allocation excluded).
    const HASH_16_CONSTRAINTS: usize = 97_096;

    #[test]
    fn permutation_matches_plonky2() {
        let mut rng = rng(31);
        for _ in 0..3 {
            let input: [GF; WIDTH] = core::array::from_fn(|_| GF::sample(&mut rng));
            let cs = cs();
            let vars: [GoldilocksVar; WIDTH] = witnesses(&cs, &input).try_into().unwrap();
            let out = permute_var(&vars).unwrap();
            let expected = <GF as Poseidon>::poseidon(input);
            assert_eq!(values(&out), expected.to_vec(), "permutation of {input:?}");
            assert_satisfied(&cs);
        }
    }

    #[test]
    fn permutation_of_edge_values_matches_plonky2() {
        let edges = crate::wrap::goldilocks::testing::edge_values();
        let input: [GF; WIDTH] = core::array::from_fn(|i| edges[i % edges.len()]);
        let cs = cs();
        let vars: [GoldilocksVar; WIDTH] = witnesses(&cs, &input).try_into().unwrap();
        let out = permute_var(&vars).unwrap();
        let expected = <GF as Poseidon>::poseidon(input);
        assert_eq!(
            values(&out),
            expected.to_vec(),
            "permutation of edge values"
        );
        assert_satisfied(&cs);
    }

    #[test]
    fn permutation_of_constants_is_free() {
        let input: [GF; WIDTH] = core::array::from_fn(|i| GF::from_canonical_u64(i as u64));
        let out = permute_var(&input.map(GoldilocksVar::constant)).unwrap();
        assert!(
            out.iter().all(GoldilocksVar::is_constant),
            "constant outputs"
        );
        let expected = <GF as Poseidon>::poseidon(input);
        assert_eq!(values(&out), expected.to_vec(), "permutation of constants");
    }

    #[test]
    fn hash_no_pad_matches_plonky2() {
        let mut rng = rng(32);
        for len in [0usize, 1, 4, 7, 8, 9, 16, 17, 24] {
            let input: Vec<GF> = (0..len).map(|_| GF::sample(&mut rng)).collect();
            let cs = cs();
            let out = hash_no_pad_var(&witnesses(&cs, &input)).unwrap();
            let expected = PoseidonHash::hash_no_pad(&input).elements;
            assert_eq!(
                values(&out),
                expected.to_vec(),
                "hash_no_pad of {len} elements"
            );
            assert_satisfied(&cs);
        }
    }

    #[test]
    fn permutation_and_hash_cost_exact_constraint_counts() {
        let mut rng = rng(33);
        let cs = cs();
        let input: Vec<GF> = (0..16).map(|_| GF::sample(&mut rng)).collect();
        let vars = witnesses(&cs, &input);
        let before = cs.num_constraints();
        permute_var(&vars[..WIDTH].to_vec().try_into().unwrap()).unwrap();
        let permutation = cs.num_constraints() - before;
        let before = cs.num_constraints();
        hash_no_pad_var(&vars).unwrap();
        let hash = cs.num_constraints() - before;
        assert_eq!(
            (permutation, hash),
            (PERMUTATION_CONSTRAINTS, HASH_16_CONSTRAINTS),
            "(permutation, hash of 16) constraints"
        );
        assert_satisfied(&cs);
    }

    #[test]
    fn setup_mode_synthesizes_the_same_permutation() {
        let synthesize = |cs: &ConstraintSystemRef<Fr>| {
            let vars: Vec<GoldilocksVar> = (0..WIDTH)
                .map(|i| {
                    GoldilocksVar::new_witness(cs.clone(), || Ok(GF::from_canonical_u64(i as u64)))
                        .unwrap()
                })
                .collect();
            permute_var(&vars.try_into().unwrap()).unwrap();
            (cs.num_constraints(), cs.num_witness_variables())
        };
        let setup = cs();
        setup.set_mode(ark_relations::r1cs::SynthesisMode::Setup);
        assert_eq!(
            synthesize(&setup),
            synthesize(&cs()),
            "(constraints, witnesses)"
        );
    }

    #[test]
    fn tampered_intermediate_is_unsatisfied() {
        let mut rng = rng(34);
        let input: Vec<GF> = (0..WIDTH).map(|_| GF::sample(&mut rng)).collect();
        // Witnesses early, in the middle (partial rounds) and late in the permutation.
        for fraction in [10usize, 50, 90] {
            let cs = cs();
            let vars = witnesses(&cs, &input);
            let before = cs.num_witness_variables();
            permute_var(&vars.try_into().unwrap()).unwrap();
            assert_satisfied(&cs);
            let i = before + (cs.num_witness_variables() - before) * fraction / 100;
            let changed = witness(&cs, i) + Fr::from(1u8);
            assert!(
                !tamper(&cs, &[(i, changed)]),
                "witness {i} ({fraction}%) tampered unnoticed"
            );
        }
    }
}
