//! The backends' integration tests, one binary (compiled and linked once).

mod backend_choice;
mod msm;
mod ntt;
