//! What the container runs as.
pub mod non_numeric_user;
pub mod root_user;
pub mod secret_in_arg_or_env;
pub mod sudo_in_run;
