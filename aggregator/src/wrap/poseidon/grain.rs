//! The Grain LFSR in self-shrinking mode: Poseidon's source of round constants
//! and MDS matrix entries (Grassi et al., "Poseidon: A New Hash Function for
//! Zero-Knowledge Proof Systems", USENIX Security 2021, the appendix on
//! generating round constants and matrices; reference
//! `generate_parameters_grain.sage` of the authors' hadeshash repository).
//!
//! The 80-bit state is seeded with the instance description, so every parameter
//! set gets its own stream and nobody chose the constants:
//!
//! ```text
//! b0..b1   field type (1 = GF(p))        b30..b39  R_F
//! b2..b5   S-box type (0 = x^alpha)      b40..b49  R_P
//! b6..b17  field size n in bits          b50..b79  all ones
//! b18..b29 state width t
//! ```
//!
//! each field most significant bit first. The LFSR runs
//! `b[i+80] = b[i+62] ^ b[i+51] ^ b[i+38] ^ b[i+23] ^ b[i+13] ^ b[i]`; its first
//! 160 outputs are discarded, after which outputs are read in pairs: `(1, b)`
//! yields `b`, `(0, _)` yields nothing. Field elements are `n` such bits read
//! as a big-endian integer.

use ark_ff::{BigInteger, PrimeField};

/// Field type tag of the seed: a prime field.
const FIELD_PRIME: u128 = 1;
/// S-box type tag of the seed: `x^alpha` (as opposed to `x^-1`).
const SBOX_POWER: u128 = 0;
/// Outputs thrown away after seeding, so the seed's structure does not leak.
const WARM_UP: usize = 160;

/// A Grain LFSR seeded for one Poseidon instance.
#[derive(Clone, Debug)]
pub(super) struct Grain {
    /// `b[i]` of the reference's bit sequence is bit `i` here; bit 0 is the oldest.
    state: u128,
    /// Bits per sampled field element (the reference's `n`).
    field_bits: usize,
}

/// Why an instance cannot be encoded in the Grain seed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    /// A seed field is too narrow for the value.
    #[error("Grain seed: {what} = {value} does not fit in {bits} bits")]
    TooWide {
        /// The seed field.
        what: &'static str,
        /// The value asked for.
        value: usize,
        /// The field's width.
        bits: u32,
    },
}

impl Grain {
    /// Seeds the LFSR for `GF(p)` with `field_bits`-bit elements, the `x^alpha`
    /// S-box, width `t` and round numbers `full_rounds`, `partial_rounds`, and
    /// discards the warm-up outputs.
    pub(super) fn new(
        field_bits: usize,
        t: usize,
        full_rounds: usize,
        partial_rounds: usize,
    ) -> Result<Self, SeedError> {
        // Most significant seed field first: b0 is the top bit of the field type.
        let fields: [(&'static str, u128, u32); 6] = [
            ("field type", FIELD_PRIME, 2),
            ("S-box type", SBOX_POWER, 4),
            ("field size", field_bits as u128, 12),
            ("width t", t as u128, 12),
            ("R_F", full_rounds as u128, 10),
            ("R_P", partial_rounds as u128, 10),
        ];
        let mut bits = Vec::with_capacity(80);
        for (what, value, width) in fields {
            if value >> width != 0 {
                return Err(SeedError::TooWide {
                    what,
                    value: value as usize,
                    bits: width,
                });
            }
            bits.extend((0..width).rev().map(|k| (value >> k) & 1 == 1));
        }
        bits.resize(80, true);
        let state = bits
            .iter()
            .enumerate()
            .fold(0u128, |s, (i, &b)| s | (u128::from(b) << i));
        let mut grain = Grain { state, field_bits };
        for _ in 0..WARM_UP {
            grain.clock();
        }
        Ok(grain)
    }

    /// One LFSR step: shifts in `b[i+80]` and returns it.
    fn clock(&mut self) -> bool {
        let s = self.state;
        let new = (s >> 62) ^ (s >> 51) ^ (s >> 38) ^ (s >> 23) ^ (s >> 13) ^ s;
        let new = new & 1;
        self.state = (s >> 1) | (new << 79);
        new == 1
    }

    /// The next output bit of the self-shrinking generator.
    fn next_bit(&mut self) -> bool {
        loop {
            let keep = self.clock();
            let bit = self.clock();
            if keep {
                return bit;
            }
        }
    }

    /// The next `field_bits` output bits as a big-endian integer.
    fn next_integer<F: PrimeField>(&mut self) -> F::BigInt {
        let bits: Vec<bool> = (0..self.field_bits).map(|_| self.next_bit()).collect();
        F::BigInt::from_bits_be(&bits)
    }

    /// A field element by rejection sampling: integers `>= p` are skipped (the
    /// reference's round constants).
    pub(super) fn next_field_element_rejecting<F: PrimeField>(&mut self) -> F {
        loop {
            if let Some(x) = F::from_bigint(self.next_integer::<F>()) {
                return x;
            }
        }
    }

    /// A field element as the next integer reduced mod `p` (the reference's MDS
    /// sampling, `F(grain_random_bits(n))`, reduces instead of rejecting).
    pub(super) fn next_field_element_mod_p<F: PrimeField>(&mut self) -> F {
        F::from_be_bytes_mod_order(&self.next_integer::<F>().to_bytes_be())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;

    /// The reference's generator, transcribed literally (list of bits, pop the
    /// front, append), to check the packed `u128` version against.
    fn reference_bits(seed: &[bool], count: usize) -> Vec<bool> {
        let mut b: Vec<bool> = seed.to_vec();
        let step = |b: &mut Vec<bool>| {
            let new = b[62] ^ b[51] ^ b[38] ^ b[23] ^ b[13] ^ b[0];
            b.remove(0);
            b.push(new);
            new
        };
        for _ in 0..160 {
            step(&mut b);
        }
        let mut out = Vec::new();
        while out.len() < count {
            let mut new = step(&mut b);
            while !new {
                step(&mut b);
                new = step(&mut b);
            }
            out.push(step(&mut b));
        }
        out
    }

    fn seed_bits(fields: &[(usize, usize)]) -> Vec<bool> {
        let mut bits: Vec<bool> = fields
            .iter()
            .flat_map(|&(value, width)| (0..width).rev().map(move |k| (value >> k) & 1 == 1))
            .collect();
        bits.resize(80, true);
        bits
    }

    #[test]
    fn packed_lfsr_matches_a_literal_transcription_of_the_reference() {
        let seed = seed_bits(&[(1, 2), (0, 4), (254, 12), (3, 12), (8, 10), (57, 10)]);
        let expected = reference_bits(&seed, 2000);
        let mut grain = Grain::new(254, 3, 8, 57).expect("valid seed");
        let got: Vec<bool> = (0..2000).map(|_| grain.next_bit()).collect();
        let first_diff = expected.iter().zip(&got).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "first differing output bit");
    }

    #[test]
    fn seed_fields_that_do_not_fit_are_refused() {
        let err = Grain::new(254, 3, 8, 1024).expect_err("R_P = 1024 needs 11 bits");
        assert_eq!(
            err,
            SeedError::TooWide {
                what: "R_P",
                value: 1024,
                bits: 10
            }
        );
    }

    #[test]
    fn rejection_sampling_never_returns_a_reduced_integer() {
        // With p ~ 0.75 * 2^254 about a quarter of 254-bit integers are >= p;
        // the two samplers must diverge on the first such integer.
        let mut rejecting = Grain::new(254, 3, 8, 57).expect("valid seed");
        let mut reducing = rejecting.clone();
        let mut diverged = false;
        for _ in 0..64 {
            let a: Fr = rejecting.next_field_element_rejecting();
            let b: Fr = reducing.next_field_element_mod_p();
            if a != b {
                diverged = true;
                break;
            }
        }
        assert!(diverged, "expected an integer >= p within 64 samples");
    }
}
