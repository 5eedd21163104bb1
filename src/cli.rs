//! Command-line interface (temporary skeleton).
use std::io::Write;

pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("inspect") {
        let files: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--") && a.as_str() != "json").collect();
        let mut reports = Vec::new();
        for f in files {
            let src = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
            let doc = crate::syntax::parse_document(&src);
            reports.push(crate::inspect::inspect(f, &doc));
        }
        let out = std::io::stdout();
        let mut out = out.lock();
        serde_json::to_writer(&mut out, &reports).unwrap();
        writeln!(out).unwrap();
        return 0;
    }
    2
}
