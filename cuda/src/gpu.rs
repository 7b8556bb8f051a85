//! The CUDA backend: kernels in a shared library loaded at run time.
//!
//! The library is built from `cuda/` with CMake and nvcc on a GPU host, and
//! found through `ZKR_CUDA_LIBRARY` (a path), else as `libzkr_cuda_kernels.so`
//! beside the running executable, else by the system's library search. Its C
//! ABI (version [`ABI_VERSION`]):
//!
//! ```c
//! uint32_t zkr_cuda_abi_version(void);
//! int32_t  zkr_cuda_device_count(void);          /* < 0: the driver failed */
//! const char *zkr_cuda_last_error(void);         /* message of the last failure */
//! /* points: affine (x, y), Montgomery form (R = 2^256), 64-bit limbs little-endian,
//!    all-zero for infinity (G1: 8 limbs, G2: 16: x.c0, x.c1, y.c0, y.c1);
//!    scalars: canonical integers, 4 limbs; out: Jacobian (X, Y, Z), Montgomery. */
//! int32_t  zkr_cuda_msm_g1(const uint64_t *points, const uint64_t *scalars, size_t n, uint64_t out[12]);
//! int32_t  zkr_cuda_msm_g2(const uint64_t *points, const uint64_t *scalars, size_t n, uint64_t out[24]);
//! /* values: Fr in Montgomery form, in place; coset: an Fr offset or NULL. */
//! int32_t  zkr_cuda_ntt(uint64_t *values, uint32_t log_n, uint32_t inverse, const uint64_t *coset);
//! ```
//!
//! Every call returns 0 on success.

use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ff::{BigInt, PrimeField, Zero};
use libloading::Library;

use crate::backend::{check_lengths, check_ntt_size, Backend, MsmBackend, NttBackend};
use crate::error::BackendError;

/// The ABI version this crate speaks.
pub const ABI_VERSION: u32 = 1;
/// Environment variable naming the kernel library's path.
pub const LIBRARY_ENV: &str = "ZKR_CUDA_LIBRARY";
/// The library's file name.
pub const LIBRARY_NAME: &str = "libzkr_cuda_kernels.so";

type AbiVersion = unsafe extern "C" fn() -> u32;
type DeviceCount = unsafe extern "C" fn() -> i32;
type LastError = unsafe extern "C" fn() -> *const c_char;
type Msm = unsafe extern "C" fn(*const u64, *const u64, usize, *mut u64) -> i32;
type Ntt = unsafe extern "C" fn(*mut u64, u32, u32, *const u64) -> i32;

/// Why the CUDA backend is not available.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No candidate path held a loadable library.
    #[error("no CUDA kernel library: tried {tried}")]
    NotFound {
        /// The paths tried and why each failed.
        tried: String,
    },
    /// The library lacks a symbol of the ABI.
    #[error("CUDA kernel library {path}: missing symbol {symbol}")]
    MissingSymbol {
        /// The library.
        path: String,
        /// The symbol.
        symbol: &'static str,
    },
    /// The library speaks another ABI version.
    #[error("CUDA kernel library {path}: ABI version {got}, this zkr speaks {ABI_VERSION}")]
    AbiVersion {
        /// The library.
        path: String,
        /// Its version.
        got: u32,
    },
    /// The library loaded but no device answered.
    #[error("CUDA kernel library {path} loaded, but no CUDA device answered ({reason})")]
    NoDevice {
        /// The library.
        path: String,
        /// The driver's answer.
        reason: String,
    },
}

/// The kernel library, loaded, with a device present.
pub struct CudaBackend {
    path: String,
    devices: u32,
    last_error: LastError,
    msm_g1: Msm,
    msm_g2: Msm,
    ntt: Ntt,
    // Keeps the functions above valid.
    _library: Library,
}

impl std::fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaBackend")
            .field("path", &self.path)
            .field("devices", &self.devices)
            .finish()
    }
}

/// Where the library is looked for, in order.
pub fn candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os(LIBRARY_ENV) {
        return vec![PathBuf::from(path)];
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(LIBRARY_NAME));
    }
    out.push(PathBuf::from(LIBRARY_NAME));
    out
}

impl CudaBackend {
    /// Loads the kernel library from the first candidate that loads, and checks a device answers.
    pub fn load() -> Result<Self, LoadError> {
        let mut tried = Vec::new();
        for path in candidates() {
            // SAFETY: loading runs the library's initialisers; the library is
            // zkr's own kernel build, named by the operator or installed beside zkr.
            match unsafe { Library::new(&path) } {
                Ok(library) => return Self::from_library(library, &path.display().to_string()),
                Err(e) => tried.push(format!("{} ({e})", path.display())),
            }
        }
        Err(LoadError::NotFound {
            tried: tried.join("; "),
        })
    }

    fn from_library(library: Library, path: &str) -> Result<Self, LoadError> {
        fn symbol<T: Copy>(
            library: &Library,
            path: &str,
            name: &'static str,
        ) -> Result<T, LoadError> {
            // SAFETY: the ABI above fixes each symbol's type.
            unsafe { library.get::<T>(name.as_bytes()) }
                .map(|s| *s)
                .map_err(|_| LoadError::MissingSymbol {
                    path: path.to_string(),
                    symbol: name,
                })
        }
        let version: AbiVersion = symbol(&library, path, "zkr_cuda_abi_version")?;
        // SAFETY: ABI function without arguments.
        let got = unsafe { version() };
        if got != ABI_VERSION {
            return Err(LoadError::AbiVersion {
                path: path.to_string(),
                got,
            });
        }
        let device_count: DeviceCount = symbol(&library, path, "zkr_cuda_device_count")?;
        let last_error: LastError = symbol(&library, path, "zkr_cuda_last_error")?;
        let msm_g1 = symbol(&library, path, "zkr_cuda_msm_g1")?;
        let msm_g2 = symbol(&library, path, "zkr_cuda_msm_g2")?;
        let ntt = symbol(&library, path, "zkr_cuda_ntt")?;
        // SAFETY: ABI function without arguments.
        let count = unsafe { device_count() };
        if count <= 0 {
            let reason = if count == 0 {
                "0 devices".to_string()
            } else {
                // SAFETY: the ABI returns a NUL-terminated string or null.
                unsafe { message(last_error) }
            };
            return Err(LoadError::NoDevice {
                path: path.to_string(),
                reason,
            });
        }
        Ok(CudaBackend {
            path: path.to_string(),
            devices: count as u32,
            last_error,
            msm_g1,
            msm_g2,
            ntt,
            _library: library,
        })
    }

    /// The library's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Number of devices the driver reported.
    pub fn devices(&self) -> u32 {
        self.devices
    }

    fn check(&self, status: i32) -> Result<(), BackendError> {
        if status == 0 {
            return Ok(());
        }
        // SAFETY: the ABI returns a NUL-terminated string or null.
        let reason = unsafe { message(self.last_error) };
        Err(BackendError::Device {
            backend: "cuda",
            reason: format!("status {status}: {reason}"),
        })
    }
}

/// The library's last error message.
unsafe fn message(last_error: LastError) -> String {
    let ptr = last_error();
    if ptr.is_null() {
        "no message".to_string()
    } else {
        CStr::from_ptr(ptr).to_string_lossy().into_owned()
    }
}

fn limbs<const N: usize>(x: &BigInt<N>, out: &mut Vec<u64>) {
    out.extend_from_slice(&x.0);
}

fn scalar_limbs(scalars: &[Fr]) -> Vec<u64> {
    let mut out = Vec::with_capacity(4 * scalars.len());
    for s in scalars {
        limbs(&s.into_bigint(), &mut out);
    }
    out
}

fn fq(limbs: &[u64]) -> Fq {
    let mut x = [0u64; 4];
    x.copy_from_slice(limbs);
    // Montgomery form, as the ABI passes it.
    ark_ff::Fp::new_unchecked(BigInt(x))
}

fn fq2(limbs: &[u64]) -> Fq2 {
    Fq2::new(fq(&limbs[..4]), fq(&limbs[4..8]))
}

impl MsmBackend for CudaBackend {
    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, BackendError> {
        check_lengths("G1", bases.len(), scalars.len())?;
        let mut points = Vec::with_capacity(8 * bases.len());
        for p in bases {
            if p.infinity {
                points.extend_from_slice(&[0; 8]);
            } else {
                limbs(&p.x.0, &mut points);
                limbs(&p.y.0, &mut points);
            }
        }
        let scalars = scalar_limbs(scalars);
        let mut out = [0u64; 12];
        // SAFETY: buffers sized as the ABI states for `bases.len()` points.
        let status = unsafe {
            (self.msm_g1)(
                points.as_ptr(),
                scalars.as_ptr(),
                bases.len(),
                out.as_mut_ptr(),
            )
        };
        self.check(status)?;
        let (x, y, z) = (fq(&out[0..4]), fq(&out[4..8]), fq(&out[8..12]));
        Ok(if z.is_zero() {
            G1Projective::zero()
        } else {
            G1Projective::new_unchecked(x, y, z)
        })
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective, BackendError> {
        check_lengths("G2", bases.len(), scalars.len())?;
        let mut points = Vec::with_capacity(16 * bases.len());
        for p in bases {
            if p.infinity {
                points.extend_from_slice(&[0; 16]);
            } else {
                for c in [p.x.c0, p.x.c1, p.y.c0, p.y.c1] {
                    limbs(&c.0, &mut points);
                }
            }
        }
        let scalars = scalar_limbs(scalars);
        let mut out = [0u64; 24];
        // SAFETY: buffers sized as the ABI states for `bases.len()` points.
        let status = unsafe {
            (self.msm_g2)(
                points.as_ptr(),
                scalars.as_ptr(),
                bases.len(),
                out.as_mut_ptr(),
            )
        };
        self.check(status)?;
        let (x, y, z) = (fq2(&out[0..8]), fq2(&out[8..16]), fq2(&out[16..24]));
        Ok(if z.is_zero() {
            G2Projective::zero()
        } else {
            G2Projective::new_unchecked(x, y, z)
        })
    }
}

impl CudaBackend {
    fn transform(
        &self,
        values: &mut [Fr],
        inverse: bool,
        coset: Option<Fr>,
    ) -> Result<(), BackendError> {
        let len = values.len();
        check_ntt_size(len)?;
        if coset.is_some_and(|c| c.is_zero()) {
            return Err(BackendError::ZeroCosetOffset);
        }
        let mut buffer = Vec::with_capacity(4 * len);
        for v in values.iter() {
            limbs(&v.0, &mut buffer);
        }
        let offset = coset.map(|c| c.0 .0);
        let offset_ptr = offset.as_ref().map_or(std::ptr::null(), |o| o.as_ptr());
        // SAFETY: `buffer` holds `len` = 2^log_n values; `offset_ptr` is null or 4 limbs.
        let status = unsafe {
            (self.ntt)(
                buffer.as_mut_ptr(),
                len.trailing_zeros(),
                inverse as u32,
                offset_ptr,
            )
        };
        self.check(status)?;
        for (v, chunk) in values.iter_mut().zip(buffer.chunks_exact(4)) {
            let mut x = [0u64; 4];
            x.copy_from_slice(chunk);
            *v = ark_ff::Fp::new_unchecked(BigInt(x));
        }
        Ok(())
    }
}

impl NttBackend for CudaBackend {
    fn ntt(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        self.transform(values, false, None)
    }

    fn intt(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        self.transform(values, true, None)
    }

    fn coset_ntt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError> {
        self.transform(values, false, Some(offset))
    }

    fn coset_intt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError> {
        self.transform(values, true, Some(offset))
    }
}

impl Backend for CudaBackend {
    fn name(&self) -> &'static str {
        "cuda"
    }
}
