//! JSON Lines: one JSON object a line, its keys the columns.
//!
//! The columns are the keys of the first 1000 non-blank lines (or of the
//! lines in the first 4 MiB, if fewer), in order of first appearance
//! (nested objects flattened to "key.sub"); those lines are held while the
//! columns are gathered, and the rest stream. A line longer than the
//! limits allow, or with more keys than columns may be read, ends the file. A later
//! line with a filled value under a key not among the columns is refused
//! as a whole ([`RowProblem::UnknownKey`]) rather than imported without
//! that value; so is a line that is not a JSON object. Either way the
//! lines after it are still read.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader};

use crate::encoding::{sniff_file, DecodeReader};
use crate::json_order::Json;
use crate::limits::{Limit, RunGuard};
use crate::table::{Opened, RawRow, RowSource};
use crate::{FileError, Format, Limits, RowProblem, TableInfo};

/// How many lines decide the columns.
const HEADER_LINES: usize = 1000;

/// How much text the lines held to decide the columns may hold: parsed
/// into fields, text takes several times its size.
const HEADER_BYTES: usize = 4 * 1024 * 1024;

type Fields = Vec<(String, String)>;

/// A non-blank line: its number, and its fields or why it has none.
type Parsed = (u64, Result<Fields, RowProblem>);

pub(crate) fn open(
    source: &crate::source::Source,
    head: &[u8],
    limits: &Limits,
) -> Result<Opened, FileError> {
    let encoding = sniff_file(source, head)?;
    let file = RunGuard::lines(source.open()?, limits.max_line_bytes);
    let mut rows = JsonlRows {
        lines: BufReader::new(DecodeReader::new(file, encoding)),
        line: String::new(),
        number: 0,
        held: VecDeque::new(),
        columns: HashMap::new(),
        limits: *limits,
    };
    let mut headers = Vec::new();
    let mut held_bytes = 0;
    while rows.held.len() < HEADER_LINES && held_bytes < HEADER_BYTES {
        let Some(parsed) = rows.next_parsed()? else {
            break;
        };
        held_bytes += rows.line.len();
        if let Ok(fields) = &parsed.1 {
            for (key, _) in fields {
                if !rows.columns.contains_key(key) {
                    if headers.len() == limits.max_columns {
                        return Err(FileError::OverLimit {
                            limit: Limit::Columns,
                            max: limits.max_columns as u64,
                            row: Some(parsed.0),
                        });
                    }
                    rows.columns.insert(key.clone(), headers.len());
                    headers.push(key.clone());
                }
            }
        }
        rows.held.push_back(parsed);
    }
    if rows.held.is_empty() {
        return Err(FileError::EmptyFile);
    }
    Ok(Opened {
        source: Box::new(rows),
        info: TableInfo {
            format: Format::Jsonl,
            encoding: Some(encoding.name),
            delimiter: None,
            sheets: Vec::new(),
            sheet: None,
        },
        headers: Some(headers),
    })
}

struct JsonlRows {
    lines: BufReader<DecodeReader<RunGuard<crate::source::Input>>>,
    line: String,
    number: u64,
    held: VecDeque<Parsed>,
    columns: HashMap<String, usize>,
    limits: Limits,
}

impl JsonlRows {
    /// The next non-blank line, parsed and flattened.
    fn next_parsed(&mut self) -> Result<Option<Parsed>, FileError> {
        loop {
            self.line.clear();
            if self.lines.read_line(&mut self.line)? == 0 {
                return Ok(None);
            }
            self.number += 1;
            let text = self.line.trim();
            if !text.is_empty() {
                let parsed = parse_line(text);
                if let Ok(fields) = &parsed {
                    // Wider than the columns may be: the row could never
                    // be read, and held it would cost memory.
                    if fields.len() > self.limits.max_columns {
                        return Err(FileError::OverLimit {
                            limit: Limit::Columns,
                            max: self.limits.max_columns as u64,
                            row: Some(self.number),
                        });
                    }
                }
                return Ok(Some((self.number, parsed)));
            }
        }
    }

    fn place(&self, number: u64, fields: Fields) -> Result<RawRow, FileError> {
        let mut cells = vec![String::new(); self.columns.len()];
        for (key, value) in fields {
            match self.columns.get(&key) {
                Some(&at) => cells[at] = value,
                None if value.is_empty() => {}
                None => {
                    return Err(FileError::BadRow {
                        number,
                        problem: RowProblem::UnknownKey(key),
                    })
                }
            }
        }
        Ok(RawRow { number, cells })
    }
}

impl RowSource for JsonlRows {
    fn next_raw(&mut self) -> Option<Result<RawRow, FileError>> {
        let (number, parsed) = match self.held.pop_front() {
            Some(held) => held,
            None => match self.next_parsed() {
                Ok(Some(next)) => next,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            },
        };
        Some(match parsed {
            Ok(fields) => self.place(number, fields),
            Err(problem) => Err(FileError::BadRow { number, problem }),
        })
    }
}

fn parse_line(text: &str) -> Result<Fields, RowProblem> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(entries)) => {
            let mut fields = Vec::with_capacity(entries.len());
            flatten("", entries, &mut fields);
            Ok(fields)
        }
        Ok(_) => Err(RowProblem::NotAnObject),
        Err(e) => Err(RowProblem::InvalidJson(e.to_string())),
    }
}

/// Nested objects become "outer.inner" columns.
fn flatten(prefix: &str, entries: Vec<(String, Json)>, out: &mut Fields) {
    for (key, value) in entries {
        let key = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Json::Object(inner) => flatten(&key, inner, out),
            other => out.push((key, value_text(other))),
        }
    }
}

/// A value as a cell: strings as they are, numbers as serde_json prints
/// them (integers exactly; an integer too large for 64 bits has already
/// become a float, so ids that long must be quoted in the file), null as
/// empty, and arrays (tags, mostly) joined with ", ".
fn value_text(value: Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => s,
        Json::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Json::Array(_) | Json::Object(_) => plain(item).to_string(),
                other => value_text(other),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Json::Object(_) => plain(value).to_string(),
    }
}

/// An array's nested arrays and objects are kept as JSON text.
fn plain(value: Json) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => Value::Number(n),
        Json::String(s) => Value::String(s),
        Json::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
        Json::Object(entries) => {
            Value::Object(entries.into_iter().map(|(k, v)| (k, plain(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(String, String)> {
        parse_line(text).unwrap()
    }

    #[test]
    fn values_become_the_text_people_expect() {
        let got = fields(
            r#"{"name":"张三","mobile":13812345678,"score":4.5,"vip":true,"fax":null,"tags":["A","B",3],"custom":{"level":"金牌","x":{"y":1}}}"#,
        );
        let want = [
            ("name", "张三"),
            ("mobile", "13812345678"),
            ("score", "4.5"),
            ("vip", "true"),
            ("fax", ""),
            ("tags", "A, B, 3"),
            ("custom.level", "金牌"),
            ("custom.x.y", "1"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn lines_that_are_not_objects_are_refused() {
        assert_eq!(parse_line("[1,2]"), Err(RowProblem::NotAnObject));
        assert_eq!(parse_line("\"x\""), Err(RowProblem::NotAnObject));
        assert!(matches!(
            parse_line("{\"a\":"),
            Err(RowProblem::InvalidJson(_))
        ));
    }

    #[test]
    fn nested_values_inside_arrays_stay_json() {
        assert_eq!(fields(r#"{"a":[{"k":1},[2]]}"#)[0].1, r#"{"k":1}, [2]"#);
    }
}
