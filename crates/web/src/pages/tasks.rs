//! My tasks: what is overdue, due today and coming up; complete one or
//! move it to another day.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, TaskId, UserId};
use kehu_store::agenda::TaskRow;
use serde_json::{Map, Value};

use super::customers::flash;
use super::frame::{end_of_today_ms, now_ms, Frame, Section};
use super::{render, see_other, PageError, Posted, Viewer};
use crate::extract::QueryPairs;
use crate::AppState;

/// The most open tasks the page lists.
const MAX_TASKS: u32 = 500;

pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub due_date: String,
    pub customer: Option<(i64, String)>,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    f: Frame,
    overdue: Vec<TaskView>,
    today: Vec<TaskView>,
    upcoming: Vec<TaskView>,
    /// Whether the list stopped at MAX_TASKS.
    more: bool,
}

impl TasksPage {
    /// Each section: its id, heading, tasks, and whether it calls for
    /// attention.
    fn groups(&self) -> [(&'static str, &'static str, &Vec<TaskView>, bool); 3] {
        [
            (
                "overdue",
                "tasks.overdue",
                &self.overdue,
                !self.overdue.is_empty(),
            ),
            ("today", "tasks.today", &self.today, false),
            ("upcoming", "tasks.upcoming", &self.upcoming, false),
        ]
    }
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let rows: Vec<TaskRow> = state
        .store
        .open_tasks_of(&viewer.me.actor, UserId(viewer.me.user.id), MAX_TASKS)
        .await?;
    let (now, end) = (now_ms(), end_of_today_ms());
    let mut page = TasksPage {
        f: Frame::new(&state, &viewer, Section::Tasks, t.s("nav.tasks"))
            .await?
            .with_flash(flash(t, &params)),
        more: rows.len() as u32 >= MAX_TASKS,
        overdue: Vec::new(),
        today: Vec::new(),
        upcoming: Vec::new(),
    };
    for row in rows {
        let due = row.task.due_at.0;
        let view = TaskView {
            id: row.task.id,
            title: row.task.title,
            due: t.time(due),
            due_date: t.date(due),
            customer: row.task.customer_id.zip(row.customer_name),
            version: row.task.version,
        };
        if due < now {
            page.overdue.push(view);
        } else if due < end {
            page.today.push(view);
        } else {
            page.upcoming.push(view);
        }
    }
    render(&page)
}

async fn change_task(
    state: &AppState,
    posted: &Posted,
    id: i64,
    body: Map<String, Value>,
) -> Result<(), PageError> {
    let patch =
        parse_object(&body, schema::TASK, &[], Mode::Update).map_err(|_| PageError::BadRequest)?;
    let version = posted.fields.get("version").and_then(|v| v.parse().ok());
    state
        .store
        .update_task(&posted.viewer.me.ctx(), TaskId(id), patch, version)
        .await?;
    Ok(())
}

pub async fn done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let mut body = Map::new();
    body.insert("status".into(), Value::from("done"));
    change_task(&state, &posted, id, body).await?;
    Ok(see_other("/tasks?flash=task_done"))
}

/// Moves a task to another day; it falls due at that day's end.
pub async fn reschedule(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let date = posted.fields.get("due").ok_or(PageError::BadRequest)?;
    let mut body = Map::new();
    body.insert("due_at".into(), Value::String(format!("{date} 23:59")));
    change_task(&state, &posted, id, body).await?;
    Ok(see_other("/tasks?flash=task_moved"))
}
