//! A customer's search keys, rewritten from its stored fields.

use kehu_core::search::{terms, Searchable};

use crate::db::{q, Tx};
use crate::Result;

#[derive(sqlx::FromRow)]
struct SearchFields {
    name: String,
    company: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// Rewrites a customer's search keys from its stored fields.
pub(crate) async fn index_customer(tx: &mut Tx, id: i64) -> Result<()> {
    let f: SearchFields = tx
        .one(q("SELECT name, company, mobile, phone, email FROM customers WHERE id = $1").bind(id))
        .await?;
    tx.execute(q("DELETE FROM customer_search WHERE customer_id = $1").bind(id))
        .await?;
    let keys = terms(&Searchable {
        name: &f.name,
        company: f.company.as_deref(),
        mobile: f.mobile.as_deref(),
        phone: f.phone.as_deref(),
        email: f.email.as_deref(),
    });
    insert_terms(tx, keys.iter().map(|k| (k.as_str(), id))).await
}

/// Inserts search keys.
pub(crate) async fn insert_terms<'a>(
    tx: &mut Tx,
    rows: impl Iterator<Item = (&'a str, i64)>,
) -> Result<()> {
    let rows = rows
        .flat_map(|(term, id)| [term.into(), id.into()])
        .collect();
    tx.insert_rows("customer_search", &["term", "customer_id"], rows, true)
        .await
}
