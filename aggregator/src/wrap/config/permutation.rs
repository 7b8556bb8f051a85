//! The duplex permutation plonky2's challenger runs, over Goldilocks elements.
//!
//! plonky2's `Challenger` overwrites the first inputs of a Goldilocks-element
//! state, permutes, and reads the first `RATE` elements back. Here that state
//! is a view onto a BN254 sponge `[capacity, rate_0, rate_1]`:
//!
//! * **Absorbing**: six Goldilocks slots; slots `0..3` packed are written to
//!   `rate_0`, slots `3..6` to `rate_1`, at each permutation. Slots the
//!   challenger did not set since the last permutation are zero, so each
//!   duplex overwrites the whole rate with its (zero-padded) input block. The
//!   capacity word is never overwritten and carries the transcript.
//! * **Squeezing**: four Goldilocks elements, the base-`p` digits of `rate_0`
//!   then of `rate_1` ([`super::packing::unpack`]). The challenger takes
//!   challenges from the end of that list.

use ark_bn254::Fr;
use plonky2::field::types::Field;
use plonky2::hash::hashing::PlonkyPermutation;

use super::packing::{pack, unpack, PACK, UNPACK};
use crate::wrap::algebra::GF;
use crate::wrap::poseidon::{permute, PoseidonParams};

/// Goldilocks elements one duplex absorbs.
pub const ABSORB_RATE: usize = 2 * PACK;
/// Goldilocks elements one duplex squeezes.
pub const SQUEEZE_RATE: usize = 2 * UNPACK;

/// The challenger's permutation: a BN254 Poseidon state with a Goldilocks view.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PoseidonBn254Permutation {
    state: [Fr; 3],
    input: [GF; ABSORB_RATE],
    output: [GF; SQUEEZE_RATE],
}

impl PoseidonBn254Permutation {
    /// The BN254 sponge state.
    pub fn state(&self) -> &[Fr; 3] {
        &self.state
    }
}

impl AsRef<[GF]> for PoseidonBn254Permutation {
    fn as_ref(&self) -> &[GF] {
        &self.input
    }
}

impl PlonkyPermutation<GF> for PoseidonBn254Permutation {
    const RATE: usize = ABSORB_RATE;
    const WIDTH: usize = ABSORB_RATE;

    fn new<I: IntoIterator<Item = GF>>(elts: I) -> Self {
        let mut perm = Self::default();
        perm.set_from_iter(elts, 0);
        perm
    }

    fn set_elt(&mut self, elt: GF, idx: usize) {
        self.input[idx] = elt;
    }

    fn set_from_iter<I: IntoIterator<Item = GF>>(&mut self, elts: I, start_idx: usize) {
        for (slot, elt) in self.input[start_idx..].iter_mut().zip(elts) {
            *slot = elt;
        }
    }

    fn set_from_slice(&mut self, elts: &[GF], start_idx: usize) {
        let end = start_idx + elts.len();
        self.input[start_idx..end].copy_from_slice(elts);
    }

    fn permute(&mut self) {
        self.state[1] = pack(&self.input[..PACK]);
        self.state[2] = pack(&self.input[PACK..]);
        permute(PoseidonParams::bn254_t3(), &mut self.state);
        self.input = [GF::ZERO; ABSORB_RATE];
        // A scalar without a provable decomposition (probability < 2^-125)
        // still yields its digits here; only the R1CS prover would fail.
        let (first, _) = unpack(&self.state[1]);
        let (second, _) = unpack(&self.state[2]);
        self.output = [first[0], first[1], second[0], second[1]];
    }

    fn squeeze(&self) -> &[GF] {
        &self.output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::config::PoseidonBn254Hash;
    use plonky2::field::types::Sample;
    use plonky2::iop::challenger::Challenger;

    #[test]
    fn a_duplex_overwrites_the_rate_and_keeps_the_capacity() {
        let mut perm = PoseidonBn254Permutation::new(core::iter::repeat(GF::ZERO));
        let first: Vec<GF> = (0..6).map(|_| GF::rand()).collect();
        perm.set_from_slice(&first, 0);
        perm.permute();
        let after_first = *perm.state();

        let second = GF::rand();
        perm.set_elt(second, 0);
        perm.permute();

        let mut expected = [after_first[0], pack(&[second]), Fr::from(0u64)];
        permute(PoseidonParams::bn254_t3(), &mut expected);
        assert_eq!(perm.state(), &expected);
        let (d0, _) = unpack(&expected[1]);
        let (d1, _) = unpack(&expected[2]);
        assert_eq!(perm.squeeze(), &[d0[0], d0[1], d1[0], d1[1]]);
    }

    #[test]
    fn challenger_challenges_depend_on_every_observed_element() {
        let inputs: Vec<GF> = (0..13).map(|_| GF::rand()).collect();
        let challenges = |xs: &[GF]| {
            let mut c = Challenger::<GF, PoseidonBn254Hash>::new();
            c.observe_elements(xs);
            c.get_n_challenges(6)
        };
        let base = challenges(&inputs);
        for i in 0..inputs.len() {
            let mut changed = inputs.clone();
            changed[i] += GF::ONE;
            assert_ne!(
                challenges(&changed),
                base,
                "input {i} did not affect the challenges"
            );
        }
        assert_eq!(challenges(&inputs), base, "challenges are deterministic");
    }
}
