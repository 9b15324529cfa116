//! Black-box tests of the HTTP API: each starts the real server on port 0
//! against a fresh database (SQLite, or PostgreSQL with KEHU_TEST_DATABASE).

mod helpers;

mod auth;
mod cross_site;
mod customers;
mod entry;
mod https;
mod imports;
mod leads;
mod merges;
mod opportunities;
mod orders;
mod ownership;
mod pages;
mod permissions;
mod privacy;
mod products;
mod quality;
mod records;
mod robustness;
mod search;
mod settings;
mod ui;
mod webhooks;
