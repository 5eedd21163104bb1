//! The layers of dlint, checked: data flows one way (source text → syntax →
//! model → rules → diagnostics → suppression → renderers | fixer | server |
//! CLI) and every `crate::` path in a module points down that flow, never
//! up. Test modules (`#[cfg(test)] mod tests`, last in a file) may use
//! anything.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module and its layer: a module may use only modules of a
/// lower layer, and its own.
const LAYERS: &[(&str, u32)] = &[
    ("source", 0),
    ("panic", 0),
    ("text", 0),
    ("files", 0),
    ("syntax", 1),
    ("context", 1),
    ("model", 2),
    ("edit", 3),
    ("shellcheck", 3),
    ("diagnostic", 4),
    ("rules", 5),
    ("settings", 6),
    ("suppress", 7),
    ("analysis", 8),
    ("config", 9),
    ("fix", 10),
    ("render", 11),
    ("inspect", 11),
    ("layers", 11),
    ("pin", 11),
    ("registry", 11),
    ("server", 12),
    ("cli", 13),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The top-level module a file under src/ belongs to.
fn module_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn without_tests(src: &str) -> &str {
    match src.find("#[cfg(test)]\nmod ") {
        Some(i) => &src[..i],
        None => src,
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The modules of a higher layer that `text` (a file of `module`) uses.
fn upward_uses(module: &str, own: u32, text: &str) -> Vec<String> {
    // Comments may name any module: drop them (and anything after a `//`
    // in a line, which can only hide a use, never invent one).
    let code: String = without_tests(text)
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let used: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if used.is_empty() || used == module {
            continue;
        }
        if let Some(theirs) = layer(&used) {
            if theirs > own {
                out.push(format!("{used} (layer {theirs})"));
            }
        }
    }
    out
}

#[test]
fn every_import_points_down_the_data_flow() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut violations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen_modules = std::collections::BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let name = rel.to_string_lossy();
        if name == "lib.rs" || name == "main.rs" {
            continue;
        }
        let module = module_of(rel);
        seen_modules.insert(module.clone());
        let Some(own) = layer(&module) else {
            panic!("src/{name}: module `{module}` has no layer in tests/architecture.rs LAYERS");
        };
        let text = std::fs::read_to_string(f).unwrap();
        for v in upward_uses(&module, own, &text) {
            violations
                .entry(format!("src/{name} ({module}, layer {own})"))
                .or_default()
                .push(v);
        }
    }
    for (m, _) in LAYERS {
        assert!(
            seen_modules.contains(*m),
            "LAYERS names `{m}`, which is no module any more"
        );
    }
    assert!(
        violations.is_empty(),
        "imports that point up the data flow:\n{}",
        violations
            .iter()
            .map(|(f, v)| {
                let mut v = v.clone();
                v.dedup();
                format!("  {f} uses {}", v.join(", "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_sees_a_violation() {
    let text = "//! uses crate::cli in a comment\nuse crate::fix::fix_source; // crate::server\nuse crate::syntax::Span;\n#[cfg(test)]\nmod tests { use crate::cli; }\n";
    assert_eq!(upward_uses("model", 2, text), vec!["fix (layer 10)"]);
}
