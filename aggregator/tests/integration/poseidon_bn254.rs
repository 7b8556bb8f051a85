//! Poseidon over BN254 against the values its authors published.
//!
//! Source: the reference implementation of Grassi, Khovratovich, Rechberger,
//! Roy, Schofnegger, "Poseidon: A New Hash Function for Zero-Knowledge Proof
//! Systems" (USENIX Security 2021), repository hadeshash,
//! <https://extgit.iaik.tugraz.at/krypto/hadeshash>, directory `code/`:
//! `test_vectors.txt` (permutation of `[0, 1, ..., t-1]`) and the constants in
//! `poseidonperm_x5_254_3.sage`. Read here from the verbatim copy at hadeshash
//! commit 659de89cd207e19b92852458dce92adf83ad7cf7 vendored in
//! <https://github.com/penumbra-zone/poseidon377> (commit
//! 4a2bf58c6804d0b9d1c265432c432222b724873a, `vendor/hadeshash/code/`). The
//! same outputs appear in circomlib's tests
//! (`poseidon([1, 2])`, `poseidon([1, 2, 3, 4])`).
//!
//! Nothing here feeds constants into the implementation: the instances are
//! generated from the Grain LFSR and must land on these values by themselves.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use zkr_aggregator::wrap::poseidon::{permute, PoseidonParams};

fn fr(hex: &str) -> Fr {
    let digits = hex.trim_start_matches("0x");
    let bytes: Vec<u8> = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("test vector is hex"))
        .collect();
    let x = Fr::from_be_bytes_mod_order(&bytes);
    assert_eq!(
        x.into_bigint().to_bytes_be(),
        bytes,
        "test vector {hex} is not a canonical field element"
    );
    x
}

fn hex(x: &Fr) -> String {
    let bytes = x.into_bigint().to_bytes_be();
    format!(
        "0x{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

fn check_permutation(params: &PoseidonParams, expected: &[&str]) {
    let mut state: Vec<Fr> = (0..params.t as u64).map(Fr::from).collect();
    permute(params, &mut state);
    let got: Vec<String> = state.iter().map(hex).collect();
    assert_eq!(
        got, expected,
        "t = {}: permutation of [0..{}]: got (left) vs published (right)",
        params.t, params.t
    );
}

/// hadeshash `code/test_vectors.txt`, `# poseidonperm_x5_254_3`: input
/// `[0, 1, 2]`.
#[test]
fn t3_permutation_matches_published_poseidonperm_x5_254_3() {
    check_permutation(
        PoseidonParams::bn254_t3(),
        &[
            "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a",
            "0x0fca49b798923ab0239de1c9e7a4a9a2210312b6a2f616d18b5a87f9b628ae29",
            "0x0e7ae82e40091e63cbd4f16a6d16310b3729d4b6e138fcf54110e2867045a30c",
        ],
    );
}

/// hadeshash `code/test_vectors.txt`, `# poseidonperm_x5_254_5`: input
/// `[0, 1, 2, 3, 4]`.
#[test]
fn t5_permutation_matches_published_poseidonperm_x5_254_5() {
    check_permutation(
        PoseidonParams::bn254_t5(),
        &[
            "0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465",
            "0x1148aaef609aa338b27dafd89bb98862d8bb2b429aceac47d86206154ffe053d",
            "0x24febb87fed7462e23f6665ff9a0111f4044c38ee1672c1ac6b0637d34f24907",
            "0x0eb08f6d809668a981c186beaf6110060707059576406b248e5d9cf6e78b3d3e",
            "0x07748bc6877c9b82c8b98666ee9d0626ec7f5be4205f79ee8528ef1c4a376fc7",
        ],
    );
}

/// hadeshash `code/poseidonperm_x5_254_3.sage`: the first round's constants,
/// the last constant, and the MDS matrix, as printed by the reference
/// generator.
#[test]
fn t3_generated_constants_match_published_poseidonperm_x5_254_3_sage() {
    let params = PoseidonParams::bn254_t3();
    let first_round = [
        "0x0ee9a592ba9a9518d05986d656f40c2114c4993c11bb29938d21d47304cd8e6e",
        "0x00f1445235f2148c5986587169fc1bcd887b08d4d00868df5696fff40956e864",
        "0x08dff3487e8ac99e1f29a058d0fa80b930c728730b7ab36ce879f3890ecf73f5",
    ];
    let got: Vec<String> = params.round_constants[0].iter().map(hex).collect();
    assert_eq!(got, first_round, "round 0 constants: got vs published");
    let last = params.round_constants[params.rounds() - 1][params.t - 1];
    assert_eq!(
        hex(&last),
        "0x1da55cc900f0d21f4a3e694391918a1b3c23b2ac773c6b3ef88e2e4228325161",
        "last round constant: got vs published"
    );
    let mds = [
        [
            "0x109b7f411ba0e4c9b2b70caf5c36a7b194be7c11ad24378bfedb68592ba8118b",
            "0x16ed41e13bb9c0c66ae119424fddbcbc9314dc9fdbdeea55d6c64543dc4903e0",
            "0x2b90bba00fca0589f617e7dcbfe82e0df706ab640ceb247b791a93b74e36736d",
        ],
        [
            "0x2969f27eed31a480b9c36c764379dbca2cc8fdd1415c3dded62940bcde0bd771",
            "0x2e2419f9ec02ec394c9871c832963dc1b89d743c8c7b964029b2311687b1fe23",
            "0x101071f0032379b697315876690f053d148d4e109f5fb065c8aacc55a0f89bfa",
        ],
        [
            "0x143021ec686a3f330d5f9e654638065ce6cd79e28c5b3753326244ee65a1b1a7",
            "0x176cc029695ad02582a70eff08a6fd99d057e12e58e7d7b6b16cdfabc8ee2911",
            "0x19a3fc0a56702bf417ba7fee3802593fa644470307043f7773279cd71d25d5e0",
        ],
    ];
    for (i, row) in mds.iter().enumerate() {
        let expected: Vec<Fr> = row.iter().map(|h| fr(h)).collect();
        assert_eq!(params.mds[i], expected, "MDS row {i}: got vs published");
    }
}
