//! The errors a ceremony command reports.

use crate::binfile::BinFileError;
use crate::ptau::format::FormatError;
use crate::ptau::verify::VerifyError;
use crate::r1cs::export::ExportError;
use crate::r1cs::R1csError;
use crate::transcript::TranscriptError;
use crate::zkey::format::ZkeyError;
use crate::zkey::verify::ZkeyVerifyError;

/// Why a ceremony command failed.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// The file's structure or encoding is wrong.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The file is well-formed but a contribution or section does not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The `.r1cs` file's structure or encoding is wrong.
    #[error(transparent)]
    R1cs(#[from] R1csError),
    /// A circuit could not be exported to `.r1cs`.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The transcript is unreadable or disagrees with the file.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// A container (`.zkey`, `.r1cs`) is unreadable.
    #[error(transparent)]
    BinFile(#[from] BinFileError),
    /// A `.zkey` is malformed.
    #[error(transparent)]
    Zkey(#[from] ZkeyError),
    /// A `.wtns` is unreadable or not a BN254 circom witness.
    #[error(transparent)]
    Wtns(#[from] crate::wtns::WtnsError),
    /// A `.zkey` is well-formed but does not verify.
    #[error(transparent)]
    ZkeyVerify(#[from] ZkeyVerifyError),
    /// The command cannot run on this input (reason, with values).
    #[error("{0}")]
    Refused(String),
}
