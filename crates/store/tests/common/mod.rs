//! Modules shared between integration test targets; each target includes
//! this with `mod common;`. The tests run on SQLite by default and on
//! PostgreSQL when KEHU_TEST_DATABASE names a server.

pub mod importing;
pub mod merging;
