//! Duplicate contacts: the same person twice among one customer's
//! contacts, found as part of a scan.

use std::collections::HashMap;

use kehu_core::dedupe::{clusters, Cluster, NotDuplicates, Scanner};

use super::rows::ContactScanRow;
use super::{ScanOptions, PAGE};
use crate::db::q;
use crate::{Error, Result, Store};

impl Store {
    /// Duplicate contacts: the same person twice among one customer's
    /// contacts. Pairs across customers are left to the customers' own
    /// scan (two customers sharing a contact are likely one customer).
    pub(super) async fn scan_contacts(
        &self,
        options: ScanOptions,
    ) -> Result<(usize, Vec<Cluster>)> {
        let marked: Vec<(i64, i64)> = self
            .db
            .all(q("SELECT a_id, b_id FROM contact_not_duplicates"))
            .await?;
        let excluded: NotDuplicates = marked.into_iter().collect();
        let mut scanner = Scanner::new()
            .threshold(options.threshold)
            .threads(options.threads.max(1))
            .excluding(excluded.clone());
        let mut customer_of: HashMap<i64, i64> = HashMap::new();
        let mut after = 0i64;
        loop {
            let rows: Vec<ContactScanRow> = self
                .db
                .all(
                    q(
                        "SELECT x.id, x.customer_id, x.name, x.mobile, x.phone, x.email, x.birth_date, c.kind, \
                       c.name AS customer_name, c.company FROM contacts x \
                       JOIN customers c ON c.id = x.customer_id \
                       WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND x.id > $1 \
                       ORDER BY x.id LIMIT $2",
                    )
                    .bind(after)
                    .bind(PAGE as i64),
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            customer_of.extend(rows.iter().map(|r| (r.id, r.customer_id)));
            let profiles = tokio::task::spawn_blocking(move || {
                rows.iter().map(ContactScanRow::profile).collect::<Vec<_>>()
            })
            .await
            .map_err(|e| Error::internal(e.to_string()))?;
            for profile in profiles {
                scanner.push(profile);
            }
        }
        tokio::task::spawn_blocking(move || {
            let candidates: Vec<_> = scanner
                .scan()
                .into_iter()
                .filter(|c| customer_of.get(&c.a) == customer_of.get(&c.b))
                .collect();
            (candidates.len(), clusters(candidates, &excluded))
        })
        .await
        .map_err(|e| Error::internal(e.to_string()))
    }
}
