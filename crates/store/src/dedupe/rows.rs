//! The rows a scan reads (customers, their contacts' numbers, contacts
//! with their customer) and the matching profiles built from them.

use kehu_core::dedupe::{Profile, Record};
use kehu_core::CustomerKind;

/// A customer row as the scan reads it.
#[derive(sqlx::FromRow)]
pub(super) struct ScanRow {
    pub(super) id: i64,
    kind: String,
    name: String,
    company: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    uscc: Option<String>,
    province: Option<String>,
    city: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    birth_date: Option<String>,
}

/// A live contact's numbers and e-mail, which count for its customer.
#[derive(sqlx::FromRow)]
pub(super) struct ContactRow {
    customer_id: i64,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// A contact as the contact scan reads it, with its customer's name.
#[derive(sqlx::FromRow)]
pub(super) struct ContactScanRow {
    pub(super) id: i64,
    pub(super) customer_id: i64,
    name: String,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    birth_date: Option<String>,
    kind: String,
    customer_name: String,
    company: Option<String>,
}

impl ContactScanRow {
    pub(super) fn profile(&self) -> Profile {
        let employer = if self.kind == "company" {
            Some(self.customer_name.as_str())
        } else {
            self.company.as_deref()
        };
        let mobiles: Vec<&str> = self.mobile.as_deref().into_iter().collect();
        let phones: Vec<&str> = self.phone.as_deref().into_iter().collect();
        let emails: Vec<&str> = self.email.as_deref().into_iter().collect();
        Profile::new(&Record {
            company: employer,
            mobiles: &mobiles,
            phones: &phones,
            emails: &emails,
            birth_date: self.birth_date.as_deref(),
            ..Record::new(self.id, CustomerKind::Individual, &self.name)
        })
    }
}

/// Profiles of one page of customers; `contacts` sorted by customer.
fn profile_page(rows: &[ScanRow], contacts: &[ContactRow]) -> Vec<Profile> {
    rows.iter()
        .map(|row| {
            let start = contacts.partition_point(|c| c.customer_id < row.id);
            let len = contacts[start..].partition_point(|c| c.customer_id == row.id);
            profile_of(row, &contacts[start..start + len])
        })
        .collect()
}

/// A customer's own value of a kind (mobile, phone, e-mail) and its
/// contacts' values.
fn own_and_contacts<'a>(
    own: &'a Option<String>,
    contacts: &'a [ContactRow],
    pick: impl Fn(&'a ContactRow) -> &'a Option<String>,
) -> Vec<&'a str> {
    own.as_deref()
        .into_iter()
        .chain(contacts.iter().filter_map(|c| pick(c).as_deref()))
        .collect()
}

fn profile_of(row: &ScanRow, contacts: &[ContactRow]) -> Profile {
    let mobiles = own_and_contacts(&row.mobile, contacts, |c| &c.mobile);
    let phones = own_and_contacts(&row.phone, contacts, |c| &c.phone);
    let emails = own_and_contacts(&row.email, contacts, |c| &c.email);
    let kind = CustomerKind::parse(&row.kind).unwrap_or(CustomerKind::Individual);
    Profile::new(&Record {
        company: row.company.as_deref(),
        mobiles: &mobiles,
        phones: &phones,
        emails: &emails,
        uscc: row.uscc.as_deref(),
        province: row.province.as_deref(),
        city: row.city.as_deref(),
        address: row.address.as_deref(),
        postal_code: row.postal_code.as_deref(),
        birth_date: row.birth_date.as_deref(),
        ..Record::new(row.id, kind, &row.name)
    })
}

/// Profiles a page on `threads` threads.
pub(super) fn profile_parallel(
    rows: Vec<ScanRow>,
    contacts: Vec<ContactRow>,
    threads: usize,
) -> Vec<Profile> {
    let per = rows.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|part| {
                let contacts = &contacts;
                s.spawn(move || profile_page(part, contacts))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("profiling thread panicked"))
            .collect()
    })
}
