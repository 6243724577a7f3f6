//! Doubled characters of UTF-8 text that arrives in pieces cut anywhere, even inside a
//! character, with memory that does not grow with the text.
//!
//! A character is 1 to 4 bytes of UTF-8. A piece of bytes cut from a stream can end
//! inside one (its first 1–3 bytes are here, the rest in the next piece) and can begin
//! inside one (up to 3 continuation bytes that finish a character begun before it). So
//! a piece is summed up by a [`Utf8Summary`]: the [`Summary`] of the characters it
//! decodes for sure, plus the 0–3 bytes at each end that only the neighbouring piece
//! can decide. Feeding the next chunk, or merging the next piece's summary, decides them.
//!
//! Invalid bytes are handled as CPython's UTF-8 decoder handles them, with the same
//! three `errors=` (see [`Errors`]). Both agree on what one invalid sequence is: the
//! longest start of a valid character (or 1 byte), the "maximal subpart" of Unicode's
//! chapter 3, which is also what `std::str::Utf8Error::error_len` and
//! `String::from_utf8_lossy` use.

use crate::Summary;

// ANCHOR: errors
/// What to do with bytes that are not UTF-8, as Python's `errors=` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errors {
    /// Stop at the first invalid sequence and report it ([`Fault`]).
    Strict,
    /// Each invalid sequence is one U+FFFD REPLACEMENT CHARACTER. Two side by side make
    /// a double, as they do in `bytes.decode("utf-8", "replace")`.
    Replace,
    /// Each invalid byte `b` is the lone surrogate U+DC00 + `b` (Python's way of
    /// keeping undecodable bytes, e.g. in file names: PEP 383).
    SurrogateEscape,
}

impl Errors {
    /// The handler Python calls `name`, if it is one of the three we implement.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "strict" => Some(Errors::Strict),
            "replace" => Some(Errors::Replace),
            "surrogateescape" => Some(Errors::SurrogateEscape),
            _ => None,
        }
    }

    /// Python's name for this handler.
    pub fn name(self) -> &'static str {
        match self {
            Errors::Strict => "strict",
            Errors::Replace => "replace",
            Errors::SurrogateEscape => "surrogateescape",
        }
    }
}
// ANCHOR_END: errors

// ANCHOR: fault
/// Why a sequence is invalid, in the words CPython's UTF-8 decoder uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A byte that cannot begin a character: a continuation byte (0x80–0xBF), or one of
    /// 0xC0, 0xC1, 0xF5–0xFF, which never appear in UTF-8.
    InvalidStart,
    /// The start of a character, then a byte that cannot continue it.
    InvalidContinuation,
    /// The start of a character, then the end of the input.
    UnexpectedEnd,
}

impl Reason {
    /// The reason CPython's message names (the inverse of [`as_str`](Self::as_str)).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Reason::InvalidStart,
            Reason::InvalidContinuation,
            Reason::UnexpectedEnd,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == name)
    }

    /// CPython's message, as `UnicodeDecodeError.reason` holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::InvalidStart => "invalid start byte",
            Reason::InvalidContinuation => "invalid continuation byte",
            Reason::UnexpectedEnd => "unexpected end of data",
        }
    }

    /// The reason for the invalid sequence `bad` (the bytes `error_len` counted).
    fn of(bad: &[u8]) -> Self {
        // One byte that can start a character is invalid only because of the byte after
        // it; anything longer is a valid start cut short by the byte after it.
        match bad {
            [0xC2..=0xF4] | [_, _, ..] => Reason::InvalidContinuation,
            _ => Reason::InvalidStart,
        }
    }
}

/// An invalid sequence under `errors="strict"`: where it starts, counted in bytes from
/// the start of the input (of the stream, or of the piece a summary began with), its
/// 1–3 bytes, and why it is invalid. (It keeps its bytes so that an error message can
/// show them even when the input around it is long gone.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub start: u64,
    pub bytes: Held,
    pub reason: Reason,
}

impl Fault {
    /// How many bytes the invalid sequence has (1–3: a fault is never empty).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Where it ends: the position right after it.
    pub fn end(&self) -> u64 {
        self.start + self.len() as u64
    }
}
// ANCHOR_END: fault

// ANCHOR: held
/// Up to 3 bytes held over between pieces: the most of a character that can be
/// unfinished (a character is at most 4 bytes), or the most continuation bytes that a
/// character begun before a piece can still need.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    bytes: [u8; 3],
    len: u8,
}

impl Held {
    pub const EMPTY: Self = Held {
        bytes: [0; 3],
        len: 0,
    };

    /// The first 3 bytes of `bytes` (callers never have more).
    pub fn new(bytes: &[u8]) -> Self {
        let mut held = Held::EMPTY;
        for &byte in bytes.iter().take(3) {
            held.push(byte);
        }
        held
    }

    /// Add a byte if there is room (callers check [`is_full`](Self::is_full) first).
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(usize::from(self.len)) {
            *slot = byte;
            self.len += 1;
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn is_full(&self) -> bool {
        self.len == 3
    }
}

/// A continuation byte, 0b10xx_xxxx: never the first byte of a character.
fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// How many bytes a character that starts with `lead` has (for a byte that starts a
/// valid character; anything else counts as 1).
fn char_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}
// ANCHOR_END: held

// ANCHOR: count_str
/// Bytes per block when a text is not all ASCII (a small multiple of the AVX2 kernel's
/// 32-byte step, and small enough that one stray non-ASCII character costs little).
const BLOCK: usize = 4096;

/// The summary of the characters (code points) of valid UTF-8 text.
///
/// ASCII is one byte per character, so an ASCII stretch is counted by the byte
/// kernel, at the speed of lesson 9. Other blocks are decoded one character at a time,
/// each compared with the one before: decoding, not comparing, is the cost there, so a
/// buffer of decoded characters for the `u32` kernel would only add a pass.
fn summary_of_text(text: &str) -> Summary<u32> {
    if text.is_ascii() {
        return Summary::of(text.as_bytes()).widen();
    }
    let mut total = Summary::EMPTY;
    let mut rest = text;
    while !rest.is_empty() {
        // A block of up to BLOCK bytes that ends between two characters: a character
        // boundary is at most 3 bytes back, and 0 is one.
        let mut cut = rest.len().min(BLOCK);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (block, after) = rest.split_at(cut);
        let summary = if block.is_ascii() {
            Summary::of(block.as_bytes()).widen()
        } else {
            summary_of_chars(block)
        };
        total = total.merge(summary);
        rest = after;
    }
    total
}

/// The summary of a text's characters, one at a time (the reference loop, on `char`s).
fn summary_of_chars(text: &str) -> Summary<u32> {
    let mut chars = text.chars().map(u32::from);
    let Some(first) = chars.next() else {
        return Summary::EMPTY;
    };
    let (mut pairs, mut last) = (0, first);
    for char in chars {
        pairs += u64::from(char == last);
        last = char;
    }
    Summary {
        pairs,
        first: Some(first),
        last: Some(last),
    }
}
// ANCHOR_END: count_str

// ANCHOR: body
/// The part of a piece that starts at a character boundary: the characters decoded so
/// far, and the start of an unfinished character at its end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Body {
    chars: Summary<u32>,
    tail: Held,
}

impl Body {
    const EMPTY: Self = Body {
        chars: Summary::EMPTY,
        tail: Held::EMPTY,
    };

    /// Handle the invalid sequence `bad`, which starts at byte `start`, as `errors` says.
    fn invalid(
        &mut self,
        bad: &[u8],
        start: u64,
        reason: Reason,
        errors: Errors,
    ) -> Result<(), Fault> {
        match errors {
            Errors::Strict => Err(Fault {
                start,
                bytes: Held::new(bad),
                reason,
            }),
            Errors::Replace => {
                self.chars.push(0xFFFD);
                Ok(())
            }
            Errors::SurrogateEscape => {
                for &byte in bad {
                    self.chars.push(0xDC00 + u32::from(byte));
                }
                Ok(())
            }
        }
    }

    /// Decode `bytes`, which come right after this body; `at` is the position of
    /// `bytes[0]` in the input (for faults).
    fn feed(mut self, mut bytes: &[u8], errors: Errors, mut at: u64) -> Result<Self, Fault> {
        // 1. Finish the character the previous chunk left unfinished: join its 1–3 bytes
        //    with as many of ours as it still needs, on the stack, and decode that.
        if !self.tail.is_empty() {
            let held = self.tail.len();
            let missing = char_len(self.tail.as_bytes()[0]).saturating_sub(held);
            let take = missing.min(bytes.len());
            let mut joined = [0u8; 4];
            joined[..held].copy_from_slice(self.tail.as_bytes());
            joined[held..held + take].copy_from_slice(&bytes[..take]);
            let joined = &joined[..held + take];
            let start = at - held as u64;
            let used = match std::str::from_utf8(joined) {
                // The whole character: it is the one thing `joined` holds.
                Ok(text) => {
                    self.chars = self.chars.merge(summary_of_chars(text));
                    take
                }
                // Still unfinished: `bytes` was too short, and all of it is held now.
                Err(err) if err.error_len().is_none() => {
                    self.tail = Held::new(joined);
                    return Ok(self);
                }
                // Invalid: the invalid sequence is the held bytes and the first `len -
                // held` of ours (it has all the held ones: they are the start of a valid
                // character, and the invalid sequence is the longest such start).
                Err(err) => {
                    let len = err.error_len().unwrap_or(held).max(held);
                    let bad = &joined[..len];
                    self.invalid(bad, start, Reason::of(bad), errors)?;
                    len - held
                }
            };
            self.tail = Held::EMPTY;
            bytes = &bytes[used..];
            at += used as u64;
        }

        // 2. Everything after: validate with SIMD, count the valid text, and handle each
        //    invalid sequence where the validator stopped.
        loop {
            match simdutf8::compat::from_utf8(bytes) {
                Ok(text) => {
                    self.chars = self.chars.merge(summary_of_text(text));
                    return Ok(self);
                }
                Err(err) => {
                    let valid = err.valid_up_to();
                    // SAFETY: `valid_up_to` is the length of the longest prefix of
                    // `bytes` that is valid UTF-8 (simdutf8's compat API promises what
                    // std's `Utf8Error::valid_up_to` does, and std documents this very
                    // call as its use). `bytes` is a `&[u8]`, so no one writes to it while
                    // we read (the binding hands us only memory that cannot change: a
                    // Python `bytes`, or a buffer of our own).
                    let text = unsafe { std::str::from_utf8_unchecked(&bytes[..valid]) };
                    self.chars = self.chars.merge(summary_of_text(text));
                    match err.error_len() {
                        // The input ends inside a character (1–3 bytes from the end):
                        // hold it for the next chunk.
                        None => {
                            self.tail = Held::new(&bytes[valid..]);
                            return Ok(self);
                        }
                        Some(len) => {
                            let bad = &bytes[valid..valid + len];
                            self.invalid(bad, at + valid as u64, Reason::of(bad), errors)?;
                            bytes = &bytes[valid + len..];
                            at += (valid + len) as u64;
                        }
                    }
                }
            }
        }
    }

    /// Nothing can finish the held character any more (the input ended, for
    /// [`Reason::UnexpectedEnd`], or a byte that cannot continue it comes next):
    /// handle it as invalid. `end` is the position right after it.
    fn close(mut self, reason: Reason, errors: Errors, end: u64) -> Result<Self, Fault> {
        let held = self.tail;
        if held.is_empty() {
            return Ok(self);
        }
        self.tail = Held::EMPTY;
        self.invalid(held.as_bytes(), end - held.len() as u64, reason, errors)?;
        Ok(self)
    }
}
// ANCHOR_END: body

// ANCHOR: summary
/// What we must remember of a piece of UTF-8 to count the doubled characters of any
/// stream it is a piece of, in a few dozen bytes however long the piece.
///
/// - `head`: the piece's first bytes, if they are continuation bytes (up to 3): they
///   may finish a character begun in the piece before, so only a merge (or knowing that
///   the piece starts the stream) decides what they are.
/// - then the rest, from the first byte that is not a continuation byte (or the 4th
///   one: no character has 4 continuation bytes): whatever came before, a character
///   starts there, so its characters are decided, except an unfinished one at the end.
///
/// Under `errors="strict"`, the first invalid sequence is part of the summary too,
/// instead of its characters: merged after other pieces, its position moves by their
/// length. That keeps [`merge`](Self::merge) total and associative, faults included,
/// whichever way the pieces are grouped (a fold, or a tree of merges on many threads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Summary {
    /// Bytes seen: the positions of faults are counted from this summary's first byte.
    len: u64,
    head: Held,
    rest: Rest,
}

/// What follows the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rest {
    /// Nothing yet: every byte seen is in the head.
    Head,
    /// Characters, decided.
    Body(Body),
    /// The first invalid sequence (only under "strict"); nothing after it matters.
    Fault(Fault),
}

impl Utf8Summary {
    /// A piece of a stream that may begin anywhere, inside a character too: its leading
    /// continuation bytes wait for a merge. Empty, it is the identity of `merge`.
    pub const PIECE: Self = Utf8Summary {
        len: 0,
        head: Held::EMPTY,
        rest: Rest::Head,
    };

    /// The start of a stream: nothing comes before it, so a leading continuation byte
    /// is invalid at once (`errors="strict"` finds it in the first chunk).
    pub const STREAM: Self = Utf8Summary {
        len: 0,
        head: Held::EMPTY,
        rest: Rest::Body(Body::EMPTY),
    };

    /// This piece with `bytes` after it.
    pub fn feed(mut self, bytes: &[u8], errors: Errors) -> Self {
        let mut rest = bytes;
        let body = match self.rest {
            Rest::Fault(_) => {
                self.len += bytes.len() as u64;
                return self;
            }
            Rest::Body(body) => body,
            Rest::Head => {
                // Still at the head: keep continuation bytes while they may still finish
                // a character begun before this piece.
                while let Some((&byte, after)) = rest.split_first() {
                    if self.head.is_full() || !is_continuation(byte) {
                        break;
                    }
                    self.head.push(byte);
                    rest = after;
                }
                if rest.is_empty() {
                    self.len += bytes.len() as u64;
                    return self;
                }
                Body::EMPTY
            }
        };
        let at = self.len + (bytes.len() - rest.len()) as u64;
        self.rest = match body.feed(rest, errors, at) {
            Ok(body) => Rest::Body(body),
            Err(fault) => Rest::Fault(fault),
        };
        self.len += bytes.len() as u64;
        self
    }

    /// This piece followed by the piece `next` summarises.
    ///
    /// Associative: `a.merge(b).merge(c) == a.merge(b.merge(c))`.
    pub fn merge(self, next: Self, errors: Errors) -> Self {
        // `next`'s head bytes come right after us: feed them, as the stream would.
        let next_start = self.len;
        let mut merged = self.feed(next.head.as_bytes(), errors);
        // `next`'s faults are counted from its first byte; ours from our first.
        let moved = |fault: Fault| Fault {
            start: next_start + fault.start,
            ..fault
        };
        merged.rest = match (merged.rest, next.rest) {
            // The first fault stays the first; and a `next` that was all head is fed.
            (Rest::Fault(fault), _) => Rest::Fault(fault),
            (mine, Rest::Head) => mine,
            // We are all head (a longer one now): `next`'s body or fault follows it.
            (Rest::Head, Rest::Body(theirs)) => Rest::Body(theirs),
            (Rest::Head, Rest::Fault(fault)) => Rest::Fault(moved(fault)),
            // `next`'s rest starts with a byte that cannot continue a character (or with
            // a 4th continuation byte, and then nothing of ours is unfinished), so a
            // character we left unfinished ends here, invalid.
            (Rest::Body(mine), theirs) => match (
                mine.close(Reason::InvalidContinuation, errors, merged.len),
                theirs,
            ) {
                (Err(fault), _) => Rest::Fault(fault),
                (Ok(mine), Rest::Body(theirs)) => Rest::Body(Body {
                    chars: mine.chars.merge(theirs.chars),
                    tail: theirs.tail,
                }),
                (Ok(_), Rest::Fault(fault)) => Rest::Fault(moved(fault)),
                (Ok(mine), Rest::Head) => Rest::Body(mine), // (taken care of above)
            },
        };
        merged.len += next.len - next.head.len() as u64;
        merged
    }

    /// This piece, then text that is already characters (a Python str, counted as its
    /// code points). Its UTF-8 would start with a byte that cannot continue a
    /// character, so an unfinished character before it is invalid, as in
    /// [`merge`](Self::merge). Byte positions do not move: the text has no bytes.
    pub fn push_chars(mut self, chars: Summary<u32>, errors: Errors) -> Self {
        if chars.first.is_none() {
            return self; // no characters: nothing happens
        }
        let body = match self.rest {
            Rest::Fault(_) => return self,
            Rest::Head => Ok(Body::EMPTY),
            Rest::Body(body) => body.close(Reason::InvalidContinuation, errors, self.len),
        };
        self.rest = match body {
            Ok(body) => Rest::Body(Body {
                chars: body.chars.merge(chars),
                tail: Held::EMPTY,
            }),
            Err(fault) => Rest::Fault(fault),
        };
        self
    }

    /// The doubles among the characters decided so far (leading continuation bytes and
    /// an unfinished character at the end are not decided yet; after a fault, 0).
    pub fn pairs(&self) -> u64 {
        match self.rest {
            Rest::Body(body) => body.chars.pairs,
            Rest::Head | Rest::Fault(_) => 0,
        }
    }

    /// The first invalid sequence, under "strict" (counted from this summary's start).
    pub fn fault(&self) -> Option<Fault> {
        match self.rest {
            Rest::Fault(fault) => Some(fault),
            Rest::Head | Rest::Body(_) => None,
        }
    }

    /// The doubled characters if this piece is the whole stream: its leading
    /// continuation bytes continue nothing, and its unfinished character ends nothing.
    pub fn finish(self, errors: Errors) -> Result<u64, Fault> {
        let whole = Utf8Summary::STREAM.merge(self, errors);
        match whole.rest {
            Rest::Fault(fault) => Err(fault),
            Rest::Body(body) => Ok(body
                .close(Reason::UnexpectedEnd, errors, whole.len)?
                .chars
                .pairs),
            Rest::Head => Ok(0), // (never: merged onto STREAM, there is a body)
        }
    }

    // ANCHOR: parts
    /// Bytes seen so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The leading continuation bytes not decided yet.
    pub fn head(&self) -> &[u8] {
        self.head.as_bytes()
    }

    /// What follows the head, as plain values.
    pub fn parts(&self) -> Parts<'_> {
        match &self.rest {
            Rest::Head => Parts::Head,
            Rest::Body(body) => Parts::Body(body.chars, body.tail.as_bytes()),
            Rest::Fault(fault) => Parts::Fault(*fault),
        }
    }

    /// A summary from its parts (as [`len`](Self::len), [`head`](Self::head) and
    /// [`parts`](Self::parts) give them, e.g. after pickling), if they could have come
    /// from some input; if not, the message says which part could not.
    pub fn from_parts(len: u64, head: &[u8], parts: Parts<'_>) -> Result<Self, &'static str> {
        if head.len() > 3 || !head.iter().all(|&byte| is_continuation(byte)) {
            return Err("the head is at most 3 continuation bytes");
        }
        let rest = match parts {
            Parts::Head if len == head.len() as u64 => Rest::Head,
            Parts::Head => return Err("without a body, the length is the head's"),
            Parts::Fault(fault) => {
                // A fault is 1–3 bytes after the head, within the input.
                let after_head = fault.start >= head.len() as u64;
                let inside = !fault.bytes.is_empty() && fault.end() <= len;
                if !after_head || !inside {
                    return Err("the fault is not after the head and inside the input");
                }
                Rest::Fault(fault)
            }
            Parts::Body(chars, tail) => {
                // An unfinished character is 1–3 bytes that UTF-8 would accept if more came.
                let unfinished = tail.is_empty()
                    || (tail.len() <= 3
                        && matches!(std::str::from_utf8(tail), Err(err) if err.error_len().is_none()));
                if !unfinished {
                    return Err("the tail is the start of one character, at most 3 bytes");
                }
                let code_point = |c: Option<u32>| c.is_none_or(|c| c <= 0x10FFFF);
                let ends_agree = chars.first.is_some() == chars.last.is_some()
                    && (chars.first.is_some() || chars.pairs == 0);
                if !code_point(chars.first) || !code_point(chars.last) || !ends_agree {
                    return Err("the characters' summary is not one of a text");
                }
                if len < (head.len() + tail.len()) as u64 {
                    return Err("the length is shorter than the bytes held");
                }
                Rest::Body(Body {
                    chars,
                    tail: Held::new(tail),
                })
            }
        };
        Ok(Utf8Summary {
            len,
            head: Held::new(head),
            rest,
        })
    }
    // ANCHOR_END: parts
}
// ANCHOR_END: summary

// ANCHOR: parts_enum
/// What follows a summary's head, as plain values: [`Utf8Summary::parts`] gives them and
/// [`Utf8Summary::from_parts`] takes them back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parts<'a> {
    /// Nothing: every byte seen is in the head.
    Head,
    /// The summary of the characters decided, and the start of an unfinished one.
    Body(Summary<u32>, &'a [u8]),
    /// The first invalid sequence (under "strict").
    Fault(Fault),
}

/// Doubled characters of a whole UTF-8 input at once.
///
/// ```
/// use doubles_core::utf8::{count_utf8, Errors};
/// assert_eq!(count_utf8("aßß€€".as_bytes(), Errors::Strict), Ok(2));
/// // Two invalid bytes side by side are two U+FFFD: a double.
/// assert_eq!(count_utf8(b"\x80\xff", Errors::Replace), Ok(1));
/// ```
pub fn count_utf8(bytes: &[u8], errors: Errors) -> Result<u64, Fault> {
    Utf8Summary::STREAM.feed(bytes, errors).finish(errors)
}

#[cfg(test)]
mod tests;
// ANCHOR_END: parts_enum
