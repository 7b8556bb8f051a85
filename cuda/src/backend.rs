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
