//! The file as Docker reads it.
pub mod expansion_limit;
pub mod invalid_suppression;
pub mod invalid_syntax;
