//! What the container runs as.
pub mod root_user;
pub mod secret_in_arg_or_env;
pub mod sudo_in_run;
