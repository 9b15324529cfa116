//! Tests of reading list requests and saved queries, and of the cursor.

use super::params::{decode_cursor, encode_cursor};
use super::types::After;
use super::*;

fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn unknown_parameters_and_bad_values_are_named() {
    let err = CustomerFilter::from_params(&params(&[
        ("colour", "red"),
        ("limit", "100000"),
        ("created_from", "2024-02-30"),
        ("sort", "-password"),
    ]))
    .unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["colour", "limit", "created_from", "sort"]);
}

#[test]
fn blank_fields_of_a_search_form_filter_nothing() {
    let f = CustomerFilter::from_params(&params(&[
        ("q", "zs"),
        ("team_id", ""),
        ("sort", ""),
        ("created_from", ""),
        ("province", ""),
        ("custom.level", ""),
    ]))
    .unwrap();
    assert_eq!(f.q.as_deref(), Some("zs"));
    assert_eq!(
        (f.team_id, f.created_from, f.sort),
        (None, None, SortBy::Updated)
    );
    assert!(f.custom.is_empty());
    let err =
        CustomerFilter::from_params(&params(&[("colour", ""), ("custom.Bad", "")])).unwrap_err();
    assert_eq!(err.0.len(), 2, "unknown names are still refused");
}

#[test]
fn a_saved_query_has_filters_and_sort_but_no_page() {
    let f =
        CustomerFilter::from_query("?q=%E5%BC%A0&stage=lead&sort=-created_at", "query").unwrap();
    assert_eq!(f.q.as_deref(), Some("张"));
    assert_eq!(f.stage.as_deref(), Some("lead"));
    assert_eq!((f.sort, f.descending), (SortBy::Created, true));
    let err = CustomerFilter::from_query("limit=5&cursor=x&sort=colour&x=1", "query").unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["query.limit", "query.cursor", "query.sort", "query.x"]
    );
}

#[test]
fn a_cursor_from_another_sort_is_refused() {
    let cursor = encode_cursor(&After::Int(5, 7));
    assert!(decode_cursor(&cursor, SortBy::Updated).is_some());
    assert!(decode_cursor(&cursor, SortBy::Name).is_none());
    assert!(decode_cursor("not base64!", SortBy::Updated).is_none());
}
