//! `zkey new`: a circuit's initial Groth16 keys (δ = γ = 1) from its
//! `.r1cs` and a prepared `.ptau`, byte for byte as snarkjs writes them.
//!
//! With Lᵢ the Lagrange basis of the domain at τ and wires s:
//! A[s] = Σ a_{c,s}·Lc, B[s] = Σ b_{c,s}·Lc (G1 and G2), and for the
//! private wires C[s] = Σ (a_{c,s}·βLc + b_{c,s}·αLc + c_{c,s}·Lc), the
//! public ones' IC[s] alike. Each public wire s (and the constant one) gets
//! one more constraint row n_constraints + s with A = that wire, which makes
//! the IC points independent (the same rows arkworks adds). H holds the
//! Lagrange points of the double-size domain at its odd indices: snarkjs's
//! prover evaluates the quotient on that coset.

use std::path::Path;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;

use crate::binfile::BinWriter;
use crate::error::CeremonyError;
use crate::hash::{Blake2b, Hash};
use crate::progress;
use crate::ptau::encoding::{PtauGroup, G1_SIZE};
use crate::ptau::format::{PtauFile, Section};
use crate::r1cs::R1cs;

use super::format::{coefficient_bytes, section, Header, COEF_SIZE, GROTH16, MAGIC};

/// The QAP domain's log2 size for a circuit: snarkjs's rule (room for the
/// constraints, one row per public value and one for the constant one).
pub fn domain_power(r1cs: &R1cs) -> u32 {
    crate::r1cs::min_ptau_power(r1cs.constraints.len() as u64, r1cs.num_public())
}

/// Which Lagrange section a term's point comes from.
#[derive(Clone, Copy)]
enum Basis {
    Tau,
    AlphaTau,
    BetaTau,
}

/// One term of an output point: `coeff` times Lagrange point `row` of `basis`.
#[derive(Clone, Copy)]
struct Term {
    basis: Basis,
    row: u32,
    coeff: Fr,
}

/// The terms of every output point, by wire.
struct Terms {
    a: Vec<Vec<Term>>,
    b: Vec<Vec<Term>>,
    /// β·A + α·B + C: IC for the public wires, C for the others.
    c: Vec<Vec<Term>>,
}

fn collect_terms(r1cs: &R1cs) -> Terms {
    let wires = r1cs.n_wires as usize;
    let mut t = Terms {
        a: vec![Vec::new(); wires],
        b: vec![Vec::new(); wires],
        c: vec![Vec::new(); wires],
    };
    for (row, constraint) in r1cs.constraints.iter().enumerate() {
        let row = row as u32;
        for term in &constraint.a {
            let (s, coeff) = (term.wire as usize, term.coeff);
            t.a[s].push(Term {
                basis: Basis::Tau,
                row,
                coeff,
            });
            t.c[s].push(Term {
                basis: Basis::BetaTau,
                row,
                coeff,
            });
        }
        for term in &constraint.b {
            let (s, coeff) = (term.wire as usize, term.coeff);
            t.b[s].push(Term {
                basis: Basis::Tau,
                row,
                coeff,
            });
            t.c[s].push(Term {
                basis: Basis::AlphaTau,
                row,
                coeff,
            });
        }
        for term in &constraint.c {
            t.c[term.wire as usize].push(Term {
                basis: Basis::Tau,
                row,
                coeff: term.coeff,
            });
        }
    }
    let n = r1cs.constraints.len() as u32;
    for s in 0..=r1cs.num_public() as u32 {
        let one = Fr::from(1u64);
        t.a[s as usize].push(Term {
            basis: Basis::Tau,
            row: n + s,
            coeff: one,
        });
        t.c[s as usize].push(Term {
            basis: Basis::BetaTau,
            row: n + s,
            coeff: one,
        });
    }
    t
}

/// Σ coeff·point over `terms`, with short scalar multiplications for the
/// small (or small negative) coefficients circuits mostly have.
fn combine<P: AffineRepr<ScalarField = Fr>>(terms: &[Term], bases: [&[P]; 3]) -> P::Group {
    let mut acc = P::Group::zero();
    for t in terms {
        let base = bases[t.basis as usize][t.row as usize];
        let neg = -t.coeff;
        let (scalar, negate) = if neg.into_bigint().num_bits() < t.coeff.into_bigint().num_bits() {
            (neg, true)
        } else {
            (t.coeff, false)
        };
        let bits = scalar.into_bigint();
        let term = if bits.num_bits() <= 64 {
            base.mul_bigint(bits)
        } else {
            base * scalar
        };
        if negate {
            acc -= term;
        } else {
            acc += term;
        }
    }
    acc
}

/// Computes one point per entry of `terms` in parallel, affine.
fn points<P: AffineRepr<ScalarField = Fr>>(
    terms: &[Vec<Term>],
    bases: [&[P]; 3],
    what: &str,
) -> Vec<P> {
    let bar = progress::points(terms.len() as u64, what);
    let projective: Vec<P::Group> = terms
        .par_iter()
        .map(|t| {
            let p = combine(t, bases);
            bar.inc(1);
            p
        })
        .collect();
    bar.finish_and_clear();
    P::Group::normalize_batch(&projective)
}

/// Appends `points` in the file encoding to `out`, and uncompressed to `hasher`.
fn write_points<P: PtauGroup>(
    out: &mut BinWriter,
    hasher: &mut Blake2b,
    points: &[P],
) -> Result<(), CeremonyError> {
    hasher.update(&(points.len() as u32).to_be_bytes());
    for chunk in points.chunks(1 << 14) {
        let mut lem = vec![0u8; chunk.len() * P::SIZE];
        let mut unc = vec![0u8; chunk.len() * P::SIZE];
        lem.par_chunks_mut(P::SIZE)
            .zip(unc.par_chunks_mut(P::SIZE))
            .zip(chunk.par_iter())
            .for_each(|((l, u), p)| {
                p.write_lem(l);
                p.write_uncompressed(u);
            });
        out.write(&lem)?;
        hasher.update(&unc);
    }
    Ok(())
}

/// Reads the Lagrange points of power `p` (2^p of them) from `section`.
fn lagrange<P: PtauGroup + Send>(
    ptau: &PtauFile,
    section: Section,
    p: u32,
) -> Result<Vec<P>, CeremonyError> {
    Ok(ptau.read_points::<P>(section, (1u64 << p) - 1, 1u64 << p)?)
}

/// Writes the initial `.zkey` of `r1cs` from the prepared `ptau` to `out`
/// and returns the circuit hash (which every contribution builds on).
pub fn new_zkey(r1cs: &R1cs, ptau: &PtauFile, out: &Path) -> Result<Hash, CeremonyError> {
    let power = domain_power(r1cs);
    let have = ptau.header.power;
    if !ptau.has_section(Section::LagrangeTauG1) {
        return Err(CeremonyError::Refused(format!(
            "{}: not prepared for phase 2 (no Lagrange sections); run `zkr-ceremony ptau prepare` first",
            ptau.path().display()
        )));
    }
    if power > have {
        return Err(CeremonyError::Refused(format!(
            "{}: the circuit needs a powers-of-tau file of power {power} or more \
             ({} constraints and {} public values make a domain of 2^{power}); this file has power {have}",
            ptau.path().display(),
            r1cs.constraints.len(),
            r1cs.num_public(),
        )));
    }
    // H takes tauG1's Lagrange points of the domain of size 2^(power + 1),
    // which prepared files hold up to 2^28 (the field's 2-adicity).
    if power >= crate::ptau::lagrange::MAX_LOG_SIZE {
        return Err(CeremonyError::Refused(format!(
            "the circuit's domain of 2^{power} leaves no room for the quotient's double-size domain (largest supported: 2^{})",
            crate::ptau::lagrange::MAX_LOG_SIZE - 1
        )));
    }
    let n = 1u64 << power;
    let n_public = r1cs.num_public() as u32;
    let header = Header {
        n_vars: r1cs.n_wires,
        n_public,
        domain_size: n as u32,
        alpha_g1: ptau.read_points::<G1Affine>(Section::AlphaTauG1, 0, 1)?[0],
        beta_g1: ptau.read_points::<G1Affine>(Section::BetaTauG1, 0, 1)?[0],
        beta_g2: ptau.read_points::<G2Affine>(Section::BetaG2, 0, 1)?[0],
        gamma_g2: G2Affine::generator(),
        delta_g1: G1Affine::generator(),
        delta_g2: G2Affine::generator(),
    };

    let mut hasher = Blake2b::new();
    hasher.update(&header.points_uncompressed());

    let mut w = BinWriter::create(out, MAGIC, 10)?;
    w.start(section::PROTOCOL)?;
    w.u32(GROTH16)?;
    w.start(section::HEADER)?;
    w.write(&header.encode())?;

    // Coefficients of A and B, the public rows last (snarkjs's order).
    w.start(section::COEFS)?;
    let n_coefs: usize = r1cs
        .constraints
        .iter()
        .map(|c| c.a.len() + c.b.len())
        .sum::<usize>()
        + n_public as usize
        + 1;
    w.u32(n_coefs as u32)?;
    let mut record = [0u8; COEF_SIZE];
    let mut put = |w: &mut BinWriter, m: u32, row: u32, wire: u32, c: &Fr| {
        record[0..4].copy_from_slice(&m.to_le_bytes());
        record[4..8].copy_from_slice(&row.to_le_bytes());
        record[8..12].copy_from_slice(&wire.to_le_bytes());
        record[12..].copy_from_slice(&coefficient_bytes(c));
        w.write(&record)
    };
    for (row, c) in r1cs.constraints.iter().enumerate() {
        for t in &c.a {
            put(&mut w, 0, row as u32, t.wire, &t.coeff)?;
        }
        for t in &c.b {
            put(&mut w, 1, row as u32, t.wire, &t.coeff)?;
        }
    }
    let rows = r1cs.constraints.len() as u32;
    for s in 0..=n_public {
        put(&mut w, 0, rows + s, s, &Fr::ONE)?;
    }

    let tau = lagrange::<G1Affine>(ptau, Section::LagrangeTauG1, power)?;
    let alpha = lagrange::<G1Affine>(ptau, Section::LagrangeAlphaTauG1, power)?;
    let beta = lagrange::<G1Affine>(ptau, Section::LagrangeBetaTauG1, power)?;
    let g1_bases = [tau.as_slice(), alpha.as_slice(), beta.as_slice()];
    let terms = collect_terms(r1cs);
    let public = n_public as usize + 1;

    w.start(section::IC)?;
    let ic = points(&terms.c[..public], g1_bases, "IC");
    write_points(&mut w, &mut hasher, &ic)?;

    // H: odd-indexed Lagrange points of the domain of size 2n.
    w.start(section::H)?;
    let double = ptau.read_raw(Section::LagrangeTauG1, 2 * n - 1, 2 * n)?;
    for pair in double.chunks_exact(2 * G1_SIZE) {
        w.write(&pair[G1_SIZE..])?;
    }
    hash_h_points(ptau, n, &mut hasher)?;

    w.start(section::C)?;
    let c = points(&terms.c[public..], g1_bases, "C");
    write_points(&mut w, &mut hasher, &c)?;
    drop(c);
    w.start(section::A)?;
    let a = points(&terms.a, g1_bases, "A");
    write_points(&mut w, &mut hasher, &a)?;
    drop(a);
    w.start(section::B1)?;
    let b1 = points(&terms.b, g1_bases, "B1");
    write_points(&mut w, &mut hasher, &b1)?;
    drop(b1);
    drop((tau, alpha, beta));
    let tau2 = lagrange::<G2Affine>(ptau, Section::LagrangeTauG2, power)?;
    w.start(section::B2)?;
    let b2 = points(&terms.b, [tau2.as_slice(); 3], "B2");
    write_points(&mut w, &mut hasher, &b2)?;

    let cs_hash = hasher.finalize();
    w.start(section::CONTRIBUTIONS)?;
    w.write(&cs_hash)?;
    w.u32(0)?;
    w.finish()?;
    Ok(cs_hash)
}

/// Hashes what snarkjs hashes for H: (τ^(i+n) − τ^i)·G1 for i < n − 1,
/// the powers form of the quotient's points (independent of the basis).
fn hash_h_points(ptau: &PtauFile, n: u64, hasher: &mut Blake2b) -> Result<(), CeremonyError> {
    hasher.update(&((n - 1) as u32).to_be_bytes());
    let chunk = 1u64 << 14;
    let mut i = 0;
    while i < n - 1 {
        let len = chunk.min(n - 1 - i);
        let low = ptau.read_points::<G1Affine>(Section::TauG1, i, len)?;
        let high = ptau.read_points::<G1Affine>(Section::TauG1, i + n, len)?;
        let diff: Vec<G1Projective> = low
            .par_iter()
            .zip(high.par_iter())
            .map(|(l, h)| h.into_group() - l)
            .collect();
        let affine = G1Projective::normalize_batch(&diff);
        let mut unc = vec![0u8; affine.len() * G1_SIZE];
        unc.par_chunks_mut(G1_SIZE)
            .zip(affine.par_iter())
            .for_each(|(u, p)| p.write_uncompressed(u));
        hasher.update(&unc);
        i += len;
    }
    Ok(())
}
