//! Native EcGFp5 arithmetic and Schnorr signatures.
//!
//! EcGFp5 (T. Pornin, "EcGFp5: a Specialized Elliptic Curve", eprint
//! 2022/274; reference implementation github.com/pornin/ecgfp5) is a
//! prime-order group of order n (about 2^319) built on a double-odd curve over
//! GF(p^5) = GF(p)[z]/(z^5 - 3), p the Goldilocks prime. Every element encodes
//! canonically to a single GF(p^5) element, i.e. five Goldilocks limbs: that
//! encoding is the project's `PubKey`, with the neutral element encoding to
//! all-zero (the "no key" marker, never a valid key).
//!
//! * [`field`]: [`Gfp5`], the field GF(p^5).
//! * [`scalar`]: [`Scalar`], integers modulo n.
//! * [`curve`]: [`Point`], the group, with encoding and scalar multiplication.
//! * [`schnorr`]: Schnorr signatures with a Poseidon challenge, as the rollup
//!   circuit will verify them.
//!
//! This code is written for correctness and reasonable speed; it is not
//! hardened against timing side channels.

pub mod curve;
pub mod field;
pub mod scalar;
pub mod schnorr;

pub use curve::Point;
pub use field::Gfp5;
pub use scalar::Scalar;
pub use schnorr::{
    challenge, challenge_hash, verify, PublicKey, SchnorrError, SecretKey, Signature,
};
