//! An order's line rows as the form shows them: a stored line to edit,
//! the rows read back from a posted form, and each row's errors.

use kehu_core::FieldError;
use serde_json::{Map, Value};

use crate::pages::{Posted, T};

/// Blank line rows a new order's form offers.
const BLANK_ROWS: usize = 5;

/// One line row of the form, as typed.
#[derive(Default, Clone)]
pub struct LineRow {
    pub product_id: String,
    pub name: String,
    pub unit: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub error: String,
}

const LINE_FIELDS: [&str; 6] = [
    "product_id",
    "name",
    "unit",
    "quantity",
    "unit_price",
    "discount",
];

impl LineRow {
    /// A stored line, to edit.
    pub fn of(l: &kehu_store::orders::OrderLine) -> LineRow {
        LineRow {
            product_id: l.product_id.map(|p| p.to_string()).unwrap_or_default(),
            name: l.name.clone(),
            unit: l.unit.clone().unwrap_or_default(),
            quantity: l.quantity.clone(),
            unit_price: l.unit_price.0.to_string(),
            discount: match l.discount.0 {
                Some(kehu_core::order::Discount::Percent(p)) => format!("{p}%"),
                Some(kehu_core::order::Discount::Amount(a)) => a.to_string(),
                None => String::new(),
            },
            error: String::new(),
        }
    }

    /// Whether the row names catalogue product `id`.
    pub fn is(&self, id: i64) -> bool {
        self.product_id == id.to_string()
    }

    fn get(&self, field: &str) -> &str {
        match field {
            "product_id" => &self.product_id,
            "name" => &self.name,
            "unit" => &self.unit,
            "quantity" => &self.quantity,
            "unit_price" => &self.unit_price,
            _ => &self.discount,
        }
    }

    fn is_blank(&self) -> bool {
        LINE_FIELDS.iter().all(|f| self.get(f).trim().is_empty())
    }
}

/// Puts each `lines[i].field` error on its row, named by its column, and
/// pads the rows with blank ones to type into.
pub(crate) fn line_errors(t: T, rows: &mut Vec<LineRow>, errors: &[FieldError]) {
    for (i, row) in rows.iter_mut().enumerate() {
        let prefix = format!("lines[{i}].");
        row.error = errors
            .iter()
            .filter_map(|e| {
                let field = e.field.strip_prefix(&prefix)?;
                let label = match field {
                    "product_id" => t.s("orders.product"),
                    "unit" => t.s("products.unit"),
                    "quantity" => t.s("orders.quantity"),
                    "unit_price" => t.s("products.price"),
                    "discount" => t.s("orders.discount"),
                    _ => t.s("field.name"),
                };
                Some(format!("{label}: {}", e.code.message(t.0)))
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    while rows.len() < BLANK_ROWS {
        rows.push(LineRow::default());
    }
}

/// Every value of `name`, blanks included, in the order they were posted:
/// line rows are told apart by position.
fn column(posted: &Posted, name: &str) -> Vec<String> {
    posted
        .fields
        .0
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The line rows of a posted form, and the JSON lines of its non-blank
/// rows (which rows they are, for errors). A row that names a product sends
/// only what was typed over the catalogue.
pub(crate) fn posted_lines(posted: &Posted) -> (Vec<LineRow>, Value) {
    let columns: Vec<Vec<String>> = LINE_FIELDS.iter().map(|f| column(posted, f)).collect();
    let n = columns.iter().map(Vec::len).max().unwrap_or(0);
    let cell = |c: usize, i: usize| columns[c].get(i).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for i in 0..n {
        rows.push(LineRow {
            product_id: cell(0, i),
            name: cell(1, i),
            unit: cell(2, i),
            quantity: cell(3, i),
            unit_price: cell(4, i),
            discount: cell(5, i),
            error: String::new(),
        });
    }
    rows.retain(|r| !r.is_blank());
    let json = rows
        .iter()
        .map(|row| {
            let mut line = Map::new();
            for field in LINE_FIELDS {
                let value = row.get(field).trim();
                if value.is_empty() {
                    continue;
                }
                let value = match field {
                    "product_id" => value
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::from(value)),
                    _ => Value::from(value),
                };
                line.insert(field.to_owned(), value);
            }
            Value::Object(line)
        })
        .collect();
    (rows, Value::Array(json))
}
