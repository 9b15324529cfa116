//! Taking back an import or batch update, for the REST API and the pages.

use kehu_store::import::UndoReport;

use super::import_ctx;
use crate::error::{ApiError, Result};
use crate::extract::CurrentUser;
use crate::AppState;

/// Undoes a batch, or says why not.
pub(crate) async fn undo_batch(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    force: bool,
) -> Result<UndoReport> {
    let report = state.store.undo_import(&import_ctx(me), id, force).await?;
    if report.done {
        Ok(report)
    } else {
        Err(ApiError::UndoRefused(report))
    }
}
