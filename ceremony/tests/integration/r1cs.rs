//! The `.r1cs` export: snarkjs (the reference reader) reads back exactly the
//! constraints arkworks builds for a circuit, our reader round-trips them and
//! refuses corrupt files by name, and arkworks' own assignment satisfies the
//! exported constraints. These tests fail (they never skip) when snarkjs is
//! not installed: run `npm ci` in `ceremony/tests/snarkjs`.

use crate::common::circuit::*;
use crate::common::*;
use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField};
use std::collections::BTreeMap;
use zkr_ceremony::r1cs::export::from_circuit;
use zkr_ceremony::r1cs::{Matrix, R1cs, R1csError, SatisfactionError, Term};

/// A linear combination as snarkjs's JSON holds it: wire -> coefficient, in decimal.
fn decimal_row(row: &[(Fr, usize)]) -> BTreeMap<String, String> {
    row.iter()
        .map(|(coeff, wire)| (wire.to_string(), coeff.into_bigint().to_string()))
        .collect()
}

/// Checks a circuit with `public` public inputs against snarkjs and arkworks.
fn check_against_snarkjs(public: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ours = export_cubic(d, "c.r1cs", public);
    let (matrices, _) = prover_synthesis(cubic(public));
    let wires = matrices.num_instance_variables + matrices.num_witness_variables;
    assert_eq!(matrices.num_instance_variables, public + 1);

    // Our R1CS is arkworks' matrices, wire i = arkworks' column i.
    assert_eq!(ours.n_wires as usize, wires);
    assert_eq!(ours.n_pub_in as usize, public);
    assert_eq!(ours.constraints.len(), matrices.num_constraints);
    for (i, c) in ours.constraints.iter().enumerate() {
        for ((matrix, terms), row) in
            c.matrices()
                .into_iter()
                .zip([&matrices.a[i], &matrices.b[i], &matrices.c[i]])
        {
            let as_arkworks: Vec<(Fr, usize)> =
                terms.iter().map(|t| (t.coeff, t.wire as usize)).collect();
            assert_eq!(&as_arkworks, row, "constraint {i}, {matrix}");
        }
    }

    let info = snarkjs_r1cs_info(d, "c.r1cs");
    let expect = [
        ("Wires", wires as u64),
        ("Constraints", matrices.num_constraints as u64),
        ("Private Inputs", 0),
        ("Public Inputs", public as u64),
        ("Labels", wires as u64),
        ("Outputs", 0),
    ];
    for (name, count) in expect {
        assert_eq!(
            info.get(name),
            Some(&count),
            "snarkjs r1cs info: {name} ({info:?})"
        );
    }

    let json = snarkjs_r1cs_json(d, "c.r1cs");
    assert_eq!(json["n8"], 32);
    assert_eq!(json["prime"], Fr::MODULUS.to_string());
    assert_eq!(json["nVars"], wires);
    assert_eq!(json["nPubInputs"], public);
    assert_eq!(json["nConstraints"], matrices.num_constraints);
    let constraints = json["constraints"].as_array().expect("constraints array");
    assert_eq!(constraints.len(), matrices.num_constraints);
    for (i, c) in constraints.iter().enumerate() {
        for (m, row) in [&matrices.a[i], &matrices.b[i], &matrices.c[i]]
            .into_iter()
            .enumerate()
        {
            let theirs: BTreeMap<String, String> =
                serde_json::from_value(c[m].clone()).expect("a linear combination");
            assert_eq!(theirs, decimal_row(row), "constraint {i}, matrix {m}");
        }
    }
    let map: Vec<u64> = serde_json::from_value(json["map"].clone()).expect("map");
    assert_eq!(map, (0..wires as u64).collect::<Vec<_>>());

    // The coefficients the circuit is meant to exercise made it through.
    let all: Vec<String> = constraints
        .iter()
        .flat_map(|c| c.as_array().expect("A, B, C").clone())
        .flat_map(|lc| {
            lc.as_object()
                .expect("terms")
                .values()
                .map(|v| v.as_str().expect("decimal").to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for (what, value) in [
        ("-1", -Fr::one()),
        ("2^200", Fr::from(2u64).pow([200])),
        ("a large element", big()),
        ("2 (x + x)", Fr::from(2u64)),
    ] {
        let decimal = value.into_bigint().to_string();
        assert!(
            all.contains(&decimal),
            "coefficient {what} ({decimal}) expected in the file"
        );
    }
}

#[test]
fn snarkjs_reads_our_constraints_one_public_input() {
    check_against_snarkjs(1);
}

#[test]
fn snarkjs_reads_our_constraints_no_public_input() {
    check_against_snarkjs(0);
}

#[test]
fn snarkjs_reads_our_constraints_several_public_inputs() {
    check_against_snarkjs(4);
}

#[test]
fn round_trip_and_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let written = export_cubic(d, "a.r1cs", 2);
    let read = R1cs::read(&d.join("a.r1cs")).expect("read back");
    assert_eq!(read, written);
    export_cubic(d, "b.r1cs", 2);
    let a = std::fs::read(d.join("a.r1cs")).expect("read a");
    let b = std::fs::read(d.join("b.r1cs")).expect("read b");
    assert!(
        a == b,
        "re-export expected byte-identical ({} vs {} bytes)",
        a.len(),
        b.len()
    );
    // And the reader's R1CS writes back the same bytes.
    read.write(&d.join("c.r1cs")).expect("write the read R1CS");
    assert!(std::fs::read(d.join("c.r1cs")).expect("read c") == a);
}

#[test]
fn arkworks_assignment_satisfies_the_exported_constraints() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for public in [0, 1, 3] {
        export_cubic(d, "c.r1cs", public);
        let r1cs = R1cs::read(&d.join("c.r1cs")).expect("read");
        let (matrices, z) = prover_synthesis(cubic(public));
        r1cs.is_satisfied(&z)
            .unwrap_or_else(|e| panic!("{public} public inputs: {e}"));

        let mut tampered = z.clone();
        tampered[matrices.num_instance_variables + CUBE_WITNESS] += Fr::one();
        let err = r1cs
            .is_satisfied(&tampered)
            .expect_err("tampered assignment");
        assert!(
            matches!(
                err,
                SatisfactionError::Unsatisfied {
                    constraint: CUBE_CONSTRAINT,
                    ..
                }
            ),
            "expected constraint {CUBE_CONSTRAINT} to fail, got: {err}"
        );
        assert_mentions(
            &err.to_string(),
            &[&format!("constraint {CUBE_CONSTRAINT} is not satisfied")],
        );

        let mut no_one = z.clone();
        no_one[0] = Fr::from(2u64);
        assert!(matches!(
            r1cs.is_satisfied(&no_one),
            Err(SatisfactionError::One { .. })
        ));
        assert!(matches!(
            r1cs.is_satisfied(&z[1..]),
            Err(SatisfactionError::Length { .. })
        ));
    }
}

/// The smallest ptau power we print is the one snarkjs's `groth16 setup`
/// accepts: it sets the circuit up with it, and refuses one power less.
#[test]
fn snarkjs_sets_up_with_the_smallest_ptau_power() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let r1cs = export_cubic(d, "c.r1cs", 1);
    let power = r1cs.min_ptau_power();
    for p in [power - 1, power] {
        let (raw, prepared) = (format!("pot{p}.ptau"), format!("pot{p}_final.ptau"));
        zkr_ok(
            d,
            &[
                "ptau",
                "new",
                "--power",
                &p.to_string(),
                &raw,
                "--no-transcript",
            ],
        );
        zkr_ok(d, &["ptau", "prepare", &raw, &prepared, "--no-transcript"]);
    }
    let fits = snarkjs(
        d,
        &[
            "groth16",
            "setup",
            "c.r1cs",
            &format!("pot{power}_final.ptau"),
            "c.zkey",
        ],
    );
    assert!(
        fits.status.success() && d.join("c.zkey").exists(),
        "snarkjs groth16 setup expected to accept power {power}:\n{}{}",
        String::from_utf8_lossy(&fits.stdout),
        String::from_utf8_lossy(&fits.stderr)
    );
    let small = snarkjs(
        d,
        &[
            "groth16",
            "setup",
            "c.r1cs",
            &format!("pot{}_final.ptau", power - 1),
            "small.zkey",
        ],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&small.stdout),
        String::from_utf8_lossy(&small.stderr)
    );
    assert_mentions(&text, &["circuit too big for this power of tau ceremony"]);
}

/// Byte offsets in a file we wrote (sections in order 1, 2, 3).
mod offset {
    /// Section count in the container header.
    pub const SECTION_COUNT: usize = 8;
    /// The prime in the header section (after its section header and n8).
    pub const PRIME: usize = 12 + 12 + 4;
    /// Constraint 0's A term count (after the header section's 64 bytes and section 2's header).
    pub const FIRST_LC: usize = 12 + 12 + 64 + 12;
    /// Its first term's wire.
    pub const FIRST_WIRE: usize = FIRST_LC + 4;
    /// Its first term's coefficient.
    pub const FIRST_COEFF: usize = FIRST_WIRE + 4;
}

/// Reads a `patch`ed copy of a valid export; returns the error.
fn corrupt(patch: impl FnOnce(&mut Vec<u8>)) -> R1csError {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    export_cubic(d, "good.r1cs", 1);
    patch_bytes(&d.join("good.r1cs"), &d.join("bad.r1cs"), patch);
    R1cs::read(&d.join("bad.r1cs")).expect_err("corrupt file expected refused")
}

#[test]
fn corrupt_files_are_refused_by_name() {
    let err = corrupt(|b| b[3] = b'x');
    assert!(
        matches!(err, R1csError::Magic { got } if &got == b"r1cx"),
        "{err}"
    );

    let err = corrupt(|b| b[4] = 2);
    assert!(matches!(err, R1csError::Version { got: 2 }), "{err}");

    let err = corrupt(|b| b[offset::PRIME] ^= 1);
    assert!(matches!(err, R1csError::Prime { .. }), "{err}");
    assert_mentions(&err.to_string(), &["prime expected BN254's scalar field r"]);

    let err = corrupt(|b| b.truncate(b.len() - 5));
    assert!(matches!(err, R1csError::Truncated { .. }), "{err}");
    assert_mentions(
        &err.to_string(),
        &["file truncated", "wire-to-label map (section 3)"],
    );

    let err = corrupt(|b| b.truncate(10));
    assert!(matches!(err, R1csError::Truncated { .. }), "{err}");

    // A term count the section cannot hold.
    let err = corrupt(|b| {
        b[offset::FIRST_LC..offset::FIRST_LC + 4].copy_from_slice(&1_000_000u32.to_le_bytes())
    });
    assert!(matches!(err, R1csError::SectionEnds { .. }), "{err}");
    assert_mentions(
        &err.to_string(),
        &["constraints (section 2)", "constraint 0, A (1000000 terms)"],
    );

    let n_wires = from_circuit(Cubic { x: None, public: 1 })
        .expect("export")
        .n_wires;
    let err = corrupt(|b| {
        b[offset::FIRST_WIRE..offset::FIRST_WIRE + 4].copy_from_slice(&n_wires.to_le_bytes())
    });
    assert!(
        matches!(err, R1csError::WireOutOfRange { constraint: 0, matrix: Matrix::A, term: 0, wire, .. } if wire == n_wires),
        "{err}"
    );

    for (what, value) in [
        ("r", Fr::MODULUS.to_bytes_le()),
        ("2^256 - 1", vec![0xff; 32]),
    ] {
        let err =
            corrupt(|b| b[offset::FIRST_COEFF..offset::FIRST_COEFF + 32].copy_from_slice(&value));
        assert!(
            matches!(
                err,
                R1csError::NotReduced {
                    constraint: 0,
                    matrix: Matrix::A,
                    term: 0,
                    ..
                }
            ),
            "coefficient {what}: {err}"
        );
    }

    // Only two of the three sections in the table.
    let err = corrupt(|b| b[offset::SECTION_COUNT] = 2);
    assert!(matches!(err, R1csError::Missing { .. }), "{err}");
    assert_mentions(
        &err.to_string(),
        &["wire-to-label map (section 3) is missing"],
    );
}

#[test]
fn writer_refuses_an_invalid_r1cs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bad.r1cs");
    let good = from_circuit(Cubic { x: None, public: 1 }).expect("export");

    let mut twice = good.clone();
    let first = twice.constraints[0].a[0];
    twice.constraints[0].a.push(first);
    let err = twice
        .write(&out)
        .expect_err("a wire twice in one linear combination");
    assert!(
        matches!(err, R1csError::DuplicateWire { constraint: 0, matrix: Matrix::A, wire } if wire == first.wire),
        "{err}"
    );

    let mut past = good.clone();
    past.constraints[2].c.push(Term {
        wire: good.n_wires,
        coeff: Fr::one(),
    });
    let err = past.write(&out).expect_err("a wire past nWires");
    assert!(
        matches!(
            err,
            R1csError::WireOutOfRange {
                constraint: 2,
                matrix: Matrix::C,
                ..
            }
        ),
        "{err}"
    );

    let mut labels = good.clone();
    labels.wire_labels.pop();
    let err = labels.write(&out).expect_err("a wire without a label");
    assert!(matches!(err, R1csError::Header { .. }), "{err}");
}

#[test]
fn cli_info_prints_the_figures_and_refuses_a_corrupt_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let r1cs = export_cubic(d, "c.r1cs", 1);
    let out = zkr_ok(d, &["r1cs", "info", "c.r1cs"]);
    assert_mentions(
        &out,
        &[
            &format!("Wires:            {}", r1cs.n_wires),
            &format!("Constraints:      {}", r1cs.constraints.len()),
            "Public inputs:    1",
            &format!("Smallest ptau:    power {}", r1cs.min_ptau_power()),
        ],
    );
    patch_bytes(&d.join("c.r1cs"), &d.join("bad.r1cs"), |b| {
        b[offset::PRIME] ^= 1
    });
    let err = zkr_err(d, &["r1cs", "info", "bad.r1cs"]);
    assert_mentions(&err, &["prime expected BN254's scalar field r"]);
}

#[test]
fn cli_export_refuses_a_capacity_below_a_deposit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = zkr_err(dir.path(), &["r1cs", "export", "--capacity", "2", "w.r1cs"]);
    assert_mentions(&err, &["capacity 2 is too small"]);
}
