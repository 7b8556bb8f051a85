//! The Poseidon-BN254 hash output: one BN254 scalar.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use plonky2::plonk::config::GenericHashOut;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::packing::digest_limbs;
use crate::wrap::algebra::GF;

/// Bytes of a serialized digest: the scalar's canonical little-endian encoding.
pub const DIGEST_BYTES: usize = 32;

/// A Poseidon-BN254 digest.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Bn254Digest(pub Fr);

impl GenericHashOut<GF> for Bn254Digest {
    fn to_bytes(&self) -> Vec<u8> {
        self.0.into_bigint().to_bytes_le()
    }

    /// Reads 32 little-endian bytes; a non-canonical value is reduced (plonky2's
    /// interface cannot fail here, and a reduced digest simply fails to verify).
    fn from_bytes(bytes: &[u8]) -> Self {
        Bn254Digest(Fr::from_le_bytes_mod_order(bytes))
    }

    fn to_vec(&self) -> Vec<GF> {
        digest_limbs(&self.0).to_vec()
    }
}

impl Serialize for Bn254Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.to_bytes())
    }
}

impl<'de> Deserialize<'de> for Bn254Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes: Vec<u8> = serde::de::Deserialize::deserialize(deserializer)?;
        if bytes.len() != DIGEST_BYTES {
            return Err(serde::de::Error::invalid_length(
                bytes.len(),
                &"32 bytes of a BN254 scalar",
            ));
        }
        let digest = Self::from_bytes(&bytes);
        if digest.to_bytes() != bytes {
            return Err(serde::de::Error::custom(
                "digest is not a canonical BN254 scalar",
            ));
        }
        Ok(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::{test_rng, UniformRand};

    #[test]
    fn bytes_round_trip_and_are_32_long() {
        let d = Bn254Digest(Fr::rand(&mut test_rng()));
        let bytes = d.to_bytes();
        assert_eq!(bytes.len(), DIGEST_BYTES);
        assert_eq!(Bn254Digest::from_bytes(&bytes), d);
        let json = serde_json::to_string(&d).expect("serializes");
        assert_eq!(
            serde_json::from_str::<Bn254Digest>(&json).expect("parses"),
            d
        );
    }

    #[test]
    fn non_canonical_bytes_are_rejected_by_serde() {
        let json = serde_json::to_string(&vec![0xffu8; 32]).expect("serializes");
        let err = serde_json::from_str::<Bn254Digest>(&json).expect_err("0xff..ff is above r");
        assert!(err.to_string().contains("canonical"), "{err}");
    }
}
