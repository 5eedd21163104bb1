//! Placeholder: being written.
use std::io::{self, Write};

use super::FileResult;

pub fn render(_results: &[FileResult], _out: &mut dyn Write) -> io::Result<()> {
    Ok(())
}
