//! One addition of a multiple of the generator, chosen by a 4-bit digit, per row.

use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plonky2::field::extension::Extendable;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::formulas::{self, point_at, Elem, PointVals, LIMBS, POINT_LIMBS};
use crate::ecgfp5::{Point, Scalar};
use crate::gadgets::algebraic::AlgebraicGate;
use crate::gadgets::algebraic::{Algebra, Native};

/// Bits of the digit selecting the multiple.
pub const DIGIT_BITS: usize = 4;
/// Entries of the table: `d G` for `d = 0..16`.
const TABLE: usize = 1 << DIGIT_BITS;

/// Affine `(x, u)` limbs of `d G`, `d = 0..16` (the neutral is `(0, 0)`).
fn generator_table() -> &'static [[u64; 2 * LIMBS]; TABLE] {
    static TABLE_CELL: OnceLock<[[u64; 2 * LIMBS]; TABLE]> = OnceLock::new();
    TABLE_CELL.get_or_init(|| {
        core::array::from_fn(|d| {
            let (x, u) = Point::mulgen(&Scalar::from_u64(d as u64)).to_affine();
            let mut limbs = [0u64; 2 * LIMBS];
            limbs[..LIMBS].copy_from_slice(&x.to_limbs());
            limbs[LIMBS..].copy_from_slice(&u.to_limbs());
            limbs
        })
    })
}

/// Gate for `r = p + d G` on EcGFp5, `d` a 4-bit digit and `G` the conventional generator.
///
/// Routed wires: `0..20` hold `p`, `20` the digit `d`, `21..41` the sum `r` (points as
/// `[x_num, x_den, u_num, u_den]`, five limbs each). Unrouted: `41..45` the bits of `d`, least
/// significant first, and `45..55` the affine `(x, u)` of `d G`. Constraints: the bits are bits
/// and make `d` (degree 2); the selected point is the table's multilinear interpolation at the
/// bits (degree 4); `r` is the complete-formula sum with the selected point (degree 4). Folding
/// the table into the gate saves the ten random-access lookups the selection would otherwise
/// cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedBaseAddGate;

impl FixedBaseAddGate {
    /// First wire of the input point.
    pub const WIRE_P: usize = 0;
    /// The digit.
    pub const WIRE_DIGIT: usize = POINT_LIMBS;
    /// First wire of the sum.
    pub const WIRE_R: usize = POINT_LIMBS + 1;
    /// First bit of the digit.
    pub const WIRE_BITS: usize = 2 * POINT_LIMBS + 1;
    /// First limb of the selected multiple's `x`, then its `u`.
    pub const WIRE_Q: usize = Self::WIRE_BITS + DIGIT_BITS;
    /// Wires in all.
    const NUM_WIRES: usize = Self::WIRE_Q + 2 * LIMBS;
}

/// The selected point `d G` (affine) as the table interpolated at `bits`.
fn select<A: Algebra>(alg: &mut A, bits: &[A::V]) -> [A::V; 2 * LIMBS] {
    // Lagrange weights over the boolean cube, built bit by bit: weight d is the product of
    // b_i or (1 - b_i) as bit i of d is set or not.
    let one = alg.constant(1);
    let mut weights = vec![one];
    for &b in bits.iter().take(DIGIT_BITS) {
        let not_b = alg.sub(one, b);
        let mut next = Vec::with_capacity(2 * weights.len());
        for &w in &weights {
            next.push(alg.mul(w, not_b));
        }
        for &w in &weights {
            next.push(alg.mul(w, b));
        }
        // Index d = (bit i) 2^i + lower bits: lower halves first, as built.
        weights = next;
    }
    let table = generator_table();
    core::array::from_fn(|k| {
        let mut acc = alg.constant(0);
        for (d, &w) in weights.iter().enumerate() {
            let c = alg.field_constant(table[d][k]);
            acc = alg.arith(1, w, c, 1, acc);
        }
        acc
    })
}

/// The affine point in `values` from `start` (`x` then `u`), as a point with dens 1.
fn affine_point<A: Algebra>(alg: &mut A, values: &[A::V], start: usize) -> PointVals<A::V> {
    let one = alg.constant(1);
    let zero = alg.constant(0);
    let unit: Elem<A::V> = core::array::from_fn(|i| if i == 0 { one } else { zero });
    let x: Elem<A::V> = core::array::from_fn(|i| values[start + i]);
    let u: Elem<A::V> = core::array::from_fn(|i| values[start + LIMBS + i]);
    [x, unit, u, unit]
}

impl AlgebraicGate for FixedBaseAddGate {
    fn constraints<A: Algebra>(
        &self,
        alg: &mut A,
        wires: &[A::V],
        _constants: &[A::V],
    ) -> Vec<A::V> {
        let mut constraints = Vec::with_capacity(DIGIT_BITS + 1 + 2 * LIMBS + POINT_LIMBS);
        let bits = &wires[Self::WIRE_BITS..Self::WIRE_BITS + DIGIT_BITS];
        let mut digit = alg.constant(0);
        for (i, &b) in bits.iter().enumerate() {
            let minus_one = alg.constant(-1);
            let b_minus_one = alg.add(b, minus_one);
            constraints.push(alg.mul(b, b_minus_one));
            digit = alg.scale_add(1 << i, b, digit);
        }
        constraints.push(alg.sub(wires[Self::WIRE_DIGIT], digit));
        let selected = select(alg, bits);
        for (k, &s) in selected.iter().enumerate() {
            constraints.push(alg.sub(wires[Self::WIRE_Q + k], s));
        }
        let p = point_at(wires, Self::WIRE_P);
        let q = affine_point(alg, wires, Self::WIRE_Q);
        let sum = formulas::add_points(alg, &p, &q);
        let r = point_at(wires, Self::WIRE_R);
        formulas::push_point_eq(alg, &mut constraints, &r, &sum);
        constraints
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for FixedBaseAddGate {
    fn id(&self) -> String {
        format!("{self:?}")
    }

    fn serialize(&self, _dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        Ok(())
    }

    fn deserialize(_src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self)
    }

    crate::gadgets::algebraic::algebraic_gate_evals!();

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        vec![WitnessGeneratorRef::new(
            FixedBaseAddGenerator { row }.adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        Self::NUM_WIRES
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        4
    }

    fn num_constraints(&self) -> usize {
        DIGIT_BITS + 1 + 2 * LIMBS + POINT_LIMBS
    }
}

crate::gadgets::algebraic::impl_packed_evaluable_base!(FixedBaseAddGate);

/// Computes the bits, the selected multiple and the sum of one [`FixedBaseAddGate`] row.
#[derive(Clone, Debug, Default)]
pub struct FixedBaseAddGenerator {
    row: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for FixedBaseAddGenerator {
    fn id(&self) -> String {
        "FixedBaseAddGenerator".to_string()
    }

    fn dependencies(&self) -> Vec<Target> {
        (0..=POINT_LIMBS)
            .map(|w| Target::wire(self.row, w))
            .collect()
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let wire = |w: usize| Target::wire(self.row, w);
        let digit = witness
            .get_target(wire(FixedBaseAddGate::WIRE_DIGIT))
            .to_canonical_u64();
        if digit >= TABLE as u64 {
            return Err(anyhow!("window digit {digit} is not below {TABLE}"));
        }
        let mut values: Vec<F> = (0..FixedBaseAddGate::NUM_WIRES)
            .map(|w| {
                if w <= POINT_LIMBS {
                    witness.get_target(wire(w))
                } else {
                    F::ZERO
                }
            })
            .collect();
        for i in 0..DIGIT_BITS {
            values[FixedBaseAddGate::WIRE_BITS + i] = F::from_canonical_u64((digit >> i) & 1);
        }
        for (k, &limb) in generator_table()[digit as usize].iter().enumerate() {
            values[FixedBaseAddGate::WIRE_Q + k] = F::from_canonical_u64(limb);
        }
        let alg = &mut Native::<F>::new();
        let q = affine_point(alg, &values, FixedBaseAddGate::WIRE_Q);
        let sum = formulas::add_points(alg, &point_at(&values, FixedBaseAddGate::WIRE_P), &q);
        for (i, &v) in sum.iter().flatten().enumerate() {
            values[FixedBaseAddGate::WIRE_R + i] = v;
        }
        for (w, &v) in values.iter().enumerate().skip(POINT_LIMBS + 1) {
            out.set_target(wire(w), v)?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            row: src.read_usize()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Field;
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::ecgfp5::field::P;
    use crate::ecgfp5::Gfp5;
    use crate::gadgets::sha256::gates::testing::{assert_satisfied, assert_tamper_caught, D, F};

    /// An honest row for `p + d G` from affine `p`.
    fn honest_row(p: &Point, d: u64) -> Vec<u64> {
        let (x, u) = p.to_affine();
        let mut values = vec![F::ZERO; FixedBaseAddGate::NUM_WIRES];
        for (c, coord) in [x, Gfp5::ONE, u, Gfp5::ONE].iter().enumerate() {
            for (i, &v) in coord.to_elements().iter().enumerate() {
                values[FixedBaseAddGate::WIRE_P + LIMBS * c + i] = v;
            }
        }
        values[FixedBaseAddGate::WIRE_DIGIT] = F::from_canonical_u64(d);
        for i in 0..DIGIT_BITS {
            values[FixedBaseAddGate::WIRE_BITS + i] = F::from_canonical_u64((d >> i) & 1);
        }
        for (k, &limb) in generator_table()[d as usize].iter().enumerate() {
            values[FixedBaseAddGate::WIRE_Q + k] = F::from_canonical_u64(limb);
        }
        let alg = &mut Native::<F>::new();
        let q = affine_point(alg, &values, FixedBaseAddGate::WIRE_Q);
        let sum = formulas::add_points(alg, &point_at(&values, FixedBaseAddGate::WIRE_P), &q);
        for (i, &v) in sum.iter().flatten().enumerate() {
            values[FixedBaseAddGate::WIRE_R + i] = v;
        }
        values.iter().map(|v| v.0 % P).collect()
    }

    fn affine_of(wires: &[u64]) -> (Gfp5, Gfp5) {
        let coord = |c: usize| {
            let l = &wires[LIMBS * c..LIMBS * c + LIMBS];
            Gfp5::from_limbs_canonical(&[l[0], l[1], l[2], l[3], l[4]]).unwrap()
        };
        (
            coord(0) * coord(1).try_inverse().unwrap(),
            coord(2) * coord(3).try_inverse().unwrap(),
        )
    }

    #[test]
    fn generator_table_holds_the_first_sixteen_multiples_of_g() {
        let table = generator_table();
        // 1 G is the generator itself, whose u is 1/4 (its encoding is 4).
        let (gx, gu) = Point::GENERATOR.to_affine();
        assert_eq!(
            table[1][..LIMBS],
            gx.to_limbs(),
            "expected table[1].x = G.x"
        );
        assert_eq!(
            table[1][LIMBS..],
            gu.to_limbs(),
            "expected table[1].u = G.u"
        );
        assert_eq!(
            table[0],
            [0; 2 * LIMBS],
            "expected table[0] to be the neutral (0, 0)"
        );
    }

    #[test]
    fn fixed_base_add_gate_constraints_have_declared_degree() {
        test_low_degree::<F, _, D>(FixedBaseAddGate);
    }

    #[test]
    fn fixed_base_add_gate_native_and_recursive_evaluations_agree() {
        test_eval_fns::<F, PoseidonGoldilocksConfig, _, D>(FixedBaseAddGate).unwrap();
    }

    #[test]
    fn fixed_base_add_gate_adds_d_g_for_every_digit_and_rejects_tampered_rows() {
        let mut rng = ChaCha8Rng::seed_from_u64(32);
        let p = Point::mulgen(&Scalar::random(&mut rng));
        for d in 0..TABLE as u64 {
            let wires = honest_row(&p, d);
            let got = affine_of(&wires[FixedBaseAddGate::WIRE_R..]);
            let want = (p + Point::mulgen(&Scalar::from_u64(d))).to_affine();
            assert_eq!(
                got, want,
                "digit {d}: expected p + dG = {want:?}, got {got:?}"
            );
            assert_satisfied(&FixedBaseAddGate, &wires, &[]);
        }
        let wires = honest_row(&p, 9);
        // The digit, a bit, the selected point, the sum, the input.
        for wire in [
            FixedBaseAddGate::WIRE_DIGIT,
            FixedBaseAddGate::WIRE_BITS + 2,
            FixedBaseAddGate::WIRE_Q + 3,
            FixedBaseAddGate::WIRE_R + 17,
            FixedBaseAddGate::WIRE_P + 4,
        ] {
            assert_tamper_caught(&FixedBaseAddGate, &wires, &[], wire, (wires[wire] + 1) % P);
        }
        // A digit of 16 cannot be made of four bits: with bit 3 set to 2 (so the bits sum to
        // 16) the bit constraint fails.
        let mut wires16 = honest_row(&p, 0);
        wires16[FixedBaseAddGate::WIRE_DIGIT] = 16;
        assert_tamper_caught(
            &FixedBaseAddGate,
            &wires16,
            &[],
            FixedBaseAddGate::WIRE_BITS + 3,
            2,
        );
    }
}
