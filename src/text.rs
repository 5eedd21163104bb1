//! Text that dlint did not write (Dockerfile text, file content, registry
//! answers) made safe to put in a message: no control character reaches a
//! terminal, an editor or a CI log raw.
//!
//! Low in the layer stack: it depends on nothing else in dlint, so every
//! layer (model, rules, renderers, the fixer, `--pin-digests`) can use it.

use std::borrow::Cow;

/// Whether `c` must not appear raw in a message: C0 and C1 control
/// characters (`\r`, `\n`, `\t`, ESC, DEL, …) and the Unicode bidirectional
/// controls that reorder what a terminal shows ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every unsafe character escaped (`\r`, `\n`, `\t`, `\\u{1b}`, …).
/// Borrows when nothing needs escaping (the common case).
pub fn escape(s: &str) -> Cow<'_, str> {
    // ASCII (most messages): only C0 controls and DEL are unsafe.
    let safe = if s.is_ascii() {
        !s.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        !s.chars().any(is_unsafe)
    };
    if safe {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Foreign text shortened to at most `max` characters (then `…`) and
/// escaped: for quoting a registry answer or a file's content in a message.
pub fn quote(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Dockerfile source as one line: line continuations (`escape` followed by
/// a line ending, then the next line's indentation) become one space, other
/// line endings too, runs of blanks shrink to one, and what is left is
/// escaped. At most `max` characters, then `…`. For quoting an instruction
/// or a command that spans lines in a message.
pub fn one_line(src: &str, escape_char: char, max: usize) -> String {
    let mut flat = String::with_capacity(src.len().min(max * 4 + 8));
    let mut chars = src.chars().peekable();
    let mut pending_space = false;
    let mut count = 0usize;
    while let Some(c) = chars.next() {
        let line_end = match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                true
            }
            '\r' | '\n' => true,
            c if c == escape_char => {
                // A continuation: the escape, blanks, then a line ending.
                let mut look = chars.clone();
                while look.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                    look.next();
                }
                match look.peek() {
                    Some('\n') | Some('\r') => {
                        chars = look;
                        if chars.next() == Some('\r') && chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if line_end || c == ' ' || c == '\t' {
            pending_space = !flat.is_empty();
            continue;
        }
        if pending_space {
            if count == max {
                flat.push('…');
                return flat;
            }
            flat.push(' ');
            count += 1;
            pending_space = false;
        }
        if count == max {
            flat.push('…');
            return flat;
        }
        push_escaped(&mut flat, c);
        count += 1;
    }
    flat
}

/// The byte offset of the first `needle` in `hay`, as `str::find` gives
/// it. The rules' cheap tests before a shell parse run on every RUN of
/// every lint with short words (`ps`, `apt-get`): a search for the first
/// byte, then a compare, beats building a substring searcher per call;
/// longer needles get memchr's `memmem`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return Some(0);
    };
    if n.len() > 16 {
        return memchr::memmem::find(h, n);
    }
    memchr::memchr_iter(first, h).find(|&i| h.get(i + 1..i + n.len()) == Some(rest))
}

/// Whether `hay` contains `needle` ([`find`]).
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// Whether `hay`, with every byte of `skip` removed and ASCII letters
/// lowercased, contains `needle` (lowercase, none of `skip` in it), without
/// building that copy of `hay`: the file-wide configuration tests of some
/// rules run on every lint of the whole text.
pub fn contains_folded(hay: &str, needle: &str, skip: &[u8]) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    // The anchor: the needle's first byte that is no letter (one case, and
    // rarer than letters: the `:` of `apt::install-recommends`), else its
    // first byte in both cases. Each place it occurs is matched forwards
    // and backwards from there.
    let a = n.iter().position(|b| !b.is_ascii_alphabetic()).unwrap_or(0);
    let (before, after) = (&n[..a], &n[a + 1..]);
    let matches_at = |i: usize| {
        let mut j = i + 1;
        for &want in after {
            while h.get(j).is_some_and(|c| skip.contains(c)) {
                j += 1;
            }
            match h.get(j) {
                Some(c) if c.to_ascii_lowercase() == want => j += 1,
                _ => return false,
            }
        }
        let mut j = i;
        for &want in before.iter().rev() {
            while j > 0 && skip.contains(&h[j - 1]) {
                j -= 1;
            }
            if j == 0 || h[j - 1].to_ascii_lowercase() != want {
                return false;
            }
            j -= 1;
        }
        true
    };
    let first = n[a];
    if first.is_ascii_alphabetic() {
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), h).any(matches_at)
    } else {
        memchr::memchr_iter(first, h).any(matches_at)
    }
}

#[cfg(test)]
mod tests {
    /// `contains_folded` is the test it replaces: remove, lowercase, then
    /// `str::contains`, on every string of up to 6 bytes from an alphabet
    /// of letters in both cases, the skipped bytes and a non-ASCII char.
    #[test]
    fn contains_folded_is_remove_lowercase_contains() {
        let alphabet = ["a", "A", "b", "B", "\"", "'", " ", "é"];
        for needle in ["a", "ab", "ba", "aab", "a b", "ab a", "b a", " "] {
            let mut words = vec![String::new()];
            for _ in 0..6 {
                let mut next = Vec::new();
                for w in &words {
                    for c in alphabet {
                        next.push(format!("{w}{c}"));
                    }
                }
                for hay in &next {
                    for skip in [&b"\"'"[..], b""] {
                        let plain: String = hay
                            .chars()
                            .filter(|c| !c.is_ascii() || !skip.contains(&(*c as u8)))
                            .collect::<String>()
                            .to_ascii_lowercase();
                        assert_eq!(
                            super::contains_folded(hay, needle, skip),
                            plain.contains(needle),
                            "{hay:?} {needle:?} {skip:?}"
                        );
                    }
                }
                words = next;
            }
        }
    }

    #[test]
    fn find_is_str_find() {
        let hays = [
            "",
            "a",
            "apt-get install",
            "https://x/ps aux",
            "aaaa",
            "공 ps 공ps",
            "pspsps",
            "x\u{0}ps",
            "long needle here: 0123456789abcdefXYZ and 0123456789abcdefXYZ",
        ];
        let needles = [
            "",
            "a",
            "ps",
            "apt",
            "aaa",
            "공",
            "s",
            "0123456789abcdefXYZ",
            "zzz",
        ];
        for h in hays {
            for n in needles {
                assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
            }
        }
    }

    use super::*;

    #[test]
    fn escapes_controls_only() {
        assert!(matches!(escape("plain 日本語 ü"), Cow::Borrowed(_)));
        assert_eq!(escape("a\r\nb\tc"), "a\\r\\nb\\tc");
        assert_eq!(escape("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape("x\u{7f}\u{85}y"), "x\\u{7f}\\u{85}y");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
    }

    #[test]
    fn quote_shortens_by_chars() {
        assert_eq!(quote("보안을 위해", 3), "보안을…");
        assert_eq!(quote("a\u{1b}b", 10), "a\\u{1b}b");
        assert_eq!(quote("abc", 3), "abc");
    }

    #[test]
    fn one_line_joins_continuations() {
        assert_eq!(
            one_line("apt-get \\\r\n    update", '\\', 100),
            "apt-get update"
        );
        assert_eq!(
            one_line("apt-get \\\n  install \\ \n  -y", '\\', 100),
            "apt-get install -y"
        );
        assert_eq!(one_line("echo a `\r\n  b", '`', 100), "echo a b");
        assert_eq!(one_line("RUN echo 'a\\tb'", '\\', 100), "RUN echo 'a\\tb'");
        assert_eq!(one_line("COPY a\r\n", '\\', 100), "COPY a");
        assert_eq!(one_line("한국어 주석 입니다", '\\', 5), "한국어 주…");
        assert_eq!(one_line("a\u{1b}b", '\\', 10), "a\\u{1b}b");
    }
}
