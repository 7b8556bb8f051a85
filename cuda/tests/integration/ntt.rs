//! The CPU backend's NTTs against direct polynomial evaluation.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkr_cuda::{BackendError, CpuBackend, NttBackend};

/// `c(x)` by Horner's rule.
fn evaluate(coefficients: &[Fr], x: Fr) -> Fr {
    coefficients
        .iter()
        .rev()
        .fold(Fr::zero(), |acc, c| acc * x + c)
}

#[test]
fn forward_and_coset_transforms_evaluate_on_the_subgroup_and_its_coset() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for log in [0u32, 1, 3, 6] {
        let n = 1usize << log;
        let coefficients: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let omega = Fr::get_root_of_unity(n as u64).expect("n divides 2^28");
        let offset = Fr::GENERATOR;
        let mut plain = coefficients.clone();
        CpuBackend.ntt(&mut plain).expect("power of two");
        let mut coset = coefficients.clone();
        CpuBackend
            .coset_ntt(&mut coset, offset)
            .expect("power of two");
        for i in 0..n {
            let x = omega.pow([i as u64]);
            assert_eq!(plain[i], evaluate(&coefficients, x), "c(ω^{i}) at size {n}");
            assert_eq!(
                coset[i],
                evaluate(&coefficients, offset * x),
                "c(g·ω^{i}) at size {n}"
            );
        }
    }
}

#[test]
fn inverse_transforms_undo_forward_ones() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let values: Vec<Fr> = (0..1 << 12).map(|_| Fr::rand(&mut rng)).collect();
    let offset = Fr::from(7u64);
    let mut x = values.clone();
    CpuBackend.ntt(&mut x).expect("power of two");
    CpuBackend.intt(&mut x).expect("power of two");
    assert_eq!(x, values, "intt(ntt(v)) = v");
    CpuBackend.coset_ntt(&mut x, offset).expect("power of two");
    assert_ne!(x, values, "the coset transform changes the values");
    CpuBackend.coset_intt(&mut x, offset).expect("power of two");
    assert_eq!(x, values, "coset_intt(coset_ntt(v)) = v");
}

#[test]
fn bad_sizes_and_a_zero_offset_are_refused() {
    let err = CpuBackend
        .ntt(&mut [Fr::zero(); 6])
        .expect_err("6 is not a power of two");
    assert!(
        matches!(err, BackendError::NttSize { len: 6, .. }),
        "got {err}"
    );
    let err = CpuBackend
        .coset_ntt(&mut [Fr::zero(); 4], Fr::zero())
        .expect_err("offset 0");
    assert!(matches!(err, BackendError::ZeroCosetOffset), "got {err}");
}
