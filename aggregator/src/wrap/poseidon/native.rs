//! The Poseidon permutation and a duplex sponge over it, natively.
//!
//! Each round is the reference's `perm`: add the round constants, apply
//! `x -> x^5` (every word in full rounds, word 0 in partial rounds), multiply
//! by the MDS matrix. [`super::r1cs`] mirrors this file function for function.

use ark_bn254::Fr;
use ark_ff::Field;

use super::params::PoseidonParams;

/// Applies the permutation to `state` in place.
///
/// # Panics
/// If `state` does not hold exactly `params.t` words.
pub fn permute(params: &PoseidonParams, state: &mut [Fr]) {
    assert_eq!(
        state.len(),
        params.t,
        "Poseidon state: expected {} words, got {}",
        params.t,
        state.len()
    );
    assert!(
        params.t <= MAX_WIDTH,
        "Poseidon width {} above {MAX_WIDTH}",
        params.t
    );
    for (r, constants) in params.round_constants.iter().enumerate() {
        add_round_constants(state, constants);
        if params.is_full_round(r) {
            state.iter_mut().for_each(|x| *x = sbox(*x));
        } else {
            state[0] = sbox(state[0]);
        }
        mix(params, state);
    }
}

/// Adds one round's constants, word by word.
fn add_round_constants(state: &mut [Fr], constants: &[Fr]) {
    state.iter_mut().zip(constants).for_each(|(x, c)| *x += c);
}

/// The S-box `x^5`.
fn sbox(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// Multiplies the state by the MDS matrix.
fn mix(params: &PoseidonParams, state: &mut [Fr]) {
    // A stack buffer: the plonky2 hasher permutes millions of times per proof.
    let mut mixed = [Fr::from(0u64); MAX_WIDTH];
    for (out, row) in mixed.iter_mut().zip(&params.mds) {
        *out = row.iter().zip(state.iter()).map(|(m, x)| *m * x).sum();
    }
    state.copy_from_slice(&mixed[..state.len()]);
}

/// The widest state [`permute`] supports.
pub const MAX_WIDTH: usize = 8;

/// Where a sponge is in its duplex cycle: the next rate word to absorb into or
/// to squeeze from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Absorbing; the next input goes into rate word `.0`.
    Absorbing(usize),
    /// Squeezing; the next output is rate word `.0`.
    Squeezing(usize),
}

/// A duplex sponge: word 0 is the capacity, words `1..t` the rate; inputs are
/// added into the rate, the permutation runs when the rate is full or on the
/// switch to squeezing.
///
/// Absorbing and squeezing follow ark-crypto-primitives' `PoseidonSponge`
/// with [`PoseidonParams::to_ark_config`], element for element, so either
/// side of the wrap can use either implementation.
#[derive(Clone, Debug)]
pub struct Sponge<'a> {
    params: &'a PoseidonParams,
    state: Vec<Fr>,
    mode: Mode,
}

impl<'a> Sponge<'a> {
    /// A sponge with the all-zero state.
    pub fn new(params: &'a PoseidonParams) -> Self {
        Sponge {
            params,
            state: vec![Fr::from(0u64); params.t],
            mode: Mode::Absorbing(0),
        }
    }

    /// Absorbs one field element.
    pub fn absorb(&mut self, x: Fr) {
        let next = match self.mode {
            Mode::Absorbing(next) if next == self.params.rate() => {
                permute(self.params, &mut self.state);
                0
            }
            Mode::Absorbing(next) => next,
            // Inputs after a squeeze overwrite nothing: they are added from the
            // start of the rate, and the next squeeze permutes.
            Mode::Squeezing(_) => 0,
        };
        self.state[1 + next] += x;
        self.mode = Mode::Absorbing(next + 1);
    }

    /// Absorbs field elements in order.
    pub fn absorb_all(&mut self, xs: &[Fr]) {
        xs.iter().for_each(|x| self.absorb(*x));
    }

    /// Squeezes one field element.
    pub fn squeeze(&mut self) -> Fr {
        let next = match self.mode {
            Mode::Absorbing(_) => {
                permute(self.params, &mut self.state);
                0
            }
            Mode::Squeezing(next) if next == self.params.rate() => {
                permute(self.params, &mut self.state);
                0
            }
            Mode::Squeezing(next) => next,
        };
        self.mode = Mode::Squeezing(next + 1);
        self.state[1 + next]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_crypto_primitives::sponge::poseidon::PoseidonSponge;
    use ark_crypto_primitives::sponge::{CryptographicSponge, FieldBasedCryptographicSponge};
    use ark_std::rand::Rng;
    use ark_std::{test_rng, UniformRand};

    /// arkworks' permutation is private; its sponge permutes once when asked to
    /// squeeze straight after construction, which exposes it.
    fn ark_permute(params: &PoseidonParams, state: &[Fr]) -> Vec<Fr> {
        let mut sponge = PoseidonSponge::new(&params.to_ark_config());
        sponge.state = state.to_vec();
        let _ = sponge.squeeze_native_field_elements(1);
        sponge.state
    }

    #[test]
    fn permutation_equals_arkworks_with_the_converted_config() {
        let mut rng = test_rng();
        for params in [PoseidonParams::bn254_t3(), PoseidonParams::bn254_t5()] {
            for _ in 0..8 {
                let input: Vec<Fr> = (0..params.t).map(|_| Fr::rand(&mut rng)).collect();
                let mut ours = input.clone();
                permute(params, &mut ours);
                assert_eq!(
                    ark_permute(params, &input),
                    ours,
                    "t = {}: arkworks (expected) vs ours on {input:?}",
                    params.t
                );
            }
        }
    }

    #[test]
    fn sponge_equals_arkworks_sponge_on_random_absorb_squeeze_schedules() {
        let mut rng = test_rng();
        for params in [PoseidonParams::bn254_t3(), PoseidonParams::bn254_t5()] {
            for _ in 0..16 {
                let mut ours = Sponge::new(params);
                let mut theirs = PoseidonSponge::new(&params.to_ark_config());
                let mut schedule = Vec::new();
                for _ in 0..rng.gen_range(1..6) {
                    let absorbs = rng.gen_range(0..2 * params.t);
                    let squeezes = rng.gen_range(1..2 * params.t);
                    schedule.push((absorbs, squeezes));
                    let xs: Vec<Fr> = (0..absorbs).map(|_| Fr::rand(&mut rng)).collect();
                    ours.absorb_all(&xs);
                    if !xs.is_empty() {
                        theirs.absorb(&xs);
                    }
                    let got: Vec<Fr> = (0..squeezes).map(|_| ours.squeeze()).collect();
                    let expected = theirs.squeeze_native_field_elements(squeezes);
                    assert_eq!(
                        got, expected,
                        "t = {}: schedule (absorbs, squeezes) {schedule:?}: ours vs arkworks",
                        params.t
                    );
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "expected 3 words, got 2")]
    fn permuting_a_state_of_the_wrong_width_panics() {
        permute(
            PoseidonParams::bn254_t3(),
            &mut [Fr::from(1u64), Fr::from(2u64)],
        );
    }
}
