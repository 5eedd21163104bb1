//! What dlint knows about BuildKit's build checks (`docker build --check`,
//! `frontend/dockerfile/linter`): their names, which are experimental, which
//! honour a `# check=` comment above an instruction, and the small pieces of
//! BuildKit the checks share: the "did you mean" search
//! (`util/suggest`), image reference validation
//! (`distribution/reference.ParseNormalizedNamed`), platform parsing
//! (`containerd/platforms.Parse`) and variable look-ups as
//! `shell.ProcessWordWithMatches` records them.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::RuleMeta;
use crate::model::expand::Expanded;
use crate::model::Model;

/// Every check of BuildKit's linter (`linter/ruleset.go`).
pub const CHECKS: &[&str] = &[
    "ConsistentInstructionCasing",
    "CopyIgnoredFile",
    "DuplicateStageName",
    "ExposeInvalidFormat",
    "ExposeProtoCasing",
    "FromAsCasing",
    "FromPlatformFlagConstDisallowed",
    "InvalidBaseImagePlatform",
    "InvalidDefaultArgInFrom",
    "InvalidDefinitionDescription",
    "JSONArgsRecommended",
    "LegacyKeyValueFormat",
    "MaintainerDeprecated",
    "MultipleInstructionsDisallowed",
    "NoEmptyContinuation",
    "RedundantTargetPlatform",
    "ReservedStageName",
    "SecretsUsedInArgOrEnv",
    "StageNameCasing",
    "UndefinedArgInFrom",
    "UndefinedVar",
    "WorkdirRelativePath",
];

/// Checks BuildKit runs only when `# check=experimental=` names them.
pub const EXPERIMENTAL: &[&str] = &["InvalidDefinitionDescription"];

/// Checks BuildKit runs with the file's `# check=` directive alone: a
/// `# check=skip=` comment above an instruction does not silence them
/// (`validateStageNames`, `validateCommandCasing`,
/// `validateBaseImagesWithDefaultArgs`, `validateBaseImagePlatform` and the
/// parser's empty-continuation warnings use the file's linter).
pub const FILE_CONFIG_ONLY: &[&str] = &[
    "ConsistentInstructionCasing",
    "DuplicateStageName",
    "ReservedStageName",
    "InvalidDefaultArgInFrom",
    "InvalidBaseImagePlatform",
    "NoEmptyContinuation",
];

/// The BuildKit check a rule implements, when it implements one.
pub fn check_name(meta: &RuleMeta) -> Option<&'static str> {
    meta.aliases
        .iter()
        .find_map(|a| CHECKS.iter().find(|c| *c == a).copied())
}

/// Whether a rule is one of BuildKit's checks.
pub fn is_check(meta: &RuleMeta) -> bool {
    check_name(meta).is_some()
}

/// Whether a rule is an experimental BuildKit check.
pub fn is_experimental(meta: &RuleMeta) -> bool {
    check_name(meta).is_some_and(|c| EXPERIMENTAL.contains(&c))
}

/// An OS and architecture (`linux`, `amd64`).
pub type Platform = (String, String);

/// What a registry said about an image: the platforms of its index (a
/// multi-platform image), or the one platform of a single image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platforms {
    Index(Vec<Platform>),
    Single(Platform),
}

/// Answers per image reference (as the FROM names it after expansion).
#[derive(Debug, Clone, Default)]
pub struct BasePlatforms {
    pub images: BTreeMap<String, Result<Platforms, String>>,
}

impl BasePlatforms {
    pub fn get(&self, reference: &str) -> Option<&Platforms> {
        self.images.get(reference).and_then(|r| r.as_ref().ok())
    }
}

/// BuildKit reports a check on its instruction, by the instruction's first
/// line: `span` when it starts on that line, else the keyword (the caller
/// points at `span` with a related note).
pub fn report_span(
    m: &crate::model::Model,
    inst: &crate::model::Instruction,
    span: crate::syntax::Span,
) -> crate::syntax::Span {
    if m.line_of(span.start) == inst.start_line {
        span
    } else {
        inst.keyword.span
    }
}

/// The Levenshtein distance of `a` and `b` (chars) when it is at most `k`:
/// only the cells within `k` of the diagonal are computed, so two long
/// names cost O(length), not O(length²).
pub fn levenshtein_within(a: &[char], b: &[char], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    let inf = k + 1;
    let n = b.len();
    // Row 0; cells never written stay `inf` (outside the band).
    let mut prev: Vec<usize> = (0..=n).map(|j| j.min(inf)).collect();
    let mut cur: Vec<usize> = vec![inf; n + 1];
    for (i, ca) in a.iter().enumerate() {
        let i = i + 1;
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(n);
        cur[lo - 1] = if lo == 1 { i.min(inf) } else { inf };
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let cost = usize::from(*ca != b[j - 1]);
            let v = (prev[j - 1] + cost)
                .min(prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(inf);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < n {
            // The cell right of the band, read by the next row.
            cur[hi + 1] = inf;
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[n]).filter(|d| *d <= k)
}

/// `suggest.Search` (case-sensitive): the option closest to `val` within
/// an edit distance of 2, the first one on a tie; None for an exact match.
pub fn suggest<'a>(val: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let v: Vec<char> = val.chars().collect();
    let mut o: Vec<char> = Vec::new();
    let mut best: Option<&str> = None;
    let mut min = 3;
    for opt in options {
        if opt == val {
            return None;
        }
        // Options whose length alone puts them out of reach cost no more
        // than counting their chars.
        if opt.chars().count().abs_diff(v.len()) >= min {
            continue;
        }
        o.clear();
        o.extend(opt.chars());
        if let Some(d) = levenshtein_within(&v, &o, min - 1) {
            if d < min {
                min = d;
                best = Some(opt);
            }
        }
    }
    best
}

/// How many bytes of options [`suggest`] may look at in one file (each
/// option costs its length plus one): a file with thousands of variables
/// and thousands of misspelt uses stays linear; once spent, no more
/// suggestions are made.
pub const SUGGEST_BUDGET: usize = 32 << 20;

/// [`suggest`] within a per-file budget ([`SUGGEST_BUDGET`]): None, as for
/// no close option, once the budget is spent.
pub struct Suggester {
    left: usize,
}

impl Default for Suggester {
    fn default() -> Self {
        Suggester {
            left: SUGGEST_BUDGET,
        }
    }
}

impl Suggester {
    pub fn suggest<'a>(
        &mut self,
        val: &str,
        options: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        let mut spent = false;
        let left = &mut self.left;
        let charged = options.into_iter().take_while(|o| {
            match left.checked_sub(o.len() + 1) {
                Some(l) => *left = l,
                None => {
                    *left = 0;
                    spent = true;
                }
            }
            !spent
        });
        let found = suggest(val, charged);
        if spent {
            None
        } else {
            found
        }
    }
}

/// A word expanded with every variable look-up recorded, as
/// `ProcessWordWithMatches` records them: `matched` were set, `unmatched`
/// were not (also those inside `${X:-default}`).
pub struct Tracked {
    pub expanded: Expanded,
    pub matched: Vec<String>,
    pub unmatched: Vec<String>,
}

/// Expands `text` within the file's expansion budget ([`Model::expand_with`]),
/// recording the look-ups.
pub fn expand_tracked(text: &str, m: &Model, lookup: &dyn Fn(&str) -> Option<String>) -> Tracked {
    #[derive(Default)]
    struct Seen {
        matched: Vec<String>,
        unmatched: Vec<String>,
        names: HashSet<(bool, String)>,
    }
    let seen: RefCell<Seen> = RefCell::new(Seen::default());
    let rec = |name: &str| -> Option<String> {
        let v = lookup(name);
        let mut s = seen.borrow_mut();
        if s.names.insert((v.is_some(), name.to_string())) {
            if v.is_some() {
                s.matched.push(name.to_string());
            } else {
                s.unmatched.push(name.to_string());
            }
        }
        v
    };
    let expanded = m.expand_with(text, &rec);
    let s = seen.into_inner();
    Tracked {
        expanded,
        matched: s.matched,
        unmatched: s.unmatched,
    }
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let alnum = "[a-z0-9]+";
    let sep = "(?:[._]|__|[-]+)";
    let path_component = format!("{alnum}(?:{sep}{alnum})*");
    let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let host = format!(r"(?:{domain_component}(?:\.{domain_component})*|\[[a-fA-F0-9:]+\])");
    let domain = format!("{host}(?::[0-9]+)?");
    let name = format!("(?:{domain}/)?{path_component}(?:/{path_component})*");
    // Go's `\w` is ASCII.
    let tag = r"[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
    let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    Regex::new(&format!("^({name})(?::({tag}))?(?:@({digest}))?$")).expect("reference regex")
});

static HEX64: LazyLock<Regex> = LazyLock::new(|| Regex::new("^[a-f0-9]{64}$").expect("hex regex"));

/// Whether `distribution/reference.ParseNormalizedNamed` accepts `s`.
pub fn valid_reference(s: &str) -> bool {
    if HEX64.is_match(s) {
        return false;
    }
    // splitDockerDomain
    let (domain, mut remainder) = match s.split_once('/') {
        Some((head, rest))
            if head.contains(['.', ':']) || head == "localhost" || head.to_lowercase() != head =>
        {
            (head.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), s.to_string()),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io".to_string()
    } else {
        domain
    };
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    let remote = remainder.split(':').next().unwrap_or("");
    if remote.to_lowercase() != remote {
        return false;
    }
    let full = format!("{domain}/{remainder}");
    let Some(c) = REFERENCE.captures(&full) else {
        return false;
    };
    if c.get(1).map_or(0, |m| m.as_str().len()) > 255 {
        return false;
    }
    if let Some(d) = c.get(3) {
        let Some((algo, hex)) = d.as_str().split_once(':') else {
            return false;
        };
        let len = match algo {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return false,
        };
        if hex.len() != len || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return false;
        }
    }
    true
}

const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
];

const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".into()
    } else {
        os
    }
}

fn normalize_arch(arch: &str) -> String {
    let a = arch.to_ascii_lowercase();
    match a.as_str() {
        "i386" => "386".into(),
        "x86_64" | "x86-64" | "amd64" => "amd64".into(),
        "aarch64" | "arm64" => "arm64".into(),
        "armhf" | "armel" | "arm" => "arm".into(),
        _ => a,
    }
}

/// `platforms.Parse` on a BuildKit daemon running on linux/amd64: the
/// platform's OS and architecture, None when it does not parse.
pub fn parse_platform(spec: &str) -> Option<(String, String)> {
    if spec.contains('*') {
        return None;
    }
    let os_version_free = match spec.split_once('(') {
        // `windows(10.0.17763)/amd64`: the OS version in parentheses.
        Some((os, rest)) => {
            let (_, after) = rest.split_once(')')?;
            format!("{os}{after}")
        }
        None => spec.to_string(),
    };
    let parts: Vec<&str> = os_version_free.split('/').collect();
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    };
    if !parts.iter().all(|p| ok(p)) {
        return None;
    }
    match parts.as_slice() {
        [one] => {
            let os = normalize_os(one);
            if KNOWN_OS.contains(&os.as_str()) {
                return Some((os, "amd64".into()));
            }
            let arch = normalize_arch(one);
            KNOWN_ARCH
                .contains(&arch.as_str())
                .then(|| ("linux".into(), arch))
        }
        [os, arch] | [os, arch, _] => Some((normalize_os(os), normalize_arch(arch))),
        _ => None,
    }
}

/// BuildKit's automatic platform arguments (`defaultArgs`), always present
/// in the global scope.
pub const AUTOMATIC_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        for ok in [
            "busybox",
            "busybox:latest",
            "docker.io/library/busybox:1.36",
            "localhost:5000/team/app",
            "ghcr.io/org/app:1",
            "busybox:Latest",
            "scratch",
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(valid_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "busybox:",
            "busy box",
            "MyImage",
            "ghcr.io/Org/app:1",
            "/nginx:1",
            "busybox@sha256:abc",
            "a:b:c",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(!valid_reference(bad), "{bad}");
        }
    }

    #[test]
    fn platforms() {
        assert_eq!(
            parse_platform("linux/amd64"),
            Some(("linux".into(), "amd64".into()))
        );
        assert_eq!(
            parse_platform("linux"),
            Some(("linux".into(), "amd64".into()))
        );
        assert_eq!(
            parse_platform("arm64"),
            Some(("linux".into(), "arm64".into()))
        );
        assert_eq!(
            parse_platform("Linux/x86_64"),
            Some(("linux".into(), "amd64".into()))
        );
        assert_eq!(parse_platform("foobar"), None);
        assert_eq!(parse_platform("linux/*"), None);
        assert_eq!(parse_platform("a/b/c/d"), None);
        assert_eq!(parse_platform("linux/"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("DIR_ASSET", ["DIR_BINARIES", "DIR_ASSETS", "DIR_CONFIG"]),
            Some("DIR_ASSETS")
        );
        assert_eq!(suggest("PAHT", ["PATH"]), Some("PATH"));
        assert_eq!(suggest("X", ["X"]), None);
        assert_eq!(suggest("ABCDEF", ["XYZ"]), None);
        assert_eq!(suggest("日本語", ["日本"]), Some("日本"));
    }

    #[test]
    fn banded_distance_is_the_distance() {
        // Every pair of short strings over a small alphabet, multi-byte
        // chars included: the band agrees with the full table.
        let alphabet = ['a', 'b', '日'];
        let mut words = vec![String::new()];
        for len in 1..=4 {
            let mut n = 1;
            for _ in 0..len {
                n *= alphabet.len();
            }
            for mut x in 0..n {
                let mut w = String::new();
                for _ in 0..len {
                    w.push(alphabet[x % alphabet.len()]);
                    x /= alphabet.len();
                }
                words.push(w);
            }
        }
        for a in &words {
            let ac: Vec<char> = a.chars().collect();
            for b in &words {
                let bc: Vec<char> = b.chars().collect();
                let full = strsim::levenshtein(a, b);
                for k in 0..3 {
                    let want = (full <= k).then_some(full);
                    assert_eq!(levenshtein_within(&ac, &bc, k), want, "{a:?} {b:?} {k}");
                }
            }
        }
        let long: String = "x".repeat(100_000);
        let other = format!("{long}y");
        let (l, o): (Vec<char>, Vec<char>) = (long.chars().collect(), other.chars().collect());
        assert_eq!(levenshtein_within(&l, &o, 2), Some(1));
    }

    #[test]
    fn suggestions_stop_when_the_budget_is_spent() {
        let mut s = Suggester { left: 12 };
        assert_eq!(s.suggest("PAHT", ["PATH", "HOME"]), Some("PATH"));
        // 2 bytes left: not enough to look at all of them.
        assert_eq!(s.suggest("PAHT", ["PATH"]), None);
        assert_eq!(s.left, 0);
    }

    #[test]
    fn tracked_lookups() {
        let m = Model::build("FROM a\n");
        let t = expand_tracked("${A:-x}$B$A${B}", &m, &|n| (n == "B").then(|| "b".into()));
        assert_eq!(t.expanded.value, "xbb");
        assert_eq!(t.matched, vec!["B"]);
        assert_eq!(t.unmatched, vec!["A"]);
    }
}
