//! What a backend call fails with.

/// Errors of MSM and NTT backends.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// An MSM was given a different number of points and scalars.
    #[error("MSM over {what}: {points} points but {scalars} scalars")]
    LengthMismatch {
        /// `G1` or `G2`.
        what: &'static str,
        /// Number of points.
        points: usize,
        /// Number of scalars.
        scalars: usize,
    },
    /// An NTT was asked for a size the field has no subgroup of.
    #[error("NTT of {len} values: the size must be a power of two at most 2^{max_log}")]
    NttSize {
        /// The length given.
        len: usize,
        /// Two-adicity of the scalar field.
        max_log: u32,
    },
    /// A coset offset of zero (no coset).
    #[error("coset NTT with offset zero")]
    ZeroCosetOffset,
    /// The backend's device or library failed.
    #[error("{backend} backend: {reason}")]
    Device {
        /// Backend name.
        backend: &'static str,
        /// What went wrong.
        reason: String,
    },
}
