//! Every command appends to the ceremony's transcript, and `verify` checks
//! the file's contributions against it.

use crate::common::*;

/// alice, bob and a beacon (`p3.ptau`), each with its transcript.
fn ceremony(d: &std::path::Path) {
    ptau_chain(
        d,
        4,
        false,
        &[By::Zkr("alice"), By::Zkr("bob"), By::ZkrBeacon("beacon")],
    );
}

fn transcript(d: &std::path::Path) -> String {
    std::fs::read_to_string(d.join("p3.ptau.transcript")).expect("transcript written")
}

#[test]
fn transcript_records_every_command_and_verify_checks_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let out = zkr_ok(d, &["ptau", "verify", "p3.ptau"]);
    assert_mentions(&out, &["agrees with the file"]);
    let text = transcript(d);
    let actions: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(' ').nth(1))
        .collect();
    assert_eq!(
        actions,
        ["new", "contribute", "contribute", "beacon", "verify"],
        "transcript actions"
    );
    assert_mentions(
        &text,
        &[
            "name=\"alice\"",
            "name=\"bob\"",
            "beacon=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 iterations-exp=10",
        ],
    );
    // The contribution hash printed for the participant is the one recorded.
    let out = zkr_ok(d, &["ptau", "verify", "p3.ptau", "--no-transcript"]);
    let line = text
        .lines()
        .find(|l| l.contains(" contribute number=2 "))
        .expect("bob's line");
    let hash = line
        .split("contribution-hash=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("hash field");
    let printed: String = out
        .split("Contribution #2: bob")
        .nth(1)
        .and_then(|s| s.split("Next Challenge").next())
        .expect("bob's block")
        .split_whitespace()
        .filter(|w| w.len() == 8)
        .collect();
    assert_eq!(printed, hash, "printed contribution hash vs transcript");
}

#[test]
fn wrong_contribution_hash_in_transcript_fails_naming_the_contribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let text = transcript(d);
    // Flip the first hex digit of bob's contribution hash.
    let tampered: String = text
        .lines()
        .map(|l| {
            let mut l = l.to_string();
            if l.contains(" number=2 ") {
                let at =
                    l.find("contribution-hash=").expect("hash field") + "contribution-hash=".len();
                let flipped = if &l[at..at + 1] == "0" { "1" } else { "0" };
                l.replace_range(at..at + 1, flipped);
            }
            l
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(d.join("p3.ptau.transcript"), tampered + "\n").expect("write transcript");
    let err = zkr_err(d, &["ptau", "verify", "p3.ptau"]);
    assert_mentions(&err, &["contribution #2 \"bob\"", "contribution-hash="]);
}

#[test]
fn contribution_missing_from_transcript_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let text: Vec<String> = transcript(d)
        .lines()
        .filter(|l| !l.contains(" number=1 "))
        .map(String::from)
        .collect();
    std::fs::write(d.join("p3.ptau.transcript"), text.join("\n") + "\n").expect("write transcript");
    let err = zkr_err(d, &["ptau", "verify", "p3.ptau"]);
    assert_mentions(
        &err,
        &["contribution #1 \"alice\" is not in the transcript"],
    );
}

#[test]
fn transcript_of_a_longer_chain_fails_on_a_shorter_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ceremony(d);
    let err = zkr_err(
        d,
        &[
            "ptau",
            "verify",
            "p2.ptau",
            "--transcript",
            "p3.ptau.transcript",
        ],
    );
    assert_mentions(
        &err,
        &["transcript records contribution #3", "the file has 2"],
    );
}
