//! The streaming UTF-8 counter against plain references that decode the whole input at
//! once with std: `String::from_utf8_lossy` for "replace", `str::from_utf8` for
//! "strict", and `utf8_chunks` for "surrogateescape". Inputs are made of the sequences
//! where decoders go wrong (truncated, overlong, surrogates, above U+10FFFF, stray
//! continuation bytes) between valid characters of every length, and are cut at random
//! points, inside characters too.

use super::*;
use crate::count_doubles;
use proptest::prelude::*;

// ANCHOR: reference
/// The reference loop: neighbouring code points that are equal.
fn pairs(chars: impl IntoIterator<Item = u32>) -> u64 {
    let chars: Vec<u32> = chars.into_iter().collect();
    chars.windows(2).filter(|pair| pair[0] == pair[1]).count() as u64
}

/// Doubled characters of the whole input, decoded at once by std.
fn reference(bytes: &[u8], errors: Errors) -> Result<u64, Fault> {
    match errors {
        Errors::Strict => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(pairs(text.chars().map(u32::from))),
            Err(err) => {
                let start = err.valid_up_to();
                Err(match err.error_len() {
                    None => Fault {
                        start: start as u64,
                        bytes: Held::new(&bytes[start..]),
                        reason: Reason::UnexpectedEnd,
                    },
                    Some(len) => Fault {
                        start: start as u64,
                        bytes: Held::new(&bytes[start..start + len]),
                        // CPython's words: a lone byte that cannot start a character,
                        // or a start cut short.
                        reason: if len == 1 && matches!(bytes[start], 0x80..=0xC1 | 0xF5..=0xFF) {
                            Reason::InvalidStart
                        } else {
                            Reason::InvalidContinuation
                        },
                    },
                })
            }
        },
        Errors::Replace => Ok(pairs(String::from_utf8_lossy(bytes).chars().map(u32::from))),
        Errors::SurrogateEscape => Ok(pairs(bytes.utf8_chunks().flat_map(|chunk| {
            let valid = chunk.valid().chars().map(u32::from);
            let escaped = chunk.invalid().iter().map(|&byte| 0xDC00 + u32::from(byte));
            valid.chain(escaped)
        }))),
    }
}
// ANCHOR_END: reference

// ANCHOR: inputs
/// The sequences inputs are made of.
const ATOMS: &[&[u8]] = &[
    b"a",
    b"b",
    b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // past a 64-byte block
    "é".as_bytes(),
    "€".as_bytes(),
    "😀".as_bytes(),
    "\u{10FFFF}".as_bytes(),
    "\u{FFFD}".as_bytes(), // a real U+FFFD beside a replaced sequence makes a double
    b"\x80",               // continuation bytes with nothing to continue
    b"\xbf",
    b"\xc0\x80", // overlong encodings
    b"\xe0\x80\x80",
    b"\xf0\x80\x80\x80",
    b"\xc1",
    b"\xc3", // starts of characters, cut short
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\xe0\xa0",     // a start whose second byte has a narrow range
    b"\xed\xa0\x80", // surrogates, encoded (invalid in UTF-8)
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80", // above U+10FFFF
    b"\xf5",
    b"\xfe",
    b"\xff",
];

/// An input: edge sequences and random bytes, side by side.
fn input(max_atoms: usize) -> impl Strategy<Value = Vec<u8>> {
    let atom = prop_oneof![
        4 => (0..ATOMS.len()).prop_map(|i| ATOMS[i].to_vec()),
        1 => any::<u8>().prop_map(|byte| vec![byte]),
    ];
    prop::collection::vec(atom, 0..max_atoms).prop_map(|atoms| atoms.concat())
}

/// An input and the places it is cut at (sorted, repeats allowed: empty chunks too).
fn cut_input(max_atoms: usize) -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    input(max_atoms).prop_flat_map(|bytes| {
        let len = bytes.len();
        let cuts = prop::collection::vec(0..=len, 0..12).prop_map(|mut cuts| {
            cuts.sort_unstable();
            cuts
        });
        (Just(bytes), cuts)
    })
}

/// The chunks an input is cut into.
fn chunks<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain([&bytes.len()]) {
        out.push(&bytes[start..cut]);
        start = cut;
    }
    out
}

fn errors() -> impl Strategy<Value = Errors> {
    prop_oneof![
        Just(Errors::Strict),
        Just(Errors::Replace),
        Just(Errors::SurrogateEscape)
    ]
}
// ANCHOR_END: inputs

/// Feed the chunks one after the other, as a file is read: stop at the first fault.
fn streamed(chunks: &[&[u8]], errors: Errors) -> Result<u64, Fault> {
    let mut state = Utf8Summary::STREAM;
    for chunk in chunks {
        state = state.feed(chunk, errors);
        if let Some(fault) = state.fault() {
            return Err(fault);
        }
    }
    state.finish(errors)
}

/// The summary of each chunk on its own, as a piece that may begin inside a character.
fn pieces(chunks: &[&[u8]], errors: Errors) -> Vec<Utf8Summary> {
    chunks
        .iter()
        .map(|chunk| Utf8Summary::PIECE.feed(chunk, errors))
        .collect()
}

/// Merge summaries in order, one after the other.
fn chain(summaries: &[Utf8Summary], errors: Errors) -> Utf8Summary {
    summaries
        .iter()
        .fold(Utf8Summary::PIECE, |acc, next| acc.merge(*next, errors))
}

/// Merge summaries the way rayon's `reduce` may: halves first, recursively.
fn tree(summaries: &[Utf8Summary], errors: Errors) -> Utf8Summary {
    match summaries {
        [] => Utf8Summary::PIECE,
        [one] => *one,
        _ => {
            let (left, right) = summaries.split_at(summaries.len() / 2);
            tree(left, errors).merge(tree(right, errors), errors)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    // ANCHOR: streamed
    /// Chunks fed in order count what the whole input decoded at once counts, and
    /// "strict" reports the same fault: same position, length and reason.
    #[test]
    fn streaming_equals_whole((bytes, cuts) in cut_input(40), errors in errors()) {
        prop_assert_eq!(streamed(&chunks(&bytes, &cuts), errors), reference(&bytes, errors));
    }
    // ANCHOR_END: streamed

    /// One byte at a time: every cut inside every character.
    #[test]
    fn byte_at_a_time(bytes in input(20), errors in errors()) {
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(streamed(&chunks, errors), reference(&bytes, errors));
    }

    // ANCHOR: merged
    /// Each chunk summarised on its own, as another thread or process would, then merged
    /// in order, in a chain or in a tree, counts the whole, and under "strict" finds
    /// the same first fault at the same position.
    #[test]
    fn merged_pieces_equal_whole((bytes, cuts) in cut_input(40), errors in errors()) {
        let pieces = pieces(&chunks(&bytes, &cuts), errors);
        let whole = reference(&bytes, errors);
        prop_assert_eq!(chain(&pieces, errors).finish(errors), whole);
        prop_assert_eq!(tree(&pieces, errors).finish(errors), whole);
    }
    // ANCHOR_END: merged

    /// Merging is associative, faults included: (a·b)·c == a·(b·c), summary for
    /// summary; and the empty piece changes nothing on either side.
    #[test]
    fn merge_is_associative((bytes, cuts) in cut_input(30), errors in errors()) {
        let mut cuts = cuts;
        cuts.truncate(2);
        while cuts.len() < 2 {
            cuts.push(bytes.len());
        }
        let s = pieces(&chunks(&bytes, &cuts), errors);
        let left = s[0].merge(s[1], errors).merge(s[2], errors);
        let right = s[0].merge(s[1].merge(s[2], errors), errors);
        prop_assert_eq!(left, right);
        prop_assert_eq!(Utf8Summary::PIECE.merge(s[0], errors), s[0]);
        prop_assert_eq!(s[0].merge(Utf8Summary::PIECE, errors), s[0]);
        // And merging equals feeding: the summary of the bytes side by side.
        let fed = Utf8Summary::PIECE.feed(&bytes, errors);
        prop_assert_eq!(left, fed);
    }

    /// A summary taken apart and put together (as pickling does) is the same summary.
    #[test]
    fn parts_round_trip((bytes, cuts) in cut_input(20), errors in errors()) {
        let chunks = chunks(&bytes, &cuts);
        let mut state = Utf8Summary::PIECE;
        for chunk in chunks {
            state = state.feed(chunk, errors);
            let again = Utf8Summary::from_parts(state.len(), state.head(), state.parts());
            prop_assert_eq!(again, Ok(state));
        }
    }

    /// Bytes: any split of any input, summarised and merged, is the whole count.
    #[test]
    fn byte_summaries_merge((bytes, cuts) in cut_input(40)) {
        let merged = chunks(&bytes, &cuts)
            .iter()
            .fold(Summary::EMPTY, |acc, chunk| acc.merge(Summary::of(chunk)));
        prop_assert_eq!(merged, Summary::of(&bytes));
        prop_assert_eq!(merged.pairs, count_doubles(&bytes));
    }
}

/// Long valid text: runs of a short pattern of characters, ASCII only or of every length,
/// each repeated up to 999 times, so that a text is about 12 KB (up to some 45 KB): across
/// several 4096-byte blocks, some all ASCII, some mixed, and some that would end inside a
/// character, 1, 2 or 3 bytes back. A text of runs is cheap to make however long it is,
/// where a text drawn a character at a time costs a draw per character: 500 such texts
/// cross about 1400 block ends (some 500 of them inside a character) in a fraction of a
/// second, where 2000 texts drawn a character at a time took seconds.
fn long_text() -> impl Strategy<Value = String> {
    let pattern = prop_oneof![
        prop::collection::vec(prop::sample::select(vec!['a', 'b']), 1..6),
        prop::collection::vec(prop::sample::select(vec!['a', 'b', 'é', '€', '😀']), 1..6),
    ];
    prop::collection::vec((pattern, 1..1000usize), 0..12).prop_map(|runs| {
        runs.iter()
            .map(|(pattern, times)| pattern.iter().collect::<String>().repeat(*times))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Long valid text, ASCII and not: the block-by-block count equals the reference
    /// loop, across the 4096-byte blocks.
    #[test]
    fn text_blocks(text in long_text()) {
        let expected = pairs(text.chars().map(u32::from));
        prop_assert_eq!(summary_of_text(&text).pairs, expected);
        prop_assert_eq!(count_utf8(text.as_bytes(), Errors::Strict), Ok(expected));
    }
}

// ANCHOR: examples
#[test]
fn examples_python_agrees_with() {
    // Each checked with CPython 3.11: len of pairs in bytes.decode("utf-8", errors).
    use Errors::*;
    assert_eq!(count_utf8(b"\x80\x80", Replace), Ok(1)); // two U+FFFD
    assert_eq!(count_utf8(b"\x80\x81", Replace), Ok(1));
    assert_eq!(count_utf8(b"\x80\x80", SurrogateEscape), Ok(1)); // two U+DC80
    assert_eq!(count_utf8(b"\x80\x81", SurrogateEscape), Ok(0)); // U+DC80, U+DC81
    assert_eq!(
        count_utf8(
            "\u{FFFD}"
                .as_bytes()
                .iter()
                .chain(b"\xff")
                .copied()
                .collect::<Vec<_>>()
                .as_slice(),
            Replace
        ),
        Ok(1)
    );
    // An overlong encoding is invalid byte by byte: C0 is never a start, 80 never either.
    assert_eq!(count_utf8(b"\xc0\x80", Replace), Ok(1));
    // A start cut short by a byte that cannot continue it is one invalid sequence.
    assert_eq!(count_utf8(b"\xe2\x82\xe2\x82", Replace), Ok(1));
}

#[test]
fn strict_faults_are_cpythons() {
    use Reason::*;
    let cases: [(&[u8], u64, &[u8], Reason); 5] = [
        (b"ab\xff", 2, b"\xff", InvalidStart),
        (b"\xe2\x82a", 0, b"\xe2\x82", InvalidContinuation),
        (b"a\xe2\x82", 1, b"\xe2\x82", UnexpectedEnd),
        (b"\xed\xa0\x80", 0, b"\xed", InvalidContinuation),
        (b"\xc0\x80", 0, b"\xc0", InvalidStart),
    ];
    for (input, start, bad, reason) in cases {
        let fault = Fault {
            start,
            bytes: Held::new(bad),
            reason,
        };
        assert_eq!(count_utf8(input, Errors::Strict), Err(fault));
        assert_eq!(Reason::from_name(reason.as_str()), Some(reason));
    }
}

#[test]
fn strict_faults_in_later_chunks_are_counted_from_the_stream_start() {
    // CPython: b"abcd\xe2\x82\xacz\xff".decode() fails at start 8, and
    // b"a\xe2\x82\xacb\xff".decode() at start 5, "invalid start byte" both.
    let fault = |start| Fault {
        start,
        bytes: Held::new(b"\xff"),
        reason: Reason::InvalidStart,
    };
    let chunks: [&[u8]; 2] = [b"abc", b"d\xe2\x82\xacz\xff"];
    assert_eq!(streamed(&chunks, Errors::Strict), Err(fault(8)));
    // A character cut between the chunks, then a fault after it.
    let chunks: [&[u8]; 2] = [b"a\xe2", b"\x82\xacb\xff"];
    assert_eq!(streamed(&chunks, Errors::Strict), Err(fault(5)));
}

#[test]
fn many_invalid_sequences_in_a_later_chunk() {
    // b"a" + b"a\xff" * 70, decoded by CPython with "replace" or "surrogateescape":
    // one double (the two a's at the start), the 70 U+FFFD or U+DCFF each between a's.
    let garbage = b"a\xff".repeat(70);
    for errors in [Errors::Replace, Errors::SurrogateEscape] {
        assert_eq!(streamed(&[b"a", &garbage[..]], errors), Ok(1));
    }
}

#[test]
fn escaped_bytes_are_the_surrogates_python_gives() {
    // b"\x80".decode("utf-8", "surrogateescape") == "\udc80": a str holding that
    // surrogate after it is a double, as in b"a\x80".decode(..., "surrogateescape") +
    // "\udc80", whose pairs CPython counts as 1.
    let state = Utf8Summary::STREAM.feed(b"a\x80", Errors::SurrogateEscape);
    match state.parts() {
        Parts::Body(chars, tail) => assert_eq!(
            (chars.first, chars.last, tail),
            (Some(97), Some(0xDC80), &b""[..])
        ),
        other => panic!("a body after a character, not {other:?}"),
    }
    let joined = state.push_chars(Summary::of(&[0xDC80u32]), Errors::SurrogateEscape);
    assert_eq!(joined.finish(Errors::SurrogateEscape), Ok(1));
}

#[test]
fn errors_by_python_names() {
    use Errors::*;
    // The names bytes.decode takes (codecs.lookup_error knows each), both ways.
    for (name, errors) in [
        ("strict", Strict),
        ("replace", Replace),
        ("surrogateescape", SurrogateEscape),
    ] {
        assert_eq!(Errors::from_name(name), Some(errors));
        assert_eq!(errors.name(), name);
    }
    // Python's names are case-sensitive (lookup_error("Strict") raises LookupError),
    // and "ignore" is a handler Python has and we do not.
    for name in ["Strict", "ignore", ""] {
        assert_eq!(Errors::from_name(name), None);
    }
}

#[test]
fn a_summary_knows_its_length_and_its_decided_pairs() {
    use Errors::*;
    assert!(Utf8Summary::PIECE.is_empty() && Utf8Summary::STREAM.is_empty());
    assert!(Utf8Summary::STREAM.feed(b"", Strict).is_empty());
    // "aaßß€" then the first two bytes of "€": the pairs decided are aa and ßß; the
    // unfinished € is not one yet. Finished, "aaßß€€" has 3 pairs, as CPython counts.
    let state = Utf8Summary::STREAM
        .feed("aaßß€".as_bytes(), Strict)
        .feed(b"\xe2\x82", Strict);
    assert_eq!(
        (state.len(), state.is_empty(), state.pairs()),
        (11, false, 2)
    );
    let state = state.feed(b"\xac", Strict);
    assert_eq!((state.pairs(), state.finish(Strict)), (3, Ok(3)));
    // A piece of continuation bytes only: bytes seen, no characters decided.
    let head = Utf8Summary::PIECE.feed(b"\x82\xac", Strict);
    assert_eq!((head.len(), head.is_empty(), head.pairs()), (2, false, 0));
    // After a fault, nothing is decided: b"xx\xff".decode() fails at start 2.
    let failed = Utf8Summary::STREAM.feed(b"xx\xff", Strict);
    assert_eq!(
        (failed.pairs(), failed.fault().map(|fault| fault.start)),
        (0, Some(2))
    );
}

#[test]
fn a_character_cut_in_three() {
    // "€€" is E2 82 AC E2 82 AC: cut inside both characters.
    let chunks: [&[u8]; 3] = [b"\xe2", b"\x82\xac\xe2\x82", b"\xac"];
    assert_eq!(streamed(&chunks, Errors::Strict), Ok(1));
    // As pieces: the second begins with continuation bytes that only the merge decides.
    let pieces = pieces(&chunks, Errors::Strict);
    assert_eq!(pieces[1].head(), b"\x82\xac");
    assert_eq!(chain(&pieces, Errors::Strict).finish(Errors::Strict), Ok(1));
    // On its own, the second piece begins with two invalid bytes.
    let alone = pieces[1].finish(Errors::Strict);
    assert_eq!(
        alone,
        Err(Fault {
            start: 0,
            bytes: Held::new(b"\x82"),
            reason: Reason::InvalidStart
        })
    );
}

#[test]
fn a_fault_moves_with_the_pieces_before_it() {
    // "ab" then "c\xff": the fault is at 1 in the second piece, at 3 in the whole.
    let first = Utf8Summary::PIECE.feed(b"ab", Errors::Strict);
    let second = Utf8Summary::PIECE.feed(b"c\xff", Errors::Strict);
    assert_eq!(
        second.fault(),
        Some(Fault {
            start: 1,
            bytes: Held::new(b"\xff"),
            reason: Reason::InvalidStart
        })
    );
    let whole = first.merge(second, Errors::Strict);
    assert_eq!(
        whole.fault(),
        Some(Fault {
            start: 3,
            bytes: Held::new(b"\xff"),
            reason: Reason::InvalidStart
        })
    );
    // A summary is a value: feeding makes a new one and leaves the old one as it was.
    let state = Utf8Summary::STREAM.feed(b"aa\xe2", Errors::Strict);
    assert!(state.feed(b"b", Errors::Strict).fault().is_some());
    assert_eq!(
        state
            .feed(b"\x82\xac", Errors::Strict)
            .finish(Errors::Strict),
        Ok(1)
    );
}

#[test]
fn parts_that_no_input_gives_are_refused() {
    use Parts::{Body, Fault as Failed, Head};
    let chars = Summary {
        pairs: 0,
        first: Some(97),
        last: Some(97),
    };
    let from = Utf8Summary::from_parts;
    assert!(from(1, b"a", Head).is_err()); // head: continuation bytes only
    assert!(from(5, b"\x80", Head).is_err()); // no body: len is the head's
    assert!(from(9, b"", Body(chars, b"\xe2\x82\xac")).is_err()); // a whole char
    assert!(from(9, b"", Body(chars, b"\xff")).is_err());
    let no_chars = Summary {
        pairs: 3,
        first: None,
        last: None,
    };
    assert!(from(9, b"", Body(no_chars, b"")).is_err());
    let too_big = Summary {
        pairs: 0,
        first: Some(0x110000),
        last: Some(97),
    };
    assert!(from(9, b"", Body(too_big, b"")).is_err());
    assert!(from(1, b"", Body(chars, b"\xe2\x82")).is_err()); // len < held
    assert!(from(9, b"\x80", Body(chars, b"\xe2\x82")).is_ok());
    let fault = |start, bad: &[u8]| {
        Failed(Fault {
            start,
            bytes: Held::new(bad),
            reason: Reason::InvalidStart,
        })
    };
    assert!(from(9, b"\x80", fault(0, b"\xff")).is_err()); // in the head
    assert!(from(9, b"", fault(8, b"\xe2\x82")).is_err()); // past the end
    assert!(from(9, b"", fault(8, b"")).is_err());
    assert!(from(9, b"\x80", fault(8, b"\xff")).is_ok());
}

// ANCHOR_END: examples
