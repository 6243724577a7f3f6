use pyo3::prelude::*;

/// Count doubles, in Rust: `import string_doubles` in Python.
#[pymodule]
mod string_doubles {
    use pyo3::prelude::*;

    // ANCHOR: count_doubles
    /// Count the places where a character is followed by the same character.
    #[pyfunction]
    fn count_doubles(val: &str) -> u64 {
        let mut total = 0u64;
        for (c1, c2) in val.chars().zip(val.chars().skip(1)) {
            if c1 == c2 {
                total += 1;
            }
        }
        total
    }
    // ANCHOR_END: count_doubles
}
