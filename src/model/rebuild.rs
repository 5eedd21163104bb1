//! The model of an edited text built from the model of the text before the
//! edit (the language server's typing path).
//!
//! BuildKit's reader keeps no state from one instruction to the next once
//! the parser directives are read, other than the comments it collects for
//! the next instruction. So the text before the instruction an edit touches
//! reads as before, and so does the text after it, from the first line
//! where the reader of the new text is between instructions with no comment
//! collected and the old reader was too, right after an instruction. Only
//! the lines between are read again; the instructions before are kept and
//! those after are moved (their spans and lines shifted), not read again
//! or cloned: the old model is taken by value. The stage graph, the
//! expansions and the graph errors are then built again as
//! [`Model::from_syntax`] builds them.
//!
//! Where that does not hold simply (an edit before the first FROM, in the
//! parser directives, a line too long for BuildKit, a model built with the
//! tree-sitter tree), the text is read whole. Tests below and
//! `examples/reuse_check.rs` hold the result to [`Model::build`], field by
//! field, after edits of every kind.

use super::{build_instruction, Kind, Model};
use crate::syntax::buildkit::{self, Comment, ParseError, Phase};
use crate::syntax::{instructions, LineIndex, Shift};

impl Model {
    /// The model of `src`, built from `old`, the model of an earlier text of
    /// the same file: what [`Model::build`] gives for `src`.
    pub fn rebuild(old: Model, src: &str) -> Model {
        match plan(&old, src) {
            Some(plan) => old.splice(src, plan),
            None => Model::build(src),
        }
    }

    /// Reads the planned stretch of `src` and puts the model together.
    fn splice(mut self, src: &str, plan: Plan) -> Model {
        let Plan {
            keep,
            restart,
            restart_line,
        } = plan;
        let old_len = self.source.len();
        let delta = src.len() as isize - old_len as isize;
        let suffix_from = src.len() - common_suffix(&self.source, src, restart);
        let old_lines = &self.lines;
        let old_insts = &self.instructions;
        // Where the rest of the old text reads as before: the first old
        // instruction after the stop, and how far the text after it moved.
        let mut resume = None;
        let mut shift = Shift { bytes: 0, lines: 0 };
        let mut stop = |at: usize, line: usize| {
            if at < suffix_from || at == src.len() {
                return false;
            }
            let Some(old_at) = at.checked_add_signed(-delta) else {
                return false;
            };
            // An old instruction ends here: its last line's end, not the
            // end of the text.
            let ends_here =
                old_insts.binary_search_by(|i| old_lines.line_start(i.end_line).cmp(&old_at));
            match ends_here {
                Ok(k) if old_at < old_len => {
                    resume = Some((k + 1, old_at));
                    shift = Shift {
                        bytes: delta,
                        lines: line as isize - old_lines.line_of(old_at) as isize,
                    };
                    true
                }
                _ => false,
            }
        };
        let read = buildkit::reparse(src, restart, restart_line, self.escape, &mut stop);
        if read.long_line {
            return Model::build(src);
        }
        // Nothing old after the stretch when it was read to the end.
        let (resume, old_at) = resume.unwrap_or((self.instructions.len(), usize::MAX));
        let added = read.instructions.len();
        // Comments: those before the stretch, the stretch's, those after.
        let comments = std::mem::take(&mut self.comments);
        let mut new_comments: Vec<Comment> = Vec::with_capacity(comments.len() + 4);
        let mut after: Vec<Comment> = Vec::new();
        for c in comments {
            if c.span.start < restart {
                new_comments.push(c);
            } else if c.span.start >= old_at {
                after.push(c);
            }
        }
        new_comments.extend(read.comments);
        new_comments.extend(after.into_iter().map(|mut c| {
            c.shift(shift);
            c
        }));
        // BuildKit's errors before the graph's, in the order the reader
        // and the instruction pass raise them.
        let old_errors = std::mem::take(&mut self.syntax_errors);
        let index_moved = keep + added;
        let mut parse_errors: Vec<ParseError> = Vec::new();
        let mut pass_errors: Vec<ParseError> = Vec::new();
        let mut parse_after = Vec::new();
        let mut pass_after = Vec::new();
        for mut e in old_errors {
            match e.phase {
                Phase::Parse => {
                    if e.span.start < restart {
                        parse_errors.push(e);
                    } else if e.span.start >= old_at {
                        e.shift(shift);
                        parse_after.push(e);
                    }
                }
                Phase::Instruction => match e.instruction {
                    Some(i) if i < keep => pass_errors.push(e),
                    Some(i) if i >= resume => {
                        e.shift(shift);
                        e.instruction = Some(i - resume + index_moved);
                        pass_after.push(e);
                    }
                    _ => {}
                },
            }
        }
        parse_errors.extend(read.errors);
        parse_errors.extend(parse_after);
        for (k, raw) in read.instructions.iter().enumerate() {
            pass_errors.extend(instructions::instruction_error(keep + k, raw));
        }
        pass_errors.extend(pass_after);
        parse_errors.extend(pass_errors);
        // The instructions: kept, read, moved.
        let fresh = read
            .instructions
            .into_iter()
            .enumerate()
            .map(|(k, raw)| build_instruction(keep + k, raw, None));
        self.instructions.splice(keep..resume, fresh);
        for (k, inst) in self.instructions.iter_mut().enumerate().skip(index_moved) {
            inst.shift(shift);
            inst.set_index(k);
        }
        // The rest as `from_syntax` builds it.
        let mut source = std::mem::take(&mut self.source);
        source.clear();
        source.push_str(src);
        let mut m = Model {
            source,
            lines: LineIndex::new(src),
            instructions: std::mem::take(&mut self.instructions),
            stages: Vec::new(),
            global_args: Vec::new(),
            deps: Vec::new(),
            directives: std::mem::take(&mut self.directives),
            comments: new_comments,
            escape: self.escape,
            bom: self.bom,
            errors: parse_errors.clone(),
            syntax_errors: parse_errors,
            tree_has_error: None,
            expansion_limits: Vec::new(),
            budget: Default::default(),
            budget_reported: false,
            global_index: Default::default(),
            stage_index: Default::default(),
        };
        m.build_stages();
        super::graph_errors::check(&mut m);
        m
    }
}

/// What to read again: from the line after the `keep`-th instruction (the
/// instructions before it stay).
struct Plan {
    keep: usize,
    /// The byte offset and 0-based line of that line's start.
    restart: usize,
    restart_line: usize,
}

/// Where to start reading `src` again, or None to read it whole.
fn plan(old: &Model, src: &str) -> Option<Plan> {
    if old.tree_has_error.is_some()
        || old
            .syntax_errors
            .iter()
            .any(|e| e.phase == Phase::Parse && e.message == buildkit::LONG_LINE_MESSAGE)
    {
        return None;
    }
    let prefix = common_prefix(&old.source, src);
    // The instructions that end (with their line ending) before the edit:
    // the text up to the next line reads as before. The first FROM among
    // them: no instruction read again can be before it (BuildKit's pass
    // checks what comes before the first FROM).
    let first_from = old.instructions.iter().position(|i| i.kind == Kind::From)?;
    let keep = old
        .instructions
        .partition_point(|i| old.lines.line_start(i.end_line) <= prefix);
    // An instruction that ends at the end of the text (only the last can)
    // may go on in the new one: a continuation or a heredoc left open.
    let ends_text =
        |k: usize| old.lines.line_start(old.instructions[k].end_line) >= old.source.len();
    let keep = if keep > 0 && ends_text(keep - 1) {
        keep - 1
    } else {
        keep
    };
    if keep <= first_from {
        return None;
    }
    let restart_line = old.instructions[keep - 1].end_line;
    Some(Plan {
        keep,
        restart: old.lines.line_start(restart_line),
        restart_line,
    })
}

/// The length of the longest common prefix of `a` and `b`.
fn common_prefix(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    // Chunks first: a memcmp each, then the bytes of the first that differs.
    let mut i = 0;
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The length of the longest common suffix of `a` and `b` that leaves the
/// first `floor` bytes of both alone.
fn common_suffix(a: &str, b: &str, floor: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len()).saturating_sub(floor);
    let (mut i, la, lb) = (0, a.len(), b.len());
    while i + 64 <= n && a[la - i - 64..la - i] == b[lb - i - 64..lb - i] {
        i += 64;
    }
    while i < n && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

impl Model {
    /// Every field of the model, rendered in a fixed order (maps sorted),
    /// RUN's commands and the program words of every instruction computed
    /// first: two models of one text render the same exactly when they are
    /// the same. What the tests hold [`Model::rebuild`] to.
    #[doc(hidden)]
    pub fn canonical(&self) -> String {
        use std::collections::BTreeMap;
        use std::fmt::Write;
        let force = |i: &super::Instruction| {
            i.run();
            i.mentions_program(&["apt-get"]);
        };
        for i in &self.instructions {
            force(i);
            if let Some(t) = &i.trigger {
                force(t);
            }
        }
        let Model {
            source,
            lines,
            instructions,
            stages,
            global_args,
            deps,
            directives,
            comments,
            escape,
            bom,
            errors,
            syntax_errors,
            tree_has_error,
            expansion_limits,
            budget,
            budget_reported,
            global_index,
            stage_index,
        } = self;
        let mut out = String::new();
        let sorted = |m: &std::collections::HashMap<String, usize>| {
            format!("{:?}", m.iter().collect::<BTreeMap<_, _>>())
        };
        let _ = writeln!(out, "source {source:?}\nlines {lines:?}");
        for i in instructions {
            let _ = writeln!(out, "{i:?}");
        }
        for s in stages {
            let super::Stage {
                index,
                from,
                image,
                image_expanded,
                base,
                alias,
                platform,
                instructions,
                args,
                users,
                env,
                arg_index,
                env_index,
            } = s;
            let _ = writeln!(
                out,
                "stage {index} {from} {image:?} {image_expanded:?} {base:?} {alias:?} \
                 {platform:?} {instructions:?} {args:?} {users:?} {env:?} {} {}",
                sorted(arg_index),
                sorted(env_index)
            );
        }
        let _ = writeln!(
            out,
            "{global_args:?}\n{deps:?}\n{directives:?}\n{comments:?}\n{escape:?} {bom}\n\
             {errors:?}\n{syntax_errors:?}\n{tree_has_error:?}\n{expansion_limits:?}\n\
             {budget:?} {budget_reported}\n{}\n{}",
            sorted(global_index),
            sorted(stage_index)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rebuilds `before`'s model (with RUN's commands parsed, or not) for
    /// `after` and holds it to a fresh build.
    fn check(before: &str, after: &str) {
        for parse_runs in [false, true] {
            let old = Model::build(before);
            if parse_runs {
                old.instructions.iter().for_each(|i| {
                    i.run();
                });
            }
            let rebuilt = Model::rebuild(old, after);
            let fresh = Model::build(after);
            assert_eq!(
                rebuilt.canonical(),
                fresh.canonical(),
                "{before:?} -> {after:?}"
            );
        }
    }

    /// Every edit of `text` that deletes a range of up to `span` bytes, and
    /// inserts each of `inserts` at every offset.
    fn check_edits(text: &str, span: usize, inserts: &[&str]) {
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for (k, &a) in bounds.iter().enumerate() {
            for &b in bounds[k..].iter().take(span + 1) {
                let mut t = text.to_string();
                t.replace_range(a..b, "");
                check(text, &t);
            }
            for ins in inserts {
                let mut t = text.to_string();
                t.insert_str(a, ins);
                check(text, &t);
            }
        }
    }

    const DOC: &str = "# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM $BASE AS build\n\
        # a comment\nRUN apt-get update && \\\n    apt-get install -y curl\n\n#\n# kept\n\
        COPY --from=build /a /b\nRUN <<EOF\nset -e\necho hi | cat\nEOF\nENV A=1 B=$A\n\
        FROM build\nUSER $A\nONBUILD RUN echo x\nCMD [\"run\"]\n";

    #[test]
    fn edits_anywhere_rebuild_as_fresh() {
        check_edits(
            DOC,
            3,
            &["x", "\n", "\\\n", "#", "<<EOF\n", "FROM a\n", "RUN b \\\n"],
        );
    }

    #[test]
    fn whole_lines_added_and_removed() {
        let lines: Vec<&str> = DOC.split_inclusive('\n').collect();
        for i in 0..lines.len() {
            for j in i..=lines.len() {
                let mut t = lines[..i].concat();
                t.push_str(&lines[j..].concat());
                check(DOC, &t);
                check(&t, DOC);
            }
        }
    }

    #[test]
    fn other_escapes_line_endings_and_errors() {
        let docs = [
            "# escape=`\nFROM a\nRUN x `\n  y\nCOPY a b\nRUN z\n",
            "FROM a\r\nRUN x \\\r\n  y\r\nCOPY a b\r\nRUN z\r\n",
            "\u{feff}FROM a\nRUN 공 \\\n 😀\nLABEL x=\"Größe\"\nRUN z\n",
            "FROM a\nRUN\nCOPY\nFROM b AS a\nCOPY --from=c x y\nRUN <<A <<B\n1\nA\n2\nB\nEXPOSE\n",
            "FROM a\nRUN x\nRUN y \\",
            "FROM a\nRUN x\nRUN <<EOF\nopen",
            "ARG A\nFROM a\nRUN x\nMAINTAINER me\nRUN y\n",
            // A lone continuation: an empty instruction, where it stands.
            "FROM a\nRUN x\n\n\\\nRUN y\n\\",
        ];
        for d in docs {
            check_edits(d, 2, &["x", "\n", "\\\n", "`\n", "<<EOF\n", "EOF\n", "#\n"]);
        }
    }

    #[test]
    fn a_model_is_rebuilt_from_an_unrelated_text() {
        check(DOC, "FROM a\nRUN b\n");
        check("FROM a\nRUN b\n", DOC);
        check(DOC, "");
        check("", DOC);
        check(DOC, DOC);
    }

    /// The stretch read again is the edited instruction, not the file.
    #[test]
    fn only_the_edited_instruction_is_read_again() {
        let text: String = std::iter::once("FROM a\n".to_string())
            .chain((0..50).map(|i| format!("RUN echo {i}\n")))
            .collect();
        let old = Model::build(&text);
        let at = text.find("echo 20").unwrap() + 4;
        let mut edited = text.clone();
        edited.insert(at, 'x');
        let plan = plan(&old, &edited).unwrap();
        assert_eq!(plan.keep, 21, "FROM and 20 RUNs kept");
        let mut stops = Vec::new();
        let read = buildkit::reparse(
            &edited,
            plan.restart,
            plan.restart_line,
            '\\',
            &mut |_, l| {
                stops.push(l);
                l > plan.restart_line
            },
        );
        assert_eq!(read.instructions.len(), 1);
        assert_eq!(stops, [21, 22]);
    }
}
