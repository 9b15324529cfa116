//! Removing uploads nobody needs any more: old ones no unfinished import
//! names, with the keys the store keeps of them, and files the store
//! knows nothing of.

use std::collections::HashSet;
use std::path::Path;

use kehu_store::Store;

use super::uploads_dir;

/// How long an upload no running import needs is kept: long enough to map,
/// preview and import it again over a few days.
pub const KEEP_UPLOADS: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes uploads older than `keep_for` whose ids `needed` does not hold
/// (the files of unfinished batches), with what the store keeps of them,
/// and files the store knows nothing of (half-received ones, those an
/// older kehu kept) once they are a day old. Returns how many files went.
/// Errors are logged, not returned: what cannot be removed now is tried
/// again next time.
pub async fn sweep(
    store: &Store,
    files_dir: &Path,
    needed: &HashSet<String>,
    keep_for: std::time::Duration,
) -> usize {
    let kept = match store.upload_tokens().await {
        Ok(kept) => kept,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list kept uploads");
            return 0;
        }
    };
    let cutoff = kehu_store::now_ms() - keep_for.as_millis() as i64;
    let expired: HashSet<String> = kept
        .iter()
        .filter(|(token, received)| *received < cutoff && !needed.contains(token))
        .map(|(token, _)| token.clone())
        .collect();
    let known: HashSet<String> = kept.into_iter().map(|(token, _)| token).collect();
    let dir = uploads_dir(files_dir);
    let (removed, gone) = {
        let needed = needed.clone();
        tokio::task::spawn_blocking(move || {
            let removed = remove_files(&dir, &expired, &known, &needed);
            // Forgotten only once its file is gone: a key is never dropped
            // while its file can still be read.
            let left = stems(&dir);
            let gone: Vec<String> = expired.into_iter().filter(|t| !left.contains(t)).collect();
            (removed, gone)
        })
        .await
        .unwrap_or_default()
    };
    if let Err(e) = store.forget_uploads(&gone).await {
        tracing::warn!(error = %e, "cannot forget removed uploads");
    }
    removed
}

/// The ids (names up to the first dot) of the files in `dir`.
fn stems(dir: &Path) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.split('.').next().map(str::to_owned)
        })
        .collect()
}

/// Removes the files of `expired` uploads, and those of files no kept
/// upload names that are a day old and no unfinished import needs.
fn remove_files(
    dir: &Path,
    expired: &HashSet<String>,
    known: &HashSet<String>,
    needed: &HashSet<String>,
) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let day = std::time::Duration::from_secs(24 * 3600);
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.split('.').next().unwrap_or_default();
        let old = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > day);
        let stale = if known.contains(id) {
            expired.contains(id)
        } else {
            old && !needed.contains(id)
        };
        if !stale {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot remove an old upload")
            }
        }
    }
    removed
}
