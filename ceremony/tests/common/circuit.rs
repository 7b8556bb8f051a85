//! The arkworks test circuit the phase-2 tests export and set up.

use std::path::Path;

use ark_bn254::Fr;
use ark_ff::{Field, PrimeField};
use ark_relations::lc;
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef,
    OptimizationGoal, SynthesisError, Variable,
};
use zkr_ceremony::r1cs::export::from_circuit;
use zkr_ceremony::r1cs::R1cs;

/// `y = x³ + x + 5` with `public` public inputs (`y`, then `x + k` for k =
/// 1, 2, ...; with none, `y` is a witness), plus 4 bits of 5 (boolean
/// constraints with a −1 coefficient, a sum with coefficients 2^k and
/// 2^200), `t = big · x²` with a large field element, a repeated variable
/// (its coefficients add up) and a symbolic linear combination used twice
/// (which `finalize` inlines).
#[derive(Clone, Copy)]
pub struct Cubic {
    /// The witness value x; `None` for setup.
    pub x: Option<Fr>,
    /// Number of public inputs.
    pub public: usize,
}

/// A field element with no structure, near r.
pub fn big() -> Fr {
    Fr::from_be_bytes_mod_order(&[0xab; 32])
}

/// Index of the constraint `sq * x = cu` (the first one `cu` appears in).
pub const CUBE_CONSTRAINT: usize = 1;
/// `cu` is the third witness variable.
pub const CUBE_WITNESS: usize = 2;

impl ConstraintSynthesizer<Fr> for Cubic {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let value = |f: &dyn Fn(Fr) -> Fr| self.x.map(f).ok_or(SynthesisError::AssignmentMissing);
        let five = Fr::from(5u64);
        let x = cs.new_witness_variable(|| value(&|x| x))?;
        let sq = cs.new_witness_variable(|| value(&|x| x * x))?;
        let cu = cs.new_witness_variable(|| value(&|x| x * x * x))?;
        let y_value = || value(&|x| x * x * x + x + five);
        let y = if self.public > 0 {
            cs.new_input_variable(y_value)?
        } else {
            cs.new_witness_variable(y_value)?
        };
        let mut shifted = Vec::new();
        for k in 1..self.public.max(1) {
            let shift = Fr::from(k as u64);
            shifted.push((shift, cs.new_input_variable(|| value(&|x| x + shift))?));
        }
        let bits: Vec<Variable> = [1u64, 0, 1, 0]
            .into_iter()
            .map(|b| cs.new_witness_variable(|| Ok(Fr::from(b))))
            .collect::<Result<_, _>>()?;
        let t = cs.new_witness_variable(|| value(&|x| big() * x * x))?;

        cs.enforce_constraint(lc!() + x, lc!() + x, lc!() + sq)?;
        cs.enforce_constraint(lc!() + sq, lc!() + x, lc!() + cu)?;
        let sum = cs.new_lc(lc!() + cu + x + (five, Variable::One))?;
        cs.enforce_constraint(lc!() + sum, lc!() + Variable::One, lc!() + y)?;
        cs.enforce_constraint(lc!() + sum - y, lc!() + sq, lc!())?;
        for &b in &bits {
            cs.enforce_constraint(lc!() + b, lc!() + b - Variable::One, lc!())?;
        }
        let two_200 = Fr::from(2u64).pow([200]);
        cs.enforce_constraint(
            lc!()
                + bits[0]
                + (Fr::from(2u64), bits[1])
                + (Fr::from(4u64), bits[2])
                + (two_200, bits[3]),
            lc!() + Variable::One,
            lc!() + (five, Variable::One),
        )?;
        cs.enforce_constraint(lc!() + (big(), x), lc!() + x + x, lc!() + t + t)?;
        for (shift, p) in shifted {
            cs.enforce_constraint(
                lc!() + x + (shift, Variable::One),
                lc!() + Variable::One,
                lc!() + p,
            )?;
        }
        Ok(())
    }
}

/// The test circuit with x = 3 and `public` public inputs.
pub fn cubic(public: usize) -> Cubic {
    Cubic {
        x: Some(Fr::from(3u64)),
        public,
    }
}

/// Exports the test circuit with `public` public inputs to `dir/name`.
pub fn export_cubic(dir: &Path, name: &str, public: usize) -> R1cs {
    let r1cs = from_circuit(Cubic { x: None, public }).expect("export");
    r1cs.write(&dir.join(name)).expect("write .r1cs");
    r1cs
}

/// The public inputs of [`cubic`]`(public)`: y = x³ + x + 5, then x + k.
pub fn cubic_public(public: usize) -> Vec<Fr> {
    let x = Fr::from(3u64);
    let mut out = vec![x * x * x + x + Fr::from(5u64)];
    for k in 1..public {
        out.push(x + Fr::from(k as u64));
    }
    out.truncate(public);
    out
}

/// The matrices and full assignment (instance, then witness) exactly as
/// zkr's Groth16 prover synthesizes them (prove mode).
pub fn prover_synthesis(circuit: Cubic) -> (ConstraintMatrices<Fr>, Vec<Fr>) {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    circuit
        .generate_constraints(cs.clone())
        .expect("synthesize");
    cs.finalize();
    assert!(
        cs.is_satisfied().expect("prove mode"),
        "test circuit unsatisfied"
    );
    let cs = cs.borrow().expect("constraint system");
    let matrices = cs.to_matrices().expect("matrices");
    let z = [
        cs.instance_assignment.as_slice(),
        cs.witness_assignment.as_slice(),
    ]
    .concat();
    (matrices, z)
}
