//! zkr's L1 contracts: the Groth16 verifier generator, and the tools to build
//! and try contracts.
//!
//! * [`vk`]: the verifying key in the EVM encoding, the generator's only input.
//! * [`generator`]: `Verifier.sol` from a verifying key.
//! * [`compile`](mod@compile): Solidity to bytecode with a pinned solc.
//! * [`rollup`]: `Rollup.sol`, the contract that holds the proven state root,
//!   and bindings for it.
//! * [`deploy`](mod@deploy): deploying a compiled contract and checking its code.
//! * [`anvil`]: a local Ethereum node for tests.
//!
//! Tools: solc and anvil come from the npm packages pinned in
//! `verifier-contracts/package.json` (`npm ci` there installs them); see
//! [`compile::Solc::find`] and [`anvil::Anvil::start`] for where else they are
//! looked for.

pub mod anvil;
pub mod compile;
pub mod deploy;
pub mod generator;
pub mod rollup;
pub mod vk;

pub use anvil::{Anvil, AnvilError};
pub use compile::{compile, compile_sources, CompileError, Compiled, Solc, SOLC_VERSION};
pub use deploy::{deploy, DeployError, Deployed};
pub use generator::{
    generate_groth16_verifier, generate_verifier, GROTH16_VERIFIER_CONTRACT, VERIFIER_CONTRACT,
};
pub use rollup::{
    compile_rollup, compile_test_token, rollup_constructor_args, IRollup, ITestToken, RollupDelays,
    ROLLUP_CONTRACT,
};
pub use vk::{EvmVerifyingKey, VkError, Word};
