//! Every kernel against the reference loop, the way the memchr crate tests its own:
//! every length up to a few blocks, every start within a 64-byte-aligned buffer, the
//! lengths where a kernel's counters must be flushed, long runs, and random inputs
//! (proptest). The lengths are written out as numbers, never computed from the
//! kernels' own constants: a test that moved with `CHUNK` or `FLUSH` could not catch a
//! wrong one.

// ANCHOR: oracle
use super::*;
use proptest::prelude::*;

/// A kernel, by name.
type Named<T> = (&'static str, fn(&[T]) -> u64);

/// Every kernel this processor can run (with the `portable` feature, the portable one).
fn kernels<T: Item>() -> Vec<Named<T>> {
    #[allow(unused_mut)] // nothing is pushed where the AVX2 kernel is compiled out
    let mut out: Vec<Named<T>> = vec![
        ("portable", portable::count::<T>),
        ("chosen", count_doubles::<T>),
    ];
    #[cfg(all(target_arch = "x86_64", not(feature = "portable")))]
    if let Some(kernel) = avx2::detect::<T>() {
        out.push(("avx2", kernel));
    }
    out
}

/// Item types made from small numbers, for patterns with many doubles.
trait Small: Item + std::fmt::Debug {
    fn small(value: u8) -> Self;
}

impl Small for u8 {
    fn small(value: u8) -> Self {
        value
    }
}

impl Small for u16 {
    fn small(value: u8) -> Self {
        value.into()
    }
}

impl Small for u32 {
    /// A character: 'a', 'b' or 'c' itself, or one whose code point shares its first two
    /// bytes (U+10061 beside 'a'), so that equal bytes inside unequal items abound.
    fn small(value: u8) -> Self {
        u32::from_le_bytes([b'a' + value % 3, 0, value / 3, 0])
    }
}

/// Items with many doubles, and runs: a pattern of small values.
fn pattern<T: Small>(len: usize, seed: u64) -> Vec<T> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            T::small(((state >> 33) % 6) as u8)
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

fn every_length_and_offset<T: Small>() {
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

// ANCHOR_END: offsets

// ANCHOR: edges
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

/// Each length, and a few items either side, as a pattern and as one run of equal items
/// (where every counter fills up as far as it can).
fn around<T: Small>(lengths: &[usize]) {
    for &edge in lengths {
        for len in edge.saturating_sub(3)..=edge + 3 {
            agree(&pattern::<T>(len, 7), &format!("{len} items"));
            agree(&vec![T::small(1); len], &format!("{len} equal items"));
        }
    }
}

/// Lengths in items, for items of `width` bytes, whose pairs span `bytes` bytes.
fn items_for(width: usize, bytes: &[usize]) -> Vec<usize> {
    bytes.iter().map(|bytes| bytes / width + 1).collect()
}

fn around_every_edge<T: Small>() {
    let width = size_of::<T>();
    // One and two chunks of 255 pairs (a u8 counter's limit), and 256 pairs.
    around::<T>(&[255 + 1, 256 + 1, 2 * 255 + 1, 2 * 256 + 1]);
    // Blocks of 32 bytes: 255 of them (a byte counter's limit), 256, and twice those;
    // and a page of 4096 bytes.
    around::<T>(&items_for(
        width,
        &[32 * 255, 32 * 256, 2 * 32 * 255, 2 * 32 * 256, 4096],
    ));
}

#[test]
fn bytes_around_every_edge() {
    around_every_edge::<u8>();
}

#[test]
fn two_byte_items_around_every_edge() {
    around_every_edge::<u16>();
}

#[test]
fn four_byte_items_around_every_edge() {
    around_every_edge::<u32>();
}

fn long_runs<T: Small>() {
    for len in [10_000, 100_000] {
        agree(
            &vec![T::small(2); len],
            &format!("a run of {len} equal items"),
        );
    }
    // Runs of growing length, then one of many equal items between two others.
    let runs: Vec<T> = (0..1500u32)
        .flat_map(|n| std::iter::repeat_n(T::small((n % 6) as u8), n as usize % 97))
        .collect();
    agree(&runs, "runs of 0 to 96 equal items");
    let mut between = vec![T::small(1); 50_000];
    between[0] = T::small(0);
    between[49_999] = T::small(0);
    agree(&between, "50,000 items, equal but the first and the last");
}

#[test]
fn long_runs_of_every_width() {
    long_runs::<u8>();
    long_runs::<u16>();
    long_runs::<u32>();
    agree(&vec![b'a'; 1 << 20], "a megabyte of 'a'");
}

#[test]
fn the_tutorials_example() {
    assert_eq!(count_doubles(b"abbcCddef"), 2);
}

#[test]
fn the_counts_themselves() {
    // Answers written out, for kernels that agree with `naive` because both are wrong.
    for (name, kernel) in kernels::<u8>() {
        assert_eq!(kernel(&[7; 257]), 256, "{name} on 257 equal bytes");
        assert_eq!(kernel(&[7; 10_000]), 9_999, "{name} on 10,000 equal bytes");
    }
    for (name, kernel) in kernels::<u32>() {
        let chars = [0x61, 0x61, 0x10061, 0x61];
        assert_eq!(kernel(&chars), 1, "{name} on 'a', 'a', U+10061, 'a'");
    }
}

/// Where the processor has AVX2, the AVX2 kernel is offered for every item type: a
/// detection that never offered it would leave only the portable kernel, whose answers
/// are right, and every test above would pass (slowly).
#[cfg(all(target_arch = "x86_64", not(feature = "portable")))]
#[test]
fn avx2_is_offered_where_the_processor_has_it() {
    let has = std::arch::is_x86_feature_detected!("avx2");
    assert_eq!(avx2::detect::<u8>().is_some(), has, "bytes");
    assert_eq!(avx2::detect::<u16>().is_some(), has, "two-byte items");
    assert_eq!(avx2::detect::<u32>().is_some(), has, "four-byte items");
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

    #[test]
    fn random_characters_alike_in_most_bytes(
        items in prop::collection::vec(prop::array::uniform4(0u8..2).prop_map(u32::from_le_bytes), 0..2000),
    ) {
        // Sixteen four-byte values that share most of their bytes with one another.
        agree(&items, "random four-byte items alike in most bytes");
    }
}
// ANCHOR_END: edges

// ANCHOR: summaries
/// Cut `items` at `cuts` (sorted, each at most its length; equal cuts make empty
/// pieces), summarise each piece, and merge the summaries in order.
fn merged<T: Item>(items: &[T], cuts: &[usize]) -> Summary<T> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        pieces.push(&items[start..cut]);
        start = cut;
    }
    pieces.push(&items[start..]);
    pieces
        .into_iter()
        .map(Summary::of)
        .fold(Summary::EMPTY, Summary::merge)
}

/// Random items and random cut points into them (sorted; repeats make empty pieces).
fn cut<T: Clone + std::fmt::Debug>(
    items: impl Strategy<Value = Vec<T>>,
) -> impl Strategy<Value = (Vec<T>, Vec<usize>)> {
    items.prop_flat_map(|items| {
        let len = items.len();
        let cuts = prop::collection::vec(0..=len, 0..8).prop_map(|mut cuts| {
            cuts.sort_unstable();
            cuts
        });
        (Just(items), cuts)
    })
}

proptest! {
    #[test]
    fn any_split_of_bytes_merged_is_the_whole_count((items, cuts) in cut(prop::collection::vec(0u8..3, 0..600))) {
        prop_assert_eq!(merged(&items, &cuts), Summary::of(&items));
        prop_assert_eq!(merged(&items, &cuts).pairs, naive(&items));
    }

    #[test]
    fn any_split_of_wide_items_merged_is_the_whole_count((items, cuts) in cut(prop::collection::vec(0u32..3, 0..600))) {
        prop_assert_eq!(merged(&items, &cuts), Summary::of(&items));
        prop_assert_eq!(merged(&items, &cuts).pairs, naive(&items));
    }

    #[test]
    fn merging_is_associative(
        a in prop::collection::vec(0u8..2, 0..5),
        b in prop::collection::vec(0u8..2, 0..5),
        c in prop::collection::vec(0u8..2, 0..5),
    ) {
        let (a, b, c) = (Summary::of(&a), Summary::of(&b), Summary::of(&c));
        prop_assert_eq!(a.merge(b).merge(c), a.merge(b.merge(c)));
    }

    #[test]
    fn the_empty_summary_changes_nothing(items in prop::collection::vec(0u16..3, 0..20)) {
        let summary = Summary::of(&items);
        prop_assert_eq!(Summary::EMPTY.merge(summary), summary);
        prop_assert_eq!(summary.merge(Summary::EMPTY), summary);
        prop_assert_eq!(summary.is_empty(), items.is_empty());
    }
}

#[test]
fn a_summary_holds_the_ends_and_the_seam_pair() {
    let left = Summary::of(b"abb");
    let right = Summary::of(b"bcc");
    assert_eq!(
        (left.pairs, left.first, left.last),
        (1, Some(b'a'), Some(b'b'))
    );
    let whole = left.merge(right);
    assert_eq!(
        (whole.pairs, whole.first, whole.last),
        (3, Some(b'a'), Some(b'c'))
    );
    assert_eq!(Summary::<u8>::default(), Summary::EMPTY);
    assert!(Summary::<u8>::EMPTY.is_empty() && !left.is_empty());
    // Empty means neither end: a summary made by hand with one end is not empty.
    let one_end = Summary {
        pairs: 0,
        first: Some(b'a'),
        last: None,
    };
    assert!(!one_end.is_empty());
}
// ANCHOR_END: summaries

// ANCHOR: parts
/// `count_in_parts` in 1 to 9 parts, `count_threads` and `count_parallel`, against the
/// reference, on inputs from tiny (more parts than items) to a few blocks.
fn every_split<T: Small>() {
    for len in (0..40).chain([255, 1000, 4097, 100_000]) {
        for items in [pattern::<T>(len, len as u64), vec![T::small(1); len]] {
            let expected = naive(&items);
            for parts in 1..=9 {
                let parts = NonZeroUsize::new(parts).unwrap();
                assert_eq!(
                    count_in_parts(&items, parts),
                    expected,
                    "{len} items in {parts} parts"
                );
                assert_eq!(
                    count_threads(&items, Some(parts)),
                    expected,
                    "{len} items on {parts} threads"
                );
            }
            assert_eq!(
                count_threads(&items, None),
                expected,
                "{len} items on every thread"
            );
            assert_eq!(count_parallel(&items), expected, "{len} items, in parallel");
        }
    }
}

#[test]
fn bytes_in_every_number_of_parts() {
    every_split::<u8>();
}

#[test]
fn two_byte_items_in_every_number_of_parts() {
    every_split::<u16>();
}

#[test]
fn four_byte_items_in_every_number_of_parts() {
    every_split::<u32>();
}

#[test]
fn a_long_input_is_counted_in_parallel_too() {
    // Past 4 Mi items (written as a number, not as PARALLEL_FROM), where the default splits.
    let items = pattern::<u8>(5_000_000, 3);
    assert_eq!(count_parallel(&items), naive(&items));
    assert_eq!(count_threads(&items, None), naive(&items));
}

/// Memory another thread may write: the same counts, read through atomic loads, across
/// the 64 KiB blocks it is copied out in (lengths written as numbers).
#[test]
fn shared_memory_in_every_number_of_parts() {
    let block = 64 * 1024;
    for len in [
        0,
        1,
        2,
        3,
        100,
        block - 1,
        block,
        block + 1,
        2 * block + 7,
        300_000,
    ] {
        let items = pattern::<u8>(len, 11);
        let cells: Vec<AtomicU8> = items.iter().map(|&byte| AtomicU8::new(byte)).collect();
        let expected = naive(&items);
        for parts in 1..=9 {
            let parts = NonZeroUsize::new(parts).unwrap();
            assert_eq!(
                count_shared(&cells, Some(parts)),
                expected,
                "{len} shared bytes in {parts} parts"
            );
        }
        assert_eq!(
            count_shared(&cells, None),
            expected,
            "{len} shared bytes on every thread"
        );
        let run: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(b'a')).collect();
        assert_eq!(
            count_shared(&run, None),
            len.saturating_sub(1) as u64,
            "a run of {len} shared bytes"
        );
    }
}
// ANCHOR_END: parts
