//! Poseidon instances over the BN254 scalar field, generated from the Grain
//! stream exactly as the reference `generate_parameters_grain.sage` does.
//!
//! Round numbers are those of the Poseidon paper's 128-bit instances for
//! `x^5` over a 254-bit prime field (Grassi et al., USENIX Security 2021, the
//! table of 128-bit instances, and the reference's `poseidonperm_x5_254_3` /
//! `_5`): `R_F = 8` full rounds for both widths, `R_P = 57` partial rounds for
//! `t = 3` and `R_P = 60` for `t = 5`.

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_crypto_primitives::sponge::poseidon::PoseidonConfig;
use ark_ff::PrimeField;

use super::grain::{Grain, SeedError};
use super::mds::sample_secure_mds;

/// The S-box exponent: the smallest `alpha` with `gcd(alpha, p - 1) = 1` for BN254.
pub const ALPHA: u64 = 5;

/// One Poseidon instance over BN254's scalar field.
///
/// Round `r` (of `full_rounds + partial_rounds`) adds `round_constants[r]`,
/// applies the S-box (to every word in the first and last `full_rounds / 2`
/// rounds, to word 0 only in between), then multiplies by `mds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoseidonParams {
    /// State width in field elements.
    pub t: usize,
    /// S-box exponent (always [`ALPHA`]).
    pub alpha: u64,
    /// Number of full rounds `R_F` (even: half before the partial rounds, half after).
    pub full_rounds: usize,
    /// Number of partial rounds `R_P`.
    pub partial_rounds: usize,
    /// `round_constants[r][i]` is added to word `i` at round `r`.
    pub round_constants: Vec<Vec<Fr>>,
    /// The MDS matrix: the new word `i` is `sum_j mds[i][j] * word_j`.
    pub mds: Vec<Vec<Fr>>,
}

/// Why a Poseidon instance cannot be generated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// The width leaves no room for both a rate and a capacity word.
    #[error("Poseidon width t = {0}: at least 2 words are needed (rate and capacity)")]
    WidthTooSmall(usize),
    /// The full rounds do not split evenly around the partial rounds.
    #[error(
        "Poseidon R_F = {0}: full rounds must be even (half before, half after the partial rounds)"
    )]
    OddFullRounds(usize),
    /// The instance does not fit the Grain seed.
    #[error(transparent)]
    Seed(#[from] SeedError),
}

impl PoseidonParams {
    /// The width-3 instance (2-to-1 compression): `R_F = 8`, `R_P = 57`,
    /// the reference's `poseidonperm_x5_254_3`. Generated on first use.
    pub fn bn254_t3() -> &'static PoseidonParams {
        static PARAMS: OnceLock<PoseidonParams> = OnceLock::new();
        PARAMS.get_or_init(|| {
            PoseidonParams::generate(3, 8, 57)
                .expect("t = 3, R_F = 8, R_P = 57 fit the Grain seed and are well formed")
        })
    }

    /// The width-5 instance (4-to-1 compression): `R_F = 8`, `R_P = 60`,
    /// the reference's `poseidonperm_x5_254_5`. Generated on first use.
    pub fn bn254_t5() -> &'static PoseidonParams {
        static PARAMS: OnceLock<PoseidonParams> = OnceLock::new();
        PARAMS.get_or_init(|| {
            PoseidonParams::generate(5, 8, 60)
                .expect("t = 5, R_F = 8, R_P = 60 fit the Grain seed and are well formed")
        })
    }

    /// Generates the instance of width `t` with the given round numbers: round
    /// constants by rejection sampling, then the first Cauchy matrix that passes
    /// the reference's checks, all from one Grain stream seeded with the instance.
    ///
    /// The round numbers are taken as given; their security is the caller's
    /// (see the paper's table, or the reference's `calc_round_numbers.py`).
    pub fn generate(
        t: usize,
        full_rounds: usize,
        partial_rounds: usize,
    ) -> Result<PoseidonParams, ParamsError> {
        if t < 2 {
            return Err(ParamsError::WidthTooSmall(t));
        }
        if !full_rounds.is_multiple_of(2) {
            return Err(ParamsError::OddFullRounds(full_rounds));
        }
        let field_bits = Fr::MODULUS_BIT_SIZE as usize;
        let mut grain = Grain::new(field_bits, t, full_rounds, partial_rounds)?;
        // The reference draws the constants as one flat list, round by round.
        let round_constants = (0..full_rounds + partial_rounds)
            .map(|_| {
                (0..t)
                    .map(|_| grain.next_field_element_rejecting())
                    .collect()
            })
            .collect();
        let mds = sample_secure_mds(&mut grain, t);
        Ok(PoseidonParams {
            t,
            alpha: ALPHA,
            full_rounds,
            partial_rounds,
            round_constants,
            mds,
        })
    }

    /// Total number of rounds.
    pub fn rounds(&self) -> usize {
        self.full_rounds + self.partial_rounds
    }

    /// Whether round `r` applies the S-box to every word (else to word 0 only).
    pub fn is_full_round(&self, r: usize) -> bool {
        let half = self.full_rounds / 2;
        r < half || r >= half + self.partial_rounds
    }

    /// Words of the state a sponge absorbs into and squeezes from (all but the
    /// one capacity word).
    pub fn rate(&self) -> usize {
        self.t - 1
    }

    /// The same instance as an ark-crypto-primitives sponge configuration, with
    /// one capacity word (word 0) and rate `t - 1`; its `PoseidonSponge`
    /// permutes exactly as [`super::native::permute`] does (same round order,
    /// `ark[round][word]`, `mds[row][column]`).
    pub fn to_ark_config(&self) -> PoseidonConfig<Fr> {
        PoseidonConfig::new(
            self.full_rounds,
            self.partial_rounds,
            self.alpha,
            self.mds.clone(),
            self.round_constants.clone(),
            self.rate(),
            1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;

    #[test]
    fn instances_have_the_papers_round_numbers_and_shapes() {
        for (params, t, partial) in [
            (PoseidonParams::bn254_t3(), 3, 57),
            (PoseidonParams::bn254_t5(), 5, 60),
        ] {
            assert_eq!(
                (
                    params.t,
                    params.alpha,
                    params.full_rounds,
                    params.partial_rounds
                ),
                (t, 5, 8, partial),
                "(t, alpha, R_F, R_P)"
            );
            assert_eq!(params.round_constants.len(), 8 + partial, "rounds");
            assert!(params.round_constants.iter().all(|rc| rc.len() == t));
            assert_eq!(params.mds.len(), t, "MDS rows");
            assert!(params.mds.iter().all(|row| row.len() == t));
        }
    }

    #[test]
    fn round_schedule_is_four_full_then_partial_then_four_full() {
        let params = PoseidonParams::bn254_t3();
        let full: Vec<usize> = (0..params.rounds())
            .filter(|&r| params.is_full_round(r))
            .collect();
        assert_eq!(full, vec![0, 1, 2, 3, 61, 62, 63, 64]);
    }

    #[test]
    fn both_instances_agree_with_arkworks_grain_implementation() {
        // An independent implementation of the same stream (without the MDS
        // checks, which both instances' first candidate passes).
        for params in [PoseidonParams::bn254_t3(), PoseidonParams::bn254_t5()] {
            let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
                u64::from(Fr::MODULUS_BIT_SIZE),
                params.rate(),
                params.full_rounds as u64,
                params.partial_rounds as u64,
                0,
            );
            assert_eq!(
                ark, params.round_constants,
                "t = {}: round constants",
                params.t
            );
            assert_eq!(mds, params.mds, "t = {}: MDS", params.t);
        }
    }

    #[test]
    fn malformed_instances_are_refused() {
        assert_eq!(
            PoseidonParams::generate(1, 8, 57),
            Err(ParamsError::WidthTooSmall(1))
        );
        assert_eq!(
            PoseidonParams::generate(3, 7, 57),
            Err(ParamsError::OddFullRounds(7))
        );
        assert!(matches!(
            PoseidonParams::generate(3, 8, 2000),
            Err(ParamsError::Seed(_))
        ));
    }
}
