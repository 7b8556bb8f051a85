//! Powers of a challenge `α`, laid out so that a combination `Σ_i αⁱ·t_i` is a
//! few inner products: `α^0..α^(B-1)` ("small") and `α^(B·j)` ("large"). A list
//! of `n` terms then costs `⌈n/B⌉` inner products, plus one to join the blocks,
//! and the table about `B + n_max/B` multiplications; [`best_block`] picks `B`
//! for the lists at hand.

use plonky2::field::types::Field;

use crate::wrap::algebra::{ExtAlgebra, GF2};

/// The powers of one challenge needed for a set of combinations.
#[derive(Clone, Debug)]
pub struct ChallengePowers<E> {
    block: usize,
    small: Vec<E>,
    large: Vec<E>,
}

/// The number of `mul`/`inner_product` calls a table with blocks of `block`
/// powers makes, with combining lists of `lengths` and reading `α^e` for each
/// of `exponents`.
fn cost(block: usize, lengths: &[usize], exponents: &[usize]) -> usize {
    let blocks_of = |len: usize| len.div_ceil(block);
    let num_large = large_needed(block, lengths, exponents);
    let small_muls = block.saturating_sub(2);
    let large_muls = if num_large >= 2 {
        usize::from(block >= 2) + num_large - 2
    } else {
        0
    };
    let combine: usize = lengths
        .iter()
        .map(|&len| blocks_of(len) + usize::from(blocks_of(len) > 1))
        .sum();
    let powers = exponents
        .iter()
        .filter(|&&e| e >= block && e % block != 0)
        .count();
    small_muls + large_muls + combine + powers
}

/// How many large powers `α^(B·j)` (including `α^0`) the lists and exponents need.
fn large_needed(block: usize, lengths: &[usize], exponents: &[usize]) -> usize {
    let by_lengths = lengths.iter().map(|&len| len.div_ceil(block));
    let by_exponents = exponents.iter().map(|&e| e / block + 1);
    by_lengths.chain(by_exponents).max().unwrap_or(0).max(1)
}

/// The block size that makes the table and the combinations cheapest.
pub fn best_block(lengths: &[usize], exponents: &[usize]) -> usize {
    let longest = lengths
        .iter()
        .copied()
        .chain(exponents.iter().map(|&e| e + 1))
        .max()
        .unwrap_or(1)
        .max(1);
    (1..=longest)
        .min_by_key(|&b| (cost(b, lengths, exponents), b))
        .expect("the range 1..=longest is not empty")
}

impl<E: Clone> ChallengePowers<E> {
    /// The powers of `alpha` to combine lists of the given `lengths` and read
    /// `α^e` for each of `exponents`, in blocks of [`best_block`].
    pub fn new<A: ExtAlgebra<Ext = E>>(
        alg: &mut A,
        alpha: &E,
        lengths: &[usize],
        exponents: &[usize],
    ) -> Result<Self, A::Error> {
        Self::with_block(
            alg,
            alpha,
            best_block(lengths, exponents),
            lengths,
            exponents,
        )
    }

    /// As [`Self::new`] with blocks of `block` powers (`block >= 1`).
    pub fn with_block<A: ExtAlgebra<Ext = E>>(
        alg: &mut A,
        alpha: &E,
        block: usize,
        lengths: &[usize],
        exponents: &[usize],
    ) -> Result<Self, A::Error> {
        assert!(block >= 1, "blocks of powers cannot be empty");
        let one = alg.constant(GF2::ONE);
        let mut small = vec![one.clone()];
        if block >= 2 {
            small.push(alpha.clone());
        }
        while small.len() < block {
            let last = small.last().expect("small powers start with one");
            let next = alg.mul(last, alpha)?;
            small.push(next);
        }
        let num_large = large_needed(block, lengths, exponents);
        let mut large = vec![one];
        if num_large >= 2 {
            let step = if block == 1 {
                alpha.clone()
            } else {
                alg.mul(&small[block - 1], alpha)?
            };
            large.push(step.clone());
            while large.len() < num_large {
                let last = large.last().expect("large powers start with one");
                let next = alg.mul(last, &step)?;
                large.push(next);
            }
        }
        Ok(Self {
            block,
            small,
            large,
        })
    }

    /// The number of consecutive powers per block.
    pub fn block(&self) -> usize {
        self.block
    }

    /// `α^e`: at most one multiplication.
    ///
    /// Panics if `e` is beyond what the table was built for.
    pub fn power<A: ExtAlgebra<Ext = E>>(&self, alg: &mut A, e: usize) -> Result<E, A::Error> {
        let (hi, lo) = (e / self.block, e % self.block);
        assert!(hi < self.large.len(), "power {e} beyond the table");
        if hi == 0 {
            Ok(self.small[lo].clone())
        } else if lo == 0 {
            Ok(self.large[hi].clone())
        } else {
            alg.mul(&self.large[hi], &self.small[lo])
        }
    }

    /// `Σ_i αⁱ·terms[i]` (zero when empty), equal to plonky2's `reduce_with_powers`.
    ///
    /// Panics if `terms` is longer than the table was built for.
    pub fn combine<A: ExtAlgebra<Ext = E>>(&self, alg: &mut A, terms: &[E]) -> Result<E, A::Error> {
        let blocks = terms
            .chunks(self.block)
            .map(|chunk| alg.inner_product(&self.small[..chunk.len()], chunk))
            .collect::<Result<Vec<_>, _>>()?;
        match blocks.len() {
            0 => Ok(alg.constant(GF2::ZERO)),
            1 => Ok(blocks.into_iter().next().expect("one block")),
            n => {
                assert!(
                    n <= self.large.len(),
                    "{} terms beyond the table",
                    terms.len()
                );
                alg.inner_product(&self.large[..n], &blocks)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Sample;
    use plonky2::plonk::plonk_common::reduce_with_powers;

    use super::*;
    use crate::wrap::algebra::Native;
    use crate::wrap::gates::cost::Counting;

    #[test]
    fn combine_equals_plonky2_reduce_with_powers_for_every_block_size() {
        let alpha = GF2::rand();
        let terms = GF2::rand_vec(37);
        for block in 1..=40 {
            let powers =
                ChallengePowers::with_block(&mut Native, &alpha, block, &[37, 5], &[41]).unwrap();
            for len in [0, 1, 5, 36, 37] {
                assert_eq!(
                    powers.combine(&mut Native, &terms[..len]).unwrap(),
                    reduce_with_powers(&terms[..len], alpha),
                    "block {block}, {len} terms"
                );
            }
            assert_eq!(
                powers.power(&mut Native, 41).unwrap(),
                alpha.exp_u64(41),
                "block {block}: alpha^41"
            );
        }
    }

    #[test]
    fn cost_model_counts_what_the_table_and_combinations_do() {
        let alpha = GF2::rand();
        let lengths = [123, 86, 64, 26, 22, 2];
        let exponents = [22];
        for block in [1, 7, 16, 24, 32, 124] {
            let mut alg = Counting::new(Native);
            let powers =
                ChallengePowers::with_block(&mut alg, &alpha, block, &lengths, &exponents).unwrap();
            for &len in &lengths {
                powers.combine(&mut alg, &GF2::rand_vec(len)).unwrap();
            }
            for &e in &exponents {
                powers.power(&mut alg, e).unwrap();
            }
            let c = alg.counts;
            assert_eq!(
                c.muls + c.inner_products,
                cost(block, &lengths, &exponents),
                "block {block}: {c:?}"
            );
        }
        let best = best_block(&lengths, &exponents);
        assert!(cost(best, &lengths, &exponents) < cost(124, &lengths, &exponents));
    }
}
