//! Placeholder: being written.
use std::io::{self, Write};

use super::{FileResult, RenderOptions};

pub fn render(_results: &[FileResult], _opts: &RenderOptions, _out: &mut dyn Write) -> io::Result<()> {
    Ok(())
}
