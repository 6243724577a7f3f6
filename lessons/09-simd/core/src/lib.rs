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
//! remembers the choice.

// ANCHOR: dispatch
use std::sync::OnceLock;

/// The items CPython stores a str in (and bytes): one, two or four bytes each.
///
/// # Safety
/// Two items are equal exactly when all their bytes are equal, and an item has no
/// padding (every byte of it is part of its value). The AVX2 kernel compares bytes, not
/// values: it would be wrong for `f32`, where `0.0 == -0.0` though their bytes differ,
/// and would read uninitialized memory in a type with padding.
pub unsafe trait Item: Copy + PartialEq + 'static {
    /// The fastest kernel for this item type on this processor, chosen on first use.
    fn kernel() -> fn(&[Self]) -> u64;
}

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

// ANCHOR: tests
#[cfg(test)]
mod tests;
// ANCHOR_END: tests
