// ANCHOR: module
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Count doubles, in Rust: the compiled part of the package `string_doubles`, which
/// imports it as `string_doubles._core` (python/string_doubles/__init__.py).
///
/// This crate is only the binding: it turns Python objects into slices, reads files a
/// chunk at a time, and hands them to the `doubles_core` crate (core/), where the
/// counting and the UTF-8 decoding are, with no Python in them.
#[pymodule]
mod _core {
    #[pymodule_export]
    use super::{DoublesCounter, count_doubles_file};
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

// ANCHOR: file_imports
use std::ffi::CStr;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::PathBuf;

use doubles_core::Summary;
use doubles_core::utf8::{Errors, Fault, Held, Parts, Reason, Utf8Summary};
use pyo3::exceptions::{PyOSError, PyTypeError, PyUnicodeDecodeError, PyValueError};
use pyo3::types::{PyBytes, PyTuple};
// ANCHOR_END: file_imports

// ANCHOR: chunk
/// Bytes read at a time: 64 KiB, a syscall per 64 KiB, and a buffer that stays in the
/// processor's L2 cache between the read and the count.
///
/// Larger is not faster where this was measured (a 2-core Linux machine, a 1 GiB file
/// in the page cache, each count in a fresh process, as `wc -l` runs): 1 MiB chunks
/// took nearly twice as long as 64 KiB ones. glibc's malloc maps a buffer of 128 KiB or
/// more fresh from the kernel, and the kernel's copies into such a buffer ran at half
/// speed for the whole first count of a process (with `MALLOC_MMAP_THRESHOLD_=8388608`,
/// 1 MiB was as fast as 64 KiB).
const CHUNK: usize = 1 << 16;

/// Bytes before and after an invalid sequence that a UnicodeDecodeError carries.
const CONTEXT: usize = 32;

/// Chunks smaller than this are counted without letting go of the interpreter: for a
/// few bytes, detaching and attaching again would cost more than the count.
const DETACH_FROM: usize = 1 << 16;
// ANCHOR_END: chunk

// ANCHOR: mode
/// What a count compares, as `encoding=` and `errors=` say.
enum Kind {
    /// `encoding=None`: the bytes themselves.
    Bytes,
    /// UTF-8 with one of the three handlers the core implements: decoded in Rust.
    Utf8(Errors),
    /// Any other encoding or handler: decoded by Python's codec, characters counted
    /// in Rust.
    Codec { encoding: String, errors: String },
}

impl Kind {
    fn new(py: Python<'_>, encoding: Option<&str>, errors: &str) -> PyResult<Self> {
        let Some(encoding) = encoding else {
            if errors != "strict" {
                return Err(PyValueError::new_err(
                    "errors= is for decoding text; with encoding=None the bytes themselves are counted",
                ));
            }
            return Ok(Kind::Bytes);
        };
        // Python's name for the encoding ("UTF8", "utf_8" and "u8" are all "utf-8"); an
        // unknown one raises LookupError, as bytes.decode() does.
        let codec = py.import("codecs")?.call_method1("lookup", (encoding,))?;
        let name: String = codec.getattr("name")?.extract()?;
        Ok(match (name.as_str(), Errors::from_name(errors)) {
            ("utf-8", Some(errors)) => Kind::Utf8(errors),
            _ => Kind::Codec {
                encoding: name,
                errors: errors.to_owned(),
            },
        })
    }
}
// ANCHOR_END: mode

// ANCHOR: count_doubles_file
/// Count the places in a file where a character is followed by the same character.
///
/// The file is read 64 KiB at a time into one buffer, so memory stays the same however
/// large the file is. A character cut between two chunks is counted as one.
///
/// - ``encoding=None`` counts bytes: the places where a byte is followed by the same byte.
/// - ``encoding="utf-8"`` (the default) decodes in Rust, with ``errors`` one of
///   ``"strict"``, ``"replace"`` or ``"surrogateescape"``, and counts what
///   ``data.decode("utf-8", errors)`` would hold. Under ``"strict"``, invalid UTF-8
///   raises UnicodeDecodeError: its ``.object`` is the bytes around the error, its
///   ``.start`` and ``.end`` index them, and its note gives the position in the file.
/// - Any other encoding, or another handler (``"ignore"``, ...), falls back to
///   Python's own incremental decoder (``codecs.getincrementaldecoder``), which is
///   slower: the characters it decodes are still counted in Rust.
///
/// ``progress``, if given, is called with the number of bytes of each chunk once it is
/// counted (a progress bar's ``update``). Ctrl-C stops the count between two chunks.
#[pyfunction]
#[pyo3(signature = (path, *, encoding = Some("utf-8"), errors = "strict", progress = None))]
#[pyo3(text_signature = "(path, *, encoding='utf-8', errors='strict', progress=None)")]
fn count_doubles_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    encoding: Option<&str>,
    errors: &str,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<u64> {
    // Between two chunks: say how far we are, and look at the interpreter's signals.
    let between = |len: usize| -> PyResult<()> {
        if let Some(progress) = progress {
            progress.call1((len,))?;
        }
        // A Ctrl-C sets a flag that only the interpreter acts on: look at it between
        // chunks (a fraction of a millisecond each), and raise its KeyboardInterrupt.
        py.check_signals()
    };
    let kind = Kind::new(py, encoding, errors)?;
    // As open() does, errors name the file by its str or bytes (os.fspath's).
    let filename = py
        .import("os")?
        .call_method1("fspath", (path,))
        .map_err(|err| {
            PyTypeError::new_err(format!(
                "count_doubles_file() argument 'path': {}",
                err.value(py)
            ))
        })?;
    let name: PathBuf = py
        .import("os")?
        .call_method1("fsdecode", (&filename,))?
        .extract()?;
    let os_error = |err: io::Error| os_error(py, err, &filename);
    let mut file = File::open(&name).map_err(os_error)?;
    let mut buffer = vec![0u8; CHUNK];
    match kind {
        Kind::Bytes => {
            let mut summary = Summary::<u8>::EMPTY;
            loop {
                // Read and count with the interpreter let go: other Python threads run.
                let read = py.detach(|| -> io::Result<_> {
                    let len = fill(&mut file, &mut buffer)?;
                    Ok((len, Summary::of(&buffer[..len])))
                });
                let (len, chunk) = read.map_err(os_error)?;
                if len == 0 {
                    return Ok(summary.pairs);
                }
                summary = summary.merge(chunk);
                between(len)?;
            }
        }
        Kind::Utf8(errors) => {
            let mut state = Utf8Summary::STREAM;
            // The state before the last chunk, and that chunk's length: the bytes an
            // error's window can be cut from.
            let (mut before, mut last) = (state, 0);
            loop {
                let read = py.detach(|| -> io::Result<_> {
                    let len = fill(&mut file, &mut buffer)?;
                    Ok((len, state.feed(&buffer[..len], errors)))
                });
                let (len, next) = read.map_err(os_error)?;
                if len == 0 {
                    break;
                }
                (before, last, state) = (state, len, next);
                if let Some(fault) = state.fault() {
                    let window = Window::around(fault, tail(&before), &buffer[..len], before.len());
                    return Err(decode_error(py, fault, &window, &in_file(&filename)?));
                }
                between(len)?;
            }
            state.finish(errors).map_err(|fault| {
                let window = Window::around(fault, tail(&before), &buffer[..last], before.len());
                match in_file(&filename) {
                    Ok(place) => decode_error(py, fault, &window, &place),
                    Err(err) => err,
                }
            })
        }
        Kind::Codec { encoding, errors } => {
            let decoder = Decoder::new(py, &encoding, &errors)?;
            let mut chars = Summary::<u32>::EMPTY;
            let mut offset = 0u64; // where the chunk starts in the file
            loop {
                let len = py
                    .detach(|| fill(&mut file, &mut buffer))
                    .map_err(os_error)?;
                // The decoder's positions count from the bytes it still held.
                let from = offset - decoder.pending(py)? as u64;
                let text = match decoder.decode(py, &buffer[..len], len == 0) {
                    Ok(text) => text,
                    Err(err) => {
                        let place = in_file(&filename)?;
                        err.add_note(
                            py,
                            format!("{place}, positions counted from its byte {from}"),
                        )?;
                        return Err(err);
                    }
                };
                chars = chars.merge(str_summary(&text)?);
                if len == 0 {
                    return Ok(chars.pairs);
                }
                offset += len as u64;
                between(len)?;
            }
        }
    }
}

/// Read until `buffer` is full or the file ends; the bytes read (0 at the end).
///
/// One `read` may return fewer bytes than asked (a pipe, a signal): ask again, so that
/// every chunk but the last is whole.
fn fill(file: &mut File, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(len) => filled += len,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// The OSError open() would raise: `FileNotFoundError: [Errno 2] No such file or
/// directory: 'name'` (OSError picks the subclass from the errno, as open() does).
fn os_error(py: Python<'_>, err: io::Error, filename: &Bound<'_, PyAny>) -> PyErr {
    let Some(code) = err.raw_os_error() else {
        return PyOSError::new_err(err.to_string());
    };
    let strerror = py
        .import("os")
        .and_then(|os| os.call_method1("strerror", (code,)))
        .map_or_else(|_| err.to_string(), |s| s.to_string());
    PyOSError::new_err((code, strerror, filename.clone().unbind()))
}

/// "in 'name'", for the note on a decoding error.
fn in_file(filename: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(format!("in {}", filename.repr()?))
}
// ANCHOR_END: count_doubles_file

// ANCHOR: decode_error
/// The bytes a UnicodeDecodeError carries: the invalid sequence and up to CONTEXT
/// bytes on each side, from what we still hold: the 0–3 bytes held over from before a
/// chunk, then the chunk. (Carrying the whole file would copy it into the exception.)
struct Window {
    bytes: Vec<u8>,
    /// Where the invalid sequence is in `bytes`: the exception's `.start` and `.end`.
    range: Range<usize>,
    /// Where `bytes` starts in the input.
    start: u64,
}

impl Window {
    /// `held` then `chunk` are the input from position `chunk_start - held.len()`. If
    /// they do not hold all of `fault` (it comes from a summary merged in), the window
    /// is the bytes of the fault alone, which it keeps.
    fn around(fault: Fault, held: &[u8], chunk: &[u8], chunk_start: u64) -> Self {
        let base = chunk_start.saturating_sub(held.len() as u64);
        let known = held.len() + chunk.len();
        let inside = fault.start >= base && fault.end() <= base + known as u64;
        if !inside {
            let bytes = fault.bytes.as_bytes().to_vec();
            return Window {
                range: 0..bytes.len(),
                bytes,
                start: fault.start,
            };
        }
        let start = (fault.start - base) as usize; // inside `known`, a usize
        let end = start + fault.len();
        let (from, to) = (start.saturating_sub(CONTEXT), (end + CONTEXT).min(known));
        Window {
            bytes: held
                .iter()
                .chain(chunk)
                .copied()
                .skip(from)
                .take(to - from)
                .collect(),
            range: start - from..end - from,
            start: base + from as u64,
        }
    }
}

/// The unfinished character a summary holds at its end (empty if none).
fn tail(state: &Utf8Summary) -> &[u8] {
    match state.parts() {
        Parts::Body(_, tail) => tail,
        Parts::Head | Parts::Fault(_) => &[],
    }
}

/// CPython's words for why a sequence is invalid, as a C string.
fn reason(reason: Reason) -> &'static CStr {
    match reason {
        Reason::InvalidStart => c"invalid start byte",
        Reason::InvalidContinuation => c"invalid continuation byte",
        Reason::UnexpectedEnd => c"unexpected end of data",
    }
}

/// The UnicodeDecodeError bytes.decode() would raise, on a window of the input, with a
/// note that says where the window is: `str(err)` reads as CPython's own
/// ("'utf-8' codec can't decode byte 0xff in position 32: invalid start byte"), and a
/// traceback shows the note under it. Its attribute ``position`` is where the invalid
/// bytes start in the input (the file, or what a counter was given).
fn decode_error(py: Python<'_>, fault: Fault, window: &Window, place: &str) -> PyErr {
    let err = match PyUnicodeDecodeError::new(
        py,
        c"utf-8",
        &window.bytes,
        window.range.clone(),
        reason(fault.reason),
    ) {
        Ok(err) => PyErr::from_value(err.into_any()),
        Err(err) => return err,
    };
    let to = window.start + window.bytes.len() as u64;
    let note = format!(
        "{place} at byte {} (.object is its bytes {} to {to})",
        fault.start, window.start
    );
    let noted = err
        .add_note(py, note)
        .and_then(|()| err.value(py).setattr("position", fault.start));
    match noted {
        Ok(()) => err,
        Err(failed) => failed,
    }
}
// ANCHOR_END: decode_error

// ANCHOR: str_summary
/// The summary of a str's characters, counted where CPython keeps them (lesson 8).
fn str_summary(text: &Bound<'_, PyAny>) -> PyResult<Summary<u32>> {
    use pyo3::types::string::PyStringData;
    let text = text.cast::<PyString>()?;
    // SAFETY: before Python 3.14, `data` finds the storage kind by decoding a C bit field
    // (from 3.14 on, CPython tells it). PyO3's documentation says that works on common
    // little-endian targets such as x86_64, that PyO3's CI tests it on x86_64 only, and
    // that whoever calls it must test it on the targets they ship for: the course's tests
    // compare every storage kind against the Python loop, on each machine that runs them.
    // The slice borrows `text`, which the caller keeps alive for this whole call, and a
    // str's storage never changes once the str is made, on the free-threaded build too.
    let data = unsafe { text.data() }?;
    let count = move || match data {
        PyStringData::Ucs1(items) => Summary::of(items).widen(),
        PyStringData::Ucs2(items) => Summary::of(items).widen(),
        PyStringData::Ucs4(items) => Summary::of(items),
    };
    Ok(if text.len()? < DETACH_FROM {
        count()
    } else {
        text.py().detach(count)
    })
}
// ANCHOR_END: str_summary

// ANCHOR: decoder
/// Python's incremental decoder for an encoding we do not decode in Rust.
struct Decoder(Py<PyAny>);

impl Decoder {
    fn new(py: Python<'_>, encoding: &str, errors: &str) -> PyResult<Self> {
        let make = py
            .import("codecs")?
            .call_method1("getincrementaldecoder", (encoding,))?;
        Ok(Decoder(make.call1((errors,))?.unbind()))
    }

    /// Decode the next bytes (`last`: no more will come) into a str.
    fn decode<'py>(
        &self,
        py: Python<'py>,
        bytes: &[u8],
        last: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.0
            .bind(py)
            .call_method1("decode", (PyBytes::new(py, bytes), last))
    }

    /// Bytes it holds, waiting for the rest of a character.
    fn pending(&self, py: Python<'_>) -> PyResult<usize> {
        self.0.bind(py).call_method0("getstate")?.get_item(0)?.len()
    }

    /// A new decoder in the same state (`getstate` and `setstate` are in every
    /// incremental decoder's interface).
    fn copy(&self, py: Python<'_>, encoding: &str, errors: &str) -> PyResult<Self> {
        let copy = Decoder::new(py, encoding, errors)?;
        copy.0
            .bind(py)
            .call_method1("setstate", (self.0.bind(py).call_method0("getstate")?,))?;
        Ok(copy)
    }
}
// ANCHOR_END: decoder

// ANCHOR: counter
/// What a counter remembers of the chunks it was given, for each kind of count.
enum State {
    Bytes(Summary<u8>),
    Utf8 {
        errors: Errors,
        summary: Utf8Summary,
    },
    Codec {
        encoding: String,
        errors: String,
        decoder: Decoder,
        chars: Summary<u32>,
    },
}

impl State {
    fn new(py: Python<'_>, kind: Kind) -> PyResult<Self> {
        Ok(match kind {
            Kind::Bytes => State::Bytes(Summary::EMPTY),
            // A counter's input may be a piece of a longer stream, which another counter
            // may be merged before: leading continuation bytes wait for that merge (or
            // for finish()). `count_doubles_file` knows it reads a whole file.
            Kind::Utf8(errors) => State::Utf8 {
                errors,
                summary: Utf8Summary::PIECE,
            },
            Kind::Codec { encoding, errors } => State::Codec {
                decoder: Decoder::new(py, &encoding, &errors)?,
                encoding,
                errors,
                chars: Summary::EMPTY,
            },
        })
    }

    /// A copy (for `merge`, which may merge a counter into itself).
    fn copy(&self, py: Python<'_>) -> PyResult<Self> {
        Ok(match self {
            State::Bytes(summary) => State::Bytes(*summary),
            State::Utf8 { errors, summary } => State::Utf8 {
                errors: *errors,
                summary: *summary,
            },
            State::Codec {
                encoding,
                errors,
                decoder,
                chars,
            } => State::Codec {
                decoder: decoder.copy(py, encoding, errors)?,
                encoding: encoding.clone(),
                errors: errors.clone(),
                chars: *chars,
            },
        })
    }

    /// `encoding=...` and `errors=...` as the constructor takes them.
    fn describe(&self) -> String {
        match self {
            State::Bytes(_) => "encoding=None".to_owned(),
            State::Utf8 { errors, .. } => format!("encoding='utf-8', errors='{}'", errors.name()),
            State::Codec {
                encoding, errors, ..
            } => format!("encoding='{encoding}', errors='{errors}'"),
        }
    }
}

/// Where a counter's faults are: positions count from the first byte it was given.
const IN_COUNTER: &str = "in the bytes given to this DoublesCounter";

/// Count doubles in a stream given a chunk at a time, bigger than memory if need be.
///
/// ``DoublesCounter(encoding="utf-8", errors="strict")`` counts doubled characters of
/// UTF-8 text; ``encoding=None`` counts bytes; any other encoding (or another errors
/// handler) decodes with Python's incremental decoder, as ``count_doubles_file`` does.
/// A character cut between two chunks is counted once, and counters of consecutive
/// pieces of a stream merge into the counter of the whole (``a.merge(b)``).
///
/// ``count`` is the doubles among the characters decided so far; ``finish()`` is the
/// count if the stream ends here (an unfinished character at the end is then invalid).
/// A counter pickles, mid-character too, and goes on counting where it left off.
#[pyclass(module = "string_doubles._core")]
pub struct DoublesCounter {
    state: State,
}

#[pymethods]
impl DoublesCounter {
    #[new]
    #[pyo3(signature = (*, encoding = Some("utf-8"), errors = "strict"))]
    #[pyo3(text_signature = "(*, encoding='utf-8', errors='strict')")]
    fn new(py: Python<'_>, encoding: Option<&str>, errors: &str) -> PyResult<Self> {
        let kind = Kind::new(py, encoding, errors)?;
        Ok(DoublesCounter {
            state: State::new(py, kind)?,
        })
    }

    /// Count the next chunk: bytes or any bytes-like object, or (when counting text) a
    /// str, whose characters are counted as they are.
    ///
    /// Under ``errors="strict"`` invalid bytes raise UnicodeDecodeError, and the
    /// counter stays as it was before this chunk.
    fn update(&mut self, chunk: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = chunk.py();
        if let Ok(text) = chunk.cast::<PyString>() {
            return self.update_str(text);
        }
        let bytes = BytesLike::get(chunk)?;
        let bytes = bytes.as_slice();
        match &mut self.state {
            State::Bytes(summary) => {
                *summary = summary.merge(maybe_detached(py, bytes.len(), || Summary::of(bytes)));
            }
            State::Utf8 { errors, summary } => {
                let (errors, current) = (*errors, *summary);
                let next = maybe_detached(py, bytes.len(), || current.feed(bytes, errors));
                if let Some(fault) = certain(&next) {
                    let window = Window::around(fault, tail(&current), bytes, current.len());
                    return Err(decode_error(py, fault, &window, IN_COUNTER));
                }
                *summary = next;
            }
            State::Codec { decoder, chars, .. } => {
                let text = decoder.decode(py, bytes, false)?;
                *chars = chars.merge(str_summary(&text)?);
            }
        }
        Ok(())
    }

    /// Add the count of ``other``, the counter of what comes right after this one's
    /// input: the seam between the two is counted (a character cut between them too).
    ///
    /// Both must count the same way (same encoding and errors). For encodings other
    /// than UTF-8 the pieces must be cut between characters.
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        // Copy `other` first, so that `c.merge(c)` borrows `c` twice, one after the other.
        let theirs = other.borrow().state.copy(py)?;
        let mut me = slf.borrow_mut();
        let describe = |theirs: &State| {
            format!(
                "merge(): a counter with {} cannot take one with {}",
                me.state.describe(),
                theirs.describe()
            )
        };
        let mismatch = PyValueError::new_err(describe(&theirs));
        match (&mut me.state, theirs) {
            (State::Bytes(mine), State::Bytes(theirs)) => *mine = mine.merge(theirs),
            (
                State::Utf8 { errors, summary },
                State::Utf8 {
                    errors: e,
                    summary: theirs,
                },
            ) if *errors == e => {
                let merged = summary.merge(theirs, *errors);
                if let Some(fault) = certain(&merged) {
                    let window = Window::around(fault, tail(summary), theirs.head(), summary.len());
                    return Err(decode_error(py, fault, &window, IN_COUNTER));
                }
                *summary = merged;
            }
            (
                State::Codec {
                    encoding,
                    errors,
                    decoder,
                    chars,
                },
                State::Codec {
                    encoding: e,
                    errors: r,
                    decoder: d,
                    chars: theirs,
                },
            ) if *encoding == e && *errors == r => {
                if decoder.pending(py)? > 0 {
                    return Err(PyValueError::new_err(format!(
                        "merge(): this counter ends inside a character, which a counter of \
                         encoding='{encoding}' cannot finish from another (only UTF-8 can)"
                    )));
                }
                *chars = chars.merge(theirs);
                *decoder = d; // the other counter's unfinished character is ours now
            }
            _ => return Err(mismatch),
        }
        Ok(())
    }

    /// The doubles among the characters (or bytes) decided so far. The first bytes, if
    /// they may finish a character begun before (merge() decides), and an unfinished
    /// character at the end are not counted yet: finish() counts them.
    #[getter]
    fn count(&self) -> u64 {
        match &self.state {
            State::Bytes(summary) => summary.pairs,
            State::Utf8 { summary, .. } => summary.pairs(),
            State::Codec { chars, .. } => chars.pairs,
        }
    }

    /// The count if the stream ends here: the first bytes continue nothing, and an
    /// unfinished character at the end is invalid (under ``errors="strict"``,
    /// UnicodeDecodeError: "unexpected end of data"). The counter does not change: it
    /// can go on counting, as if the stream had not ended.
    fn finish(&self, py: Python<'_>) -> PyResult<u64> {
        match &self.state {
            State::Bytes(summary) => Ok(summary.pairs),
            State::Utf8 { errors, summary } => summary.finish(*errors).map_err(|fault| {
                // (All we hold of the input is the fault's own bytes.)
                decode_error(py, fault, &Window::around(fault, &[], &[], 0), IN_COUNTER)
            }),
            State::Codec {
                encoding,
                errors,
                decoder,
                chars,
            } => {
                let last = decoder.copy(py, encoding, errors)?.decode(py, b"", true)?;
                Ok(chars.merge(str_summary(&last)?).pairs)
            }
        }
    }

    #[getter]
    fn encoding(&self) -> Option<String> {
        match &self.state {
            State::Bytes(_) => None,
            State::Utf8 { .. } => Some("utf-8".to_owned()),
            State::Codec { encoding, .. } => Some(encoding.clone()),
        }
    }

    #[getter]
    fn errors(&self) -> Option<String> {
        match &self.state {
            State::Bytes(_) => None,
            State::Utf8 { errors, .. } => Some(errors.name().to_owned()),
            State::Codec { errors, .. } => Some(errors.clone()),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "DoublesCounter({}, count={})",
            self.state.describe(),
            self.count()
        )
    }

    // ANCHOR: pickle
    /// Pickling: ``(DoublesCounter, (), state)``: pickle makes a new counter and hands
    /// it the state with ``__setstate__``. The state is a tuple of plain values, the
    /// first naming the kind of count.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.borrow();
        let state = match &me.state {
            State::Bytes(summary) => {
                ("bytes", summary.pairs, summary.first, summary.last).into_pyobject(py)?
            }
            State::Utf8 { errors, summary } => {
                // What follows the head: None, (pairs, first, last, tail), or a fault
                // waiting for a merge, (start, bytes, reason).
                let rest = match summary.parts() {
                    Parts::Head => None::<()>.into_pyobject(py)?.into_any(),
                    Parts::Body(chars, tail) => {
                        (chars.pairs, chars.first, chars.last, PyBytes::new(py, tail))
                            .into_pyobject(py)?
                            .into_any()
                    }
                    Parts::Fault(fault) => {
                        let bad = PyBytes::new(py, fault.bytes.as_bytes());
                        (fault.start, bad, fault.reason.as_str())
                            .into_pyobject(py)?
                            .into_any()
                    }
                };
                (
                    "utf-8",
                    errors.name(),
                    summary.len(),
                    PyBytes::new(py, summary.head()),
                    rest,
                )
                    .into_pyobject(py)?
            }
            State::Codec {
                encoding,
                errors,
                decoder,
                chars,
            } => {
                let decoder_state = decoder.0.bind(py).call_method0("getstate")?;
                (
                    "codec",
                    encoding,
                    errors,
                    chars.pairs,
                    chars.first,
                    chars.last,
                    decoder_state,
                )
                    .into_pyobject(py)?
            }
        };
        (slf.get_type(), (), state).into_pyobject(py)
    }

    /// Take the state ``__reduce__`` gave (ValueError if no input could give it).
    fn __setstate__(&mut self, py: Python<'_>, state: &Bound<'_, PyTuple>) -> PyResult<()> {
        let invalid =
            |why: &str| PyValueError::new_err(format!("not a DoublesCounter state: {why}"));
        let kind: String = state.get_item(0)?.extract()?;
        self.state = match kind.as_str() {
            "bytes" => {
                let (_, pairs, first, last): (String, u64, Option<u8>, Option<u8>) =
                    state.extract()?;
                if first.is_some() != last.is_some() || (first.is_none() && pairs > 0) {
                    return Err(invalid("the summary is not one of some bytes"));
                }
                State::Bytes(Summary { pairs, first, last })
            }
            "utf-8" => {
                let (_, errors, len, head, rest): (String, String, u64, Vec<u8>, Bound<'_, PyAny>) =
                    state.extract()?;
                let errors = Errors::from_name(&errors).ok_or_else(|| invalid("unknown errors"))?;
                type Body = (u64, Option<u32>, Option<u32>, Vec<u8>);
                type FaultParts = (u64, Vec<u8>, String);
                let (body, fault): (Option<Body>, Option<FaultParts>) = if rest.is_none() {
                    (None, None)
                } else if let Ok(body) = rest.extract() {
                    (Some(body), None)
                } else {
                    (
                        None,
                        Some(
                            rest.extract()
                                .map_err(|_| invalid("what follows the head"))?,
                        ),
                    )
                };
                let parts = match (&body, &fault) {
                    (Some((pairs, first, last, tail)), _) => Parts::Body(
                        Summary {
                            pairs: *pairs,
                            first: *first,
                            last: *last,
                        },
                        tail,
                    ),
                    (None, Some((start, bad, reason))) => {
                        let reason =
                            Reason::from_name(reason).ok_or_else(|| invalid("unknown reason"))?;
                        if bad.len() > 3 {
                            return Err(invalid("a fault is 1 to 3 bytes"));
                        }
                        Parts::Fault(Fault {
                            start: *start,
                            bytes: Held::new(bad),
                            reason,
                        })
                    }
                    (None, None) => Parts::Head,
                };
                let summary = Utf8Summary::from_parts(len, &head, parts).map_err(invalid)?;
                State::Utf8 { errors, summary }
            }
            "codec" => {
                let (_, encoding, errors, pairs, first, last, decoder_state): (
                    String,
                    String,
                    String,
                    u64,
                    Option<u32>,
                    Option<u32>,
                    Bound<'_, PyAny>,
                ) = state.extract()?;
                let decoder = Decoder::new(py, &encoding, &errors)?;
                decoder
                    .0
                    .bind(py)
                    .call_method1("setstate", (decoder_state,))?;
                let chars = Summary { pairs, first, last };
                State::Codec {
                    encoding,
                    errors,
                    decoder,
                    chars,
                }
            }
            _ => return Err(invalid("unknown kind of count")),
        };
        Ok(())
    }
    // ANCHOR_END: pickle
}

impl DoublesCounter {
    /// A str is characters already: count them as they are (text kinds only).
    fn update_str(&mut self, text: &Bound<'_, PyString>) -> PyResult<()> {
        let py = text.py();
        match &mut self.state {
            State::Bytes(_) => Err(PyTypeError::new_err(
                "update(): this counter counts bytes (encoding=None), and a str has none: \
                 pass bytes, or count characters with DoublesCounter(encoding=...)",
            )),
            State::Utf8 { errors, summary } => {
                let next = summary.push_chars(str_summary(text)?, *errors);
                if let Some(fault) = certain(&next) {
                    // Only an unfinished character before the str can fail.
                    let window = Window::around(fault, tail(summary), &[], summary.len());
                    return Err(decode_error(py, fault, &window, IN_COUNTER));
                }
                *summary = next;
                Ok(())
            }
            State::Codec { decoder, chars, .. } => {
                // Bytes waiting for the rest of a character get no rest: decode them
                // as the end of the input first.
                let flushed = decoder.decode(py, b"", true)?;
                *chars = chars
                    .merge(str_summary(&flushed)?)
                    .merge(str_summary(text)?);
                Ok(())
            }
        }
    }
}

/// The fault of a summary under "strict", if it is surely the first of the counter's
/// input: then the counter raises it at once, and stays as it was.
///
/// It is not sure while the first bytes are continuation bytes (the head): if the
/// counter's input is a whole stream, they are invalid and come first; if it is a
/// piece, they may finish a character of the piece before. Then the fault waits in the
/// summary (and the counter goes on counting nothing), for `merge()` or `finish()`,
/// which know. `count_doubles_file` starts a stream: its faults are all sure.
fn certain(summary: &Utf8Summary) -> Option<Fault> {
    summary.fault().filter(|_| summary.head().is_empty())
}

/// Run `count` with the interpreter let go if the input is large enough to be worth it.
fn maybe_detached<T: Send>(py: Python<'_>, len: usize, count: impl FnOnce() -> T + Send) -> T {
    if len < DETACH_FROM {
        count()
    } else {
        py.detach(count)
    }
}
// ANCHOR_END: counter

// ANCHOR: bytes_like
/// The bytes of a bytes-like object: a `bytes` where it lies (its bytes never change),
/// any other buffer copied out (another thread may write to a bytearray while we read
/// it, and decoding must see bytes that stay put: lesson 9).
enum BytesLike<'py> {
    Bytes(Bound<'py, PyBytes>),
    Copied(Vec<u8>),
}

impl<'py> BytesLike<'py> {
    fn get(chunk: &Bound<'py, PyAny>) -> PyResult<Self> {
        use pyo3::buffer::PyUntypedBuffer;
        if let Ok(bytes) = chunk.cast::<PyBytes>() {
            return Ok(BytesLike::Bytes(bytes.clone()));
        }
        let type_name = || {
            chunk
                .get_type()
                .name()
                .map_or_else(|_| "object".to_owned(), |n| n.to_string())
        };
        let takes = "update() takes bytes, a bytes-like object or a str";
        let buffer = PyUntypedBuffer::get(chunk).map_err(|err| {
            if err.is_instance_of::<PyTypeError>(chunk.py()) {
                PyTypeError::new_err(format!("{takes}, not {}", type_name()))
            } else {
                err
            }
        })?;
        if buffer.item_size() != 1 || buffer.dimensions() != 1 {
            return Err(PyTypeError::new_err(format!(
                "{takes}; this {} is not one-dimensional with one-byte items",
                type_name()
            )));
        }
        let copy = buffer.as_typed::<Byte>()?.to_vec(chunk.py())?;
        Ok(BytesLike::Copied(
            copy.into_iter().map(|Byte(byte)| byte).collect(),
        ))
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            BytesLike::Bytes(bytes) => bytes.as_bytes(),
            BytesLike::Copied(bytes) => bytes,
        }
    }
}
// ANCHOR_END: bytes_like
