//! The backend interface: BN254 MSM in G1 and G2, NTT over Fr.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};

use crate::error::BackendError;

/// Multi-scalar multiplication over BN254: `sum_i scalars[i] * bases[i]`.
pub trait MsmBackend {
    /// MSM in G1; `bases` and `scalars` must have the same length.
    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, BackendError>;
    /// MSM in G2; `bases` and `scalars` must have the same length.
    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective, BackendError>;
}

/// Number-theoretic transforms over BN254's Fr on the subgroup of order `values.len()`.
///
/// With `ω` the subgroup's generator (the one arkworks' radix-2 domain uses)
/// and `n` the length: the forward transform maps coefficients `c` to
/// evaluations `c(ω^i)`; the coset transform to `c(g·ω^i)`. The inverse
/// transforms undo them. Lengths must be powers of two.
pub trait NttBackend {
    /// Coefficients to evaluations on the subgroup, in place.
    fn ntt(&self, values: &mut [Fr]) -> Result<(), BackendError>;
    /// Evaluations on the subgroup to coefficients, in place.
    fn intt(&self, values: &mut [Fr]) -> Result<(), BackendError>;
    /// Coefficients to evaluations on the coset `offset·H`, in place.
    fn coset_ntt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError>;
    /// Evaluations on the coset `offset·H` to coefficients, in place.
    fn coset_intt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError>;
}

/// A complete backend: MSM and NTT, usable from many threads.
pub trait Backend: MsmBackend + NttBackend + Send + Sync {
    /// Short name for logs and `--backend` (`cpu`, `cuda`).
    fn name(&self) -> &'static str;
}

/// Refuses an MSM with different numbers of points and scalars (every backend's first check).
pub fn check_lengths(
    what: &'static str,
    points: usize,
    scalars: usize,
) -> Result<(), BackendError> {
    if points == scalars {
        Ok(())
    } else {
        Err(BackendError::LengthMismatch {
            what,
            points,
            scalars,
        })
    }
}

/// Refuses an NTT length that is not a power of two within Fr's two-adicity.
pub fn check_ntt_size(len: usize) -> Result<(), BackendError> {
    let max_log = <Fr as ark_ff::FftField>::TWO_ADICITY;
    if len.is_power_of_two() && len.trailing_zeros() <= max_log {
        Ok(())
    } else {
        Err(BackendError::NttSize { len, max_log })
    }
}
