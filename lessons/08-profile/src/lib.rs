// ANCHOR: module
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Count doubles, in Rust: `import string_doubles` in Python.
///
/// This crate is only the binding: it turns Python objects into slices and hands them
/// to the `doubles_core` crate (core/), where the counting is, with no Python in it.
#[pymodule]
mod string_doubles {
    use super::{count_buffer, count_str, count_utf8};
    use pyo3::prelude::*;
    use pyo3::types::PyString;

    // ANCHOR: count_doubles
    /// Count the places where a character is followed by the same character.
    ///
    /// Takes a str (any str: each character is compared, as the Python loop does) or a
    /// bytes-like object (bytes, bytearray, memoryview, a numpy array of one-byte items),
    /// whose bytes are compared.
    #[pyfunction]
    fn count_doubles(val: &Bound<'_, PyAny>) -> PyResult<u64> {
        match val.cast::<PyString>() {
            Ok(text) => count_str(text),
            Err(_) => count_buffer(val, "count_doubles"),
        }
    }
    // ANCHOR_END: count_doubles

    // ANCHOR: count_doubles_bytes
    /// Count the places where a byte is followed by the same byte.
    ///
    /// A str is counted over its UTF-8 encoding, as the tutorial's bytes version did
    /// (beyond ASCII, that is not the count of doubled characters).
    #[pyfunction]
    fn count_doubles_bytes(val: &Bound<'_, PyAny>) -> PyResult<u64> {
        match val.cast::<PyString>() {
            Ok(text) => count_utf8(text),
            Err(_) => count_buffer(val, "count_doubles_bytes"),
        }
    }
    // ANCHOR_END: count_doubles_bytes
}
// ANCHOR_END: module

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
        PyStringData::Ucs1(items) => doubles_core::count_doubles(items),
        PyStringData::Ucs2(items) => doubles_core::count_doubles(items),
        PyStringData::Ucs4(items) => doubles_core::count_doubles(items),
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
    Ok(doubles_core::count_doubles(utf8.as_bytes()))
}
// ANCHOR_END: count_utf8

// ANCHOR: count_buffer
/// Count equal neighbouring bytes of a bytes-like object: anything that shares its
/// memory through Python's buffer protocol, one byte per item, in one dimension.
///
/// A `bytes` is counted where it lies: its bytes never change. Any other object's
/// memory can be written while we read it, by another thread (on the free-threaded
/// build, or by code that lets go of the GIL, as numpy does in its loops), so its bytes
/// are copied out first, by CPython under the buffer it lends us, and the copy counted.
fn count_buffer(val: &Bound<'_, PyAny>, function: &str) -> PyResult<u64> {
    use pyo3::buffer::PyUntypedBuffer;
    use pyo3::exceptions::{PyTypeError, PyValueError};
    use pyo3::types::PyBytes;

    if let Ok(bytes) = val.cast::<PyBytes>() {
        return Ok(doubles_core::count_doubles(bytes.as_bytes()));
    }
    let accepts = "a str or a bytes-like object (bytes, bytearray, memoryview, a numpy array of one-byte items)";
    // The type's name is looked up only when there is an error to report.
    let type_name = || {
        val.get_type()
            .name()
            .map_or_else(|_| "object".to_owned(), |name| name.to_string())
    };
    let buffer = PyUntypedBuffer::get(val).map_err(|err| {
        if err.is_instance_of::<PyTypeError>(val.py()) {
            PyTypeError::new_err(format!("{function}() takes {accepts}, not {}", type_name()))
        } else {
            err // the object has a buffer, and giving it failed: say what Python said
        }
    })?;
    if buffer.item_size() != 1 {
        return Err(PyTypeError::new_err(format!(
            "{function}() takes {accepts}; this {} has items of {} bytes",
            type_name(),
            buffer.item_size()
        )));
    }
    if buffer.dimensions() != 1 {
        return Err(PyValueError::new_err(format!(
            "{function}() takes a one-dimensional sequence of bytes; this {} has {} dimensions \
             (flatten it first, e.g. with numpy's .ravel())",
            type_name(),
            buffer.dimensions()
        )));
    }
    // `to_vec` copies the items in order, side by side, strided views such as
    // memoryview(data)[::2] or a numpy slice a[::3] included.
    let copy = buffer.as_typed::<Byte>()?.to_vec(val.py())?;
    let bytes: Vec<u8> = copy.into_iter().map(|Byte(byte)| byte).collect();
    Ok(doubles_core::count_doubles(&bytes))
}

/// One item of a bytes-like object, whatever its format calls it (`B`, `b`, `c`, `?`):
/// we compare the bytes, not what they stand for.
#[derive(Clone, Copy)]
#[repr(transparent)]
struct Byte(u8);

// SAFETY: PyO3 reads buffer items as `Element`s, which must be valid for every item the
// buffer can hold. PyO3 itself checks that the items are one byte (the size of `Byte`),
// and every value of one byte is a valid `u8`, so every format is compatible.
unsafe impl pyo3::buffer::Element for Byte {
    fn is_compatible_format(_format: &std::ffi::CStr) -> bool {
        true
    }
}
// ANCHOR_END: count_buffer
