#![forbid(unsafe_code)]
//! `kehu`: the CRM in one binary. `kehu serve` runs the web UI and the API;
//! the other subcommands do the work people script.

mod backup;
mod check;
mod cli;
mod dedupe;
mod demo;
mod demo_data;
mod file_limits;
mod keys;
mod leads;
mod merge;
mod privacy;
mod transfer;

use clap::Parser;

/// mimalloc rather than glibc's allocator: an import allocates millions of
/// small strings on two threads at once, and glibc's arena lock and free
/// lists cost more than half of the reader's time (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEHU_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kehu: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kehu: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
