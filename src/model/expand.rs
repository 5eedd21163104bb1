//! Variable expansion as BuildKit applies it to FROM, COPY, ENV, … :
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
//! `${VAR+alt}`, with the escape character protecting `$`.

/// The longest value an expansion may produce (1 MiB), unless the word as
/// written is longer.
pub const MAX_VALUE: usize = 1 << 20;
/// How deep `${…}` may nest inside defaults (`${A:-${B:-…}}`).
pub const MAX_DEPTH: usize = 32;
/// How many bytes variables may paste into values across one file (32 MiB).
pub const FILE_BUDGET: usize = 32 << 20;
/// The most steps a `${v#pattern}` / `${v%pattern}` match may take
/// (value length times pattern length).
pub const MAX_PATTERN_WORK: usize = 20_000_000;

/// Which bound an expansion hit. The expansion then stops and its value is
/// the word as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The value would pass [`MAX_VALUE`].
    Value,
    /// The file's [`FILE_BUDGET`] is spent.
    Budget,
    /// `${…}` nested deeper than [`MAX_DEPTH`].
    Depth,
    /// A `#`/`%` pattern too costly to match ([`MAX_PATTERN_WORK`]).
    Pattern,
}

impl Limit {
    /// What happened, for a message.
    pub fn describe(self) -> String {
        match self {
            Limit::Value => format!(
                "its value grows past {} MiB when its variables are expanded",
                MAX_VALUE >> 20
            ),
            Limit::Budget => format!(
                "expanding it would take the file past {} MiB of expanded text (later expansions that would paste more are unknown too)",
                FILE_BUDGET >> 20
            ),
            Limit::Depth => format!("it nests `${{…}}` more than {MAX_DEPTH} deep"),
            Limit::Pattern => {
                "its `${var#…}` or `${var%…}` pattern is too costly to match against the value"
                    .to_string()
            }
        }
    }
}

/// Bytes variables may still paste into values: one per model, shared by
/// every expansion of the file (the model's and the rules').
#[derive(Debug)]
pub struct Budget(std::sync::atomic::AtomicUsize);

impl Budget {
    pub fn new(bytes: usize) -> Budget {
        Budget(std::sync::atomic::AtomicUsize::new(bytes))
    }

    /// Takes `n` bytes; when fewer are left, spends all (so later
    /// expansions stop at once) and says no.
    fn take(&self, n: usize) -> bool {
        use std::sync::atomic::Ordering;
        let ok = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(n))
            .is_ok();
        if !ok {
            self.0.store(0, Ordering::Relaxed);
        }
        ok
    }

    fn spent(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed) == 0
    }

    /// Bytes left.
    pub fn left(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Takes `n` bytes, or all that are left.
    pub fn charge(&self, n: usize) {
        use std::sync::atomic::Ordering;
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| {
                Some(r.saturating_sub(n))
            });
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(FILE_BUDGET)
    }
}

impl Clone for Budget {
    fn clone(&self) -> Budget {
        Budget::new(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// The result of expanding a word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    /// The expanded value; the word as written when `limited`.
    pub value: String,
    /// Variables that had no value (and no default in the word).
    pub unresolved: Vec<String>,
    /// Whether any expansion happened.
    pub used_vars: bool,
    /// A `${…}` with a modifier BuildKit does not support (a template
    /// placeholder such as `${templateOption:imageVariant}`).
    pub invalid: bool,
    /// The expansion hit a bound and stopped: the value is not known.
    pub limited: Option<Limit>,
}

/// Expands `text`, asking `lookup` for each variable. A variable `lookup`
/// does not know is unresolved and expands to the empty string, as in
/// BuildKit; callers decide what an unresolved variable means. Bounded by
/// [`MAX_VALUE`] and [`MAX_DEPTH`] (no file budget: see [`expand_budgeted`]).
pub fn expand(text: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> Expanded {
    expand_budgeted(text, escape, lookup, None)
}

/// [`expand`], also charging the bytes variables paste to `budget`.
pub fn expand_budgeted(
    text: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
    budget: Option<&Budget>,
) -> Expanded {
    // Most words have nothing to expand, unquote or unescape: they are
    // their own value (what the loop below would build, char by char).
    if !text.contains(['$', '\'', '"', escape]) {
        return Expanded {
            value: text.to_string(),
            ..Expanded::default()
        };
    }
    let mut x = Expander {
        escape,
        lookup,
        budget,
        max: MAX_VALUE.max(text.len()),
        limit: None,
    };
    let mut out = Expanded::default();
    x.expand(text, 0, &mut out);
    if let Some(l) = x.limit {
        out.value = text.to_string();
        out.limited = Some(l);
    }
    out
}

struct Expander<'a> {
    escape: char,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    budget: Option<&'a Budget>,
    max: usize,
    limit: Option<Limit>,
}

impl Expander<'_> {
    fn stop(&mut self, l: Limit) {
        if self.limit.is_none() {
            self.limit = Some(l);
        }
    }

    /// Whether `n` more bytes fit in the value.
    fn room(&mut self, out: &Expanded, n: usize) -> bool {
        if out.value.len().saturating_add(n) > self.max {
            self.stop(Limit::Value);
            return false;
        }
        true
    }

    fn push(&mut self, out: &mut Expanded, c: char) {
        if self.room(out, c.len_utf8()) {
            out.value.push(c);
        }
    }

    /// Pastes a variable's value, charging the budget.
    fn paste(&mut self, out: &mut Expanded, v: &str) {
        if !self.room(out, v.len()) {
            return;
        }
        if let Some(b) = self.budget {
            if !b.take(v.len()) {
                self.stop(Limit::Budget);
                return;
            }
        }
        out.value.push_str(v);
    }

    /// Looks a variable up, unless the budget is already spent.
    fn lookup(&mut self, name: &str) -> Option<String> {
        if self.budget.is_some_and(Budget::spent) {
            self.stop(Limit::Budget);
            return None;
        }
        (self.lookup)(name)
    }

    fn expand(&mut self, text: &str, depth: usize, out: &mut Expanded) {
        if depth > MAX_DEPTH {
            self.stop(Limit::Depth);
            return;
        }
        let escape = self.escape;
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let mut in_single = false;
        let mut in_double = false;
        while i < chars.len() && self.limit.is_none() {
            let c = chars[i];
            if c == escape && i + 1 < chars.len() {
                if chars[i + 1] == '$' {
                    self.push(out, '$');
                } else {
                    self.push(out, c);
                    self.push(out, chars[i + 1]);
                }
                i += 2;
                continue;
            }
            // Quotes are removed, as BuildKit's shell lexer does; single
            // quotes stop expansion.
            if c == '\'' && !in_double {
                in_single = !in_single;
                i += 1;
                continue;
            }
            if c == '"' && !in_single {
                in_double = !in_double;
                i += 1;
                continue;
            }
            if c != '$' || in_single {
                self.push(out, c);
                i += 1;
                continue;
            }
            // `$`
            if i + 1 >= chars.len() {
                self.push(out, '$');
                i += 1;
                continue;
            }
            if chars[i + 1] == '{' {
                // Find the matching brace.
                let mut depth_b = 1;
                let mut j = i + 2;
                while j < chars.len() {
                    match chars[j] {
                        '{' => depth_b += 1,
                        '}' => {
                            depth_b -= 1;
                            if depth_b == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    // Unterminated: keep literally.
                    for &c in &chars[i..] {
                        self.push(out, c);
                    }
                    break;
                }
                let inner: String = chars[i + 2..j].iter().collect();
                out.used_vars = true;
                self.braced(&inner, depth, out);
                i = j + 1;
                continue;
            }
            let name_len = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            if name_len == 0 {
                self.push(out, '$');
                i += 1;
                continue;
            }
            let name: String = chars[i + 1..i + 1 + name_len].iter().collect();
            out.used_vars = true;
            match self.lookup(&name) {
                Some(v) => self.paste(out, &v),
                None => out.unresolved.push(name),
            }
            i += 1 + name_len;
        }
    }

    fn braced(&mut self, inner: &str, depth: usize, out: &mut Expanded) {
        let name_len = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        // ASCII name characters: `name_len` bytes.
        let (name, rest) = inner.split_at(name_len);
        let value = self.lookup(name);
        if self.limit.is_some() {
            return;
        }
        // What BuildKit's lexer accepts after the name (`substitution_error`).
        let modifier_ok = match rest.strip_prefix(':') {
            Some(r) => r.starts_with(['-', '+', '?', '#', '%']),
            None => rest.is_empty() || rest.starts_with(['-', '+', '?', '#', '%', '/']),
        };
        if name.is_empty() || !modifier_ok {
            out.invalid = true;
        }
        let (op, word) = if let Some(w) = rest.strip_prefix(":-") {
            (":-", w)
        } else if let Some(w) = rest.strip_prefix(":+") {
            (":+", w)
        } else if let Some(w) = rest.strip_prefix('-') {
            ("-", w)
        } else if let Some(w) = rest.strip_prefix('+') {
            ("+", w)
        } else {
            ("", rest)
        };
        match op {
            ":-" => match value {
                Some(v) if !v.is_empty() => self.paste(out, &v),
                _ => self.expand(word, depth + 1, out),
            },
            "-" => match value {
                Some(v) => self.paste(out, &v),
                None => self.expand(word, depth + 1, out),
            },
            ":+" => {
                if value.as_deref().is_some_and(|v| !v.is_empty()) {
                    self.expand(word, depth + 1, out)
                }
            }
            "+" => {
                if value.is_some() {
                    self.expand(word, depth + 1, out)
                }
            }
            _ => match value {
                Some(v) => {
                    // ${v#pat} ${v##pat} ${v%pat} ${v%%pat}: remove a prefix
                    // or suffix matching a glob pattern.
                    let stripped = if let Some(p) = rest.strip_prefix("##") {
                        strip_glob(&v, p, true, true)
                    } else if let Some(p) = rest.strip_prefix('#') {
                        strip_glob(&v, p, true, false)
                    } else if let Some(p) = rest.strip_prefix("%%") {
                        strip_glob(&v, p, false, true)
                    } else if let Some(p) = rest.strip_prefix('%') {
                        strip_glob(&v, p, false, false)
                    } else {
                        Some(v)
                    };
                    match stripped {
                        Some(v) => self.paste(out, &v),
                        None => self.stop(Limit::Pattern),
                    }
                }
                None => out.unresolved.push(name.to_string()),
            },
        }
    }
}

/// The lengths `n` (ascending) for which `t[..n]` matches the shell glob
/// `p` (`*`, `?`, other characters literal), by a set-of-positions
/// simulation: O(len(t) × len(p)).
fn matching_prefixes(p: &[char], t: &[char]) -> Vec<usize> {
    let m = p.len();
    let close = |set: &mut Vec<bool>| {
        // `*` matches the empty string: position s also stands at s + 1.
        for s in 0..m {
            if set[s] && p[s] == '*' {
                set[s + 1] = true;
            }
        }
    };
    let mut cur = vec![false; m + 1];
    cur[0] = true;
    close(&mut cur);
    let mut hits = Vec::new();
    if cur[m] {
        hits.push(0);
    }
    let mut next = vec![false; m + 1];
    for (i, &c) in t.iter().enumerate() {
        next.iter_mut().for_each(|b| *b = false);
        let mut any = false;
        for s in 0..m {
            if !cur[s] {
                continue;
            }
            match p[s] {
                '*' => {
                    next[s] = true;
                    any = true;
                }
                '?' => {
                    next[s + 1] = true;
                    any = true;
                }
                pc if pc == c => {
                    next[s + 1] = true;
                    any = true;
                }
                _ => {}
            }
        }
        if !any {
            break;
        }
        close(&mut next);
        std::mem::swap(&mut cur, &mut next);
        if cur[m] {
            hits.push(i + 1);
        }
    }
    hits
}

/// Removes the shortest or longest prefix (`prefix`) or suffix of `v`
/// matching `pat`. None when the match would cost more than
/// [`MAX_PATTERN_WORK`].
fn strip_glob(v: &str, pat: &str, prefix: bool, longest: bool) -> Option<String> {
    let mut chars: Vec<char> = v.chars().collect();
    let mut p: Vec<char> = pat.chars().collect();
    if chars.len().saturating_mul(p.len() + 1) > MAX_PATTERN_WORK {
        return None;
    }
    if !prefix {
        chars.reverse();
        p.reverse();
    }
    let hits = matching_prefixes(&p, &chars);
    let n = if longest { hits.last() } else { hits.first() };
    let Some(&n) = n else {
        return Some(v.to_string());
    };
    Some(if prefix {
        chars[n..].iter().collect()
    } else {
        // `chars` is reversed: the suffix is its first n characters.
        chars[n..].iter().rev().collect()
    })
}

/// Why BuildKit cannot expand a word: the byte offset of the `$` whose
/// substitution it rejects, and BuildKit's own message for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubstitutionError {
    pub offset: usize,
    pub message: String,
}

/// The first `${…}` BuildKit's word expander (its shell lexer,
/// `processDollar`) fails on in `word`, read as BuildKit reads it: the
/// escape character escapes the next character, nothing expands in single
/// quotes, `$` does in double quotes, and a `${…}` word nests. Supported:
/// `${x}`, `${x:-w}`, `${x-w}`, `${x:+w}`, `${x+w}`, `${x:?w}`, `${x?w}`,
/// `${x#p}`, `${x##p}`, `${x%p}`, `${x%%p}` (also after `:`), `${x/p/r}`,
/// `${x//p/r}`. Anything else after the name (`${templateOption:x}`,
/// `${x:=w}`, `${x!}`) is an unsupported modifier; `${}`, `${:x}` and `${{`
/// a bad substitution; a missing `}` or `/` an error too. Errors that depend
/// on values (`${x:?}` of an unset `x`) are not reported. None when the
/// word expands, or a quote is left open (the quotes are another error).
pub fn substitution_error(word: &str, escape: char) -> Option<SubstitutionError> {
    let mut k = 0;
    match stop_on(word, &mut k, None, escape, 0) {
        Err(Failure::Subst(e)) => Some(e),
        _ => None,
    }
}

enum Failure {
    Subst(SubstitutionError),
    /// Ended before the character looked for (a quote left open, or the
    /// end of a `${…}` word): the caller decides what that means.
    Eof,
    /// Nested deeper than [`MAX_NESTING`]: not judged.
    TooDeep,
}

/// How deep `${…}` words nest before the scan gives up (a hostile file).
const MAX_NESTING: usize = 64;

/// The char at byte offset `k` of `s`.
fn peek(s: &str, k: usize) -> Option<char> {
    s.get(k..)?.chars().next()
}

/// Steps over the char at `k`.
fn bump(s: &str, k: &mut usize) {
    if let Some(ch) = peek(s, *k) {
        *k += ch.len_utf8();
    }
}

/// `processStopOn`: from byte `k` of `s` up to `stop` (None: the end),
/// through quotes and nested substitutions.
fn stop_on(
    s: &str,
    k: &mut usize,
    stop: Option<char>,
    escape: char,
    depth: usize,
) -> Result<(), Failure> {
    if depth > MAX_NESTING {
        return Err(Failure::TooDeep);
    }
    while let Some(ch) = peek(s, *k) {
        if Some(ch) == stop {
            bump(s, k);
            return Ok(());
        }
        match ch {
            '$' => dollar(s, k, escape, depth)?,
            '\'' => {
                // Everything up to the next `'` as is.
                bump(s, k);
                loop {
                    match peek(s, *k) {
                        None => return Err(Failure::Eof),
                        Some('\'') => {
                            bump(s, k);
                            break;
                        }
                        Some(_) => bump(s, k),
                    }
                }
            }
            '"' => {
                bump(s, k);
                loop {
                    match peek(s, *k) {
                        None => return Err(Failure::Eof),
                        Some('"') => {
                            bump(s, k);
                            break;
                        }
                        Some('$') => dollar(s, k, escape, depth)?,
                        Some(ch) if ch == escape => {
                            bump(s, k);
                            bump(s, k);
                        }
                        Some(_) => bump(s, k),
                    }
                }
            }
            ch if ch == escape => {
                bump(s, k);
                bump(s, k);
            }
            _ => bump(s, k),
        }
    }
    match stop {
        None => Ok(()),
        Some(_) => Err(Failure::Eof),
    }
}

/// `processDollar`, at the `$` at byte `k` of `s`.
fn dollar(s: &str, k: &mut usize, escape: char, depth: usize) -> Result<(), Failure> {
    let at = *k;
    let fail = |message: String| {
        Failure::Subst(SubstitutionError {
            offset: at,
            message,
        })
    };
    bump(s, k);
    if peek(s, *k) != Some('{') {
        // `$name` (or a lone `$`): never an error.
        return Ok(());
    }
    bump(s, k);
    match peek(s, *k) {
        None => return Err(fail("syntax error: missing '}'".into())),
        Some('{' | '}' | ':') => return Err(fail("syntax error: bad substitution".into())),
        _ => {}
    }
    // processName: digits, one special parameter, or a name.
    let is_special = |ch: char| matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0');
    match peek(s, *k) {
        Some(ch) if ch.is_numeric() => {
            while peek(s, *k).is_some_and(char::is_numeric) {
                bump(s, k);
            }
        }
        Some(ch) if is_special(ch) => bump(s, k),
        _ => {
            while peek(s, *k).is_some_and(|ch| ch.is_alphabetic() || ch.is_numeric() || ch == '_') {
                bump(s, k);
            }
        }
    }
    let Some(ch) = peek(s, *k) else {
        return Err(fail("syntax error: missing '}'".into()));
    };
    bump(s, k);
    // The rest of a `${…}` word: a missing `}` is BuildKit's "missing '}'".
    let word = |k: &mut usize| match stop_on(s, k, Some('}'), escape, depth + 1) {
        Err(Failure::Eof) => Err(fail("syntax error: missing '}'".into())),
        r => r,
    };
    match ch {
        '}' => Ok(()),
        ':' => {
            let Some(m) = peek(s, *k) else {
                return Err(fail("syntax error: missing '}'".into()));
            };
            bump(s, k);
            word(k)?;
            if matches!(m, '+' | '-' | '?' | '#' | '%') {
                Ok(())
            } else {
                Err(fail(format!("unsupported modifier (:{m}) in substitution")))
            }
        }
        '+' | '-' | '?' | '#' | '%' => word(k),
        '/' => {
            if peek(s, *k) == Some('/') {
                bump(s, k);
            }
            match stop_on(s, k, Some('/'), escape, depth + 1) {
                Err(Failure::Eof) => return Err(fail("syntax error: missing '/' in ${}".into())),
                r => r?,
            }
            word(k)
        }
        other => Err(fail(format!(
            "unsupported modifier ({other}) in substitution"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "E" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn forms() {
        let e = |s: &str| expand(s, '\\', &env);
        assert_eq!(e("$A:${A}").value, "alpha:alpha");
        assert_eq!(e("${B:-x}").value, "x");
        assert_eq!(e("${E:-x}").value, "x");
        assert_eq!(e("${E-x}").value, "");
        assert_eq!(e("${A:+y}").value, "y");
        assert_eq!(e("${B:+y}").value, "");
        assert_eq!(e("\\$A").value, "$A");
        assert_eq!(e("${A#al}").value, "pha");
        assert_eq!(e("${A%a}").value, "alph");
        assert_eq!(e("${A##*l}").value, "pha");
        assert_eq!(e("${A:+\"yes\"}").value, "yes");
        assert_eq!(e("'$A'\"$A\"").value, "$Aalpha");
        let u = e("img:$B");
        assert_eq!(u.value, "img:");
        assert_eq!(u.unresolved, vec!["B"]);
        assert_eq!(e("${A%%l*}").value, "a");
        assert_eq!(e("${A%?}").value, "alph");
        assert_eq!(e("${A#*}").value, "alpha");
        assert_eq!(e("${A##*}").value, "");
        assert_eq!(e("${A#x}").value, "alpha");
        assert_eq!(e("${A%%*a}").value, "");
        assert_eq!(e("${A%*a}").value, "alph");
        assert_eq!(e("${B:-${E:-${A}}}").value, "alpha");
    }

    #[test]
    fn value_cap() {
        let big = "x".repeat(MAX_VALUE / 2 + 1);
        let look = |n: &str| (n == "X").then(|| big.clone());
        let one = expand("$X", '\\', &look);
        assert_eq!(one.limited, None);
        let two = expand("a${X}$X", '\\', &look);
        assert_eq!(two.limited, Some(Limit::Value));
        // The word as written stands for the unknown value.
        assert_eq!(two.value, "a${X}$X");
    }

    #[test]
    fn budget_is_shared_and_stops_lookups() {
        let b = Budget::new(10);
        let calls = std::cell::Cell::new(0);
        let look = |_: &str| {
            calls.set(calls.get() + 1);
            Some("12345".to_string())
        };
        let a = expand_budgeted("$A$A", '\\', &look, Some(&b));
        assert_eq!((a.value.as_str(), a.limited), ("1234512345", None));
        let c = expand_budgeted("$A", '\\', &look, Some(&b));
        assert_eq!(c.limited, Some(Limit::Budget));
        let before = calls.get();
        let d = expand_budgeted("$A$A$A", '\\', &look, Some(&b));
        assert_eq!(d.limited, Some(Limit::Budget));
        assert_eq!(calls.get(), before, "no look-up once the budget is spent");
        // Literal text costs nothing.
        assert_eq!(expand_budgeted("abc", '\\', &look, Some(&b)).limited, None);
    }

    #[test]
    fn depth_cap() {
        let mut w = String::new();
        for _ in 0..10_000 {
            w.push_str("${U:-");
        }
        w.push('x');
        for _ in 0..10_000 {
            w.push('}');
        }
        let e = expand(&w, '\\', &env);
        assert_eq!(e.limited, Some(Limit::Depth));
        let shallow = "${U:-${U:-${U:-x}}}";
        assert_eq!(expand(shallow, '\\', &env).value, "x");
    }

    #[test]
    fn patterns_are_linear_and_bounded() {
        let v = "a".repeat(3000);
        let look = |_: &str| Some(v.clone());
        // Many stars: exponential for a backtracking matcher.
        let e = expand("${V#*a*a*a*a*a*a*a*a*a*a*a*a*b}", '\\', &look);
        assert_eq!(e.value, v);
        let e = expand("${V%%a*a}", '\\', &look);
        assert_eq!(e.value, "");
        let long = "?".repeat(20_000);
        let e = expand(&format!("${{V#{long}}}"), '\\', &look);
        assert_eq!(e.limited, Some(Limit::Pattern));
    }
}
