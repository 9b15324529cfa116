//! The answers every operation may give besides its own, added to the
//! OpenAPI document in one place so that it says what the API really
//! does: a malformed path, query or body is 400; a body of another type
//! 415 and one over the limit 413; a well-formed input that breaks a rule
//! 422 with the fields named; an id that is not there (or not visible) 404;
//! no credentials 401; and a state change refused (the role, or a
//! cross-site request) 403. All of them are `application/problem+json`.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{OpenApi, Ref, RefOr, Response, Schema};
use utoipa::Modify;

pub struct CommonAnswers;

/// (status, component name, description)
const ANSWERS: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "Malformed path, query or body"),
    (
        "401",
        "Unauthorized",
        "Not signed in: no valid API token or session",
    ),
    (
        "403",
        "Forbidden",
        "The role may not do this, or the request came from another site",
    ),
    (
        "404",
        "NotFound",
        "No such record, or not one this user may see",
    ),
    ("413", "TooLarge", "The body is over the size limit"),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not of the type this operation reads",
    ),
    (
        "422",
        "Invalid",
        "Input that breaks a rule: each field named with a code and a message",
    ),
];

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert("Problem".into(), RefOr::T(problem_schema()));
        for (_, name, description) in ANSWERS {
            components
                .responses
                .insert((*name).into(), RefOr::T(problem_response(description)));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (op, changes) in operations(item) {
                add_answers(op, path, changes);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> Vec<(&mut Operation, bool)> {
    [
        (item.get.as_mut(), false),
        (item.head.as_mut(), false),
        (item.post.as_mut(), true),
        (item.put.as_mut(), true),
        (item.patch.as_mut(), true),
        (item.delete.as_mut(), true),
    ]
    .into_iter()
    .filter_map(|(op, changes)| op.map(|op| (op, changes)))
    .collect()
}

fn add_answers(op: &mut Operation, path: &str, changes: bool) {
    let has_body = op.request_body.is_some();
    let has_input = has_body || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let names_a_record = names_a_record(op);
    let wanted = |status: &str| match status {
        "400" | "422" => has_input || changes,
        "401" => !path.ends_with("/auth/login"),
        "403" => changes,
        // A path's id, or one named in the query (`pipeline_id=…`).
        "404" => path.contains('{') || names_a_record,
        // A body may come with any state change, documented or not.
        "413" | "415" => has_body || changes,
        _ => false,
    };
    for (status, name, _) in ANSWERS {
        if wanted(status) {
            op.responses
                .responses
                .entry((*status).to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
        }
    }
}

fn names_a_record(op: &Operation) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.name.ends_with("_id"))
}

fn problem_schema() -> Schema {
    serde_json::from_value(serde_json::json!({
        "type": "object",
        "description": "An RFC 9457 problem; `title`, `detail` and each error's `message` follow Accept-Language (zh-CN or en)",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string", "description": "A stable code to branch on"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "code", "message"],
                    "properties": {
                        "field": {"type": "string"},
                        "code": {"type": "string"},
                        "message": {"type": "string"}
                    }
                }
            }
        }
    }))
    .expect("the problem schema is valid")
}

fn problem_response(description: &str) -> Response {
    serde_json::from_value(serde_json::json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}
            }
        }
    }))
    .expect("the problem response is valid")
}
