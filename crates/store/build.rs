//! `sqlx::migrate!` embeds the migration folders when the crate compiles,
//! but Cargo does not know to compile again when a migration file is added.
//! Without this, a new migration would be missing from the binary until
//! some Rust file of this crate changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
