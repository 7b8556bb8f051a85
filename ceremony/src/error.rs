//! The errors a ceremony command reports.

use crate::ptau::format::FormatError;
use crate::ptau::verify::VerifyError;
use crate::transcript::TranscriptError;

/// Why a ceremony command failed.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// The file's structure or encoding is wrong.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The file is well-formed but a contribution or section does not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The transcript is unreadable or disagrees with the file.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The command cannot run on this input (reason, with values).
    #[error("{0}")]
    Refused(String),
}
