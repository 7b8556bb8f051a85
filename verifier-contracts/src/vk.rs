//! The verifying key in the EVM encoding: the generator's only input.
//!
//! The JSON shape is the one `zkr-aggregator` writes for its Groth16 wrap key
//! (`EvmVerifyingKey` there); this crate keeps its own copy of the type so that
//! it needs nothing but the key. Every word is a `uint256`, 32 bytes
//! big-endian, in JSON a `0x`-prefixed 64-digit hex string. A G1 point is
//! `[x, y]`; a G2 point is `[[x.c1, x.c0], [y.c1, y.c0]]`, the imaginary part
//! first as EIP-197 reads it. The point at infinity is all zeros.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Number of public inputs the generated verifier takes.
pub const NUM_PUBLIC_INPUTS: usize = 1;

/// The BN254 base field modulus `q` (coordinates are below it), big-endian.
pub const BASE_FIELD_MODULUS: Word =
    Word::from_hex("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");

/// The BN254 scalar field modulus `r` (public inputs are below it), big-endian.
pub const SCALAR_FIELD_MODULUS: Word =
    Word::from_hex("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");

/// A `uint256`: 32 bytes big-endian; in JSON a `0x`-prefixed 64-digit hex string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Word(pub [u8; 32]);

impl Word {
    /// Parses 64 hex digits (no prefix) at compile time; for constants only.
    const fn from_hex(digits: &str) -> Word {
        const fn nibble(c: u8) -> u8 {
            match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => panic!("Word::from_hex: not a lowercase hex digit"),
            }
        }
        let digits = digits.as_bytes();
        assert!(digits.len() == 64, "Word::from_hex: expected 64 digits");
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            out[i] = nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1]);
            i += 1;
        }
        Word(out)
    }

    /// Whether the word is below the BN254 base field modulus `q`.
    pub fn is_base_field_element(&self) -> bool {
        *self < BASE_FIELD_MODULUS
    }

    /// `q - self` (zero stays zero): the negation of a base field element,
    /// which must be below `q`.
    pub fn neg_mod_q(&self) -> Word {
        if self.0 == [0u8; 32] {
            return *self;
        }
        let mut out = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = BASE_FIELD_MODULUS.0[i] as i16 - self.0[i] as i16 - borrow;
            borrow = i16::from(d < 0);
            out[i] = (d + 256 * borrow) as u8;
        }
        Word(out)
    }

    /// Whether the word is below the BN254 scalar field modulus `r`.
    pub fn is_scalar_field_element(&self) -> bool {
        *self < SCALAR_FIELD_MODULUS
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl Serialize for Word {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").ok_or_else(|| {
            serde::de::Error::custom(format!("uint256 {s:?}: expected a 0x prefix"))
        })?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(digits, &mut out).map_err(|e| {
            serde::de::Error::custom(format!("uint256 {s:?}: expected 64 hex digits: {e}"))
        })?;
        Ok(Word(out))
    }
}

/// A G1 point `[x, y]`.
pub type G1 = [Word; 2];
/// A G2 point `[[x.c1, x.c0], [y.c1, y.c0]]`.
pub type G2 = [[Word; 2]; 2];

/// A Groth16 BN254 verifying key in the EVM encoding (the aggregator's JSON shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvmVerifyingKey {
    /// `alpha` in G1: `[x, y]`.
    pub alpha: G1,
    /// `beta` in G2: `[[x.c1, x.c0], [y.c1, y.c0]]`.
    pub beta: G2,
    /// `gamma` in G2, as `beta`.
    pub gamma: G2,
    /// `delta` in G2, as `beta`.
    pub delta: G2,
    /// `IC[0..=n]` in G1 (`vk_x = IC[0] + sum_i input_i · IC[i+1]`).
    pub ic: Vec<G1>,
}

/// Why a verifying key cannot make a verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VkError {
    /// The key is not one of a circuit with [`NUM_PUBLIC_INPUTS`] public input.
    #[error(
        "verifying key has {points} IC points ({public_inputs} public inputs), expected {} \
         ({NUM_PUBLIC_INPUTS} public input)",
        NUM_PUBLIC_INPUTS + 1
    )]
    PublicInputCount {
        /// Points in `ic`.
        points: usize,
        /// Public inputs they stand for (`points - 1`).
        public_inputs: usize,
    },
    /// A key with no public signal: there is nothing for a verifier to take.
    #[error("verifying key has no public signal (one IC point): a verifier needs at least one")]
    NoPublicSignals,
    /// A coordinate is not a base field element.
    #[error("verifying key {coordinate} = {value} is not below the base field modulus q = {BASE_FIELD_MODULUS}")]
    CoordinateNotInField {
        /// Which coordinate, e.g. `beta.x.c1` or `ic[1].y`.
        coordinate: String,
        /// Its value.
        value: Word,
    },
}

impl EvmVerifyingKey {
    /// Checks the key's shape (one public input) and that every coordinate is below `q`.
    ///
    /// Whether the points lie on the curve is left to the precompiles: a key
    /// with a point off the curve makes a verifier that rejects every proof.
    pub fn check(&self) -> Result<(), VkError> {
        if self.ic.len() != NUM_PUBLIC_INPUTS + 1 {
            return Err(VkError::PublicInputCount {
                points: self.ic.len(),
                public_inputs: self.ic.len().saturating_sub(1),
            });
        }
        self.check_coordinates()
    }

    /// Checks that every coordinate is below q (any number of IC points).
    pub fn check_coordinates(&self) -> Result<(), VkError> {
        for (coordinate, value) in self.coordinates() {
            if !value.is_base_field_element() {
                return Err(VkError::CoordinateNotInField { coordinate, value });
            }
        }
        Ok(())
    }

    /// Every coordinate with its name (`alpha.x`, `beta.x.c1`, ..., `ic[1].y`), in key order.
    pub fn coordinates(&self) -> Vec<(String, Word)> {
        let mut out = Vec::with_capacity(4 + 3 * 4 + 2 * self.ic.len());
        push_g1(&mut out, "alpha".to_owned(), &self.alpha);
        push_g2(&mut out, "beta", &self.beta);
        push_g2(&mut out, "gamma", &self.gamma);
        push_g2(&mut out, "delta", &self.delta);
        for (i, point) in self.ic.iter().enumerate() {
            push_g1(&mut out, format!("ic[{i}]"), point);
        }
        out
    }

    /// The y coordinates of `-beta`, `-gamma` and `-delta` (named e.g.
    /// `beta.neg.y.c1`): the verifier pairs with the negated G2 points so
    /// that the proof's A goes to the precompile as it came.
    pub fn negated_g2_y(&self) -> Vec<(String, Word)> {
        let mut out = Vec::with_capacity(6);
        for (name, p) in [
            ("beta", &self.beta),
            ("gamma", &self.gamma),
            ("delta", &self.delta),
        ] {
            out.push((format!("{name}.neg.y.c1"), p[1][0].neg_mod_q()));
            out.push((format!("{name}.neg.y.c0"), p[1][1].neg_mod_q()));
        }
        out
    }
}

fn push_g1(out: &mut Vec<(String, Word)>, name: String, p: &G1) {
    out.push((format!("{name}.x"), p[0]));
    out.push((format!("{name}.y"), p[1]));
}

fn push_g2(out: &mut Vec<(String, Word)>, name: &str, p: &G2) {
    out.push((format!("{name}.x.c1"), p[0][0]));
    out.push((format!("{name}.x.c0"), p[0][1]));
    out.push((format!("{name}.y.c1"), p[1][0]));
    out.push((format!("{name}.y.c0"), p[1][1]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neg_mod_q_is_q_minus_the_word_and_keeps_zero() {
        let one = word(1);
        let q_minus_one =
            Word::from_hex("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46");
        assert_eq!(one.neg_mod_q(), q_minus_one, "-1 mod q");
        assert_eq!(q_minus_one.neg_mod_q(), one, "-(q - 1) mod q");
        assert_eq!(Word::default().neg_mod_q(), Word::default(), "-0 mod q");
        // A borrow across every byte: q - 0x0100..00 (one above the top limb's range).
        let x = Word::from_hex("0100000000000000000000000000000000000000000000000000000000000000");
        let expected =
            Word::from_hex("2f644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
        assert_eq!(x.neg_mod_q(), expected, "-(2^248) mod q");
    }

    fn word(last: u8) -> Word {
        let mut w = [0u8; 32];
        w[31] = last;
        Word(w)
    }

    fn key(ic_points: usize) -> EvmVerifyingKey {
        let g2 = [[word(1), word(2)], [word(3), word(4)]];
        EvmVerifyingKey {
            alpha: [word(1), word(2)],
            beta: g2,
            gamma: g2,
            delta: g2,
            ic: vec![[word(5), word(6)]; ic_points],
        }
    }

    #[test]
    fn moduli_match_their_decimal_values() {
        // q and r of BN254 (alt_bn128), as EIP-196 gives them.
        let decimal = |w: &Word| {
            w.0.iter().fold(Vec::<u32>::new(), |mut digits, &byte| {
                // digits: little-endian base 10^9.
                let mut carry = byte as u64;
                for d in digits.iter_mut() {
                    let v = *d as u64 * 256 + carry;
                    *d = (v % 1_000_000_000) as u32;
                    carry = v / 1_000_000_000;
                }
                while carry > 0 {
                    digits.push((carry % 1_000_000_000) as u32);
                    carry /= 1_000_000_000;
                }
                digits
            })
        };
        let to_string = |digits: Vec<u32>| {
            let mut s = String::new();
            for (i, d) in digits.iter().rev().enumerate() {
                if i == 0 {
                    s.push_str(&d.to_string());
                } else {
                    s.push_str(&format!("{d:09}"));
                }
            }
            s
        };
        assert_eq!(
            to_string(decimal(&BASE_FIELD_MODULUS)),
            "21888242871839275222246405745257275088696311157297823662689037894645226208583"
        );
        assert_eq!(
            to_string(decimal(&SCALAR_FIELD_MODULUS)),
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
        );
    }

    #[test]
    fn json_words_are_0x_prefixed_64_digit_hex_in_the_aggregator_shape() {
        let json = serde_json::to_value(key(2)).unwrap();
        let w = |last: u8| format!("0x{}{last:02x}", "0".repeat(62));
        let g2 = serde_json::json!([[w(1), w(2)], [w(3), w(4)]]);
        assert_eq!(
            json,
            serde_json::json!({
                "alpha": [w(1), w(2)],
                "beta": g2,
                "gamma": g2,
                "delta": g2,
                "ic": [[w(5), w(6)], [w(5), w(6)]],
            })
        );
        let back: EvmVerifyingKey = serde_json::from_value(json).unwrap();
        assert_eq!(back, key(2));
    }

    #[test]
    fn json_word_without_prefix_or_with_wrong_length_is_rejected_naming_it() {
        let short = r#"{"alpha":["0x01","0x02"]}"#;
        let err = serde_json::from_str::<EvmVerifyingKey>(short)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"0x01\"") && err.contains("64 hex digits"),
            "expected the short word named, got: {err}"
        );
        let no_prefix = format!(r#"{{"alpha":["{}","0x02"]}}"#, "1".repeat(64));
        let err = serde_json::from_str::<EvmVerifyingKey>(&no_prefix)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("0x prefix"),
            "expected a missing prefix error, got: {err}"
        );
    }

    #[test]
    fn key_with_two_public_inputs_is_rejected() {
        assert_eq!(
            key(3).check(),
            Err(VkError::PublicInputCount {
                points: 3,
                public_inputs: 2
            })
        );
        assert_eq!(
            key(0).check(),
            Err(VkError::PublicInputCount {
                points: 0,
                public_inputs: 0
            })
        );
        assert_eq!(key(2).check(), Ok(()));
    }

    #[test]
    fn coordinate_not_below_q_is_rejected_naming_it() {
        let mut k = key(2);
        k.delta[1][0] = BASE_FIELD_MODULUS;
        assert_eq!(
            k.check(),
            Err(VkError::CoordinateNotInField {
                coordinate: "delta.y.c1".to_owned(),
                value: BASE_FIELD_MODULUS
            })
        );
        let mut k = key(2);
        k.ic[1][1] = Word([0xff; 32]);
        let err = k.check().unwrap_err().to_string();
        assert!(
            err.contains("ic[1].y"),
            "expected ic[1].y named, got: {err}"
        );
    }
}
