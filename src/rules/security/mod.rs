//! What the container runs as.
pub mod non_numeric_user;
pub mod root_user;
pub mod sudo_in_run;
