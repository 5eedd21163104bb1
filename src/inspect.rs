//! `dlint inspect`: the instructions as dlint's model reads them, in the
//! shape of BuildKit's parser output, so the two can be compared.

use serde::Serialize;

use crate::model::Model;
use crate::syntax::buildkit::{Heredoc, Phase, RawInstruction};
use crate::syntax::SyntaxDocument;

#[derive(Debug, Serialize)]
pub struct InspectHeredoc {
    pub name: String,
    pub file_descriptor: u32,
    pub expand: bool,
    pub chomp: bool,
    pub content: String,
}

#[derive(Debug, Serialize)]
pub struct InspectInstruction {
    /// The keyword, upper-cased.
    pub cmd: String,
    /// ONBUILD's trigger keyword, upper-cased.
    pub sub_cmd: Option<String>,
    pub json: bool,
    pub start_line: usize,
    pub end_line: usize,
    pub flags: Vec<String>,
    pub value: Vec<String>,
    pub heredocs: Vec<InspectHeredoc>,
    /// ONBUILD trigger's flags and heredocs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<InspectInstruction>>,
    /// The tree-sitter tree read this instruction differently; it was
    /// recovered from the source with BuildKit's rules.
    pub recovered: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct InspectError {
    pub line: usize,
    pub message: String,
}

impl InspectError {
    fn of(e: &crate::syntax::buildkit::ParseError) -> Self {
        InspectError {
            line: e.line,
            message: e.message.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InspectReport {
    pub file: String,
    pub escape: String,
    pub directives: Vec<(String, String)>,
    pub instructions: Vec<InspectInstruction>,
    /// Errors BuildKit's parser (`parser.Parse`) rejects the file with.
    pub errors: Vec<InspectError>,
    /// Errors of BuildKit's instruction pass and conversion
    /// (`instructions.Parse`, `dockerfile2llb`): the file parses, but
    /// `docker build` refuses it before a step runs.
    pub instruction_errors: Vec<InspectError>,
    /// Top-level nodes of the tree-sitter tree that hold an ERROR.
    pub tree_error_nodes: usize,
}

fn heredoc(h: &Heredoc) -> InspectHeredoc {
    InspectHeredoc {
        name: h.name.clone(),
        file_descriptor: h.file_descriptor,
        expand: h.expand,
        chomp: h.chomp,
        content: h.content.clone(),
    }
}

fn instruction(i: &RawInstruction, recovered: Option<bool>) -> InspectInstruction {
    InspectInstruction {
        cmd: i.keyword.value.to_uppercase(),
        sub_cmd: i.sub.as_ref().map(|s| s.keyword.value.to_uppercase()),
        json: i.json,
        start_line: i.start_line,
        end_line: i.end_line,
        flags: i.flags.iter().map(|f| f.value.clone()).collect(),
        value: i.args.iter().map(|a| a.value.clone()).collect(),
        heredocs: i.heredocs.iter().map(heredoc).collect(),
        sub: i.sub.as_ref().map(|s| Box::new(instruction(s, recovered))),
        recovered,
    }
}

pub fn inspect(file: &str, src: &str, doc: &SyntaxDocument) -> InspectReport {
    // The model adds the errors that need the stages.
    let model = Model::from_syntax(src, doc.clone());
    InspectReport {
        file: file.to_string(),
        escape: doc.parsed.escape.to_string(),
        directives: doc
            .parsed
            .directives
            .iter()
            .map(|d| (d.name.clone(), d.value.clone()))
            .collect(),
        instructions: doc
            .parsed
            .instructions
            .iter()
            .zip(doc.recovered.iter())
            .map(|(i, r)| instruction(i, *r))
            .collect(),
        errors: model
            .errors
            .iter()
            .filter(|e| e.phase == Phase::Parse)
            .map(InspectError::of)
            .collect(),
        instruction_errors: model
            .errors
            .iter()
            .filter(|e| e.phase == Phase::Instruction)
            .map(InspectError::of)
            .collect(),
        tree_error_nodes: doc.tree.as_ref().map_or(0, |t| t.error_nodes().count()),
    }
}
