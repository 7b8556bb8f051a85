//! A contribution's keys and their proofs of knowledge, in snarkjs's scheme.
//!
//! A contributor multiplies the powers by secrets tau, alpha and beta. For
//! each secret x it publishes a random G1 point s, s*x, and r*x where
//! r = hashToG2(BLAKE2b(personalisation || previous challenge || s || s*x))
//! (personalisation 0 for tau, 1 for alpha, 2 for beta). The pairing check
//! e(s, r*x) = e(s*x, r) shows the contributor knew x when it saw the
//! challenge, and r*x lets a verifier check the new powers against the old.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{scalar_mul::glv::GLVConfig, AffineRepr, CurveGroup};
use ark_ff::Zero;

use crate::hash::{Blake2b, Hash};
use crate::ptau::encoding::{PtauGroup, G1_SIZE, G2_SIZE};
use crate::rng::{fr_from_rng, g1_from_rng, hash_to_g2, ChaCha};

/// Bytes of a public key (six G1 and three G2 points).
pub const PUBLIC_KEY_SIZE: usize = 6 * G1_SIZE + 3 * G2_SIZE;

/// Which secret a key part is for; the value is the hash personalisation byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// tau, the point the powers are evaluated at.
    Tau = 0,
    /// alpha.
    Alpha = 1,
    /// beta.
    Beta = 2,
}

impl Secret {
    /// The three secrets in file order.
    pub const ALL: [Secret; 3] = [Secret::Tau, Secret::Alpha, Secret::Beta];

    /// The secret's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Secret::Tau => "tau",
            Secret::Alpha => "alpha",
            Secret::Beta => "beta",
        }
    }
}

/// The public part of one secret x: s, s*x (G1) and r*x (G2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPart {
    /// A random G1 point s.
    pub g1_s: G1Affine,
    /// s * x.
    pub g1_sx: G1Affine,
    /// r * x, where r is derived from the challenge and s, s*x.
    pub g2_spx: G2Affine,
}

/// A contribution's public key: one part per secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    /// For tau.
    pub tau: KeyPart,
    /// For alpha.
    pub alpha: KeyPart,
    /// For beta.
    pub beta: KeyPart,
}

/// A contribution's secrets. Dropped (and zeroed) as soon as the powers are updated.
pub struct PrivateKey {
    /// tau.
    pub tau: Fr,
    /// alpha.
    pub alpha: Fr,
    /// beta.
    pub beta: Fr,
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        // Best effort: the values also lived in registers and temporaries.
        self.tau = Fr::zero();
        self.alpha = Fr::zero();
        self.beta = Fr::zero();
        std::hint::black_box(&self.tau);
    }
}

/// r = hashToG2(BLAKE2b(personalisation || challenge || U(s) || U(s*x))).
pub fn g2_sp(secret: Secret, challenge: &Hash, g1_s: &G1Affine, g1_sx: &G1Affine) -> G2Affine {
    let mut h = Blake2b::new();
    h.update(&[secret as u8]);
    h.update(challenge);
    let mut buf = [0u8; G1_SIZE];
    g1_s.write_uncompressed(&mut buf);
    h.update(&buf);
    g1_sx.write_uncompressed(&mut buf);
    h.update(&buf);
    hash_to_g2(&h.finalize())
}

/// Draws a key pair from `rng` in snarkjs's order (the three secrets, then
/// each part's s), binding the proofs of knowledge to `challenge`.
pub fn create_key(rng: &mut ChaCha, challenge: &Hash) -> (PrivateKey, PublicKey) {
    let private = PrivateKey {
        tau: fr_from_rng(rng),
        alpha: fr_from_rng(rng),
        beta: fr_from_rng(rng),
    };
    let mut part = |secret: Secret, x: Fr| {
        let g1_s = g1_from_rng(rng);
        let g1_sx =
            <ark_bn254::g1::Config as GLVConfig>::glv_mul_projective(G1Projective::from(g1_s), x)
                .into_affine();
        let sp = g2_sp(secret, challenge, &g1_s, &g1_sx);
        let g2_spx =
            <ark_bn254::g2::Config as GLVConfig>::glv_mul_projective(G2Projective::from(sp), x)
                .into_affine();
        KeyPart {
            g1_s,
            g1_sx,
            g2_spx,
        }
    };
    let public = PublicKey {
        tau: part(Secret::Tau, private.tau),
        alpha: part(Secret::Alpha, private.alpha),
        beta: part(Secret::Beta, private.beta),
    };
    (private, public)
}

impl PublicKey {
    /// The part for one secret.
    pub fn part(&self, secret: Secret) -> &KeyPart {
        match secret {
            Secret::Tau => &self.tau,
            Secret::Alpha => &self.alpha,
            Secret::Beta => &self.beta,
        }
    }

    fn points_g1(&self) -> [&G1Affine; 6] {
        [
            &self.tau.g1_s,
            &self.tau.g1_sx,
            &self.alpha.g1_s,
            &self.alpha.g1_sx,
            &self.beta.g1_s,
            &self.beta.g1_sx,
        ]
    }

    fn points_g2(&self) -> [&G2Affine; 3] {
        [&self.tau.g2_spx, &self.alpha.g2_spx, &self.beta.g2_spx]
    }

    /// The key as the file stores it (points in Montgomery form).
    pub fn to_lem(&self) -> Vec<u8> {
        self.encode(|p, out| p.write_lem(out), |p, out| p.write_lem(out))
    }

    /// The key as it is hashed into the response hash (uncompressed points).
    pub fn to_uncompressed(&self) -> Vec<u8> {
        self.encode(
            |p, out| p.write_uncompressed(out),
            |p, out| p.write_uncompressed(out),
        )
    }

    fn encode(
        &self,
        g1: impl Fn(&G1Affine, &mut [u8]),
        g2: impl Fn(&G2Affine, &mut [u8]),
    ) -> Vec<u8> {
        let mut out = vec![0u8; PUBLIC_KEY_SIZE];
        let (g1_bytes, g2_bytes) = out.split_at_mut(6 * G1_SIZE);
        for (p, chunk) in self
            .points_g1()
            .into_iter()
            .zip(g1_bytes.chunks_exact_mut(G1_SIZE))
        {
            g1(p, chunk);
        }
        for (p, chunk) in self
            .points_g2()
            .into_iter()
            .zip(g2_bytes.chunks_exact_mut(G2_SIZE))
        {
            g2(p, chunk);
        }
        out
    }

    /// Reads a key in file form; `Err` says which point (0..9) is bad and why.
    pub fn from_lem(bytes: &[u8]) -> Result<Self, (usize, crate::ptau::encoding::PointError)> {
        let mut g1 = [G1Affine::zero(); 6];
        for (i, p) in g1.iter_mut().enumerate() {
            *p = G1Affine::read_lem(&bytes[i * G1_SIZE..]).map_err(|e| (i, e))?;
        }
        let mut g2 = [G2Affine::zero(); 3];
        for (i, p) in g2.iter_mut().enumerate() {
            *p = G2Affine::read_lem(&bytes[6 * G1_SIZE + i * G2_SIZE..]).map_err(|e| (6 + i, e))?;
        }
        Ok(PublicKey {
            tau: KeyPart {
                g1_s: g1[0],
                g1_sx: g1[1],
                g2_spx: g2[0],
            },
            alpha: KeyPart {
                g1_s: g1[2],
                g1_sx: g1[3],
                g2_spx: g2[1],
            },
            beta: KeyPart {
                g1_s: g1[4],
                g1_sx: g1[5],
                g2_spx: g2[2],
            },
        })
    }
}

/// Names of the nine key points in file order, for messages.
pub const KEY_POINT_NAMES: [&str; 9] = [
    "tau.g1_s",
    "tau.g1_sx",
    "alpha.g1_s",
    "alpha.g1_sx",
    "beta.g1_s",
    "beta.g1_sx",
    "tau.g2_spx",
    "alpha.g2_spx",
    "beta.g2_spx",
];
