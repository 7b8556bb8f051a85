//! zkr's CPU MSM against arkworks' `VariableBaseMSM` on the same inputs.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use ark_std::rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkr_cuda::cpu::msm::window::Plan;
use zkr_cuda::{BackendError, CpuBackend, MsmBackend};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Random points, made as batch-normalised multiples of the generator.
fn points<G: CurveGroup>(n: usize, rng: &mut impl Rng) -> Vec<G::Affine> {
    let base = G::generator();
    let projective: Vec<G> = (0..n).map(|_| base * G::ScalarField::rand(rng)).collect();
    G::normalize_batch(&projective)
}

/// Scalars with the awkward values sprinkled in: 0, 1, r − 1, small ones.
fn scalars(n: usize, rng: &mut impl Rng) -> Vec<Fr> {
    (0..n)
        .map(|i| match i % 23 {
            3 => Fr::zero(),
            5 | 12 => Fr::one(),
            7 => -Fr::one(),
            9 => Fr::from(rng.gen::<u64>()),
            _ => Fr::rand(rng),
        })
        .collect()
}

/// Repeats some points, negates some and puts in the point at infinity.
fn with_awkward_points<A: AffineRepr + std::ops::Neg<Output = A>>(mut points: Vec<A>) -> Vec<A> {
    let n = points.len();
    for i in 0..n {
        match i % 19 {
            4 => points[i] = points[0],
            8 => points[i] = -points[i / 2],
            15 => points[i] = A::zero(),
            _ => {}
        }
    }
    points
}

/// The sizes up to 4096 the G1 test runs: every size up to 512, then each size
/// at which the MSM's plan (window width, windows, slices) changes, with its
/// neighbours, the powers of two with theirs, and every 97th size. Between two
/// plan changes the code path is the same; every size of 1..=4096 took minutes.
fn g1_sizes(scalars: &[Fr]) -> Vec<usize> {
    let threads = rayon::current_num_threads();
    // The MSM splits off the scalars 0 and 1; the rest become two GLV halves each.
    let general = |n: usize| {
        scalars[..n]
            .iter()
            .filter(|s| !s.is_zero() && !s.is_one())
            .count()
    };
    let plan = |n: usize| Plan::choose(2 * general(n), 127, threads);
    let mut sizes: std::collections::BTreeSet<usize> = (1..=512).collect();
    for n in 513..=scalars.len() {
        if plan(n) != plan(n - 1) || n % 97 == 0 || (n + 1).is_power_of_two() {
            sizes.extend([n - 1, n, n + 1]);
        }
    }
    sizes.into_iter().filter(|&n| n <= scalars.len()).collect()
}

#[test]
fn g1_msm_equals_arkworks_for_every_plan_of_sizes_up_to_4096() {
    let mut rng = rng(1);
    let all_points = with_awkward_points(points::<G1Projective>(4096, &mut rng));
    let all_scalars = scalars(4096, &mut rng);
    let sizes = g1_sizes(&all_scalars);
    assert!(
        sizes.len() > 600 && sizes.contains(&4096),
        "expected every size to 512 and the plan changes up to 4096, got {} sizes",
        sizes.len()
    );
    for n in sizes {
        let (bases, scalars) = (&all_points[..n], &all_scalars[..n]);
        let got = CpuBackend.msm_g1(bases, scalars).expect("lengths match");
        let expected = G1Projective::msm_unchecked(bases, scalars);
        assert_eq!(
            got.into_affine(),
            expected.into_affine(),
            "G1 MSM of {n} points"
        );
    }
}

#[test]
fn g2_msm_equals_arkworks_for_sizes_up_to_300() {
    let mut rng = rng(2);
    let all_points = with_awkward_points(points::<G2Projective>(300, &mut rng));
    let all_scalars = scalars(300, &mut rng);
    for n in 1..=300 {
        let (bases, scalars) = (&all_points[..n], &all_scalars[..n]);
        let got = CpuBackend.msm_g2(bases, scalars).expect("lengths match");
        let expected = G2Projective::msm_unchecked(bases, scalars);
        assert_eq!(
            got.into_affine(),
            expected.into_affine(),
            "G2 MSM of {n} points"
        );
    }
}

#[test]
fn large_msms_equal_arkworks() {
    let mut rng = rng(3);
    for n in [1 << 14, (1 << 16) + 3, 1 << 18] {
        let bases = with_awkward_points(points::<G1Projective>(n, &mut rng));
        let scalars = scalars(n, &mut rng);
        let got = CpuBackend.msm_g1(&bases, &scalars).expect("lengths match");
        assert_eq!(
            got,
            G1Projective::msm_unchecked(&bases, &scalars),
            "G1 MSM of {n} points"
        );
    }
    let n = 1 << 14;
    let bases = with_awkward_points(points::<G2Projective>(n, &mut rng));
    let scalars = scalars(n, &mut rng);
    let got = CpuBackend.msm_g2(&bases, &scalars).expect("lengths match");
    assert_eq!(
        got,
        G2Projective::msm_unchecked(&bases, &scalars),
        "G2 MSM of {n} points"
    );
}

#[test]
fn degenerate_inputs_equal_arkworks() {
    let mut rng = rng(4);
    let p = points::<G1Projective>(1, &mut rng)[0];
    let k = Fr::rand(&mut rng);
    let n = 5000;
    let cases: Vec<(&str, Vec<G1Affine>, Vec<Fr>)> = vec![
        ("one point repeated, one scalar", vec![p; n], vec![k; n]),
        (
            "P and −P alternating, one scalar",
            (0..n).map(|i| if i % 2 == 0 { p } else { -p }).collect(),
            vec![k; n],
        ),
        (
            "all scalars zero",
            points::<G1Projective>(n, &mut rng),
            vec![Fr::zero(); n],
        ),
        (
            "all scalars one",
            points::<G1Projective>(n, &mut rng),
            vec![Fr::one(); n],
        ),
        (
            "all scalars r − 1",
            points::<G1Projective>(n, &mut rng),
            vec![-Fr::one(); n],
        ),
        (
            "all points at infinity",
            vec![G1Affine::zero(); n],
            (0..n).map(|_| Fr::rand(&mut rng)).collect(),
        ),
        (
            "small scalars",
            points::<G1Projective>(n, &mut rng),
            (0..n).map(|_| Fr::from(rng.gen::<u32>())).collect(),
        ),
        (
            "scalars whose top window is all ones",
            points::<G1Projective>(n, &mut rng),
            (0..n)
                .map(|i| Fr::from((1u128 << 127) - 1 - i as u128))
                .collect(),
        ),
        ("empty", vec![], vec![]),
    ];
    for (what, bases, scalars) in cases {
        let got = CpuBackend.msm_g1(&bases, &scalars).expect("lengths match");
        let expected = G1Projective::msm_unchecked(&bases, &scalars);
        assert_eq!(got.into_affine(), expected.into_affine(), "G1: {what}");
    }
    let q = points::<G2Projective>(1, &mut rng)[0];
    let bases: Vec<G2Affine> = (0..600).map(|i| if i % 3 == 0 { -q } else { q }).collect();
    let got = CpuBackend
        .msm_g2(&bases, &vec![k; 600])
        .expect("lengths match");
    assert_eq!(
        got,
        G2Projective::msm_unchecked(&bases, &vec![k; 600]),
        "G2: Q and −Q repeated"
    );
}

#[test]
fn mismatched_lengths_are_refused_naming_both() {
    let mut rng = rng(5);
    let bases = points::<G1Projective>(3, &mut rng);
    let err = CpuBackend
        .msm_g1(&bases, &[Fr::one(); 2])
        .expect_err("3 points, 2 scalars");
    assert!(
        matches!(
            err,
            BackendError::LengthMismatch {
                points: 3,
                scalars: 2,
                ..
            }
        ),
        "expected a length mismatch of 3 points and 2 scalars, got {err}"
    );
}
