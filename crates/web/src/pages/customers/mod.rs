//! The customer pages: the list with search, filters, saved views and bulk
//! changes; the entry form (录入) with live checks and the duplicate
//! warning; the customer page with its timeline, follow-ups and 核对.

mod actions;
mod bulk;
mod display;
mod entry;
mod filters;
mod list;
mod show;

pub use self::actions::{add_contact, follow_up, verify};
pub use self::bulk::{bulk, delete_view, save_view};
pub(crate) use self::display::{choices, user_choices, People};
pub use self::display::{custom_text, flash, label_of, province_choices, value_text, Choice};
pub use self::entry::{create, edit_form, new_form, update};
pub use self::list::list;
pub use self::show::show;

#[cfg(test)]
mod tests {
    use kehu_core::Lang;
    use serde_json::Value;

    use super::entry::customer_json;
    use super::flash;
    use crate::pages::form::Values;
    use crate::pages::T;

    fn values(pairs: &[(&str, &str)]) -> Values {
        Values::from_fields(&super::super::Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    #[test]
    fn a_new_record_leaves_blank_fields_out_and_an_edit_clears_them() {
        let v = values(&[("name", "张三"), ("mobile", " "), ("tags", "VIP，北京, ")]);
        let created = customer_json(&v, &[], false);
        assert_eq!(created.get("name"), Some(&Value::from("张三")));
        assert!(!created.contains_key("mobile"));
        assert_eq!(
            created.get("tags"),
            Some(&serde_json::json!(["VIP", "北京"]))
        );
        let updated = customer_json(&v, &[], true);
        assert_eq!(updated.get("mobile"), Some(&Value::Null));
    }

    #[test]
    fn flash_texts_are_only_our_own() {
        let t = T(Lang::En);
        let p = |k: &str| vec![("flash".to_owned(), k.to_owned()), ("n".into(), "3".into())];
        assert_eq!(flash(t, &p("bulk")).as_deref(), Some("3 records changed"));
        assert_eq!(flash(t, &p("<script>")), None);
    }
}
