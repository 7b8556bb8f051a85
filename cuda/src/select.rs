//! Choosing a backend: `cpu`, `cuda`, or `auto` (CUDA when it loads and a device answers).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::backend::Backend;
use crate::cpu::CpuBackend;
use crate::gpu::{CudaBackend, LoadError};

/// The backend a user asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// The CPU backend.
    #[default]
    Cpu,
    /// The CUDA backend; an error when it is not available.
    Cuda,
    /// CUDA when its library loads and a device answers, else the CPU.
    Auto,
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendChoice::Cpu => "cpu",
            BackendChoice::Cuda => "cuda",
            BackendChoice::Auto => "auto",
        })
    }
}

/// A `--backend` value that is none of the choices.
#[derive(Debug, thiserror::Error)]
#[error("unknown backend {0:?}: expected cpu, cuda or auto")]
pub struct UnknownBackend(String);

impl FromStr for BackendChoice {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cpu" => Ok(BackendChoice::Cpu),
            "cuda" => Ok(BackendChoice::Cuda),
            "auto" => Ok(BackendChoice::Auto),
            _ => Err(UnknownBackend(s.to_string())),
        }
    }
}

/// The backend chosen, and why (for the log).
#[derive(Clone)]
pub struct Selected {
    /// The backend.
    pub backend: Arc<dyn Backend>,
    /// Why it was chosen, e.g. `auto: no CUDA kernel library: tried …`.
    pub reason: String,
}

impl fmt::Debug for Selected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selected")
            .field("backend", &self.backend.name())
            .field("reason", &self.reason)
            .finish()
    }
}

/// Resolves `choice`; `cuda` fails when the library or a device is missing, `auto` falls back.
pub fn select(choice: BackendChoice) -> Result<Selected, LoadError> {
    let cuda = |cuda: CudaBackend| -> Selected {
        let reason = format!("{} device(s), kernels from {}", cuda.devices(), cuda.path());
        Selected {
            backend: Arc::new(cuda),
            reason,
        }
    };
    let selected = match choice {
        BackendChoice::Cpu => Selected {
            backend: Arc::new(CpuBackend),
            reason: "asked for".to_string(),
        },
        BackendChoice::Cuda => cuda(CudaBackend::load()?),
        BackendChoice::Auto => match CudaBackend::load() {
            Ok(backend) => {
                let mut selected = cuda(backend);
                selected.reason = format!("auto: {}", selected.reason);
                selected
            }
            Err(e) => Selected {
                backend: Arc::new(CpuBackend),
                reason: format!("auto: {e}"),
            },
        },
    };
    tracing::info!(backend = selected.backend.name(), reason = %selected.reason, "MSM/NTT backend");
    Ok(selected)
}
