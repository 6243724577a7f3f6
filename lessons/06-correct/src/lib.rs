// ANCHOR: module
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Count doubles, in Rust: `import string_doubles` in Python.
#[pymodule]
mod string_doubles {
    use super::{count_str, count_utf8};
    use pyo3::prelude::*;
    use pyo3::types::PyString;

    // ANCHOR: count_doubles
    /// Count the places where a character is followed by the same character.
    ///
    /// Takes any str, lone surrogates included: each character is compared, as the
    /// Python loop does.
    #[pyfunction]
    fn count_doubles(val: &Bound<'_, PyString>) -> PyResult<u64> {
        count_str(val)
    }
    // ANCHOR_END: count_doubles

    // ANCHOR: count_doubles_bytes
    /// Count the places where a byte of the text's UTF-8 is followed by the same byte,
    /// as the tutorial's bytes version did (beyond ASCII, that is not the count of
    /// doubled characters).
    #[pyfunction]
    fn count_doubles_bytes(val: &Bound<'_, PyString>) -> PyResult<u64> {
        count_utf8(val)
    }
    // ANCHOR_END: count_doubles_bytes
}
// ANCHOR_END: module

// ANCHOR: count_items
/// The loop of the lessons before, over a slice of items: `u8`, `u16` or `u32`, or any
/// other type whose values can be compared with `==`.
fn count_items<T: PartialEq>(items: &[T]) -> u64 {
    let mut total = 0;
    for (a, b) in items.iter().zip(items.iter().skip(1)) {
        if a == b {
            total += 1;
        }
    }
    total
}
// ANCHOR_END: count_items

// ANCHOR: count_str
/// Count the doubled characters of a str where CPython keeps them: no copy, no decoding.
///
/// CPython stores a str in the narrowest of three kinds that holds all its characters:
/// one byte per character (Latin-1), two (UCS-2) or four (UCS-4). Each item is one code
/// point, lone surrogates included, so comparing items compares characters.
fn count_str(text: &Bound<'_, PyString>) -> PyResult<u64> {
    use pyo3::types::string::PyStringData;

    // SAFETY: before Python 3.14, `data` finds the storage kind by decoding a C bit field
    // (from 3.14 on, CPython tells it). PyO3's documentation says that works on common
    // little-endian targets such as x86_64, that PyO3's CI tests it on x86_64 only, and
    // that whoever calls it must test it on the targets they ship for: the course's tests
    // compare every storage kind against the Python loop, on each machine that runs them.
    // The slice borrows `text`, which the caller keeps alive for this whole call, and a
    // str's storage never changes once the str is made, on the free-threaded build too.
    let data = unsafe { text.data() }?;
    Ok(match data {
        PyStringData::Ucs1(items) => count_items(items),
        PyStringData::Ucs2(items) => count_items(items),
        PyStringData::Ucs4(items) => count_items(items),
    })
}
// ANCHOR_END: count_str

// ANCHOR: count_utf8
/// Count equal neighbouring bytes of a str's UTF-8 encoding.
fn count_utf8(text: &Bound<'_, PyString>) -> PyResult<u64> {
    // `encode_utf8` makes a temporary bytes object and raises UnicodeEncodeError for a
    // lone surrogate, as str.encode() does. (`text.to_str()` would avoid that copy for
    // ASCII text, but for any other str CPython would keep a UTF-8 copy inside it.)
    let utf8 = text.encode_utf8()?;
    Ok(count_items(utf8.as_bytes()))
}
// ANCHOR_END: count_utf8
