//! Poseidon over the BN254 scalar field (`x^5`, widths 3 and 5), natively and as
//! an R1CS gadget, with parameters generated from the Poseidon paper's Grain
//! LFSR procedure rather than copied from elsewhere.
//!
//! * [`grain`]: the Grain LFSR that seeds everything from the instance description.
//! * `mds` (private): the Cauchy MDS matrix and the reference's checks on it.
//! * [`params`]: the instances (`t = 3`: `R_F = 8, R_P = 57`; `t = 5`: `R_F = 8, R_P = 60`).
//! * [`native`]: the permutation and a duplex sponge.
//! * [`r1cs`]: the same over `FpVar<Fr>`, 3 constraints per S-box.
//!
//! The instances reproduce the reference implementation's published test
//! vectors `poseidonperm_x5_254_3` and `poseidonperm_x5_254_5`, and so the
//! constants circomlib and most BN254 Poseidon deployments use.

pub mod grain;
mod mds;
pub mod native;
pub mod params;
pub mod r1cs;

pub use native::{permute, Sponge};
pub use params::{ParamsError, PoseidonParams};
pub use r1cs::{permute_var, SpongeVar};
