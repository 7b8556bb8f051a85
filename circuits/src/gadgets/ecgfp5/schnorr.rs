//! Schnorr signature verification in plonky2, the in-circuit twin of
//! [`crate::ecgfp5::schnorr`].
//!
//! For a public key given by its encoding `w` and a message `m`, [`CircuitBuilderSchnorr::
//! verify_schnorr`] constrains a signature `(enc(R), s)` to satisfy what native verification
//! checks:
//!
//! * the key decodes: `w != 0` and some `x` satisfies `x^2 + (a - w^2) x + b = 0`, which makes
//!   `(x, u = 1/w)` a curve point. Either root will do: the two are the points `P` and `P + N`
//!   of one group element (`N` the 2-torsion point), whose `u` (hence encoding) is the same, and
//!   the formulas respect that;
//! * `s < n`, from its 80 four-bit digits by a borrow chain on 32-bit limbs;
//! * `e` is the Poseidon sponge over `enc(R) || w || [len(m)] || m`, five outputs taken as a
//!   320-bit integer, each limb decomposed canonically (no limb read as `h + p`); `e` is not
//!   reduced mod n, since `e PK` only depends on `e mod n`;
//! * `s G - e PK` encodes to `enc(R)`: with `u = u_num / u_den`, `enc(R) u_num = u_den`. The
//!   neutral (whose `u_num` is 0 and `u_den` is not) never satisfies this, which is why native
//!   verification refuses `enc(R) = 0` too.
//!
//! `s G - e PK` is one joint left-to-right pass over 4-bit windows: per window, four doublings
//! (one row), the window's multiple of `G` (one [`super::gates::FixedBaseAddGate`] row, the
//! 16-entry table built into the gate, which range-checks the digit), and the window's
//! multiple of `-PK` from a 16-entry table built in the circuit, read with plonky2's
//! random-access gate (which range-checks the digit too) and added in one row.

use anyhow::{anyhow, Result};
use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::curve::{CircuitBuilderEcGFp5, PointTarget, DOUBLINGS_PER_ROW};
use super::field::{CircuitBuilderGfp5, Gfp5Target, WitnessWriteGfp5};
use super::gates::formulas::B_Z;
use crate::ecgfp5::schnorr::Signature;
use crate::ecgfp5::{Gfp5, Point, Scalar};

/// Bits per scalar digit (one window).
pub const DIGIT_BITS: usize = DOUBLINGS_PER_ROW;
/// Four-bit digits of a 320-bit scalar.
pub const SCALAR_DIGITS: usize = 320 / DIGIT_BITS;
/// Entries of a window table: the multiples 0..16 of a point.
const TABLE_SIZE: usize = 1 << DIGIT_BITS;
/// Digits in one 64-bit limb.
const DIGITS_PER_LIMB: usize = 64 / DIGIT_BITS;
/// Digits in one 32-bit half-limb.
const DIGITS_PER_HALF: usize = 32 / DIGIT_BITS;

/// A signature in a circuit: the encoding of R and the scalar s as little-endian 4-bit digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureTarget {
    /// `enc(R)`.
    pub r: Gfp5Target,
    /// Digits of `s`, least significant first.
    pub s_digits: [Target; SCALAR_DIGITS],
}

/// A table of 16 points in affine `(x, u)` form.
type AffineTable = [(Gfp5Target, Gfp5Target); TABLE_SIZE];

/// Schnorr verification on a [`CircuitBuilder`].
pub trait CircuitBuilderSchnorr<F: RichField + Extendable<D>, const D: usize> {
    /// A fresh signature, to be set with [`WitnessWriteSignature`].
    fn add_virtual_signature_target(&mut self) -> SignatureTarget;
    /// Constrains `sig` to be a valid signature on `msg` under the key encoded as `pk`.
    fn verify_schnorr(&mut self, pk: Gfp5Target, msg: &[Target], sig: &SignatureTarget);
    /// As [`Self::verify_schnorr`] when `enabled` (a bit) is 1; when 0, only the final
    /// equation is waived: `pk` must still decode, `s` be below n, the digits be digits.
    fn verify_schnorr_if(
        &mut self,
        enabled: Target,
        pk: Gfp5Target,
        msg: &[Target],
        sig: &SignatureTarget,
    );
}

impl<F: RichField + Extendable<D>, const D: usize> CircuitBuilderSchnorr<F, D>
    for CircuitBuilder<F, D>
{
    fn add_virtual_signature_target(&mut self) -> SignatureTarget {
        SignatureTarget {
            r: self.add_virtual_gfp5_target(),
            s_digits: core::array::from_fn(|_| self.add_virtual_target()),
        }
    }

    fn verify_schnorr(&mut self, pk: Gfp5Target, msg: &[Target], sig: &SignatureTarget) {
        let one = self.one();
        self.verify_schnorr_if(one, pk, msg, sig);
    }

    fn verify_schnorr_if(
        &mut self,
        enabled: Target,
        pk: Gfp5Target,
        msg: &[Target],
        sig: &SignatureTarget,
    ) {
        let neg_pk_table = neg_key_table(self, pk);
        let e_digits = challenge_digits(self, pk, msg, sig.r);
        assert_scalar_below_order(self, &sig.s_digits);

        // s G - e PK, one window at a time from the most significant.
        let one = self.one_gfp5();
        let lookup = |b: &mut CircuitBuilder<F, D>, d: Target| {
            let coord = |b: &mut CircuitBuilder<F, D>, which: usize| {
                Gfp5Target(core::array::from_fn(|i| {
                    let column = neg_pk_table
                        .iter()
                        .map(|e| if which == 0 { e.0 .0[i] } else { e.1 .0[i] })
                        .collect();
                    b.random_access(d, column)
                }))
            };
            PointTarget {
                x_num: coord(b, 0),
                x_den: one,
                u_num: coord(b, 1),
                u_den: one,
            }
        };
        let top = SCALAR_DIGITS - 1;
        let epk = lookup(self, e_digits[top]);
        let mut acc = self.add_generator_multiple(epk, sig.s_digits[top]);
        for i in (0..top).rev() {
            acc = self.double_point_n(acc, DIGIT_BITS);
            acc = self.add_generator_multiple(acc, sig.s_digits[i]);
            let epk = lookup(self, e_digits[i]);
            acc = self.add_points(acc, epk);
        }
        // enc(acc) = u_den / u_num must be enc(R).
        let lhs = self.mul_gfp5(sig.r, acc.u_num);
        for (l, d) in lhs.0.into_iter().zip(acc.u_den.0) {
            let diff = self.sub(l, d);
            let gated = self.mul(enabled, diff);
            self.assert_zero(gated);
        }
    }
}

/// Decodes the key `w` (see the module docs) and returns the affine table of `d (-PK)`,
/// `d = 0..16`.
fn neg_key_table<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    w: Gfp5Target,
) -> AffineTable {
    // w != 0: its inverse exists (and is -u of -PK below).
    let w_inv = b.inverse_gfp5(w);
    let x = b.add_virtual_gfp5_target();
    b.add_simple_generator(KeyRootGenerator { w, x });
    // x^2 + (a - w^2) x + b = 0.
    let ww = b.square_gfp5(w);
    let a = b.constant_gfp5(curve_a());
    let a_ww = b.sub_gfp5(a, ww);
    let xx = b.square_gfp5(x);
    let lin = b.mul_gfp5(a_ww, x);
    let sum = b.add_gfp5(xx, lin);
    let curve_b = b.constant_gfp5(curve_b());
    let lhs = b.add_gfp5(sum, curve_b);
    let zero = b.zero_gfp5();
    b.connect_gfp5(lhs, zero);

    // -PK = (x, -u) = (x, -1/w).
    let one = b.one_gfp5();
    let minus_one = b.neg_gfp5(one);
    let neg_pk = PointTarget {
        x_num: x,
        x_den: one,
        u_num: minus_one,
        u_den: w,
    };
    let neg_u = b.neg_gfp5(w_inv);
    let mut table = [(zero, zero); TABLE_SIZE];
    table[1] = (x, neg_u);
    let mut multiple = neg_pk;
    for entry in table.iter_mut().skip(2) {
        multiple = b.add_points(multiple, neg_pk);
        // d PK is not the neutral for 0 < d < 16 < n, so neither den is zero.
        *entry = (
            b.div_gfp5(multiple.x_num, multiple.x_den),
            b.div_gfp5(multiple.u_num, multiple.u_den),
        );
    }
    table
}

/// The challenge's 80 digits (see the module docs), each limb decomposed canonically.
fn challenge_digits<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    pk: Gfp5Target,
    msg: &[Target],
    r: Gfp5Target,
) -> Vec<Target> {
    let mut input = Vec::with_capacity(11 + msg.len());
    input.extend_from_slice(&r.0);
    input.extend_from_slice(&pk.0);
    input.push(b.constant(F::from_canonical_usize(msg.len())));
    input.extend_from_slice(msg);
    let h = b.hash_n_to_m_no_pad::<PoseidonHash>(input, 5);

    let two_32 = F::from_canonical_u64(1 << 32);
    let top_half = b.constant(F::from_canonical_u64(u32::MAX as u64));
    let mut digits = Vec::with_capacity(SCALAR_DIGITS);
    for &limb in &h {
        let limb_digits: [Target; DIGITS_PER_LIMB] =
            core::array::from_fn(|_| b.add_virtual_target());
        b.add_simple_generator(LimbDigitsGenerator {
            limb,
            digits: limb_digits,
        });
        let lo = horner(b, &limb_digits[..DIGITS_PER_HALF]);
        let hi = horner(b, &limb_digits[DIGITS_PER_HALF..]);
        let value = b.mul_const_add(two_32, hi, lo);
        b.connect(value, limb);
        // Canonical: hi = 2^32 - 1 forces lo = 0, else hi 2^32 + lo >= p.
        let hi_is_top = b.is_equal(hi, top_half);
        let forbidden = b.mul(hi_is_top.target, lo);
        b.assert_zero(forbidden);
        digits.extend_from_slice(&limb_digits);
    }
    digits
}

/// `sum digits[j] 16^j`, for digits already known (or later checked) to be below 16.
fn horner<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    digits: &[Target],
) -> Target {
    let base = F::from_canonical_u64(TABLE_SIZE as u64);
    let mut acc = digits[digits.len() - 1];
    for &d in digits.iter().rev().skip(1) {
        acc = b.mul_const_add(base, acc, d);
    }
    acc
}

/// `s <= n - 1`, as `(n - 1) - s` computed on 32-bit limbs without a final borrow.
fn assert_scalar_below_order<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    s_digits: &[Target; SCALAR_DIGITS],
) {
    let n_minus_1 = (-Scalar::from_u64(1)).to_limbs();
    let mut borrow = b.zero();
    for (j, chunk) in s_digits.chunks(DIGITS_PER_HALF).enumerate() {
        let s_j = horner(b, chunk);
        let n_j = (n_minus_1[j / 2] >> (32 * (j % 2))) & u32::MAX as u64;
        // t = n_j + 2^32 - s_j - borrow lies in [0, 2^33): bit 32 clear means a borrow.
        let c = b.constant(F::from_canonical_u64(n_j + (1 << 32)));
        let t = b.sub(c, s_j);
        let t = b.sub(t, borrow);
        let bits = b.split_le(t, 33);
        borrow = b.not(bits[32]).target;
    }
    b.assert_zero(borrow);
}

/// The curve constant a = 2.
fn curve_a() -> Gfp5 {
    Gfp5::new_const([2, 0, 0, 0, 0])
}

/// The curve constant b = 263 z.
fn curve_b() -> Gfp5 {
    Gfp5::new_const([0, B_Z as u64, 0, 0, 0])
}

/// Setting signature targets in a witness.
pub trait WitnessWriteSignature<F: Field> {
    /// Sets `target` to `sig`.
    fn set_signature_target(&mut self, target: &SignatureTarget, sig: &Signature) -> Result<()>;
    /// Sets `target` to `enc(R) = r` and the scalar with little-endian 64-bit limbs `s`, which
    /// need not be below n (for testing that the circuit refuses it).
    fn set_signature_parts(&mut self, target: &SignatureTarget, r: Gfp5, s: [u64; 5])
        -> Result<()>;
}

impl<F: Field, W: WitnessWrite<F>> WitnessWriteSignature<F> for W {
    fn set_signature_target(&mut self, target: &SignatureTarget, sig: &Signature) -> Result<()> {
        self.set_signature_parts(target, sig.r(), sig.s().to_limbs())
    }

    fn set_signature_parts(
        &mut self,
        target: &SignatureTarget,
        r: Gfp5,
        s: [u64; 5],
    ) -> Result<()> {
        self.set_gfp5_target(target.r, r)?;
        for (j, &t) in target.s_digits.iter().enumerate() {
            let limb = s[j / DIGITS_PER_LIMB];
            let digit = (limb >> (DIGIT_BITS * (j % DIGITS_PER_LIMB))) & (TABLE_SIZE as u64 - 1);
            self.set_target(t, F::from_canonical_u64(digit))?;
        }
        Ok(())
    }
}

/// Witnesses a root `x` of the key's decoding equation (the native decoder's choice).
#[derive(Clone, Debug)]
pub struct KeyRootGenerator {
    w: Gfp5Target,
    x: Gfp5Target,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for KeyRootGenerator {
    fn id(&self) -> String {
        "KeyRootGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.w.0.to_vec()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let limbs = self.w.0.map(|t| witness.get_target(t).to_canonical_u64());
        let point = Point::from_limbs(&limbs)
            .ok_or_else(|| anyhow!("public key {limbs:?} is not the encoding of a curve point"))?;
        let (x, _) = point.to_affine();
        for (&t, l) in self.x.0.iter().zip(x.to_limbs()) {
            out.set_target(t, F::from_canonical_u64(l))?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target_array(&self.w.0)?;
        dst.write_target_array(&self.x.0)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let w = Gfp5Target(src.read_target_array()?);
        let x = Gfp5Target(src.read_target_array()?);
        Ok(Self { w, x })
    }
}

/// Witnesses the sixteen 4-bit digits of a field element's canonical 64-bit value.
#[derive(Clone, Debug)]
pub struct LimbDigitsGenerator {
    limb: Target,
    digits: [Target; DIGITS_PER_LIMB],
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for LimbDigitsGenerator {
    fn id(&self) -> String {
        "LimbDigitsGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![self.limb]
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let value = witness.get_target(self.limb).to_canonical_u64();
        for (j, &t) in self.digits.iter().enumerate() {
            let digit = (value >> (DIGIT_BITS * j)) & (TABLE_SIZE as u64 - 1);
            out.set_target(t, F::from_canonical_u64(digit))?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.limb)?;
        dst.write_target_array(&self.digits)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let limb = src.read_target()?;
        let digits = src.read_target_array()?;
        Ok(Self { limb, digits })
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use plonky2::field::goldilocks_field::GoldilocksField;
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::ecgfp5::schnorr::SecretKey;

    type F = GoldilocksField;
    type C = PoseidonGoldilocksConfig;
    const D: usize = 2;
    const MSG_LEN: usize = 4;

    /// A circuit verifying one signature on a 4-element message, with its input targets.
    struct Verifier {
        data: CircuitData<F, C, D>,
        rows: usize,
        pk: Gfp5Target,
        msg: [Target; MSG_LEN],
        sig: SignatureTarget,
    }

    /// What a test puts in the witness.
    struct Inputs {
        pk: Gfp5,
        msg: [F; MSG_LEN],
        r: Gfp5,
        s: [u64; 5],
    }

    fn verifier() -> Verifier {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let pk = b.add_virtual_gfp5_target();
        let msg = b.add_virtual_target_arr::<MSG_LEN>();
        let sig = b.add_virtual_signature_target();
        let before = b.num_gates();
        b.verify_schnorr(pk, &msg, &sig);
        let rows = b.num_gates() - before;
        Verifier {
            data: b.build::<C>(),
            rows,
            pk,
            msg,
            sig,
        }
    }

    /// Proves and verifies; a failure anywhere (witness generation, a panic, verification)
    /// comes back as the error.
    fn prove(v: &Verifier, inputs: &Inputs) -> Result<()> {
        let mut pw = PartialWitness::new();
        pw.set_gfp5_target(v.pk, inputs.pk)?;
        pw.set_target_arr(&v.msg, &inputs.msg)?;
        pw.set_signature_parts(&v.sig, inputs.r, inputs.s)?;
        let proof = catch_unwind(AssertUnwindSafe(|| v.data.prove(pw)))
            .map_err(|_| anyhow!("proving panicked"))??;
        v.data.verify(proof)
    }

    fn signed(seed: u64) -> (SecretKey, Inputs) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sk = SecretKey::random(&mut rng);
        let msg = [11, 22, 33, seed].map(F::from_canonical_u64);
        let sig = sk.sign(&msg);
        let inputs = Inputs {
            pk: sk.public_key().encoding(),
            msg,
            r: sig.r(),
            s: sig.s().to_limbs(),
        };
        (sk, inputs)
    }

    /// `a + b` on 320-bit little-endian limbs (no overflow for the values used here).
    fn add_limbs(a: [u64; 5], b: [u64; 5]) -> [u64; 5] {
        let mut out = [0u64; 5];
        let mut carry = 0u128;
        for i in 0..5 {
            let sum = a[i] as u128 + b[i] as u128 + carry;
            out[i] = sum as u64;
            carry = sum >> 64;
        }
        out
    }

    #[test]
    fn signature_verification_takes_at_most_500_rows() {
        let v = verifier();
        // Measured: 79 rows of four doublings, 80 generator additions, 94 other additions,
        // 200 random-access rows (one lookup of ten coordinates per window), the key table,
        // hash and digit checks.
        println!("rows per in-circuit signature verification: {}", v.rows);
        assert!(
            v.rows <= 500,
            "expected at most 500 rows per verification (issue target 2,500), got {}",
            v.rows
        );
    }

    #[test]
    fn valid_signatures_prove_and_tampered_ones_fail() {
        let v = verifier();
        for seed in 0..2 {
            let (_, inputs) = signed(seed);
            prove(&v, &inputs).unwrap_or_else(|e| {
                panic!("seed {seed}: expected a valid signature to prove, got {e:#}")
            });
        }

        let (_, good) = signed(7);
        let (other_sk, _) = signed(8);
        let n = (-Scalar::from_u64(1)).to_limbs();
        let n = add_limbs(n, [1, 0, 0, 0, 0]);
        let other_sig = other_sk.sign(&good.msg);
        let mut off_curve = Gfp5::new_const([5, 0, 0, 0, 0]);
        while Point::decode(&off_curve).is_some() {
            off_curve += Gfp5::ONE;
        }
        // s = e sk with R = N satisfies the equation; the encoding check refuses it.
        let (good_sk, _) = signed(7);
        let e_neutral = crate::ecgfp5::schnorr::challenge(&Gfp5::ZERO, &good.pk, &good.msg);
        let neutral_s = (e_neutral * good_sk.scalar()).to_limbs();
        let mut msg = good.msg;
        msg[2] += F::ONE;
        let cases: Vec<(&str, Inputs)> = vec![
            (
                "a signature by another key",
                Inputs {
                    r: other_sig.r(),
                    s: other_sig.s().to_limbs(),
                    ..good
                },
            ),
            ("another message", Inputs { msg, ..good }),
            (
                "another key",
                Inputs {
                    pk: other_sk.public_key().encoding(),
                    ..good
                },
            ),
            (
                "R altered",
                Inputs {
                    r: good.r + Gfp5::ONE,
                    ..good
                },
            ),
            (
                "s altered",
                Inputs {
                    s: add_limbs(good.s, [1, 0, 0, 0, 0]),
                    ..good
                },
            ),
            // s + n multiplies G to the same point: only the range check can refuse it.
            (
                "s + n (out of range, same point)",
                Inputs {
                    s: add_limbs(good.s, n),
                    ..good
                },
            ),
            (
                "R the neutral, s = e sk",
                Inputs {
                    r: Gfp5::ZERO,
                    s: neutral_s,
                    ..good
                },
            ),
            (
                "an off-curve key",
                Inputs {
                    pk: off_curve,
                    ..good
                },
            ),
            (
                "the neutral as key",
                Inputs {
                    pk: Gfp5::ZERO,
                    ..good
                },
            ),
        ];
        for (what, inputs) in cases {
            assert!(
                prove(&v, &inputs).is_err(),
                "expected {what} to make proving fail, got a valid proof"
            );
        }
    }
}
