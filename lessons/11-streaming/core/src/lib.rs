//! Counting doubles: the places where an item is followed by an equal one, as fast as
//! the processor can compare.
//!
//! Three ways to count, each right for every input (the tests hold them to it):
//! - [`naive`]: lesson 6's loop, one pair at a time: the reference the others are
//!   tested against;
//! - [`portable`]: the same count in a shape the compiler turns into vector
//!   instructions for any processor: the comparisons of a chunk are added into a
//!   one-byte counter, which the compiler splits into one counter per vector lane;
//! - `avx2` (x86-64 only): the same idea written by hand with AVX2 instructions, 32
//!   bytes at a time, used only when the processor running the code has them (and
//!   compiled out by the `portable` feature, which leaves the portable kernel alone).
//!
//! [`count_doubles`] picks the fastest kernel this processor can run, once, and
//! remembers the choice. [`count_threads`] counts with it on every core: each part of
//! the input is summarised ([`Summary`]) on a thread of its own, and the summaries
//! merged, which is exact wherever the parts are cut. [`utf8::Utf8Summary`] does the
//! same for UTF-8 cut anywhere, inside a character too: a file, a chunk at a time.

// ANCHOR: dispatch
use std::sync::OnceLock;

// ANCHOR: item
/// The items CPython stores a str in (and bytes): one, two or four bytes each.
///
/// # Safety
/// Two items are equal exactly when all their bytes are equal, and an item has no
/// padding (every byte of it is part of its value). The AVX2 kernel compares bytes, not
/// values: it would be wrong for `f32`, where `0.0 == -0.0` though their bytes differ,
/// and would read uninitialized memory in a type with padding. (`Send + Sync`: items
/// may be read, and summaries handed back, by other threads.)
pub unsafe trait Item: Copy + PartialEq + Send + Sync + 'static {
    /// The fastest kernel for this item type on this processor, chosen on first use.
    fn kernel() -> fn(&[Self]) -> u64;
}
// ANCHOR_END: item

macro_rules! chosen_once {
    ($item:ty) => {
        // SAFETY: unsigned integers have no padding, and two of them
        // are equal exactly when their bytes are.
        unsafe impl Item for $item {
            fn kernel() -> fn(&[$item]) -> u64 {
                // Asking the processor what it can do takes time: ask on the first call
                // only, and keep the answer (as the memchr crate does).
                static CHOSEN: OnceLock<fn(&[$item]) -> u64> = OnceLock::new();
                *CHOSEN.get_or_init(choose::<$item>)
            }
        }
    };
}
chosen_once!(u8);
chosen_once!(u16);
chosen_once!(u32);

/// The fastest kernel this processor can run: AVX2 where it has it (and where it is
/// not compiled out by the `portable` feature), the portable one everywhere else.
fn choose<T: Item>() -> fn(&[T]) -> u64 {
    #[cfg(all(target_arch = "x86_64", not(feature = "portable")))]
    if let Some(kernel) = avx2::detect::<T>() {
        return kernel;
    }
    portable::count::<T>
}

/// Count the places where an item is followed by an equal one, with the fastest
/// kernel this processor runs.
///
/// ```
/// assert_eq!(doubles_core::count_doubles(b"abbcCddef"), 2);
/// assert_eq!(doubles_core::count_doubles(&[7u32, 7, 7]), 2);
/// ```
pub fn count_doubles<T: Item>(items: &[T]) -> u64 {
    (T::kernel())(items)
}
// ANCHOR_END: dispatch

// ANCHOR: portable
/// The reference: one pair at a time (lesson 6's loop).
pub fn naive<T: PartialEq>(items: &[T]) -> u64 {
    let mut total = 0;
    for (a, b) in items.iter().zip(items.iter().skip(1)) {
        if a == b {
            total += 1;
        }
    }
    total
}

pub mod portable {
    /// Pairs counted in one go: their count fits in a `u8`.
    pub const CHUNK: usize = 255;

    /// Count doubles a chunk at a time: compare each item with the next, add the
    /// comparisons (0 or 1) into a `u8`, and add that into the `u64` total after each
    /// chunk, before it could overflow. Adding bytes is what vector instructions do
    /// best: the compiler splits the `u8` sum into one counter per vector lane.
    pub fn count<T: PartialEq>(items: &[T]) -> u64 {
        if items.len() < 2 {
            return 0;
        }
        let (left, right) = (&items[..items.len() - 1], &items[1..]);
        let mut total = 0u64;
        for (l, r) in left.chunks(CHUNK).zip(right.chunks(CHUNK)) {
            let chunk = l
                .iter()
                .zip(r)
                .fold(0u8, |count, (a, b)| count.wrapping_add(u8::from(a == b)));
            total += u64::from(chunk);
        }
        total
    }
}
// ANCHOR_END: portable

// ANCHOR: avx2
#[cfg(all(target_arch = "x86_64", not(feature = "portable")))]
pub mod avx2 {
    use super::Item;
    use std::arch::x86_64::*;

    /// Blocks of 32 bytes counted before the byte counters are added up.
    const FLUSH: usize = 255;

    /// Count doubles 32 bytes at a time with AVX2.
    ///
    /// # Safety
    /// The processor that runs it must have AVX2 (`is_x86_feature_detected!("avx2")`
    /// said so; [`detect`] checks it). The rest it relies on is in its bound: `T: Item`
    /// promises that equal items have equal bytes and no padding, since it compares
    /// bytes. Items of other widths than 1, 2 or 4 bytes do not compile.
    #[target_feature(enable = "avx2")]
    unsafe fn count<T: Item>(items: &[T]) -> u64 {
        let width = const {
            assert!(
                matches!(size_of::<T>(), 1 | 2 | 4),
                "items of 1, 2 or 4 bytes"
            );
            size_of::<T>()
        };
        if items.len() < 2 {
            return 0;
        }
        let start = items.as_ptr().cast::<u8>();
        // Bytes of the items that have a next item: each 32-byte block from there is
        // compared with the block `width` bytes (one item) further on.
        let pair_bytes = (items.len() - 1) * width;
        let blocks = pair_bytes / 32;
        let zero = _mm256_setzero_si256();
        let mut sums = zero; // four u64 sums of byte counts
        let mut block = 0;
        while block < blocks {
            let run = (blocks - block).min(FLUSH);
            let mut counters = zero; // 32 byte counters, at most FLUSH each
            for b in block..block + run {
                // SAFETY: b < blocks, so both 32-byte loads end at most at byte
                // 32 * blocks + width <= pair_bytes + width = the slice's length in bytes.
                let (here, next) = unsafe {
                    let here = start.add(32 * b);
                    (
                        _mm256_loadu_si256(here.cast()),
                        _mm256_loadu_si256(here.add(width).cast()),
                    )
                };
                // Each equal item sets all its bytes to 0xFF (-1): subtracting counts one
                // per byte, so an equal u16 adds 2 and an equal u32 adds 4.
                let equal = match width {
                    1 => _mm256_cmpeq_epi8(here, next),
                    2 => _mm256_cmpeq_epi16(here, next),
                    _ => _mm256_cmpeq_epi32(here, next),
                };
                counters = _mm256_sub_epi8(counters, equal);
            }
            // Add the 32 byte counters into four u64 sums (sum of absolute differences
            // from zero), before any can pass 255.
            sums = _mm256_add_epi64(sums, _mm256_sad_epu8(counters, zero));
            block += run;
        }
        let mut lanes = [0u64; 4];
        // SAFETY: `lanes` is 32 writable bytes; storeu has no alignment requirement.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), sums) };
        let counted = lanes.iter().sum::<u64>() / width as u64;
        // The items left after the whole blocks, and the pair that straddles them.
        counted + super::naive(&items[32 * blocks / width..])
    }

    /// The AVX2 kernel as a function that is safe to call, if this processor has AVX2.
    /// This is the only way to reach it: the test comes first.
    pub fn detect<T: Item>() -> Option<fn(&[T]) -> u64> {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return None;
        }
        // SAFETY: this function pointer is made only here, after the processor said it
        // has AVX2, which is all `count` asks beyond its bound `T: Item`.
        Some(|items| unsafe { count(items) })
    }
}
// ANCHOR_END: avx2

// ANCHOR: summary
/// What a part of the input contributes to the whole count: the pairs inside it, and
/// its first and last item, which pair with the parts on either side. A part with no
/// items has neither ([`Summary::EMPTY`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary<T> {
    pub pairs: u64,
    pub first: Option<T>,
    pub last: Option<T>,
}

impl<T: Item> Summary<T> {
    /// The summary of no items at all: merged with any summary, it gives that summary.
    pub const EMPTY: Self = Summary {
        pairs: 0,
        first: None,
        last: None,
    };

    /// Summarise a part, counting its pairs with the fastest kernel.
    pub fn of(items: &[T]) -> Self {
        Summary {
            pairs: count_doubles(items),
            first: items.first().copied(),
            last: items.last().copied(),
        }
    }

    /// Whether this summarises no items.
    pub fn is_empty(&self) -> bool {
        self.first.is_none() && self.last.is_none()
    }

    /// The summary of this part followed by `next`: the pairs of both, plus the pair
    /// across the seam between them, when this part's last item equals the next one's
    /// first. Associative: however the parts are grouped, the result is the same, so
    /// any split of the input, merged in order, gives the whole input's summary.
    pub fn merge(self, next: Self) -> Self {
        let seam = match (self.last, next.first) {
            (Some(last), Some(first)) => u64::from(last == first),
            _ => 0,
        };
        Summary {
            pairs: self.pairs + next.pairs + seam,
            first: self.first.or(next.first),
            last: next.last.or(self.last),
        }
    }
}

// ANCHOR: push
impl<T: Item> Summary<T> {
    /// Add one item at the end (the same as merging the summary of that one item).
    pub fn push(&mut self, item: T) {
        if self.last == Some(item) {
            self.pairs += 1;
        }
        self.first = self.first.or(Some(item));
        self.last = Some(item);
    }

    /// The same summary with each end item widened: the doubles of a text held as
    /// bytes (Latin-1) or as UCS-2 are the doubles of its code points. (`U::from` keeps
    /// equal items equal and unequal ones unequal, as widening an unsigned integer does;
    /// otherwise the pairs inside would not match the ends.)
    pub fn widen<U: Item + From<T>>(self) -> Summary<U> {
        Summary {
            pairs: self.pairs,
            first: self.first.map(U::from),
            last: self.last.map(U::from),
        }
    }
}
// ANCHOR_END: push

impl<T: Item> Default for Summary<T> {
    fn default() -> Self {
        Self::EMPTY
    }
}
// ANCHOR_END: summary

// ANCHOR: parallel
use rayon::prelude::*;
use std::num::NonZeroUsize;

/// Inputs shorter than this many items (4 Mi) are counted on the calling thread. Handing
/// parts to rayon's threads cost about 6 µs a call where this was measured (a 2-core
/// machine), a tenth of counting 4 MiB on one thread: from there on, threads cost
/// little even when the other cores are busy, and can nearly halve it when they are free.
pub const PARALLEL_FROM: usize = 1 << 22;

/// Count with the fastest kernel on `threads` threads: `None` for every thread of
/// rayon's pool (one, for an input shorter than [`PARALLEL_FROM`]), `Some(1)` on the
/// calling thread, `Some(k)` in `k` parts on rayon's pool.
pub fn count_threads<T: Item>(items: &[T], threads: Option<NonZeroUsize>) -> u64 {
    in_parts(items, parts(items.len(), threads), Summary::of).pairs
}

/// Count on every core, or on the calling thread for an input shorter than [`PARALLEL_FROM`].
pub fn count_parallel<T: Item>(items: &[T]) -> u64 {
    count_threads(items, None)
}

/// Count in `parts` nearly equal parts, each summarised on rayon's pool, the summaries
/// merged: however short the input (the tests cut tiny inputs, to try every seam).
pub fn count_in_parts<T: Item>(items: &[T], parts: NonZeroUsize) -> u64 {
    in_parts(items, parts, Summary::of).pairs
}

/// How many parts a count of `len` items on `threads` threads is cut into.
fn parts(len: usize, threads: Option<NonZeroUsize>) -> NonZeroUsize {
    match threads {
        Some(threads) => threads,
        None if len < PARALLEL_FROM => NonZeroUsize::MIN,
        None => NonZeroUsize::new(rayon::current_num_threads()).unwrap_or(NonZeroUsize::MIN),
    }
}

/// Cut `items` into `parts` parts of `len / parts` items (rounded up; the last part
/// holds what is left), summarise each with `summarise` on rayon's pool, and merge the
/// summaries in order. One part is summarised on the calling thread, without rayon.
fn in_parts<I: Sync, T: Item>(
    items: &[I],
    parts: NonZeroUsize,
    summarise: impl Fn(&[I]) -> Summary<T> + Send + Sync,
) -> Summary<T> {
    if parts.get() == 1 {
        return summarise(items);
    }
    let size = items.len().div_ceil(parts.get()).max(1);
    items
        .par_chunks(size)
        .map(summarise)
        .reduce(Summary::default, Summary::merge)
}
// ANCHOR_END: parallel

// ANCHOR: shared
use std::sync::atomic::{AtomicU8, Ordering};

/// Bytes of shared memory copied out, and counted, at a time.
pub const BLOCK: usize = 64 * 1024;

/// Count memory that other threads may write while we read it (a bytearray's, a numpy
/// array's), on `threads` threads as [`count_threads`] does. It is read only through
/// atomic loads (`AtomicU8`), a block at a time into memory of our own, and each copy
/// is counted with the fastest kernel: Rust never assumes the memory stays the same.
/// If it is written meanwhile, the count is of some mix of its old and new bytes.
pub fn count_shared(cells: &[AtomicU8], threads: Option<NonZeroUsize>) -> u64 {
    in_parts(cells, parts(cells.len(), threads), summarise_shared).pairs
}

/// The summary of shared memory, copied out block by block.
fn summarise_shared(cells: &[AtomicU8]) -> Summary<u8> {
    let (blocks, rest) = cells.as_chunks::<BLOCK>();
    let mut summary = Summary::EMPTY;
    for block in blocks {
        // SAFETY: `atomic_load` reads BLOCK bytes from the pointer, a byte-wise atomic
        // copy (C++'s proposed atomic memcpy). The pointer is to BLOCK `AtomicU8`s we
        // borrow, so it is valid for reads, aligned (arrays of bytes need no alignment)
        // and reaches the bytes through `UnsafeCell`, as `AtomicU8` holds its byte; no
        // Rust code writes them. Every byte is initialized, and every value of a byte is
        // a valid `u8`, so the copy is a valid array whatever another thread writes
        // meanwhile. (A writer in C, such as CPython's bytearray, stores without atomics:
        // such a write racing with this copy is a race in C's memory model too, whoever
        // reads; reading only atomically, Rust at least assumes nothing about the bytes.)
        let copy = unsafe {
            atomic_memcpy::atomic_load(block.as_ptr().cast::<[u8; BLOCK]>(), Ordering::Relaxed)
                .assume_init()
        };
        summary = summary.merge(Summary::of(&copy));
    }
    let copy: Vec<u8> = rest
        .iter()
        .map(|cell| cell.load(Ordering::Relaxed))
        .collect();
    summary.merge(Summary::of(&copy))
}
// ANCHOR_END: shared

// ANCHOR: utf8
/// Doubled characters of UTF-8 that arrives in chunks cut anywhere (core/src/utf8.rs).
pub mod utf8;
// ANCHOR_END: utf8

// ANCHOR: tests
#[cfg(test)]
mod tests;
// ANCHOR_END: tests
