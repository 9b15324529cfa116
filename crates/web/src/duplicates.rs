//! Duplicate scans over HTTP, shared by the REST API and the pages.

use kehu_store::dedupe::{DedupeRun, ScanOptions};

use crate::AppState;

/// Starts a scan in the background of the server.
pub(crate) fn spawn_scan(state: &AppState, run: &DedupeRun, options: ScanOptions) {
    let store = state.store.clone();
    let id = run.id;
    tokio::spawn(async move {
        if let Err(e) = store.run_scan(id, options, &|_| {}).await {
            tracing::error!(scan = id, error = %e, "a duplicate scan failed");
        }
    });
}
