//! What the container runs as.
pub mod root_user;
