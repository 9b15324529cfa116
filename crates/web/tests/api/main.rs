//! Black-box tests of the HTTP API: each starts the real server on port 0
//! against a fresh database (SQLite, or PostgreSQL with KEHU_TEST_DATABASE).

mod helpers;

mod auth;
mod backups;
mod cross_site;
mod customers;
mod entry;
mod export_limits;
mod https;
mod importing;
mod imports;
mod imports_hostile;
mod imports_resume;
mod imports_rows;
mod imports_wizard;
mod leads;
mod masking;
mod merges;
mod opportunities;
mod oracles;
mod orders;
mod ownership;
mod pages;
mod pages_forms;
mod permissions;
mod privacy;
mod products;
mod quality;
mod records;
mod robustness;
mod search;
mod settings;
mod sign_in;
mod two_factor;
mod ui;
mod webhooks;
mod world;
