//! `Rollup.sol`: its source, and typed bindings for calling it with alloy.
//!
//! The contract (`verifier-contracts/contracts/Rollup.sol`) holds the proven
//! state root; its doc comments are the specification of each call. The
//! bindings are generated at build time from `contracts/IRollup.sol`, the
//! interface the contract implements.

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::SolValue;
use serde::{Deserialize, Serialize};

use crate::compile::{compile, compile_sources, CompileError, Compiled};

/// Solidity source of the rollup contract.
pub const ROLLUP_SOURCE: &str = include_str!("../contracts/Rollup.sol");
/// Solidity source of its interface (events, errors, calls), which it imports.
pub const ROLLUP_INTERFACE_SOURCE: &str = include_str!("../contracts/IRollup.sol");
/// Name of the rollup contract.
pub const ROLLUP_CONTRACT: &str = "Rollup";
/// Solidity source of the ERC-20 the tests and the demo deposit.
pub const TEST_TOKEN_SOURCE: &str = include_str!("../contracts/TestToken.sol");
/// Name of the test token contract.
pub const TEST_TOKEN_CONTRACT: &str = "TestToken";

/// The rollup's delays, in blocks: `Rollup.sol`'s `PRIORITY_DEADLINE` and
/// `GOVERNANCE_DELAY`, fixed at deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupDelays {
    /// Blocks within which each queued deposit must be in a proven batch;
    /// past them anyone may start exodus mode.
    pub priority_deadline: u64,
    /// Blocks between the proposal of a new operator or owner and its effect.
    pub governance_delay: u64,
}

impl Default for RollupDelays {
    /// Three days for deposits and a week for governance, at 12 s a block.
    fn default() -> Self {
        RollupDelays {
            priority_deadline: 3 * 7_200,
            governance_delay: 7 * 7_200,
        }
    }
}

/// `Rollup.sol`'s constructor arguments, ABI-encoded: the verifier, the batch
/// capacity, the state root before batch 1, the operator and the delays.
pub fn rollup_constructor_args(
    verifier: Address,
    capacity: usize,
    genesis_root: B256,
    operator: Address,
    delays: RollupDelays,
) -> Vec<u8> {
    (
        verifier,
        U256::from(capacity),
        genesis_root,
        operator,
        delays.priority_deadline,
        delays.governance_delay,
    )
        .abi_encode_params()
}

/// Compiles `Rollup.sol`.
pub fn compile_rollup() -> Result<Compiled, CompileError> {
    compile_sources(
        &[
            ("Rollup.sol", ROLLUP_SOURCE),
            ("IRollup.sol", ROLLUP_INTERFACE_SOURCE),
        ],
        "Rollup.sol",
        ROLLUP_CONTRACT,
    )
}

/// Compiles `TestToken.sol`.
pub fn compile_test_token() -> Result<Compiled, CompileError> {
    compile("TestToken.sol", TEST_TOKEN_SOURCE, TEST_TOKEN_CONTRACT)
}

/// Bindings generated from the contracts' own sources: the rollup's
/// interface, and the test token (which has no internal functions).
mod bindings {
    alloy::sol!(
        #[sol(rpc, all_derives)]
        "contracts/IRollup.sol"
    );
    alloy::sol!(
        #[sol(rpc, all_derives)]
        "contracts/TestToken.sol"
    );
}

/// `IRollup.sol`'s calls, events, errors and an rpc instance (`IRollup::new`).
pub use bindings::IRollup;
/// `TestToken.sol`'s calls, events and an rpc instance (`ITestToken::new`).
pub use bindings::TestToken as ITestToken;
