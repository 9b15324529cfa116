//! CSV and TSV: the encoding found, the delimiter sniffed, then the records
//! streamed field by field through csv-core.
//!
//! csv-core rather than the csv crate's records: a record is a list of
//! every field it holds, so one line of a million commas (or one quoted
//! field of a gigabyte) would be read whole before it could be measured.
//! Field by field, a cell is written into a buffer no larger than the
//! longest cell allowed, and columns past the limit are never kept.

use std::io::{BufRead, BufReader};

use csv_core::ReadFieldResult;

use crate::encoding::{decode_sample, sniff_file, DecodeReader};
use crate::limits::Limit;
use crate::source::{Input, Source};
use crate::table::{Opened, RawRow, RowSource};
use crate::{FileError, Format, Limits, TableInfo};

const CANDIDATES: [char; 4] = [',', '\t', ';', '|'];

pub(crate) fn open(
    source: &Source,
    head: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Opened, FileError> {
    let encoding = sniff_file(source, head)?;
    let sample = decode_sample(encoding, head);
    let truncated = head.len() >= crate::HEAD_LEN;
    let delimiter = choose_delimiter(&sample, truncated, format == Format::Tsv);
    let parser = csv_core::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .build();
    Ok(Opened {
        source: Box::new(CsvRows {
            input: BufReader::new(DecodeReader::new(source.open()?, encoding)),
            parser,
            field: vec![0; limits.max_cell_bytes.saturating_add(1)],
            number: 0,
            limits: *limits,
            done: false,
        }),
        info: TableInfo {
            format,
            encoding: Some(encoding.name),
            delimiter: Some(delimiter),
            sheets: Vec::new(),
            sheet: None,
        },
        headers: None,
    })
}

struct CsvRows {
    input: BufReader<DecodeReader<Input>>,
    parser: csv_core::Reader,
    /// One cell's bytes; one byte longer than a cell may be, to notice.
    field: Vec<u8>,
    number: u64,
    limits: Limits,
    done: bool,
}

impl CsvRows {
    fn over(&self, limit: Limit) -> FileError {
        FileError::OverLimit {
            limit,
            max: limit.of(&self.limits),
            row: Some(self.number + 1),
        }
    }

    /// The next record, or `None` at the end of the file.
    fn record(&mut self) -> Result<Option<Vec<String>>, FileError> {
        let mut cells = Vec::new();
        // Empty fields past the column limit are counted, not kept: a
        // filled one after them is what makes the row too wide.
        let mut skipped_empty = false;
        let mut len = 0;
        loop {
            let input = self.input.fill_buf()?;
            let (result, read, written) = self.parser.read_field(input, &mut self.field[len..]);
            self.input.consume(read);
            len += written;
            match result {
                ReadFieldResult::InputEmpty => {}
                ReadFieldResult::OutputFull => return Err(self.over(Limit::CellBytes)),
                ReadFieldResult::Field { record_end } => {
                    if len > self.limits.max_cell_bytes {
                        return Err(self.over(Limit::CellBytes));
                    }
                    if cells.len() < self.limits.max_columns && !skipped_empty {
                        cells.push(String::from_utf8_lossy(&self.field[..len]).into_owned());
                    } else if len == 0 {
                        skipped_empty = true;
                    } else {
                        return Err(self.over(Limit::Columns));
                    }
                    len = 0;
                    if record_end {
                        return Ok(Some(cells));
                    }
                }
                ReadFieldResult::End => return Ok(None),
            }
        }
    }
}

impl RowSource for CsvRows {
    fn next_raw(&mut self) -> Option<Result<RawRow, FileError>> {
        if self.done {
            return None;
        }
        match self.record() {
            Ok(Some(cells)) => {
                self.number += 1;
                Some(Ok(RawRow {
                    number: self.number,
                    cells,
                }))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Picks the delimiter that splits the sample's records most consistently.
///
/// Each candidate is counted per record, outside quotes; the score is the
/// share of records holding its most common non-zero count. A tab wins for
/// a `.tsv` file unless there is no tab at all and another candidate was
/// found, and a file with none of them is one column of comma CSV.
fn choose_delimiter(sample: &str, truncated: bool, tsv: bool) -> char {
    let records = split_records(sample, truncated);
    let scores: Vec<(char, f64)> = CANDIDATES
        .iter()
        .map(|&c| (c, consistency(&records, c)))
        .collect();
    let best = scores.iter().filter(|(_, score)| *score > 0.0).fold(
        None::<(char, f64)>,
        |best, &(c, score)| match best {
            Some((_, top)) if top >= score => best,
            _ => Some((c, score)),
        },
    );
    match best {
        None if tsv => '\t',
        None => ',',
        Some(_) if tsv && scores[1].1 > 0.0 => '\t',
        Some((c, _)) => c,
    }
}

/// The records of the sample: lines, except that a newline inside quotes
/// does not end one. A record cut off at the end of the sample is dropped.
fn split_records(sample: &str, truncated: bool) -> Vec<&str> {
    let mut records = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in sample.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => {
                records.push(sample[start..i].trim_end_matches('\r'));
                start = i + 1;
            }
            _ => {}
        }
    }
    if !truncated {
        records.push(&sample[start..]);
    }
    records.retain(|r| !r.trim().is_empty());
    records
}

fn count_outside_quotes(record: &str, delimiter: char) -> usize {
    let mut quoted = false;
    record
        .chars()
        .filter(|&c| {
            if c == '"' {
                quoted = !quoted;
            }
            c == delimiter && !quoted
        })
        .count()
}

/// The share of records in which `delimiter` appears its most common
/// number of times; 0 when it never appears.
fn consistency(records: &[&str], delimiter: char) -> f64 {
    let counts: Vec<usize> = records
        .iter()
        .map(|r| count_outside_quotes(r, delimiter))
        .collect();
    let mut tally = std::collections::HashMap::new();
    for &n in counts.iter().filter(|&&n| n > 0) {
        *tally.entry(n).or_insert(0usize) += 1;
    }
    let Some(&modal) = tally.values().max() else {
        return 0.0;
    };
    modal as f64 / counts.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consistent_delimiter_wins() {
        assert_eq!(choose_delimiter("a,b,c\n1,2,3\n", false, false), ',');
        assert_eq!(
            choose_delimiter("a;b;c\n1,5;2;3\n4;5,1;6\n", false, false),
            ';'
        );
        assert_eq!(choose_delimiter("a\tb\n1\t2, 3\n", false, false), '\t');
        assert_eq!(choose_delimiter("a|b\n1|2\n", false, false), '|');
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        let sample = "name;note\n\"Li, Wei\";\"a, b, c\"\n\"x,\ny\";z\n";
        assert_eq!(choose_delimiter(sample, false, false), ';');
    }

    #[test]
    fn one_column_is_comma_csv_and_tsv_prefers_tab() {
        assert_eq!(choose_delimiter("name\n张三\n", false, false), ',');
        assert_eq!(choose_delimiter("name\n张三\n", false, true), '\t');
        assert_eq!(choose_delimiter("a\tb,c\n1\t2,3\n", false, true), '\t');
        assert_eq!(choose_delimiter("a,b\n1,2\n", false, true), ',');
    }

    #[test]
    fn a_record_cut_off_by_the_sample_is_ignored() {
        assert_eq!(split_records("a,b\n1,2\n3", true), ["a,b", "1,2"]);
        assert_eq!(split_records("a,b\r\n\r\n3", false), ["a,b", "3"]);
    }
}
