//! Instruction choice and form.
pub mod add_instead_of_copy;
pub mod copy_from_unknown_stage;
pub mod relative_workdir;
