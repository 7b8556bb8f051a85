//! EcGFp5 group operations in plonky2, the in-circuit twin of [`crate::ecgfp5::Point`].
//!
//! Points use the native module's fractional `(x, u)` coordinates `x = x_num / x_den`,
//! `u = u_num / u_den`, and the same complete formulas (the tests compare the resulting affine
//! coordinates with the native ones). An addition is one [`PointAddGate`] row; doublings go
//! [`DOUBLINGS_PER_ROW`] to a [`PointDoubleGate`] row.

use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::target::Target;
use plonky2::iop::witness::WitnessWrite;
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::field::{CircuitBuilderGfp5, Gfp5Target, WitnessWriteGfp5};
use super::gates::formulas::{LIMBS, POINT_LIMBS};
use super::gates::{FixedBaseAddGate, PointAddGate, PointDoubleGate};
use crate::ecgfp5::{Gfp5, Point};

/// Doublings chained in one [`PointDoubleGate`] row: four, one 4-bit window's worth, which
/// fits the standard recursion config's 135 wires (five points of 20 limbs).
pub const DOUBLINGS_PER_ROW: usize = 4;

/// A group element in a circuit, in fractional `(x, u)` coordinates; the dens are never zero
/// for a point built by this module from valid inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointTarget {
    /// Numerator of `x`.
    pub x_num: Gfp5Target,
    /// Denominator of `x`.
    pub x_den: Gfp5Target,
    /// Numerator of `u = x / y`.
    pub u_num: Gfp5Target,
    /// Denominator of `u`.
    pub u_den: Gfp5Target,
}

/// Setting point targets in a witness.
pub trait WitnessWritePoint<F: Field> {
    /// Sets `target` to `point` in affine form (both denominators 1).
    ///
    /// The caller is responsible for `point` being constrained to the curve where that matters:
    /// a [`PointTarget`] built from virtual targets is not checked to be a group element.
    fn set_point_target(&mut self, target: PointTarget, point: &Point) -> anyhow::Result<()>;
}

impl<F: Field, W: WitnessWrite<F>> WitnessWritePoint<F> for W {
    fn set_point_target(&mut self, target: PointTarget, point: &Point) -> anyhow::Result<()> {
        let (x, u) = point.to_affine();
        self.set_gfp5_target(target.x_num, x)?;
        self.set_gfp5_target(target.x_den, Gfp5::ONE)?;
        self.set_gfp5_target(target.u_num, u)?;
        self.set_gfp5_target(target.u_den, Gfp5::ONE)
    }
}

/// EcGFp5 group operations on a [`CircuitBuilder`].
pub trait CircuitBuilderEcGFp5<F: RichField + Extendable<D>, const D: usize> {
    /// A fresh point with unconstrained coordinates, to be set in the witness.
    fn add_virtual_point_target(&mut self) -> PointTarget;
    /// The constant `p` in affine form.
    fn constant_point(&mut self, p: &Point) -> PointTarget;
    /// The group sum `p + q` (complete formulas; one row).
    fn add_points(&mut self, p: PointTarget, q: PointTarget) -> PointTarget;
    /// The double `2 p` (one row).
    fn double_point(&mut self, p: PointTarget) -> PointTarget;
    /// `2^n p` ([`DOUBLINGS_PER_ROW`] doublings per row).
    fn double_point_n(&mut self, p: PointTarget, n: usize) -> PointTarget;
    /// `p + d G` for the generator `G` and a digit `d`, which the row constrains below 16
    /// (one row).
    fn add_generator_multiple(&mut self, p: PointTarget, d: Target) -> PointTarget;
}

impl<F: RichField + Extendable<D>, const D: usize> CircuitBuilderEcGFp5<F, D>
    for CircuitBuilder<F, D>
{
    fn add_virtual_point_target(&mut self) -> PointTarget {
        PointTarget {
            x_num: self.add_virtual_gfp5_target(),
            x_den: self.add_virtual_gfp5_target(),
            u_num: self.add_virtual_gfp5_target(),
            u_den: self.add_virtual_gfp5_target(),
        }
    }

    fn constant_point(&mut self, p: &Point) -> PointTarget {
        let (x, u) = p.to_affine();
        let one = self.one_gfp5();
        PointTarget {
            x_num: self.constant_gfp5(x),
            x_den: one,
            u_num: self.constant_gfp5(u),
            u_den: one,
        }
    }

    fn add_points(&mut self, p: PointTarget, q: PointTarget) -> PointTarget {
        let row = self.add_gate(PointAddGate, vec![]);
        connect_point(self, p, row, PointAddGate::WIRE_P);
        connect_point(self, q, row, PointAddGate::WIRE_Q);
        point_from_wires(row, PointAddGate::WIRE_R)
    }

    fn double_point(&mut self, p: PointTarget) -> PointTarget {
        // The addition formulas are complete, so p + p is 2p in one row.
        self.add_points(p, p)
    }

    fn double_point_n(&mut self, p: PointTarget, n: usize) -> PointTarget {
        let mut r = p;
        let gate = PointDoubleGate::new(&self.config, DOUBLINGS_PER_ROW);
        let mut left = n;
        if let Some(gate) = gate {
            while left >= DOUBLINGS_PER_ROW {
                let row = self.add_gate(gate, vec![]);
                connect_point(self, r, row, PointDoubleGate::WIRE_P);
                r = point_from_wires(row, PointDoubleGate::WIRE_R);
                left -= DOUBLINGS_PER_ROW;
            }
        }
        for _ in 0..left {
            r = self.double_point(r);
        }
        r
    }

    fn add_generator_multiple(&mut self, p: PointTarget, d: Target) -> PointTarget {
        let row = self.add_gate(FixedBaseAddGate, vec![]);
        connect_point(self, p, row, FixedBaseAddGate::WIRE_P);
        self.connect(d, Target::wire(row, FixedBaseAddGate::WIRE_DIGIT));
        point_from_wires(row, FixedBaseAddGate::WIRE_R)
    }
}

/// Copies `p` into the 20 wires of `row` from `start`.
fn connect_point<F: RichField + Extendable<D>, const D: usize>(
    builder: &mut CircuitBuilder<F, D>,
    p: PointTarget,
    row: usize,
    start: usize,
) {
    for (c, coord) in [p.x_num, p.x_den, p.u_num, p.u_den].iter().enumerate() {
        for (i, &t) in coord.0.iter().enumerate() {
            builder.connect(t, Target::wire(row, start + LIMBS * c + i));
        }
    }
}

/// The point held in the 20 wires of `row` from `start`.
fn point_from_wires(row: usize, start: usize) -> PointTarget {
    debug_assert!(start + POINT_LIMBS > start);
    let coord = |c: usize| {
        Gfp5Target(core::array::from_fn(|i| {
            Target::wire(row, start + LIMBS * c + i)
        }))
    };
    PointTarget {
        x_num: coord(0),
        x_den: coord(1),
        u_num: coord(2),
        u_den: coord(3),
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::goldilocks_field::GoldilocksField;
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::CircuitConfig;
    use plonky2::plonk::config::PoseidonGoldilocksConfig;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::ecgfp5::Scalar;

    type F = GoldilocksField;
    type C = PoseidonGoldilocksConfig;
    const D: usize = 2;

    fn random_point(rng: &mut ChaCha8Rng) -> Point {
        Point::mulgen(&Scalar::random(rng))
    }

    /// Affine `(x, u)` of the point whose four coordinates are `limbs` (20 public inputs).
    fn affine_from_public_inputs(limbs: &[F]) -> (Gfp5, Gfp5) {
        let coord = |i: usize| {
            let l = &limbs[5 * i..5 * i + 5];
            Gfp5::from_elements(&[l[0], l[1], l[2], l[3], l[4]])
        };
        let x = coord(0) * coord(1).try_inverse().expect("x_den is never zero");
        let u = coord(2) * coord(3).try_inverse().expect("u_den is never zero");
        (x, u)
    }

    /// Proves a circuit computing `p + q`, `2 p`, `2^4 p`, `2^6 p` and `p + 11 G` from witnessed
    /// points;
    /// returns the results as affine coordinates read from the public inputs.
    fn prove_point_operations(p: &Point, q: &Point) -> Vec<(Gfp5, Gfp5)> {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let (pt, qt) = (b.add_virtual_point_target(), b.add_virtual_point_target());
        let eleven = b.constant(F::from_canonical_u64(11));
        let results = [
            b.add_points(pt, qt),
            b.double_point(pt),
            b.double_point_n(pt, 4),
            b.double_point_n(pt, 6),
            b.add_generator_multiple(pt, eleven),
        ];
        for r in results {
            for c in [r.x_num, r.x_den, r.u_num, r.u_den] {
                b.register_public_inputs(&c.0);
            }
        }
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        pw.set_point_target(pt, p).unwrap();
        pw.set_point_target(qt, q).unwrap();
        let proof = data.prove(pw).unwrap();
        data.verify(proof.clone()).unwrap();
        proof
            .public_inputs
            .chunks(20)
            .map(affine_from_public_inputs)
            .collect()
    }

    #[test]
    fn point_addition_and_doublings_match_native_point() {
        let mut rng = ChaCha8Rng::seed_from_u64(20);
        let g = Point::GENERATOR;
        let cases = [
            (random_point(&mut rng), random_point(&mut rng)),
            (g, g),
            (g, -g),
            (g, Point::NEUTRAL),
            (Point::NEUTRAL, Point::NEUTRAL),
        ];
        for (i, (p, q)) in cases.iter().enumerate() {
            let got = prove_point_operations(p, q);
            let want = [
                (*p + *q).to_affine(),
                p.double().to_affine(),
                p.double_n(4).to_affine(),
                p.double_n(6).to_affine(),
                (*p + Point::mulgen(&Scalar::from_u64(11))).to_affine(),
            ];
            for (what, (g, w)) in ["p + q", "2p", "16p", "64p", "p + 11G"]
                .iter()
                .zip(got.iter().zip(&want))
            {
                assert_eq!(g, w, "case {i}: expected {what} = {w:?}, got {g:?}");
            }
        }
    }

    /// Rows one operation adds to a fresh circuit.
    fn rows_for(op: impl FnOnce(&mut CircuitBuilder<F, D>, PointTarget, PointTarget)) -> usize {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let (p, q) = (b.add_virtual_point_target(), b.add_virtual_point_target());
        let before = b.num_gates();
        op(&mut b, p, q);
        b.num_gates() - before
    }

    #[test]
    fn an_addition_is_one_row_and_four_doublings_are_one_row() {
        let add = rows_for(|b, p, q| {
            b.add_points(p, q);
        });
        let dbl4 = rows_for(|b, p, _| {
            b.double_point_n(p, 4);
        });
        let dbl320 = rows_for(|b, p, _| {
            b.double_point_n(p, 320);
        });
        assert_eq!(add, 1, "expected 1 row for an addition, got {add}");
        assert_eq!(dbl4, 1, "expected 1 row for 4 doublings, got {dbl4}");
        assert_eq!(
            dbl320, 80,
            "expected 80 rows for 320 doublings, got {dbl320}"
        );
    }
}
