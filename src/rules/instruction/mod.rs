//! Instruction choice and form.
pub mod add_instead_of_copy;
pub mod consecutive_run;
pub mod copy_from_unknown_stage;
pub mod duplicate_stage_name;
pub mod maintainer_deprecated;
pub mod multiple_cmd;
pub mod relative_workdir;
