//! dlint: a Dockerfile linter and optimizer.
pub mod cli;
pub mod inspect;
pub mod syntax;
