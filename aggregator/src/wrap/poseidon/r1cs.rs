//! The Poseidon permutation and sponge as an R1CS gadget over `FpVar<Fr>`,
//! mirroring [`super::native`] function for function.
//!
//! Round constants and the MDS matrix are constants of the circuit, so adding
//! them and mixing are linear combinations and cost nothing; each S-box on a
//! variable costs 3 constraints (`x^2`, `x^4`, `x^4 * x`), so a permutation of
//! a state of variables costs `3 * (t * R_F + R_P)`: 243 for `t = 3`, 300 for
//! `t = 5`. Words that are still constants (a fresh sponge's capacity) cost
//! nothing until they meet a variable.

use ark_bn254::Fr;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::r1cs::SynthesisError;

use super::native::Mode;
use super::params::PoseidonParams;

/// Applies the permutation to `state` in place, in the circuit.
///
/// # Panics
/// If `state` does not hold exactly `params.t` words.
pub fn permute_var(params: &PoseidonParams, state: &mut [FpVar<Fr>]) -> Result<(), SynthesisError> {
    assert_eq!(
        state.len(),
        params.t,
        "Poseidon state: expected {} words, got {}",
        params.t,
        state.len()
    );
    for (r, constants) in params.round_constants.iter().enumerate() {
        add_round_constants_var(state, constants);
        if params.is_full_round(r) {
            for x in state.iter_mut() {
                *x = sbox_var(x)?;
            }
        } else {
            state[0] = sbox_var(&state[0])?;
        }
        mix_var(params, state);
    }
    Ok(())
}

/// Adds one round's constants, word by word.
fn add_round_constants_var(state: &mut [FpVar<Fr>], constants: &[Fr]) {
    state.iter_mut().zip(constants).for_each(|(x, c)| *x += *c);
}

/// The S-box `x^5`, in 3 constraints.
fn sbox_var(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    Ok(x2.square()? * x)
}

/// Multiplies the state by the MDS matrix.
fn mix_var(params: &PoseidonParams, state: &mut [FpVar<Fr>]) {
    let mixed: Vec<FpVar<Fr>> = params
        .mds
        .iter()
        .map(|row| {
            row.iter()
                .zip(state.iter())
                .fold(FpVar::zero(), |acc, (m, x)| acc + x * *m)
        })
        .collect();
    state.clone_from_slice(&mixed);
}

/// The in-circuit twin of [`super::native::Sponge`]: same state layout, same
/// duplex schedule.
#[derive(Clone, Debug)]
pub struct SpongeVar<'a> {
    params: &'a PoseidonParams,
    state: Vec<FpVar<Fr>>,
    mode: Mode,
}

impl<'a> SpongeVar<'a> {
    /// A sponge with the all-zero state (constants: no constraints yet).
    pub fn new(params: &'a PoseidonParams) -> Self {
        SpongeVar {
            params,
            state: vec![FpVar::zero(); params.t],
            mode: Mode::Absorbing(0),
        }
    }

    /// Absorbs one field element.
    pub fn absorb(&mut self, x: &FpVar<Fr>) -> Result<(), SynthesisError> {
        let next = match self.mode {
            Mode::Absorbing(next) if next == self.params.rate() => {
                permute_var(self.params, &mut self.state)?;
                0
            }
            Mode::Absorbing(next) => next,
            Mode::Squeezing(_) => 0,
        };
        self.state[1 + next] += x;
        self.mode = Mode::Absorbing(next + 1);
        Ok(())
    }

    /// Absorbs field elements in order.
    pub fn absorb_all(&mut self, xs: &[FpVar<Fr>]) -> Result<(), SynthesisError> {
        xs.iter().try_for_each(|x| self.absorb(x))
    }

    /// Squeezes one field element.
    pub fn squeeze(&mut self) -> Result<FpVar<Fr>, SynthesisError> {
        let next = match self.mode {
            Mode::Absorbing(_) => {
                permute_var(self.params, &mut self.state)?;
                0
            }
            Mode::Squeezing(next) if next == self.params.rate() => {
                permute_var(self.params, &mut self.state)?;
                0
            }
            Mode::Squeezing(next) => next,
        };
        self.mode = Mode::Squeezing(next + 1);
        Ok(self.state[1 + next].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::poseidon::native::{permute, Sponge};
    use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, R1CSVar};
    use ark_relations::r1cs::{ConstraintSystem, ConstraintSystemRef};
    use ark_std::{test_rng, UniformRand};

    fn witnesses(cs: &ConstraintSystemRef<Fr>, xs: &[Fr]) -> Vec<FpVar<Fr>> {
        xs.iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).expect("allocating a witness"))
            .collect()
    }

    fn values(xs: &[FpVar<Fr>]) -> Vec<Fr> {
        xs.iter().map(|x| x.value().expect("assigned")).collect()
    }

    #[test]
    fn gadget_permutation_equals_native_and_is_satisfied() {
        let mut rng = test_rng();
        for params in [PoseidonParams::bn254_t3(), PoseidonParams::bn254_t5()] {
            for _ in 0..4 {
                let input: Vec<Fr> = (0..params.t).map(|_| Fr::rand(&mut rng)).collect();
                let mut expected = input.clone();
                permute(params, &mut expected);

                let cs = ConstraintSystem::<Fr>::new_ref();
                let mut state = witnesses(&cs, &input);
                permute_var(params, &mut state).expect("synthesis");
                assert_eq!(
                    values(&state),
                    expected,
                    "t = {}: native vs gadget",
                    params.t
                );
                assert!(
                    cs.is_satisfied().expect("satisfiability check"),
                    "t = {}",
                    params.t
                );
            }
        }
    }

    #[test]
    fn permutation_costs_three_constraints_per_sbox() {
        // 3 * (t * R_F + R_P): a change here changes the wrap circuit's size.
        for (params, expected) in [
            (PoseidonParams::bn254_t3(), 243),
            (PoseidonParams::bn254_t5(), 300),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let input = vec![Fr::from(7u64); params.t];
            let mut state = witnesses(&cs, &input);
            permute_var(params, &mut state).expect("synthesis");
            assert_eq!(
                cs.num_constraints(),
                expected,
                "t = {}: constraints, expected vs got",
                params.t
            );
            // One witness per constraint (each S-box step's product), plus the inputs.
            assert_eq!(
                cs.num_witness_variables(),
                expected + params.t,
                "t = {}: witness variables, expected vs got",
                params.t
            );
        }
    }

    #[test]
    fn wrong_claimed_output_is_unsatisfied() {
        let params = PoseidonParams::bn254_t3();
        let input = [Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)];
        let mut output = input.to_vec();
        permute(params, &mut output);

        // The permutation of `input` constrained equal to a claimed output.
        let satisfied = |claimed: &[Fr]| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let claimed: Vec<FpVar<Fr>> = claimed
                .iter()
                .map(|x| FpVar::new_input(cs.clone(), || Ok(*x)).expect("allocating an input"))
                .collect();
            let mut state = witnesses(&cs, &input);
            permute_var(params, &mut state).expect("synthesis");
            state
                .enforce_equal(&claimed)
                .expect("synthesis of the equality");
            cs.is_satisfied().expect("satisfiability check")
        };
        for tamper in 0..params.t {
            let mut claimed = output.clone();
            claimed[tamper] += Fr::from(1u64);
            assert!(
                !satisfied(&claimed),
                "output word {tamper} off by one was accepted"
            );
        }
        // The untampered claim, with the same circuit, is accepted.
        assert!(satisfied(&output), "the true output was rejected");
    }

    #[test]
    fn tampered_sbox_witness_is_unsatisfied() {
        // A prover who lies about one intermediate product (not only the output)
        // is caught by the S-box constraints themselves.
        let params = PoseidonParams::bn254_t3();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let mut state = witnesses(&cs, &[Fr::from(3u64), Fr::from(4u64), Fr::from(5u64)]);
        permute_var(params, &mut state).expect("synthesis");
        assert!(cs.is_satisfied().expect("satisfiability check"));
        let witness_count = cs.num_witness_variables();
        {
            let mut inner = cs.borrow_mut().expect("constraint system is not shared");
            // Witness 0..t are the inputs; t is the first S-box's x^2.
            inner.witness_assignment[params.t] += Fr::from(1u64);
        }
        assert_eq!(cs.num_witness_variables(), witness_count);
        assert!(
            !cs.is_satisfied().expect("satisfiability check"),
            "a wrong x^2 in the first S-box was accepted"
        );
    }

    #[test]
    fn gadget_sponge_equals_native_sponge() {
        let mut rng = test_rng();
        for params in [PoseidonParams::bn254_t3(), PoseidonParams::bn254_t5()] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let mut native = Sponge::new(params);
            let mut gadget = SpongeVar::new(params);
            // Absorb past one rate block, squeeze past one, absorb again.
            let first: Vec<Fr> = (0..params.rate() + 1).map(|_| Fr::rand(&mut rng)).collect();
            let second: Vec<Fr> = (0..2).map(|_| Fr::rand(&mut rng)).collect();
            native.absorb_all(&first);
            gadget
                .absorb_all(&witnesses(&cs, &first))
                .expect("synthesis");
            let mut expected: Vec<Fr> = (0..params.rate() + 1).map(|_| native.squeeze()).collect();
            let mut got = (0..params.rate() + 1)
                .map(|_| gadget.squeeze())
                .collect::<Result<Vec<_>, _>>()
                .expect("synthesis");
            native.absorb_all(&second);
            gadget
                .absorb_all(&witnesses(&cs, &second))
                .expect("synthesis");
            expected.push(native.squeeze());
            got.push(gadget.squeeze().expect("synthesis"));
            assert_eq!(values(&got), expected, "t = {}: native vs gadget", params.t);
            assert!(cs.is_satisfied().expect("satisfiability check"));
        }
    }
}
