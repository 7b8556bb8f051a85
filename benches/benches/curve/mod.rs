//! Random inputs of the curve benches (MSM, the ceremony's kernels).

use ark_bn254::Fr;
use ark_ec::{CurveGroup, PrimeGroup, ScalarMul};
use ark_ff::UniformRand;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// `n` random points (independent multiples of the generator) and `n`
/// random scalars, the same for the same seed.
pub fn inputs<G: CurveGroup<ScalarField = Fr> + PrimeGroup + ScalarMul<MulBase = G::Affine>>(
    n: usize,
    seed: u64,
) -> (Vec<G::Affine>, Vec<Fr>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let exponents: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let points = G::generator().batch_mul(&exponents);
    let scalars = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    (points, scalars)
}
