//! The REST API under `/api/v1`, and its OpenAPI description.

mod answers;
pub mod auth;
pub mod backups;
pub mod countries;
pub mod customers;
pub mod duplicates;
pub mod export_limits;
pub mod exports;
pub mod imports;
pub mod leads;
pub mod lookups;
pub mod merges;
pub mod opportunities;
pub mod orders;
pub mod privacy;
pub mod products;
pub mod quality;
pub mod records;
pub mod settings;
pub mod two_factor;
pub mod views;
pub mod webhooks;

use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::Router;
use kehu_core::Lang;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::extract::CurrentUser;
use crate::AppState;
use answers::CommonAnswers;

/// The language to answer in: the user's own choice, else what the
/// browser asks for.
pub(crate) fn lang_of(me: &CurrentUser, headers: &HeaderMap) -> Lang {
    me.user
        .lang
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
                .unwrap_or_default()
        })
}

/// A page size from the query: `default` when absent, refused (not
/// silently clamped) outside 1–`max`, so a client learns the bound.
pub(crate) fn page_limit(
    limit: Option<i64>,
    default: i64,
    max: i64,
) -> Result<i64, kehu_core::Invalid> {
    match limit {
        None => Ok(default),
        Some(n) if n < 1 => Err(kehu_core::Invalid::one(
            "limit",
            kehu_core::Code::BelowMin { min: "1".into() },
        )),
        Some(n) if n > max => Err(kehu_core::Invalid::one(
            "limit",
            kehu_core::Code::AboveMax {
                max: max.to_string(),
            },
        )),
        Some(n) => Ok(n),
    }
}

/// [`page_limit`] of the `limit` among a query's pairs; not a whole
/// number is `wrong_type`.
pub(crate) fn query_limit(
    params: &[(String, String)],
    default: i64,
    max: i64,
) -> Result<i64, kehu_core::Invalid> {
    let limit = params
        .iter()
        .find(|(k, _)| k == "limit")
        .map(|(_, v)| v.trim().parse::<i64>())
        .transpose()
        .map_err(|_| kehu_core::Invalid::one("limit", kehu_core::Code::WrongType))?;
    page_limit(limit, default, max)
}

/// The `{"force": true}` body of an undo, which may be left out (no force).
pub(crate) async fn force_flag(
    req: axum::extract::Request,
    state: &AppState,
) -> crate::error::Result<bool> {
    use axum::extract::FromRequest;
    let mut invalid = kehu_core::Invalid::default();
    let mut force = false;
    if req.headers().contains_key(header::CONTENT_TYPE) {
        let mut body = crate::extract::JsonObject::from_request(req, state).await?;
        match body.take("force") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Bool(b)) => force = b,
            Some(_) => invalid.push("force", kehu_core::Code::WrongType),
        }
        body.refuse_rest(&mut invalid);
    }
    invalid.into_result()?;
    Ok(force)
}

pub fn router() -> Router<AppState> {
    use auth as a;
    use customers as c;
    use imports as i;
    use records as r;
    use settings as s;
    use views as v;
    use webhooks as w;
    Router::new()
        .route("/auth/login", post(a::login))
        .route("/auth/logout", post(a::logout))
        .route("/me", get(a::me).patch(a::update_me))
        .route("/me/tokens", get(a::list_tokens).post(a::create_token))
        .route("/me/tokens/{id}", axum::routing::delete(a::revoke_token))
        .route(
            "/me/two-factor",
            get(two_factor::status).post(two_factor::begin),
        )
        .route("/me/two-factor/confirm", post(two_factor::confirm))
        .route("/me/two-factor/disable", post(two_factor::disable))
        .route(
            "/settings/two-factor",
            get(two_factor::policy).put(two_factor::set_policy),
        )
        .route("/customers", get(c::list).post(c::create))
        .route("/customers/lookup", get(c::lookup))
        .route("/customers/export", get(exports::export))
        .route("/access-log", get(exports::access_log))
        .route("/access-log/bursts", get(lookups::bursts))
        .route("/access-log/export-volumes", get(export_limits::volumes))
        .route(
            "/export-limits",
            get(export_limits::limits).patch(export_limits::update_limits),
        )
        .route(
            "/lookup-limits",
            get(lookups::limits).patch(lookups::update_limits),
        )
        .route(
            "/imports/files",
            post(i::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/imports/files/{file_id}", get(i::file))
        .route("/imports/preview", post(i::preview))
        .route("/imports", get(i::list).post(i::start))
        .route("/imports/{id}", get(i::get))
        .route("/imports/{id}/issues", get(i::issues))
        .route("/imports/{id}/rejected.csv", get(i::rejected_csv))
        .route("/imports/{id}/rejected.xlsx", get(i::rejected_xlsx))
        .route("/imports/{id}/undo", post(i::undo))
        .route("/imports/{id}/resume", post(i::resume))
        .route(
            "/import-templates",
            get(i::list_templates).post(i::save_template),
        )
        .route(
            "/import-templates/{id}",
            axum::routing::delete(i::delete_template),
        )
        .route("/merges", post(merges::create))
        .route("/merges/plan", get(merges::plan))
        .route("/merges/{id}", get(merges::get))
        .route("/merges/{id}/undo", post(merges::undo))
        .route("/not-duplicates", post(merges::not_duplicate))
        .route("/contact-merges", post(merges::create_contact_merge))
        .route("/contact-merges/{id}", get(merges::get_contact_merge))
        .route(
            "/contact-merges/{id}/undo",
            post(merges::undo_contact_merge),
        )
        .route(
            "/duplicate-scans",
            get(duplicates::list_scans).post(duplicates::start),
        )
        .route("/duplicate-scans/{id}", get(duplicates::get_scan))
        .route("/duplicates", get(duplicates::queue))
        .route("/duplicates/{id}", get(duplicates::get))
        .route("/duplicates/{id}/dismiss", post(duplicates::dismiss))
        .route(
            "/merge-rules",
            get(duplicates::list_rules).post(duplicates::create_rule),
        )
        .route("/merge-rules/run", post(duplicates::run_rules))
        .route(
            "/merge-rules/{id}",
            axum::routing::patch(duplicates::update_rule).delete(duplicates::delete_rule),
        )
        .route(
            "/quality/rules",
            get(quality::rules).patch(quality::update_rules),
        )
        .route("/quality/revalidations", get(quality::revalidations))
        .route(
            "/quality/revalidations/{id}/failures",
            get(quality::failures),
        )
        .route("/quality/check", post(quality::run_check))
        .route("/quality/check-runs", get(quality::check_runs))
        .route("/quality/check-runs/{id}", get(quality::check_run))
        .route("/customers/{id}/quality", get(quality::customer_quality))
        .route("/customers/bulk", post(c::bulk))
        .route("/customers/check", post(c::check))
        .route(
            "/customers/{id}",
            get(c::get).patch(c::update).delete(c::delete),
        )
        .route("/customers/{id}/restore", post(c::restore))
        .route("/customers/{id}/verify", post(c::verify))
        .route("/customers/{id}/history", get(c::history))
        .route("/customers/{id}/contacts", get(c::contacts))
        .route("/customers/{id}/interactions", get(c::interactions))
        .route("/customers/{id}/tasks", get(c::tasks))
        .route("/contacts", post(r::create_contact))
        .route(
            "/contacts/{id}",
            get(r::get_contact)
                .patch(r::update_contact)
                .delete(r::delete_contact),
        )
        .route("/interactions", post(r::create_interaction))
        .route(
            "/interactions/{id}",
            get(r::get_interaction)
                .patch(r::update_interaction)
                .delete(r::delete_interaction),
        )
        .route("/tasks", get(r::list_tasks).post(r::create_task))
        .route(
            "/tasks/{id}",
            get(r::get_task)
                .patch(r::update_task)
                .delete(r::delete_task),
        )
        .route("/products", get(products::list).post(products::create))
        .route("/products/{id}", get(products::get).patch(products::update))
        .route("/products/{id}/history", get(products::history))
        .route("/orders", get(orders::list).post(orders::create))
        .route("/orders/{id}", get(orders::get).patch(orders::update))
        .route("/orders/{id}/history", get(orders::history))
        .route("/orders/{id}/payments", post(orders::pay))
        .route("/orders/{id}/{step}", post(orders::step))
        .route("/customers/{id}/figures", get(orders::figures))
        .route(
            "/opportunities",
            get(opportunities::list).post(opportunities::create),
        )
        .route("/opportunities/board", get(opportunities::board))
        .route(
            "/opportunities/{id}",
            get(opportunities::get).patch(opportunities::update),
        )
        .route("/opportunities/{id}/stage", post(opportunities::move_stage))
        .route("/opportunities/{id}/stages", get(opportunities::stages))
        .route("/opportunities/{id}/history", get(opportunities::history))
        .route("/opportunities/{id}/order", post(opportunities::order))
        .route("/forecast", get(opportunities::forecast))
        .route("/leads", get(leads::list).post(leads::create))
        .route("/leads/{id}", get(leads::get))
        .route(
            "/leads/{id}/followups",
            get(leads::followups).post(leads::follow_up),
        )
        .route("/leads/{id}/status", post(leads::set_status))
        .route("/leads/{id}/claim", post(leads::claim))
        .route("/leads/{id}/release", post(leads::release))
        .route("/leads/{id}/convert", post(leads::convert))
        .route("/customers/{id}/claim", post(leads::claim_customer))
        .route(
            "/pool-rules",
            get(leads::pool_rules).put(leads::set_pool_rule),
        )
        .route("/region-rules", post(leads::set_region_rule))
        .route(
            "/lead-forms",
            get(leads::lead_forms).post(leads::create_lead_form),
        )
        .route(
            "/pipelines",
            get(opportunities::pipelines).post(opportunities::create_pipeline),
        )
        .route("/pipelines/{id}/stages", post(opportunities::add_stage))
        .route(
            "/stages/{id}",
            axum::routing::patch(opportunities::update_stage),
        )
        .route("/tags", get(s::list_tags).post(s::create_tag))
        .route(
            "/tags/{id}",
            axum::routing::patch(s::update_tag).delete(s::delete_tag),
        )
        .route("/fields", get(s::list_fields).post(s::create_field))
        .route(
            "/fields/{id}",
            get(s::get_field)
                .patch(s::update_field)
                .delete(s::delete_field),
        )
        .route("/users", get(s::list_users).post(s::create_user))
        .route("/users/{id}", get(s::get_user).patch(s::update_user))
        .route("/users/{id}/password", post(s::set_password))
        .route("/teams", get(s::list_teams).post(s::create_team))
        .route(
            "/teams/{id}",
            axum::routing::patch(s::update_team).delete(s::delete_team),
        )
        .route("/webhooks", get(w::list).post(w::create))
        .route(
            "/webhooks/{id}",
            get(w::get).patch(w::update).delete(w::delete),
        )
        .route("/webhooks/{id}/rotate-secret", post(w::rotate_secret))
        .route("/webhooks/{id}/deliveries", get(w::deliveries))
        .route("/webhook-deliveries/{id}/replay", post(w::replay))
        .route(
            "/webhook-allowed-hosts",
            get(w::allowed_hosts).post(w::allow_host),
        )
        .route(
            "/webhook-allowed-hosts/{id}",
            axum::routing::delete(w::disallow_host),
        )
        .route("/backups", get(backups::list))
        .route(
            "/backups/settings",
            axum::routing::patch(backups::update_settings),
        )
        .route(
            "/privacy/requests",
            get(privacy::list).post(privacy::create),
        )
        .route(
            "/privacy/settings",
            get(privacy::settings).put(privacy::set_settings),
        )
        .route("/countries", get(countries::list))
        .route("/countries/{code}", get(countries::get))
        .route(
            "/settings/locale",
            get(countries::locale).put(countries::set_locale),
        )
        .route("/views", get(v::list).post(v::create))
        .route(
            "/views/{id}",
            get(v::get).patch(v::update).delete(v::delete),
        )
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::extract::SESSION_COOKIE,
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kehu API", description = "Customers, contacts, follow-ups and tasks. Errors are application/problem+json (RFC 9457) with a list of {field, code, message}; messages follow Accept-Language (zh-CN or en)."),
    modifiers(&Security, &CommonAnswers),
    security(("bearer" = []), ("session" = [])),
    paths(
        auth::login, auth::logout, auth::me, auth::update_me, auth::list_tokens, auth::create_token, auth::revoke_token,
        two_factor::status, two_factor::begin, two_factor::confirm, two_factor::disable,
        two_factor::policy, two_factor::set_policy,
        customers::list, customers::lookup, customers::bulk, customers::check, customers::create, customers::get, customers::update,
        customers::delete, customers::restore, customers::verify, customers::history,
        customers::contacts, customers::interactions, customers::tasks,
        records::create_contact, records::get_contact, records::update_contact, records::delete_contact,
        records::create_interaction, records::get_interaction, records::update_interaction,
        records::delete_interaction,
        records::list_tasks, records::create_task, records::get_task, records::update_task, records::delete_task,
        settings::list_tags, settings::create_tag, settings::update_tag, settings::delete_tag,
        settings::list_fields, settings::create_field, settings::get_field, settings::update_field,
        settings::delete_field,
        settings::list_users, settings::create_user, settings::get_user, settings::update_user,
        settings::set_password,
        settings::list_teams, settings::create_team, settings::update_team, settings::delete_team,
        views::list, views::get, views::create, views::update, views::delete,
        exports::export, exports::access_log, lookups::limits, lookups::update_limits, lookups::bursts,
        export_limits::limits, export_limits::update_limits, export_limits::volumes,
        imports::upload, imports::file, imports::preview, imports::start, imports::list, imports::get,
        imports::issues, imports::rejected_csv, imports::rejected_xlsx, imports::undo, imports::resume,
        imports::list_templates, imports::save_template, imports::delete_template,
        merges::create, merges::plan, merges::get, merges::undo, merges::not_duplicate,
        products::list, products::create, products::get, products::update, products::history,
        orders::list, orders::create, orders::get, orders::update, orders::step, orders::pay,
        orders::history, orders::figures,
        opportunities::list, opportunities::create, opportunities::get, opportunities::update,
        opportunities::move_stage, opportunities::stages, opportunities::history, opportunities::order,
        opportunities::board, opportunities::forecast, opportunities::pipelines,
        opportunities::create_pipeline, opportunities::add_stage, opportunities::update_stage,
        leads::list, leads::create, leads::get, leads::followups, leads::follow_up, leads::set_status,
        leads::claim, leads::release, leads::claim_customer, leads::convert, leads::pool_rules,
        leads::set_pool_rule, leads::set_region_rule, leads::lead_forms, leads::create_lead_form,
        merges::create_contact_merge, merges::get_contact_merge, merges::undo_contact_merge,
        duplicates::start, duplicates::list_scans, duplicates::get_scan, duplicates::queue,
        duplicates::get, duplicates::dismiss, duplicates::list_rules, duplicates::create_rule,
        duplicates::update_rule, duplicates::delete_rule, duplicates::run_rules,
        quality::rules, quality::update_rules, quality::revalidations, quality::failures,
        quality::run_check, quality::check_runs, quality::check_run, quality::customer_quality,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::deliveries, webhooks::replay,
        webhooks::allowed_hosts, webhooks::allow_host, webhooks::disallow_host,
        backups::list, backups::update_settings,
        privacy::create, privacy::list, privacy::settings, privacy::set_settings,
        countries::list, countries::get, countries::locale, countries::set_locale,
    ),
    tags(
        (name = "auth", description = "Signing in, sessions and API tokens"),
        (name = "customers", description = "Customers (客户)"),
        (name = "contacts", description = "Contacts of company customers (联系人)"),
        (name = "interactions", description = "Follow-ups (跟进记录)"),
        (name = "tasks", description = "Tasks and call-backs (任务/回访)"),
        (name = "views", description = "Saved customer-list views (保存的视图)"),
        (name = "products", description = "The product catalogue (产品目录)"),
        (name = "leads", description = "Leads (线索), the shared pool (公海) and public lead forms"),
        (name = "opportunities", description = "Opportunities (商机) on pipelines, the board and the forecast"),
        (name = "orders", description = "Orders (订单) through payment (回款), shipment (发货) and delivery"),
        (name = "duplicates", description = "Duplicate cleanup (查重合并): scans of the data held and the review queue"),
        (name = "quality", description = "Data quality (核对): completeness rules, re-validation, stale records, the audit report"),
        (name = "imports", description = "Imports and batch updates (导入/批量更新): upload, map, preview, run, report, undo"),
        (name = "backups", description = "Backups (备份): the last backup's time and result, backups and restores recorded, the daily backup's retention (administrators)"),
        (name = "privacy", description = "Personal-data rights (个人信息权利; PIPL art. 44–47, GDPR art. 15, 17, 20): a person's data exported as a ZIP or erased for good, the log of such requests, and the retention of soft-deleted records (administrators)"),
        (name = "webhooks", description = "Outgoing webhooks to finance and logistics: endpoints, signed deliveries with retries, replay, and the hosts they may reach although private (administrators)"),
    )
)]
pub struct ApiDoc;
