//! The tree-sitter-containerfile tree of a file, reduced to what the rest of
//! dlint needs: for each top-level node, its kind, lines and whether it (or
//! anything in it) is an ERROR or MISSING node.
//!
//! The tree is kept for the editor (ranges of top-level instructions, error
//! locations) and checked against BuildKit's reading: an instruction whose
//! lines the tree reads differently is marked `recovered`, and its meaning
//! comes from the BuildKit-faithful reader alone.

use std::cell::RefCell;

use super::Span;

/// One top-level node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    /// The grammar's kind, e.g. `from_instruction`, `comment`, `ERROR`.
    pub kind: String,
    pub span: Span,
    /// 1-based first and last line.
    pub start_line: usize,
    pub end_line: usize,
    pub has_error: bool,
}

/// The reduced tree.
#[derive(Debug, Clone, Default)]
pub struct TreeSummary {
    pub nodes: Vec<TreeNode>,
    pub has_error: bool,
}

thread_local! {
    static PARSER: RefCell<Option<tree_sitter::Parser>> = const { RefCell::new(None) };
}

/// Parses `src` with tree-sitter-containerfile.
pub fn parse(src: &str) -> TreeSummary {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut p = tree_sitter::Parser::new();
            if p.set_language(&tree_sitter_containerfile::LANGUAGE.into())
                .is_err()
            {
                return TreeSummary::default();
            }
            *slot = Some(p);
        }
        let Some(parser) = slot.as_mut() else {
            return TreeSummary::default();
        };
        let Some(tree) = super::parse_bounded(parser, src) else {
            return TreeSummary {
                has_error: true,
                ..TreeSummary::default()
            };
        };
        let root = tree.root_node();
        let mut nodes = Vec::with_capacity(root.named_child_count());
        let mut cursor = root.walk();
        for child in root.children(&mut cursor) {
            if !child.is_named() && !child.is_error() {
                continue;
            }
            let start = child.start_position();
            let mut end = child.end_position();
            // A node ending at column 0 ends on the line before.
            if end.column == 0 && end.row > start.row {
                end.row -= 1;
            }
            nodes.push(TreeNode {
                kind: child.kind().to_string(),
                span: Span::new(child.start_byte(), child.end_byte()),
                start_line: start.row + 1,
                end_line: end.row + 1,
                has_error: child.has_error(),
            });
        }
        TreeSummary {
            nodes,
            has_error: root.has_error(),
        }
    })
}

impl TreeSummary {
    /// Whether the tree reads an instruction over exactly these lines with
    /// this keyword and without errors.
    pub fn agrees(&self, keyword: &str, start_line: usize, end_line: usize) -> bool {
        let want = format!("{}_instruction", keyword.to_ascii_lowercase());
        match self
            .nodes
            .binary_search_by(|n| n.start_line.cmp(&start_line))
        {
            Ok(i) => {
                // Several nodes may start on one line (a comment and an
                // instruction never do, but be safe).
                self.nodes[i..]
                    .iter()
                    .take_while(|n| n.start_line == start_line)
                    .chain(
                        self.nodes[..i]
                            .iter()
                            .rev()
                            .take_while(|n| n.start_line == start_line),
                    )
                    .any(|n| n.kind == want && !n.has_error && n.end_line == end_line)
            }
            Err(_) => false,
        }
    }

    pub fn error_nodes(&self) -> impl Iterator<Item = &TreeNode> {
        self.nodes.iter().filter(|n| n.has_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_agrees_on_simple_file() {
        let t = parse("FROM alpine:3.20 AS base\nRUN echo hi && \\\n  echo there\n");
        assert!(!t.has_error);
        assert!(t.agrees("FROM", 1, 1));
        assert!(t.agrees("run", 2, 3));
        assert!(!t.agrees("RUN", 2, 2));
    }
}
