//! Choosing the backend: `cpu`, `cuda` and `auto` against a missing kernel
//! library and against stand-in libraries (built here with the C compiler)
//! that speak the ABI without a GPU.

use std::path::{Path, PathBuf};
use std::process::Command;

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{One, Zero};
use zkr_cuda::gpu::{LoadError, LIBRARY_ENV};
use zkr_cuda::{select, BackendChoice, BackendError};

/// A stand-in kernel library: `devices` devices, ABI `version`; MSMs return
/// `msm_status` (and the point at infinity), NTTs leave the values as they are.
fn stand_in(dir: &Path, name: &str, version: u32, devices: i32, msm_status: i32) -> PathBuf {
    let source = dir.join(format!("{name}.c"));
    let library = dir.join(format!("lib{name}.so"));
    std::fs::write(
        &source,
        format!(
            r#"
#include <stdint.h>
#include <stddef.h>
#include <string.h>
uint32_t zkr_cuda_abi_version(void) {{ return {version}; }}
int32_t zkr_cuda_device_count(void) {{ return {devices}; }}
const char *zkr_cuda_last_error(void) {{ return "stand-in: out of device memory"; }}
int32_t zkr_cuda_msm_g1(const uint64_t *p, const uint64_t *s, size_t n, uint64_t *out) {{
    memset(out, 0, 12 * sizeof(uint64_t)); return {msm_status}; }}
int32_t zkr_cuda_msm_g2(const uint64_t *p, const uint64_t *s, size_t n, uint64_t *out) {{
    memset(out, 0, 24 * sizeof(uint64_t)); return {msm_status}; }}
int32_t zkr_cuda_ntt(uint64_t *v, uint32_t log_n, uint32_t inverse, const uint64_t *coset) {{ return 0; }}
"#
        ),
    )
    .expect("write the stand-in's source");
    let status = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .status()
        .expect("run gcc");
    assert!(
        status.success(),
        "gcc failed to build {}",
        library.display()
    );
    library
}

// One test: the library is named by an environment variable, which threads share.
#[test]
fn cpu_cuda_and_auto_choose_as_documented() {
    let dir = tempfile::tempdir().expect("temp dir");

    let selected = select(BackendChoice::Cpu).expect("cpu is always there");
    assert_eq!(selected.backend.name(), "cpu", "--backend cpu");

    std::env::set_var(LIBRARY_ENV, dir.path().join("missing.so"));
    let selected = select(BackendChoice::Auto).expect("auto falls back");
    assert_eq!(selected.backend.name(), "cpu", "auto without a library");
    assert!(
        selected.reason.contains("no CUDA kernel library")
            && selected.reason.contains("missing.so"),
        "auto says why it fell back, naming the path tried: {}",
        selected.reason
    );
    let err = select(BackendChoice::Cuda).expect_err("cuda without a library");
    assert!(
        matches!(err, LoadError::NotFound { .. }),
        "expected NotFound, got {err}"
    );

    std::env::set_var(LIBRARY_ENV, stand_in(dir.path(), "nodevice", 1, 0, 0));
    let selected = select(BackendChoice::Auto).expect("auto falls back");
    assert_eq!(selected.backend.name(), "cpu", "auto with no device");
    assert!(
        selected.reason.contains("no CUDA device answered"),
        "reason: {}",
        selected.reason
    );
    let err = select(BackendChoice::Cuda).expect_err("cuda with no device");
    assert!(
        matches!(err, LoadError::NoDevice { .. }),
        "expected NoDevice, got {err}"
    );

    std::env::set_var(LIBRARY_ENV, stand_in(dir.path(), "oldabi", 99, 1, 0));
    let err = select(BackendChoice::Cuda).expect_err("cuda with another ABI");
    assert!(
        matches!(err, LoadError::AbiVersion { got: 99, .. }),
        "expected ABI 99, got {err}"
    );

    std::env::set_var(LIBRARY_ENV, stand_in(dir.path(), "failing", 1, 2, 7));
    let selected = select(BackendChoice::Auto).expect("a device answers");
    assert_eq!(
        selected.backend.name(),
        "cuda",
        "auto with a device picks CUDA"
    );
    assert!(
        selected.reason.contains("2 device(s)"),
        "reason: {}",
        selected.reason
    );
    let err = selected
        .backend
        .msm_g1(&[G1Affine::generator()], &[Fr::one()])
        .expect_err("the stand-in's MSM fails");
    assert!(
        matches!(&err, BackendError::Device { reason, .. } if reason.contains("status 7") && reason.contains("out of device memory")),
        "a kernel failure carries the library's status and message, got {err}"
    );
    let err = selected
        .backend
        .ntt(&mut [Fr::zero(); 3])
        .expect_err("3 is not a power of two");
    assert!(
        matches!(err, BackendError::NttSize { len: 3, .. }),
        "got {err}"
    );

    std::env::set_var(LIBRARY_ENV, stand_in(dir.path(), "working", 1, 1, 0));
    let cuda = select(BackendChoice::Cuda).expect("loads").backend;
    let sum = cuda
        .msm_g1(&[G1Affine::generator()], &[Fr::one()])
        .expect("the stand-in's MSM succeeds");
    assert!(
        sum.is_zero(),
        "Z = 0 from the library decodes as the point at infinity"
    );
    std::env::remove_var(LIBRARY_ENV);
}

#[test]
fn backend_names_parse_and_unknown_ones_are_refused() {
    for (text, choice) in [
        ("cpu", BackendChoice::Cpu),
        ("CUDA", BackendChoice::Cuda),
        ("auto", BackendChoice::Auto),
    ] {
        assert_eq!(
            text.parse::<BackendChoice>().expect("a backend name"),
            choice,
            "{text}"
        );
    }
    let err = "tpu".parse::<BackendChoice>().expect_err("not a backend");
    assert!(
        err.to_string().contains("expected cpu, cuda or auto"),
        "got {err}"
    );
}
