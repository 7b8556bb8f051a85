//! `Verifier.sol` from a verifying key.
//!
//! The contract is a fixed template (`Verifier.sol.tmpl`, beside this file)
//! with the key's coordinates filled in as `uint256` constants and the pragma
//! pinned to [`SOLC_VERSION`]. Its interface:
//!
//! ```solidity
//! function verifyProof(uint256[8] calldata proof, uint256 input) external view;
//! error PublicInputNotInField(uint256 input);
//! error CoordinateNotInField(uint256 index, uint256 value);
//! error PrecompileFailed(address precompile);
//! error ProofInvalid();
//! ```
//!
//! `verifyProof` returns nothing and reverts on every rejection, so that a
//! caller (Rollup.sol) cannot forget to check a result, and so that
//! `eth_estimateGas` never settles on a gas limit at which a precompile runs
//! out of gas and the call still succeeds.

use crate::compile::SOLC_VERSION;
use crate::vk::{EvmVerifyingKey, VkError, Word};

/// Name of the generated contract.
pub const VERIFIER_CONTRACT: &str = "Verifier";

/// Name of the contract [`generate_groth16_verifier`] makes (snarkjs's name).
pub const GROTH16_VERIFIER_CONTRACT: &str = "Groth16Verifier";

const TEMPLATE: &str = include_str!("Verifier.sol.tmpl");

const GROTH16_TEMPLATE: &str = include_str!("Groth16Verifier.sol.tmpl");

/// The Solidity source of a Groth16 verifier for `vk` (one public input).
pub fn generate_verifier(vk: &EvmVerifyingKey) -> Result<String, VkError> {
    vk.check()?;
    let constants = declarations(vk);
    Ok(TEMPLATE
        .replace("{{SOLC_VERSION}}", SOLC_VERSION)
        .replace("{{VERIFYING_KEY}}\n", &constants))
}

/// The Solidity source of a Groth16 verifier for `vk` with any number (at
/// least one) of public signals and the interface of snarkjs's generated
/// verifier (`Groth16Verifier.sol.tmpl`):
///
/// ```solidity
/// function verifyProof(uint256[2] calldata _pA, uint256[2][2] calldata _pB,
///     uint256[2] calldata _pC, uint256[N] calldata _pubSignals) public view returns (bool);
/// ```
///
/// for circuits proven with snarkjs's files; zkr's own wrap uses [`generate_verifier`].
pub fn generate_groth16_verifier(vk: &EvmVerifyingKey) -> Result<String, VkError> {
    vk.check_coordinates()?;
    let signals = vk.ic.len().saturating_sub(1);
    if signals == 0 {
        return Err(VkError::NoPublicSignals);
    }
    let constants = declarations(vk);
    let accumulate: String = (0..signals)
        .map(|i| {
            format!(
                "        ok = ok && mulAdd(vkX, IC{n}_X, IC{n}_Y, _pubSignals[{i}]);\n",
                n = i + 1
            )
        })
        .collect();
    Ok(GROTH16_TEMPLATE
        .replace("{{SOLC_VERSION}}", SOLC_VERSION)
        .replace("{{N}}", &signals.to_string())
        .replace("{{VERIFYING_KEY}}\n", &constants)
        .replace("{{ACCUMULATE}}\n", &accumulate))
}

/// The Solidity declarations of [`constants`], one per line.
fn declarations(vk: &EvmVerifyingKey) -> String {
    constants(vk)
        .into_iter()
        .map(|(name, value)| {
            format!(
                "    uint256 internal constant {} = {value};\n",
                constant_name(&name)
            )
        })
        .collect()
}

/// The key's coordinates the contract holds as constants: all of them, except
/// that the G2 points' y coordinates give way to their negations.
fn constants(vk: &EvmVerifyingKey) -> Vec<(String, Word)> {
    vk.coordinates()
        .into_iter()
        .filter(|(name, _)| !is_g2_y(name))
        .chain(vk.negated_g2_y())
        .collect()
}

/// Whether `coordinate` is the y of `beta`, `gamma` or `delta`.
fn is_g2_y(coordinate: &str) -> bool {
    ["beta.y.", "gamma.y.", "delta.y."]
        .iter()
        .any(|prefix| coordinate.starts_with(prefix))
}

/// `beta.x.c1` becomes `BETA_X_C1`, `ic[1].y` becomes `IC1_Y`.
fn constant_name(coordinate: &str) -> String {
    coordinate
        .chars()
        .filter_map(|c| match c {
            '.' => Some('_'),
            '[' | ']' => None,
            c => Some(c.to_ascii_uppercase()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vk::Word;

    fn key() -> EvmVerifyingKey {
        let w = |i: u8| {
            let mut b = [0u8; 32];
            b[31] = i;
            Word(b)
        };
        EvmVerifyingKey {
            alpha: [w(1), w(2)],
            beta: [[w(3), w(4)], [w(5), w(6)]],
            gamma: [[w(7), w(8)], [w(9), w(10)]],
            delta: [[w(11), w(12)], [w(13), w(14)]],
            ic: vec![[w(15), w(16)], [w(17), w(18)]],
        }
    }

    #[test]
    fn every_placeholder_is_filled() {
        let source = generate_verifier(&key()).unwrap();
        assert!(
            !source.contains("{{") && !source.contains("}}"),
            "a placeholder is left in:\n{source}"
        );
        assert!(
            source.contains(&format!("pragma solidity {SOLC_VERSION};")),
            "expected the pragma pinned to solc {SOLC_VERSION}"
        );
    }

    #[test]
    fn every_coordinate_becomes_a_constant_the_template_uses() {
        let source = generate_verifier(&key()).unwrap();
        let constants = constants(&key());
        assert_eq!(
            constants.len(),
            key().coordinates().len(),
            "one constant per coordinate"
        );
        for (name, value) in constants {
            let constant = constant_name(&name);
            let declaration = format!("uint256 internal constant {constant} = {value};");
            assert!(
                source.contains(&declaration),
                "expected `{declaration}` for {name}"
            );
            assert!(
                source.matches(constant.as_str()).count() >= 2,
                "constant {constant} ({name}) is declared but never used"
            );
        }
        assert_eq!(constant_name("beta.x.c1"), "BETA_X_C1");
        assert_eq!(constant_name("delta.neg.y.c0"), "DELTA_NEG_Y_C0");
        assert_eq!(constant_name("ic[1].y"), "IC1_Y");
    }

    #[test]
    fn key_that_fails_its_check_makes_no_verifier() {
        let mut k = key();
        k.ic.pop();
        assert_eq!(
            generate_verifier(&k),
            Err(VkError::PublicInputCount {
                points: 1,
                public_inputs: 0
            })
        );
    }

    #[test]
    fn groth16_verifier_takes_every_signal_and_refuses_a_key_without_one() {
        let mut k = key();
        k.ic.push(k.ic[1]);
        let source = generate_groth16_verifier(&k).unwrap();
        assert!(
            !source.contains("{{") && !source.contains("}}"),
            "a placeholder is left in:\n{source}"
        );
        assert!(
            source.contains("uint256[2] calldata _pubSignals"),
            "two signals"
        );
        for i in 0..2 {
            let line = format!(
                "mulAdd(vkX, IC{}_X, IC{}_Y, _pubSignals[{i}])",
                i + 1,
                i + 1
            );
            assert!(source.contains(&line), "expected `{line}` in:\n{source}");
        }
        k.ic.truncate(1);
        assert_eq!(generate_groth16_verifier(&k), Err(VkError::NoPublicSignals));
    }
}
