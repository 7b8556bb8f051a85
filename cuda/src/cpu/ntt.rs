//! Radix-2 NTTs over Fr on the CPU (arkworks' parallel radix-2 domain).

use ark_bn254::Fr;
use ark_ff::{FftField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

use crate::backend::check_ntt_size;
use crate::error::BackendError;

/// Which way a transform goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Coefficients to evaluations.
    Forward,
    /// Evaluations to coefficients.
    Inverse,
}

/// Transforms `values` in place on the subgroup of its length, or on the coset `offset·H`.
pub fn transform(
    values: &mut [Fr],
    direction: Direction,
    offset: Option<Fr>,
) -> Result<(), BackendError> {
    let len = values.len();
    check_ntt_size(len)?;
    let size_error = || BackendError::NttSize {
        len,
        max_log: Fr::TWO_ADICITY,
    };
    let mut domain = Radix2EvaluationDomain::<Fr>::new(len).ok_or_else(size_error)?;
    if let Some(offset) = offset {
        if offset.is_zero() {
            return Err(BackendError::ZeroCosetOffset);
        }
        domain = domain.get_coset(offset).ok_or_else(size_error)?;
    }
    // arkworks transforms a Vec (it may pad); the copy costs little next to the transform.
    let mut buffer = values.to_vec();
    match direction {
        Direction::Forward => domain.fft_in_place(&mut buffer),
        Direction::Inverse => domain.ifft_in_place(&mut buffer),
    }
    values.copy_from_slice(&buffer[..len]);
    Ok(())
}
