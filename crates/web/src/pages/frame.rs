//! What every signed-in page shows around its content: the title, the
//! navigation with the count of tasks due, the language switch and logout.

use chrono::{DateTime, Days, FixedOffset, NaiveTime, Utc};
use kehu_core::date::CHINA_OFFSET_SECS;
use kehu_core::UserId;

use super::assets;
use super::{PageError, Viewer, T};
use crate::AppState;

/// Which part of the navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Customers,
    Leads,
    Opportunities,
    Orders,
    Imports,
    Duplicates,
    Products,
    Tasks,
    Quality,
    Settings,
    Account,
}

pub struct Frame {
    pub t: T,
    pub title: String,
    pub section: Section,
    pub user_name: String,
    pub is_admin: bool,
    /// Whether the user sees the data quality report (managers, admins).
    pub sees_quality: bool,
    /// Whether the user may import (any role that may write records).
    pub may_import: bool,
    pub csrf: String,
    /// Open tasks due by the end of today, overdue included.
    pub tasks_due: i64,
    /// A one-line confirmation of what the last POST did.
    pub flash: Option<String>,
    pub css: &'static str,
    pub js: &'static str,
}

impl Frame {
    pub async fn new(
        state: &AppState,
        viewer: &Viewer,
        section: Section,
        title: impl Into<String>,
    ) -> Result<Frame, PageError> {
        let user = &viewer.me.user;
        let counts = state
            .store
            .task_counts(UserId(user.id), now_ms(), end_of_today_ms())
            .await?;
        Ok(Frame {
            t: viewer.t(),
            title: title.into(),
            section,
            user_name: user.name.clone().unwrap_or_else(|| user.email.clone()),
            is_admin: viewer.me.actor.is_admin(),
            sees_quality: matches!(
                viewer.me.actor.role,
                kehu_core::Role::Admin | kehu_core::Role::Manager
            ),
            may_import: viewer.me.actor.may_write_records(),
            csrf: viewer.csrf.clone(),
            tasks_due: counts.overdue + counts.today,
            flash: None,
            css: assets::CSS.url(),
            js: assets::JS.url(),
        })
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Frame {
        self.flash = flash;
        self
    }

    pub fn is(&self, section: Section) -> bool {
        self.section == section
    }
}

pub fn china() -> FixedOffset {
    FixedOffset::east_opt(CHINA_OFFSET_SECS).unwrap_or_else(|| Utc.fix())
}

use chrono::Offset;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Midnight at the end of today, China time.
pub fn end_of_today_ms() -> i64 {
    let today = Utc::now().with_timezone(&china()).date_naive();
    today
        .checked_add_days(Days::new(1))
        .unwrap_or(today)
        .and_time(NaiveTime::MIN)
        .and_local_timezone(china())
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(now_ms)
}

pub fn local(ms: i64) -> DateTime<FixedOffset> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&china())
}
