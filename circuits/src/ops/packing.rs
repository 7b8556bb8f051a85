//! Decimal floating-point packing of amounts, as deployed payment rollups pack
//! them in pubdata: `value = mantissa * 10^exponent`, stored big-endian as
//! `mantissa << exp_bits | exponent`.
//!
//! | field | mantissa bits | exponent bits | bytes |
//! |---|---|---|---|
//! | transfer amount | 35 | 5 | 5 |
//! | fee | 11 | 5 | 2 |
//!
//! The canonical packing has the smallest exponent that fits the mantissa.

/// Bit widths of one packed format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackingSpec {
    /// Width of the mantissa.
    pub mantissa_bits: u32,
    /// Width of the exponent (base 10).
    pub exponent_bits: u32,
}

impl PackingSpec {
    /// Total width in bytes.
    pub const fn bytes(&self) -> usize {
        ((self.mantissa_bits + self.exponent_bits) / 8) as usize
    }
    /// Largest exponent value.
    pub const fn max_exponent(&self) -> u32 {
        (1 << self.exponent_bits) - 1
    }
}

/// Transfer amounts: 35-bit mantissa, 5-bit exponent (5 bytes).
pub const AMOUNT_PACKING: PackingSpec = PackingSpec {
    mantissa_bits: 35,
    exponent_bits: 5,
};
/// Fees: 11-bit mantissa, 5-bit exponent (2 bytes).
pub const FEE_PACKING: PackingSpec = PackingSpec {
    mantissa_bits: 11,
    exponent_bits: 5,
};

/// A packed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Packed {
    /// Mantissa.
    pub mantissa: u64,
    /// Base-10 exponent.
    pub exponent: u32,
}

impl Packed {
    /// `mantissa << exponent_bits | exponent`, the integer stored in pubdata.
    pub fn encode(&self, spec: PackingSpec) -> u64 {
        (self.mantissa << spec.exponent_bits) | self.exponent as u64
    }

    /// Big-endian bytes of [`Packed::encode`].
    pub fn to_bytes(&self, spec: PackingSpec) -> Vec<u8> {
        let n = spec.bytes();
        self.encode(spec).to_be_bytes()[8 - n..].to_vec()
    }
}

/// Packs `value` with the smallest exponent whose mantissa fits, or `None` if
/// it is not exactly representable.
pub fn pack(value: u128, spec: PackingSpec) -> Option<Packed> {
    let mut m = value;
    for e in 0..=spec.max_exponent() {
        if m < (1u128 << spec.mantissa_bits) {
            return Some(Packed {
                mantissa: m as u64,
                exponent: e,
            });
        }
        if !m.is_multiple_of(10) {
            return None;
        }
        m /= 10;
    }
    None
}

/// Packs a transfer amount.
pub fn pack_amount(value: u128) -> Option<Packed> {
    pack(value, AMOUNT_PACKING)
}

/// Packs a fee.
pub fn pack_fee(value: u128) -> Option<Packed> {
    pack(value, FEE_PACKING)
}

/// The value a packing stands for, or `None` if it exceeds 128 bits.
pub fn unpack(p: Packed) -> Option<u128> {
    10u128
        .checked_pow(p.exponent)
        .and_then(|t| t.checked_mul(p.mantissa as u128))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_representable_values_with_smallest_exponent() {
        for v in [
            0u128,
            1,
            12345,
            (1 << 35) - 1,
            10 * ((1 << 35) - 1),
            10u128.pow(18),
            123 * 10u128.pow(30),
        ] {
            let p = pack_amount(v).unwrap_or_else(|| panic!("{v} should pack"));
            assert_eq!(unpack(p), Some(v), "round trip of {v}");
            if p.exponent > 0 {
                assert!(
                    p.mantissa * 10 >= 1 << 35,
                    "{v}: exponent {} not minimal (mantissa {})",
                    p.exponent,
                    p.mantissa
                );
            }
        }
    }

    #[test]
    fn packing_rejects_values_with_too_many_significant_digits() {
        assert_eq!(pack_amount((1 << 35) + 1), None);
        assert_eq!(pack_fee(2049), None);
        assert_eq!(pack_fee(2047).map(|p| p.mantissa), Some(2047));
    }

    #[test]
    fn packed_encoding_is_mantissa_then_exponent_big_endian() {
        let p = pack_fee(15_000).expect("packs");
        assert_eq!((p.mantissa, p.exponent), (1500, 1));
        assert_eq!(
            p.to_bytes(FEE_PACKING),
            ((1500u16 << 5) | 1).to_be_bytes().to_vec()
        );
    }
}
