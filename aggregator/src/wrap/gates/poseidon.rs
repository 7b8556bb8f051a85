//! The Poseidon gates: [`PoseidonGate`] (one width-12 permutation, with an
//! optional swap of the first two 4-element inputs, every S-box input on a
//! wire) and [`PoseidonMdsGate`] (the MDS layer on extension-algebra pairs).
//!
//! The permutation follows plonky2's fast variant: full rounds, then the
//! partial rounds with the precomputed initial matrix and sparse per-round
//! matrices, then full rounds. Round constants and matrices are plonky2's own
//! (`ALL_ROUND_CONSTANTS` and the `Poseidon` trait's constants).
//!
//! Wires: inputs 0..12, outputs 12..24, swap 24, the four swap deltas 25..29,
//! then the S-box inputs of full rounds 1..4, of the 22 partial rounds, and of
//! the last 4 full rounds.
//! Cost: 4 `mul`s per S-box (`x⁷ = x·x²·x⁴`), 118 S-boxes, plus 5 for the swap;
//! every linear layer is `scale` and `sum`, which are free. The MDS gate costs nothing.

use plonky2::field::types::Field;
use plonky2::gates::poseidon::PoseidonGate;
use plonky2::gates::poseidon_mds::PoseidonMdsGate;
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_WIDTH,
};

use super::{lift, GateVars, GenericGate, D};
use crate::wrap::algebra::{ExtAlgebra, GF, GF2};

const WIRE_SWAP: usize = 2 * SPONGE_WIDTH;
const START_DELTA: usize = WIRE_SWAP + 1;
const START_FULL_0: usize = START_DELTA + 4;
const START_PARTIAL: usize = START_FULL_0 + SPONGE_WIDTH * (HALF_N_FULL_ROUNDS - 1);
const START_FULL_1: usize = START_PARTIAL + N_PARTIAL_ROUNDS;

/// A plonky2 constant as a field element.
fn c(x: u64) -> GF {
    GF::from_noncanonical_u64(x)
}

/// A plonky2 constant as an extension element.
fn ext_const(x: u64) -> GF2 {
    lift(c(x))
}

/// `Σ coeff_i · v_i` with constant coefficients: free.
fn linear_combination<A: ExtAlgebra>(
    alg: &mut A,
    terms: &[(GF, &A::Ext)],
) -> Result<A::Ext, A::Error> {
    let scaled = terms
        .iter()
        .map(|(k, v)| alg.scale(*k, v))
        .collect::<Result<Vec<_>, _>>()?;
    alg.sum(&scaled)
}

/// The full MDS matrix `circ(MDS_MATRIX_CIRC) + diag(MDS_MATRIX_DIAG)` applied to `state`.
fn mds_layer<A: ExtAlgebra>(
    alg: &mut A,
    state: &[A::Ext; SPONGE_WIDTH],
) -> Result<[A::Ext; SPONGE_WIDTH], A::Error> {
    let mut out = state.clone();
    for (r, out_r) in out.iter_mut().enumerate() {
        let mut terms = (0..SPONGE_WIDTH)
            .map(|i| {
                (
                    c(<GF as Poseidon>::MDS_MATRIX_CIRC[i]),
                    &state[(i + r) % SPONGE_WIDTH],
                )
            })
            .collect::<Vec<_>>();
        terms.push((c(<GF as Poseidon>::MDS_MATRIX_DIAG[r]), &state[r]));
        *out_r = linear_combination(alg, &terms)?;
    }
    Ok(out)
}

/// Adds the round constants of round `round` (a free operation).
fn add_round_constants<A: ExtAlgebra>(
    alg: &mut A,
    state: &mut [A::Ext; SPONGE_WIDTH],
    round: usize,
) -> Result<(), A::Error> {
    for (i, s) in state.iter_mut().enumerate() {
        let k = alg.constant(ext_const(ALL_ROUND_CONSTANTS[i + SPONGE_WIDTH * round]));
        *s = alg.add(s, &k)?;
    }
    Ok(())
}

/// `x⁷` in 4 multiplications.
fn sbox<A: ExtAlgebra>(alg: &mut A, x: &A::Ext) -> Result<A::Ext, A::Error> {
    let x2 = alg.square(x)?;
    let x4 = alg.square(&x2)?;
    let x3 = alg.mul(x, &x2)?;
    alg.mul(&x3, &x4)
}

/// The matrix that starts the partial rounds: identity on element 0,
/// `FAST_PARTIAL_ROUND_INITIAL_MATRIX` (row-major, transposed use) on the rest.
fn partial_layer_init<A: ExtAlgebra>(
    alg: &mut A,
    state: &[A::Ext; SPONGE_WIDTH],
) -> Result<[A::Ext; SPONGE_WIDTH], A::Error> {
    let m = <GF as Poseidon>::FAST_PARTIAL_ROUND_INITIAL_MATRIX;
    let mut out = state.clone();
    for (col, out_c) in out.iter_mut().enumerate().skip(1) {
        let terms = (1..SPONGE_WIDTH)
            .map(|row| (c(m[row - 1][col - 1]), &state[row]))
            .collect::<Vec<_>>();
        *out_c = linear_combination(alg, &terms)?;
    }
    Ok(out)
}

/// The sparse matrix of partial round `round`: element 0 becomes
/// `(circ_0 + diag_0)·s_0 + Σ ŵ_i s_i`, element `i` becomes `s_i + v_i·s_0`.
fn partial_layer_fast<A: ExtAlgebra>(
    alg: &mut A,
    state: &[A::Ext; SPONGE_WIDTH],
    round: usize,
) -> Result<[A::Ext; SPONGE_WIDTH], A::Error> {
    let w_hat = <GF as Poseidon>::FAST_PARTIAL_ROUND_W_HATS[round];
    let v = <GF as Poseidon>::FAST_PARTIAL_ROUND_VS[round];
    let mds00 = c(<GF as Poseidon>::MDS_MATRIX_CIRC[0]) + c(<GF as Poseidon>::MDS_MATRIX_DIAG[0]);
    let mut terms = vec![(mds00, &state[0])];
    terms.extend((1..SPONGE_WIDTH).map(|i| (c(w_hat[i - 1]), &state[i])));
    let mut out = state.clone();
    out[0] = linear_combination(alg, &terms)?;
    for i in 1..SPONGE_WIDTH {
        let scaled = alg.scale(c(v[i - 1]), &state[0])?;
        out[i] = alg.add(&scaled, &state[i])?;
    }
    Ok(out)
}

impl GenericGate for PoseidonGate<GF, D> {
    /// `swap·(swap - 1)`, the four `swap·(in_{i+4} - in_i) - delta_i`, then
    /// `state - wire` at every stored S-box input (full rounds 1..4, partial
    /// rounds, last full rounds), then `state - output` for the 12 outputs.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let w = vars.local_wires;
        let mut constraints = Vec::new();

        let swap = &w[WIRE_SWAP];
        let one = alg.constant(GF2::ONE);
        let swap_minus_one = alg.sub(swap, &one)?;
        constraints.push(alg.mul(swap, &swap_minus_one)?);
        for i in 0..4 {
            let diff = alg.sub(&w[i + 4], &w[i])?;
            let swapped = alg.mul(swap, &diff)?;
            constraints.push(alg.sub(&swapped, &w[START_DELTA + i])?);
        }

        let mut state: [A::Ext; SPONGE_WIDTH] = core::array::from_fn(|i| w[i].clone());
        for i in 0..4 {
            let delta = &w[START_DELTA + i];
            state[i] = alg.add(&w[i], delta)?;
            state[i + 4] = alg.sub(&w[i + 4], delta)?;
        }

        let mut round = 0;
        for r in 0..HALF_N_FULL_ROUNDS {
            add_round_constants(alg, &mut state, round)?;
            if r != 0 {
                for (i, s) in state.iter_mut().enumerate() {
                    let wire = &w[START_FULL_0 + SPONGE_WIDTH * (r - 1) + i];
                    constraints.push(alg.sub(s, wire)?);
                    *s = wire.clone();
                }
            }
            for s in state.iter_mut() {
                *s = sbox(alg, s)?;
            }
            state = mds_layer(alg, &state)?;
            round += 1;
        }

        for (s, k) in state
            .iter_mut()
            .zip(<GF as Poseidon>::FAST_PARTIAL_FIRST_ROUND_CONSTANT)
        {
            let k = alg.constant(ext_const(k));
            *s = alg.add(s, &k)?;
        }
        state = partial_layer_init(alg, &state)?;
        for r in 0..N_PARTIAL_ROUNDS {
            let wire = &w[START_PARTIAL + r];
            constraints.push(alg.sub(&state[0], wire)?);
            state[0] = sbox(alg, wire)?;
            if r + 1 < N_PARTIAL_ROUNDS {
                let k = ext_const(<GF as Poseidon>::FAST_PARTIAL_ROUND_CONSTANTS[r]);
                let k = alg.constant(k);
                state[0] = alg.add(&state[0], &k)?;
            }
            state = partial_layer_fast(alg, &state, r)?;
        }
        round += N_PARTIAL_ROUNDS;

        for r in 0..HALF_N_FULL_ROUNDS {
            add_round_constants(alg, &mut state, round)?;
            for (i, s) in state.iter_mut().enumerate() {
                let wire = &w[START_FULL_1 + SPONGE_WIDTH * r + i];
                constraints.push(alg.sub(s, wire)?);
                *s = sbox(alg, wire)?;
            }
            state = mds_layer(alg, &state)?;
            round += 1;
        }

        for (i, s) in state.iter().enumerate() {
            constraints.push(alg.sub(s, &w[SPONGE_WIDTH + i])?);
        }
        Ok(constraints)
    }
}

impl GenericGate for PoseidonMdsGate<GF, D> {
    /// Both components of `output_i - (MDS · inputs)_i` for the 12 outputs
    /// (inputs are pairs at wires `2i`, outputs at `24 + 2i`).
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let mut computed = Vec::with_capacity(D);
        for k in 0..D {
            let component: [A::Ext; SPONGE_WIDTH] =
                core::array::from_fn(|i| vars.local_wires[D * i + k].clone());
            computed.push(mds_layer(alg, &component)?);
        }
        let mut constraints = Vec::with_capacity(D * SPONGE_WIDTH);
        for i in 0..SPONGE_WIDTH {
            for (k, comp) in computed.iter().enumerate() {
                let out = &vars.local_wires[D * (SPONGE_WIDTH + i) + k];
                constraints.push(alg.sub(out, &comp[i])?);
            }
        }
        Ok(constraints)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::poseidon::PoseidonGate;
    use plonky2::gates::poseidon_mds::PoseidonMdsGate;

    use super::super::test_util::assert_matches_plonky2;
    use crate::wrap::algebra::GF;

    #[test]
    fn poseidon_gate_matches_plonky2() {
        assert_matches_plonky2(&PoseidonGate::<GF, 2>::new());
    }

    #[test]
    fn poseidon_mds_gate_matches_plonky2() {
        assert_matches_plonky2(&PoseidonMdsGate::<GF, 2>::new());
    }
}
