//! Variable expansion as BuildKit applies it to FROM, COPY, ENV, … :
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
//! `${VAR+alt}`, with the escape character protecting `$`.

/// The result of expanding a word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    pub value: String,
    /// Variables that had no value (and no default in the word).
    pub unresolved: Vec<String>,
    /// Whether any expansion happened.
    pub used_vars: bool,
    /// A `${…}` with a modifier BuildKit does not support (a template
    /// placeholder such as `${templateOption:imageVariant}`).
    pub invalid: bool,
}

/// Expands `text`, asking `lookup` for each variable. A variable `lookup`
/// does not know is unresolved and expands to the empty string, as in
/// BuildKit; callers decide what an unresolved variable means.
pub fn expand(text: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> Expanded {
    let mut out = Expanded::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut in_single = false;
    let mut in_double = false;
    while i < chars.len() {
        let c = chars[i];
        if c == escape && i + 1 < chars.len() {
            if chars[i + 1] == '$' {
                out.value.push('$');
            } else {
                out.value.push(c);
                out.value.push(chars[i + 1]);
            }
            i += 2;
            continue;
        }
        // Quotes are removed, as BuildKit's shell lexer does; single quotes
        // stop expansion.
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
            out.value.push(c);
            i += 1;
            continue;
        }
        // `$`
        if i + 1 >= chars.len() {
            out.value.push('$');
            i += 1;
            continue;
        }
        if chars[i + 1] == '{' {
            // Find the matching brace.
            let mut depth = 1;
            let mut j = i + 2;
            while j < chars.len() {
                match chars[j] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= chars.len() {
                // Unterminated: keep literally.
                out.value.extend(&chars[i..]);
                break;
            }
            let inner: String = chars[i + 2..j].iter().collect();
            out.used_vars = true;
            expand_braced(&inner, escape, lookup, &mut out);
            i = j + 1;
            continue;
        }
        let name_len = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .count();
        if name_len == 0 {
            out.value.push('$');
            i += 1;
            continue;
        }
        let name: String = chars[i + 1..i + 1 + name_len].iter().collect();
        out.used_vars = true;
        match lookup(&name) {
            Some(v) => out.value.push_str(&v),
            None => out.unresolved.push(name),
        }
        i += 1 + name_len;
    }
    out
}

fn expand_braced(
    inner: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Expanded,
) {
    let name_len = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .count();
    let (name, rest) = inner.split_at_checked(name_len).unwrap_or((inner, ""));
    let value = lookup(name);
    if !rest.is_empty()
        && !rest.starts_with(":-")
        && !rest.starts_with(":+")
        && !rest.starts_with('-')
        && !rest.starts_with('+')
        && !rest.starts_with('#')
        && !rest.starts_with('%')
        && !rest.starts_with('/')
    {
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
    let sub = |w: &str, out: &mut Expanded| {
        let e = expand(w, escape, lookup);
        out.value.push_str(&e.value);
        out.unresolved.extend(e.unresolved);
        out.invalid |= e.invalid;
    };
    match op {
        ":-" => match value {
            Some(v) if !v.is_empty() => out.value.push_str(&v),
            _ => sub(word, out),
        },
        "-" => match value {
            Some(v) => out.value.push_str(&v),
            None => sub(word, out),
        },
        ":+" => {
            if value.as_deref().is_some_and(|v| !v.is_empty()) {
                sub(word, out)
            }
        }
        "+" => {
            if value.is_some() {
                sub(word, out)
            }
        }
        _ => match value {
            Some(v) => {
                // ${v#pat} ${v##pat} ${v%pat} ${v%%pat}: remove a prefix or
                // suffix matching a glob pattern.
                let v = if let Some(p) = rest.strip_prefix("##") {
                    strip_prefix_glob(&v, p, true)
                } else if let Some(p) = rest.strip_prefix('#') {
                    strip_prefix_glob(&v, p, false)
                } else if let Some(p) = rest.strip_prefix("%%") {
                    strip_suffix_glob(&v, p, true)
                } else if let Some(p) = rest.strip_prefix('%') {
                    strip_suffix_glob(&v, p, false)
                } else {
                    v
                };
                out.value.push_str(&v)
            }
            None => out.unresolved.push(name.to_string()),
        },
    }
}

/// Whether `text` matches a shell glob (`*`, `?`).
fn glob(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') => (0..=t.len()).any(|i| glob(&p[1..], &t[i..])),
        Some('?') => !t.is_empty() && glob(&p[1..], &t[1..]),
        Some(c) => t.first() == Some(c) && glob(&p[1..], &t[1..]),
    }
}

fn strip_prefix_glob(v: &str, pat: &str, longest: bool) -> String {
    let chars: Vec<char> = v.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    let mut lens: Vec<usize> = (0..=chars.len()).collect();
    if longest {
        lens.reverse();
    }
    for n in lens {
        if glob(&p, &chars[..n]) {
            return chars[n..].iter().collect();
        }
    }
    v.to_string()
}

fn strip_suffix_glob(v: &str, pat: &str, longest: bool) -> String {
    let chars: Vec<char> = v.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    let mut starts: Vec<usize> = (0..=chars.len()).collect();
    if !longest {
        starts.reverse();
    }
    for s in starts {
        if glob(&p, &chars[s..]) {
            return chars[..s].iter().collect();
        }
    }
    v.to_string()
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
    }
}
