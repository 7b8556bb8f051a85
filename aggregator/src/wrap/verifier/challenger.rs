//! plonky2's Fiat-Shamir challenger over [`PoseidonBn254Permutation`], in R1CS.
//!
//! It mirrors `plonky2::iop::challenger::Challenger` step for step: observed
//! Goldilocks elements are buffered; a full buffer (six elements) or a request
//! for a challenge runs a duplex, which packs the buffer into the two rate
//! words (zero-padded), permutes, and makes four outputs available, taken from
//! the end. Unpacking a rate word costs about 300 constraints, so it happens
//! only when a challenge is actually drawn from that duplex.
//!
//! [`PoseidonBn254Permutation`]: crate::wrap::config::PoseidonBn254Permutation

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::SynthesisError;

use super::merkle::pack_var;
use crate::wrap::config::packing::{
    decompose, high_digit_bound, DIGEST_LIMBS, DIGEST_LIMB_BITS, P, PACK,
};
use crate::wrap::config::permutation::ABSORB_RATE;
use crate::wrap::goldilocks::field::GoldilocksVar;
use crate::wrap::goldilocks::quadratic::QuadraticVar;
use crate::wrap::goldilocks::range::{enforce_below_goldilocks, enforce_bits};
use crate::wrap::poseidon::{permute_var, PoseidonParams};

/// A challenge: a canonical Goldilocks element and its 64 little-endian bits.
#[derive(Clone, Debug)]
pub struct Challenge {
    /// The value.
    pub value: FpVar<Fr>,
    /// Its bits, little-endian.
    pub bits: Vec<Boolean<Fr>>,
}

impl Challenge {
    /// The challenge as a Goldilocks element (canonical, bits kept).
    pub fn goldilocks(&self) -> Result<GoldilocksVar, SynthesisError> {
        GoldilocksVar::from_canonical_bits(&self.bits)
    }

    /// The extension element `c[0] + c[1]·X` of two challenges.
    pub fn ext(c: &[Challenge; 2]) -> Result<QuadraticVar, SynthesisError> {
        Ok(QuadraticVar::new(c[0].goldilocks()?, c[1].goldilocks()?))
    }
}

/// The challenger, in R1CS.
#[derive(Clone, Debug)]
pub struct ChallengerVar {
    state: [FpVar<Fr>; 3],
    input: Vec<FpVar<Fr>>,
    /// Outputs of the last duplex not yet drawn, unpacked on first use.
    output: Option<Vec<Challenge>>,
    /// Whether the state holds a duplex's output that has not been unpacked.
    fresh: bool,
}

impl Default for ChallengerVar {
    fn default() -> Self {
        Self::new()
    }
}

impl ChallengerVar {
    /// A challenger with the all-zero state.
    pub fn new() -> Self {
        Self {
            state: [FpVar::zero(), FpVar::zero(), FpVar::zero()],
            input: Vec::with_capacity(ABSORB_RATE),
            output: None,
            fresh: false,
        }
    }

    /// Observes a Goldilocks element. The caller guarantees `x < 2^64`
    /// (range-checked or canonical by construction): packing is injective
    /// only on such inputs.
    pub fn observe(&mut self, x: &FpVar<Fr>) -> Result<(), SynthesisError> {
        self.output = None;
        self.fresh = false;
        self.input.push(x.clone());
        if self.input.len() == ABSORB_RATE {
            self.duplex()?;
        }
        Ok(())
    }

    /// Observes elements in order.
    pub fn observe_all(&mut self, xs: &[FpVar<Fr>]) -> Result<(), SynthesisError> {
        xs.iter().try_for_each(|x| self.observe(x))
    }

    /// Observes a constant.
    pub fn observe_constant(&mut self, x: u64) -> Result<(), SynthesisError> {
        self.observe(&FpVar::constant(Fr::from(x)))
    }

    /// Observes a Poseidon-BN254 digest as its five 51-bit limbs. The
    /// decomposition is strict (canonical below the BN254 modulus), so the
    /// limbs are a function of the digest.
    pub fn observe_digest(&mut self, digest: &FpVar<Fr>) -> Result<(), SynthesisError> {
        let limbs: Vec<FpVar<Fr>> = if let FpVar::Constant(c) = digest {
            crate::wrap::config::packing::digest_limbs(c)
                .iter()
                .map(|l| {
                    FpVar::constant(Fr::from(
                        plonky2::field::types::PrimeField64::to_canonical_u64(l),
                    ))
                })
                .collect()
        } else {
            let bits = digest.to_bits_le()?;
            bits.chunks(DIGEST_LIMB_BITS)
                .map(Boolean::le_bits_to_fp)
                .collect::<Result<_, _>>()?
        };
        debug_assert_eq!(limbs.len(), DIGEST_LIMBS);
        self.observe_all(&limbs)
    }

    /// Draws a challenge.
    pub fn challenge(&mut self) -> Result<Challenge, SynthesisError> {
        let need_duplex = !self.input.is_empty()
            || (!self.fresh && self.output.as_ref().is_none_or(|o| o.is_empty()));
        if need_duplex {
            self.duplex()?;
        }
        if self.fresh {
            let mut out = Vec::with_capacity(4);
            for word in [&self.state[1], &self.state[2]] {
                let [d0, d1] = unpack_var(word)?;
                out.push(d0);
                out.push(d1);
            }
            self.output = Some(out);
            self.fresh = false;
        }
        let out = self.output.as_mut().ok_or(SynthesisError::Unsatisfiable)?;
        out.pop().ok_or(SynthesisError::Unsatisfiable)
    }

    /// Draws `n` challenges.
    pub fn challenges(&mut self, n: usize) -> Result<Vec<Challenge>, SynthesisError> {
        (0..n).map(|_| self.challenge()).collect()
    }

    fn duplex(&mut self) -> Result<(), SynthesisError> {
        let mut block = std::mem::take(&mut self.input);
        block.resize(ABSORB_RATE, FpVar::zero());
        self.state[1] = pack_var(&block[..PACK]);
        self.state[2] = pack_var(&block[PACK..]);
        permute_var(PoseidonParams::bn254_t3(), &mut self.state)?;
        self.output = None;
        self.fresh = true;
        Ok(())
    }
}

/// The base-`p` digits `d0, d1` of `x`, proven by `x = d0 + p·d1 + p^2·h` with
/// `d0, d1 < p` and `h < H` (see [`crate::wrap::config::packing`]).
pub fn unpack_var(x: &FpVar<Fr>) -> Result<[Challenge; 2], SynthesisError> {
    let cs = x.cs();
    let native = x.value().ok().map(|v| decompose(&v));
    let alloc = |f: &dyn Fn((u64, u64, [u64; 4])) -> Fr| {
        FpVar::new_witness(cs.clone(), || {
            native.map(f).ok_or(SynthesisError::AssignmentMissing)
        })
    };
    let d0 = alloc(&|(d0, _, _)| Fr::from(d0))?;
    let d1 = alloc(&|(_, d1, _)| Fr::from(d1))?;
    let h = alloc(&|(_, _, h)| Fr::from_bigint(ark_ff::BigInt(h)).unwrap_or_default())?;
    enforce_digits(x, d0, d1, &h)
}

/// Enforces that `d0, d1, h` are the unique decomposition of `x` described in
/// [`unpack_var`], returning the digits as challenges.
pub fn enforce_digits(
    x: &FpVar<Fr>,
    d0: FpVar<Fr>,
    d1: FpVar<Fr>,
    h: &FpVar<Fr>,
) -> Result<[Challenge; 2], SynthesisError> {
    let cs = x.cs().or(d0.cs()).or(d1.cs()).or(h.cs());
    let p = Fr::from(P);
    (&d0 + &d1 * p + h * (p * p)).enforce_equal(x)?;
    let canonical = |d: &FpVar<Fr>| -> Result<Vec<Boolean<Fr>>, SynthesisError> {
        let bits = enforce_bits(&cs, d, 64)?;
        enforce_below_goldilocks(&bits)?;
        Ok(bits)
    };
    let bits0 = canonical(&d0)?;
    let bits1 = canonical(&d1)?;
    // h <= H - 1.
    let mut h_max = ark_ff::BigInt::<4>(high_digit_bound());
    h_max.sub_with_borrow(&ark_ff::BigInt::from(1u64));
    let h_bits = enforce_bits(&cs, h, h_max.num_bits() as usize)?;
    Boolean::enforce_smaller_or_equal_than_le(&h_bits, h_max.0)?;
    Ok([
        Challenge {
            value: d0,
            bits: bits0,
        },
        Challenge {
            value: d1,
            bits: bits1,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::r1cs::ConstraintSystem;

    /// Whether `x = d0 + p·d1 + p^2·h` is accepted as `x`'s decomposition.
    fn accepted(x: Fr, d0: Fr, d1: Fr, h: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v)).expect("alloc");
        let x = w(x);
        let _ = enforce_digits(&x, w(d0), w(d1), &w(h)).expect("synthesis");
        cs.is_satisfied().expect("check")
    }

    #[test]
    fn only_the_canonical_decomposition_is_accepted() {
        let p = Fr::from(P);
        let x = Fr::from(5u64) + p * Fr::from(7u64) + p * p * Fr::from(3u64);
        assert!(
            accepted(x, 5u64.into(), 7u64.into(), 3u64.into()),
            "honest digits rejected"
        );
        // The same x with d0 + p (still below 2^64) and d1 - 1.
        assert!(
            !accepted(x, Fr::from(5u64) + p, 6u64.into(), 3u64.into()),
            "a digit at or above p was accepted"
        );
        // The same x with d1 + p and h - 1.
        assert!(
            !accepted(x, 5u64.into(), Fr::from(7u64) + p, 2u64.into()),
            "a second digit at or above p was accepted"
        );
        // A high part of H (the top of the range, where x + r could alias) is refused.
        let h = Fr::from_bigint(ark_ff::BigInt(high_digit_bound())).expect("below r");
        assert!(
            !accepted(p * p * h, 0u64.into(), 0u64.into(), h),
            "a high part of H was accepted"
        );
    }

    #[test]
    fn unpack_var_gives_the_native_digits() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = -Fr::from(1u64);
        let x = FpVar::new_witness(cs.clone(), || Ok(v)).expect("alloc");
        // r - 1 has a high part of exactly H: unprovable, as documented.
        let _ = unpack_var(&x).expect("synthesis");
        assert!(!cs.is_satisfied().expect("check"), "r - 1 is not provable");

        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = Fr::from(987654321u64) * Fr::from(P) * Fr::from(P) + Fr::from(42u64);
        let x = FpVar::new_witness(cs.clone(), || Ok(v)).expect("alloc");
        let [a, b] = unpack_var(&x).expect("synthesis");
        let (d0, d1, _) = decompose(&v);
        assert_eq!(a.value.value().expect("assigned"), Fr::from(d0));
        assert_eq!(b.value.value().expect("assigned"), Fr::from(d1));
        assert!(cs.is_satisfied().expect("check"));
    }
}
