//! zkr's L1 contracts: the Groth16 verifier generator, and the tools to build
//! and try contracts.
//!
//! * [`vk`]: the verifying key in the EVM encoding, the generator's only input.
//! * [`generator`]: `Verifier.sol` from a verifying key.
//! * [`compile`](mod@compile): Solidity to bytecode with a pinned solc.
//! * [`anvil`]: a local Ethereum node for tests.
//!
//! Tools: solc and anvil come from the npm packages pinned in
//! `verifier-contracts/package.json` (`npm ci` there installs them); see
//! [`compile::Solc::find`] and [`anvil::Anvil::start`] for where else they are
//! looked for.

pub mod anvil;
pub mod compile;
pub mod generator;
pub mod vk;

pub use anvil::{Anvil, AnvilError};
pub use compile::{compile, CompileError, Compiled, Solc, SOLC_VERSION};
pub use generator::{generate_verifier, VERIFIER_CONTRACT};
pub use vk::{EvmVerifyingKey, VkError, Word};
