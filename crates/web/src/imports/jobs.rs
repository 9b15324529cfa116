//! Imports this server runs in the background: starting one, resuming one
//! that stopped (on request, and on start-up for those a stopped server
//! left half-way), and what is known of each while it runs.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kehu_core::{ChangeSource, Lang, UserId};
use kehu_io::import::{self as job, ImportError, Observer};
use kehu_store::import::{Batch, STALE_MS};
use kehu_store::write::Ctx;

use super::{import_error, request_for, uploads, ImportInput};
use crate::error::ApiError;
use crate::AppState;

/// The imports this server runs, and how those that failed here failed.
#[derive(Clone, Default)]
pub struct Jobs(Arc<Mutex<JobsInner>>);

#[derive(Default)]
struct JobsInner {
    running: HashSet<i64>,
    /// (Chinese, English) message of an import that stopped on an error.
    failed: HashMap<i64, (String, String)>,
    /// Rows in a batch's file, counted once.
    totals: HashMap<i64, Option<u64>>,
}

impl Jobs {
    fn with<R>(&self, f: impl FnOnce(&mut JobsInner) -> R) -> R {
        // A panic while holding the lock leaves plain data behind: go on.
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner)
    }

    fn started(&self, id: i64) {
        self.with(|j| {
            j.failed.remove(&id);
            j.running.insert(id);
        });
    }

    fn ended(&self, id: i64, result: &Result<job::Report, ImportError>) {
        self.with(|j| {
            j.running.remove(&id);
            if let Err(e) = result {
                j.failed
                    .insert(id, (e.message(Lang::ZhCn), e.message(Lang::En)));
            }
        });
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.with(|j| j.running.contains(&id))
    }

    pub(super) fn failure(&self, id: i64, lang: Lang) -> Option<String> {
        self.with(|j| {
            j.failed.get(&id).map(|(zh, en)| match lang {
                Lang::ZhCn => zh.clone(),
                Lang::En => en.clone(),
            })
        })
    }
}

/// Starts an import in the background and returns its batch id as soon
/// as the batch exists. The same file run again resumes its unfinished
/// batch. A refusal before any row is written (an unreadable file, a bad
/// mapping) is returned instead.
pub async fn start(state: &AppState, ctx: Ctx, input: &ImportInput) -> Result<i64, ApiError> {
    if !ctx.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let request = request_for(state, &ctx, input, false).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let store = state.store.clone();
    let mut announce = Announce {
        tell: Some(tx),
        jobs: state.jobs.clone(),
        id: None,
    };
    tokio::spawn(async move {
        let result = job::run(&store, &ctx, &request, &mut announce).await;
        if let Err(e) = &result {
            tracing::error!(batch = ?announce.id, error = %e, "an import stopped");
        }
        if let Some(id) = announce.id {
            announce.jobs.ended(id, &result);
        }
        // Refused before its batch existed: the caller hears why.
        if let Some(tx) = announce.tell.take() {
            let _ = tx.send(match result {
                Ok(_) => Err(ApiError::Internal("an import without a batch".into())),
                Err(e) => Err(import_error(e)),
            });
        }
    });
    rx.await
        .map_err(|e| ApiError::Internal(Box::new(e)))
        .and_then(|r| r)
}

/// Hands a background import's batch id to the request that started it,
/// as soon as the batch exists.
struct Announce {
    tell: Option<tokio::sync::oneshot::Sender<Result<i64, ApiError>>>,
    jobs: Jobs,
    id: Option<i64>,
}

impl Observer for Announce {
    fn started(&mut self, batch: &Batch) {
        self.jobs.started(batch.id);
        self.id = Some(batch.id);
        if let Some(tx) = self.tell.take() {
            let _ = tx.send(Ok(batch.id));
        }
    }
}

/// Carries on with an interrupted batch in the background.
pub async fn resume(state: &AppState, ctx: Ctx, id: i64) -> Result<(), ApiError> {
    if !ctx.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let batch = state.store.import_batch(&ctx.actor, id).await?;
    if batch.status != "running" {
        return Err(ApiError::Conflict("batch_finished"));
    }
    if !interrupted(&state.jobs, &batch) {
        return Err(ApiError::Conflict("batch_running"));
    }
    if batch
        .file_path
        .as_deref()
        .is_none_or(|p| !Path::new(p).is_file())
    {
        return Err(ApiError::Conflict("batch_without_file"));
    }
    spawn_resume(state, ctx, &batch);
    Ok(())
}

fn spawn_resume(state: &AppState, ctx: Ctx, batch: &Batch) {
    let store = state.store.clone();
    let jobs = state.jobs.clone();
    let id = batch.id;
    let path = batch.file_path.clone().map(std::path::PathBuf::from);
    jobs.started(id);
    tokio::spawn(async move {
        let result = match path {
            Some(path) => match uploads::key_of(&store, &path).await {
                Ok(key) => {
                    job::resume(&store, &ctx, id, &kehu_io::Limits::default(), key, &mut ()).await
                }
                Err(e) => Err(e.into()),
            },
            None => Err(kehu_store::Error::Conflict("batch_without_file").into()),
        };
        if let Err(e) = &result {
            tracing::error!(batch = id, error = %e, "a resumed import stopped");
        }
        jobs.ended(id, &result);
    });
}

/// Whether no one is writing a running batch any more: it failed in this
/// server, or its writer stopped sending heartbeats.
pub(super) fn interrupted(jobs: &Jobs, batch: &Batch) -> bool {
    batch.status == "running"
        && !jobs.is_running(batch.id)
        && (batch.is_interrupted() || jobs.failure(batch.id, Lang::En).is_some())
}

const DAY_MS: u64 = 24 * 3600 * 1000;

/// Resumes the imports a stopped server left half-way ("long jobs
/// resume"): now, and once more when batches that were live a moment ago
/// have gone without a heartbeat long enough to count as stopped.
pub fn resume_interrupted(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        // Then once a day, which also sweeps old uploads away.
        let waits = [0, STALE_MS as u64 + 5_000]
            .into_iter()
            .chain(std::iter::repeat(DAY_MS));
        for wait in waits {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if let Err(e) = resume_stopped(&state).await {
                tracing::error!(error = %e, "cannot resume interrupted imports");
            }
        }
    });
}

async fn resume_stopped(state: &AppState) -> Result<(), kehu_store::Error> {
    let system = Ctx::system(ChangeSource::Import);
    let batches = state.store.import_batches(&system.actor, 1000).await?;
    // Uploads are kept for a week, and for as long as an unfinished import
    // reads one.
    let needed: std::collections::HashSet<String> = batches
        .iter()
        .filter(|b| b.status == "running")
        .filter_map(|b| Path::new(b.file_path.as_deref()?).file_stem())
        .map(|stem| stem.to_string_lossy().into_owned())
        .collect();
    let swept = uploads::sweep(
        &state.store,
        &state.files_dir,
        &needed,
        uploads::KEEP_UPLOADS,
    )
    .await;
    if swept > 0 {
        tracing::info!(files = swept, "removed uploads older than a week");
    }
    for batch in batches {
        let has_file = batch
            .file_path
            .as_deref()
            .is_some_and(|p| Path::new(p).is_file());
        if !interrupted(&state.jobs, &batch) || !has_file {
            continue;
        }
        // The batch goes on as its owner's, with their permissions.
        let ctx = match batch.actor_id {
            None => system,
            Some(id) => match state.store.user(UserId(id)).await {
                Ok(user) if user.active => Ctx::new(user.actor(), ChangeSource::Import),
                _ => continue,
            },
        };
        tracing::info!(batch = batch.id, file = %batch.file_name, "resuming an interrupted import");
        spawn_resume(state, ctx, &batch);
    }
    Ok(())
}

/// Waits until no import runs in this server (tests, shutdown).
pub async fn idle(jobs: &Jobs, timeout: Duration) -> bool {
    let started = std::time::Instant::now();
    while jobs.with(|j| !j.running.is_empty()) {
        if started.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// The rows of a running batch's file, counted once per batch.
pub(super) async fn estimate(state: &AppState, batch: &Batch) -> Option<u64> {
    if let Some(known) = state.jobs.with(|j| j.totals.get(&batch.id).copied()) {
        return known;
    }
    let path = std::path::PathBuf::from(batch.file_path.as_deref()?);
    let format = uploads::format_of(&path)?;
    let key = uploads::key_of(&state.store, &path).await.ok()?;
    let source = kehu_io::Source::new(&path, key);
    let total = tokio::task::spawn_blocking(move || job::estimate_rows(&source, format))
        .await
        .ok()
        .flatten();
    state.jobs.with(|j| j.totals.insert(batch.id, total));
    total
}
