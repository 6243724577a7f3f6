// ANCHOR: module
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Count doubles, in Rust: `import string_doubles` in Python.
///
/// This crate is only the binding: it turns Python objects into slices and hands them
/// to the `doubles_core` crate (core/), where the counting is, with no Python in it.
#[pymodule]
mod string_doubles {
    use super::{count_buffer, count_str, count_utf8, threads_asked};
    use pyo3::prelude::*;
    use pyo3::types::PyString;

    // ANCHOR: count_doubles
    /// Count the places where a character is followed by the same character.
    ///
    /// Takes a str (any str: each character is compared, as the Python loop does) or a
    /// bytes-like object (bytes, bytearray, memoryview, a numpy array of one-byte items),
    /// whose bytes are compared. `threads`: how many threads count it (None: every
    /// core, and one for a small input; 1: the calling thread only).
    #[pyfunction]
    #[pyo3(signature = (val, *, threads=None))]
    fn count_doubles(val: &Bound<'_, PyAny>, threads: Option<i64>) -> PyResult<u64> {
        let threads = threads_asked(threads, "count_doubles")?;
        match val.cast::<PyString>() {
            Ok(text) => count_str(text, threads),
            Err(_) => count_buffer(val, "count_doubles", threads),
        }
    }
    // ANCHOR_END: count_doubles

    // ANCHOR: count_doubles_bytes
    /// Count the places where a byte is followed by the same byte.
    ///
    /// A str is counted over its UTF-8 encoding, as the tutorial's bytes version did
    /// (beyond ASCII, that is not the count of doubled characters). `threads` as for
    /// count_doubles.
    #[pyfunction]
    #[pyo3(signature = (val, *, threads=None))]
    fn count_doubles_bytes(val: &Bound<'_, PyAny>, threads: Option<i64>) -> PyResult<u64> {
        let threads = threads_asked(threads, "count_doubles_bytes")?;
        match val.cast::<PyString>() {
            Ok(text) => count_utf8(text, threads),
            Err(_) => count_buffer(val, "count_doubles_bytes", threads),
        }
    }
    // ANCHOR_END: count_doubles_bytes
}
// ANCHOR_END: module

// ANCHOR: threads
use std::num::NonZeroUsize;

/// The `threads=` a caller asked for: None (every core), or a number of threads, at least one.
fn threads_asked(threads: Option<i64>, function: &str) -> PyResult<Option<NonZeroUsize>> {
    let Some(asked) = threads else {
        return Ok(None);
    };
    match usize::try_from(asked).ok().and_then(NonZeroUsize::new) {
        Some(threads) => Ok(Some(threads)),
        None => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{function}() needs threads=1 or more (or None, for every core), not threads={asked}"
        ))),
    }
}
// ANCHOR_END: threads

// ANCHOR: count_str
/// Count the doubled characters of a str where CPython keeps them: no copy, no decoding.
///
/// CPython stores a str in the narrowest of three kinds that holds all its characters:
/// one byte per character (Latin-1), two (UCS-2) or four (UCS-4). Each item is one code
/// point, lone surrogates included, so comparing items compares characters. The count
/// runs detached from the interpreter (`detach`): other Python threads run meanwhile.
fn count_str(text: &Bound<'_, PyString>, threads: Option<NonZeroUsize>) -> PyResult<u64> {
    use pyo3::types::string::PyStringData;

    // SAFETY: before Python 3.14, `data` finds the storage kind by decoding a C bit field
    // (from 3.14 on, CPython tells it). PyO3's documentation says that works on common
    // little-endian targets such as x86_64, that PyO3's CI tests it on x86_64 only, and
    // that whoever calls it must test it on the targets they ship for: the course's tests
    // compare every storage kind against the Python loop, on each machine that runs them.
    // The slice borrows `text`, which the caller keeps alive for this whole call, and a
    // str's storage never changes once the str is made, on the free-threaded build too:
    // so it may be read while detached, by any thread.
    let data = unsafe { text.data() }?;
    Ok(text.py().detach(move || match data {
        PyStringData::Ucs1(items) => doubles_core::count_threads(items, threads),
        PyStringData::Ucs2(items) => doubles_core::count_threads(items, threads),
        PyStringData::Ucs4(items) => doubles_core::count_threads(items, threads),
    }))
}
// ANCHOR_END: count_str

// ANCHOR: count_utf8
/// Count equal neighbouring bytes of a str's UTF-8 encoding, detached.
fn count_utf8(text: &Bound<'_, PyString>, threads: Option<NonZeroUsize>) -> PyResult<u64> {
    let py = text.py();
    // An ASCII str is stored as its own UTF-8, and CPython marks every str that is ASCII:
    // str.isascii() reads that mark, with no pass over the text. Then `to_str` hands us
    // the stored bytes themselves, no copy: count them where they lie.
    if text
        .call_method0(pyo3::intern!(text.py(), "isascii"))?
        .is_truthy()?
    {
        let bytes = text.to_str()?.as_bytes();
        return Ok(py.detach(|| doubles_core::count_threads(bytes, threads)));
    }
    // `encode_utf8` makes a temporary bytes object and raises UnicodeEncodeError for a
    // lone surrogate, as str.encode() does. (`text.to_str()` would avoid that copy for
    // ASCII text, but for any other str CPython would keep a UTF-8 copy inside it.)
    let utf8 = text.encode_utf8()?;
    let bytes = utf8.as_bytes(); // a bytes never changes: read it detached
    Ok(py.detach(|| doubles_core::count_threads(bytes, threads)))
}
// ANCHOR_END: count_utf8

// ANCHOR: count_buffer
/// Count equal neighbouring bytes of a bytes-like object: anything that shares its
/// memory through Python's buffer protocol, one byte per item, in one dimension.
///
/// A `bytes` is counted where it lies, detached: its bytes never change. Any other
/// object's memory can be written while we read it, by another thread (any Python
/// thread, now that we let go of the interpreter; numpy's loops, which let go of it
/// too), so it is only ever read through atomic loads (`count_shared`), while we hold
/// the buffer it lends us: holding it, the object cannot be resized or freed.
fn count_buffer(
    val: &Bound<'_, PyAny>,
    function: &str,
    threads: Option<NonZeroUsize>,
) -> PyResult<u64> {
    use pyo3::buffer::PyUntypedBuffer;
    use pyo3::exceptions::{PyTypeError, PyValueError};
    use pyo3::types::PyBytes;

    let py = val.py();
    if let Ok(bytes) = val.cast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        return Ok(py.detach(|| doubles_core::count_threads(bytes, threads)));
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
    let buffer = buffer.as_typed::<Byte>()?;
    if let Some(cells) = shared_cells(buffer) {
        // `buffer` stays here, exported, until the count is done.
        return Ok(py.detach(|| doubles_core::count_shared(cells, threads)));
    }
    // Not side by side in memory (memoryview(data)[::2], a numpy slice a[::3]): `to_vec`
    // copies the items in order, attached, and the copy is counted detached.
    let copy = buffer.to_vec(py)?;
    let bytes: Vec<u8> = copy.into_iter().map(|Byte(byte)| byte).collect();
    Ok(py.detach(|| doubles_core::count_threads(&bytes, threads)))
}

/// The memory of a buffer whose items lie side by side (C-contiguous), as cells that
/// Rust reads with atomic loads only; None for any other buffer.
fn shared_cells(buffer: &pyo3::buffer::PyBuffer<Byte>) -> Option<&[AtomicU8]> {
    let memory = buffer.as_slice_ptr()?;
    if memory.is_empty() {
        return Some(&[]);
    }
    // SAFETY: the buffer protocol lends `memory.len()` initialized bytes at this address
    // for as long as the export `buffer` is held, and an exporter must not resize, move
    // or free that memory meanwhile (bytearray raises BufferError instead, on the GIL
    // build and on free-threaded builds alike); the slice borrows `buffer`, so it cannot
    // outlive the export. `AtomicU8` has the size, alignment and bit validity of `u8`
    // (one byte, any value), so the memory is a valid slice of them. Other threads may
    // write the memory while we read it: Rust reads it only through these atomics and
    // never makes a `&[u8]` of it, so nothing assumes it stays the same.
    Some(unsafe { std::slice::from_raw_parts(memory.as_ptr().cast::<AtomicU8>(), memory.len()) })
}

use std::sync::atomic::AtomicU8;

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
