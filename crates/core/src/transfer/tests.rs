//! Every kind of batch, policy and match a row can meet.

use super::*;

/// A hit on record 7.
fn hit(key: Key, visible: bool, this_file: bool) -> Option<Hit<i64>> {
    Some(Hit {
        key,
        visible,
        this_file,
        target: 7,
    })
}

fn duplicate(key: Key) -> Outcome<i64> {
    Outcome::Skip {
        key,
        code: Code::Duplicate,
        named: Some(7),
    }
}

fn hidden(key: Key) -> Outcome<i64> {
    Outcome::Skip {
        key,
        code: Code::DuplicateHidden,
        named: None,
    }
}

const IMPORT: BatchKind = BatchKind::Import;
const UPDATE: BatchKind = BatchKind::Update;

#[test]
fn a_row_that_meets_nothing_is_created_by_an_import_and_rejected_by_an_update() {
    for policy in Policy::ALL {
        assert_eq!(outcome::<i64>(IMPORT, policy, None, None), Outcome::Create);
        assert_eq!(
            outcome::<i64>(IMPORT, policy, Some(Key::Id), None),
            Outcome::Create,
            "an id from another kehu"
        );
        assert_eq!(
            outcome::<i64>(UPDATE, policy, None, None),
            Outcome::NotFound("id")
        );
        for key in Key::ALL {
            assert_eq!(
                outcome::<i64>(UPDATE, policy, Some(key), None),
                Outcome::NotFound(key.field())
            );
        }
    }
}

#[test]
fn an_import_meeting_a_visible_record_follows_its_policy() {
    for key in [Key::Uscc, Key::Mobile, Key::Email] {
        let met = hit(key, true, false);
        assert_eq!(
            outcome(IMPORT, Policy::Skip, Some(key), met),
            duplicate(key)
        );
        assert_eq!(
            outcome(IMPORT, Policy::Fill, Some(key), met),
            Outcome::Update(7)
        );
        assert_eq!(
            outcome(IMPORT, Policy::Overwrite, Some(key), met),
            Outcome::Update(7)
        );
        assert_eq!(
            outcome(IMPORT, Policy::Create, Some(key), met),
            Outcome::Create
        );
    }
}

#[test]
fn a_row_matching_by_id_or_external_id_is_the_record_itself_whatever_the_policy() {
    for key in [Key::Id, Key::External] {
        let met = hit(key, true, false);
        assert_eq!(
            outcome(IMPORT, Policy::Create, Some(key), met),
            duplicate(key),
            "never a second copy of the record"
        );
        assert_eq!(
            outcome(IMPORT, Policy::Skip, Some(key), met),
            duplicate(key)
        );
        for policy in [Policy::Fill, Policy::Overwrite] {
            assert_eq!(outcome(IMPORT, policy, Some(key), met), Outcome::Update(7));
        }
        for policy in Policy::ALL {
            assert_eq!(outcome(UPDATE, policy, Some(key), met), Outcome::Update(7));
        }
    }
}

#[test]
fn a_second_row_for_one_record_is_a_duplicate_whatever_the_policy() {
    for kind in [IMPORT, UPDATE] {
        for policy in [Policy::Skip, Policy::Fill, Policy::Overwrite] {
            for key in Key::ALL {
                assert_eq!(
                    outcome(kind, policy, Some(key), hit(key, true, true)),
                    duplicate(key),
                    "{kind:?} {policy:?} {key:?}"
                );
            }
        }
    }
    // Except that an import told to create copies creates one per row
    // (by any key but the record's own id).
    assert_eq!(
        outcome(
            IMPORT,
            Policy::Create,
            Some(Key::Mobile),
            hit(Key::Mobile, true, true)
        ),
        Outcome::Create
    );
}

#[test]
fn a_record_the_actor_may_not_see_is_never_named_nor_changed() {
    for kind in [IMPORT, UPDATE] {
        for policy in [Policy::Skip, Policy::Fill, Policy::Overwrite] {
            for key in Key::ALL {
                assert_eq!(
                    outcome(kind, policy, Some(key), hit(key, false, false)),
                    hidden(key),
                    "{kind:?} {policy:?} {key:?}"
                );
            }
        }
    }
}

#[test]
fn a_hidden_record_counts_as_a_match_only_where_saying_so_tells_nothing() {
    for kind in [IMPORT, UPDATE] {
        for key in Key::ALL {
            assert!(counts(kind, key, true), "a visible record always counts");
        }
        // A hidden record's id is no such id, in either kind of batch.
        assert!(!counts(kind, Key::Id, false));
        // A mobile, e-mail or credit code already taken is reported as
        // taken (without naming the record).
        for key in [Key::Uscc, Key::Mobile, Key::Email] {
            assert!(counts(kind, key, false));
        }
    }
    // An import reports a hidden record's external id as taken; a batch
    // update, which only updates, treats it as naming nothing.
    assert!(counts(IMPORT, Key::External, false));
    assert!(!counts(UPDATE, Key::External, false));
}

#[test]
fn an_update_changes_what_differs_and_a_fill_only_what_is_empty() {
    let (old, new) = (Some(&"张三"), Some(&"李四"));
    assert!(changes(false, old, new));
    assert!(!changes(false, old, old), "an equal value is no change");
    assert!(!changes(true, old, new), "a fill leaves a value alone");
    assert!(changes(true, None, new), "a fill fills an empty field");
    assert!(changes(false, None, new));
    assert!(!changes(true, None::<&&str>, None));
}

#[test]
fn policies_read_back_from_their_names() {
    for policy in Policy::ALL {
        assert_eq!(Policy::parse(policy.as_str()), Some(policy));
        assert_eq!(
            Policy::parse(&format!(" {} ", policy.as_str())),
            Some(policy)
        );
    }
    assert_eq!(Policy::parse("merge"), None);
}
