//! MSM and NTT backends for zkr's Groth16 prover.
//!
//! The prover's cost is multi-scalar multiplication over BN254's G1 and G2 and
//! number-theoretic transforms over its scalar field. [`Backend`] is that
//! interface; [`cpu::CpuBackend`] implements it with rayon (the default, and
//! the reference every other backend is checked against). A CUDA backend loads
//! its kernels from a shared library at run time, so that everything here
//! builds and runs on machines without a GPU.

pub mod backend;
pub mod cpu;
pub mod error;
pub mod gpu;
pub mod select;

pub use backend::{Backend, MsmBackend, NttBackend};
pub use cpu::CpuBackend;
pub use error::BackendError;
pub use gpu::CudaBackend;
pub use select::{select, BackendChoice, Selected};
