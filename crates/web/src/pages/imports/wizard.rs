//! The import wizard: upload a file, map its columns to fields, preview
//! what the import would do, run it.
//!
//! The steps carry their choices from page to page in the address (the
//! mapping page, so "back" works) or in hidden fields (the preview), never
//! in the session: any step can be reloaded or bookmarked.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kehu_core::columns::all_targets;
use kehu_core::Lang;
use kehu_io::import::Mapping;
use kehu_store::import::{BatchKind, Policy};

use super::super::customers::Choice;
use super::super::frame::{Frame, Section};
use super::super::{
    render_refused, same_origin, same_secret, see_other, PageError, Posted, Viewer, T,
};
use super::{count_views, explain, issue_rows, CountView, IssueRow};
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::imports::{self, uploads, ImportInput};
use crate::text::url_encode;
use crate::AppState;

/// The choices made so far, as they travel between the steps.
#[derive(Debug, Clone, Default)]
pub struct Wizard {
    pub file: String,
    /// `import` or `update` (批量更新).
    pub kind: String,
    pub sheet: String,
    /// The row the headers are on, as typed; `""` to let kehu find it.
    pub header_row: String,
    pub policy: String,
    /// A field key per column, `""` for an ignored one; empty until the
    /// mapping step has been submitted.
    pub map: Vec<String>,
    pub save_template: String,
    /// `"1"` when any invalid value is to reject its row.
    pub strict: String,
}

impl Wizard {
    fn from_pairs(pairs: &[(String, String)]) -> Wizard {
        let mut w = Wizard::default();
        for (k, v) in pairs {
            match k.as_str() {
                "file" => w.file = v.trim().to_owned(),
                "kind" => w.kind = v.trim().to_owned(),
                "sheet" => w.sheet = v.clone(),
                "header_row" => w.header_row = v.trim().to_owned(),
                "policy" => w.policy = v.trim().to_owned(),
                "map" => w.map.push(v.trim().to_owned()),
                "save_template" => w.save_template = v.trim().to_owned(),
                "strict" => w.strict = v.trim().to_owned(),
                _ => {}
            }
        }
        if w.kind != "update" {
            w.kind = "import".into();
        }
        w
    }

    fn is_update(&self) -> bool {
        self.kind == "update"
    }

    fn kind(&self) -> BatchKind {
        if self.is_update() {
            BatchKind::Update
        } else {
            BatchKind::Import
        }
    }

    /// The header row asked for, if one was and it is a row kehu can take.
    fn header_row(&self) -> Option<u64> {
        crate::input::imports::parse_header_row(self.header_row.parse().ok()).ok()
    }

    fn input(&self) -> ImportInput {
        let default = if self.is_update() {
            Policy::Overwrite
        } else {
            Policy::Skip
        };
        ImportInput {
            file_id: self.file.clone(),
            sheet: Some(self.sheet.clone()).filter(|s| !s.is_empty()),
            header_row: self.header_row(),
            mapping: if self.map.is_empty() {
                Mapping::Auto
            } else {
                Mapping::Columns(
                    self.map
                        .iter()
                        .map(|k| Some(k.clone()).filter(|k| !k.is_empty()))
                        .collect(),
                )
            },
            policy: Policy::parse(&self.policy).unwrap_or(default),
            kind: self.kind(),
            save_template: Some(self.save_template.clone()).filter(|s| !s.is_empty()),
            strict: self.strict == "1",
        }
    }

    /// The choices as form fields, in order.
    fn pairs(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("file".to_owned(), self.file.clone()),
            ("kind".to_owned(), self.kind.clone()),
            ("sheet".to_owned(), self.sheet.clone()),
            ("header_row".to_owned(), self.header_row.clone()),
            ("policy".to_owned(), self.input().policy.as_str().to_owned()),
        ];
        out.extend(self.map.iter().map(|m| ("map".to_owned(), m.clone())));
        out.push(("save_template".to_owned(), self.save_template.clone()));
        out.push(("strict".to_owned(), self.strict.clone()));
        out
    }

    /// The mapping step with these choices preselected.
    fn map_link(&self) -> String {
        let query = self
            .pairs()
            .iter()
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        format!("/imports/map?{query}")
    }
}

// ---------------------------------------------------------------- upload

#[derive(Template)]
#[template(path = "imports/new.html")]
struct NewPage {
    f: Frame,
    error: Option<String>,
    max_mb: u64,
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !viewer.me.actor.may_write_records() {
        return Err(PageError::Forbidden);
    }
    let t = viewer.t();
    let page = NewPage {
        f: Frame::new(state, viewer, Section::Imports, t.s("import.new")).await?,
        error,
        max_mb: imports::MAX_UPLOAD_BYTES / (1024 * 1024),
    };
    let mut response = render_refused(&page, false)?;
    *response.status_mut() = status;
    Ok(response)
}

/// `/imports/new`: choose a file and whether it creates or updates.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    new_page(&state, &viewer, None, StatusCode::OK).await
}

/// The uploaded file is kept and the mapping step opens for it. The form's
/// CSRF token comes before the file, and is checked before the file is
/// written anywhere.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Viewer,
    multipart: Multipart,
) -> Result<Response, PageError> {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden);
    }
    if !viewer.me.actor.may_write_records() {
        return Err(PageError::Forbidden);
    }
    let csrf_ok = |fields: &[(String, String)]| {
        fields
            .iter()
            .any(|(k, v)| k == "_csrf" && same_secret(v, &viewer.csrf))
    };
    let owner = viewer.me.actor.user_id;
    let received =
        uploads::receive_multipart(&state.store, &state.files_dir, owner, multipart, |fields| {
            csrf_ok(fields).then_some(()).ok_or(ApiError::Forbidden)
        })
        .await;
    let t = viewer.t();
    let (upload, fields) = match received {
        Ok(r) => r,
        Err(ApiError::Forbidden) => return Err(PageError::Forbidden),
        Err(e) => {
            let status = match &e {
                ApiError::Explained { status, .. } => *status,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = explain(t, e)?;
            return new_page(&state, &viewer, Some(message), status).await;
        }
    };
    if !csrf_ok(&fields) {
        return Err(PageError::Forbidden);
    }
    let Some(upload) = upload else {
        let message = t.s("import.choose_file").to_owned();
        return new_page(
            &state,
            &viewer,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut w = Wizard::from_pairs(&fields);
    w.file = upload.id;
    Ok(see_other(&w.map_link()))
}

// ---------------------------------------------------------------- mapping

pub struct ColumnView {
    pub index: usize,
    pub header: String,
    /// Up to three values of the column.
    pub samples: Vec<String>,
    pub options: Vec<Choice>,
}

pub struct PolicyView {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "imports/map.html")]
struct MapPage {
    f: Frame,
    w: Wizard,
    name: String,
    /// Format, encoding and delimiter, as one line.
    about: String,
    columns: Vec<ColumnView>,
    sheets: Vec<Choice>,
    /// The row the headers were taken from (none for vCard, JSON Lines).
    header_row: Option<u64>,
    templates: Vec<Choice>,
    policies: Vec<PolicyView>,
    error: Option<String>,
}

async fn map_page(
    state: &AppState,
    viewer: &Viewer,
    w: Wizard,
    template: Option<i64>,
    error: Option<String>,
) -> Result<Response, PageError> {
    if !viewer.me.actor.may_write_records() {
        return Err(PageError::Forbidden);
    }
    let t = viewer.t();
    let upload = imports::locate(
        &state.store,
        &state.files_dir,
        &w.file,
        viewer.me.actor.user_id,
    )
    .await
    .map_err(|_| PageError::NotFound)?;
    let sheet = Some(w.sheet.clone()).filter(|s| !s.is_empty());
    let mut error = error;
    let asked = w.header_row();
    if asked.is_none() && !w.header_row.is_empty() {
        error.get_or_insert_with(|| t.s("import.header_row_invalid").to_owned());
    }
    let info = match imports::file_info(state, &upload, sheet.clone(), asked).await {
        Ok(info) => info,
        // A row or sheet that is not there: the header found in the
        // first sheet instead, and why.
        Err(e) if asked.is_some() || sheet.is_some() => {
            if asked.is_some() {
                error.get_or_insert_with(|| match &e {
                    ApiError::Explained { zh, en, .. } => match t.0 {
                        Lang::ZhCn => zh.clone(),
                        Lang::En => en.clone(),
                    },
                    _ => t.s("import.header_row_invalid").to_owned(),
                });
            }
            imports::file_info(state, &upload, None, None)
                .await
                .map_err(PageError::from)?
        }
        Err(e) => return Err(e.into()),
    };
    let templates = state.store.import_templates().await?;
    let chosen = template.and_then(|id| templates.iter().find(|tm| tm.id == id));
    let mapping: Vec<String> = match chosen {
        Some(tm) => tm
            .apply(&info.headers)
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect(),
        None if w.map.len() == info.headers.len() => w.map.clone(),
        None => info
            .mapping
            .iter()
            .map(|m| m.clone().unwrap_or_default())
            .collect(),
    };
    let defs = state
        .store
        .field_definitions()
        .await?
        .iter()
        .map(|d| d.def())
        .collect::<Result<Vec<_>, _>>()?;
    let targets: Vec<(String, String)> = all_targets(&defs)
        .iter()
        .map(|target| (target.key(), target.label(t.0, &defs)))
        .collect();
    let columns = info
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let selected = mapping.get(index).map(String::as_str).unwrap_or_default();
            let mut options = vec![Choice {
                value: String::new(),
                label: t.s("import.ignore").to_owned(),
                selected: selected.is_empty(),
            }];
            options.extend(targets.iter().map(|(key, label)| Choice {
                selected: key == selected,
                value: key.clone(),
                label: format!("{label} ({key})"),
            }));
            ColumnView {
                index,
                header: header.clone(),
                samples: info
                    .sample
                    .iter()
                    .filter_map(|row| row.get(index))
                    .filter(|v| !v.trim().is_empty())
                    .take(3)
                    .cloned()
                    .collect(),
                options,
            }
        })
        .collect();
    let policy = w.input().policy;
    let policies = policy_views(t, w.kind(), policy);
    let mut about = vec![info.format.to_uppercase()];
    about.extend(info.encoding.clone());
    if let Some(d) = &info.delimiter {
        let shown = if d == "\t" {
            "Tab".to_owned()
        } else {
            d.clone()
        };
        about.push(format!("{} {shown}", t.s("import.delimiter")));
    }
    let current_sheet = info.sheet.clone().unwrap_or_default();
    let page = MapPage {
        f: Frame::new(state, viewer, Section::Imports, t.s("import.map_title")).await?,
        name: info.name.clone(),
        about: about.join(" · "),
        columns,
        sheets: info
            .sheets
            .iter()
            .map(|s| Choice {
                value: s.clone(),
                label: s.clone(),
                selected: *s == current_sheet,
            })
            .collect(),
        templates: templates
            .iter()
            .map(|tm| Choice {
                value: tm.id.to_string(),
                label: tm.name.clone(),
                selected: Some(tm.id) == template,
            })
            .collect(),
        policies,
        header_row: info.header_row,
        w: Wizard {
            sheet: current_sheet,
            header_row: info.header_row.map(|n| n.to_string()).unwrap_or_default(),
            ..w
        },
        error: error.clone(),
    };
    render_refused(&page, error.is_some())
}

fn policy_views(t: T, kind: BatchKind, chosen: Policy) -> Vec<PolicyView> {
    let all: &[(Policy, &str, &str)] = &[
        (
            Policy::Skip,
            "import.policy_skip",
            "import.policy_skip_hint",
        ),
        (
            Policy::Fill,
            "import.policy_fill",
            "import.policy_fill_hint",
        ),
        (
            Policy::Overwrite,
            "import.policy_overwrite",
            "import.policy_overwrite_hint",
        ),
        (
            Policy::Create,
            "import.policy_create",
            "import.policy_create_hint",
        ),
    ];
    all.iter()
        // A batch update only ever changes records: fill or overwrite.
        .filter(|(p, _, _)| {
            kind == BatchKind::Import || matches!(p, Policy::Fill | Policy::Overwrite)
        })
        .map(|(p, label, hint)| PolicyView {
            value: p.as_str(),
            label: t.s(label),
            hint: t.s(hint),
            checked: *p == chosen,
        })
        .collect()
}

/// `/imports/map?file=…`: each column with samples and the field it fills.
pub async fn map_form(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let mut w = Wizard::from_pairs(&params);
    let template = params
        .iter()
        .find(|(k, _)| k == "template")
        .and_then(|(_, v)| v.parse().ok());
    if template.is_some() {
        w.map.clear();
    }
    map_page(&state, &viewer, w, template, None).await
}

// ---------------------------------------------------------------- preview

#[derive(Template)]
#[template(path = "imports/preview.html")]
struct PreviewPage {
    f: Frame,
    hidden: Vec<(String, String)>,
    counts: Vec<CountView>,
    issues: Vec<IssueRow>,
    /// Whether there were more issues than the preview lists.
    more: bool,
    back: String,
    is_update: bool,
}

/// What the import would do: counts and the first problem rows.
pub async fn preview(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let w = Wizard::from_pairs(&fields.0);
    let t = viewer.t();
    let ctx = kehu_store::write::Ctx::new(viewer.me.actor, kehu_core::ChangeSource::Import);
    let preview = match imports::preview(&state, &ctx, &w.input(), t.0).await {
        Ok(p) => p,
        Err(e) => {
            let message = explain(t, e)?;
            return map_page(&state, &viewer, w, None, Some(message)).await;
        }
    };
    let issues: Vec<_> = preview.issues.into_iter().map(|i| i.issue).collect();
    let shown = issues.len() as i64;
    let page = PreviewPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Imports,
            t.s("import.preview_title"),
        )
        .await?,
        hidden: w.pairs(),
        more: preview.counts.rejected + preview.counts.skipped > shown,
        counts: count_views(t, &preview.counts),
        issues: issue_rows(t, &issues),
        back: w.map_link(),
        is_update: w.is_update(),
    };
    render_refused(&page, false)
}

/// Starts the import and opens its page, where its progress shows.
pub async fn run(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let w = Wizard::from_pairs(&fields.0);
    let ctx = kehu_store::write::Ctx::new(viewer.me.actor, kehu_core::ChangeSource::Import);
    match imports::start(&state, ctx, &w.input()).await {
        Ok(id) => Ok(see_other(&format!("/imports/{id}"))),
        Err(e) => {
            let message = explain(viewer.t(), e)?;
            map_page(&state, &viewer, w, None, Some(message)).await
        }
    }
}
