//! Runs before the crate is compiled: it asks PyO3 which Python this build is for, so
//! that `#[cfg(PyPy)]` or `#[cfg(Py_LIMITED_API)]` in src/lib.rs mean what they say.
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
