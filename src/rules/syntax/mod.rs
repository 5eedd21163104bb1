//! The file as Docker reads it.
pub mod expansion_limit;
pub mod inline_ignore;
pub mod instruction_before_from;
pub mod invalid_onbuild_trigger;
pub mod invalid_suppression;
pub mod invalid_syntax;
