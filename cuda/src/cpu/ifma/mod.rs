//! BN254 arithmetic on eight lanes at once with AVX-512 IFMA (52-bit
//! multiply-add), for CPUs that have it (checked at run time with
//! [`available`]): the field ([`fq8`]) and Jacobian G1 points ([`jac8`]).

pub mod fq2x8;
pub mod fq8;
pub mod jac8;

/// Whether this CPU runs the eight-lane arithmetic (AVX-512F and IFMA).
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512ifma")
}
