//! The shell code inside RUN.
pub mod shellcheck;
