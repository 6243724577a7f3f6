//! Counting doubles: the places where an item is followed by an equal one.
//!
//! This crate knows nothing of Python. The binding (`../src/lib.rs`) hands it a slice:
//! the bytes of a `bytes` object, or a `str` exactly as CPython stores it, one, two or
//! four bytes per character. Comparing the stored values compares the characters,
//! because each kind of storage holds one code point per item.

// ANCHOR: count_doubles
/// Count the places where an item is followed by an equal one.
///
/// The loop of the lessons before, over any slice whose items can be compared:
/// `u8`, `u16` and `u32` for the three kinds of `str` storage, `u8` for bytes.
///
/// ```
/// assert_eq!(doubles_core::count_doubles(b"abbcCddef"), 2);
/// assert_eq!(doubles_core::count_doubles(&[7u32, 7, 7]), 2);
/// ```
pub fn count_doubles<T: PartialEq>(items: &[T]) -> u64 {
    let mut total = 0;
    for (a, b) in items.iter().zip(items.iter().skip(1)) {
        if a == b {
            total += 1;
        }
    }
    total
}
// ANCHOR_END: count_doubles

// ANCHOR: tests
#[cfg(test)]
mod tests {
    use super::count_doubles;
    use proptest::prelude::*;

    /// The same count written another way: by index, as the definition says it.
    fn by_index<T: PartialEq>(items: &[T]) -> u64 {
        (1..items.len())
            .filter(|&i| items[i - 1] == items[i])
            .count() as u64
    }

    #[test]
    fn the_tutorials_example() {
        assert_eq!(count_doubles(b"abbcCddef"), 2);
    }

    #[test]
    fn empty_and_single_items_have_no_doubles() {
        assert_eq!(count_doubles::<u8>(&[]), 0);
        assert_eq!(count_doubles(&[0u16]), 0);
        assert_eq!(count_doubles(&[0u32, 0]), 1);
    }

    // Few distinct values make doubles common; the width of the items changes nothing.
    proptest! {
        #[test]
        fn agrees_with_the_definition_for_bytes(items in prop::collection::vec(0u8..4, 0..300)) {
            prop_assert_eq!(count_doubles(&items), by_index(&items));
        }

        #[test]
        fn agrees_with_the_definition_for_wide_items(items in prop::collection::vec(0u32..4, 0..300)) {
            prop_assert_eq!(count_doubles(&items), by_index(&items));
        }

        #[test]
        fn a_run_of_n_equal_items_has_n_minus_1_doubles(item: u16, n in 1usize..1000) {
            prop_assert_eq!(count_doubles(&vec![item; n]), n as u64 - 1);
        }

        #[test]
        fn joining_two_slices_adds_at_most_one_double(
            a in prop::collection::vec(0u8..4, 1..100),
            b in prop::collection::vec(0u8..4, 1..100),
        ) {
            let joined = [a.as_slice(), b.as_slice()].concat();
            let seam = u64::from(a.last() == b.first());
            prop_assert_eq!(count_doubles(&joined), count_doubles(&a) + count_doubles(&b) + seam);
        }

        #[test]
        fn reversing_keeps_the_count(items in prop::collection::vec(0u8..4, 0..300)) {
            let reversed: Vec<u8> = items.iter().rev().copied().collect();
            prop_assert_eq!(count_doubles(&reversed), count_doubles(&items));
        }
    }
}
// ANCHOR_END: tests
