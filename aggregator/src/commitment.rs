//! The range commitment: how an aggregate proof binds its batches' commitments.
//!
//! For batches `c_0 .. c_{n-1}` (each `c_i = SHA-256(pubdata_i)`, 32 bytes):
//!
//! ```text
//! MTH([c])        = c                                   (one batch: its own commitment)
//! MTH(c_0..c_n-1) = SHA-256( MTH(c_0..c_k-1) || MTH(c_k..c_n-1) )    for n >= 2,
//!                   k = the largest power of two strictly below n
//! ```
//!
//! This is the Merkle tree hash of RFC 6962 (section 2.1) without its leaf and
//! node prefix bytes: the left subtree is always complete, so a range that is not
//! a power of two long ends in a shorter right spine (5 batches:
//! `H(H(H(c0,c1),H(c2,c3)), c4)`). L1 knows the range length, so the shape is
//! fixed by it; the prefixes would only separate leaves from nodes, and a leaf
//! can never be a 64-byte preimage here (pubdata is `4 + 24k` bytes, never 64),
//! so dropping them keeps each node at one 64-byte SHA-256 input (two
//! compression blocks; the precompile costs 84 gas) with no ambiguity. A
//! range of `n` batches costs L1 `n - 1` SHA-256 calls.

use zkr_circuits::gadgets::sha256::sha256;

/// One node: `SHA-256(left || right)`.
pub fn node_commitment(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut m = [0u8; 64];
    m[..32].copy_from_slice(left);
    m[32..].copy_from_slice(right);
    sha256(&m)
}

/// Where a range of `n >= 2` batches splits: the largest power of two below `n`.
///
/// # Panics
/// If `n < 2` (a range of one batch does not split).
pub fn split_point(n: u64) -> u64 {
    assert!(n >= 2, "a range of {n} batches does not split");
    1 << (63 - (n - 1).leading_zeros())
}

/// The commitment of a range, from its batches' commitments in order.
///
/// # Panics
/// If `commitments` is empty.
pub fn range_commitment(commitments: &[[u8; 32]]) -> [u8; 32] {
    match commitments.len() {
        0 => panic!("a range holds at least one batch"),
        1 => commitments[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_commitment(
                &range_commitment(&commitments[..k]),
                &range_commitment(&commitments[k..]),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_the_largest_power_of_two_below_n() {
        let cases = [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)];
        for (n, k) in cases {
            assert_eq!(split_point(n), k, "split of {n}: expected {k}");
        }
    }

    #[test]
    fn range_commitment_follows_the_documented_tree() {
        let c: Vec<[u8; 32]> = (0u8..5).map(|i| [i; 32]).collect();
        assert_eq!(
            range_commitment(&c[..1]),
            c[0],
            "one batch is its own commitment"
        );
        assert_eq!(range_commitment(&c[..2]), node_commitment(&c[0], &c[1]));
        let h01 = node_commitment(&c[0], &c[1]);
        let h23 = node_commitment(&c[2], &c[3]);
        assert_eq!(
            range_commitment(&c[..3]),
            node_commitment(&h01, &c[2]),
            "three batches: H(H(c0,c1), c2)"
        );
        assert_eq!(
            range_commitment(&c),
            node_commitment(&node_commitment(&h01, &h23), &c[4]),
            "five batches: H(H(H(c0,c1),H(c2,c3)), c4)"
        );
    }
}
