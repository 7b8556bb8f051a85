//! The CPU backend: rayon-parallel MSM (batched-affine Pippenger, GLV in G1)
//! and radix-2 NTTs.

#[cfg(target_arch = "x86_64")]
pub mod ifma;
pub mod msm;
pub mod ntt;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};

use crate::backend::{check_lengths, Backend, MsmBackend, NttBackend};
use crate::error::BackendError;

/// The CPU backend; uses rayon's global thread pool.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuBackend;

impl MsmBackend for CpuBackend {
    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, BackendError> {
        check_lengths("G1", bases.len(), scalars.len())?;
        Ok(msm::msm_g1(bases, scalars))
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective, BackendError> {
        check_lengths("G2", bases.len(), scalars.len())?;
        Ok(msm::msm_g2(bases, scalars))
    }
}

impl NttBackend for CpuBackend {
    fn ntt(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        ntt::transform(values, ntt::Direction::Forward, None)
    }

    fn intt(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        ntt::transform(values, ntt::Direction::Inverse, None)
    }

    fn coset_ntt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError> {
        ntt::transform(values, ntt::Direction::Forward, Some(offset))
    }

    fn coset_intt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError> {
        ntt::transform(values, ntt::Direction::Inverse, Some(offset))
    }
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }
}
