//! What the container runs as.
pub mod root_user;
pub mod sudo_in_run;
