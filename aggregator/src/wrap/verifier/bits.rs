//! Bit decompositions that pin a Goldilocks element to its canonical value.

use ark_bn254::Fr;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::SynthesisError;

/// The little-endian 64 bits of `x`, enforcing `x < p`: 64 booleans, one
/// packing constraint, 31 for "the high half is all ones", and one for "then
/// the low half is zero" (`p - 1 = 0xffffffff_00000000`).
pub fn canonical_bits(x: &FpVar<Fr>) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let (bits, _) = x.to_bits_le_with_top_bits_zero(64)?;
    let high_all_ones = Boolean::kary_and(&bits[32..])?;
    let low = Boolean::le_bits_to_fp(&bits[..32])?;
    FpVar::from(high_all_ones).mul_equals(&low, &FpVar::zero())?;
    Ok(bits)
}

/// The little-endian `n` bits of `x`, enforcing `x < 2^n`.
pub fn range_bits(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    Ok(x.to_bits_le_with_top_bits_zero(n)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::config::packing::P;
    use ark_relations::r1cs::ConstraintSystem;

    fn satisfied(v: u64) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(v))).expect("alloc");
        let bits = canonical_bits(&x).expect("synthesis");
        let back: u64 = bits
            .iter()
            .rev()
            .fold(0, |acc, b| (acc << 1) | b.value().expect("assigned") as u64);
        assert_eq!(back, v, "bits recompose");
        cs.is_satisfied().expect("check")
    }

    #[test]
    fn canonical_values_pass_and_non_canonical_ones_fail() {
        for v in [0, 1, P - 1, 0xffff_fffe_ffff_ffff, 0x1234_5678_9abc_def0] {
            assert!(satisfied(v), "{v:#x} is canonical but was rejected");
        }
        for v in [P, P + 1, u64::MAX, 0xffff_ffff_0000_0001] {
            assert!(!satisfied(v), "{v:#x} is not below p but was accepted");
        }
    }
}
