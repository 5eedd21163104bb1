//! BuildKit's instruction pass: what `frontend/dockerfile/instructions`
//! (`parse.go`, `bflag.go` and the RUN flag hooks) refuses after the parser
//! has split the file, plus the checks of `dockerfile2llb` that need neither
//! an image nor the build context (`no build stage in current context`,
//! `dockerfile contains no stages to build`, `--chmod`, `STOPSIGNAL`,
//! `RUN --mount` options, COPY from a URL).
//!
//! BuildKit stops at the first error of the file; here every instruction is
//! checked (one error each, the first BuildKit would raise for it), so an
//! editor shows them all at once. Errors that need the stage graph
//! (`COPY --from`, image references) are the model's.

use super::buildkit::{parse_heredoc_word, ErrorKind, ParseError, Parsed, Phase, RawInstruction};
use super::Span;

/// The instruction names BuildKit knows (`command.Commands`).
pub const INSTRUCTIONS: &[&str] = &[
    "add",
    "arg",
    "cmd",
    "copy",
    "entrypoint",
    "env",
    "expose",
    "from",
    "healthcheck",
    "label",
    "maintainer",
    "onbuild",
    "run",
    "shell",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagType {
    Bool,
    String,
    /// May be given more than once.
    Strings,
}
use FlagType::{Bool, String as Str, Strings};

/// Flags per instruction, as the instructions define them with
/// `AddBool`/`AddString`/`AddStrings`. Flags of the `-labs` channel
/// (`--exclude`, `--parents`, `--device`) are accepted: the file may ask for
/// that frontend.
const ADD_FLAGS: &[(&str, FlagType)] = &[
    ("chown", Str),
    ("chmod", Str),
    ("link", Bool),
    ("keep-git-dir", Bool),
    ("checksum", Str),
    ("unpack", Bool),
    ("exclude", Strings),
];
const COPY_FLAGS: &[(&str, FlagType)] = &[
    ("chown", Str),
    ("from", Str),
    ("chmod", Str),
    ("link", Bool),
    ("parents", Bool),
    ("exclude", Strings),
];
const FROM_FLAGS: &[(&str, FlagType)] = &[("platform", Str)];
const RUN_FLAGS: &[(&str, FlagType)] = &[
    ("mount", Strings),
    ("network", Str),
    ("security", Str),
    ("device", Strings),
];
const HEALTHCHECK_FLAGS: &[(&str, FlagType)] = &[
    ("interval", Str),
    ("timeout", Str),
    ("start-period", Str),
    ("start-interval", Str),
    ("retries", Str),
];

/// An error of one instruction: what, where in the source, and the message.
struct Found {
    kind: ErrorKind,
    span: Span,
    message: String,
}

fn found(kind: ErrorKind, span: Span, message: impl Into<String>) -> Found {
    Found {
        kind,
        span,
        message: message.into(),
    }
}

/// Adds the errors of BuildKit's instruction pass to `parsed.errors`.
pub fn check(parsed: &mut Parsed) {
    let mut errors = Vec::new();
    let mut seen_from = false;
    let mut no_stage_reported = false;
    for (index, inst) in parsed.instructions.iter().enumerate() {
        let kw = super::buildkit::keyword_lower(&inst.keyword.value);
        errors.extend(instruction_error(index, inst));
        let mut push = |f: Found| errors.push(pass_error(f, index, inst));
        // `CurrentStage`: only ARG may come before the first FROM.
        if kw == "from" {
            seen_from = true;
        } else if !seen_from && kw != "arg" && !no_stage_reported && INSTRUCTIONS.contains(&&*kw) {
            no_stage_reported = true;
            push(found(
                ErrorKind::NoStage,
                inst.keyword.span,
                format!(
                    "no build stage in current context: {} comes before the first FROM (only ARG may)",
                    inst.keyword.value.to_ascii_uppercase()
                ),
            ));
        }
    }
    // Raised after the instruction pass succeeded: not when an instruction
    // (often a misspelt FROM) is wrong already.
    if !seen_from && errors.is_empty() {
        if let Some(first) = parsed.instructions.first() {
            // Every instruction is an ARG (or unknown): no stage at all.
            errors.push(ParseError {
                message: "dockerfile contains no stages to build: the file has no FROM".into(),
                span: first.keyword.span,
                line: first.start_line,
                phase: Phase::Instruction,
                kind: ErrorKind::NoStage,
                instruction: Some(0),
            });
        }
    }
    parsed.errors.extend(errors);
}

/// The error of the instruction pass about the `index`-th instruction
/// itself, its place in the file apart (only ARG may come before the first
/// FROM): what [`check`] reports for it after the FROM.
pub fn instruction_error(index: usize, inst: &RawInstruction) -> Option<ParseError> {
    let f = if let Some(m) = &inst.byte_misread {
        found(ErrorKind::ByteReading, flags_span(inst), m.clone())
    } else if inst.error.is_none() {
        // An instruction the parser already refused has no reliable
        // arguments; its parser error stands alone (so does a misread one).
        check_instruction(inst).err()?
    } else {
        return None;
    };
    Some(pass_error(f, index, inst))
}

/// The instruction pass's error about the `index`-th instruction.
fn pass_error(f: Found, index: usize, inst: &RawInstruction) -> ParseError {
    ParseError {
        message: f.message,
        span: f.span,
        line: inst.start_line,
        phase: Phase::Instruction,
        kind: f.kind,
        instruction: Some(index),
    }
}

/// The span of the flags (or the keyword when there are none).
fn flags_span(inst: &RawInstruction) -> Span {
    match (inst.flags.first(), inst.flags.last()) {
        (Some(a), Some(b)) => a.span.cover(b.span),
        _ => inst.keyword.span,
    }
}

/// The span of the arguments, or of the keyword when there are none.
fn args_span(inst: &RawInstruction) -> Span {
    match (inst.args.first(), inst.args.last()) {
        (Some(a), Some(b)) if !a.span.is_empty() || !b.span.is_empty() => a.span.cover(b.span),
        _ => inst.keyword.span,
    }
}

fn values(inst: &RawInstruction) -> Vec<&str> {
    inst.args.iter().map(|w| w.value.as_str()).collect()
}

/// `ParseInstruction`, in BuildKit's order of checks per instruction.
fn check_instruction(inst: &RawInstruction) -> Result<(), Found> {
    let kw = super::buildkit::keyword_lower(&inst.keyword.value);
    // The keyword in uppercase, written only into an error message.
    struct Upper<'a>(&'a str);
    impl std::fmt::Display for Upper<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0
                .chars()
                .try_for_each(|c| std::fmt::Write::write_char(f, c.to_ascii_uppercase()))
        }
    }
    let upper = Upper(&kw);
    let args = &inst.args;
    let at_least_one = || {
        found(
            ErrorKind::Arguments,
            inst.keyword.span,
            format!("{upper} requires at least one argument"),
        )
    };
    let exactly_one = || {
        found(
            ErrorKind::Arguments,
            args_span(inst),
            format!("{upper} requires exactly one argument"),
        )
    };
    match &*kw {
        "env" | "label" => {
            parse_flags(inst, &[])?;
            if args.is_empty() {
                return Err(at_least_one());
            }
            for pair in inst.args.chunks(2) {
                if pair[0].value.is_empty() {
                    return Err(found(
                        ErrorKind::Arguments,
                        pair[0].span.cover(pair[pair.len() - 1].span),
                        format!("{upper} names can not be blank"),
                    ));
                }
            }
        }
        "maintainer" => {
            if args.len() != 1 {
                return Err(exactly_one());
            }
            parse_flags(inst, &[])?;
        }
        "add" | "copy" => {
            if args.len() < 2 {
                return Err(found(
                    ErrorKind::Arguments,
                    args_span(inst),
                    format!("{upper} requires at least two arguments, but only one was provided. Destination could not be determined"),
                ));
            }
            let flags = parse_flags(inst, if kw == "add" { ADD_FLAGS } else { COPY_FLAGS })?;
            let dest = &inst.args[inst.args.len() - 1];
            if !inst.json && parse_heredoc_word(&dest.value).is_some() {
                return Err(found(
                    ErrorKind::Arguments,
                    dest.span,
                    format!("{upper} cannot accept a heredoc as a destination"),
                ));
            }
            check_copy_dispatch(inst, &kw, &flags)?;
        }
        "from" => {
            match args.len() {
                1 => {}
                3 if args[1].value.eq_ignore_ascii_case("as") => {
                    let name = &inst.args[2];
                    if !valid_stage_name(&name.value.to_lowercase()) {
                        return Err(found(
                            ErrorKind::StageName,
                            name.span,
                            format!(
                                "invalid name for build stage: {}, name can't start with a number or contain symbols",
                                go_quote(&name.value)
                            ),
                        ));
                    }
                }
                _ => {
                    return Err(found(
                        ErrorKind::Arguments,
                        args_span(inst),
                        "FROM requires either one or three arguments (`FROM image [AS name]`)",
                    ))
                }
            }
            parse_flags(inst, FROM_FLAGS)?;
        }
        "onbuild" => {
            let Some(sub) = &inst.sub else {
                return Err(at_least_one());
            };
            parse_flags(inst, &[])?;
            let trigger = sub.keyword.value.trim().to_ascii_uppercase();
            match trigger.as_str() {
                "ONBUILD" => {
                    return Err(found(
                        ErrorKind::Arguments,
                        sub.keyword.span,
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                    ))
                }
                "MAINTAINER" | "FROM" => {
                    return Err(found(
                        ErrorKind::Arguments,
                        sub.keyword.span,
                        format!("{trigger} isn't allowed as an ONBUILD trigger"),
                    ))
                }
                _ => {}
            }
        }
        "workdir" | "user" => {
            if args.len() != 1 {
                return Err(exactly_one());
            }
            parse_flags(inst, &[])?;
        }
        "run" => {
            let flags = parse_flags(inst, RUN_FLAGS)?;
            check_run_hooks(&flags)?;
        }
        "cmd" | "entrypoint" => {
            parse_flags(inst, &[])?;
        }
        "healthcheck" => check_healthcheck(inst, &values(inst))?,
        "expose" => {
            if args.is_empty() {
                return Err(at_least_one());
            }
            parse_flags(inst, &[])?;
        }
        "volume" => {
            if args.is_empty() {
                return Err(at_least_one());
            }
            parse_flags(inst, &[])?;
            if let Some(w) = inst.args.iter().find(|w| w.value.trim().is_empty()) {
                return Err(found(
                    ErrorKind::Arguments,
                    w.span,
                    "VOLUME specified can not be an empty string",
                ));
            }
        }
        "stopsignal" => {
            // BuildKit does not read STOPSIGNAL's flags at all.
            if args.len() != 1 {
                return Err(exactly_one());
            }
            let sig = args[0].value.as_str();
            if !sig.contains('$') && !valid_signal(sig) {
                return Err(found(
                    ErrorKind::Arguments,
                    inst.args[0].span,
                    format!("invalid signal: {sig}"),
                ));
            }
        }
        "arg" => {
            // Nor ARG's.
            if args.is_empty() {
                return Err(at_least_one());
            }
            if let Some(w) = inst.args.iter().find(|w| w.value.starts_with('=')) {
                return Err(found(
                    ErrorKind::Arguments,
                    w.span,
                    "ARG names can not be blank",
                ));
            }
        }
        "shell" => {
            parse_flags(inst, &[])?;
            if args.is_empty() {
                return Err(at_least_one());
            }
            if !inst.json {
                return Err(found(
                    ErrorKind::Arguments,
                    args_span(inst),
                    "SHELL requires the arguments to be in JSON form (`SHELL [\"executable\", \"parameters\"]`)",
                ));
            }
        }
        _ => {
            let mut message = format!("unknown instruction: {}", inst.keyword.value);
            if let Some(s) = suggest(&inst.keyword.value, INSTRUCTIONS, false) {
                message.push_str(&format!(" (did you mean {s}?)"));
            }
            return Err(found(
                ErrorKind::UnknownInstruction,
                inst.keyword.span,
                message,
            ));
        }
    }
    Ok(())
}

/// A flag as `BFlags.Parse` accepted it.
struct ParsedFlag<'a> {
    name: &'a str,
    value: &'a str,
    span: Span,
}

/// `BFlags.Parse`: every flag must be defined for the instruction, given once
/// (unless it takes several values), with a value when it takes one and
/// `true`/`false` (or nothing) when it is a boolean.
fn parse_flags<'a>(
    inst: &'a RawInstruction,
    defined: &[(&str, FlagType)],
) -> Result<Vec<ParsedFlag<'a>>, Found> {
    let mut used: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for w in &inst.flags {
        let a = w.value.as_str();
        if a == "--" {
            break;
        }
        let err = |m: String| Err(found(ErrorKind::Flag, w.span, m));
        let Some(body) = a.strip_prefix("--") else {
            return err(format!("arg should start with -- : {a}"));
        };
        let (name, value, has_value) = match body.split_once('=') {
            Some((n, v)) => (n, v, true),
            None => (body, "", false),
        };
        let flag_name = format!("--{name}");
        let Some(&(_, ty)) = defined.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = defined.iter().map(|(n, _)| *n).collect();
            let mut m = format!(
                "unknown flag: {flag_name}{}",
                if defined.is_empty() {
                    format!(
                        " ({} takes no flags)",
                        inst.keyword.value.to_ascii_uppercase()
                    )
                } else {
                    String::new()
                }
            );
            if let Some(s) = suggest(name, &names, true) {
                m.push_str(&format!(" (did you mean {s}?)"));
            }
            return err(m);
        };
        if used.contains(&name) && ty != Strings {
            return err(format!("duplicate flag specified: {flag_name}"));
        }
        used.push(name);
        match ty {
            Bool => {
                if has_value && value.is_empty() {
                    return err(format!("missing a value on flag: {flag_name}"));
                }
                if !matches!(value.to_ascii_lowercase().as_str(), "" | "true" | "false") {
                    return err(format!(
                        "expecting boolean value for flag {flag_name}, not: {value}"
                    ));
                }
            }
            Str | Strings => {
                if !has_value {
                    return err(format!(
                        "missing a value on flag: {flag_name} (write {flag_name}=<value>)"
                    ));
                }
            }
        }
        out.push(ParsedFlag {
            name,
            value,
            span: w.span,
        });
    }
    Ok(out)
}

/// The RUN flag hooks (`commands_runmount.go`, `_runnetwork.go`,
/// `_runsecurity.go`) and the mount options `dispatchRunMounts` reads.
fn check_run_hooks(flags: &[ParsedFlag]) -> Result<(), Found> {
    for f in flags {
        match f.name {
            "network" if !matches!(f.value, "default" | "none" | "host") => {
                return Err(found(
                    ErrorKind::Flag,
                    f.span,
                    format!(
                        "invalid network mode {} (use default, none or host)",
                        go_quote(f.value)
                    ),
                ));
            }
            "security" if !matches!(f.value, "insecure" | "sandbox") => {
                return Err(found(
                    ErrorKind::Flag,
                    f.span,
                    format!(
                        "security {} is not valid (use sandbox or insecure)",
                        go_quote(f.value)
                    ),
                ));
            }
            "mount" => {
                if let Err(m) = check_mount(f.value) {
                    return Err(found(ErrorKind::Mount, f.span, m));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `parseMount` with the values BuildKit can check before it expands
/// variables: a value holding `$` is not judged (except `from`, which BuildKit
/// never expands).
fn check_mount(value: &str) -> Result<(), String> {
    let fields = go_csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    let mut ty = "bind".to_string();
    let mut from = false;
    let mut sharing = false;
    let mut source = false;
    let mut target = false;
    let mut id = false;
    let mut file_info: Option<&str> = None;
    for field in &fields {
        let (key, val, has_value) = match field.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), v, true),
            None => (field.to_ascii_lowercase(), "", false),
        };
        if !has_value {
            match key.as_str() {
                "readonly" | "ro" | "readwrite" | "rw" => continue,
                "required" => {
                    if ty == "secret" || ty == "ssh" {
                        continue;
                    }
                    return Err(format!("unexpected key '{key}' for mount type '{ty}'"));
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
        }
        if key == "from" && val.contains('$') && val.len() > 1 {
            return Err(
                "'from' doesn't support variable expansion, define alias stage instead".into(),
            );
        }
        if val.contains('$') {
            // Expanded when the RUN is dispatched: not judged here.
            match key.as_str() {
                "type" => return Ok(()),
                "from" => from = true,
                "source" | "src" => source = true,
                "target" | "dst" | "destination" => target = true,
                "id" => id = true,
                "sharing" => sharing = true,
                _ => {}
            }
            continue;
        }
        let bad_bool = || format!("invalid value for {key}: {val}");
        match key.as_str() {
            "type" => {
                let v = val.to_ascii_lowercase();
                const TYPES: &[&str] = &["bind", "cache", "tmpfs", "secret", "ssh"];
                if !TYPES.contains(&v.as_str()) {
                    let mut m = format!("unsupported mount type {}", go_quote(val));
                    if let Some(s) = suggest(val, TYPES, true) {
                        m.push_str(&format!(" (did you mean {s}?)"));
                    }
                    return Err(m);
                }
                ty = v;
            }
            "from" => from = !val.is_empty(),
            "source" | "src" => source = !val.is_empty(),
            "target" | "dst" | "destination" => target = !val.is_empty(),
            "readonly" | "ro" | "readwrite" | "rw" => {
                if go_parse_bool(val).is_none() {
                    return Err(bad_bool());
                }
            }
            "required" => {
                if ty != "secret" && ty != "ssh" {
                    return Err(format!("unexpected key '{key}' for mount type '{ty}'"));
                }
                if go_parse_bool(val).is_none() {
                    return Err(bad_bool());
                }
            }
            "size" => {
                if ty != "tmpfs" {
                    return Err(format!("unexpected key '{key}' for mount type '{ty}'"));
                }
                if !valid_ram_size(val) {
                    return Err(bad_bool());
                }
            }
            "id" => id = !val.is_empty(),
            // `env=NAME` (secret mounts as environment variables).
            "env" => {}
            "sharing" => {
                const MODES: &[&str] = &["shared", "private", "locked"];
                if !MODES.contains(&val.to_ascii_lowercase().as_str()) {
                    let mut m = format!("unsupported sharing value {}", go_quote(val));
                    if let Some(s) = suggest(val, MODES, true) {
                        m.push_str(&format!(" (did you mean {s}?)"));
                    }
                    return Err(m);
                }
                sharing = true;
            }
            "mode" => {
                if u32::from_str_radix(val, 8).is_err() || val.starts_with(['+', '-']) {
                    return Err(format!("invalid value {val} for mode"));
                }
                file_info = Some("mode");
            }
            "uid" | "gid" => {
                if val.parse::<u32>().is_err() || val.starts_with('+') {
                    return Err(format!("invalid value {val} for {key}"));
                }
                file_info = file_info.or(Some(if key == "uid" { "uid" } else { "gid" }));
            }
            _ => {
                const KEYS: &[&str] = &[
                    "type",
                    "from",
                    "source",
                    "target",
                    "readonly",
                    "id",
                    "sharing",
                    "required",
                    "size",
                    "mode",
                    "uid",
                    "gid",
                    "src",
                    "dst",
                    "destination",
                    "ro",
                    "rw",
                    "readwrite",
                    "env",
                ];
                let mut m = format!("unexpected key '{key}' in '{field}'");
                if let Some(s) = suggest(&key, KEYS, true) {
                    m.push_str(&format!(" (did you mean {s}?)"));
                }
                return Err(m);
            }
        }
    }
    // validateMount
    if !matches!(ty.as_str(), "secret" | "ssh" | "cache") {
        if let Some(k) = file_info {
            return Err(format!("{k} not allowed for {} type mounts", go_quote(&ty)));
        }
    }
    if ty == "secret" {
        if from {
            return Err("secret mount should not have a from".into());
        }
        if sharing {
            return Err("secret mount should not define sharing".into());
        }
        if !source && !target && !id {
            return Err("invalid secret mount. one of source, target required".into());
        }
        if source && id {
            return Err("both source and id can't be set".into());
        }
    }
    if sharing && ty != "cache" {
        return Err(format!("invalid cache sharing set for {ty} mount"));
    }
    Ok(())
}

/// Go's `encoding/csv` reading one record (comma-separated, `"`-quoted
/// fields with `""` for a quote; a quote inside an unquoted field is an
/// error).
fn go_csv_fields(s: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    loop {
        let mut field = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            chars.len() + 1
                        ))
                    }
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        field.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        field.push(*c);
                        i += 1;
                    }
                }
            }
            match chars.get(i) {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => {
                    i += 1;
                    fields.push(field);
                    continue;
                }
                Some(_) => {
                    return Err(format!(
                    "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                    i + 1
                ))
                }
            }
        }
        loop {
            match chars.get(i) {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => {
                    i += 1;
                    fields.push(field);
                    break;
                }
                Some('"') => {
                    return Err(format!(
                        "parse error on line 1, column {}: bare \" in non-quoted-field",
                        i + 1
                    ))
                }
                Some(c) => {
                    field.push(*c);
                    i += 1;
                }
            }
        }
    }
}

/// `strconv.ParseBool`.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// `units.RAMInBytes`: a number (decimals allowed) with an optional
/// `b k m g t p` unit, optionally followed by `b`/`ib` (any case).
fn valid_ram_size(s: &str) -> bool {
    let num_len = s
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .count();
    let (num, unit) = s.split_at_checked(num_len).unwrap_or((s, ""));
    if num.is_empty() || num.parse::<f64>().is_err() {
        return false;
    }
    let u = unit.trim_start().to_ascii_lowercase();
    matches!(
        u.as_str(),
        "" | "b"
            | "k"
            | "kb"
            | "kib"
            | "m"
            | "mb"
            | "mib"
            | "g"
            | "gb"
            | "gib"
            | "t"
            | "tb"
            | "tib"
            | "p"
            | "pb"
            | "pib"
    )
}

/// HEALTHCHECK: `parseHealthcheck`.
fn check_healthcheck(inst: &RawInstruction, args: &[&str]) -> Result<(), Found> {
    let Some(first) = args.first() else {
        return Err(found(
            ErrorKind::Arguments,
            inst.keyword.span,
            "HEALTHCHECK requires at least one argument",
        ));
    };
    let typ = first.to_ascii_uppercase();
    if typ == "NONE" {
        // Flags are not read for NONE.
        if args.len() > 1 {
            return Err(found(
                ErrorKind::Arguments,
                args_span(inst),
                "HEALTHCHECK NONE takes no arguments",
            ));
        }
        return Ok(());
    }
    let flags = parse_flags(inst, HEALTHCHECK_FLAGS)?;
    if typ != "CMD" {
        return Err(found(
            ErrorKind::Arguments,
            inst.args[0].span,
            format!("Unknown type {} in HEALTHCHECK (try CMD)", go_quote(&typ)),
        ));
    }
    if args.len() < 2 || (args.len() == 2 && !inst.json && args[1].is_empty()) {
        return Err(found(
            ErrorKind::Arguments,
            args_span(inst),
            "Missing command after HEALTHCHECK CMD",
        ));
    }
    for name in ["interval", "timeout", "start-period", "start-interval"] {
        let Some(f) = flags.iter().rev().find(|f| f.name == name) else {
            continue;
        };
        if f.value.is_empty() {
            continue;
        }
        match go_parse_duration(f.value) {
            Err(e) => return Err(found(ErrorKind::Flag, f.span, e)),
            Ok(d) if d != 0 && d < 1_000_000 => {
                return Err(found(
                    ErrorKind::Flag,
                    f.span,
                    format!("Interval {} cannot be less than 1ms", go_quote(name)),
                ))
            }
            Ok(_) => {}
        }
    }
    if let Some(f) = flags.iter().rev().find(|f| f.name == "retries") {
        if !f.value.is_empty() {
            match f.value.parse::<i32>() {
                Err(_) => {
                    return Err(found(
                        ErrorKind::Flag,
                        f.span,
                        format!(
                            "strconv.ParseInt: parsing {}: invalid syntax",
                            go_quote(f.value)
                        ),
                    ))
                }
                Ok(n) if n < 0 => {
                    return Err(found(
                        ErrorKind::Flag,
                        f.span,
                        format!("--retries cannot be negative ({n})"),
                    ))
                }
                Ok(_) => {}
            }
        }
    }
    Ok(())
}

/// Go's `time.ParseDuration`, in nanoseconds (saturating).
fn go_parse_duration(s: &str) -> Result<i128, String> {
    let err = || format!("time: invalid duration {}", go_quote(s));
    let mut rest = s;
    let neg = rest.starts_with('-');
    if let Some(r) = rest.strip_prefix(['-', '+']) {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.chars().take_while(char::is_ascii_digit).count();
        let (int, r) = rest.split_at_checked(int_len).ok_or_else(err)?;
        rest = r;
        let mut frac = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.chars().take_while(char::is_ascii_digit).count();
            let (f, r2) = r.split_at_checked(n).ok_or_else(err)?;
            frac = f;
            rest = r2;
            if int.is_empty() && frac.is_empty() {
                return Err(err());
            }
        } else if int.is_empty() {
            return Err(err());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let (unit, r) = rest.split_at_checked(unit_len).ok_or_else(err)?;
        rest = r;
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", go_quote(s)));
        }
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(s)
                ))
            }
        };
        let whole: i128 = int.chars().take(30).fold(0i128, |a, c| {
            a.saturating_mul(10)
                .saturating_add(i128::from(c.to_digit(10).unwrap_or(0)))
        });
        let mut v = whole.saturating_mul(scale);
        let mut f_scale = scale;
        for c in frac.chars().take(30) {
            f_scale /= 10;
            v = v.saturating_add(i128::from(c.to_digit(10).unwrap_or(0)) * f_scale);
        }
        total = total.saturating_add(v);
        if total > i128::from(i64::MAX) {
            return Err(err());
        }
    }
    Ok(if neg { -total } else { total })
}

/// What `dispatchCopy` refuses without looking at the build context.
fn check_copy_dispatch(inst: &RawInstruction, kw: &str, flags: &[ParsedFlag]) -> Result<(), Found> {
    if let Some(f) = flags.iter().rev().find(|f| f.name == "chmod") {
        if !f.value.is_empty() && !f.value.contains('$') && !valid_chmod(f.value) {
            return Err(found(
                ErrorKind::Flag,
                f.span,
                format!(
                    "invalid chmod parameter: '{}'. it should be octal string and between 0 and 07777",
                    f.value
                ),
            ));
        }
    }
    let sources = &inst.args[..inst.args.len().saturating_sub(1)];
    if kw == "copy" {
        if let Some(w) = sources
            .iter()
            .find(|w| w.value.starts_with("http://") || w.value.starts_with("https://"))
        {
            return Err(found(
                ErrorKind::Arguments,
                w.span,
                "source can't be a URL for COPY (ADD downloads URLs)",
            ));
        }
    }
    if let Some(f) = flags.iter().rev().find(|f| f.name == "checksum") {
        if !f.value.is_empty() && sources.len() != 1 {
            return Err(found(
                ErrorKind::Flag,
                f.span,
                "checksum can't be specified for multiple sources",
            ));
        }
    }
    Ok(())
}

/// `--chmod`: octal up to 07777, or a symbolic mode (`u+x`, `go-w,a=rX`).
/// A value that starts like a number must be octal.
fn valid_chmod(v: &str) -> bool {
    if v.starts_with(|c: char| c.is_ascii_digit()) {
        return v.chars().all(|c| c.is_ascii_digit())
            && u32::from_str_radix(v, 8).is_ok_and(|m| m <= 0o7777);
    }
    // [ugoa]*([-+=][rwxXstugo]*)+ per comma-separated clause.
    v.split(',').all(|clause| {
        let rest = clause.trim_start_matches(['u', 'g', 'o', 'a']);
        rest.starts_with(['+', '-', '='])
            && rest.chars().all(|c| {
                matches!(
                    c,
                    '+' | '-' | '=' | 'r' | 'w' | 'x' | 'X' | 's' | 't' | 'u' | 'g' | 'o'
                )
            })
    })
}

/// `^[a-z][a-z0-9-_.]*$`
pub fn valid_stage_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// `signal.ParseSignal` (moby/sys/signal) for Linux.
fn valid_signal(s: &str) -> bool {
    if let Ok(n) = s.parse::<i64>() {
        return n != 0 && (0..=i64::from(u8::MAX)).contains(&n);
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    const NAMES: &[&str] = &[
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT",
        "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
        "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ",
        "RTMIN", "RTMAX", "UNUSED",
    ];
    if NAMES.contains(&name) {
        return true;
    }
    let rt = |prefix: &str, sign: char| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(sign))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (1..=15).contains(&n) && !n.to_string().is_empty())
    };
    rt("RTMIN", '+') || rt("RTMAX", '-')
}

/// `suggest.WrapError`: the option closest to `val` within edit distance 2.
pub fn suggest(val: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
    let v = if case_sensitive {
        val.to_string()
    } else {
        val.to_lowercase()
    };
    let mut best: Option<(usize, &str)> = None;
    for opt in options {
        let o = if case_sensitive {
            opt.to_string()
        } else {
            opt.to_lowercase()
        };
        if o == v {
            return None;
        }
        let d = strsim::levenshtein(&v, &o);
        if d < 3 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, opt));
        }
    }
    let (_, m) = best?;
    Some(if case_sensitive {
        m.to_string()
    } else if val == val.to_lowercase() {
        m.to_lowercase()
    } else if val == val.to_uppercase() {
        m.to_uppercase()
    } else {
        m.to_lowercase()
    })
}

/// Go's `%q` (and `%#v` of a string) for the common printable case.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> Vec<String> {
        let mut p = super::super::buildkit::parse(src);
        check(&mut p);
        p.errors
            .iter()
            .filter(|e| e.phase == Phase::Instruction)
            .map(|e| e.message.clone())
            .collect()
    }

    #[test]
    fn unknown_instruction_suggests_in_the_case_written() {
        assert_eq!(
            errors("FROM a\nFRM alpine\n"),
            vec!["unknown instruction: FRM (did you mean FROM?)"]
        );
        assert_eq!(
            errors("FROM a\nrunn x\n"),
            vec!["unknown instruction: runn (did you mean run?)"]
        );
        assert_eq!(
            errors("FROM a\nBOGUS x\n"),
            vec!["unknown instruction: BOGUS"]
        );
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(go_parse_duration("5s"), Ok(5_000_000_000));
        assert_eq!(go_parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(go_parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(go_parse_duration("0"), Ok(0));
        assert!(go_parse_duration("5").is_err());
        assert!(go_parse_duration("5x").is_err());
        assert!(go_parse_duration("").is_err());
        assert!(go_parse_duration(".s").is_err());
    }

    #[test]
    fn chmod_forms() {
        for ok in ["755", "0644", "7777", "u+x", "go-w", "a=rX,u+w", "+x"] {
            assert!(valid_chmod(ok), "{ok}");
        }
        for bad in ["64a", "10000", "9", "u+q", "x", "u"] {
            assert!(!valid_chmod(bad), "{bad}");
        }
    }

    #[test]
    fn signals() {
        for ok in ["SIGTERM", "term", "9", "SIGRTMIN+3", "SIGRTMAX-2", "KILL"] {
            assert!(valid_signal(ok), "{ok}");
        }
        for bad in ["SIGFOO", "0", "SIGRTMIN+16", "-1"] {
            assert!(!valid_signal(bad), "{bad}");
        }
    }

    #[test]
    fn csv_like_go() {
        assert_eq!(
            go_csv_fields("type=cache,\"target=/a,b\"").unwrap(),
            vec!["type=cache", "target=/a,b"]
        );
        assert!(go_csv_fields("target=/a\"b").is_err());
        assert!(go_csv_fields("\"abc\"x").is_err());
    }
}
