//! Every kernel against the reference loop, the way the memchr crate tests its own:
//! every length up to a few blocks, every start within a 64-byte-aligned buffer, the
//! lengths around each counter flush, and random inputs (proptest).

// ANCHOR: oracle
use super::*;
use proptest::prelude::*;

/// A kernel, by name.
type Named<T> = (&'static str, fn(&[T]) -> u64);

/// Every kernel this processor can run.
fn kernels<T: Item>() -> Vec<Named<T>> {
    let mut out: Vec<Named<T>> = vec![
        ("portable", portable::count::<T>),
        ("chosen", count_doubles::<T>),
    ];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        out.push(("avx2", avx2::count_checked::<T>));
    }
    out
}

/// Items with many doubles, and runs: a pattern of small values.
fn pattern<T: Item + From<u8>>(len: usize, seed: u64) -> Vec<T> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            T::from(((state >> 33) % 3) as u8)
        })
        .collect()
}

fn agree<T: Item + std::fmt::Debug>(items: &[T], what: &str) {
    let expected = naive(items);
    for (name, kernel) in kernels::<T>() {
        assert_eq!(kernel(items), expected, "{name} on {what}");
    }
}
// ANCHOR_END: oracle

// ANCHOR: offsets
/// A buffer whose first byte is 64-byte aligned, so that offsets walk every alignment.
#[repr(C, align(64))]
struct Aligned([u8; 4096 + 1024]);

fn every_length_and_offset<T: Item + From<u8> + std::fmt::Debug>() {
    let mut buffer = Box::new(Aligned([0; 4096 + 1024]));
    let width = size_of::<T>();
    for len in 0..=257 {
        for offset in 0..64 / width {
            let items = pattern::<T>(len, len as u64);
            // SAFETY: the buffer holds 5,120 bytes, and offset + len items need at most
            // 64 + 257 * 4 bytes; Aligned is 64-byte aligned, so start is aligned for T.
            let slice = unsafe {
                let start = buffer.0.as_mut_ptr().cast::<T>().add(offset);
                std::ptr::copy_nonoverlapping(items.as_ptr(), start, len);
                std::slice::from_raw_parts(start, len)
            };
            agree(slice, &format!("{len} items at offset {offset}"));
        }
    }
}

#[test]
fn bytes_at_every_length_and_offset() {
    every_length_and_offset::<u8>();
}

#[test]
fn two_byte_items_at_every_length_and_offset() {
    every_length_and_offset::<u16>();
}

#[test]
fn four_byte_items_at_every_length_and_offset() {
    every_length_and_offset::<u32>();
}
// ANCHOR_END: offsets

// ANCHOR: edges
fn around_the_flushes<T: Item + From<u8> + std::fmt::Debug>() {
    let width = size_of::<T>();
    // Where the counters are flushed: after FLUSH blocks of LANES items (portable) or of
    // 32 bytes (AVX2); and around a page, 4096 bytes.
    let flushes = [portable::CHUNK, 32 * avx2_flush() / width, 4096 / width];
    for edge in flushes {
        for times in 1..=2 {
            for len in (edge * times).saturating_sub(3)..=edge * times + 3 {
                agree(&pattern::<T>(len, 7), &format!("{len} items"));
                // All equal: every block's counters fill up completely.
                agree(&vec![T::from(1); len], &format!("{len} equal items"));
            }
        }
    }
}

fn avx2_flush() -> usize {
    #[cfg(target_arch = "x86_64")]
    return avx2::FLUSH;
    #[cfg(not(target_arch = "x86_64"))]
    return portable::FLUSH;
}

#[test]
fn around_every_counter_flush() {
    around_the_flushes::<u8>();
    around_the_flushes::<u16>();
    around_the_flushes::<u32>();
}

#[test]
fn long_runs_across_blocks() {
    // a megabyte of one value, then runs of growing length
    agree(&vec![b'a'; 1 << 20], "a megabyte of 'a'");
    let runs: Vec<u16> = (0..2000u16)
        .flat_map(|n| std::iter::repeat_n(n, n as usize % 97))
        .collect();
    agree(&runs, "runs of 0 to 96 equal items");
}

#[test]
fn the_tutorials_example() {
    assert_eq!(count_doubles(b"abbcCddef"), 2);
}

proptest! {
    #[test]
    fn random_bytes(items in prop::collection::vec(0u8..3, 0..2000)) {
        agree(&items, "random bytes");
    }

    #[test]
    fn random_wide_items(items in prop::collection::vec(0u32..3, 0..2000)) {
        agree(&items, "random four-byte items");
    }

    #[test]
    fn the_bytes_of_the_other_widths_never_count(items in prop::collection::vec(any::<u16>(), 0..600)) {
        // Equal bytes inside unequal items (0x0101 beside 0x0102) must not count.
        agree(&items, "random two-byte items");
    }
}
// ANCHOR_END: edges
