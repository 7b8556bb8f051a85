//! A tampered `.ptau` file fails `verify`, and the message names the section
//! or contribution at fault: an altered point in every section, a wrong
//! hash in the chain, a removed contribution.

use std::path::Path;

use crate::common::*;
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use zkr_ceremony::ptau::encoding::{PtauGroup, G1_SIZE, G2_SIZE};
use zkr_ceremony::ptau::format::{Contribution, Section};

/// A three-contribution ceremony at power 4: alice, bob, carol (`p3.ptau`).
fn ceremony(d: &Path) {
    ptau_chain(
        d,
        4,
        false,
        &[By::Zkr("alice"), By::Zkr("bob"), By::Zkr("carol")],
    );
}

/// Replaces point `index` of a section's raw bytes by itself plus the generator.
fn shift_point(section: Section, raw: &mut [u8], index: usize) {
    if section.point_size() as usize == G1_SIZE {
        let bytes = &mut raw[index * G1_SIZE..(index + 1) * G1_SIZE];
        let p = G1Affine::read_lem(bytes).expect("valid point");
        (p + G1Affine::generator()).into_affine().write_lem(bytes);
    } else {
        let bytes = &mut raw[index * G2_SIZE..(index + 1) * G2_SIZE];
        let p = G2Affine::read_lem(bytes).expect("valid point");
        (p + G2Affine::generator()).into_affine().write_lem(bytes);
    }
}

#[test]
fn altered_point_in_any_section_fails_naming_section_and_contribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    for section in Section::POINTS {
        let n = section.points(4) as usize;
        for index in [0, 1, n / 2, n - 1] {
            if index >= n {
                continue;
            }
            let bad = d.join(format!("bad-{}-{index}.ptau", section.id()));
            rewrite(
                &d.join("p3.ptau"),
                &bad,
                |_| {},
                |s, raw| {
                    if s == section {
                        shift_point(s, raw, index)
                    }
                },
            );
            let err = verify_error(&bad);
            assert_mentions(&err, &[&section.to_string(), "contribution #3 \"carol\""]);
        }
    }
}

#[test]
fn corrupted_point_bytes_fail_naming_section_point_and_contribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    for section in Section::POINTS {
        let index = section.points(4) as usize - 1;
        let bad = d.join(format!("bad-{}.ptau", section.id()));
        rewrite(
            &d.join("p3.ptau"),
            &bad,
            |_| {},
            |s, raw| {
                if s == section {
                    // A low byte of y: the point leaves the curve.
                    raw[index * section.point_size() as usize + 40] ^= 1;
                }
            },
        );
        let err = verify_error(&bad);
        assert_mentions(
            &err,
            &[
                &section.to_string(),
                &format!("point {index}"),
                "contribution #3 \"carol\"",
            ],
        );
    }
}

/// A change to one contribution record.
type Edit = fn(&mut Contribution, G1Affine);

#[test]
fn altered_points_of_a_contribution_record_fail_naming_the_contribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let g1 = G1Affine::generator();
    let cases: [(&str, usize, Edit, &str); 4] = [
        (
            "tauG1",
            0,
            |c, g| c.tau_g1 = (c.tau_g1 + g).into_affine(),
            "tau*G1 does not follow",
        ),
        (
            "alphaG1",
            0,
            |c, g| c.alpha_g1 = (c.alpha_g1 + g).into_affine(),
            "alpha*G1 does not follow",
        ),
        (
            "betaG1",
            1,
            |c, g| c.beta_g1 = (c.beta_g1 + g).into_affine(),
            "beta*G1 does not follow",
        ),
        (
            "key alpha",
            1,
            |c, g| c.key.alpha.g1_sx = (c.key.alpha.g1_sx + g).into_affine(),
            "alpha key: proof of knowledge",
        ),
    ];
    for (what, i, edit, expected) in cases {
        let bad = d.join(format!("bad-{}.ptau", what.replace(' ', "-")));
        rewrite(
            &d.join("p3.ptau"),
            &bad,
            |cs| edit(&mut cs[i], g1),
            |_, _| {},
        );
        let err = verify_error(&bad);
        let label = ["contribution #1 \"alice\"", "contribution #2 \"bob\""][i];
        assert_mentions(&err, &[label, expected]);
    }
}

#[test]
fn wrong_next_challenge_hash_fails_naming_the_contribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    // The last contribution's hash must be that of the points in the file.
    let bad = d.join("bad-last.ptau");
    rewrite(
        &d.join("p3.ptau"),
        &bad,
        |cs| cs[2].next_challenge[0] ^= 1,
        |_, _| {},
    );
    assert_mentions(
        &verify_error(&bad),
        &["contribution #3 \"carol\"", "next challenge hash expected"],
    );
    // An earlier one is what the next key's proofs of knowledge are bound to.
    let bad = d.join("bad-first.ptau");
    rewrite(
        &d.join("p3.ptau"),
        &bad,
        |cs| cs[0].next_challenge[0] ^= 1,
        |_, _| {},
    );
    assert_mentions(
        &verify_error(&bad),
        &[
            "contribution #2 \"bob\"",
            "proof of knowledge does not verify against the previous challenge hash",
        ],
    );
}

#[test]
fn altered_response_state_of_the_last_contribution_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let bad = d.join("bad.ptau");
    rewrite(
        &d.join("p3.ptau"),
        &bad,
        |cs| cs[2].partial_hash[0] ^= 1,
        |_, _| {},
    );
    assert_mentions(
        &verify_error(&bad),
        &["contribution #3 \"carol\"", "next challenge hash expected"],
    );
}

#[test]
fn removed_contribution_fails_naming_the_broken_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    // Without bob, carol's key was made for another challenge.
    let bad = d.join("skip-bob.ptau");
    rewrite(
        &d.join("p3.ptau"),
        &bad,
        |cs| {
            cs.remove(1);
        },
        |_, _| {},
    );
    assert_mentions(
        &verify_error(&bad),
        &[
            "contribution #2 \"carol\"",
            "proof of knowledge does not verify against the previous challenge hash",
        ],
    );
    // Without carol, the points in the file are not bob's.
    let bad = d.join("skip-carol.ptau");
    rewrite(
        &d.join("p3.ptau"),
        &bad,
        |cs| {
            cs.pop();
        },
        |_, _| {},
    );
    assert_mentions(
        &verify_error(&bad),
        &["tauG1 (section 2)", "contribution #2 \"bob\""],
    );
}

#[test]
fn fresh_accumulator_does_not_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    zkr_ok(d, &["ptau", "new", "--power", "4", "p0.ptau"]);
    let err = zkr_err(d, &["ptau", "verify", "p0.ptau"]);
    assert_mentions(&err, &["no contributions"]);
}

#[test]
fn truncated_or_foreign_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let bytes = std::fs::read(d.join("p3.ptau")).expect("read");
    std::fs::write(d.join("cut.ptau"), &bytes[..bytes.len() - 100]).expect("write");
    assert_mentions(&verify_error(&d.join("cut.ptau")), &["truncated"]);
    let mut other = bytes.clone();
    other[..4].copy_from_slice(b"zkey");
    std::fs::write(d.join("magic.ptau"), &other).expect("write");
    assert_mentions(
        &verify_error(&d.join("magic.ptau")),
        &["magic expected \"ptau\""],
    );
    let mut prime = bytes;
    prime[28] ^= 1; // The prime's low byte: after magic, version, count (12), section id and size (12), n8 (4).
    std::fs::write(d.join("prime.ptau"), &prime).expect("write");
    assert_mentions(
        &verify_error(&d.join("prime.ptau")),
        &["header (section 1)", "prime expected"],
    );
}

#[test]
fn altered_lagrange_point_fails_naming_section_and_power() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    zkr_ok(d, &["ptau", "prepare", "p3.ptau", "prep.ptau"]);
    zkr_ok(d, &["ptau", "verify", "prep.ptau"]);
    let good = std::fs::read(d.join("prep.ptau")).expect("read prepared file");
    let file = zkr_ceremony::ptau::format::PtauFile::open(&d.join("prep.ptau"))
        .expect("open prepared file");
    for section in [
        Section::LagrangeTauG1,
        Section::LagrangeTauG2,
        Section::LagrangeAlphaTauG1,
        Section::LagrangeBetaTauG1,
    ] {
        // Point 2 of power 3: index 2^3 - 1 + 2 of the section.
        let range = file.section_range(section).expect("prepared section");
        let mut bytes = good.clone();
        shift_point(
            section,
            &mut bytes[range.start as usize..range.end as usize],
            7 + 2,
        );
        let bad = d.join(format!("bad-lagrange-{}.ptau", section.id()));
        std::fs::write(&bad, &bytes).expect("write tampered file");
        let err = verify_error(&bad);
        assert_mentions(&err, &[&section.to_string(), "power 3"]);
    }
}

#[test]
fn prepare_onto_its_own_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let before = std::fs::read(d.join("p3.ptau")).expect("read input");
    let err = zkr_err(d, &["ptau", "prepare", "p3.ptau", "./p3.ptau"]);
    assert_mentions(&err, &["output must be another file than the input"]);
    let after = std::fs::read(d.join("p3.ptau")).expect("read input again");
    assert!(
        before == after,
        "the input expected unchanged after the refusal"
    );
    zkr_ok(d, &["ptau", "verify", "p3.ptau"]);
}
