//! Opportunities (商机) on pipelines of stages. An opportunity enters a
//! stage with the stage's default win probability (which may then be set
//! for it alone), and every stay in a stage is kept, so the time spent in
//! each is known. A won or lost stage closes it (lost needs a reason);
//! moving it back to an open stage reopens it. The board groups open work
//! by stage with totals and weighted totals; the forecast adds expected and
//! weighted revenue by month, owner and team.
//!
//! Opportunities are seen as customers are: a rep their own, a manager
//! the team's, an administrator all.
//!
//! The code is split by what it does: `types` (what the store hands
//! out), `pipelines` (pipelines and their stages), `read` (one
//! opportunity, lists, the board and the forecast), `write` (creating and
//! changing opportunities, and orders made from them) and `stages` (moving
//! an opportunity between stages and its stays in each).

mod pipelines;
mod read;
mod stages;
mod types;
mod write;

use kehu_core::opportunity::weighted;
use kehu_core::schema;

use crate::products::Price;
use crate::write::Table;

pub use types::{
    Column, ForecastBy, Opportunity, OpportunityFilter, Pipeline, Stage, StageChange, StageInput,
    StageStay,
};
pub(crate) use write::insert_opportunity;

const OPPORTUNITIES: Table = Table {
    table: "opportunities",
    entity: "opportunity",
    specs: schema::OPPORTUNITY,
};

const LINES: (&str, &str) = ("opportunity_lines", "opportunity_id");

/// Most opportunities one list page or board column shows.
pub const MAX_PAGE: i64 = 200;

const COLUMNS: &str = "o.id, o.customer_id, c.name AS customer_name, o.name, o.amount, \
    o.expected_close, o.owner_id, o.team_id, o.pipeline_id, o.stage_id, o.probability, o.status, \
    o.lost_reason, o.closed_at, o.stage_entered_at, o.source, o.notes, o.version, o.created_at, \
    o.created_by, o.updated_at";

const STAGE_COLUMNS: &str = "id, pipeline_id, position, key, name, probability, outcome, active";

fn finish(mut o: Opportunity) -> Opportunity {
    o.weighted = Some(Price(weighted(o.amount.0, o.probability)));
    o
}
