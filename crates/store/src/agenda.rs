//! A user's own open tasks, as the header badge and the home page show
//! them: how many are overdue or due today, and the next ones in due order
//! with the customer they are about.

use kehu_core::{Actor, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::visible;
use crate::db::q;
use crate::records::Task;
use crate::{Result, Store};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaskCounts {
    /// Open tasks due before now.
    pub overdue: i64,
    /// Open tasks due from now until the end of today.
    pub today: i64,
}

/// A task with the name of its customer, when there is one the viewer
/// may see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskRow {
    #[serde(flatten)]
    pub task: Task,
    pub customer_name: Option<String>,
}

impl Store {
    /// Counts `user`'s open tasks due before `now_ms` (overdue) and from
    /// then until `end_of_today_ms` (today), in the caller's time zone.
    /// One range scan of the assignee's open tasks on `tasks_assignee_due`.
    pub async fn task_counts(
        &self,
        user: UserId,
        now_ms: i64,
        end_of_today_ms: i64,
    ) -> Result<TaskCounts> {
        let (overdue, today): (i64, i64) = self
            .db
            .one(
                q("SELECT COUNT(CASE WHEN due_at < $2 THEN 1 END), \
                   COUNT(CASE WHEN due_at >= $2 THEN 1 END) \
                   FROM tasks WHERE assignee_id = $1 AND status = 'open' \
                   AND deleted_at IS NULL AND due_at < $3")
                .bind(user.get())
                .bind(now_ms)
                .bind(end_of_today_ms),
            )
            .await?;
        Ok(TaskCounts { overdue, today })
    }

    /// The first `limit` (at most 500) open tasks assigned to `user` that
    /// the actor may see, by due date.
    pub async fn open_tasks_of(
        &self,
        actor: &Actor,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<TaskRow>> {
        let tasks = self
            .tasks(
                actor,
                Some(user.get()),
                Some("open"),
                None,
                i64::from(limit),
            )
            .await?;
        let mut ids: Vec<String> = tasks
            .iter()
            .filter_map(|t| t.customer_id)
            .map(|id| id.to_string())
            .collect();
        ids.sort();
        ids.dedup();
        let names: Vec<(i64, String)> = if ids.is_empty() {
            Vec::new()
        } else {
            // Ids are integers, so formatting them in is safe.
            self.db
                .all(q(format!(
                    "SELECT c.id, c.name FROM customers c WHERE c.id IN ({}) \
                     AND c.deleted_at IS NULL AND {}",
                    ids.join(", "),
                    visible(actor.scope(), "c")
                )))
                .await?
        };
        Ok(tasks
            .into_iter()
            .map(|task| {
                let customer_name = names
                    .iter()
                    .find(|(id, _)| Some(*id) == task.customer_id)
                    .map(|(_, name)| name.clone());
                TaskRow {
                    task,
                    customer_name,
                }
            })
            .collect())
    }
}
